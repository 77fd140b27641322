"""Running tasks: entering steps, actions, transfer, escalation, SLA events (a task's
creation from ``tickets.opened`` is ``workflow_api.intake``).

Every operation locks the task row, checks who may do it and that the task is still where
the caller saw it (``revision``), changes it, records a TaskEvent, and emits events through
the outbox. Each (re)assignment is a new TaskAssignment row, so the same person may be
picked again at a later step without anything getting stuck.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from common.appends import append
from common.db import db, utcnow
from common.models.workflow import (
    EndedTicket,
    SlaTimer,
    Task,
    TaskAssignment,
    TaskEvent,
    UnroutedTicket,
)
from common.outbox import emit
from common.problems import Conflict, Forbidden, NotFound
from common.security import Principal
from workflow_api import assignment, definitions, sla
from workflow_api.definitions import Definition, Role, Step

log = logging.getLogger(__name__)
ACTIVE = ("unassigned", "assigned", "on_hold")
TICKET_ENDS = ("withdrawn", "rejected", "closed", "resolved")
COORDINATOR = Role("hdts", "Ticket Coordinator")
PICK = object()  # enter's default: the step's policy picks the assignee then


# --- entering steps and assigning -----------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """A ticket's approval, reaching the workflow as tickets.opened: what becomes of its
    task is the requester's news of it (workflow_api/intake), unless they approved it."""

    by: int | None  # who approved it (None: a tickets.opened from before it said)


@dataclass(frozen=True)
class Acted:
    """A person's action that moved a task: who, and the notes they gave."""

    principal: Principal
    notes: str


def enter(
    task: Task,
    definition: Definition,
    step: Step,
    now,
    origin: str,
    fresh=False,
    outcome="reassigned",
    chosen=PICK,
    approval: Approval | None = None,
    by: Acted | None = None,
    actor_id: int | None = None,
) -> None:
    """Put the task at ``step``: complete it at an end step, else start the clock and assign.

    ``fresh``: a task just created has no timers or assignments to end. ``chosen``: who
    gets it, if already picked (None: nobody); by default the step's policy picks now.
    ``approval``: the ticket's approval opened the task; what becomes of it here is the
    requester's news of the approval (its assignment says so, or workflow.ticket_queued).
    ``by``: the person whose action moved it here, and their notes (its assignment, or its
    completion, says someone acted on it). ``actor_id``: whose move put it there (see
    ``_assign``; ``by``'s person when not given).
    """
    task.step_key = step.key
    if step.end:
        _complete(task, now, outcome, by)
        return
    sla.enter_step(task, definition, now, fresh=fresh)
    if not fresh:
        _end_assignment(task, now, outcome=outcome)
    if chosen is PICK:
        chosen = assignment.pick(task.workflow_id, step.key, step.role, step.policy)
    if chosen is None:
        _unassign(task)
        if approval is not None:
            _tell_queued(task, approval)
        return
    if actor_id is None and by is not None:
        actor_id = by.principal.id
    _assign(task, chosen, origin, now, definition, approval, actor_id, after_action=by is not None)


def _tell_queued(task: Task, approval: Approval) -> None:
    """An approved ticket whose task nobody could be given waits for someone to take it."""
    emit(
        "workflow.ticket_queued",
        {
            "ticket_id": task.ticket_id,
            "number": task.ticket_number,
            "subject": task.ticket_subject,
            "requester_id": task.requester_id,
            "approved_by": approval.by,
        },
    )


def _unassign(task: Task) -> None:
    task.status = "unassigned"
    task.assignee_id = None
    task.assignee_name = None


