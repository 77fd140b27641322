"""Housekeeping prunes old published outbox rows and processed events, and nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from common.config import Config, ConfigError
from common.db import db
from common.models.tickets import TicketsOutbox, TicketsProcessedEvent
from common.ops import housekeeping


def _outbox(published_days_ago: float | None) -> uuid.UUID:
    row_id = uuid.uuid4()
    now = datetime.now(UTC)
    published = None if published_days_ago is None else now - timedelta(days=published_days_ago)
    db.session.execute(
        insert(TicketsOutbox).values(
            id=row_id,
            name="tickets.opened",
            payload={},
            created_at=now - timedelta(days=30),
            published_at=published,
        )
    )
    return row_id


def _processed(days_ago: float) -> None:
    db.session.execute(
        insert(TicketsProcessedEvent).values(
            event_id=uuid.uuid4(),
            consumer="tickets.test",
            processed_at=datetime.now(UTC) - timedelta(days=days_ago),
        )
    )


def test_old_published_rows_and_old_dedupe_records_go(app, tx, monkeypatch):
    monkeypatch.setattr(housekeeping, "BATCH", 2)  # several batches
    with app.app_context():
        old = [_outbox(20) for _ in range(5)]
        recent = _outbox(1)
        unpublished = _outbox(None)  # never pruned: the sweeper still owes it
        for days in (20, 20, 20, 1):
            _processed(days)
        db.session.commit()
        removed = housekeeping.prune(["tickets"], timedelta(days=14))
        kept = set(db.session.scalars(select(TicketsOutbox.id)))
        left = db.session.scalar(select(func.count()).select_from(TicketsProcessedEvent))
    assert removed["tickets.outbox"] == 5
    assert removed["tickets.processed_events"] >= 3
    assert not kept & set(old) and {recent, unpublished} <= kept
    assert left >= 1


def test_the_housekeeper_prunes_at_most_hourly(app, tx, monkeypatch):
    calls = []
    monkeypatch.setattr(housekeeping, "prune", lambda *a: calls.append(a) or {})
    keeper = housekeeping.Housekeeper(["tickets"], 14)
    keeper()
    keeper()
    assert len(calls) == 1


def test_retention_must_outlive_the_dead_letters():
    with pytest.raises(ConfigError, match="at least 8"):
        Config.from_env({"TTS_RETENTION_DAYS": "3"})
