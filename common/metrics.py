"""Prometheus metrics: HTTP requests per service, and Dramatiq's middleware in workers.

Every service serves ``GET <prefix>/metrics`` (text exposition format) with
``tts_http_requests_total{service,method,route,status}`` and the latency histogram
``tts_http_request_duration_seconds{service,method,route}``. ``route`` is the URL rule
(``/api/tickets/<id:ticket_id>``), never the raw path, so the number of series is bounded.

Under gunicorn with several workers each process counts on its own; with
``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory per server, made at its start: the
stack and the image do it) prometheus_client writes the values to files there and the
endpoint sums every process's, so one scrape sees the whole server. Without it (dev
server, tests) the process's own registry is served.

Each ``<prefix>/metrics`` also carries gauges of the service's background jobs, read
from its own database at scrape time (outbox backlog and age, open dead letters,
failures, heartbeats, live workers per queue, the service's own gauges such as overdue
SLA timers): common/ops/metrics.py lists them. Prometheus alert rules over these and
RabbitMQ's own metrics live in docker/prometheus/, a Grafana dashboard in docker/grafana/.

Metrics are for the operator's network: nginx refuses ``/metrics`` from outside; Prometheus
scrapes each server directly.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from common.services import ServiceSpec, path_owner

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "tts_http_requests",
    "HTTP requests answered, by route and status.",
    ("service", "method", "route", "status"),
)
LATENCY = Histogram(
    "tts_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ("service", "method", "route"),
    buckets=LATENCY_BUCKETS,
)


def _registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


class _Scrape:
    """What one scrape serves: the process's (or the server's) counters, then the job
    gauges read from the service's database. Made per scrape and never registered, so
    nothing is registered twice and nothing outlives the request."""

    def __init__(self, *sources):
        self.sources = sources

    def collect(self):
        for source in self.sources:
            yield from source.collect()


def exposition(spec: ServiceSpec | None = None) -> bytes:
    if spec is None:
        return generate_latest(_registry())
    from common.ops.metrics import JobsCollector

    config = current_app.config["TTS_CONFIG"]
    return generate_latest(_Scrape(_registry(), JobsCollector(spec, config)))


def init_metrics(app: Flask, services: list[ServiceSpec]) -> None:
    """Count every request, and serve ``<prefix>/metrics`` for each service."""
    owner = path_owner(services)

    @app.before_request
    def _metrics_start():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _metrics_record(response):
        started = g.pop("metrics_started", None)
        if started is None or request.path.endswith("/metrics"):
            return response
        service = owner(request.path) or "none"
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        LATENCY.labels(service, request.method, route).observe(time.perf_counter() - started)
        return response

    def metrics_view(spec: ServiceSpec):
        def view():
            return Response(exposition(spec), mimetype=CONTENT_TYPE_LATEST)

        return view

    for spec in services:
        app.add_url_rule(f"{spec.prefix}/metrics", f"{spec.name}_metrics", metrics_view(spec))


def prepare_multiproc_dir(path: Path) -> Path:
    """An empty directory for one server's metric files (stale files would add up)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def worker_metrics_env(port: int, var_dir: Path) -> dict[str, str]:
    """The environment Dramatiq's Prometheus middleware reads when it is imported.

    Set before the worker starts (``tts worker`` does it), because the exposition server
    runs in a process Dramatiq forks from its main process, not from a worker process.
    The files live in a directory of their own, emptied so counts start at zero.
    """
    # The process's own multiprocess directory when it has one (containers: /tmp/metrics on
    # a tmpfs, the root filesystem being read-only), else one under the var directory.
    own = os.environ.get(MULTIPROC_ENV)
    db_dir = prepare_multiproc_dir(Path(own) if own else var_dir / "metrics" / f"worker-{port}")
    return {
        "dramatiq_prom_port": str(port),
        "dramatiq_prom_host": os.environ.get("dramatiq_prom_host", "127.0.0.1"),  # noqa: SIM112
        "dramatiq_prom_db": str(db_dir),
        # prometheus_client picks its mode when first imported (common.metrics imports
        # it early): the worker processes must find the directory set from the start.
        MULTIPROC_ENV: str(db_dir),
    }


def enable_worker_metrics(broker, port: int) -> None:
    """Add Dramatiq's Prometheus middleware (opt-in: ``TTS_WORKER_METRICS_PORT``)."""
    if not port:
        return
    from dramatiq.middleware.prometheus import Prometheus

    class RetriesCountedOnce(Prometheus):
        """Dramatiq counts a retry when it is enqueued with its delay, and again when the
        worker moves it from ``.DQ`` back to its queue once due: count the first only."""

        def after_enqueue(self, broker, message, delay):
            if delay is not None:
                super().after_enqueue(broker, message, delay)

    broker.add_middleware(RetriesCountedOnce())
