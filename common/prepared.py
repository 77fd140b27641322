"""Server-side prepared statements for the statements every event runs.

psycopg2 binds parameters on the client: PostgreSQL receives each statement as new text,
and parses, analyses and plans it anew every time. For the fixed statements a ticket's
trip runs on every event (a row lock of thirty columns, the workflow's lookup, the
pointer's upsert, the notifications' insert) that was most of their cost to the server:
PostgreSQL's own statistics (``log_parser_stats``, ``log_planner_stats`` and
``log_executor_stats``) over a run of approvals put parsing, analysis and planning at 4.3
ms per ticket against 4.9 ms of execution, and the approval's lock at 0.75 ms of
planning for 0.2 ms of execution.

A statement opts in with ``prepared(statement)``. On its first run on a connection it
is ``PREPARE``d there (one more round trip, once per connection); from then on it goes as
``EXECUTE name (values)``, values still quoted by psycopg2, and PostgreSQL reuses its
parse tree and, once it judges a generic plan as good, its plan. A prepared statement
lives as long as its connection's server session (it survives rollbacks), so the names
prepared are kept in the connection's ``info``, which SQLAlchemy discards with the DBAPI
connection.

Only statements whose parameters PostgreSQL can type from their context opt in (a cast
where it could not): their ``PREPARE`` runs in every test. The engine option
``ENGINE_OPTION`` (``TTS_DATABASE_PREPARED_STATEMENTS``) turns it off, for a pooler in
transaction mode (PgBouncer's), whose server sessions change under a client connection.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Text, bindparam, cast, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.sql.base import Executable
from sqlalchemy.types import TypeEngine

STATEMENT_OPTION = "tts_prepared"  # on a statement: run it prepared
ENGINE_OPTION = "tts_prepare"  # on an engine: whether statements that opt in are prepared
_NAMES = "tts_prepared_names"  # in a DBAPI connection's info: the names PREPAREd on it
# psycopg2's placeholders, and its escaped percent sign.
_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)s")

S = TypeVar("S", bound=Executable)


def prepared(statement: S) -> S:
    """``statement``, to be run as a server-side prepared statement."""
    return statement.execution_options(**{STATEMENT_OPTION: True})


def array_parameter(name: str, element_type: TypeEngine):
    """The parameter ``name``, a list, as an array of ``element_type``: one statement text
    for any number of values (an IN list is a text per count, each prepared anew). Cast
    through text[]: psycopg2 sends a list of ints as an int[] literal but one of UUIDs as
    strings, which a prepared statement's uuid[] parameter refuses and its text[] takes."""
    return cast(cast(bindparam(name), ARRAY(Text)), ARRAY(element_type))


@dataclass(frozen=True)
class _Form:
    name: str
    prepare: str  # PREPARE name AS <the statement, with $1, $2, ...>
    execute: str  # EXECUTE name (%(a)s, %(b)s, ...), for psycopg2 to fill in


@functools.lru_cache(maxsize=512)
def _form(statement: str) -> _Form:
    positions: dict[str, int] = {}

    def swap(match: re.Match) -> str:
        if match.group(1) is None:
            return "%"  # sent without parameters, the text is taken as it is
        return f"${positions.setdefault(match.group(1), len(positions) + 1)}"

    body = _PLACEHOLDER.sub(swap, statement)
    # Named by the statement's text: the same statement has the same name everywhere.
    name = "tts_" + hashlib.blake2b(statement.encode(), digest_size=8).hexdigest()
    values = ", ".join(f"%({param})s" for param in positions)
    return _Form(
        name=name,
        prepare=f"PREPARE {name} AS {body}",
        execute=f"EXECUTE {name} ({values})" if values else f"EXECUTE {name}",
    )


@event.listens_for(Engine, "before_cursor_execute", retval=True)
def _run_prepared(conn, cursor, statement, parameters, context, executemany):
    if executemany or context is None:
        return statement, parameters
    options = context.execution_options
    if not (options.get(STATEMENT_OPTION) and options.get(ENGINE_OPTION)):
        return statement, parameters
    form = _form(statement)
    names = conn.connection.info.setdefault(_NAMES, set())
    if form.name not in names:
        cursor.execute(form.prepare)
        names.add(form.name)
    return form.execute, parameters
