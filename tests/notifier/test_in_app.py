"""In-app notifications: the requester hears of each move; reading them is one's own."""

import uuid

from tests.support import TICKET, deliver


def test_the_requester_hears_of_each_move_made_by_others(client, seeded):
    ticket, coordinator = _approved_employee_ticket(client)
    employee = client.as_user("employee@example.com")
    notes = employee.get("/api/notifications").get_json()
    # The approval and the assignment it led to, a moment apart, are one notice.
    [accepted] = notes["items"]
    assert accepted["subject"] == f"Ticket accepted: #{ticket['number']} {TICKET['subject']}"
    assert accepted["body"].endswith("was approved, and someone is now working on it.")
    assert accepted["type"] == "ticket_in_progress"
    assert notes["unread_count"] == 1
    held = coordinator.post(f"/api/tickets/{ticket['id']}/hold", json={"reason": "parts ordered"})
    assert held.status_code == 200
    deliver()
    notes = employee.get("/api/notifications").get_json()
    assert notes["items"][0]["subject"].startswith("On hold")
    assert notes["unread_count"] == 2


def test_moves_the_requester_made_are_not_news_to_them(client, seeded):
    """A coordinator's own ticket, approved by them: that it is being worked on is news,
    that it was approved is not; their own hold is not either."""
    coordinator = client.as_user("coordinator@example.com")
    ticket = coordinator.post("/api/tickets", json=TICKET).get_json()
    approved = coordinator.post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "high"})
    assert approved.status_code == 200
    deliver()
    [working] = coordinator.get("/api/notifications").get_json()["items"]
    assert working["subject"] == f"Being worked on: #{ticket['number']} {TICKET['subject']}"
    held = coordinator.post(f"/api/tickets/{ticket['id']}/hold", json={"reason": "on leave"})
    assert held.status_code == 200
    deliver()
    assert coordinator.get("/api/notifications").get_json()["unread_count"] == 1


def test_a_queued_ticket_is_no_news_to_the_requester_who_approved_it():
    from notifier import service

    queued = {"ticket_id": 9, "number": 1009, "subject": "Desk", "requester_id": 5}
    assert service.ticket_queued_drafts({**queued, "approved_by": 5}, "e") == []
    [draft] = service.ticket_queued_drafts({**queued, "approved_by": 6}, "e")
    assert (draft.user_id, draft.subject) == (5, "Ticket accepted: #1009 Desk")


def _approved_employee_ticket(client):
    """An employee's new ticket, approved by the coordinator, and every event delivered;
    returns it and the coordinator's client."""
    employee = client.as_user("employee@example.com")
    coordinator = client.as_user("coordinator@example.com")
    ticket = employee.post("/api/tickets", json=TICKET).get_json()
    approved = coordinator.post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "high"})
    assert approved.status_code == 200
    deliver()
    return ticket, coordinator


def _notices_of(email: str) -> list:
    """(source_event_id, subject, body, type) of a person's notifications, oldest first."""
    from sqlalchemy import select

    from common.db import db
    from common.models.auth import User
    from common.models.notify import Notification

    user_id = db.session.scalar(select(User.id).where(User.email == email))
    return db.session.execute(
        select(
            Notification.source_event_id, Notification.subject, Notification.body, Notification.type
        )
        .where(Notification.user_id == user_id)
        .order_by(Notification.id)
    ).all()


def _workflow_event(name: str) -> str:
    from sqlalchemy import select

    from common.db import db
    from common.models.workflow import WorkflowOutbox

    return str(db.session.scalar(select(WorkflowOutbox.id).where(WorkflowOutbox.name == name)))


def test_an_approved_ticket_nobody_can_take_is_news_that_it_waits(client, seeded):
    from common.db import db
    from common.models.workflow import RoleHolder

    # Nobody holds the start step's role: the task waits for someone to take it.
    db.session.execute(db.update(RoleHolder).values(is_active=False))
    db.session.commit()
    ticket, _ = _approved_employee_ticket(client)
    # Told by the workflow's event, once.
    [(source, subject, body, kind)] = _notices_of("employee@example.com")
    assert source == _workflow_event("workflow.ticket_queued")
    assert subject == f"Ticket accepted: #{ticket['number']} {TICKET['subject']}"
    assert body.endswith("was approved and is queued.") and kind == "ticket_open"


