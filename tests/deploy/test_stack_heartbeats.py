"""The stack's liveness check (scripts/stacklib/heartbeats.py) on the real PostgreSQL: a
beat counts only if it came from the process now holding that pid."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, update

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from stacklib.heartbeats import beating, started_at

from common.db import db
from common.models.mixins import HEARTBEAT_MODELS
from common.ops.heartbeats import Beat, write


def test_a_process_start_is_read_from_proc():
    started = started_at(os.getpid())
    assert started is not None
    assert datetime.now(UTC) - timedelta(days=1) < started <= datetime.now(UTC)
    assert started_at(2**22 + 1) is None  # above any pid the kernel hands out


def test_a_beat_left_by_an_earlier_process_with_the_same_pid_does_not_count(app, committed):
    model = HEARTBEAT_MODELS["chat"]
    with app.app_context():
        write(["chat"], Beat("worker", ("chat",)))
        db.session.commit()
    assert beating("chat", os.getpid())[0]  # our own fresh beat

    # The same pid, but a beat from before this process started: pids wrap around.
    long_ago = started_at(os.getpid()) - timedelta(hours=1)
    with app.app_context():
        db.session.execute(update(model).where(model.pid == os.getpid()).values(beat_at=long_ago))
        db.session.commit()
    assert beating("chat", os.getpid()) == (False, "no heartbeat yet")

    with app.app_context():
        db.session.execute(delete(model).where(model.pid == os.getpid()))
        db.session.commit()
