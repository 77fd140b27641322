"""Is a worker or scheduler of the stack beating? Read from its service's ``heartbeats``.

A worker's liveness is its own heartbeat (common/ops/heartbeats.py), not its metrics
port: that answers from Dramatiq's separate exposition process even when every worker
thread hangs. The stack knows the pid it started; Dramatiq's worker processes are its
children, so a beat counts when it comes from that pid or one of its children, and
was written since that process started: a row left by an earlier process that had the
same pid (pids wrap around) is not this one's.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, text

from common.config import Config
from common.ops.heartbeats import STUCK_AFTER, stale_after


@cache
def _engine(service: str):
    return create_engine(Config.from_env().database_url(service), pool_size=1, max_overflow=0)


def _family(root: int) -> set[int]:
    """``root`` and its children (Dramatiq forks its worker processes from its main one)."""
    family = {root}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) in family:
            family.add(int(entry.name))
    return family


@cache
def _boot_time() -> datetime:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return datetime.fromtimestamp(int(line.split()[1]), UTC)
    raise RuntimeError("no btime in /proc/stat")


def started_at(pid: int) -> datetime | None:
    """When ``pid`` started (None: it is gone)."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = int(fields[19])  # field 22, starttime: clock ticks after boot
    return _boot_time() + timedelta(seconds=ticks / os.sysconf("SC_CLK_TCK"))


def _beat_since_start(row) -> bool:
    started = started_at(row.pid)
    # A second of slack: btime is whole seconds.
    return started is not None and row.beat_at >= started - timedelta(seconds=1)


def beating(service: str, root_pid: int) -> tuple[bool, str]:
    """(alive, what was seen) for the process tree of ``root_pid``."""
    config = Config.from_env()
    try:
        with _engine(service).connect() as connection:
            rows = connection.execute(
                text("SELECT pid, kind, beat_at, oldest_job_started_at FROM heartbeats")
            ).all()
    except Exception as error:  # the database is starting, or gone: not beating
        return False, f"heartbeats unreadable ({type(error).__name__})"
    family = _family(root_pid)
    mine = [row for row in rows if row.pid in family and _beat_since_start(row)]
    if not mine:
        return False, "no heartbeat yet"
    now = datetime.now(UTC)
    for row in mine:
        age = now - row.beat_at
        limit = stale_after(row.kind, config.heartbeat_seconds, config.sweep_interval_seconds)
        if age > limit:
            return False, f"heartbeat {age.total_seconds():.0f}s old"
        if row.oldest_job_started_at and now - row.oldest_job_started_at > STUCK_AFTER:
            return False, "stuck: a job has run too long"
    return True, f"beat {min(now - r.beat_at for r in mine).total_seconds():.0f}s ago"