def test_an_approved_ticket_no_workflow_matches_is_news_to_both(client, seeded):
    from common.db import db
    from common.models.workflow import Workflow

    db.session.execute(db.update(Workflow).values(is_default=False, category="None of these"))
    db.session.commit()
    ticket, coordinator = _approved_employee_ticket(client)
    [(source, subject, body, _)] = _notices_of("employee@example.com")
    assert source == _workflow_event("workflow.ticket_unrouted") + ":requester"
    assert subject.startswith("Ticket accepted") and body.endswith("was approved and is queued.")
    subjects = [n["subject"] for n in coordinator.get("/api/notifications").get_json()["items"]]
    assert subjects == [f"Needs routing: #{ticket['number']} {TICKET['subject']}"]


def test_marking_read_is_for_ones_own_notifications(client, seeded):
    employee = client.as_user("employee@example.com")
    coordinator = client.as_user("coordinator@example.com")
    ticket = employee.post("/api/tickets", json=TICKET).get_json()
    coordinator.post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "low"})
    deliver()
    held = coordinator.post(f"/api/tickets/{ticket['id']}/hold", json={"reason": "parts ordered"})
    assert held.status_code == 200
    deliver()
    first = employee.get("/api/notifications").get_json()["items"][0]
    assert coordinator.post(f"/api/notifications/{first['id']}/read").status_code == 404
    read = employee.post(f"/api/notifications/{first['id']}/read")
    assert read.status_code == 200 and read.get_json()["is_read"] is True
    assert employee.get("/api/notifications").get_json()["unread_count"] == 1
    assert employee.post("/api/notifications/read-all").get_json() == {"marked": 1}
    assert employee.get("/api/notifications?unread=true").get_json()["items"] == []


def test_opening_a_ticket_reads_its_notifications_only(client, seeded):
    from sqlalchemy import select

    from common.db import db
    from common.models.auth import User
    from notifier import service

    ids = dict(db.session.execute(select(User.email, User.id)).all())
    agent_id, employee_id = ids["agent@example.com"], ids["employee@example.com"]
    for user_id, ticket_id in ((agent_id, 41), (agent_id, 41), (agent_id, 42), (employee_id, 41)):
        service.notify(user_id, "system", "about it", "", {"ticket_id": ticket_id}, uuid.uuid4())
    service.notify(agent_id, "system", "about nothing", "", {}, uuid.uuid4())
    db.session.flush()
    agent = client.as_user("agent@example.com")
    read = agent.post("/api/notifications/read", json={"ticket_id": 41})
    assert read.status_code == 200
    assert read.get_json() == {"marked": 2, "unread_count": 2}
    unread = agent.get("/api/notifications?unread=true").get_json()["items"]
    assert sorted(n["subject"] for n in unread) == ["about it", "about nothing"]
    assert [n["data"] for n in unread if n["data"]] == [{"ticket_id": 42}]
    # Someone else's notices about the same ticket stay as they were.
    employee = client.as_user("employee@example.com")
    assert employee.get("/api/notifications").get_json()["unread_count"] == 1
    again = agent.post("/api/notifications/read", json={"ticket_id": 41})
    assert again.get_json() == {"marked": 0, "unread_count": 2}
    assert agent.post("/api/notifications/read", json={}).status_code == 422


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


def _assigned(**changes) -> dict:
    payload = {
        "task_id": 7,
        "ticket_id": 70,
        "ticket_number": 1070,
        "ticket_subject": "Printer",
        "step": "Work",
        "assignee_id": 0,
        "assignee_name": "Agent",
        "origin": "system",
        "requester_id": 0,
        "first_assignment": True,
    }
    return {**payload, **changes}


def test_one_assigned_event_tells_the_assignee_and_at_first_the_requester(tx, seeded):
    from sqlalchemy import select

    from common.db import db
    from common.models.auth import User
    from common.models.notify import Notification
    from notifier import tasks

    ids = dict(db.session.execute(select(User.email, User.id)).all())
    agent, employee = ids["agent@example.com"], ids["employee@example.com"]
    event_id = uuid.uuid4()
    payload = _assigned(assignee_id=agent, requester_id=employee)
    tasks.on_task_assigned.handler(payload, event_id)
    tasks.on_task_assigned.handler(payload, event_id)  # a redelivery adds nothing
    # A later reassignment is news to its assignee only; so is a ticket the agent raised.
    tasks.on_task_assigned.handler(
        _assigned(assignee_id=employee, first_assignment=False, requester_id=employee), uuid.uuid4()
    )
    tasks.on_task_assigned.handler(
        _assigned(assignee_id=agent, requester_id=agent, ticket_id=71), uuid.uuid4()
    )
    db.session.flush()
    rows = db.session.execute(
        select(Notification.user_id, Notification.type, Notification.subject)
        .where(Notification.user_id.in_([agent, employee]))
        .order_by(Notification.id)
    ).all()
    assert [(r.user_id, r.type) for r in rows] == [
        (agent, "task_assignment"),
        (employee, "ticket_in_progress"),
        (employee, "task_assignment"),
        (agent, "task_assignment"),
    ]
    assert rows[1].subject == "Being worked on: #1070 Printer"


