"""Moments from clients, made safe for PostgreSQL.

Python accepts UTC offsets up to ±23:59; PostgreSQL's ``timestamptz`` refuses any beyond
±15:59, so ``2024-05-23T01:05:48-18:00`` reached the database as a 500. Every moment a
client sends is turned to UTC here, where the offset no longer matters; one that has no
UTC equivalent in range (year 1 or 9999 at an extreme offset) is a 422.
"""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import ValidationError, fields


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; ``ValueError`` if it has no offset (whose clock would it be?)
    or its UTC equivalent leaves Python's range."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the moment needs a UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the moment is out of range once converted to UTC") from None


class UtcDateTime(fields.AwareDateTime):
    """An ISO 8601 date-time with an offset, loaded as the same moment in UTC."""

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return to_utc(moment)
        except ValueError as error:
            raise ValidationError(str(error)) from None
