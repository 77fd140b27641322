"""The whole transition table: every people action from every status, by the right and the
wrong people; plus the workflow's and the scheduler's moves."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from common.db import db, utcnow
from common.models.tickets import STATUSES, Ticket, TicketsOutbox
from tests.support import deliver
from tests.tickets_api.helpers import assignment
from tickets_api import service
from tickets_api.lifecycle import PEOPLE_ACTIONS, TRANSITIONS

# Who performs each action in the "allowed" case, and one capacity that may not.
ACTOR = {
    "approve": ("coordinator", "employee"),
    "reject": ("coordinator", "employee"),
    "withdraw": ("employee", "coordinator"),
    "hold": ("agent", "employee"),
    "resume": ("coordinator", "employee"),
    "resolve": ("admin", "agent"),
    "reopen": ("employee", "agent"),
    "close": ("employee", "agent"),
}
BODY = {"approve": {"priority": "high"}}
REASON = {"reason": "because"}


def _state(status, user_ids):
    # The agent is the assignee wherever one makes sense, so it can see and act.
    fields = {"assignee_id": user_ids["agent"], "assignee_name": "Ava Agent"}
    if status == "resolved":
        fields["resolved_at"] = utcnow() - timedelta(days=1)
    return fields


CASES = [(action, status) for action in PEOPLE_ACTIONS for status in STATUSES]


@pytest.mark.parametrize("action,status", CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_people_actions_from_every_status(people, user_ids, make_ticket, action, status):
    ticket_id = make_ticket(status, **_state(status, user_ids))
    who, _ = ACTOR[action]
    body = BODY.get(action, REASON)
    response = people[who].post(f"/api/tickets/{ticket_id}/{action}", json=body)
    transition = TRANSITIONS[action]
    if status in transition.sources:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == (
            "in_progress" if action == "reopen" else transition.target
        )
    else:
        assert response.status_code == 409, response.get_json()
        problem = response.get_json()
        assert problem["current_status"] == status
        assert action not in problem["allowed_actions"]
        assert status in problem["detail"]


@pytest.mark.parametrize("action", PEOPLE_ACTIONS)
def test_wrong_person_gets_403(people, user_ids, make_ticket, action):
    status = sorted(TRANSITIONS[action].sources)[0]
    ticket_id = make_ticket(status, **_state(status, user_ids))
    _, outsider = ACTOR[action]
    body = BODY.get(action, REASON)
    response = people[outsider].post(f"/api/tickets/{ticket_id}/{action}", json=body)
    assert response.status_code == 403, response.get_json()


@pytest.mark.parametrize("action", ["reject", "withdraw", "hold"])
def test_reason_is_required(people, user_ids, make_ticket, action):
    status = sorted(TRANSITIONS[action].sources)[0]
    ticket_id = make_ticket(status, **_state(status, user_ids))
    who, _ = ACTOR[action]
    for body in ({}, {"reason": "   "}):
        response = people[who].post(f"/api/tickets/{ticket_id}/{action}", json=body)
        assert response.status_code == 422
        assert "reason" in response.get_json()["errors"]


def test_reopen_window_is_seven_days_for_the_requester(people, user_ids, make_ticket):
    old = make_ticket(
        "resolved",
        assignee_id=user_ids["agent"],
        assignee_name="Ava Agent",
        resolved_at=utcnow() - timedelta(days=8),
    )
    late = people["employee"].post(f"/api/tickets/{old}/reopen", json={})
    assert late.status_code == 409
    assert "reopen" not in late.get_json()["allowed_actions"]
    staff = people["coordinator"].post(f"/api/tickets/{old}/reopen", json={})
    assert staff.status_code == 200 and staff.get_json()["status"] == "in_progress"


def test_reopen_without_assignee_returns_to_open(people, make_ticket):
    ticket_id = make_ticket("resolved", resolved_at=utcnow())
    reopened = people["employee"].post(f"/api/tickets/{ticket_id}/reopen", json={})
    assert reopened.get_json()["status"] == "open"
    assert reopened.get_json()["resolved_at"] is None


def test_allowed_actions_depend_on_who_asks(people, user_ids, make_ticket):
    ticket_id = make_ticket("new")
    assert people["employee"].get(f"/api/tickets/{ticket_id}/actions").get_json() == {
        "status": "new",
        "allowed_actions": ["withdraw"],
    }
    assert people["coordinator"].get(f"/api/tickets/{ticket_id}/actions").get_json()[
        "allowed_actions"
    ] == ["approve", "reject"]


def test_every_move_is_recorded_and_published(app, people, make_ticket):
    ticket_id = make_ticket("new")
    people["coordinator"].post(f"/api/tickets/{ticket_id}/approve", json={"priority": "low"})
    people["employee"].post(f"/api/tickets/{ticket_id}/withdraw", json={"reason": "fixed itself"})
    history = people["employee"].get(f"/api/tickets/{ticket_id}/history").get_json()["items"]
    moves = [
        (h["action"], c["field"], c["old_value"], c["new_value"])
        for h in history
        for c in h["changes"]
    ]
    assert ("approve", "status", "new", "open") in moves
    assert ("approve", "priority", None, "low") in moves
    assert ("withdraw", "status", "open", "withdrawn") in moves
    assert [h["reason"] for h in history if h["action"] == "withdraw"] == ["fixed itself"]
    with app.app_context():
        events = db.session.execute(
            select(TicketsOutbox.name, TicketsOutbox.payload).order_by(TicketsOutbox.created_at)
        ).all()
    # The approval goes out as tickets.opened alone: the workflow takes it from there, and
    # the requester hears of it with what the workflow made of it (notifier/service).
    moved = [
        (name, e.get("from_status"), e.get("to_status"), e.get("reason")) for name, e in events
    ]
    assert moved == [
        ("tickets.opened", None, None, None),
        ("tickets.status_changed", "open", "withdrawn", "fixed itself"),
    ]


def test_workflow_events_move_the_ticket_once(app, people, user_ids, make_ticket):
    ticket_id = make_ticket("open", priority="high")
    assigned = assignment(ticket_id, user_ids["agent"])
    with app.app_context():
        service.record_assignment(assigned)
        service.record_assignment(assigned)  # a redelivery changes nothing more
        db.session.commit()
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.assignee_id) == ("in_progress", user_ids["agent"])
        service.record_completion({"task_id": 1, "ticket_id": ticket_id})
        service.record_completion({"task_id": 1, "ticket_id": ticket_id})
        db.session.commit()
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == "resolved" and ticket.resolved_at is not None
    history = people["agent"].get(f"/api/tickets/{ticket_id}/history").get_json()["items"]
    statuses = [
        (c["old_value"], c["new_value"])
        for h in history
        for c in h["changes"]
        if c["field"] == "status"
    ]
    assert statuses == [("open", "in_progress"), ("in_progress", "resolved")]


def test_only_an_assignee_replaced_tells_chat_that_someone_lost_sight(app, user_ids, make_ticket):
    ticket_id = make_ticket("open", priority="high")
    assigned = assignment(ticket_id, user_ids["agent"])

    def audience_events():
        return db.session.scalars(
            select(TicketsOutbox.payload).where(TicketsOutbox.name == "tickets.audience_changed")
        ).all()

    with app.app_context():
        service.record_assignment(assigned)  # the first assignee: nobody lost anything
        db.session.commit()
        assert audience_events() == []
        service.record_assignment({**assigned, "assignee_id": 999, "assignee_name": "Bo"})
        service.record_assignment({**assigned, "assignee_id": 999, "assignee_name": "Bo"})
        db.session.commit()
        version = db.session.get(Ticket, ticket_id).version
        assert audience_events() == [
            {"ticket_id": ticket_id, "version": version, "lost_user_id": user_ids["agent"]}
        ]


def test_history_tells_each_reader_what_happened_and_who_did_it(app, people, user_ids, make_ticket):
    """The agent whose transition resolved the ticket is credited, with their notes; the
    requester reads their ticket's story, not how staff routed it."""
    ticket_id = make_ticket("open", priority="high")
    assigned = assignment(ticket_id, user_ids["agent"], step="Triage")
    with app.app_context():
        service.record_assignment(assigned)
        service.record_assignment({**assigned, "step": "Resolve"})  # a step of its own
        service.record_completion(
            {
                "task_id": 1,
                "ticket_id": ticket_id,
                "by_id": user_ids["agent"],
                "by_name": "Ava Agent",
                "notes": "Replaced the cable",
            }
        )
        db.session.commit()
    people["employee"].post(f"/api/tickets/{ticket_id}/csat", json={"rating": 4})

    def story(who):
        items = people[who].get(f"/api/tickets/{ticket_id}/history").get_json()["items"]
        return [(h["action"], h["actor"]["name"], h["reason"], h["changes"]) for h in items]

    requester = story("employee")
    assert [(action, actor) for action, actor, _, _ in requester] == [
        ("create", "Emma Employee"),
        ("assign", "Workflow"),
        ("complete", "Ava Agent"),
        ("rate", "Emma Employee"),
    ]
    resolved = requester[2]
    assert resolved[2] == "Replaced the cable"
    assert resolved[3] == [{"field": "status", "old_value": "in_progress", "new_value": "resolved"}]
    seen_fields = {c["field"] for _, _, _, changes in requester for c in changes}
    assert seen_fields == {"status", "assignee_name", "csat"}  # no ids, no steps
    staff = story("agent")
    assert [action for action, *_ in staff] == ["create", "assign", "assign", "complete", "rate"]
    staff_fields = {c["field"] for _, _, _, changes in staff for c in changes}
    assert "current_step" in staff_fields and "assignee_id" not in staff_fields


