"""tickets.opened in batches (workflow_api/intake.py through common/batching.py): the same
tasks and assignees as one delivery at a time, each event's effect once, nothing of a
failed batch kept."""

import time
import uuid
from collections import Counter
from functools import partial

import pytest
from sqlalchemy import func, select, update

from common.batching import Delivery, GroupCommit
from common.db import db
from common.models.workflow import (
    SlaTimer,
    Task,
    TaskAssignment,
    WorkflowOutbox,
    WorkflowProcessedEvent,
)
from common.unit_of_work import unit_of_work
from tests.workflow_api.helpers import grant, run_in_threads, ticket, two_step
from workflow_api import assignment, intake, replica, workflows
from workflow_api.tasks import on_ticket_opened

GROUP = on_ticket_opened.group


def _workflow(name: str, role: str, holders: range, policy: str) -> int:
    for user_id in holders:
        replica.apply_grant(grant(user_id, role=role))
    definition = two_step(policy)
    for step in definition["steps"][:2]:
        step["role"] = {"system": "tts", "name": role}
    workflow = workflows.create(None, {"name": name, "category": name, "definition": definition})
    workflows.publish(None, workflow.id)
    db.session.flush()
    return workflow.id


def _delivery(ticket_id: int, category: str, event_id=None) -> Delivery:
    return Delivery(event_id or uuid.uuid4(), ticket(ticket_id, category=category), "req-batch")


def _assignees(ticket_ids) -> list[int]:
    by_ticket = dict(
        db.session.execute(
            select(Task.ticket_id, Task.assignee_id).where(Task.ticket_id.in_(ticket_ids))
        ).all()
    )
    return [by_ticket[t] for t in ticket_ids]


def _assigned_events(ticket_ids) -> Counter:
    rows = db.session.scalars(
        select(WorkflowOutbox.payload).where(WorkflowOutbox.name == "tasks.assigned")
    ).all()
    return Counter(p["ticket_id"] for p in rows if p["ticket_id"] in set(ticket_ids))


def test_next_turns_is_one_advance_after_another():
    ids = [9, 3, 5, 7]
    for pointer in (None, 1, 3, 4, 9, 10):
        one_by_one, at = [], pointer
        for _ in range(9):
            (at,) = assignment.next_turns(ids, at, 1, None)
            one_by_one.append(at)
        assert assignment.next_turns(ids, pointer, 9, None) == one_by_one
    # Least loaded: the emptiest first, each turn counting towards the next.
    assert assignment.next_turns([1, 2, 3], 1, 5, {1: 2, 3: 1}) == [2, 3, 2, 3, 1]


@pytest.mark.parametrize("policy", ["round_robin", "least_loaded"])
def test_batches_assign_exactly_as_one_delivery_at_a_time(tx, policy):
    """Two twin workflows with twin holders: one fed in batches of 3, 1, 4 and 2, the
    other one delivery at a time. Their assignees match turn for turn, across batches."""
    _workflow("BatchA", "BatchA", range(501, 505), policy)
    _workflow("BatchB", "BatchB", range(601, 605), policy)
    # Uneven loads to start from, the same on both sides (least loaded has work to do).
    for n, category in enumerate(["BatchA", "BatchB"]):
        for offset in range(3):
            GROUP.run_one(_delivery(9000 + 10 * n + offset, category))
    assert [u - 500 for u in _assignees([9000, 9001, 9002])] == [
        u - 600 for u in _assignees([9010, 9011, 9012])
    ]

    ids_a, ids_b = list(range(1, 11)), list(range(101, 111))
    at = 0
    for size in (3, 1, 4, 2):
        chunk = [_delivery(t, "BatchA") for t in ids_a[at : at + size]]
        (GROUP.run_batch if size > 1 else lambda ds: GROUP.run_one(ds[0]))(chunk)
        at += size
    for t in ids_b:
        GROUP.run_one(_delivery(t, "BatchB"))

    a, b = _assignees(ids_a), _assignees(ids_b)
    assert [u - 500 for u in a] == [u - 600 for u in b]
    assert set(a) == set(range(501, 505))
    # Each task got what the plain path gives it: one assignment, its timers, one event.
    assert _assigned_events(ids_a) == Counter(ids_a)
    task_ids = db.session.scalars(select(Task.id).where(Task.ticket_id.in_(ids_a))).all()
    assert db.session.scalar(
        select(func.count()).select_from(TaskAssignment).where(TaskAssignment.task_id.in_(task_ids))
    ) == len(ids_a)
    assert db.session.scalar(
        select(func.count()).select_from(SlaTimer).where(SlaTimer.task_id.in_(task_ids))
    ) == 2 * len(ids_a)
    # The events a batch emits carry the request id of the delivery that caused each.
    requests = db.session.scalars(
        select(WorkflowOutbox.request_id).where(WorkflowOutbox.name == "tasks.assigned")
    ).all()
    assert set(requests) == {"req-batch"}


def test_a_batch_holding_duplicates_has_each_effect_once(tx):
    _workflow("BatchD", "BatchD", range(701, 704), "round_robin")
    again = uuid.uuid4()
    GROUP.run_batch(
        [
            _delivery(201, "BatchD", again),
            _delivery(202, "BatchD"),
            _delivery(201, "BatchD", again),  # the same message twice
            _delivery(201, "BatchD"),  # another event of the same ticket
        ]
    )
    GROUP.run_batch([_delivery(202, "BatchD"), _delivery(201, "BatchD", again)])  # redelivered
    assert _assigned_events([201, 202]) == Counter({201: 1, 202: 1})
    assert len(set(_assignees([201, 202]))) == 2  # two turns taken, not four
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(WorkflowProcessedEvent)
            .where(WorkflowProcessedEvent.event_id == again)
        )
        == 1
    )


