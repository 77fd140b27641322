"""workflow_api's periodic job: firing due SLA timers (run by `tts scheduler`)."""

from __future__ import annotations

from common.db import utcnow
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
