"""A stack of its own (scripts/stacklib/isolation.py) on the real PostgreSQL and RabbitMQ:
it empties its own databases and virtual host, and nobody else's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pika
import psycopg2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from stacklib.isolation import drop_databases, fresh_vhost, named_env

PROBE = "isoprobe"
RABBITMQCTL = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"


def _databases(cursor, names) -> list[str]:
    cursor.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (list(names),))
    return sorted(row[0] for row in cursor.fetchall())


def test_drop_databases_drops_the_stacks_own_and_no_other(tmp_path):
    env = named_env({"TTS_DATABASE_HOST": "127.0.0.1"}, PROBE, tmp_path)
    own, neighbour = f"tts_{PROBE}_auth", f"tts_{PROBE}_keep"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            for name in (own, neighbour):
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cursor.execute(f'CREATE DATABASE "{name}"')
            drop_databases(env)
            assert _databases(cursor, (own, neighbour)) == [neighbour]
    finally:
        with admin.cursor() as cursor:
            for name in (own, neighbour):
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def test_a_services_own_database_url_does_not_reach_the_stack(tmp_path):
    outside = {"TTS_TICKETS_DATABASE_URL": "postgresql://postgres@127.0.0.1/developers_own"}
    env = named_env(outside, PROBE, tmp_path)
    assert "TTS_TICKETS_DATABASE_URL" not in env
    # and if one is put back, nothing is dropped that is not the stack's
    with pytest.raises(ValueError, match="developers_own"):
        drop_databases({**env, **outside})


@pytest.mark.rabbitmq
def test_fresh_vhost_empties_the_stacks_own_and_refuses_the_default(tmp_path):
    env = named_env({}, PROBE, tmp_path)
    fresh_vhost(env)
    url = env["TTS_BROKER_URL"]
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_declare("left.behind", durable=True)
    channel.basic_publish("", "left.behind", b"an earlier run's message")
    connection.close()

    fresh_vhost(env)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        with pytest.raises(pika.exceptions.ChannelClosedByBroker):  # the queue is gone
            connection.channel().queue_declare("left.behind", passive=True)
    finally:
        connection.close()
        subprocess.run([RABBITMQCTL, "-q", "delete_vhost", f"tts_{PROBE}"], check=True)
    with pytest.raises(ValueError, match="everyone's"):
        fresh_vhost({"TTS_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/%2F"})
