"""Background-job metrics read from a service's own database when Prometheus scrapes.

Served on ``<prefix>/metrics`` beside the HTTP metrics (common/metrics.py). Every series
has a ``service`` label:

- ``tts_outbox_unpublished``: events in the outbox not yet published;
- ``tts_outbox_oldest_unpublished_seconds``: how old the oldest of them is (0: none);
- ``tts_dead_letters_open``: journaled dead letters no operator has resolved yet;
- ``tts_job_failures_last_hour``: failed job attempts journaled in the last hour;
- ``tts_heartbeat_age_seconds{kind,process}``: seconds since a worker's or scheduler's
  last beat, and ``tts_heartbeat_stale{kind,process}``: 1 once the beat is overdue (the
  rule of ``tts jobs status``). A process silent for over ``FORGOTTEN_AFTER`` is left out
  (it is gone; a crash leaves its row behind): ``tts_workers_alive`` says whether
  another took over its queues;
- ``tts_workers_alive{queue}``: worker processes beating and not stuck, per queue the
  service declares; ``tts_schedulers_alive``: schedulers beating into this database;
- ``tts_ops_metrics_up``: 1 when the database answered these queries in time. At 0 (the
  database is down or slower than ``STATEMENT_TIMEOUT_MS``) the series above are missing
  from the scrape and the HTTP metrics are still served;
- the gauges a service declares through ``ServiceSpec.ops_gauges`` (workflow:
  ``tts_sla_timers_overdue``, ``tts_sla_timers_oldest_overdue_seconds``).

Every replica of a service reads the same database and so reports the same values:
aggregate them with ``max by (service)``, never ``sum``. The values cost two small queries
on partial or small indexes (three for workflow) in one short read-only transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.config import Config
from common.db import bind_for
from common.models.mixins import HEARTBEAT_MODELS, JOB_FAILURE_MODELS, OUTBOX_MODELS
from common.ops.status import beat_state
from common.services import ServiceSpec, load

log = logging.getLogger(__name__)
STATEMENT_TIMEOUT_MS = 1_000  # Prometheus waits 10 s by default: never hold a scrape long
FORGOTTEN_AFTER = timedelta(hours=1)


def _gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=("service", *labels))


class JobsCollector:
    """A prometheus_client collector for one service; made afresh for every scrape."""

    def __init__(self, spec: ServiceSpec, config: Config):
        self.spec = spec
        self.config = config

    def describe(self):
        return []  # nothing to check at registration: values exist only when collected

    def collect(self):
        up = _gauge("tts_ops_metrics_up", "1 when the service's database answered in time.")
        try:
            families, answered = self._families(datetime.now(UTC)), True
        except Exception as error:  # a scrape reports, it never fails
            log.warning(
                "job metrics unavailable",
                extra={"service": self.spec.name, "error": type(error).__name__},
            )
            families, answered = [], False
        up.add_metric([self.spec.name], 1.0 if answered else 0.0)
        yield up
        yield from families

    def _families(self, now: datetime) -> list[GaugeMetricFamily]:
        # A session of its own (never the request's), rolled back at the end; in tests the
        # bind is the test's connection, hence the savepoint, which also undoes the timeout.
        with Session(bind_for(self.spec.name), join_transaction_mode="create_savepoint") as s:
            s.execute(select(func.set_config("statement_timeout", str(STATEMENT_TIMEOUT_MS), True)))
            families = self._counts(s, now)
            families += self._heartbeats(s, now)
            if self.spec.ops_gauges:
                for name, (documentation, value) in load(self.spec.ops_gauges)(s, now).items():
                    gauge = _gauge(name, documentation)
                    gauge.add_metric([self.spec.name], float(value))
                    families.append(gauge)
            s.rollback()
        return families

    def _counts(self, session: Session, now: datetime) -> list[GaugeMetricFamily]:
        """Outbox and journal figures in one statement of scalar subqueries."""
        queries = {}
        outbox = OUTBOX_MODELS.get(self.spec.name)
        if outbox is not None:  # both on the partial index ix_outbox_unpublished
            unpublished = outbox.published_at.is_(None)
            queries["unpublished"] = select(func.count()).where(unpublished)
            queries["oldest"] = select(func.min(outbox.created_at)).where(unpublished)
        failures = JOB_FAILURE_MODELS.get(self.spec.name)
        if failures is not None:  # ix_job_failures_open_dead_letters, and failed_at's index
            queries["dead"] = select(func.count()).where(
                failures.dead_lettered, failures.resolution.is_(None)
            )
            queries["recent"] = select(func.count()).where(
                failures.failed_at > now - timedelta(hours=1)
            )
        if not queries:
            return []
        values = (
            session.execute(
                select(*(query.scalar_subquery().label(key) for key, query in queries.items()))
            )
            .one()
            ._mapping
        )
        families = []
        if outbox is not None:
            oldest = values["oldest"]
            families.append(
                self._one(
                    "tts_outbox_unpublished",
                    "Outbox events not yet published.",
                    values["unpublished"],
                )
            )
            families.append(
                self._one(
                    "tts_outbox_oldest_unpublished_seconds",
                    "Age of the oldest unpublished outbox event (0: none).",
                    max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
                )
            )
        if failures is not None:
            families.append(
                self._one(
                    "tts_dead_letters_open", "Dead letters journaled, not resolved.", values["dead"]
                )
            )
            families.append(
                self._one(
                    "tts_job_failures_last_hour",
                    "Failed job attempts in the last hour.",
                    values["recent"],
                )
            )
        return families

    def _one(self, name: str, documentation: str, value) -> GaugeMetricFamily:
        gauge = _gauge(name, documentation)
        gauge.add_metric([self.spec.name], float(value or 0))
        return gauge

    def _heartbeats(self, session: Session, now: datetime) -> list[GaugeMetricFamily]:
        model = HEARTBEAT_MODELS.get(self.spec.name)
        if model is None:
            return []
        rows = session.execute(
            select(
                model.kind, model.process, model.queues, model.beat_at, model.oldest_job_started_at
            )
            .where(model.beat_at > now - FORGOTTEN_AFTER)
            .order_by(model.kind, model.process)
        ).all()
        name = self.spec.name
        age = _gauge(
            "tts_heartbeat_age_seconds",
            "Seconds since the process's last heartbeat.",
            ("kind", "process"),
        )
        stale = _gauge(
            "tts_heartbeat_stale", "1 when the process's heartbeat is overdue.", ("kind", "process")
        )
        workers = _gauge(
            "tts_workers_alive",
            "Worker processes alive (beating, not stuck) per queue.",
            ("queue",),
        )
        schedulers = _gauge("tts_schedulers_alive", "Schedulers beating into this database.")
        alive_per_queue = dict.fromkeys(self.spec.queues, 0)
        alive_schedulers = 0
        for kind, process, queues, beat_at, oldest_job in rows:
            silent = now - beat_at
            running = now - oldest_job if oldest_job else None
            state = beat_state(kind, silent, running, self.config)
            age.add_metric([name, kind, process], max(silent.total_seconds(), 0.0))
            stale.add_metric([name, kind, process], 1.0 if state == "stale" else 0.0)
            if state != "alive":
                continue
            if kind == "scheduler":
                alive_schedulers += 1
            for queue in filter(None, queues.split(",")):
                if queue in alive_per_queue:
                    alive_per_queue[queue] += 1
        for queue, count in alive_per_queue.items():
            workers.add_metric([name, queue], float(count))
        schedulers.add_metric([name], float(alive_schedulers))
        return [age, stale, workers, schedulers]
