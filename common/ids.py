"""Row ids in URLs and query strings: positive and within PostgreSQL's ``integer``.

An id past 2**31-1 would otherwise reach the database and fail there as a 500; here it is
a 404 (URL) or a 422 (query parameter) like any other id that names nothing.
"""

from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def IdField(**kwargs) -> fields.Int:
    return fields.Int(validate=validate.Range(min=1, max=MAX_ID), **kwargs)