@pytest.fixture
def racing_workflow(app, committed):
    with app.app_context():
        _workflow("BatchRace", "BatchRace", range(801, 806), "round_robin")
        db.session.commit()


def test_the_same_events_delivered_to_two_workers_at_once_take_effect_once(app, racing_workflow):
    """Two worker processes (two groups) get every message, on 12 threads each."""
    workers = [GroupCommit(GROUP.run_batch, GROUP.run_one) for _ in range(2)]
    envelopes = [_delivery(300 + n, "BatchRace") for n in range(24)]

    def deliver(group, deliveries):
        for delivery in deliveries:
            group.submit(delivery)

    jobs = [partial(deliver, group, envelopes[n::12]) for group in workers for n in range(12)]
    errors = run_in_threads(app, jobs, timeout=60)
    assert errors == []
    ids = [d.payload["ticket_id"] for d in envelopes]
    with app.app_context():
        assert _assigned_events(ids) == Counter(ids)
        assignees = Counter(_assignees(ids))
        assert db.session.scalar(select(func.count()).select_from(TaskAssignment)) >= len(ids)
    # Fair across every batch of both workers: no holder has two more than another.
    assert set(assignees) == set(range(801, 806))
    assert max(assignees.values()) - min(assignees.values()) <= 1


class Interrupted(BaseException):
    """Stands for the worker dying (or its time limit firing) half-way through a batch."""


def test_a_batch_cut_off_half_way_keeps_nothing_and_each_event_then_counts_once(tx, monkeypatch):
    _workflow("BatchCut", "BatchCut", range(901, 904), "round_robin")
    deliveries = [_delivery(400 + n, "BatchCut") for n in range(5)]
    start_task = intake.start_task

    def dies_on_the_fourth(task, *args, **kwargs):
        if task.ticket_id == 403:
            raise Interrupted  # three tasks are already written (flushed or pending)
        start_task(task, *args, **kwargs)

    monkeypatch.setattr(intake, "start_task", dies_on_the_fourth)
    with pytest.raises(Interrupted):
        GROUP.run_batch(deliveries)
    ids = [d.payload["ticket_id"] for d in deliveries]
    assert (
        db.session.scalar(select(func.count()).select_from(Task).where(Task.ticket_id.in_(ids)))
        == 0
    )
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(WorkflowProcessedEvent)
            .where(WorkflowProcessedEvent.event_id.in_([d.event_id for d in deliveries]))
        )
        == 0
    )
    assert _assigned_events(ids) == Counter()

    monkeypatch.setattr(intake, "start_task", start_task)
    GROUP.run_batch(deliveries)  # every message comes again: now each takes effect once
    GROUP.run_batch(deliveries[:2])  # and a late duplicate has none
    assert _assigned_events(ids) == Counter(ids)
    assert set(_assignees(ids)) == {901, 902, 903}


def test_a_batch_logs_each_event_with_the_request_that_caused_it(tx, caplog):
    """One "event handled" line per event, as on the plain path, so an approval's request
    id still leads to the worker's line for its event."""
    import logging

    from common.logs import ContextFilter

    _workflow("BatchLog", "BatchLog", range(951, 953), "round_robin")
    deliveries = [
        Delivery(uuid.uuid4(), ticket(500, category="BatchLog"), "req-a"),
        Delivery(uuid.uuid4(), ticket(501, category="BatchLog"), "req-b"),
    ]
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.INFO, logger="common.actors"):
        GROUP.run_batch(deliveries)
    handled = [r for r in caplog.records if r.getMessage() == "event handled"]
    assert [(r.event_id, r.request_id, r.batch) for r in handled] == [
        (str(deliveries[0].event_id), "req-a", 2),
        (str(deliveries[1].event_id), "req-b", 2),
    ]


@pytest.fixture
def uneven_least_loaded(app, committed):
    """A least loaded start step whose four holders start with loads 0, 6, 6 and 6."""
    with app.app_context():
        _workflow("BatchLoad", "BatchLoad", range(951, 955), "least_loaded")
        db.session.commit()
        with unit_of_work():
            loaded = [_delivery(4000 + n, "BatchLoad") for n in range(24)]
            GROUP.run_batch(loaded)
        # 24 turns from an empty start: 6 each. Then holder 951's are done.
        db.session.execute(update(Task).where(Task.assignee_id == 951).values(status="completed"))
        db.session.commit()


def test_overlapping_batches_keep_least_loaded_exact(app, uneven_least_loaded, monkeypatch):
    """Two batches of one worker opening at once: the second picks by a load that counts
    the first one's new tasks, as if they had run one after the other."""
    read_load = assignment._open_load

    def slow_read(user_ids):
        load = read_load(user_ids)
        time.sleep(0.3)  # both would read before either commits, if nothing kept them apart
        return load

    monkeypatch.setattr(assignment, "_open_load", slow_read)
    batches = [[_delivery(4100 + 10 * b + n, "BatchLoad") for n in range(4)] for b in range(2)]

    def run(batch):
        with unit_of_work():
            GROUP.run_batch(batch)

    errors = run_in_threads(app, [partial(run, batch) for batch in batches])
    assert errors == []
    with app.app_context():
        load = dict(
            db.session.execute(
                select(Task.assignee_id, func.count())
                .where(Task.assignee_id.in_(range(951, 955)), Task.status == "assigned")
                .group_by(Task.assignee_id)
            ).all()
        )
    # One after the other: the first batch's four turns all go to 951 (0 -> 4), the
    # second's two more, then the ties in turn: 6, 6, 7, 7. Two batches blind to each
    # other would have both given 951 four turns: 8, 6, 6, 6.
    assert sorted(load.values()) == [6, 6, 7, 7]
