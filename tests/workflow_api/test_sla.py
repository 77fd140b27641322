"""SLA: budgets by weight, timers firing once, automatic escalation, hold and resume."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from common.db import db
from common.models.workflow import SlaTimer, Task, WorkflowOutbox
from tests.workflow_api.helpers import ADMIN, SLA, grant, ticket, two_step
from workflow_api import definitions, engine, intake, jobs, replica, sla

ALWAYS_OPEN = {
    "timezone": "UTC",
    "workdays": [0, 1, 2, 3, 4, 5, 6],
    "start": "00:00",
    "end": "23:59",
}


def _outbox(name):
    return db.session.scalars(
        select(WorkflowOutbox.payload).where(WorkflowOutbox.name == name)
    ).all()


def _due_now(task_id, kind=None):
    """Move a task's pending timers into the past, as if time had passed."""
    query = update(SlaTimer).where(SlaTimer.task_id == task_id, SlaTimer.fired_at.is_(None))
    if kind:
        query = query.where(SlaTimer.kind == kind)
    db.session.execute(query.values(due_at=datetime.now(UTC) - timedelta(seconds=1)))


def test_step_budgets_split_the_target_by_weight(app, seeded, make_workflow):
    make_workflow(definition={**two_step(), "calendar": ALWAYS_OPEN})
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1, priority="critical"))
        assert task.step_budget_hours == pytest.approx(SLA["critical"] * 1 / 4)
        timers = db.session.scalars(select(SlaTimer).where(SlaTimer.task_id == task.id)).all()
        kinds = {t.kind: t.due_at for t in timers}
        assert set(kinds) == {"warning", "breach"}
        started = task.step_started_at
        assert kinds["breach"] - started == pytest.approx(
            timedelta(hours=1), abs=timedelta(seconds=61)
        )
        assert kinds["warning"] - started == pytest.approx(
            timedelta(minutes=45), abs=timedelta(seconds=61)
        )


def test_warning_and_breach_fire_once_each(app, seeded, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        _due_now(task.id, "warning")
        assert jobs.fire_due_timers() == 1
        assert jobs.fire_due_timers() == 0
        _due_now(task.id)
        assert jobs.fire_due_timers() == 1
        assert jobs.fire_due_timers() == 0
        assert len(_outbox("tasks.sla_warning")) == 1
        breaches = _outbox("tasks.sla_breached")
        assert len(breaches) == 1 and breaches[0]["task_id"] == task.id
        assert db.session.get(Task, task.id).breached is True


def test_breach_escalates_when_the_step_says_so(app, seeded, make_workflow):
    with app.app_context():
        replica.apply_grant(grant(301, role="Admin"))
    make_workflow(definition=two_step(escalation_role=ADMIN, escalate_on_breach=True))
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        _due_now(task.id)
        jobs.fire_due_timers()
        jobs.fire_due_timers()
        task = db.session.get(Task, task.id)
        assert task.escalations == 1
        origins = [p["origin"] for p in _outbox("tasks.assigned")]
    assert origins == ["system", "escalation"]


def test_timers_of_a_left_step_never_fire(app, seeded, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        from common.security import Principal

        engine.act(Principal(task.assignee_id, "", "", {}), task.id, "submit", "", None)
        old = db.session.scalars(
            select(SlaTimer).where(SlaTimer.task_id == task.id, SlaTimer.step_key == "work")
        ).all()
        assert old and all(t.cancelled_at is not None for t in old)
        _due_now(task.id)
        jobs.fire_due_timers()
        assert [p["step"] for p in _outbox("tasks.sla_breached")] == ["check"]


def test_hold_stops_the_clock_and_resume_restarts_it(app, seeded, make_workflow):
    make_workflow(definition={**two_step(), "calendar": ALWAYS_OPEN})
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1, priority="low"))
        budget = task.step_budget_hours
        engine.on_ticket_status_changed({"ticket_id": 1, "action": "hold", "to_status": "on_hold"})
        assert task.status == "on_hold" and task.paused_at is not None
        pending = db.session.scalars(
            select(SlaTimer).where(SlaTimer.task_id == task.id, SlaTimer.cancelled_at.is_(None))
        ).all()
        assert pending == []
        # Two hours on hold do not count: resuming leaves (almost) the whole budget.
        task.paused_at -= timedelta(hours=2)
        task.step_started_at -= timedelta(hours=2)
        engine.on_ticket_status_changed(
            {"ticket_id": 1, "action": "resume", "to_status": "in_progress"}
        )
        assert task.status == "assigned" and task.paused_at is None
        left = task.step_due_at - datetime.now(UTC)
        assert left > timedelta(hours=budget) - timedelta(minutes=5)


def test_due_times_follow_business_hours(app, seeded, make_workflow):
    calendar = {
        "timezone": "Europe/Berlin",
        "workdays": [0, 1, 2, 3, 4],
        "start": "09:00",
        "end": "17:00",
    }
    make_workflow(definition={**two_step(), "calendar": calendar})
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1, priority="medium"))
        definition = definitions.of_version(task.version)
        friday_late = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 16:00 in Berlin
        sla.enter_step(task, definition, friday_late)
        # 24 h × 1/4 = 6 business hours: 1 h on Friday, 5 h on Monday → Monday 14:00 Berlin.
        assert task.step_due_at == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


