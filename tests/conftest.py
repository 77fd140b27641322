"""Shared fixtures: real PostgreSQL (schema from migrations), each test rolled back.

Unit and integration tests run the services in one app on the in-process StubBroker;
``deliver()`` (tests/support.py) runs queued actor messages through the real actor wrapper.
Tests of the RabbitMQ path, the live WebSocket fan-out and the stack build on top of these.

Most tests take ``tx`` (or ``client``/``seeded``): their commits become savepoints of one
outer transaction per database, rolled back afterwards. Tests whose work must really commit
(other threads, a real server, the relay) take ``committed`` instead: it puts every table
back as the demo seed left it.
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

# Where the demo seed is kept, in each test database, for ``committed`` to put back.
SEED_SCHEMA = "tts_test_seed"


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
    with application.app_context():
        _keep_seed()
    yield application
    use_app_for_actors(None)


class _SeedCopy:
    """One database's tables as the demo seed left them, kept in its SEED_SCHEMA, and the
    way back to them for ``committed``.

    A table's fingerprint is its rows' physical identities (``ctid``, ``xmin``): any insert,
    update or delete that commits changes it, and a rolled-back one leaves it. So only what
    a test changed is emptied and refilled, with the tables that refer to it (their rows may
    point at the rows going). Rows come back with their ids, so what tests cached about the
    demo data (tokens, ids) stays true; sequences stay where they are, ahead of every seeded
    id.
    """

    def __init__(self, bind: str, connection) -> None:
        tables = db.metadatas[bind].sorted_tables  # parents before children
        self.tables = [table.name for table in tables]
        self.referrers = {table.name: set() for table in tables}
        for table in tables:
            for key in table.foreign_keys:
                self.referrers[key.column.table.name].add(table.name)
        connection.execute(text(f"CREATE SCHEMA {SEED_SCHEMA}"))
        for name in self.tables:
            connection.execute(text(f'CREATE TABLE {SEED_SCHEMA}."{name}" AS TABLE "{name}"'))
        columns: dict[str, list[str]] = {name: [] for name in self.tables}
        for table, column in connection.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND is_generated = 'NEVER' "
                "ORDER BY ordinal_position"
            )
        ):
            if table in columns:
                columns[table].append(f'"{column}"')
        # Computed columns are left to the database; identities take the seeded values.
        self.refill = {
            name: f'INSERT INTO "{name}" ({", ".join(names)}) OVERRIDING SYSTEM VALUE '
            f'SELECT {", ".join(names)} FROM {SEED_SCHEMA}."{name}"'
            for name, names in columns.items()
        }
        self.prints = self._fingerprints(connection, self.tables)

    @staticmethod
    def _fingerprints(connection, names: list[str]) -> dict[str, str]:
        if not names:
            return {}
        query = " UNION ALL ".join(
            f"SELECT '{name}', md5(coalesce(string_agg(ctid::text || ':' || xmin::text, ',' "
            f"ORDER BY ctid), '')) FROM \"{name}\""
            for name in names
        )
        return dict(connection.execute(text(query)).all())

    def restore(self, connection) -> None:
        prints = self._fingerprints(connection, self.tables)
        changed = {name for name in self.tables if prints[name] != self.prints[name]}
        grown = set()
        while changed - grown:  # and whatever refers to them, transitively
            name = (changed - grown).pop()
            grown.add(name)
            changed |= self.referrers[name]
        if not changed:
            return
        ordered = [name for name in self.tables if name in changed]
        # DELETE, children first, not TRUNCATE: on tables this small it is quicker (no new
        # files to make), and it does not wait for sessions still reading these tables.
        for name in reversed(ordered):
            connection.execute(text(f'DELETE FROM "{name}"'))
        for name in ordered:
            connection.execute(text(self.refill[name]))
        self.prints.update(self._fingerprints(connection, ordered))


# Per bind, its copy of the demo seed (made once, when the session's app is ready).
_SEEDS: dict[str, _SeedCopy] = {}


def _keep_seed() -> None:
    for bind, engine in db.engines.items():
        with engine.begin() as connection:
            _SEEDS[bind] = _SeedCopy(bind, connection)


def _restore_seed() -> None:
    for bind, engine in db.engines.items():
        with engine.begin() as connection:
            _SEEDS[bind].restore(connection)


@pytest.fixture
def tx(app):
    """Run the test inside one transaction per database, rolled back afterwards.

    SQLAlchemy's recipe for joining a session into an external transaction: one connection
    per bind holds the outer transaction; ``db.session`` (a scoped session) is configured
    in place of their engines (``joined``, see ``common.db.Session``) and turns every
    commit into a savepoint.
    """
    with app.app_context():
        connections = {bind: engine.connect() for bind, engine in db.engines.items()}
        outer = [connection.begin() for connection in connections.values()]
        joined = {db.engines[bind]: connection for bind, connection in connections.items()}
        db.session.remove()
        db.session.configure(joined=joined, join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            # Back to what db.session is outside tests: the engines, SQLAlchemy's default mode.
            db.session.configure(joined=None, join_transaction_mode="conditional_savepoint")
            for connection, transaction in zip(connections.values(), outer, strict=True):
                transaction.rollback()
                connection.close()
            get_broker().flush_all()
            forget_process_caches()


@pytest.fixture
def committed(app):
    """For tests whose work really commits: afterwards every table of every database is
    as the demo seed left it, queued messages are dropped and process caches forgotten."""
    yield
    get_broker().flush_all()
    with app.app_context():
        db.session.remove()
        _restore_seed()
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

    What its requests write is committed: tests that use it take ``committed`` too."""
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


@pytest.fixture(scope="module")
def tokens(live):
    """Access tokens of three demo users, from the live server."""
    return {who: log_in(live, who) for who in ("employee", "coordinator", "agent")}
