"""Task creation and listing. Functions flush and emit; the actor or route commits."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from common.db import db, utcnow
from common.models.workflow import Task
from common.outbox import emit
from workflow_api.assignment import match_workflow, pick_round_robin

log = logging.getLogger(__name__)


def open_task_for_ticket(ticket: dict) -> Task | None:
    """Create the ticket's task at its workflow's start step and assign it.

    Idempotent: the unique ticket_id means a second delivery finds the existing task.
    """
    workflow = match_workflow(ticket["department"], ticket["category"], ticket.get("subcategory"))
    if workflow is None or workflow.start_step is None:
        log.warning("no workflow matches ticket %s", ticket["ticket_id"])
        return None
    step = workflow.start_step
    inserted = db.session.execute(
        insert(Task)
        .values(
            ticket_id=ticket["ticket_id"],
            ticket_number=ticket.get("number"),
            ticket_subject=ticket["subject"],
            priority=ticket["priority"],
            workflow_id=workflow.id,
            step_id=step.id,
            status="unassigned",
        )
        .on_conflict_do_nothing(index_elements=[Task.ticket_id])
        .returning(Task.id)
    ).scalar()
    if inserted is None:
        return db.session.scalar(select(Task).where(Task.ticket_id == ticket["ticket_id"]))
    task = db.session.get(Task, inserted)
    holder = pick_round_robin(step.id)
    if holder is None:
        log.warning(
            "nobody holds %s:%s for ticket %s",
            step.role_system,
            step.role_name,
            ticket["ticket_id"],
        )
        return task
    task.assignee_id = holder.user_id
    task.assignee_name = holder.user_name
    task.status = "assigned"
    task.assigned_at = utcnow()
    db.session.flush()
    emit(
        "tasks.assigned",
        {
            "task_id": task.id,
            "ticket_id": task.ticket_id,
            "ticket_number": task.ticket_number,
            "ticket_subject": task.ticket_subject,
            "step": step.name,
            "assignee_id": holder.user_id,
            "assignee_name": holder.user_name,
        },
    )
    return task


def list_tasks(assignee_id: int, limit: int, before: int | None):
    query = select(Task).where(Task.assignee_id == assignee_id)
    if before:
        query = query.where(Task.id < before)
    rows = db.session.scalars(query.order_by(Task.id.desc()).limit(limit + 1)).all()
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor
