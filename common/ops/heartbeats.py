"""Signs of life: every worker process and scheduler writes a heartbeat; checks read it.

Dramatiq's metrics endpoint answers from a separate exposition process, so probing it says
nothing about the workers. A heartbeat is written by the process itself, into the
database of every service it works for, every ``heartbeat_seconds``: a process that died
stops beating, and a worker whose jobs all hang reports jobs in flight for longer than
any job may run, so it shows as stuck rather than alive.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dramatiq
from flask import Flask
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from common.db import bind_for
from common.models.mixins import HEARTBEAT_MODELS

log = logging.getLogger(__name__)
STALE_AFTER_BEATS = 3
# A job may run this long (common.broker ACTOR_DEFAULTS time_limit is 60 s); one in flight
# for longer belongs to a hung thread.
STUCK_AFTER = timedelta(seconds=120)


def process_name(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


@dataclass
class Beat:
    kind: str  # "worker" or "scheduler"
    queues: tuple[str, ...] = ()
    started_at: datetime | None = None
    in_flight: int = 0
    oldest_job_started_at: datetime | None = None

    def __post_init__(self) -> None:
        self.process = process_name(self.kind)
        self.started_at = self.started_at or datetime.now(UTC)


def write(services: Iterable[str], beat: Beat) -> None:
    """Upsert the beat into each service's ``heartbeats`` (an app context is active)."""
    now = datetime.now(UTC)
    for service in services:
        model = HEARTBEAT_MODELS.get(service)
        if model is None:
            continue
        values = {
            "kind": beat.kind,
            "queues": ",".join(beat.queues),
            "hostname": socket.gethostname()[:100],
            "pid": os.getpid(),
            "started_at": beat.started_at,
            "beat_at": now,
            "in_flight": beat.in_flight,
            "oldest_job_started_at": beat.oldest_job_started_at,
        }
        statement = insert(model).values(process=beat.process, **values)
        statement = statement.on_conflict_do_update(index_elements=["process"], set_=values)
        with Session(bind_for(service), join_transaction_mode="create_savepoint") as session:
            session.execute(statement)
            session.commit()


def forget(services: Iterable[str], process: str) -> None:
    """A process that stops cleanly removes its rows: it is gone, not dead."""
    for service in services:
        model = HEARTBEAT_MODELS.get(service)
        if model is None:
            continue
        with Session(bind_for(service), join_transaction_mode="create_savepoint") as session:
            session.execute(delete(model).where(model.process == process))
            session.commit()


class WorkerHeartbeat(dramatiq.Middleware):
    """A worker process's heartbeat thread, fed with the jobs it is running."""

    def __init__(
        self,
        services: tuple[str, ...],
        queues: tuple[str, ...],
        every: float,
        app_for: Callable[[str], Flask],
    ):
        self.app_for = app_for  # the app a service's actors run in (common.actors)
        self.services = services
        self.queues = queues
        self.every = every
        self._running: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: Beat | None = None

    def after_worker_boot(self, broker, worker):
        self._beat = Beat("worker", self.queues)
        threading.Thread(target=self._run, name="heartbeat", daemon=True).start()

    def before_worker_shutdown(self, broker, worker):
        self._stop.set()
        if self._beat is not None:
            try:
                self._each_service(forget, self._beat.process)
            except Exception:
                log.exception("could not remove this worker's heartbeats")

    def before_process_message(self, broker, message):
        with self._lock:
            self._running[message.message_id] = datetime.now(UTC)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        with self._lock:
            self._running.pop(message.message_id, None)

    after_skip_message = after_process_message

    def _each_service(self, work, argument) -> None:
        for service in self.services:
            with self.app_for(service).app_context():
                work([service], argument)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._beat.in_flight = len(self._running)
                self._beat.oldest_job_started_at = min(self._running.values(), default=None)
            try:
                self._each_service(write, self._beat)
            except Exception:
                # The database is down: the beat goes stale and the status says so.
                log.warning("could not write the heartbeat", exc_info=True)
            self._stop.wait(self.every)


class SchedulerHeartbeat:
    """The scheduler's beat, written once per sweep (its loop is the sign of life)."""

    def __init__(self, services: tuple[str, ...], every: float):
        self.services = services
        self.every = every
        self.beat = Beat("scheduler")
        self._last = 0.0

    def __call__(self) -> None:
        if time.monotonic() - self._last < self.every:
            return
        self._last = time.monotonic()
        try:
            write(self.services, self.beat)
        except Exception:
            log.warning("could not write the scheduler's heartbeat", exc_info=True)


def stale_after(kind: str, heartbeat_seconds: float, sweep_interval_seconds: float) -> timedelta:
    every = heartbeat_seconds
    if kind == "scheduler":
        every = max(heartbeat_seconds, sweep_interval_seconds)
    return timedelta(seconds=every * STALE_AFTER_BEATS)