def test_the_tickets_approve_and_assign_moves_are_not_sent_to_notifier():
    """Their news travels with tasks.assigned (or workflow.ticket_queued or _unrouted):
    one message to notifier per approval."""
    from common.events import event_type

    notify = next(
        s for s in event_type("tickets.status_changed").subscribers if s.queue == "notify"
    )
    assert not notify.wants({"action": "assign"})
    assert not notify.wants({"action": "approve"})
    assert notify.wants({"action": "reject"})


def test_a_batch_of_events_adds_each_notification_once_in_order(tx, seeded):
    """notify.on_task_assigned and on_ticket_status_changed run batches (notifier/inbox),
    together: a batch holds deliveries of both, each handled by its own actor."""
    from sqlalchemy import select

    from common.batching import Delivery
    from common.db import db
    from common.models.auth import User
    from common.models.notify import Notification
    from notifier import tasks

    ids = dict(db.session.execute(select(User.email, User.id)).all())
    agent, employee = ids["agent@example.com"], ids["employee@example.com"]
    first, again = uuid.uuid4(), uuid.uuid4()
    assigned, moved_to = "notify.on_task_assigned", "notify.on_ticket_status_changed"
    assert tasks.on_task_assigned.group is tasks.on_ticket_status_changed.group
    assert tasks.on_ticket_queued.group is tasks.on_task_assigned.group
    moved = {
        "ticket_id": 73,
        "number": 1073,
        "action": "approve",
        "from_status": "new",
        "to_status": "open",
        "reason": None,
        "actor_id": agent,
        "requester_id": employee,
        "assignee_id": None,
        "subject": "Screen",
    }
    deliveries = [
        Delivery(first, _assigned(assignee_id=agent, requester_id=employee), actor=assigned),
        Delivery(uuid.uuid4(), moved, actor=moved_to),
        Delivery(
            again,
            _assigned(assignee_id=employee, requester_id=agent, ticket_id=72),
            actor=assigned,
        ),
        Delivery(first, _assigned(assignee_id=agent, requester_id=employee), actor=assigned),
    ]
    tasks.on_task_assigned.group.run_batch(deliveries)
    tasks.on_task_assigned.group.run_batch(deliveries[2:])  # redelivered: nothing new
    queued = {"ticket_id": 75, "number": 1075, "subject": "Desk", "requester_id": employee}
    tasks.on_ticket_status_changed.group.run_batch(
        [
            Delivery(uuid.uuid4(), {**moved, "ticket_id": 74}, actor=moved_to),
            Delivery(uuid.uuid4(), queued, actor="notify.on_ticket_queued"),
        ]
    )
    rows = db.session.execute(
        select(Notification.id, Notification.user_id, Notification.type, Notification.data)
        .where(Notification.user_id.in_([agent, employee]))
        .order_by(Notification.id)
    ).all()
    assert [(r.user_id, r.type, r.data["ticket_id"]) for r in rows] == [
        # In the order the deliveries came, whichever actor each was for.
        (agent, "task_assignment", 70),
        (employee, "ticket_in_progress", 70),
        (employee, "ticket_open", 73),
        (employee, "task_assignment", 72),
        (agent, "ticket_in_progress", 72),
        (employee, "ticket_open", 74),
        (employee, "ticket_open", 75),
    ]
    # Each notice links its ticket by the number people see (the web UI's /tickets/<n>).
    assert [r.data["ticket_number"] for r in rows] == [1070, 1070, 1073, 1070, 1070, 1073, 1075]
    # A notification is unique by its causing event: these actors need no claim row.
    from common.models.notify import NotifyProcessedEvent

    claimed = select(NotifyProcessedEvent.event_id).where(
        NotifyProcessedEvent.event_id.in_([first, again])
    )
    assert db.session.scalars(claimed).all() == []
