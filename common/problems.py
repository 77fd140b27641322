"""RFC 7807 problem details: the one error format every service answers with.

Services raise ``DomainError`` subclasses; the ``ProblemApi`` (smorest's ``Api`` with our
error handler) turns those, HTTP errors, validation errors and JWT failures into
``application/problem+json`` bodies.
"""

from __future__ import annotations

import http
import logging

import marshmallow as ma
from flask import Response, g, json, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from common.db import rollback_quietly

PROBLEM_MIME = "application/problem+json"
log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain was broken; the message is safe to show the caller.

    ``keep_changes=True`` asks the unit of work (``common.unit_of_work``) to commit what
    the failed operation changed before the error is answered: a failed login's counters,
    a reused refresh token's revoked family. By default a failure changes nothing.
    """

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, keep_changes: bool = False, **extra):
        super().__init__(detail)
        self.detail = detail
        self.keep_changes = keep_changes
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class Unprocessable(DomainError):
    """Well-formed input that cannot be taken as it is (the 422 of a bad parameter)."""

    status = 422
    title = "Unprocessable Entity"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"


def problem(status: int, title: str, detail: str | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if request:
        body["instance"] = request.path
    request_id = g.get("request_id") if g else None
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def strict_query_arguments() -> None:
    """Unknown query parameters are a 422, as unknown body fields are: ``?assigne=me``
    silently ignored would list everyone's tickets instead of telling the caller."""
    from common.blueprint import Blueprint

    parser = Blueprint.ARGUMENTS_PARSER
    parser.DEFAULT_UNKNOWN_BY_LOCATION = {
        **parser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }


class ProblemSchema(ma.Schema):
    """An RFC 7807 problem document, as every error is answered (for the OpenAPI docs).
    Problems may carry extension members (``retry_after``, ``limit``, ``allowed_types``)."""

    class Meta:
        unknown = ma.INCLUDE  # documented as additionalProperties: true

    type = ma.fields.String(metadata={"description": "always about:blank"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String(metadata={"description": "the request's path"})
    request_id = ma.fields.String()
    errors = ma.fields.Raw(metadata={"description": "422: the invalid fields and why"})
    errors_omitted = ma.fields.Integer(metadata={"description": "fields past the first 50"})


def problem_doc() -> dict:
    """``alt_response`` arguments documenting a problem document body."""
    return {"schema": ProblemSchema, "content_type": PROBLEM_MIME}


class ProblemApi(Api):
    """smorest's Api, answering every error as a problem document, and saying so in the
    OpenAPI documents (smorest would describe its own JSON error body)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_MIME)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "An error, as a problem document", "schema": ProblemSchema}
        prepare_response(default, self.spec, PROBLEM_MIME)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        rollback_quietly()
        extra = {}
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if messages:
            # webargs nests by location ({"json": {...}}); the caller wants the field map.
            if isinstance(messages, dict) and len(messages) == 1:
                (messages,) = messages.values()
            extra.update(_capped(messages))
        response = problem(
            error.code or 500,
            error.name,
            error.description if error.code != 422 else "The request body is invalid.",
            **extra,
        )
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    def _register_error_handlers(self):
        super()._register_error_handlers()
        app = self._app
        app.register_error_handler(DomainError, _handle_domain_error)
        app.register_error_handler(Exception, _handle_unexpected)


# Fields named in one 422 at most: 200,000 unknown keys must not make a 6 MB answer.
MAX_FIELD_ERRORS = 50


def _capped(messages) -> dict:
    if not isinstance(messages, dict) or len(messages) <= MAX_FIELD_ERRORS:
        return {"errors": messages}
    kept = dict(list(messages.items())[:MAX_FIELD_ERRORS])
    return {"errors": kept, "errors_omitted": len(messages) - MAX_FIELD_ERRORS}


def _database_unavailable(error: Exception) -> bool:
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


# The handlers roll back too: a view's unit of work has ended its transaction already, but a
# failure before the view (a before-request check) ran outside any unit of work.


def _handle_domain_error(error: DomainError):
    rollback_quietly()
    return problem(error.status, error.title, error.detail, **error.extra)


def _handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return ProblemApi.handle_http_exception(None, error)  # type: ignore[arg-type]
    if _database_unavailable(error):
        # A restart, a failover, a dropped connection: transient, and the pool replaces
        # the connection. Nothing was committed; the client may simply retry.
        log.warning("database unavailable: %s", type(error.orig).__name__)
        rollback_quietly()
        response = problem(503, "Service Unavailable", "The database is unavailable; retry.")
        response.headers["Retry-After"] = "2"
        return response
    log.exception("unhandled error")
    rollback_quietly()
    generic = InternalServerError()
    return problem(500, generic.name, "An unexpected error occurred.")