def test_resolved_tickets_close_after_72_hours(app, people, make_ticket):
    from common.unit_of_work import unit_of_work
    from tickets_api.jobs import close_resolved

    stale = make_ticket("resolved", resolved_at=utcnow() - timedelta(hours=73))
    fresh = make_ticket("resolved", resolved_at=utcnow() - timedelta(hours=71))
    with app.app_context():
        with unit_of_work():  # as the scheduler runs a periodic job
            assert close_resolved() == 1
        assert close_resolved() == 0
        assert db.session.get(Ticket, stale).status == "closed"
        assert db.session.get(Ticket, fresh).status == "resolved"
    history = people["employee"].get(f"/api/tickets/{stale}/history").get_json()["items"]
    assert history[-1]["actor"] == {"id": None, "name": "System"}
    assert history[-1]["action"] == "auto_close"


def test_first_staff_reply_sets_first_response(app, people, user_ids, make_ticket):
    ticket_id = make_ticket("in_progress")
    people["employee"]
    with app.app_context():
        service.record_first_response(
            {
                "message_id": 1,
                "ticket_id": ticket_id,
                "author_id": user_ids["employee"],
                "internal": False,
            }
        )
        service.record_first_response(
            {
                "message_id": 2,
                "ticket_id": ticket_id,
                "author_id": user_ids["agent"],
                "internal": True,
            }
        )
        assert db.session.get(Ticket, ticket_id).first_response_at is None
        service.record_first_response(
            {
                "message_id": 3,
                "ticket_id": ticket_id,
                "author_id": user_ids["agent"],
                "internal": False,
            }
        )
        first = db.session.get(Ticket, ticket_id).first_response_at
        assert first is not None


