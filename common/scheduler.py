"""The periodic sweeps: outbox re-publication plus each service's own jobs.

Several schedulers may run at once: every sweep claims its rows with SKIP LOCKED (the
outbox) or takes a PostgreSQL advisory lock, so no work is done twice.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

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
    while not stop.is_set():
        try:
            run_once(app)
        except Exception:
            log.exception("scheduler pass failed")
        stop.wait(interval)
