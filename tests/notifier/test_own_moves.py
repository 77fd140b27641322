"""Nobody is notified of their own move: the actor of a workflow event hears nothing of it."""

from tests.support import TICKET, deliver


def test_an_agent_is_not_told_of_the_step_change_they_made(client, seeded):
    """The demo agent is the only holder of both steps of IT support: moving their task
    from triage to resolve gives it back to them, which is no news to them."""
    employee = client.as_user("employee@example.com")
    coordinator = client.as_user("coordinator@example.com")
    agent = client.as_user("agent@example.com")
    ticket = employee.post("/api/tickets", json=TICKET).get_json()
    approved = coordinator.post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "high"})
    assert approved.status_code == 200
    deliver()
    [task] = agent.get(f"/api/workflow/tasks?ticket={ticket['id']}").get_json()["items"]
    assert _assignment_notices(agent) == [f"New task: #{ticket['number']} {TICKET['subject']}"]
    employee_notices = employee.get("/api/notifications").get_json()["unread_count"]

    moved = agent.post(
        f"/api/workflow/tasks/{task['id']}/act",
        json={"transition": "send_to_resolution", "notes": "", "revision": task["revision"]},
    )
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["step"], moved.get_json()["assignee_id"]) == ("resolve", _me(agent))
    deliver()
    assert len(_assignment_notices(agent)) == 1
    assert employee.get("/api/notifications").get_json()["unread_count"] == employee_notices


def test_each_assignment_names_whose_move_it_was(client, seeded):
    """The workflow's own (a new task), the agent's act, the coordinator's transfer."""
    from sqlalchemy import select

    from common.db import db
    from common.models.workflow import WorkflowOutbox
    from tests.workflow_api.helpers import grant
    from workflow_api import replica

    employee = client.as_user("employee@example.com")
    coordinator = client.as_user("coordinator@example.com")
    agent = client.as_user("agent@example.com")
    ticket = employee.post("/api/tickets", json=TICKET).get_json()
    coordinator.post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "high"})
    deliver()
    [task] = agent.get(f"/api/workflow/tasks?ticket={ticket['id']}").get_json()["items"]
    moved = agent.post(
        f"/api/workflow/tasks/{task['id']}/act",
        json={"transition": "send_to_resolution", "notes": "", "revision": task["revision"]},
    ).get_json()
    replica.apply_grant(grant(101))  # someone to transfer the task to
    db.session.commit()
    transferred = coordinator.post(
        f"/api/workflow/tasks/{task['id']}/transfer",
        json={"user_id": 101, "notes": "", "revision": moved["revision"]},
    )
    assert transferred.status_code == 200, transferred.get_json()
    payloads = db.session.scalars(
        select(WorkflowOutbox.payload).where(WorkflowOutbox.name == "tasks.assigned")
    ).all()
    # One transaction's events share their created_at: their order is not asked of them.
    assert sorted((p["step"], p["assignee_id"], p["actor_id"] or 0) for p in payloads) == [
        ("Resolve", moved["assignee_id"], moved["assignee_id"]),  # the agent's own act
        ("Resolve", 101, _me(coordinator)),
        ("Triage", moved["assignee_id"], 0),  # the new task: the workflow's pick (None)
    ]


def _me(user) -> int:
    return user.get("/api/auth/me").get_json()["id"]


def test_whoever_made_an_assignment_hears_nothing_of_it(tx, seeded):
    """Others still hear of it: the assignee of a coordinator's transfer, the requester of
    a ticket a coordinator routed; the actor, whoever they are, does not."""
    from notifier import service

    def told(**changes):
        payload = {
            "task_id": 7,
            "ticket_id": 70,
            "ticket_number": 1070,
            "ticket_subject": "Printer",
            "step": "Work",
            "assignee_id": 5,
            "assignee_name": "Agent",
            "origin": "system",
            "requester_id": 6,
            "first_assignment": True,
            **changes,
        }
        return sorted(draft.user_id for draft in service.task_assigned_drafts(payload, "e"))

    assert told() == [5, 6]  # the workflow's own move: both hear of it
    assert told(actor_id=9) == [5, 6]  # someone else's move
    assert told(actor_id=5) == [6]  # the assignee's own move (acted, took it themselves)
    assert told(actor_id=6) == [5]  # the requester routed their own ticket
    assert told(actor_id=5, requester_id=5) == []


def test_the_assignment_event_names_its_actor():
    """tasks.assigned carries who made the move: notifier can only leave out who it knows."""
    from common.events import event_type

    schema = event_type("tasks.assigned").schema()
    base = {
        "task_id": 7,
        "ticket_id": 70,
        "ticket_subject": "Printer",
        "step": "Work",
        "assignee_id": 5,
        "assignee_name": "Agent",
    }
    assert schema.load({**base, "actor_id": 5})["actor_id"] == 5
    assert schema.load(base)["actor_id"] is None  # one emitted before it said: no actor


def _assignment_notices(user) -> list[str]:
    items = user.get("/api/notifications").get_json()["items"]
    return [n["subject"] for n in items if n["type"] == "task_assignment"]
