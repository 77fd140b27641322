"""A stack whose PostgreSQL and RabbitMQ connections run through proxies the tests cut.

Its own databases (``tts_faults_*``), virtual host, ports and run directory, so it runs
beside the other end-to-end stacks' leftovers without touching them; the machine's
servers themselves are never stopped.
"""

from __future__ import annotations

import pytest

from tests.e2e.stack_support import running_stack, stack_env
from tests.faults.helpers import (
    AMQP_PROXY,
    BASE_PORT,
    PG_PROXY,
    PREFIX,
    RUN_DIR,
    SMTP_PORT,
    STACK_PORT,
    VHOST,
)
from tests.faults.tcp_proxy import TcpProxy


@pytest.fixture(scope="package")
def proxies():
    with TcpProxy(PG_PROXY, 5432) as postgres, TcpProxy(AMQP_PROXY, 5672) as rabbitmq:
        yield {"postgres": postgres, "rabbitmq": rabbitmq}


@pytest.fixture(scope="package")
def stack(proxies):
    env = stack_env(RUN_DIR)
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
    with running_stack(env):
        yield env
