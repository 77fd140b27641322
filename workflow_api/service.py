"""Reading tasks: the agent's list and a task's detail, history and available actions."""

from __future__ import annotations

from sqlalchemy import select

from common.db import db
from common.keyset import newest_first
from common.models.workflow import Task, TaskAssignment, TaskEvent, UnroutedTicket
from workflow_api import definitions, sla
from workflow_api.definitions import Role


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
    return newest_first(Task.id, query, limit, before)


def detail(task: Task) -> dict:
    definition = definitions.of_version(task.version)
    step = definition.step(task.step_key)
    usual = definition.usual_next(task.step_key)
    actions = (
        [
            {"key": t.key, "name": t.name, "to": t.target, "primary": t == usual}
            for t in definition.transitions_from(task.step_key)
        ]
        if task.status == "assigned"
        else []
    )
    return {
        "task": task,
        "step": {
            "key": step.key,
            "name": step.name,
            "instructions": step.instructions,
            "role": _role_json(step.role),
            "escalation_role": _role_json(step.escalation_role),
        },
        "workflow": {
            "id": task.workflow_id,
            "name": task.version.workflow.name,
            "version": task.version.number,
        },
        "actions": actions,
        "sla": sla.explain(task),
    }


def _role_json(role: Role | None) -> dict | None:
    return None if role is None else {"system": role.system, "name": role.name}


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
