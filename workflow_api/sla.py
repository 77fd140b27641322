"""SLA clocks in business hours: the ticket's target, each step's share, the timers.

A workflow version has a target per priority (business hours, on its calendar). Each step
gets ``target × weight / Σ weights`` of the non-end steps. Entering a step starts its
clock and schedules two timer rows, a warning at 75 % and a breach at 100 %; the scheduler
sweeps due rows with ``FOR UPDATE SKIP LOCKED`` so each fires once however many schedulers
run. Holding a task stops its clocks (the timers are cancelled and the business time left
is kept); resuming restarts them from where they stood.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from common.appends import append
from common.db import db, utcnow
from common.models.workflow import SlaTimer, Task
from workflow_api import definitions
from workflow_api.definitions import Definition

WARNING_AT = 0.75


def target_hours(definition: Definition, priority: str) -> float:
    return definition.sla_hours[priority]


def _weights(definition: Definition) -> tuple[dict[str, float], float]:
    """Each working (non-end) step's weight, and their sum: the shares of the target."""
    weights = {step.key: float(step.weight) for step in definition.steps if not step.end}
    return weights, sum(weights.values())


def step_budget(definition: Definition, step_key: str, priority: str) -> float:
    weights, total_weight = _weights(definition)
    weight = weights[step_key]
    return target_hours(definition, priority) * weight / total_weight


def start_ticket_clock(task: Task, definition: Definition, now: datetime) -> None:
    task.due_at = definition.calendar.add(now, target_hours(definition, task.priority))


def enter_step(task: Task, definition: Definition, now: datetime, fresh: bool = False) -> None:
    """Start the clock of the task's current step and schedule its timers (``fresh``: a new
    task, with no earlier timers to cancel)."""
    if not fresh:
        cancel_timers(task.id, now)
    budget = step_budget(definition, task.step_key, task.priority)
    task.step_started_at = now
    task.step_budget_hours = budget
    task.step_spent_hours = 0.0
    task.step_warned = task.step_breached = False
    task.paused_at = None
    _schedule(task, definition, now)


def _schedule(task: Task, definition: Definition, now: datetime) -> None:
    """Timers for the alerts this visit of the step has not had yet. One whose moment
    passed unsent (a hold came before the sweep) is due at once rather than lost."""
    calendar = definition.calendar
    left = max(task.step_budget_hours - task.step_spent_hours, 0.0)
    task.step_due_at = calendar.add(now, left)
    timers = []
    if not task.step_breached:
        timers.append(("breach", task.step_due_at))
    if not task.step_warned:
        warning_left = max(task.step_budget_hours * WARNING_AT - task.step_spent_hours, 0.0)
        timers.append(("warning", calendar.add(now, warning_left)))
    for kind, due in timers:
        append(SlaTimer, task_id=task.id, kind=kind, step_key=task.step_key, due_at=due)


def cancel_timers(task_id: int, now: datetime) -> None:
    db.session.execute(
        update(SlaTimer)
        .where(
            SlaTimer.task_id == task_id,
            SlaTimer.fired_at.is_(None),
            SlaTimer.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
    )


def pause(task: Task, definition: Definition, now: datetime) -> None:
    if task.paused_at is not None or task.step_started_at is None:
        return
    calendar = definition.calendar
    task.step_spent_hours += calendar.elapsed(task.step_started_at, now)
    task.due_remaining_hours = calendar.elapsed(now, task.due_at) if task.due_at else None
    task.paused_at = now
    cancel_timers(task.id, now)


def resume(task: Task, definition: Definition, now: datetime) -> None:
    """Restart the clocks from where the hold stopped them (``_schedule`` brings back only
    the alerts this visit of the step has not had)."""
    if task.paused_at is None:
        return
    calendar = definition.calendar
    if task.due_remaining_hours is not None:
        task.due_at = calendar.add(now, task.due_remaining_hours)
    task.paused_at = None
    task.due_remaining_hours = None
    task.step_started_at = now
    _schedule(task, definition, now)


def explain(task: Task) -> dict:
    """How the task's due times were computed (shown by the API)."""
    definition = definitions.of_version(task.version)
    weights, total_weight = _weights(definition)
    return {
        "priority": task.priority,
        "target_hours": target_hours(definition, task.priority),
        "due_at": task.due_at,
        "step": task.step_key,
        "step_weight": weights.get(task.step_key),
        "weights_total": total_weight,
        "step_budget_hours": task.step_budget_hours,
        "step_started_at": task.step_started_at,
        "step_spent_hours": task.step_spent_hours,
        "step_due_at": task.step_due_at,
        "paused_at": task.paused_at,
        "breached": task.breached,
        "step_warning_sent": task.step_warned,
        "step_breach_sent": task.step_breached,
        "calendar": definition.calendar.to_dict(),
        "warning_at_fraction": WARNING_AT,
    }


def due_timers(now: datetime | None = None, batch: int = 200) -> list[SlaTimer]:
    """Claim due timers (rows stay locked until the caller's transaction ends)."""
    return db.session.scalars(
        select(SlaTimer)
        .where(
            SlaTimer.fired_at.is_(None),
            SlaTimer.cancelled_at.is_(None),
            SlaTimer.due_at <= (now or utcnow()),
        )
        .order_by(SlaTimer.due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
