"""Workflow definitions, publishing, audit, unrouted tickets and reports (staff only)."""

import functools

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from common.db import db
from common.models.workflow import Workflow, WorkflowAudit, WorkflowVersion
from common.problems import Forbidden
from common.security import caller, require_auth
from workflow_api import engine, reports, service, workflows
from workflow_api.schemas import (
    AuditList,
    ReportArgs,
    RouteIn,
    TaskOut,
    UnroutedList,
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
        return {"items": db.session.scalars(select(Workflow).order_by(Workflow.id)).all()}

    @blp.arguments(WorkflowIn)
    @blp.response(201, WorkflowOut)
    @blp.doc(security=BEARER)
    def post(self, body):
        workflow = workflows.create(_admin(), body)
        return workflow


@blp.route("/workflows/<id:workflow_id>")
class WorkflowById(MethodView):
    @blp.response(200, WorkflowOut)
    @blp.doc(security=BEARER)
    def get(self, workflow_id):
        _staff()
        return workflows.get(workflow_id)

    @blp.arguments(WorkflowPatch)
    @blp.response(200, WorkflowOut)
    @blp.doc(security=BEARER)
    def patch(self, body, workflow_id):
        """Edit the draft and the matching fields (running tasks keep their version)."""
        workflow = workflows.update(_admin(), workflow_id, body)
        return workflow


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
    task = engine.route_unrouted(caller(), ticket_id, body["workflow_id"])
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
    report = reports.kpis(args["start"], args["end"])
    if args["format"] == "csv":
        return Response(
            reports.as_csv(report),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="kpis.csv"'},
        )
    report["range"] = {k: v.isoformat() for k, v in report["range"].items()}
    return report