def _assign(
    task: Task,
    chosen: assignment.Holder,
    origin: str,
    now: datetime,
    definition: Definition,
    approval: Approval | None = None,
    actor_id: int | None = None,
    after_action: bool = False,
) -> None:
    """``actor_id``: the person whose move this assignment is (who acted, transferred,
    escalated, routed or reopened; None: the workflow's own, as a new task's is): notifier
    tells nobody of their own move."""
    task.status = "assigned" if task.paused_at is None else "on_hold"
    task.assignee_id = chosen.user_id
    task.assignee_name = chosen.user_name
    first = task.first_assigned_at is None and task.status == "assigned"
    task.first_assigned_at = task.first_assigned_at or now
    append(
        TaskAssignment,
        task_id=task.id,
        step_key=task.step_key,
        user_id=chosen.user_id,
        user_name=chosen.user_name,
        origin=origin,
        assigned_at=now,
    )
    emit(
        "tasks.assigned",
        {
            "task_id": task.id,
            "ticket_id": task.ticket_id,
            "ticket_number": task.ticket_number,
            "ticket_subject": task.ticket_subject,
            "step": definition.step(task.step_key).name,
            "assignee_id": chosen.user_id,
            "assignee_name": chosen.user_name,
            "origin": origin,
            "requester_id": task.requester_id,
            "first_assignment": first,
            "on_approval": approval is not None,
            "approved_by": approval.by if approval is not None else None,
            "after_action": after_action,
            "actor_id": actor_id,
        },
    )


def _end_assignment(task: Task, now: datetime, outcome: str | None) -> None:
    db.session.execute(
        update(TaskAssignment)
        .where(TaskAssignment.task_id == task.id, TaskAssignment.ended_at.is_(None))
        .values(ended_at=now, outcome=outcome or "reassigned")
    )


def _complete(task: Task, now: datetime, outcome: str = "completed", by: Acted | None = None):
    _end_assignment(task, now, outcome=outcome)
    sla.cancel_timers(task.id, now)
    task.status = "completed"
    task.completed_at = now
    task.step_due_at = None
    db.session.flush()
    emit(
        "tasks.completed",
        {
            "task_id": task.id,
            "ticket_id": task.ticket_id,
            # The ticket's history credits the person who resolved it, with their notes.
            "by_id": by.principal.id if by else None,
            "by_name": by.principal.name if by else None,
            "notes": (by.notes or None) if by else None,
        },
    )


# --- people's actions ---------------------------------------------------------------------


def locked(task_id: int) -> Task:
    task = db.session.scalar(select(Task).where(Task.id == task_id).with_for_update(of=Task))
    if task is None:
        raise NotFound(f"Task {task_id} not found")
    return task


