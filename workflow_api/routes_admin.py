"""Workflow definitions, publishing, audit, unrouted tickets and reports (staff only)."""

import functools
import hashlib
import json

from flask import Response, request
from flask.views import MethodView
from sqlalchemy import select

from common.blueprint import Blueprint
from common.db import db
from common.models.workflow import Workflow, WorkflowAudit, WorkflowVersion
from common.problems import DomainError, Forbidden, problem_doc
from common.security import caller, require_auth
from workflow_api import definitions, intake, reports, service, workflows
from workflow_api.schemas import (
    AuditList,
    ReportArgs,
    RouteIn,
    TaskOut,
    UnroutedList,
    ValidationIn,
    ValidationOut,
    VersionList,
    VersionOut,
    WorkflowIn,
    WorkflowList,
    WorkflowOut,
    WorkflowPatch,
)

blp = Blueprint("workflow-admin", __name__, url_prefix="/api/workflow", description="Workflows")
require_auth(blp)
BEARER = [{"bearerAuth": []}]


def _admin():
    principal = caller()
    if not principal.is_admin:
        raise Forbidden("Only an admin manages workflows")
    return principal


def _staff():
    principal = caller()
    if not principal.is_triager:
        raise Forbidden("Only coordinators and admins")
    return principal


@blp.route("/workflows")
class Workflows(MethodView):
    @blp.response(200, WorkflowList)
    @blp.doc(security=BEARER)
    def get(self):
        _staff()
        rows = db.session.scalars(select(Workflow).order_by(Workflow.id)).all()
        return {"items": workflows.with_draft_state(list(rows))}

    @blp.arguments(WorkflowIn)
    @blp.response(201, WorkflowOut)
    @blp.doc(security=BEARER)
    def post(self, body):
        workflow = workflows.create(_admin(), body)
        return workflow


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition Failed"


def _etag(workflow) -> str:
    """What an editor saw: the draft, the matching fields and the published version (a
    hash of them, so two saves of the same content agree and any other save differs)."""
    seen = WorkflowOut().dump(workflow)
    seen.pop("updated_at", None)
    seen.pop("draft_changed", None)
    digest = hashlib.sha256(json.dumps(seen, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{digest[:32]}"'


def _check_if_match(workflow_id: int) -> None:
    """412 when If-Match names another state than the stored one (the row stays locked
    for the change that follows)."""
    if request.if_match and not request.if_match.star_tag:
        current = _etag(workflows.get(workflow_id, for_update=True))
        if not request.if_match.contains_raw(current):
            raise PreconditionFailed(
                "Someone else changed this workflow since you opened it. "
                "Reload to see their version; your draft is kept."
            )


@blp.route("/workflows/<id:workflow_id>")
class WorkflowById(MethodView):
    @blp.response(200, WorkflowOut, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.doc(security=BEARER)
    def get(self, workflow_id):
        _staff()
        (workflow,) = workflows.with_draft_state([workflows.get(workflow_id)])
        return workflow, 200, {"ETag": _etag(workflow)}

    @blp.arguments(WorkflowPatch)
    @blp.response(200, WorkflowOut)
    @blp.alt_response(
        412, **problem_doc(), description="If-Match named another version: reload, then edit"
    )
    @blp.doc(security=BEARER)
    def patch(self, body, workflow_id):
        """Edit the draft and the matching fields (running tasks keep their version).
        Send the GET's ETag as If-Match: 412 when someone else saved in between."""
        principal = _admin()
        _check_if_match(workflow_id)
        (workflow,) = workflows.with_draft_state([workflows.update(principal, workflow_id, body)])
        return workflow, 200, {"ETag": _etag(workflow)}


@blp.route("/workflows/<id:workflow_id>/validate", methods=["POST"])
@blp.arguments(ValidationIn, required=False)
@blp.response(200, ValidationOut)
@blp.doc(security=BEARER)
def validate_draft(body, workflow_id):
    """Check a definition as publishing would (422 with the field map), storing nothing:
    the one sent (what the editor shows, saved or not), else the stored draft."""
    _admin()
    workflow = workflows.get(workflow_id)
    definition = body.get("definition", workflow.draft)
    definitions.load(definition, known_role=workflows.role_known)
    return {"valid": True}


@blp.route("/workflows/<id:workflow_id>/revert", methods=["POST"])
@blp.response(200, WorkflowOut, headers={"ETag": {"schema": {"type": "string"}}})
@blp.alt_response(409, **problem_doc(), description="Never published: nothing to revert to")
@blp.alt_response(
    412, **problem_doc(), description="If-Match named another version: reload, then edit"
)
@blp.doc(security=BEARER)
def revert_draft(workflow_id):
    """Replace the draft with the published version's definition (send If-Match)."""
    principal = _admin()
    _check_if_match(workflow_id)
    reverted = workflows.revert_to_published(principal, workflow_id)
    (workflow,) = workflows.with_draft_state([reverted])
    return workflow, 200, {"ETag": _etag(workflow)}


@blp.route("/workflows/<id:workflow_id>/publish", methods=["POST"])
@blp.response(201, VersionOut)
@blp.doc(security=BEARER)
def publish(workflow_id):
    """Validate the draft (422 with a field map) and freeze it as the next version."""
    version = workflows.publish(_admin(), workflow_id)
    return version


@blp.route("/workflows/<id:workflow_id>/versions")
@blp.response(200, VersionList)
@blp.doc(security=BEARER)
def versions(workflow_id):
    _staff()
    workflows.get(workflow_id)
    rows = db.session.scalars(
        select(WorkflowVersion)
        .where(WorkflowVersion.workflow_id == workflow_id)
        .order_by(WorkflowVersion.number)
    ).all()
    return {"items": rows}


@blp.route("/workflows/<id:workflow_id>/audit")
@blp.response(200, AuditList)
@blp.doc(security=BEARER)
def workflow_audit(workflow_id):
    _admin()
    rows = db.session.scalars(
        select(WorkflowAudit)
        .where(WorkflowAudit.workflow_id == workflow_id)
        .order_by(WorkflowAudit.id)
    ).all()
    return {"items": rows}


@blp.route("/unrouted")
@blp.response(200, UnroutedList)
@blp.doc(security=BEARER)
def unrouted():
    """Tickets no workflow matched, waiting for a coordinator."""
    _staff()
    return {"items": service.unrouted()}


@blp.route("/unrouted/<id:ticket_id>/route", methods=["POST"])
@blp.arguments(RouteIn)
@blp.response(201, TaskOut)
@blp.doc(security=BEARER)
def route(body, ticket_id):
    task = intake.route_unrouted(caller(), ticket_id, body["workflow_id"])
    return task


def staff_first(view):
    """Check the caller before the arguments: an employee asking with bad parameters is
    told 403, not shown how to fix a query they may not run."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        _staff()
        return view(*args, **kwargs)

    return checked


@blp.route("/reports/kpis")
@staff_first
@blp.arguments(ReportArgs, location="query")
@blp.doc(
    security=BEARER,
    responses={
        "200": {
            "description": "The KPIs, as JSON or (format=csv) as CSV rows: metric, key, value.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
def kpis(args):
    """KPIs for tasks created in [from, to): JSON, or CSV with ``format=csv``."""
    report = reports.kpis(args["start"], args["end"], args["workflow_id"])
    if args["format"] == "csv":
        return Response(
            reports.as_csv(report),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="kpis.csv"'},
        )
    report["range"] = {k: v.isoformat() for k, v in report["range"].items()}
    return report
