"""In-app notifications: the requester hears of each move; reading them is one's own."""

import uuid

from tests.support import TICKET, deliver


def test_the_requester_hears_of_each_move_made_by_others(client, seeded):
    employee = client.as_user("employee@example.com")
    coordinator = client.as_user("coordinator@example.com")
    ticket = employee.post("/api/tickets", json=TICKET).get_json()
    coordinator.post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "high"})
    deliver()
    notes = employee.get("/api/notifications").get_json()
    subjects = [n["subject"] for n in notes["items"]]
    assert any(s.startswith("Ticket accepted") for s in subjects)
    assert any(s.startswith("Being worked on") for s in subjects)
    assert notes["unread_count"] == 2
    # Moves the requester makes themselves are not news to them.
    employee.post(f"/api/tickets/{ticket['id']}/hold", json={"reason": "on leave"})
    deliver()
    assert employee.get("/api/notifications").get_json()["unread_count"] == 2


def test_marking_read_is_for_ones_own_notifications(client, seeded):
    employee = client.as_user("employee@example.com")
    coordinator = client.as_user("coordinator@example.com")
    ticket = employee.post("/api/tickets", json=TICKET).get_json()
    coordinator.post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "low"})
    deliver()
    first = employee.get("/api/notifications").get_json()["items"][0]
    assert coordinator.post(f"/api/notifications/{first['id']}/read").status_code == 404
    read = employee.post(f"/api/notifications/{first['id']}/read")
    assert read.status_code == 200 and read.get_json()["is_read"] is True
    assert employee.get("/api/notifications").get_json()["unread_count"] == 1
    assert employee.post("/api/notifications/read-all").get_json() == {"marked": 1}
    assert employee.get("/api/notifications?unread=true").get_json()["items"] == []


def test_pages_newest_first_by_before_without_gaps(client, seeded):
    from sqlalchemy import select

    from common.db import db
    from common.models.auth import User
    from notifier import service

    agent_id = db.session.scalar(select(User.id).where(User.email == "agent@example.com"))
    for number in range(5):
        service.notify(agent_id, "system", f"note {number}", "", {}, uuid.uuid4())
    db.session.flush()
    agent = client.as_user("agent@example.com")
    seen, before = [], None
    while True:
        page = agent.get("/api/notifications?limit=2" + (f"&before={before}" if before else ""))
        items = page.get_json()["items"]
        seen += [n["id"] for n in items]
        before = page.get_json()["next_cursor"]
        if before is None:
            break
        assert before == items[-1]["id"]  # the cursor is the last id shown
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) >= 5
    assert agent.get("/api/notifications?before=x").status_code == 422
