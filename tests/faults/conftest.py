"""A stack whose PostgreSQL and RabbitMQ connections run through proxies the tests cut.

Its own databases (``tts_faults_*``), virtual host, ports and run directory, so it runs
beside the other end-to-end stacks' leftovers without touching them; the machine's
servers themselves are never stopped.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.stack_support import ROOT, _run, _stack_env
from tests.faults.tcp_proxy import TcpProxy

STACK_PORT, BASE_PORT = 8680, 8600
EDGE = f"http://127.0.0.1:{STACK_PORT}"
SMTP_PORT = 35025  # nothing listens there until a test starts its mail server
PG_PROXY, AMQP_PROXY = 35432, 35672  # RabbitMQ itself holds 25672 (clustering)
VHOST, PREFIX = "tts_faults", "tts_faults_"
RUN_DIR = Path(tempfile.gettempdir()) / "tts-faults-stack"
RABBITMQCTL = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"


@pytest.fixture(scope="package")
def proxies():
    with TcpProxy(PG_PROXY, 5432) as postgres, TcpProxy(AMQP_PROXY, 5672) as rabbitmq:
        yield {"postgres": postgres, "rabbitmq": rabbitmq}


@pytest.fixture(scope="package")
def stack(proxies):
    env = _stack_env(RUN_DIR)
    env.update(
        TTS_DATABASE_PREFIX=PREFIX,
        TTS_DATABASE_PORT=str(PG_PROXY),
        TTS_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{AMQP_PROXY}/{VHOST}",
        TTS_STACK_PORT=str(STACK_PORT),
        TTS_STACK_BASE_PORT=str(BASE_PORT),
        TTS_STACK_GUNICORN_WORKERS="1",
        TTS_SWEEP_INTERVAL_SECONDS="1",
        TTS_OUTBOX_GRACE_SECONDS="3",
        TTS_SMTP_PORT=str(SMTP_PORT),
        TTS_SMTP_FROM="TTS <tts@example.com>",
        # Retries in seconds, not an hour: the last one lands in the dead letters.
        TTS_EMAIL_MAX_RETRIES="3",
        TTS_EMAIL_MIN_BACKOFF_MS="300",
        TTS_EMAIL_MAX_BACKOFF_MS="1000",
    )
    script = str(ROOT / "scripts" / "stack")
    rabbitmqctl = RABBITMQCTL
    try:
        _run([script, "down"], env)
        subprocess.run([rabbitmqctl, "-q", "delete_vhost", VHOST], capture_output=True)
        _run([rabbitmqctl, "-q", "add_vhost", VHOST], env)
        _run([rabbitmqctl, "-q", "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"], env)
        _drop_databases()
        _run([script, "up"], env)
        _run([str(ROOT / ".venv" / "bin" / "tts"), "seed", "demo"], env)
        yield env
    finally:
        subprocess.run([script, "down"], cwd=ROOT, env=env, timeout=120)


def _drop_databases() -> None:
    admin = create_engine(
        "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        names = connection.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": PREFIX + "%"}
        ).scalars()
        for name in list(names):
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def query(service: str, sql: str, **params) -> list:
    """Rows from the stack's ``service`` database, read directly (never through a proxy)."""
    engine = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{PREFIX}{service}")
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        engine.dispose()
