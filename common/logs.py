"""Structured logs carrying a request id from the HTTP request into the actors it triggers.

The id comes from ``X-Request-ID`` (nginx sets it) or is made here; it is stored on each
outbox event, travels in the Dramatiq message options and is restored by the actor
wrapper, so one grep follows a ticket approval through every service.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
service_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("service", default=None)


@contextmanager
def caused_by(request_id: str | None) -> Iterator[None]:
    """Log lines and emitted events inside carry ``request_id`` (the request that caused
    the work), and the caller's own id is restored afterwards."""
    token = request_id_var.set(request_id)
    try:
        yield
    finally:
        request_id_var.reset(token)


# The Dramatiq message being processed (common/ops/journal.py sets it).
message_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "message_id", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    """Accept a caller's id only if it is short and plain; otherwise make one."""
    if value and len(value) <= 64 and all(c.isalnum() or c in "-_." for c in value):
        return value
    return new_request_id()


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.service = service_var.get()
        message_id = message_id_var.get()
        if message_id is not None:
            record.message_id = message_id
        return True


class JobRecordRedaction(logging.Filter):
    """Dramatiq logs a message as its repr, arguments included (people's addresses), and a
    failure with the raw exception: keep the message id, and a redacted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("dramatiq"):
            return True
        from dramatiq.broker import MessageProxy
        from dramatiq.message import Message

        from common.ops.redaction import exception_name, redacted_traceback

        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.message_id if isinstance(arg, Message | MessageProxy) else arg
                for arg in record.args
            )
        if record.exc_info and record.exc_info[1] is not None:
            record.exception = exception_name(record.exc_info[1])
            record.traceback = redacted_traceback(record.exc_info[1])
            record.exc_info = None
            record.exc_text = None
        return True


_configured = False


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    """Idempotent: every entry point calls it, the first call wins."""
    global _configured
    if _configured:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(JobRecordRedaction())
    if json_logs:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(service)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pika logs every connection step, and a failed connect as several ERRORs with a
    # traceback; our callers (readiness, the outbox, Dramatiq) already report failures once.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
