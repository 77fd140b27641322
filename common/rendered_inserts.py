"""Multi-row INSERTs rendered as SQL text, to send several tables' rows in one round trip.

psycopg2 binds parameters on the client: what it sends is SQL text with the values
quoted in. So the INSERTs of a transaction's appended rows (``common.appends``) can be
rendered as that text, the way psycopg2 would, and sent together, one round trip for all
tables instead of one per table (and one pass through SQLAlchemy's execution instead of
one per statement, which cost more than the statement itself).

SQLAlchemy still writes the statement: its compiled form (quoting, casts such as
``::JSONB``), each type's bind processor (JSON serialised as the engine does it) and
each column's Python-side default (``default=0``, ``default=dict``), as Core would fill
in for a column a row leaves out. psycopg2 quotes the values (``cursor.mogrify``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from psycopg2.extensions import encodings
from sqlalchemy import Dialect, insert


@dataclass(frozen=True)
class _Template:
    head: str  # INSERT INTO t (a, b) VALUES
    row: str  # (%(a)s, %(b)s::JSONB)
    # For each parameter: its name, the bind processor of its type (or None), and the
    # Python-side default of a column the rows leave out (or None).
    params: tuple[tuple[str, Callable | None, Callable | None], ...]


@functools.cache
def _template(table, columns: tuple[str, ...], dialect: Dialect) -> _Template:
    compiled = insert(table).compile(
        dialect=dialect, column_keys=list(columns), for_executemany=True
    )
    head, values = compiled.string.split(" VALUES ", 1)
    defaults = {column.key: _default(column) for column in compiled.insert_prefetch}
    return _Template(
        head=f"{head} VALUES ",
        row=values,
        params=tuple(
            (
                name,
                bind.type.dialect_impl(dialect).bind_processor(dialect),
                defaults.get(name),
            )
            for name, bind in compiled.binds.items()
        ),
    )


def _default(column) -> Callable:
    default = column.default
    if default.is_scalar:
        return lambda: default.arg
    if default.is_callable:
        return lambda: default.arg(None)  # Core wraps a plain function to take a context
    raise ValueError(f"{column}: only scalar and callable defaults can be rendered")


def render(cursor, table, columns: tuple[str, ...], rows: list[dict], dialect: Dialect) -> str:
    """One ``INSERT`` of ``rows`` (each with exactly ``columns``) into ``table``, as text.

    ``cursor``: a psycopg2 cursor of the connection it will run on (quoting depends on
    the connection's encoding)."""
    template = _template(table, columns, dialect)
    encoding = encodings[cursor.connection.encoding]
    rendered = []
    for row in rows:
        params = {}
        for name, process, default in template.params:
            value = row[name] if default is None or name in row else default()
            params[name] = process(value) if process is not None else value
        rendered.append(cursor.mogrify(template.row, params).decode(encoding))
    return template.head + ", ".join(rendered)