def visible(principal: Principal, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not (task.assignee_id == principal.id or principal.is_triager):
        raise NotFound(f"Task {task_id} not found")
    return task


def _guard(task: Task, principal: Principal, revision: int | None, *, staff_ok: bool) -> None:
    if task.assignee_id != principal.id and not (staff_ok and principal.is_triager):
        if not principal.is_triager:
            raise NotFound(f"Task {task.id} not found")
        raise Forbidden("Only the assignee may do this")
    if revision is not None and revision != task.revision:
        raise Conflict(
            "The task changed since you loaded it; reload and try again",
            current_revision=task.revision,
        )


def act(principal: Principal, task_id: int, key: str, notes: str, revision: int | None) -> Task:
    """The assignee takes one of the current step's transitions."""
    task = locked(task_id)
    _guard(task, principal, revision, staff_ok=False)
    if task.status != "assigned":
        raise Conflict(f"The task is {task.status}", current_status=task.status)
    definition = definitions.of_version(task.version)
    options = definition.transitions_from(task.step_key)
    transition = next((t for t in options if t.key == key), None)
    if transition is None:
        raise Conflict(
            f"{key!r} is not available at step {task.step_key!r}",
            available=[t.key for t in options],
        )
    now = utcnow()
    target = definition.step(transition.target)
    record_event(task, principal, "act", task.step_key, target.key, notes, {"transition": key})
    task.revision += 1
    enter(
        task, definition, target, now, origin="system", outcome="acted", by=Acted(principal, notes)
    )
    return task


def transfer(principal: Principal, task_id: int, user_id: int, notes: str, revision) -> Task:
    """A coordinator or admin gives the task to another holder of the step's role."""
    if not principal.is_triager:
        raise Forbidden("Only a coordinator or an admin transfers tasks")
    task = locked(task_id)
    _guard(task, principal, revision, staff_ok=True)
    if task.status not in ACTIVE:
        raise Conflict(f"The task is {task.status}", current_status=task.status)
    definition = definitions.of_version(task.version)
    step = definition.step(task.step_key)
    chosen = assignment.holder(step.role, user_id)
    if chosen is None:
        raise Conflict(f"User {user_id} does not actively hold {step.role.system}:{step.role.name}")
    now = utcnow()
    _end_assignment(task, now, outcome="transferred")
    record_event(
        task,
        principal,
        "transfer",
        notes=notes,
        data={"to_user": user_id, "from_user": task.assignee_id},
    )
    task.transfers += 1
    task.revision += 1
    origin = "transfer" if task.assignee_id else "manual"
    _assign(task, chosen, origin, now, definition, actor_id=principal.id)
    return task


def transfer_candidates(principal: Principal, task_id: int) -> list[dict]:
    """Whom a coordinator may transfer the task to: the step's other eligible role
    holders, each with their open tasks (the load the least-loaded policy weighs)."""
    if not principal.is_triager:
        raise Forbidden("Only a coordinator or an admin transfers tasks")
    task = visible(principal, task_id)
    step = definitions.of_version(task.version).step(task.step_key)
    holders = [h for h in assignment.eligible_holders(step.role) if h.user_id != task.assignee_id]
    load = dict(
        db.session.execute(
            select(Task.assignee_id, func.count())
            .where(Task.assignee_id.in_([h.user_id for h in holders]))
            .where(Task.status.in_(ACTIVE))
            .group_by(Task.assignee_id)
        ).all()
    )
    return [
        {"user_id": h.user_id, "name": h.user_name, "open_tasks": load.get(h.user_id, 0)}
        for h in holders
    ]


def escalate(principal: Principal | None, task_id: int, reason: str, revision=None) -> Task:
    """To the step's escalation role (by the assignee, staff, or a breach that says so)."""
    task = locked(task_id)
    if principal is not None:
        _guard(task, principal, revision, staff_ok=True)
    if task.status not in ACTIVE:
        raise Conflict(f"The task is {task.status}", current_status=task.status)
    definition = definitions.of_version(task.version)
    step = definition.step(task.step_key)
    if not step.escalation_role:
        raise Conflict(f"Step {step.key!r} has no escalation role")
    chosen = assignment.pick(
        task.workflow_id, f"{step.key}:escalation", step.escalation_role, "round_robin"
    )
    if chosen is None:
        raise Conflict("Nobody holds the escalation role")
    now = utcnow()
    _end_assignment(task, now, outcome="escalated")
    record_event(task, principal, "escalate", notes=reason, data={"to_user": chosen.user_id})
    task.escalations += 1
    task.revision += 1
    _assign(
        task,
        chosen,
        "escalation",
        now,
        definition,
        actor_id=principal.id if principal is not None else None,
    )
    return task


# --- following the ticket, and the clocks ---------------------------------------------------


def on_ticket_status_changed(payload: dict) -> None:
    """Holding pauses the clocks; resuming restarts them; ending the ticket ends the task."""
    task = db.session.scalar(
        select(Task).where(Task.ticket_id == payload["ticket_id"]).with_for_update(of=Task)
    )
    action, target = payload["action"], payload["to_status"]
    if task is None:
        if target in TICKET_ENDS:
            _end_without_task(payload["ticket_id"])
        return
    now = utcnow()
    definition = definitions.of_version(task.version)
    if target == "on_hold" and task.status in ("assigned", "unassigned"):
        sla.pause(task, definition, now)
        task.status = "on_hold"
        record_event(task, None, "hold", notes=payload.get("reason") or "")
    elif action == "resume" and task.status == "on_hold":
        sla.resume(task, definition, now)
        task.status = "assigned" if task.assignee_id else "unassigned"
        record_event(task, None, "resume")
    elif target in TICKET_ENDS and task.status in ACTIVE:
        _end_assignment(task, now, outcome="cancelled")
        sla.cancel_timers(task.id, now)
        task.status = "cancelled"
        task.completed_at = now
        record_event(task, None, "cancel", data={"ticket_action": action})
    elif action == "reopen" and task.status in ("completed", "cancelled"):
        _reopen(task, definition, now, payload.get("actor_id"))
    else:
        return
    task.revision += 1


def _reopen(task: Task, definition: Definition, now: datetime, actor_id: int | None) -> None:
    """Back to the last step someone worked on, to the same person when they still hold
    its role (otherwise the step's policy picks again). ``actor_id``: who reopened it."""
    last = db.session.scalar(
        select(TaskAssignment)
        .where(TaskAssignment.task_id == task.id)
        .order_by(TaskAssignment.id.desc())
        .limit(1)
    )
    key = last.step_key if last else definition.start_step().key
    step = definition.step(key)
    task.completed_at = None
    task.step_key = key
    task.breached = False  # a reopened ticket gets a fresh target, counted from now
    sla.start_ticket_clock(task, definition, now)
    sla.enter_step(task, definition, now)
    record_event(task, None, "reopen", to_step=key)
    previous = assignment.holder(step.role, last.user_id) if last else None
    if previous is not None:
        _assign(task, previous, "reopen", now, definition, actor_id=actor_id)
        return
    chosen = assignment.pick(task.workflow_id, key, step.role, step.policy)
    if chosen is None:
        _unassign(task)
        return
    _assign(task, chosen, "reopen", now, definition, actor_id=actor_id)


def _end_without_task(ticket_id: int) -> None:
    """The ticket ended before any task: remember it (a late tickets.opened then starts
    nothing) and take it off the unrouted list."""
    db.session.execute(insert(EndedTicket).values(ticket_id=ticket_id).on_conflict_do_nothing())
    db.session.execute(
        update(UnroutedTicket)
        .where(UnroutedTicket.ticket_id == ticket_id, UnroutedTicket.routed_at.is_(None))
        .values(routed_at=utcnow())
    )


def fire(timer: SlaTimer, now: datetime) -> None:
    """A due warning or breach: tell people once, and escalate when the step says so."""
    timer.fired_at = now
    task = db.session.get(Task, timer.task_id)
    if task.status not in ("assigned", "unassigned") or task.step_key != timer.step_key:
        return
    payload = {
        "task_id": task.id,
        "ticket_id": task.ticket_id,
        "ticket_number": task.ticket_number,
        "ticket_subject": task.ticket_subject,
        "step": task.step_key,
        "assignee_id": task.assignee_id,
        "due_at": task.step_due_at.isoformat() if task.step_due_at else None,
    }
    record_event(task, None, f"sla_{timer.kind}")
    if timer.kind == "warning":
        task.step_warned = True
        emit("tasks.sla_warning", payload)
        return
    task.step_breached = task.breached = True
    emit("tasks.sla_breached", payload)
    step = definitions.of_version(task.version).step(task.step_key)
    if step.escalate_on_breach and step.escalation_role:
        try:
            escalate(None, task.id, "SLA breached")
        except Conflict as error:
            log.warning("automatic escalation of task %s failed: %s", task.id, error.detail)


def record_first_response(payload: dict) -> None:
    task = db.session.scalar(select(Task).where(Task.ticket_id == payload["ticket_id"]))
    if task is None or task.first_response_at is not None or payload.get("internal"):
        return
    if payload["author_id"] != task.requester_id:
        task.first_response_at = utcnow()


def record_event(
    task, principal, action, from_step=None, to_step=None, notes="", data=None
) -> None:
    append(
        TaskEvent,
        task_id=task.id,
        actor_id=principal.id if principal else None,
        actor_name=principal.name if principal else "System",
        action=action,
        from_step=from_step,
        to_step=to_step,
        notes=notes or "",
        data=data or {},
    )
