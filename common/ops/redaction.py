"""Keeping personal data and secrets out of what operators read (journal, logs).

A failed job's exception can quote what it worked on: an SMTP server refusing
``bob@example.com``, a token in a URL. What operators need is the kind of failure and
where it happened, so addresses, bearer tokens and long opaque strings are replaced.
"""

from __future__ import annotations

import re
import traceback

MAX_DETAIL = 1_000
MAX_TRACEBACK = 8_000

_PATTERNS = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "<email>"),
    (re.compile(r"(?i)\b(bearer|token|password|secret|otp|code)([=: ]+)\S+"), r"\1\2<redacted>"),
    # JWTs, hex digests, base64 blobs: nothing an operator reads, often something secret.
    (re.compile(r"\b[A-Za-z0-9_\-]{32,}(?:\.[A-Za-z0-9_\-]+){0,2}\b"), "<opaque>"),
)


def redact(text: str, limit: int = MAX_DETAIL) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def exception_name(error: BaseException) -> str:
    kind = type(error)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def redacted_traceback(error: BaseException) -> str:
    """Where it failed (file, line, function, source line) and what, without locals."""
    lines = traceback.format_exception(type(error), error, error.__traceback__, limit=30)
    return redact("".join(lines), MAX_TRACEBACK)
