"""Reading tasks: the agent's list and a task's detail, history and available actions."""

from __future__ import annotations

from sqlalchemy import select

from common.db import db
from common.models.workflow import Task, TaskAssignment, TaskEvent, UnroutedTicket
from workflow_api import definitions, sla


def list_tasks(
    assignee_id: int | None,
    statuses: list[str] | None,
    limit: int,
    before: int | None,
    ticket_id: int | None = None,
):
    query = select(Task)
    if ticket_id is not None:
        query = query.where(Task.ticket_id == ticket_id)
    if assignee_id is not None:
        query = query.where(Task.assignee_id == assignee_id)
    if statuses:
        query = query.where(Task.status.in_(statuses))
    if before:
        query = query.where(Task.id < before)
    rows = db.session.scalars(query.order_by(Task.id.desc()).limit(limit + 1)).all()
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def detail(task: Task) -> dict:
    definition = task.version.definition
    step = definitions.step_of(definition, task.step_key)
    actions = (
        [
            {"key": t["key"], "name": t["name"], "to": t["to"]}
            for t in definitions.transitions_from(definition, task.step_key)
        ]
        if task.status == "assigned"
        else []
    )
    return {
        "task": task,
        "step": {
            "key": step["key"],
            "name": step["name"],
            "instructions": step["instructions"],
            "role": step["role"],
            "escalation_role": step.get("escalation_role"),
        },
        "workflow": {
            "id": task.workflow_id,
            "name": task.version.workflow.name,
            "version": task.version.number,
        },
        "actions": actions,
        "sla": sla.explain(task),
    }


def history(task_id: int) -> dict:
    events = db.session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.id)
    ).all()
    assignments = db.session.scalars(
        select(TaskAssignment).where(TaskAssignment.task_id == task_id).order_by(TaskAssignment.id)
    ).all()
    return {"events": events, "assignments": assignments}


def unrouted() -> list[UnroutedTicket]:
    return db.session.scalars(
        select(UnroutedTicket)
        .where(UnroutedTicket.routed_at.is_(None))
        .order_by(UnroutedTicket.received_at)
    ).all()