def test_holding_an_unassigned_task_stops_its_clock_too(app, seeded, make_workflow):
    make_workflow(definition=two_step(policy="manual"))
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        assert task.status == "unassigned"
        engine.on_ticket_status_changed({"ticket_id": 1, "action": "hold", "to_status": "on_hold"})
        assert task.status == "on_hold" and task.paused_at is not None
        engine.on_ticket_status_changed(
            {"ticket_id": 1, "action": "resume", "to_status": "in_progress"}
        )
        assert task.status == "unassigned" and task.paused_at is None


def _pending(task_id, kind):
    return db.session.scalars(
        select(SlaTimer).where(
            SlaTimer.task_id == task_id,
            SlaTimer.kind == kind,
            SlaTimer.fired_at.is_(None),
            SlaTimer.cancelled_at.is_(None),
        )
    ).all()


def _hold_and_resume(task_id):
    engine.on_ticket_status_changed({"ticket_id": 1, "action": "hold", "to_status": "on_hold"})
    engine.on_ticket_status_changed(
        {"ticket_id": 1, "action": "resume", "to_status": "in_progress"}
    )


def test_a_warning_goes_out_once_per_visit_of_a_step(app, seeded, make_workflow):
    from common.security import Principal

    make_workflow(definition={**two_step(), "calendar": ALWAYS_OPEN})
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1, priority="low"))
        # 80 % of the step's business time goes by: the warning fires.
        task.step_started_at -= timedelta(hours=task.step_budget_hours * 0.8)
        _due_now(task.id, "warning")
        assert jobs.fire_due_timers() == 1
        # A hold and a resume in the same visit do not warn again; the breach still waits.
        _hold_and_resume(task.id)
        assert _pending(task.id, "warning") == []
        assert len(_pending(task.id, "breach")) == 1

        # Sent back to the same step later: a new visit, with its own warning, which a
        # hold and resume keep (the first visit's warning does not count for this one).
        agent = Principal(task.assignee_id, "", "", {})
        engine.act(agent, task.id, "submit", "", None)
        agent = Principal(db.session.get(Task, task.id).assignee_id, "", "", {})
        engine.act(agent, task.id, "send_back", "", None)
        assert db.session.get(Task, task.id).step_key == "work"
        _hold_and_resume(task.id)
        assert len(_pending(task.id, "warning")) == 1
        _due_now(task.id, "warning")
        assert jobs.fire_due_timers() == 1
        assert len(_outbox("tasks.sla_warning")) == 2


def test_a_warning_that_came_due_just_before_a_hold_is_sent_after_it(app, seeded, make_workflow):
    make_workflow(definition={**two_step(), "calendar": ALWAYS_OPEN})
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1, priority="low"))
        # 80 % of the step's time has gone by, but no sweep ran before the hold.
        task.step_started_at -= timedelta(hours=task.step_budget_hours * 0.8)
        _hold_and_resume(task.id)
        assert jobs.fire_due_timers() == 1  # due at once: not lost to the hold
        assert len(_outbox("tasks.sla_warning")) == 1
        assert jobs.fire_due_timers() == 0
        assert db.session.get(Task, task.id).step_warned is True


def test_a_breach_is_not_sent_again_after_a_hold(app, seeded, make_workflow):
    make_workflow(definition={**two_step(), "calendar": ALWAYS_OPEN})
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1, priority="low"))
        task.step_started_at -= timedelta(hours=task.step_budget_hours * 1.2)
        _due_now(task.id)
        assert jobs.fire_due_timers() == 2  # the warning, then the breach
        _hold_and_resume(task.id)
        assert _pending(task.id, "breach") == [] and _pending(task.id, "warning") == []
        _due_now(task.id)
        assert jobs.fire_due_timers() == 0
        assert len(_outbox("tasks.sla_breached")) == 1


def test_overdue_timers_show_in_the_workflow_metrics(app, client, make_workflow):
    from tests.support import scrape

    def overdue(samples, name="tts_sla_timers_overdue"):
        return samples[(name, (("service", "workflow"),))]

    make_workflow()
    assert overdue(scrape(client, "/api/workflow")) == 0
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        db.session.execute(
            update(SlaTimer)
            .where(SlaTimer.task_id == task.id)
            .values(due_at=datetime.now(UTC) - timedelta(minutes=10))
        )
        db.session.commit()  # a savepoint of the test's transaction
    samples = scrape(client, "/api/workflow")
    assert overdue(samples) == 2  # the warning and the breach, neither fired
    assert 600 <= overdue(samples, "tts_sla_timers_oldest_overdue_seconds") < 660


def test_task_lists_say_at_risk_and_breached_as_the_timers_fire(app, seeded, make_workflow):
    from workflow_api.schemas import TaskOut

    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        shown = TaskOut().dump(db.session.get(Task, task.id))
        assert (shown["at_risk"], shown["step_breached"]) == (False, False)
        _due_now(task.id, "warning")
        jobs.fire_due_timers()
        shown = TaskOut().dump(db.session.get(Task, task.id))
        assert (shown["at_risk"], shown["step_breached"]) == (True, False)
        _due_now(task.id)
        jobs.fire_due_timers()
        shown = TaskOut().dump(db.session.get(Task, task.id))
        assert (shown["at_risk"], shown["step_breached"]) == (True, True)
