"""Job gauges at ``<prefix>/metrics``, read from the service's database at scrape time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from common.db import db
from common.metrics import exposition
from common.models.tickets import TicketsHeartbeat, TicketsJobFailure, TicketsOutbox
from common.ops import metrics as ops_metrics
from common.ops.heartbeats import Beat, write
from common.services import discover
from tests.support import PREFIXES, scrape


def value(samples, name: str, **labels) -> float | None:
    return samples.get((name, tuple(sorted({"service": "tickets", **labels}.items()))))


def _failure(**values) -> None:
    row = {
        "message_id": str(uuid.uuid4()),
        "actor": "tickets.on_task_assigned",
        "queue": "tickets",
        "attempt": 1,
        "exception": "RuntimeError",
        "detail": "boom",
        "traceback": "",
    }
    db.session.execute(insert(TicketsJobFailure).values(**{**row, **values}))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_service_serves_its_job_gauges(client, prefix):
    samples = scrape(client, prefix)
    service = next(s.name for s in discover().values() if s.prefix == prefix)
    assert samples[("tts_ops_metrics_up", (("service", service),))] == 1
    assert ("tts_outbox_unpublished", (("service", service),)) in samples
    assert ("tts_schedulers_alive", (("service", service),)) in samples
    assert ("tts_dead_letters_open", (("service", service),)) in samples


def test_the_outbox_gauges_follow_unpublished_events(client):
    before = scrape(client)
    assert value(before, "tts_outbox_unpublished") == 0
    assert value(before, "tts_outbox_oldest_unpublished_seconds") == 0
    now = datetime.now(UTC)
    for minutes, published in ((10, None), (3, None), (60, now)):
        db.session.execute(
            insert(TicketsOutbox).values(
                id=uuid.uuid4(),
                name="tickets.opened",
                payload={},
                created_at=now - timedelta(minutes=minutes),
                published_at=published,
            )
        )
    db.session.flush()
    after = scrape(client)
    assert value(after, "tts_outbox_unpublished") == 2
    assert 600 <= value(after, "tts_outbox_oldest_unpublished_seconds") < 660


def test_dead_letters_and_recent_failures_are_counted_from_the_journal(client):
    before = scrape(client)
    now = datetime.now(UTC)
    _failure(attempt=1)
    _failure(attempt=3, dead_lettered=True)
    _failure(dead_lettered=True, resolution="discarded", resolved_at=now)
    _failure(failed_at=now - timedelta(hours=2), dead_lettered=True)
    db.session.flush()
    after = scrape(client)
    assert value(after, "tts_dead_letters_open") == value(before, "tts_dead_letters_open") + 2
    recent = value(after, "tts_job_failures_last_hour")
    assert recent == value(before, "tts_job_failures_last_hour") + 3


def test_heartbeats_give_ages_staleness_and_live_workers_per_queue(client, app):
    before = scrape(client)
    assert value(before, "tts_workers_alive", queue="tickets") == 0
    beat = Beat("worker", ("tickets",))
    write(["tickets"], beat)
    samples = scrape(client)
    labels = {"kind": "worker", "process": beat.process}
    assert 0 <= value(samples, "tts_heartbeat_age_seconds", **labels) < 5
    assert value(samples, "tts_heartbeat_stale", **labels) == 0
    assert value(samples, "tts_workers_alive", queue="tickets") == 1

    # Silent for longer than three beats: stale, and no longer a live worker.
    heartbeat_seconds = app.config["TTS_CONFIG"].heartbeat_seconds
    db.session.execute(
        TicketsHeartbeat.__table__.update()
        .where(TicketsHeartbeat.process == beat.process)
        .values(beat_at=datetime.now(UTC) - timedelta(seconds=heartbeat_seconds * 4))
    )
    db.session.flush()
    samples = scrape(client)
    assert value(samples, "tts_heartbeat_stale", **labels) == 1
    assert value(samples, "tts_workers_alive", queue="tickets") == 0

    # A process silent for over an hour is gone: its row no longer makes series.
    db.session.execute(
        TicketsHeartbeat.__table__.update()
        .where(TicketsHeartbeat.process == beat.process)
        .values(beat_at=datetime.now(UTC) - timedelta(hours=2))
    )
    db.session.flush()
    assert value(scrape(client), "tts_heartbeat_age_seconds", **labels) is None


def test_a_scheduler_beat_counts_as_a_live_scheduler(client):
    before = value(scrape(client), "tts_schedulers_alive")
    write(["tickets"], Beat("scheduler"))
    assert value(scrape(client), "tts_schedulers_alive") == before + 1


def test_a_database_that_does_not_answer_in_time_still_leaves_a_scrape(client, monkeypatch):
    monkeypatch.setattr(ops_metrics, "STATEMENT_TIMEOUT_MS", 50)
    monkeypatch.setattr(
        ops_metrics.JobsCollector,
        "_heartbeats",
        lambda self, session, now: session.execute(db.text("SELECT pg_sleep(1)")) and [],
    )
    client.raw.get("/api/tickets/health")
    samples = scrape(client)
    assert value(samples, "tts_ops_metrics_up") == 0
    assert value(samples, "tts_outbox_unpublished") is None
    assert any(name == "tts_http_requests_total" for name, _ in samples)
    # The timeout was local to the scrape's savepoint: the test's own queries run on.
    bind = {"bind": db.engines["tickets"]}
    db.session.execute(db.text("SELECT pg_sleep(0.1)"), bind_arguments=bind)


def test_repeated_scrapes_register_nothing_twice(client, app):
    with app.test_request_context():
        spec = discover()["tickets"]
        first, second = exposition(spec), exposition(spec)
    assert first.count(b"# TYPE tts_outbox_unpublished gauge") == 1
    assert second.count(b"# TYPE tts_outbox_unpublished gauge") == 1
    assert second.count(b"# TYPE tts_http_requests_total counter") == 1


def test_the_gauges_join_the_multiprocess_registry_too(client, monkeypatch, tmp_path):
    # Under gunicorn the counters come from every process's files; the gauges still come
    # from the database, once per scrape.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape(client)
    assert value(samples, "tts_ops_metrics_up") == 1
    assert value(samples, "tts_outbox_unpublished") == 0
    assert not any(name.startswith("python_gc") for name, _ in samples)  # files, not process


def test_every_tts_metric_the_rules_and_dashboard_may_use_is_exported(client):
    from tests.deploy.known_metrics import TTS

    client.raw.get("/api/workflow/health")
    write(["workflow"], Beat("worker", ("workflow",)))
    exported = {name for name, _ in scrape(client, "/api/workflow")}
    assert exported >= TTS, TTS - exported
