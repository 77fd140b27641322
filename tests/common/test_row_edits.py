"""Rows edited as plain objects and written with Core (common/row_edits.py), on the real
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from common import row_edits
from common.appends import append
from common.db import db
from common.models.tickets import Ticket, TicketHistory
from tests.common.sql_recorder import HOSTILE, sent_statements

BIND = {"mapper": Ticket}


def _ticket(subject: str) -> int:
    ticket = Ticket(
        subject=subject,
        description="Edited as a row",
        category="Others",
        department="IT",
        requester_id=1,
        requester_name="Probe",
        requester_email="probe@example.com",
    )
    db.session.add(ticket)
    db.session.flush()
    return ticket.id


def _stored(ticket_id: int):
    return db.session.execute(
        select(Ticket.__table__).where(Ticket.id == ticket_id), bind_arguments=BIND
    ).one()


def _updates(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE")]


def test_locked_rows_come_in_key_order_and_are_locked(tx):
    ids = [_ticket("b"), _ticket("a"), _ticket("c")]
    with sent_statements(Ticket) as statements:
        rows = row_edits.lock(Ticket, reversed(ids))
    assert list(rows) == sorted(ids)
    assert rows[ids[1]].subject == "a"
    (query,) = [s for s in statements if "FROM tickets" in s]
    assert query.rstrip().endswith("FOR UPDATE")  # in one statement, locked


def test_only_what_changed_is_written_in_one_round_trip(tx):
    ids = [_ticket("one"), _ticket("two"), _ticket("three"), _ticket("four")]
    before = {i: _stored(i) for i in ids}
    rows = row_edits.lock(Ticket, ids)
    rows[ids[0]].assignee_id, rows[ids[0]].status = 7, "in_progress"
    rows[ids[1]].assignee_id, rows[ids[1]].status = 8, "in_progress"
    rows[ids[2]].priority = "high"
    rows[ids[3]].subject = rows[ids[3]].subject  # set, but unchanged: nothing to write

    with sent_statements(Ticket) as statements:
        row_edits.write(Ticket, rows.values())

    (sent,) = _updates(statements)  # one round trip
    updates = sent.split(";\n")
    assert len(updates) == 3  # one per changed row, with the columns that changed
    assert all("subject" not in u.split("WHERE")[0] for u in updates)
    first, second, third, fourth = (_stored(i) for i in ids)
    assert (first.assignee_id, first.status) == (7, "in_progress")
    assert (second.assignee_id, second.status) == (8, "in_progress")
    assert third.priority == "high" and third.status == before[ids[2]].status
    assert fourth == before[ids[3]]  # untouched: not even its updated_at
    # The column's onupdate still applies to the rows written.
    assert all("updated_at=now()" in u.split("WHERE")[0] for u in updates)


def test_rows_appended_before_go_first_in_the_same_round_trip(tx):
    ticket_id = _ticket("noted")
    row = row_edits.lock(Ticket, [ticket_id])[ticket_id]
    row.status = "open"
    append(TicketHistory, ticket_id=ticket_id, actor_name="Probe", action="approve")
    with sent_statements(Ticket) as statements:
        row_edits.write(Ticket, [row])
    (sent,) = statements
    assert sent.index("INSERT INTO ticket_history") < sent.index("UPDATE tickets")
    assert _stored(ticket_id).status == "open"
    history = select(TicketHistory.action).where(TicketHistory.ticket_id == ticket_id)
    assert db.session.scalars(history).all() == ["approve"]


def test_nothing_changed_writes_nothing(tx):
    ids = [_ticket("calm")]
    rows = row_edits.lock(Ticket, ids)
    with sent_statements(Ticket) as statements:
        row_edits.write(Ticket, rows.values())
    assert _updates(statements) == []


def test_missing_rows_are_left_out_and_the_search_vector_is_not_read(tx):
    ticket_id = _ticket("present")
    rows = row_edits.lock(Ticket, [ticket_id, ticket_id + 1000])
    assert list(rows) == [ticket_id]
    assert not hasattr(rows[ticket_id], "search")  # computed and deferred: left out


def test_one_row_is_written_and_gets_back_what_the_database_set(tx):
    ticket_id = _ticket("single")
    row = row_edits.lock(Ticket, [ticket_id])[ticket_id]
    row.status, row.version = "open", row.version + 1
    # A stale value, as read: not a change to write, and the UPDATE's answer replaces it.
    row.updated_at = row._read["updated_at"] = datetime(2000, 1, 1, tzinfo=UTC)
    with sent_statements(Ticket) as statements:
        row_edits.write_one(Ticket, row)
    (statement,) = _updates(statements)
    assert "RETURNING" in statement and "updated_at" in statement.split("RETURNING")[1]
    stored = _stored(ticket_id)
    assert (stored.status, stored.version) == ("open", row.version)
    # What an API response shows is what is stored.
    assert row.updated_at == stored.updated_at and row.updated_at.year > 2000


def test_edited_values_arrive_as_they_were_whatever_they_hold(tx):
    ticket_id = _ticket("plain")
    row = row_edits.lock(Ticket, [ticket_id])[ticket_id]
    row.subject = HOSTILE
    row.details = {HOSTILE: [HOSTILE, None, {"n": 1.5}]}
    row_edits.write_one(Ticket, row)
    db.session.expire_all()
    stored = _stored(ticket_id)
    assert (stored.subject, stored.details) == (HOSTILE, {HOSTILE: [HOSTILE, None, {"n": 1.5}]})


def test_the_session_is_flushed_first_as_a_statement_would_flush_it(tx):
    """ORM changes made before a row edit reach the database before its UPDATE, as they
    would before any statement; with autoflush off, neither they nor appended rows do."""
    ticket_id = _ticket("flushed")
    row = row_edits.lock(Ticket, [ticket_id])[ticket_id]
    other = db.session.get(Ticket, _ticket("other"))
    other.subject = "changed through the ORM"
    row.status = "open"
    with sent_statements(Ticket) as statements:
        row_edits.write(Ticket, [row])
    flush, edit = statements
    assert flush.startswith("UPDATE tickets SET subject=")  # the ORM's flush, first
    assert edit.startswith("UPDATE tickets SET status='open'")

    row.status = "on_hold"
    append(TicketHistory, ticket_id=ticket_id, actor_name="Probe", action="hold")
    other.subject = "changed again"
    with db.session.no_autoflush, sent_statements(Ticket) as statements:
        row_edits.write(Ticket, [row])
    (sent,) = statements
    assert sent.startswith("UPDATE tickets SET status='on_hold'")  # alone
    history = select(TicketHistory.action).where(TicketHistory.ticket_id == ticket_id)
    assert db.session.scalars(history).all() == ["hold"]  # written by this query
    assert _stored(other.id).subject == "changed again"


def test_an_inserted_row_comes_back_as_stored_defaults_and_all(tx):
    values = {
        "subject": HOSTILE[:200],
        "description": "Inserted as a row",
        "category": "Others",
        "department": "IT",
        "requester_id": 1,
        "requester_name": "Probe",
        "requester_email": "probe@example.com",
    }
    with sent_statements(Ticket) as statements:
        row = row_edits.insert_one(Ticket, values)
    (insert,) = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert insert.lstrip().startswith("INSERT INTO tickets") and "RETURNING" in insert
    stored = _stored(row.id)._mapping
    # What the database and the column defaults gave it (sequence, timestamps, version,
    # status, details) came back with it, as stored.
    assert {name: getattr(row, name) for name in row._read} == {
        name: stored[name] for name in row._read
    }
    assert (row.subject, row.version, row.status, row.details) == (HOSTILE[:200], 1, "new", {})
    assert row.number > 0 and row.created_at is not None
    assert "search" not in row._read  # computed and deferred: left in the database
    assert row.changes() == {}
    # Two inserts, two numbers from the sequence.
    assert row_edits.insert_one(Ticket, values).number != row.number
