"""Container healthcheck: a service answers its URL; a worker or scheduler is beating.

Services set ``TTS_HEALTHCHECK_URL`` to their ``<prefix>/ready`` (database and broker
answer): healthy is a 200. Workers and the scheduler set ``TTS_HEALTHCHECK_HEARTBEAT`` to
``<kind>:<service>`` (``worker:tickets``, ``scheduler:auth``): healthy is a fresh
heartbeat from this container in that service's database, written by the process itself
(common/ops/heartbeats.py), so a hung worker is unhealthy even though its metrics port
still answers.
"""

import os
import socket
import sys
import urllib.request
from datetime import UTC, datetime


def check_url(url: str) -> None:
    with urllib.request.urlopen(url, timeout=3) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")


def check_heartbeat(spec: str) -> None:
    import psycopg2

    from common.config import Config
    from common.ops.heartbeats import STUCK_AFTER, stale_after

    kind, _, service = spec.partition(":")
    config = Config.from_env()
    url = config.database_url(service).replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(url, connect_timeout=2) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(beat_at), max(now() - oldest_job_started_at) FROM heartbeats"
            " WHERE kind = %s AND hostname = %s",
            (kind, socket.gethostname()[:100]),
        )
        beat_at, longest_job = cursor.fetchone()
    if beat_at is None:
        raise RuntimeError(f"no {kind} heartbeat from this container yet")
    age = datetime.now(UTC) - beat_at
    if age > stale_after(kind, config.heartbeat_seconds, config.sweep_interval_seconds):
        raise RuntimeError(f"the last {kind} heartbeat is {age.total_seconds():.0f}s old")
    if longest_job is not None and longest_job > STUCK_AFTER:
        raise RuntimeError(f"a job has run for {longest_job.total_seconds():.0f}s: stuck")


def main() -> int:
    url = os.environ.get("TTS_HEALTHCHECK_URL")
    heartbeat = os.environ.get("TTS_HEALTHCHECK_HEARTBEAT")
    try:
        if heartbeat:
            check_heartbeat(heartbeat)
        elif url:
            check_url(url)
    except Exception as error:  # any failure is "unhealthy", with a reason in docker inspect
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
