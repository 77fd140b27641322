"""Statements that opt in run as server-side prepared statements (common/prepared.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Integer,
    Text,
    bindparam,
    cast,
    create_engine,
    event,
    literal_column,
    select,
    text,
)

from common.prepared import ENGINE_OPTION, prepared

# A repeated parameter, a literal percent sign and a cast the server must type.
STATEMENT = prepared(
    select(
        (cast(bindparam("n"), Integer) + cast(bindparam("n"), Integer)).label("twice"),
        literal_column("'100%'").label("percent"),
        cast(bindparam("label"), Text).like(literal_column("'ab%'")).label("matches"),
    )
)


def _engine(config, *, prepare: bool):
    engine = create_engine(
        config.database_url("tickets"),
        pool_size=1,
        max_overflow=0,
        execution_options={ENGINE_OPTION: prepare},
    )
    sent: list[str] = []
    event.listen(engine, "after_cursor_execute", lambda *args: sent.append(args[2]))
    return engine, sent


@pytest.fixture
def engine(app, config):  # app: the test databases exist
    engine, sent = _engine(config, prepare=True)
    yield engine, sent
    engine.dispose()


def _run(connection) -> tuple:
    return tuple(connection.execute(STATEMENT, {"n": 21, "label": "abc"}).one())


def _prepared_here(connection) -> list[tuple[str, int]]:
    """The statements prepared in this server session, each with how often it was run."""
    return [
        tuple(row)
        for row in connection.execute(
            text("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        )
    ]


# A second PREPARE of a name fails on the server, and so does an EXECUTE of a name not
# prepared in this session: the runs below succeeding is itself part of what they test.


def test_a_statement_is_prepared_once_per_connection_and_then_executed(engine):
    engine, sent = engine
    with engine.connect() as connection:
        assert _run(connection) == (42, "100%", True)
        assert _run(connection) == (42, "100%", True)
        [(statement, runs)] = _prepared_here(connection)
    assert statement.startswith("PREPARE tts_")
    assert "CAST($1 AS INTEGER) + CAST($1 AS INTEGER)" in statement
    assert "'100%'" in statement and "$2" in statement
    assert runs == 2
    # The statement's text went once; each run sends just the name and the values.
    assert sent[:2] == [sent[0]] * 2 and sent[0].startswith("EXECUTE tts_")
    assert "%(n)s, %(label)s" in sent[0]


def test_a_prepared_statement_outlives_the_transaction_that_prepared_it(engine):
    engine, _ = engine
    with engine.connect() as connection:
        with connection.begin() as transaction:
            _run(connection)
            transaction.rollback()  # PREPARE is not undone by a rollback
        assert _run(connection) == (42, "100%", True)
    with engine.connect() as connection:  # the same pooled connection, returned and taken
        assert _run(connection) == (42, "100%", True)
        [(_, runs)] = _prepared_here(connection)
    assert runs == 3


def test_a_new_server_session_prepares_again(engine):
    engine, _ = engine
    with engine.connect() as connection:
        _run(connection)
        connection.invalidate()  # as after a lost connection: the pool opens a new one
    with engine.connect() as connection:
        assert _run(connection) == (42, "100%", True)
        [(_, runs)] = _prepared_here(connection)
    assert runs == 1


def test_turned_off_the_statement_goes_as_plain_text(app, config):
    engine, sent = _engine(config, prepare=False)
    try:
        with engine.connect() as connection:
            assert _run(connection) == (42, "100%", True)
            assert _prepared_here(connection) == []
        assert sent[0].startswith("SELECT")
    finally:
        engine.dispose()


def test_statements_that_do_not_opt_in_are_left_alone(engine):
    engine, _ = engine
    with engine.connect() as connection:
        assert connection.execute(select(bindparam("n") * 2), {"n": 4}).scalar() == 8
        assert _prepared_here(connection) == []
