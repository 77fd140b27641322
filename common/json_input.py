"""Parsing JSON that came from outside: every way it can be bad is one clear error.

Python's parser raises more than ``ValueError`` on hostile input (``RecursionError`` on
deep nesting) and accepts what PostgreSQL cannot store (NUL, lone UTF-16 surrogates from
``"\\ud800"`` escapes). Anything parsed here is safe to hand to the database or to encode
again; anything refused raises ``BadJSON`` with a sentence for the caller.
"""

from __future__ import annotations

import json
import re

# NUL cannot live in PostgreSQL text; a lone surrogate cannot be encoded as UTF-8.
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# Deeper than any document we accept; far below the interpreter's recursion limit.
MAX_DEPTH = 32


class BadJSON(ValueError):
    """The input is not JSON we accept; ``detail`` says why, in words for the caller.

    ``unstorable`` marks well-formed JSON holding text no column can store (422), as
    opposed to input that is not JSON at all, or too deep to read (400)."""

    def __init__(self, detail: str, unstorable: bool = False):
        super().__init__(detail)
        self.detail = detail
        self.unstorable = unstorable


def parse(raw: str | bytes) -> object:
    """Parse ``raw`` or raise ``BadJSON`` (malformed, too deep, too long a number, bad text)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadJSON(f"JSON may nest at most {MAX_DEPTH} levels deep.") from None
    except (ValueError, TypeError) as error:  # includes the 4,300-digit integer limit
        raise BadJSON(f"Malformed JSON: {_first_line(error)}") from None
    check(value)
    return value


def bad_text(text: str) -> bool:
    """True if ``text`` holds a character PostgreSQL or UTF-8 cannot take."""
    return _BAD_TEXT.search(text) is not None


def check(value: object, depth: int = 0) -> None:
    """Raise ``BadJSON`` if ``value`` nests too deep or holds text PostgreSQL cannot store."""
    if depth > MAX_DEPTH:
        raise BadJSON(f"JSON may nest at most {MAX_DEPTH} levels deep.")
    if isinstance(value, str):
        if _BAD_TEXT.search(value):
            raise BadJSON("Text may not contain NUL characters or lone surrogates.", True)
    elif isinstance(value, dict):
        for key, item in value.items():
            check(key, depth + 1)
            check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check(item, depth + 1)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200]
