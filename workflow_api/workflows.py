"""Workflows as admins manage them: created with a draft definition, the draft edited, and
published as immutable versions (running tasks keep the version they started on). Every
change is audited.

A draft is stored as it was typed, so it may be invalid; publishing loads it through the
definition schemas (422 with the field map) and stores the normalised form.
"""

from __future__ import annotations

from sqlalchemy import func, select

from common.db import db
from common.models.workflow import RoleHolder, Workflow, WorkflowAudit, WorkflowVersion
from common.problems import Conflict, NotFound
from common.security import Principal
from workflow_api import definitions
from workflow_api.assignment import forget_routes
from workflow_api.definitions import Role

MATCH_FIELDS = ("name", "description", "department", "category", "subcategory", "is_default")


def audit(workflow_id: int, principal: Principal | None, action: str, changes: dict) -> None:
    db.session.add(
        WorkflowAudit(
            workflow_id=workflow_id,
            actor_id=principal.id if principal else None,
            actor_name=principal.name if principal else "System",
            action=action,
            changes=changes,
        )
    )


def get(workflow_id: int, *, for_update: bool = False) -> Workflow:
    query = select(Workflow).where(Workflow.id == workflow_id)
    workflow = db.session.scalar(query.with_for_update() if for_update else query)
    if workflow is None:
        raise NotFound(f"Workflow {workflow_id} not found")
    return workflow


def with_draft_state(rows: list[Workflow]) -> list[Workflow]:
    """Mark each workflow's ``draft_changed``: whether its draft differs from its published
    version (None when never published). One query for all of them."""
    published = {
        workflow_id: definition
        for workflow_id, definition in db.session.execute(
            select(WorkflowVersion.workflow_id, WorkflowVersion.definition)
            .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
            .where(
                WorkflowVersion.workflow_id.in_([row.id for row in rows]),
                WorkflowVersion.number == Workflow.current_version,
            )
        ).all()
    }
    for row in rows:
        definition = published.get(row.id)
        row.draft_changed = None if definition is None else row.draft != definition
    return rows


def create(principal: Principal | None, data: dict) -> Workflow:
    if db.session.scalar(select(Workflow.id).where(Workflow.name == data["name"])):
        raise Conflict(f"A workflow named {data['name']!r} exists")
    workflow = Workflow(
        **{field: data.get(field) for field in MATCH_FIELDS if field in data},
        draft=data.get("definition") or {},
        created_by=principal.id if principal else None,
    )
    workflow.is_default = bool(data.get("is_default", False))
    db.session.add(workflow)
    db.session.flush()
    audit(workflow.id, principal, "create", {"name": workflow.name})
    return workflow


def update(principal: Principal | None, workflow_id: int, data: dict) -> Workflow:
    workflow = get(workflow_id, for_update=True)
    changes = {}
    for field in MATCH_FIELDS:
        if field in data and getattr(workflow, field) != data[field]:
            changes[field] = [getattr(workflow, field), data[field]]
            setattr(workflow, field, data[field])
    if "definition" in data and data["definition"] != workflow.draft:
        changes["definition"] = "draft changed"
        workflow.draft = data["definition"]
    if changes:
        db.session.flush()
        audit(workflow.id, principal, "update", changes)
    return workflow


def revert_to_published(principal: Principal | None, workflow_id: int) -> Workflow:
    """Throw the draft away: it becomes the published version's definition again."""
    workflow = get(workflow_id, for_update=True)
    if workflow.current_version is None:
        raise Conflict("This workflow has not been published yet: there is nothing to revert to.")
    published = db.session.scalar(
        select(WorkflowVersion.definition).where(
            WorkflowVersion.workflow_id == workflow.id,
            WorkflowVersion.number == workflow.current_version,
        )
    )
    if workflow.draft != published:
        workflow.draft = published
        db.session.flush()
        audit(workflow.id, principal, "revert", {"version": workflow.current_version})
    return workflow


def publish(principal: Principal | None, workflow_id: int, *, check_roles: bool = True):
    """Validate the draft and freeze it as the next version (running tasks keep theirs).

    ``check_roles``: every role must be known to the replica of auth_api's roles (seeding
    publishes without that check: see seed.py)."""
    workflow = get(workflow_id, for_update=True)
    definition = definitions.load(workflow.draft, known_role=role_known if check_roles else None)
    normal = definitions.dump(definition)
    number = (workflow.current_version or 0) + 1
    version = WorkflowVersion(
        workflow_id=workflow.id,
        number=number,
        definition=normal,
        published_by=principal.id if principal else None,
    )
    db.session.add(version)
    workflow.current_version = number
    workflow.draft = normal
    db.session.flush()
    audit(workflow.id, principal, "publish", {"version": number})
    forget_routes()  # this process routes to the new version at once; others within seconds
    return version


def role_known(role: Role) -> bool:
    """Known to the replica of auth_api's roles (a role someone holds or held)."""
    holders = (
        select(func.count())
        .select_from(RoleHolder)
        .where(RoleHolder.system == role.system, RoleHolder.role == role.name)
    )
    return db.session.scalar(holders) > 0
