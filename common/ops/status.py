"""One service's jobs at a glance, with a verdict: green, or red and why.

Each service answers for its own database (outbox, journal, heartbeats, its own facts
such as overdue SLA timers) and its own queues. Red means an operator should look now:
a queue nobody consumes, dead letters waiting, no live worker for a queue, a worker with
a job running far longer than any job may, no scheduler beating, an outbox that stopped
draining, or RabbitMQ not answering.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from common.config import Config
from common.db import db
from common.models.mixins import HEARTBEAT_MODELS, JOB_FAILURE_MODELS, OUTBOX_MODELS
from common.ops.heartbeats import STUCK_AFTER, stale_after
from common.ops.queues import queues_for
from common.ops.rabbitmq import BrokerUnavailable
from common.services import ServiceSpec, load

# The relay publishes at once and the sweeper after its grace (30 s): an event still
# unpublished after this long means neither is getting through.
OUTBOX_STALL_SECONDS = 120.0


def _seconds(delta: timedelta | None) -> float | None:
    return round(delta.total_seconds(), 1) if delta is not None else None


def beat_state(kind: str, age: timedelta, running: timedelta | None, config: Config) -> str:
    """``stale`` (silent too long), ``stuck`` (a job running far too long) or ``alive``."""
    if age > stale_after(kind, config.heartbeat_seconds, config.sweep_interval_seconds):
        return "stale"
    if running is not None and running > STUCK_AFTER:
        return "stuck"
    return "alive"


def heartbeats(spec: ServiceSpec, config: Config, now: datetime) -> list[dict]:
    model = HEARTBEAT_MODELS.get(spec.name)
    if model is None:
        return []
    rows = db.session.scalars(select(model).order_by(model.kind, model.process)).all()
    found = []
    for row in rows:
        age = now - row.beat_at
        running = now - row.oldest_job_started_at if row.oldest_job_started_at else None
        state = beat_state(row.kind, age, running, config)
        found.append(
            {
                "process": row.process,
                "kind": row.kind,
                "queues": [q for q in row.queues.split(",") if q],
                "started_at": row.started_at.isoformat(),
                "beat_seconds_ago": _seconds(age),
                "in_flight": row.in_flight,
                "oldest_job_seconds": _seconds(running),
                "state": state,
            }
        )
    return found


def outbox(spec: ServiceSpec, now: datetime) -> dict:
    model = OUTBOX_MODELS.get(spec.name)
    if model is None:
        return {"backlog": 0, "oldest_seconds": None}
    backlog, oldest = db.session.execute(
        select(func.count(), func.min(model.created_at)).where(model.published_at.is_(None))
    ).one()
    return {"backlog": backlog, "oldest_seconds": _seconds(now - oldest if oldest else None)}


def journal(spec: ServiceSpec, now: datetime) -> dict:
    model = JOB_FAILURE_MODELS.get(spec.name)
    if model is None:
        return {"failures_last_hour": 0, "dead_letters_open": 0}
    recent = db.session.scalar(
        select(func.count()).where(model.failed_at > now - timedelta(hours=1))
    )
    dead = db.session.scalar(
        select(func.count()).where(model.dead_lettered, model.resolution.is_(None))
    )
    return {"failures_last_hour": recent, "dead_letters_open": dead}


def service_status(spec: ServiceSpec) -> dict:
    config: Config = current_app.config["TTS_CONFIG"]
    now = datetime.now(UTC)
    problems: list[str] = []
    status = {
        "service": spec.name,
        "checked_at": now.isoformat(),
        "queues": [],
        "outbox": outbox(spec, now),
        "journal": journal(spec, now),
        "heartbeats": heartbeats(spec, config, now),
        "facts": {},
    }
    if spec.queues:
        try:
            status["queues"] = [asdict(f) for f in queues_for(config).facts(list(spec.queues))]
        except BrokerUnavailable as error:
            problems.append(str(error))
    problems += _queue_problems(status["queues"])
    problems += _heartbeat_problems(spec, status["heartbeats"])
    oldest = status["outbox"]["oldest_seconds"]
    if oldest is not None and oldest > OUTBOX_STALL_SECONDS:
        problems.append(f"outbox: the oldest unpublished event is {oldest:.0f}s old")
    if spec.ops_facts:
        status["facts"], more = load(spec.ops_facts)(now)
        problems += more
    status["problems"] = problems
    status["verdict"] = "red" if problems else "green"
    return status


def _queue_problems(queues: list[dict]) -> list[str]:
    """Dead letters waiting, and a queue nobody consumes (on the in-process broker: no
    worker of this process consumes it)."""
    problems = []
    for queue in queues:
        if queue["dead"]:
            problems.append(f"{queue['dead']} dead letters in {queue['name']}.XQ")
        if not queue["consumers"]:
            problems.append(f"no consumer on queue {queue['name']}")
    return problems


def _heartbeat_problems(spec: ServiceSpec, beats: list[dict]) -> list[str]:
    problems = [
        f"no live worker for queue {queue}"
        for queue in spec.queues
        if not any(b["state"] == "alive" and queue in b["queues"] for b in beats)
    ]
    problems += [
        f"{b['process']} has had a job running for {b['oldest_job_seconds']:.0f}s"
        for b in beats
        if b["state"] == "stuck"
    ]
    if not any(b["kind"] == "scheduler" and b["state"] == "alive" for b in beats):
        problems.append("no scheduler is beating")
    return problems
