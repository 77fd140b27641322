"""Row ids in URLs and query strings: positive and within PostgreSQL's ``integer``.

An id past 2**31-1 would otherwise reach the database and fail there as a 500; here it is
a 404 (URL) or a 422 (query parameter) like any other id that names nothing.
"""

from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def IdField(**kwargs) -> fields.Int:
    return fields.Int(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class UserRef(fields.Field):
    """A user id, or one of the given keywords (``me``, and ``any`` where it applies)."""

    def __init__(self, keywords: tuple[str, ...] = ("me",), **kwargs):
        # Documented as what it takes: without it the document promised that any value
        # goes, and a client (or the fuzz) sending a name got a 422 it was not told of.
        documented = {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                {"type": "string", "enum": list(keywords)},
            ]
        }
        super().__init__(metadata={**documented, **kwargs.pop("metadata", {})}, **kwargs)
        self.keywords = keywords

    def _deserialize(self, value, attr, data, **kwargs):
        if value in self.keywords:
            return value
        message = f"must be {' or '.join(repr(k) for k in self.keywords)} or a user id"
        try:
            user_id = int(value)
        except (TypeError, ValueError):
            raise ValidationError(message) from None
        if not 1 <= user_id <= MAX_ID:
            raise ValidationError(message)
        return user_id
