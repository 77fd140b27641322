"""Shared fixtures: real PostgreSQL (schema from migrations), each test rolled back.

Unit and integration tests run the services in one app on the in-process StubBroker;
``deliver()`` (tests/support.py) runs queued actor messages through the real actor wrapper.
Tests of the RabbitMQ path, the live WebSocket fan-out and the stack build on top of these.

Most tests take ``tx`` (or ``client``/``seeded``): their commits become savepoints of one
outer transaction per database, rolled back afterwards.
"""

from __future__ import annotations

import os

from tests.support import TEST_ENV, Client, deliver, forget_process_caches, log_in

# Before the services are imported (the broker, for one, is made from the environment).
os.environ.update(TEST_ENV)

import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from common.actors import use_app_for_actors
from common.app import create_app
from common.broker import get_broker
from common.config import Config
from common.db import db
from common.migrations import create_databases, upgrade
from common.seeding import seed_demo_data
from common.services import discover, load


def _drop_test_databases(config: Config) -> None:
    for name in discover():
        url = make_url(config.database_url(name))
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        # A missing server fails the run (never a skip): scripts/system-deps starts it.
        try:
            connection = admin.connect()
        except Exception as error:
            pytest.fail(
                f"PostgreSQL at {url.host}:{url.port} is unreachable ({error}); "
                "run scripts/system-deps",
                pytrace=False,
            )
        with connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def config() -> Config:
    return Config.from_env()


@pytest.fixture(scope="session")
def app(config):
    """One app with every service, on freshly migrated test databases."""
    specs = list(discover().values())
    _drop_test_databases(config)
    create_databases(config, specs)
    application = create_app(specs, config)
    upgrade(application, specs)
    get_broker()
    for spec in specs:
        if spec.tasks:
            load(spec.tasks)
    use_app_for_actors(application)
    # The demo seed, committed once for the session (hashing passwords is slow on purpose,
    # so tests share it); its events are delivered, so workflow's replica has the holders.
    with application.app_context():
        seed_demo_data(specs)
    deliver()
    yield application
    use_app_for_actors(None)


@pytest.fixture
def tx(app):
    """Run the test inside one transaction per database, rolled back afterwards.

    SQLAlchemy's recipe for joining a session into an external transaction: one connection
    per bind holds the outer transaction; ``db.session`` (a scoped session) is configured
    with those connections as its ``binds`` and turns every commit into a savepoint.
    """
    with app.app_context():
        connections = {bind: engine.connect() for bind, engine in db.engines.items()}
        outer = [connection.begin() for connection in connections.values()]
        binds = {
            table: connections[bind]
            for bind, metadata in db.metadatas.items()
            if bind in connections
            for table in metadata.tables.values()
        }
        db.session.remove()
        db.session.configure(binds=binds, join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            # Back to what db.session is outside tests: the engines, SQLAlchemy's default mode.
            db.session.configure(binds=None, join_transaction_mode="conditional_savepoint")
            for connection, transaction in zip(connections.values(), outer, strict=True):
                transaction.rollback()
                connection.close()
            get_broker().flush_all()
            forget_process_caches()


@pytest.fixture
def client(app, tx) -> Client:
    return Client(app.test_client())


@pytest.fixture
def seeded(app, tx):
    """The demo data (committed at session start) inside this test's transaction."""


@pytest.fixture(scope="module")
def live(app):
    """Every service on a real, threaded HTTP server (WebSockets included); its base URL.

    What its requests write is committed: afterwards every table is emptied and the demo
    data seeded again."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    original = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = original.replace(tickets_api_url=base)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield base
    finally:
        server.shutdown()
        app.config["TTS_CONFIG"] = original
        get_broker().flush_all()
        with app.app_context():
            for bind, metadata in db.metadatas.items():
                if bind not in db.engines or not metadata.sorted_tables:
                    continue
                tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
                with db.engines[bind].begin() as connection:
                    connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            seed_demo_data(list(discover().values()))  # as the other tests expect it
        deliver()


@pytest.fixture(scope="module")
def tokens(live):
    """Access tokens of three demo users, from the live server."""
    return {who: log_in(live, who) for who in ("employee", "coordinator", "agent")}
