"""Append-only rows written with Core (common/appends.py), on the real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from common.appends import PENDING_KEY, append, append_many
from common.db import db
from common.models.auth import AuthOutbox
from common.models.tickets import Ticket, TicketHistory, TicketsOutbox
from common.models.workflow import WorkflowAudit
from common.unit_of_work import unit_of_work
from tests.common.sql_recorder import HOSTILE, sent_statements

BIND = {"mapper": Ticket}


def _event(**columns) -> dict:
    return {"id": uuid.uuid4(), "name": "probe", "payload": {"n": 1}, **columns}


def _count(ids) -> int:
    return db.session.scalar(select(func.count()).where(AuthOutbox.id.in_(ids)))


def test_rows_are_written_before_the_next_statement_and_kept_by_the_commit(tx):
    rows = [_event(), _event(request_id="r-1")]
    append_many(AuthOutbox, rows)
    assert db.session.info[PENDING_KEY]  # nothing sent yet
    ids = [row["id"] for row in rows]
    assert _count(ids) == 2  # the query saw them, as it would see autoflushed objects
    db.session.commit()
    assert _count(ids) == 2
    stored = db.session.get(AuthOutbox, ids[0])
    assert stored.payload == {"n": 1}
    assert stored.attempts == 0  # the column's default, filled in by Core
    assert stored.created_at is not None  # the server's default


def test_the_commit_writes_what_no_statement_did(tx):
    row = _event()
    with unit_of_work():
        append(AuthOutbox, **row)
    assert PENDING_KEY not in db.session.info
    assert _count([row["id"]]) == 1


@pytest.mark.parametrize("touch_first", [False, True])
def test_a_rollback_drops_them_and_the_next_transaction_does_not_write_them(tx, touch_first):
    row = _event()
    if touch_first:
        db.session.execute(select(1), bind_arguments={"mapper": AuthOutbox})  # a real rollback
    append(AuthOutbox, **row)
    db.session.rollback()
    assert PENDING_KEY not in db.session.info
    db.session.commit()
    assert _count([row["id"]]) == 0


def test_a_failed_unit_of_work_keeps_none_of_its_rows(tx):
    row = _event()
    with pytest.raises(RuntimeError), unit_of_work():
        append(AuthOutbox, **row)
        raise RuntimeError("boom")
    with unit_of_work():
        pass
    assert _count([row["id"]]) == 0


def _new_ticket(flush=True, **columns) -> Ticket:
    """A ticket added through the ORM (flushed: its id known), not yet committed."""
    ticket = Ticket(
        **columns,
        subject="Probe",
        description="Appended rows follow it",
        category="Others",
        department="IT",
        requester_id=1,
        requester_name="Probe",
        requester_email="probe@example.com",
    )
    db.session.add(ticket)
    if flush:
        db.session.flush()
    return ticket


def test_a_tables_rows_keep_their_order_whatever_their_columns(tx):
    ticket_id = _new_ticket().id
    common = {"ticket_id": ticket_id, "actor_id": None, "actor_name": "Probe"}
    # Three runs of two column sets, interleaved with another table's rows.
    append(TicketHistory, **common, action="first")
    append(TicketHistory, **common, action="second", field="status", old_value="a", new_value="b")
    append(AuthOutbox, **_event())
    append(TicketHistory, **common, action="third")
    db.session.commit()
    rows = db.session.execute(
        select(TicketHistory.action, TicketHistory.new_value)
        .where(TicketHistory.ticket_id == ticket_id)
        .order_by(TicketHistory.id)
    ).all()
    assert rows == [("first", None), ("second", "b"), ("third", None)]


@pytest.mark.parametrize("then", ["query", "commit"])
def test_rows_go_in_after_the_orm_objects_they_name(tx, then):
    """A ticket added (not flushed) with an id of its own, and a history row naming it: the
    ticket's INSERT comes first, whether a statement or the commit writes them."""
    ticket_id = db.session.scalar(text("SELECT nextval('tickets_id_seq')"), bind_arguments=BIND)
    ticket = _new_ticket(id=ticket_id, flush=False)
    append(TicketHistory, ticket_id=ticket_id, actor_name="Probe", action="note")
    ticket.subject = "Probe, changed after"  # one INSERT with the final values
    count = select(func.count()).where(TicketHistory.ticket_id == ticket_id)
    if then == "query":
        assert db.session.scalar(count) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).subject == "Probe, changed after"
    assert db.session.scalar(count) == 1


