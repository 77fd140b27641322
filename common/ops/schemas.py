"""What the operators' endpoints take and answer (``<prefix>/ops``)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from common.times import UtcDateTime


class OpsDryRun(ma.Schema):
    dry_run = ma.fields.Boolean(
        load_default=True,
        metadata={"description": "Say what would happen and change nothing (the default)."},
    )


class OpsRequeueIn(OpsDryRun):
    queue = ma.fields.String(required=True, validate=validate.Length(1, 60))
    message_ids = ma.fields.List(
        ma.fields.String(validate=validate.Length(1, 36)),
        validate=validate.Length(1, 10_000),
        load_default=None,
        metadata={"description": "These dead letters; omitted: the oldest, up to limit."},
    )
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(1, 10_000))


class OpsDiscardIn(OpsDryRun):
    queue = ma.fields.String(required=True, validate=validate.Length(1, 60))
    message_ids = ma.fields.List(
        ma.fields.String(validate=validate.Length(1, 36)),
        required=True,
        validate=validate.Length(1, 10_000),
    )
    reason = ma.fields.String(required=True, validate=validate.Length(1, 500))


class OpsPurgeIn(OpsDryRun):
    queue = ma.fields.String(required=True, validate=validate.Length(1, 60))
    expected = ma.fields.Integer(
        required=True,
        validate=validate.Range(0),
        metadata={"description": "How many dead letters you saw: nothing is purged otherwise."},
    )
    reason = ma.fields.String(required=True, validate=validate.Length(1, 500))


class OpsActionOut(ma.Schema):
    dry_run = ma.fields.Boolean()
    would_requeue = ma.fields.Integer()
    would_discard = ma.fields.Integer()
    would_purge = ma.fields.Integer()
    dead_letters = ma.fields.Integer()
    unpublished = ma.fields.Integer()
    requeued = ma.fields.Integer()
    discarded = ma.fields.Integer()
    purged = ma.fields.Integer()
    published = ma.fields.Integer()


class OpsQueueOut(ma.Schema):
    name = ma.fields.String()
    ready = ma.fields.Integer()
    unacked = ma.fields.Integer()
    delayed = ma.fields.Integer()
    dead = ma.fields.Integer()
    consumers = ma.fields.Integer()
    publish_rate = ma.fields.Float()
    deliver_rate = ma.fields.Float()
    ack_rate = ma.fields.Float()
    oldest_ready_seconds = ma.fields.Float(allow_none=True)


class OpsHeartbeatOut(ma.Schema):
    process = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "worker or scheduler"})
    queues = ma.fields.List(ma.fields.String())
    started_at = ma.fields.String()
    beat_seconds_ago = ma.fields.Float()
    in_flight = ma.fields.Integer()
    oldest_job_seconds = ma.fields.Float(allow_none=True)
    state = ma.fields.String(metadata={"description": "alive, stale or stuck"})


class OpsStatusOut(ma.Schema):
    service = ma.fields.String()
    checked_at = ma.fields.String()
    verdict = ma.fields.String(metadata={"description": "green or red"})
    problems = ma.fields.List(ma.fields.String())
    queues = ma.fields.List(ma.fields.Nested(OpsQueueOut))
    outbox = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float(allow_none=True))
    journal = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    heartbeats = ma.fields.List(ma.fields.Nested(OpsHeartbeatOut))
    facts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw())


class OpsFailureGroupArgs(ma.Schema):
    hours = ma.fields.Integer(load_default=24, validate=validate.Range(1, 24 * 90))


class OpsFailureGroupOut(ma.Schema):
    service = ma.fields.String()
    actor = ma.fields.String()
    exception = ma.fields.String()
    failures = ma.fields.Integer()
    messages = ma.fields.Integer()
    dead_lettered = ma.fields.Integer()
    last_failed_at = UtcDateTime()
    last_message_id = ma.fields.String()
    last_detail = ma.fields.String()


class OpsFailureListArgs(ma.Schema):
    actor = ma.fields.String(validate=validate.Length(1, 120))
    exception = ma.fields.String(validate=validate.Length(1, 200))
    dead = ma.fields.Boolean(load_default=False)
    before = ma.fields.Integer(validate=validate.Range(1))
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(1, 200))


class OpsFailureOut(ma.Schema):
    id = ma.fields.Integer()
    message_id = ma.fields.String()
    event_id = ma.fields.UUID(allow_none=True)
    actor = ma.fields.String()
    queue = ma.fields.String()
    attempt = ma.fields.Integer()
    exception = ma.fields.String()
    detail = ma.fields.String()
    traceback = ma.fields.String()
    failed_at = UtcDateTime()
    next_retry_at = UtcDateTime(allow_none=True)
    dead_lettered = ma.fields.Boolean()
    resolution = ma.fields.String(allow_none=True)
    resolved_at = UtcDateTime(allow_none=True)
    resolved_by = ma.fields.String(allow_none=True)


class OpsFailurePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OpsFailureOut))
    before = ma.fields.Integer(allow_none=True, metadata={"description": "the next page"})


class OpsDeadListArgs(ma.Schema):
    queue = ma.fields.String(required=True, validate=validate.Length(1, 60))
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(1, 500))


class OpsDeadLetterOut(ma.Schema):
    message_id = ma.fields.String()
    queue = ma.fields.String()
    actor = ma.fields.String()
    event_id = ma.fields.String(allow_none=True)
    event = ma.fields.String(allow_none=True)
    attempts = ma.fields.Integer()
    dead_since = ma.fields.Float(allow_none=True, metadata={"description": "epoch seconds"})
    arguments = ma.fields.String(metadata={"description": "redacted"})


class OpsDeadPage(ma.Schema):
    queue = ma.fields.String()
    total = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(OpsDeadLetterOut))


class OpsAuditArgs(ma.Schema):
    before = ma.fields.Integer(validate=validate.Range(1))
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(1, 200))


class OpsAuditOut(ma.Schema):
    id = ma.fields.Integer()
    at = UtcDateTime()
    actor = ma.fields.String()
    action = ma.fields.String()
    target = ma.fields.String()
    count = ma.fields.Integer()
    reason = ma.fields.String(allow_none=True)
    result = ma.fields.String()


class OpsAuditPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OpsAuditOut))
    before = ma.fields.Integer(allow_none=True)
