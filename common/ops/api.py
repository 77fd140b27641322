"""``<prefix>/ops``: the operators' endpoints, mounted by every service for itself.

Each service answers for its own database, queues and journal, so the Operations pages
ask every service and put the answers side by side. Seeing needs tts Operator or Admin
(checked before anything is parsed: others get 403, never a 422 describing the API);
acting needs Admin, or Operator where ``TTS_OPERATORS_MAY_ACT`` allows it.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from flask import g
from sqlalchemy import select

from common.blueprint import Blueprint
from common.db import db
from common.models.mixins import OPS_AUDIT_MODELS
from common.ops import actions, failures
from common.ops.actions import Operator
from common.ops.queues import queues_for
from common.ops.schemas import (
    OpsActionOut,
    OpsAuditArgs,
    OpsAuditPage,
    OpsDeadListArgs,
    OpsDeadPage,
    OpsDiscardIn,
    OpsDryRun,
    OpsFailureGroupArgs,
    OpsFailureGroupOut,
    OpsFailureListArgs,
    OpsFailureOut,
    OpsFailurePage,
    OpsPurgeIn,
    OpsRequeueIn,
    OpsStatusOut,
)
from common.ops.status import service_status
from common.problems import NotFound, problem_doc
from common.security import authenticate
from common.services import ServiceSpec

BEARER = [{"bearerAuth": []}]


def ops_blueprint(spec: ServiceSpec) -> Blueprint:
    blp = Blueprint(
        f"{spec.name}-ops",
        __name__,
        url_prefix=f"{spec.prefix}/ops",
        description="Background jobs, for operators",
    )

    @blp.before_request
    def _operators_only():
        g.operator = Operator.of(authenticate())

    def operator() -> Operator:
        return g.operator

    def _config():
        from flask import current_app

        return current_app.config["TTS_CONFIG"]

    @blp.route("/status")
    @blp.response(200, OpsStatusOut)
    @blp.alt_response(403, **problem_doc(), description="Not an operator")
    @blp.doc(security=BEARER)
    def status():
        """Queues, outbox, journal, heartbeats and this service's own facts, with a verdict."""
        return service_status(spec)

    @blp.route("/failures/groups")
    @blp.arguments(OpsFailureGroupArgs, location="query")
    @blp.response(200, OpsFailureGroupOut(many=True))
    @blp.doc(security=BEARER)
    def failure_groups(args):
        """Failed attempts grouped by actor and exception, latest first."""
        return failures.grouped(spec, datetime.now(UTC) - timedelta(hours=args["hours"]))

    @blp.route("/failures")
    @blp.arguments(OpsFailureListArgs, location="query")
    @blp.response(200, OpsFailurePage)
    @blp.doc(security=BEARER)
    def failure_list(args):
        return failures.listing(
            spec,
            actor=args.get("actor"),
            exception=args.get("exception"),
            dead_only=args["dead"],
            before=args.get("before"),
            limit=args["limit"],
        )

    @blp.route("/failures/<id:failure_id>")
    @blp.response(200, OpsFailureOut)
    @blp.doc(security=BEARER)
    def failure(failure_id):
        """One failed attempt, with its redacted traceback."""
        return failures.one(spec, failure_id)

    @blp.route("/dead")
    @blp.arguments(OpsDeadListArgs, location="query")
    @blp.response(200, OpsDeadPage)
    @blp.doc(security=BEARER)
    def dead_letters(args):
        """The dead letters of one of this service's queues (arguments redacted)."""
        queue = args["queue"]
        if queue not in spec.queues:
            raise NotFound(f"{spec.name} has no queue {queue!r}")
        queues = queues_for(_config())
        items = [asdict(letter) for letter in queues.dead_letters(queue, args["limit"])]
        return {"queue": queue, "total": queues.dead_count(queue), "items": items}

    @blp.route("/dead/requeue", methods=["POST"])
    @blp.arguments(OpsRequeueIn)
    @blp.response(200, OpsActionOut)
    @blp.doc(security=BEARER)
    def requeue(body):
        """Put dead letters back on their queue (a dry run unless ``dry_run`` is false)."""
        return actions.requeue(
            spec, operator(), body["queue"], body["message_ids"], body["limit"], body["dry_run"]
        )

    @blp.route("/dead/discard", methods=["POST"])
    @blp.arguments(OpsDiscardIn)
    @blp.response(200, OpsActionOut)
    @blp.doc(security=BEARER)
    def discard(body):
        """Drop the named dead letters, with a reason (a dry run unless ``dry_run`` is false)."""
        return actions.discard(
            spec, operator(), body["queue"], body["message_ids"], body["reason"], body["dry_run"]
        )

    @blp.route("/dead/purge", methods=["POST"])
    @blp.arguments(OpsPurgeIn)
    @blp.response(200, OpsActionOut)
    @blp.alt_response(409, **problem_doc(), description="The count differs from ``expected``")
    @blp.doc(security=BEARER)
    def purge(body):
        """Empty a queue's dead letters, if it holds exactly ``expected`` of them."""
        return actions.purge(
            spec, operator(), body["queue"], body["expected"], body["reason"], body["dry_run"]
        )

    @blp.route("/outbox/sweep", methods=["POST"])
    @blp.arguments(OpsDryRun)
    @blp.response(200, OpsActionOut)
    @blp.doc(security=BEARER)
    def sweep(body):
        """Publish every unpublished event of this service now."""
        return actions.sweep_outbox(spec, operator(), body["dry_run"])

    @blp.route("/audit")
    @blp.arguments(OpsAuditArgs, location="query")
    @blp.response(200, OpsAuditPage)
    @blp.doc(security=BEARER)
    def audit(args):
        """What operators did here, newest first."""
        model = OPS_AUDIT_MODELS[spec.name]
        query = select(model).order_by(model.id.desc()).limit(args["limit"] + 1)
        if args.get("before"):
            query = query.where(model.id < args["before"])
        rows = db.session.scalars(query).all()
        items = rows[: args["limit"]]
        return {"items": items, "before": items[-1].id if len(rows) > args["limit"] else None}

    return blp
