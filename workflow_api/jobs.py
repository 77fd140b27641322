"""workflow_api's periodic job: firing due SLA timers (run by `tts scheduler`)."""

from __future__ import annotations

from common.db import db, utcnow
from workflow_api import engine, sla


def fire_due_timers(batch: int = 200) -> int:
    """Fire every due warning and breach once, whatever number of schedulers run this."""
    fired = 0
    while True:
        now = utcnow()
        timers = sla.due_timers(now, batch)
        for timer in timers:
            engine.fire(timer, now)
        db.session.commit()
        fired += len(timers)
        if len(timers) < batch:
            return fired
