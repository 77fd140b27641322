"""The thin flow across services, in one app on the in-process broker."""

from tests.support import TICKET, deliver


def test_employee_ticket_reaches_agent_as_task_and_notification(client, seeded):
    employee = client.as_user("employee@example.com")
    coordinator = client.as_user("coordinator@example.com")
    agent = client.as_user("agent@example.com")

    created = employee.post("/api/tickets", json=TICKET)
    assert created.status_code == 201, created.get_json()
    ticket = created.get_json()
    assert ticket["status"] == "new"
    assert ticket["number"] >= 1000

    approved = coordinator.post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "high"})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "open"

    assert deliver() >= 3  # opened -> workflow; assigned -> tickets and notifier

    tasks = agent.get("/api/workflow/tasks?assignee=me").get_json()["items"]
    assert [t["ticket_id"] for t in tasks] == [ticket["id"]]
    assert tasks[0]["status"] == "assigned"

    notes = agent.get("/api/notifications").get_json()
    assert notes["unread_count"] == 1
    assert notes["items"][0]["data"]["ticket_id"] == ticket["id"]

    now = employee.get(f"/api/tickets/{ticket['id']}").get_json()
    assert now["status"] == "in_progress"
    assert now["assignee"]["name"] == "Ava Agent"
    # The agent may now see the ticket it was given.
    assert agent.get(f"/api/tickets/{ticket['id']}").status_code == 200


def test_redelivered_events_have_no_second_effect(client, seeded, app):
    from common.broker import get_broker

    employee = client.as_user("employee@example.com")
    coordinator = client.as_user("coordinator@example.com")
    ticket = employee.post("/api/tickets", json=TICKET).get_json()
    coordinator.post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "low"})

    broker = get_broker()
    # Duplicate every queued message before delivering: at-least-once delivery.
    for queue in broker.queues.values():
        pending = []
        while not queue.empty():
            pending.append(queue.get_nowait())
        for raw in pending * 2:
            queue.put(raw)
    deliver()

    agent = client.as_user("agent@example.com")
    assert len(agent.get("/api/workflow/tasks?assignee=me").get_json()["items"]) == 1
    assert agent.get("/api/notifications").get_json()["unread_count"] == 1
