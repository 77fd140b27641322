"""Statements rendered as SQL text, to send several of them in one round trip.

psycopg2 binds parameters on the client: what it sends is SQL text with the values
quoted in. So statements whose results nobody reads but the last (a transaction's
appended rows, ``common.appends``, then a row edit's UPDATE, ``common.row_edits``) can be
rendered as that text, the way psycopg2 would, and sent together: one round trip instead
of one per statement, and one pass through SQLAlchemy's execution instead of one each
(which cost more than the statement itself).

SQLAlchemy still writes each statement: its compiled form (quoting, casts such as
``::JSONB``, an ``onupdate`` such as ``now()``), each type's bind processor (JSON
serialised as the engine does it) and each column's Python-side default or onupdate for
a column the parameters leave out, as Core would fill in. psycopg2 quotes the values
(``cursor.mogrify``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from psycopg2.extensions import encodings
from sqlalchemy import Dialect, insert
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Template:
    sql: str  # with %(name)s placeholders: a whole statement, or an INSERT's row
    # For each parameter: its name, the bind processor of its type (or None), and the
    # Python-side default of a column the parameters leave out (or None).
    params: tuple[tuple[str, Callable | None, Callable | None], ...]

    def render(self, cursor, values: dict, encoding: str) -> str:
        params = {}
        for name, process, default in self.params:
            value = values[name] if default is None or name in values else default()
            params[name] = process(value) if process is not None else value
        return cursor.mogrify(self.sql, params).decode(encoding)


def _template(compiled: SQLCompiler, sql: str, dialect: Dialect) -> _Template:
    defaults = {column.key: _default(column.default) for column in compiled.insert_prefetch} | {
        column.key: _default(column.onupdate) for column in compiled.update_prefetch
    }
    # Only plain binds, each given by the caller or by a column's default: a bind that
    # SQLAlchemy expands or renders at execution (IN lists, literal binds), renames, or
    # fixes in the statement would need its execution step, which rendering skips.
    if (
        compiled.post_compile_params
        or compiled.literal_execute_params
        or compiled.escaped_bind_names
        or any(not b.required and n not in defaults for n, b in compiled.binds.items())
    ):
        raise ValueError(f"not renderable as text: {compiled.string}")
    return _Template(
        sql=sql,
        params=tuple(
            (
                name,
                bind.type.dialect_impl(dialect).bind_processor(dialect),
                defaults.get(name),
            )
            for name, bind in compiled.binds.items()
        ),
    )


def _default(default) -> Callable:
    if default.is_scalar:
        return lambda: default.arg
    if default.is_callable:
        # Core wraps a function of no arguments to take the execution context; one that
        # reads the context (none of ours does) would need the execution step.
        return lambda: default.arg(None)
    raise ValueError(f"{default}: only scalar and callable defaults can be rendered")


@functools.cache
def _insert_template(table, columns: tuple[str, ...], dialect: Dialect) -> tuple[str, _Template]:
    compiled = insert(table).compile(
        dialect=dialect, column_keys=list(columns), for_executemany=True
    )
    head, row = compiled.string.split(" VALUES ", 1)
    if "%" in head:  # goes as it is: a percent sign escaped for the driver would stay doubled
        raise ValueError(f"not renderable as text: {compiled.string}")
    return f"{head} VALUES ", _template(compiled, row, dialect)


@functools.cache
def _statement_template(statement, names: tuple[str, ...], dialect: Dialect) -> _Template:
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    return _template(compiled, compiled.string, dialect)


class Renderer:
    """Renders statements for one SQLAlchemy connection, through a psycopg2 cursor of it
    (quoting depends on the connection's encoding). A context manager: closes the cursor."""

    def __init__(self, connection):
        self._cursor = connection.connection.driver_connection.cursor()
        self._dialect = connection.dialect
        self._encoding = encodings[self._cursor.connection.encoding]

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self._cursor.close()

    def insert_rows(self, table, columns: tuple[str, ...], rows: list[dict]) -> str:
        """One ``INSERT`` of ``rows`` (each with exactly ``columns``) into ``table``."""
        head, template = _insert_template(table, columns, self._dialect)
        return head + ", ".join(template.render(self._cursor, row, self._encoding) for row in rows)

    def statement(self, prebuilt, params: dict) -> str:
        """``prebuilt`` (a statement object built once: its compiled forms are cached by
        it and the names of ``params``) run with ``params``."""
        template = _statement_template(prebuilt, tuple(sorted(params)), self._dialect)
        return template.render(self._cursor, params, self._encoding)
