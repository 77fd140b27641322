"""The failure journal: every failed attempt of a job, in the failing service's database.

Dramatiq retries a failing message with a growing delay and, when its retries are spent,
dead-letters it (RabbitMQ keeps ``<queue>.XQ`` messages for 7 days, then drops them).
Neither leaves a record an operator can query. ``FailureJournal`` writes one row per
failed attempt (``job_failures``): message and event id, actor and attempt, the
exception with a redacted traceback, when the next retry is due, and whether the message
was dead-lettered. The row is written in a transaction of its own, after the job's own
transaction rolled back, so the record survives the failure it describes.

While a message is processed, every log line carries its message id, service and request
id (context variables), so "Failed to process message", "Retrying message" and the
journal's own line join on ``message_id``; common.logs keeps the job's arguments
(people's addresses) out of Dramatiq's own lines.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import dramatiq
from dramatiq.middleware import Retries
from flask import Flask
from sqlalchemy import insert
from sqlalchemy.orm import Session

from common.db import bind_for
from common.logs import message_id_var, request_id_var, service_var
from common.models.mixins import JOB_FAILURE_MODELS
from common.ops.redaction import exception_name, redact, redacted_traceback

log = logging.getLogger("tts.jobs")


def service_of(actor_name: str) -> str:
    """Every actor is named ``<service>.<what>`` (common.actors.event_actor)."""
    return actor_name.partition(".")[0]


def canonical_queue(queue_name: str) -> str:
    for suffix in (".DQ", ".XQ"):
        if queue_name.endswith(suffix):
            return queue_name[: -len(suffix)]
    return queue_name


def _event_id(message) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(message.options.get("event_id")))
    except ValueError:
        return None


class FailureJournal(dramatiq.Middleware):
    """Records failed attempts; sets the log context of the message being processed.

    Added before ``Retries`` in the broker's list: Dramatiq runs ``after_*`` hooks in
    reverse order, so this one runs after Retries decided between retry and dead letter.
    """

    def __init__(self, app_for: Callable[[str], Flask]):
        self.app_for = app_for  # the app a service's actors run in (common.actors)
        self._local = threading.local()

    def before_process_message(self, broker, message):
        self._local.context = (
            message_id_var.set(message.message_id),
            service_var.set(service_of(message.actor_name)),
            request_id_var.set(message.options.get("request_id")),
        )

    def after_enqueue(self, broker, message, delay):
        # Retries re-enqueues a failed message with a delay: that copy carries its eta.
        if delay is not None and message.options.get("retries"):
            self._local.retry = (message.message_id, message.options.get("eta"))

    def after_process_message(self, broker, message, *, result=None, exception=None):
        try:
            if exception is not None:
                self._record(message, exception)
        finally:
            self._end_context()

    def after_skip_message(self, broker, message):
        self._end_context()

    def _end_context(self) -> None:
        context = getattr(self._local, "context", None)
        self._local.context = None
        if context:
            message_token, service_token, request_token = context
            request_id_var.reset(request_token)
            service_var.reset(service_token)
            message_id_var.reset(message_token)

    def _next_retry_at(self, message) -> datetime | None:
        retry = getattr(self._local, "retry", None)
        self._local.retry = None
        if message.failed or not retry or retry[0] != message.message_id or not retry[1]:
            return None
        return datetime.fromtimestamp(retry[1] / 1000, UTC)

    def _record(self, message, exception: BaseException) -> None:
        service = service_of(message.actor_name)
        failure = {
            # When the attempt failed, not when the row is written: under load the write
            # waits, and the row would say it failed after its own retry was due.
            "failed_at": datetime.now(UTC),
            "message_id": message.message_id,
            "event_id": _event_id(message),
            "actor": message.actor_name,
            "queue": canonical_queue(message.queue_name),
            "attempt": int(message.options.get("retries") or 1),
            "exception": exception_name(exception)[:200],
            "detail": redact(str(exception)),
            "traceback": redacted_traceback(exception),
            "next_retry_at": self._next_retry_at(message),
            "dead_lettered": bool(message.failed),
        }
        log.warning(
            "job dead-lettered" if failure["dead_lettered"] else "job failed",
            extra={
                key: str(value) if value is not None else None
                for key, value in failure.items()
                if key != "traceback"
            },
        )
        try:
            write_failure(self.app_for(service), service, failure)
        except Exception:
            # The job's own failure is already logged; a journal that cannot be written
            # (its database down too) must not turn into a second crash of the worker.
            log.exception("the failure journal could not record a failure")


def write_failure(app: Flask, service: str, failure: dict) -> None:
    model = JOB_FAILURE_MODELS.get(service)
    if model is None:
        return
    # A session of its own: the job's transaction has rolled back already, and in tests
    # the bind is a connection inside the test's transaction (hence the savepoint).
    with (
        app.app_context(),
        Session(bind_for(service), join_transaction_mode="create_savepoint") as session,
    ):
        session.execute(insert(model).values(**failure))
        session.commit()


def install(broker: dramatiq.Broker, app_for: Callable[[str], Flask]) -> None:
    """Journal the failures of the jobs ``broker`` runs (once per broker)."""
    if not any(isinstance(m, FailureJournal) for m in broker.middleware):
        broker.add_middleware(FailureJournal(app_for), before=Retries)
