"""Idle pooled connections are pinged before use; busy ones are not (common/pool_ping)."""

from __future__ import annotations

import psycopg2.extensions
import pytest
from sqlalchemy import create_engine, text

from common import pool_ping


@pytest.fixture
def engine(config):
    engine = create_engine(config.database_url("tickets"), pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def _kill(config, pid: int) -> None:
    other = create_engine(config.database_url("tickets"), poolclass=None)
    with other.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.commit()
    other.dispose()


def test_a_connection_cut_while_idle_is_replaced_before_use(config, engine, monkeypatch):
    monkeypatch.setattr(pool_ping, "PING_AFTER_IDLE_SECONDS", 0.0)
    dead = _backend_pid(engine)
    _kill(config, dead)  # as a database restart or a firewall would, while it sat idle
    # The ping finds it dead; the pool hands out a fresh connection instead of an error.
    assert _backend_pid(engine) != dead


def test_a_connection_returned_moments_ago_is_not_pinged(engine, monkeypatch):
    monkeypatch.setattr(pool_ping, "PING_AFTER_IDLE_SECONDS", 60.0)
    pings = []
    monkeypatch.setattr(pool_ping, "ping", lambda connection: pings.append(connection))
    first = _backend_pid(engine)
    assert _backend_pid(engine) == first
    assert pings == []


def test_an_idle_connection_is_pinged_once_per_checkout_and_left_idle(engine, monkeypatch):
    monkeypatch.setattr(pool_ping, "PING_AFTER_IDLE_SECONDS", 0.0)
    states = []
    real_ping = pool_ping.ping

    def ping(connection):
        real_ping(connection)
        states.append((connection.get_transaction_status(), connection.autocommit))

    monkeypatch.setattr(pool_ping, "ping", ping)
    _backend_pid(engine)
    _backend_pid(engine)
    # Each checkout pinged, outside any transaction, and the connection's mode restored.
    assert states == [(psycopg2.extensions.TRANSACTION_STATUS_IDLE, False)] * 2
