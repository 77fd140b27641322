"""The one gate every request's input passes before a view sees it.

Query values and JSON bodies are read here first, and anything that would crash a parser
or the database further in is refused as a problem document: malformed or too deeply
nested JSON, integers past Python's digit limit (400); NUL characters and lone
surrogates, which no PostgreSQL text column can store (422). Views then parse with
webargs as usual, knowing the body is sound.
"""

from __future__ import annotations

from flask import Flask, request

from common.json_input import BadJSON, bad_text, parse
from common.problems import DomainError, Unprocessable


def install(app: Flask) -> None:
    """Check each request's input; registered after the request id is set, so every
    refusal carries it."""

    @app.before_request
    def _refuse_bad_input():
        if any(bad_text(value) for value in request.args.values()):
            raise Unprocessable("Text may not contain NUL characters or lone surrogates.")
        if not request.is_json:
            return
        raw = request.get_data(cache=True)
        if not raw.strip():
            return  # an empty body is the schema's to judge (missing fields)
        try:
            parse(raw)
        except BadJSON as error:
            if error.unstorable:
                raise Unprocessable(error.detail) from None
            raise DomainError(error.detail) from None  # 400
