"""The one Flask-SQLAlchemy instance and the declarative base every model shares.

Each service's tables carry ``__bind_key__ = <service name>`` so they land in that
service's own database; in the one-process dev server all binds live side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection, Engine, MetaData, text
from sqlalchemy.orm import DeclarativeBase

import common.pool_ping  # noqa: F401  (checks idle pooled connections before use)

# Stable constraint names so Alembic autogenerate produces the same migration everywhere.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """``db.session``'s class, set as Flask-SQLAlchemy documents (``session_options["class_"]``).

    ``joined``: connections standing in for the engines they belong to, so the session can
    join transactions begun outside it, which is SQLAlchemy's documented recipe for test
    suites ("Joining a Session into an External Transaction"): the tests open one
    connection per engine in an outer transaction and configure ``db.session`` with
    ``joined={engine: connection}`` and ``join_transaction_mode="create_savepoint"``.
    The engine is still chosen exactly as everywhere else (Flask-SQLAlchemy's bind keys),
    so a statement that finds no database fails in the tests as it would in the field;
    SQLAlchemy's own ``binds`` by table would find one for it. Without ``joined`` (every
    process outside the tests) nothing changes.
    """

    def __init__(self, db: SQLAlchemy, joined: dict | None = None, **kwargs) -> None:
        super().__init__(db, **kwargs)
        self._joined: dict[Engine, Connection] = joined or {}

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs) -> Engine | Connection:
        chosen = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        return self._joined.get(chosen, chosen)


# expire_on_commit=False: what a unit of work returns stays readable after its commit
# (an actor's result, a CLI command's output) without re-reading every row. Values the
# database computes are fetched at flush (eager_defaults on the models that have them).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False, "class_": Session})


def bind_for(key: str) -> Engine | Connection:
    """Where work that keeps its own short transactions on bind ``key`` runs (outbox marks,
    the email log, assignment pointers): the bind's engine, or what ``db.session`` uses in
    its place (a test's connection, see ``Session``), so that work joins the same
    transactions as the session does."""
    return db.session.get_bind(bind=db.engines[key])


@contextmanager
def own_transaction(key: str) -> Iterator[Connection]:
    """A short transaction of its own on bind ``key``, for Core statements: committed when
    the block ends, rolled back if it raises. Inside a test's transaction (``bind_for``)
    it is a savepoint of that transaction instead."""
    bind = bind_for(key)
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            yield connection
    else:
        with bind.begin_nested():
            yield bind


def rollback_quietly() -> None:
    """End the current transaction, whatever state its connection is in.

    A failure is answered or re-raised as it was; a connection that died with it makes the
    rollback fail too, and that second error must not hide the first (the pool replaces the
    connection).
    """
    try:
        db.session.rollback()
    except Exception:
        logging.getLogger(__name__).exception("rolling back a failed unit of work failed")


def utcnow() -> datetime:
    return datetime.now(UTC)


def lock_until_commit(model: type, namespace: int, key: int) -> None:
    """Wait for, then hold until the session's transaction ends, the advisory lock
    ``(namespace, key)`` in ``model``'s database: one writer per key at a time."""
    db.session.execute(
        text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
        {"namespace": namespace, "key": key},
        bind_arguments={"mapper": model},
    )
