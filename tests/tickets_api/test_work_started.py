"""An in_progress ticket nobody has worked on yet is only assigned: the API says when work
started (``work_started_at``), which the web UI reads as "Assigned" until then."""

from common.db import db
from common.models.tickets import Ticket
from tests.tickets_api.helpers import assignment
from tickets_api import service


def _assignment(ticket_id, user_ids, **changes):
    return assignment(ticket_id, user_ids["agent"], **{"step": "Triage", **changes})


def _work_started(people, ticket_id):
    response = people["agent"].get(f"/api/tickets/{ticket_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["work_started_at"]


def test_an_assignment_alone_is_not_work_an_action_on_the_task_is(
    app, people, user_ids, make_ticket
):
    ticket_id = make_ticket("open", priority="high")
    with app.app_context():
        service.record_assignment(_assignment(ticket_id, user_ids))
        db.session.commit()
    assert _work_started(people, ticket_id) is None
    listed = people["agent"].get("/api/tickets?assignee=me").get_json()["items"]
    assert [t["work_started_at"] for t in listed if t["id"] == ticket_id] == [None]

    with app.app_context():
        service.record_assignment(
            _assignment(ticket_id, user_ids, step="Resolve", after_action=True)
        )
        db.session.commit()
    started = _work_started(people, ticket_id)
    assert started is not None
    with app.app_context():  # a later action leaves the first moment as it was
        service.record_assignment(_assignment(ticket_id, user_ids, step="Check", after_action=True))
        db.session.commit()
    assert _work_started(people, ticket_id) == started


def test_a_staff_message_starts_work_the_requesters_own_does_not(
    app, people, user_ids, make_ticket
):
    ticket_id = make_ticket("in_progress", assignee_id=user_ids["agent"], assignee_name="Ava")

    def posted(author, internal):
        with app.app_context():
            service.record_first_response(
                {"message_id": 1, "ticket_id": ticket_id, "author_id": author, "internal": internal}
            )
            db.session.commit()
            return db.session.get(Ticket, ticket_id)

    assert posted(user_ids["employee"], False).work_started_at is None
    ticket = posted(user_ids["agent"], True)  # an internal note is work too
    assert ticket.work_started_at is not None and ticket.first_response_at is None


def test_holding_a_ticket_starts_work(people, user_ids, make_ticket):
    ticket_id = make_ticket("in_progress", assignee_id=user_ids["agent"], assignee_name="Ava")
    held = people["agent"].post(f"/api/tickets/{ticket_id}/hold", json={"reason": "parts"})
    assert held.status_code == 200, held.get_json()
    assert held.get_json()["work_started_at"] is not None
