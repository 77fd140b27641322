"""Concurrent workers on real transactions: duplicate deliveries, fair round robin, racing
actions. These commit for real (each thread its own session); ``committed`` puts the
databases back afterwards."""

import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from common.db import db
from common.models.workflow import Task
from common.problems import Conflict
from common.security import Principal
from tests.workflow_api.helpers import grant, run_in_threads, ticket, two_step
from workflow_api import engine, intake, replica, workflows
from workflow_api.tasks import on_ticket_opened

AGENTS = (401, 402, 403, 404, 405)


@pytest.fixture
def live_workflow(app, committed):
    name = f"Concurrent {uuid.uuid4().hex[:6]}"
    with app.app_context():
        for user_id in AGENTS:
            replica.apply_grant(grant(user_id, role="Racer"))
        definition = two_step()
        for step in definition["steps"][:2]:
            step["role"] = {"system": "tts", "name": "Racer"}
        workflow = workflows.create(
            None, {"name": name, "category": "Races", "definition": definition}
        )
        workflows.publish(None, workflow.id)
        db.session.commit()
        workflow_id = workflow.id
    return workflow_id


def _envelope(payload, event_id=None):
    return {
        "id": str(event_id or uuid.uuid4()),
        "name": "tickets.opened",
        "payload": payload,
        "request_id": None,
    }


def test_the_same_event_delivered_concurrently_creates_one_task(app, live_workflow):
    envelope = _envelope(ticket(1, category="Races"))
    errors = run_in_threads(app, [lambda: on_ticket_opened.fn(envelope)] * 6)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task)) == 1


def test_different_events_of_one_ticket_concurrently_create_one_task(app, live_workflow):
    payload = ticket(2, category="Races")
    errors = run_in_threads(app, [lambda: on_ticket_opened.fn(_envelope(payload))] * 6)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task)) == 1


def test_round_robin_stays_fair_under_concurrent_assignment(app, live_workflow):
    def worker(first):  # 12 threads × 4 tickets, all racing for the same pointer
        for i in range(first, first + 4):
            on_ticket_opened.fn(_envelope(ticket(100 + i, category="Races")))

    jobs = [(lambda first=first: worker(first)) for first in range(0, 48, 4)]
    errors = run_in_threads(app, jobs)
    assert errors == []
    with app.app_context():
        counts = Counter(db.session.scalars(select(Task.assignee_id)).all())
    assert set(counts) == set(AGENTS)
    assert max(counts.values()) - min(counts.values()) <= 1


def test_two_people_acting_at_once_one_wins_one_gets_409(app, live_workflow):
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(7, category="Races"))
        db.session.commit()
        task_id, assignee, revision = task.id, task.assignee_id, task.revision
    outcomes = []

    def act():
        try:
            engine.act(Principal(assignee, "", "", {}), task_id, "submit", "", revision)
            db.session.commit()
            outcomes.append("won")
        except Conflict:
            db.session.rollback()
            outcomes.append("409")

    errors = run_in_threads(app, [act, act])
    assert errors == []
    assert sorted(outcomes) == ["409", "won"]
