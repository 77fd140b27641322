"""workflow_api's periodic job: firing due SLA timers (run by `tts scheduler`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from common.db import db, utcnow
from common.models.workflow import SlaTimer
from common.unit_of_work import unit_of_work
from workflow_api import engine, sla


def fire_due_timers(batch: int = 200) -> int:
    """Fire every due warning and breach once, whatever number of schedulers run this."""
    fired = 0
    while True:
        # A unit per batch: a long backlog commits as it goes, and a failure loses one batch.
        with unit_of_work():
            now = utcnow()
            timers = sla.due_timers(now, batch)
            for timer in timers:
                engine.fire(timer, now)
        fired += len(timers)
        if len(timers) < batch:
            return fired


# The scheduler sweeps every few seconds: a timer still unfired this long after it came due
# means warnings and breaches are not going out.
OVERDUE_AFTER = timedelta(minutes=2)


def _overdue(session, now: datetime) -> tuple[int, datetime | None]:
    """SLA timers past due and still not fired: how many, and the oldest's due time."""
    count, oldest = session.execute(
        select(func.count(), func.min(SlaTimer.due_at)).where(
            SlaTimer.fired_at.is_(None),
            SlaTimer.cancelled_at.is_(None),
            SlaTimer.due_at < now - OVERDUE_AFTER,
        )
    ).one()
    return count, oldest


def overdue_timers(now: datetime) -> tuple[dict, list[str]]:
    """For the operators' status: SLA timers past due and still not fired."""
    count, oldest = _overdue(db.session, now)
    facts = {
        "overdue_timers": count,
        "oldest_overdue_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
    }
    problems = [f"{count} SLA timers overdue (not fired)"] if count else []
    return facts, problems


def sla_gauges(session, now: datetime) -> dict[str, tuple[str, float]]:
    """For Prometheus (common/ops/metrics.py): the same facts as gauges."""
    count, oldest = _overdue(session, now)
    return {
        "tts_sla_timers_overdue": (
            f"SLA timers more than {OVERDUE_AFTER.total_seconds():.0f}s past due, not fired.",
            count,
        ),
        "tts_sla_timers_oldest_overdue_seconds": (
            "How long the oldest overdue SLA timer has been due (0: none).",
            (now - oldest).total_seconds() if oldest else 0.0,
        ),
    }
