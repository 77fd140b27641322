"""Matching a ticket to a workflow, and choosing who gets a step.

Only active, deployed holders of the step's role count. Round robin keeps one pointer per
step (the user last given work there); least loaded picks the holder with the fewest open
tasks, ties broken in round-robin order from the same pointer; manual leaves the task for
a coordinator. The pointer row is locked while it moves, so concurrent workers hand out
consecutive holders and never the same slot twice.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from common.db import db
from common.models.workflow import RoleHolder, StepPointer, Task, Workflow

OPEN_STATUSES = ("assigned", "on_hold")


def match_workflow(department: str, category: str, subcategory: str | None) -> Workflow | None:
    """Most specific first: department + category + subcategory, then category, then default."""
    published = Workflow.current_version.is_not(None) & Workflow.archived.is_(False)
    conditions = []
    if subcategory is not None:
        conditions.append(
            (Workflow.department == department)
            & (Workflow.category == category)
            & (Workflow.subcategory == subcategory)
        )
    conditions.append((Workflow.category == category) & Workflow.subcategory.is_(None))
    conditions.append(Workflow.is_default.is_(True))
    for condition in conditions:
        query = select(Workflow).where(published, condition).order_by(Workflow.id).limit(1)
        workflow = db.session.scalar(query)
        if workflow is not None:
            return workflow
    return None


def eligible_holders(role: dict) -> list[RoleHolder]:
    return db.session.scalars(
        select(RoleHolder)
        .where(
            RoleHolder.system == role["system"],
            RoleHolder.role == role["name"],
            RoleHolder.is_active.is_(True),
            RoleHolder.deployed.is_(True),
        )
        .order_by(RoleHolder.user_id)
    ).all()


def holder(role: dict, user_id: int) -> RoleHolder | None:
    return next((h for h in eligible_holders(role) if h.user_id == user_id), None)


def _locked_pointer(workflow_id: int, key: str) -> StepPointer:
    db.session.execute(
        insert(StepPointer)
        .values(workflow_id=workflow_id, step_key=key)
        .on_conflict_do_nothing(index_elements=[StepPointer.workflow_id, StepPointer.step_key])
    )
    return db.session.scalar(
        select(StepPointer)
        .where(StepPointer.workflow_id == workflow_id, StepPointer.step_key == key)
        .with_for_update()
    )


def _after_pointer(holders: list[RoleHolder], pointer: int | None) -> list[RoleHolder]:
    """Holders in round-robin order: those after the pointer first, then from the top."""
    if pointer is None:
        return holders
    later = [h for h in holders if h.user_id > pointer]
    return later + [h for h in holders if h.user_id <= pointer]


def _open_load(user_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Task.assignee_id, func.count())
        .where(Task.assignee_id.in_(user_ids), Task.status.in_(OPEN_STATUSES))
        .group_by(Task.assignee_id)
    ).all()
    return dict(rows)


def pick(workflow_id: int, pointer_key: str, role: dict, policy: str) -> RoleHolder | None:
    """The holder who gets the work, moving the pointer; None if nobody can (or manual)."""
    if policy == "manual":
        return None
    pointer = _locked_pointer(workflow_id, pointer_key)
    holders = _after_pointer(eligible_holders(role), pointer.last_user_id)
    if not holders:
        return None
    if policy == "least_loaded":
        load = _open_load([h.user_id for h in holders])
        fewest = min(load.get(h.user_id, 0) for h in holders)
        chosen = next(h for h in holders if load.get(h.user_id, 0) == fewest)
    else:
        chosen = holders[0]
    pointer.last_user_id = chosen.user_id
    return chosen
