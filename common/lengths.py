"""Text lengths from one source: the column that stores the text.

A schema that allows more than its column holds turns long input into a database error
(a 500); ``fits(Model.column)`` makes the schema's limit the column's own.
"""

from __future__ import annotations

from marshmallow import validate


def column_length(attribute) -> int:
    """The declared length of a ``String(n)`` mapped column."""
    length = attribute.property.columns[0].type.length
    if length is None:
        raise TypeError(f"{attribute} has no declared length")
    return length


def fits(attribute, minimum: int = 1) -> validate.Length:
    """A length validator for text stored in ``attribute`` (e.g. ``System.name``)."""
    return validate.Length(min=minimum, max=column_length(attribute))