def test_a_savepoint_may_not_append(tx):
    with db.session.begin_nested(), pytest.raises(RuntimeError, match="transaction"):
        append(AuthOutbox, **_event())


def test_a_databases_rows_go_in_one_round_trip(tx):
    ticket_id = _new_ticket().id
    common = {"ticket_id": ticket_id, "actor_id": None, "actor_name": "Probe"}
    event = {"id": uuid.uuid4(), "name": "probe", "payload": {"n": 1}}
    append(TicketHistory, **common, action="first")
    append(TicketHistory, **common, action="second", field="status", new_value="b")
    append(TicketsOutbox, **event)
    with sent_statements(Ticket) as statements:
        db.session.commit()
    (sent,) = [s for s in statements if "INSERT" in s]  # one round trip
    assert sent.count("INSERT INTO ticket_history") == 2  # one per column set
    assert sent.count("INSERT INTO outbox") == 1
    history = select(func.count()).where(TicketHistory.ticket_id == ticket_id)
    assert db.session.scalar(history) == 2
    assert db.session.get(TicketsOutbox, event["id"]).payload == {"n": 1}


def test_values_arrive_as_they_were_whatever_they_hold(tx):
    ticket_id = _new_ticket().id
    event = {
        "id": uuid.uuid4(),
        "name": HOSTILE[:100],
        "payload": {HOSTILE: [HOSTILE, None, 1.5, {"nested": HOSTILE}]},
        "request_id": None,
        "created_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    }
    append(TicketsOutbox, **event)
    append(TicketHistory, ticket_id=ticket_id, actor_name=HOSTILE, action="note", new_value=HOSTILE)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(TicketsOutbox, event["id"])
    assert (stored.name, stored.payload, stored.request_id, stored.created_at) == (
        event["name"],
        event["payload"],
        None,
        event["created_at"],
    )
    line = db.session.scalars(
        select(TicketHistory).where(TicketHistory.ticket_id == ticket_id)
    ).one()
    assert (line.actor_name, line.new_value) == (HOSTILE, HOSTILE)


def test_a_left_out_column_takes_its_python_default_fresh_for_each_row(tx):
    append_many(
        WorkflowAudit,
        [{"workflow_id": 424242, "actor_name": "Probe", "action": f"a{n}"} for n in range(2)],
    )
    db.session.commit()
    rows = db.session.scalars(
        select(WorkflowAudit).where(WorkflowAudit.workflow_id == 424242).order_by(WorkflowAudit.id)
    ).all()
    assert [row.changes for row in rows] == [{}, {}]  # default=dict, not a NULL
    assert [row.action for row in rows] == ["a0", "a1"]


def test_rows_appended_ahead_go_before_the_rows_waiting(tx):
    """A row complete only after the rows that name it (a task, started before it is
    written) goes ahead of them, in the same round trip."""
    ticket_id = db.session.scalar(text("SELECT nextval('tickets_id_seq')"), bind_arguments=BIND)
    append(TicketHistory, ticket_id=ticket_id, actor_name="Probe", action="note")
    ticket = {
        "id": ticket_id,
        "subject": "Appended ahead",
        "description": "Named by a history row appended before it",
        "category": "Others",
        "department": "IT",
        "requester_id": 1,
        "requester_name": "Probe",
        "requester_email": "probe@example.com",
    }
    append_many(Ticket, [ticket], ahead=True)
    with sent_statements(Ticket) as statements:
        db.session.commit()
    (sent,) = [s for s in statements if "INSERT" in s]
    assert sent.index("INSERT INTO tickets") < sent.index("INSERT INTO ticket_history")
    assert db.session.get(Ticket, ticket_id).subject == "Appended ahead"
