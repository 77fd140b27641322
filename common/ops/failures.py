"""Reading the failure journal: grouped by actor and exception, listed, one by one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from common.db import db
from common.models.mixins import JOB_FAILURE_MODELS
from common.problems import NotFound
from common.services import ServiceSpec

FIELDS = (
    "id",
    "message_id",
    "event_id",
    "actor",
    "queue",
    "attempt",
    "exception",
    "detail",
    "failed_at",
    "next_retry_at",
    "dead_lettered",
    "resolution",
    "resolved_at",
    "resolved_by",
)


def as_dict(row, with_traceback: bool = False) -> dict:
    found = {name: getattr(row, name) for name in FIELDS}
    if with_traceback:
        found["traceback"] = row.traceback
    return found


def grouped(spec: ServiceSpec, since: datetime) -> list[dict]:
    """One row per (actor, exception) since ``since``: how often, how many dead, latest."""
    model = JOB_FAILURE_MODELS[spec.name]
    latest = (
        select(
            model.actor,
            model.exception,
            func.count().label("failures"),
            func.count().filter(model.dead_lettered).label("dead_lettered"),
            func.count(func.distinct(model.message_id)).label("messages"),
            func.max(model.failed_at).label("last_failed_at"),
            func.max(model.id).label("last_id"),
        )
        .where(model.failed_at >= since)
        .group_by(model.actor, model.exception)
        .subquery()
    )
    rows = db.session.execute(
        select(latest, model.detail, model.message_id)
        .join(model, model.id == latest.c.last_id)
        .order_by(latest.c.last_failed_at.desc())
    ).all()
    return [
        {
            "service": spec.name,
            "actor": row.actor,
            "exception": row.exception,
            "failures": row.failures,
            "messages": row.messages,
            "dead_lettered": row.dead_lettered,
            "last_failed_at": row.last_failed_at,
            "last_message_id": row.message_id,
            "last_detail": row.detail,
        }
        for row in rows
    ]


def listing(
    spec: ServiceSpec,
    *,
    actor: str | None = None,
    exception: str | None = None,
    dead_only: bool = False,
    before: int | None = None,
    limit: int = 50,
) -> dict:
    """Newest first; ``before`` (an id) pages back."""
    model = JOB_FAILURE_MODELS[spec.name]
    query = select(model).order_by(model.id.desc()).limit(limit + 1)
    if actor:
        query = query.where(model.actor == actor)
    if exception:
        query = query.where(model.exception == exception)
    if dead_only:
        query = query.where(model.dead_lettered)
    if before is not None:
        query = query.where(model.id < before)
    rows = db.session.scalars(query).all()
    items = [as_dict(row) for row in rows[:limit]]
    return {"items": items, "before": items[-1]["id"] if len(rows) > limit else None}


def one(spec: ServiceSpec, failure_id: int) -> dict:
    model = JOB_FAILURE_MODELS[spec.name]
    row = db.session.get(model, failure_id)
    if row is None:
        raise NotFound("No such failure")
    return as_dict(row, with_traceback=True)


def of_message(spec: ServiceSpec, message_id: str) -> list[dict]:
    model = JOB_FAILURE_MODELS[spec.name]
    rows = db.session.scalars(
        select(model).where(model.message_id == message_id).order_by(model.id)
    ).all()
    return [as_dict(row, with_traceback=True) for row in rows]
