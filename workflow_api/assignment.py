"""Matching a ticket to a workflow and giving its task to a role holder.

Round robin keeps a pointer per step (the last user given work there). The step row is
locked while the pointer moves, so concurrent workers hand out consecutive holders and
never the same slot twice.
"""

from __future__ import annotations

from sqlalchemy import select

from common.db import db
from common.models.workflow import RoleHolder, Step, Workflow


def match_workflow(department: str, category: str, subcategory: str | None) -> Workflow | None:
    """Most specific first: department + category + subcategory, then category, then default."""
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
        query = select(Workflow).where(condition).order_by(Workflow.id).limit(1)
        workflow = db.session.scalar(query)
        if workflow is not None:
            return workflow
    return None


def pick_round_robin(step_id: int) -> RoleHolder | None:
    step = db.session.scalar(select(Step).where(Step.id == step_id).with_for_update())
    holders = db.session.scalars(
        select(RoleHolder)
        .where(
            RoleHolder.system == step.role_system,
            RoleHolder.role == step.role_name,
            RoleHolder.is_active.is_(True),
            RoleHolder.deployed.is_(True),
        )
        .order_by(RoleHolder.user_id)
    ).all()
    if not holders:
        return None
    pointer = step.last_assignee_id
    chosen = next((h for h in holders if pointer is None or h.user_id > pointer), holders[0])
    step.last_assignee_id = chosen.user_id
    return chosen