def test_csat_once_by_the_requester_after_resolution(people, make_ticket):
    open_id = make_ticket("in_progress")
    assert (
        people["employee"].post(f"/api/tickets/{open_id}/csat", json={"rating": 5}).status_code
        == 409
    )
    done = make_ticket("resolved", resolved_at=utcnow())
    assert (
        people["coordinator"].post(f"/api/tickets/{done}/csat", json={"rating": 5}).status_code
        == 403
    )
    assert (
        people["employee"].post(f"/api/tickets/{done}/csat", json={"rating": 6}).status_code == 422
    )
    unrated = people["employee"].get(f"/api/tickets/{done}").headers["ETag"]
    first = people["employee"].post(
        f"/api/tickets/{done}/csat", json={"rating": 4, "comment": "ok"}
    )
    assert first.status_code == 201 and first.get_json()["rating"] == 4
    # The rating is part of the ticket's representation: a cached copy revalidates stale.
    revalidated = people["employee"].get(f"/api/tickets/{done}", headers={"If-None-Match": unrated})
    assert revalidated.status_code == 200 and revalidated.get_json()["csat"]["rating"] == 4
    again = people["employee"].post(f"/api/tickets/{done}/csat", json={"rating": 1})
    assert again.status_code == 409
    assert people["employee"].get(f"/api/tickets/{done}").get_json()["csat"]["rating"] == 4


