"""Shared fixtures: real PostgreSQL (schema from migrations), each test rolled back.

Unit and integration tests run the services in one app on the in-process StubBroker;
``deliver()`` runs queued actor messages through the real actor wrapper. Tests of the
RabbitMQ path, the live WebSocket fan-out and the stack build on top of these.
"""

from __future__ import annotations

import os
import tempfile

PREFIX = os.environ.get("TTS_TEST_DATABASE_PREFIX", "tts_test_")
TEST_ENV = {
    "TTS_ENV": "test",
    "TTS_BROKER_URL": "stub",
    "TTS_DATABASE_PREFIX": PREFIX,
    "TTS_OUTBOX_RELAY": "sync",
    # Concurrency tests race 12 threads; with the sync relay each committing thread also
    # holds a second connection while it marks its events published.
    "TTS_DATABASE_POOL_SIZE": "13",
    "TTS_LOG_JSON": "0",
    "TTS_LOG_LEVEL": "WARNING",
    "TTS_DEMO_PASSWORD": "demo-password-1",
    # Tests reuse one token per demo user for the whole session (see tests/support.py).
    "TTS_ACCESS_TOKEN_MINUTES": "240",
    # Per prefix, like the databases: two runs side by side don't see each other's files.
    "TTS_VAR_DIR": os.path.join(tempfile.gettempdir(), f"tts-test-var-{PREFIX.strip('_')}"),
}
os.environ.update(TEST_ENV)

import pytest  # noqa: E402
from dramatiq import Message  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from common.actors import use_app_for_actors  # noqa: E402
from common.app import create_app  # noqa: E402
from common.broker import get_broker  # noqa: E402
from common.config import Config  # noqa: E402
from common.db import db  # noqa: E402
from common.migrations import create_databases, upgrade  # noqa: E402
from common.seeding import seed_demo_data  # noqa: E402
from common.services import discover, load  # noqa: E402
from tests.support import Client  # noqa: E402


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
    seed_demo(application)
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


def seed_demo(application) -> None:
    """The demo seed, committed once for the session (hashing passwords is slow on purpose,
    so tests share it); its events are delivered, so workflow's replica has the holders."""
    with application.app_context():
        seed_demo_data(list(discover().values()))
    deliver()


@pytest.fixture
def seeded(app, tx):
    """The demo data (committed at session start) inside this test's transaction."""


def forget_process_caches() -> None:
    """Caches of rows a rolled-back test wrote must not outlive it."""
    from tickets_api.catalogue import forget_cache
    from workflow_api.assignment import forget_routes

    forget_cache()
    forget_routes()


def deliver(max_rounds: int = 20) -> int:
    """Run every queued Dramatiq message through its actor until the queues are empty."""
    broker = get_broker()
    handled = 0
    for _ in range(max_rounds):
        progressed = False
        for queue_name in list(broker.queues):
            queue = broker.queues[queue_name]
            while not queue.empty():
                message = Message.decode(queue.get_nowait())
                actor = broker.get_actor(message.actor_name)
                actor.fn(*message.args, **message.kwargs)
                handled += 1
                progressed = True
        if not progressed:
            return handled
    raise AssertionError("actors kept producing messages")
