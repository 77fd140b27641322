"""What the fault tests share: the faulty stack's ports, names and a direct database read."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

STACK_PORT, BASE_PORT = 8680, 8600
EDGE = f"http://127.0.0.1:{STACK_PORT}"
# Fixed ports below Linux's ephemeral range (32768-60999): a port in it can be taken at
# any moment as the local end of some outgoing connection, and the bind then fails.
SMTP_PORT = 18025  # nothing listens there until a test starts its mail server
PG_PROXY, AMQP_PROXY = 18432, 18672  # RabbitMQ itself holds 25672 (clustering)
VHOST, PREFIX = "tts_faults", "tts_faults_"
RUN_DIR = Path(tempfile.gettempdir()) / "tts-faults-stack"
RABBITMQCTL = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"


def query(service: str, sql: str, **params) -> list:
    """Rows from the stack's ``service`` database, read directly (never through a proxy)."""
    engine = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{PREFIX}{service}")
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        engine.dispose()