def test_full_flow_through_events(people, user_ids):
    """Employee → approval → workflow assignment → the ticket in progress (one app)."""
    from tests.support import TICKET

    ticket = people["employee"].post("/api/tickets", json=TICKET).get_json()
    people["coordinator"].post(f"/api/tickets/{ticket['id']}/approve", json={"priority": "medium"})
    deliver()
    now = people["agent"].get(f"/api/tickets/{ticket['id']}").get_json()
    assert now["status"] == "in_progress" and now["assignee"]["id"] == user_ids["agent"]


def test_the_relay_sends_each_consumer_only_the_moves_it_follows(people, make_ticket):
    from dramatiq import Message

    from common.broker import get_broker

    broker = get_broker()
    broker.flush_all()
    ticket_id = make_ticket("new")
    people["coordinator"].post(f"/api/tickets/{ticket_id}/approve", json={"priority": "low"})
    queue = broker.queues["workflow"]
    actors = [Message.decode(queue.get_nowait()).actor_name for _ in range(queue.qsize())]
    # "approve" reaches the workflow as tickets.opened only, not also as a status change,
    # and notifier not at all (its news comes with the workflow's assignment).
    assert actors == ["workflow.on_ticket_opened"]
    assert broker.queues["notify"].qsize() == 0
    people["employee"].post(f"/api/tickets/{ticket_id}/withdraw", json={"reason": "solved"})
    actors = [Message.decode(queue.get_nowait()).actor_name for _ in range(queue.qsize())]
    assert actors == ["workflow.on_ticket_status_changed"]


def test_assignments_that_meet_in_the_worker_commit_together_each_once(
    app, people, user_ids, make_ticket
):
    """tickets.on_task_assigned runs in batches: one claim, one read, one commit."""
    import uuid

    from common.batching import Delivery
    from tickets_api.tasks import on_task_assigned

    first, second = make_ticket("open", priority="high"), make_ticket("open", priority="low")

    def assigned(ticket_id):
        return {
            "task_id": ticket_id,
            "ticket_id": ticket_id,
            "ticket_number": None,
            "ticket_subject": "x",
            "step": "Resolve",
            "assignee_id": user_ids["agent"],
            "assignee_name": "Ava Agent",
        }

    again = uuid.uuid4()
    batch = [
        Delivery(again, assigned(first), "req-1"),
        Delivery(uuid.uuid4(), assigned(second), "req-2"),
        Delivery(again, assigned(first), "req-1"),
    ]
    on_task_assigned.group.run_batch(batch)
    on_task_assigned.group.run_batch(batch)  # all redelivered
    with app.app_context():
        for ticket_id in (first, second):
            ticket = db.session.get(Ticket, ticket_id)
            assert (ticket.status, ticket.assignee_id) == ("in_progress", user_ids["agent"])
    for ticket_id in (first, second):
        history = people["agent"].get(f"/api/tickets/{ticket_id}/history").get_json()["items"]
        moves = [
            (c["old_value"], c["new_value"])
            for h in history
            for c in h["changes"]
            if c["field"] == "status"
        ]
        assert moves == [("open", "in_progress")]


def test_a_batch_applies_its_assignments_in_order_and_a_missing_ticket_fails_it_whole(
    app, people, user_ids, make_ticket
):
    import uuid

    from common.batching import Delivery
    from tickets_api.tasks import on_task_assigned

    ticket_id = make_ticket("open", priority="high")

    def assigned(ticket, who, name):
        return {
            "task_id": ticket,
            "ticket_id": ticket,
            "ticket_number": None,
            "ticket_subject": "x",
            "step": "Resolve",
            "assignee_id": user_ids[who],
            "assignee_name": name,
        }

    reassigned = [
        Delivery(uuid.uuid4(), assigned(ticket_id, "agent", "Ava Agent"), None),
        Delivery(uuid.uuid4(), assigned(ticket_id, "coordinator", "Cole Coordinator"), None),
    ]
    missing = Delivery(uuid.uuid4(), assigned(10**9, "agent", "Ava Agent"), None)
    with pytest.raises(LookupError):
        on_task_assigned.group.run_batch([*reassigned, missing])
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).status == "open"  # nothing of it stayed
    on_task_assigned.group.run_batch(reassigned)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.assignee_id) == ("in_progress", user_ids["coordinator"])
    history = people["coordinator"].get(f"/api/tickets/{ticket_id}/history").get_json()
    assignees = [
        c["new_value"]
        for h in history["items"]
        for c in h["changes"]
        if c["field"] == "assignee_name"
    ]
    assert assignees == ["Ava Agent", "Cole Coordinator"]
