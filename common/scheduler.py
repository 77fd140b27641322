"""The periodic sweeps: outbox re-publication plus each service's own jobs.

Several schedulers may run at once: every sweep claims the rows it works on with
``SELECT ... FOR UPDATE SKIP LOCKED`` (unsent outbox rows, resolved tickets to close, due
SLA timers) and changes them before it commits, so a row one scheduler holds is skipped
by the others and no work is done twice. No advisory lock is needed, and none is taken.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from common.ops.heartbeats import SchedulerHeartbeat
from common.ops.housekeeping import Housekeeper
from common.outbox_sending import sweep
from common.services import discover, load
from common.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


def run_once(app: Flask) -> int:
    services = app.config["TTS_SERVICES"]
    with app.app_context():
        grace = app.config["TTS_CONFIG"].outbox_grace_seconds
        published = sweep(services, grace_seconds=grace)
        for name in services:
            for dotted in discover()[name].periodic:
                try:
                    with unit_of_work():
                        load(dotted)()
                except Exception:
                    log.exception("periodic job failed", extra={"job": dotted})
    if published:
        log.info("outbox sweep re-published %d events", published)
    return published


def run_forever(app: Flask, interval: float, stop: threading.Event) -> None:
    services = list(app.config["TTS_SERVICES"])
    config = app.config["TTS_CONFIG"]
    heartbeat = SchedulerHeartbeat(tuple(services), config.heartbeat_seconds)
    housekeeper = Housekeeper(services, config.retention_days)
    while not stop.is_set():
        try:
            with app.app_context():
                # First: a pass that hangs stops the beats, and the status turns red.
                heartbeat()
            run_once(app)
            with app.app_context():
                housekeeper()
        except Exception:
            log.exception("scheduler pass failed")
        stop.wait(interval)
