"""Housekeeping: old published outbox rows and processed-event records are pruned.

Both tables only ever grow otherwise. A published outbox row is history once its
messages are confirmed; a processed-event record is needed as long as its event could
still be delivered again: a retry (hours at most) or a dead letter requeued by an
operator (RabbitMQ keeps dead letters 7 days). ``retention_days`` is therefore at least
eight (Config.validate). Rows go in batches, each in its own short transaction, so a
large first prune never holds locks or a long transaction.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from common.db import bind_for
from common.models.mixins import OUTBOX_MODELS, PROCESSED_EVENT_MODELS

log = logging.getLogger(__name__)
BATCH = 5_000
EVERY_SECONDS = 3_600.0  # a prune pass at most hourly: the tables grow slowly


def _prune_table(bind: str, model, column, cutoff: datetime) -> int:
    removed = 0
    key = model.__table__.primary_key.columns.values()
    while True:
        with Session(bind_for(bind), join_transaction_mode="create_savepoint") as session:
            oldest = select(*key).where(column < cutoff).limit(BATCH)
            if len(key) == 1:
                statement = delete(model).where(key[0].in_(oldest))
            else:
                statement = delete(model).where(tuple_(*key).in_(oldest))  # processed_events
            count = session.execute(statement).rowcount
            session.commit()
        removed += count
        if count < BATCH:
            return removed


def prune(services: list[str], retention: timedelta) -> dict[str, int]:
    """Remove what is older than ``retention``; returns the rows removed per table."""
    cutoff = datetime.now(UTC) - retention
    removed: dict[str, int] = {}
    for bind in services:
        outbox = OUTBOX_MODELS.get(bind)
        if outbox is not None:
            removed[f"{bind}.outbox"] = _prune_table(bind, outbox, outbox.published_at, cutoff)
        processed = PROCESSED_EVENT_MODELS.get(bind)
        if processed is not None:
            removed[f"{bind}.processed_events"] = _prune_table(
                bind, processed, processed.processed_at, cutoff
            )
    return removed


class Housekeeper:
    """Prunes at most every EVERY_SECONDS (the scheduler calls it on every pass)."""

    def __init__(self, services: list[str], retention_days: float):
        self.services = services
        self.retention = timedelta(days=retention_days)
        self._last = float("-inf")

    def __call__(self) -> dict[str, int]:
        if time.monotonic() - self._last < EVERY_SECONDS:
            return {}
        self._last = time.monotonic()
        removed = prune(self.services, self.retention)
        if any(removed.values()):
            log.info("housekeeping pruned old rows", extra={"removed": removed})
        return removed
