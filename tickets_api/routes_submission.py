"""A ticket and its files in one request: both are kept, or neither.

The web form sends a new ticket with its attachments here, so a file refused for its
type, size or quota refuses the ticket with it (the problem names the file) instead of
leaving a ticket created without it.
"""

from __future__ import annotations

import json

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate

from common.blueprint import Blueprint
from common.problems import DomainError, Unprocessable, problem_doc
from common.security import caller, require_auth
from tickets_api import attachments, service
from tickets_api.schemas import TicketIn, TicketOut

blp = Blueprint(
    "ticket-submission", __name__, url_prefix="/api/tickets", description="Ticket submission"
)
require_auth(blp)
BEARER = [{"bearerAuth": []}]
# As many as a ticket may hold at all (TTS_TICKET_MAX_FILES's default); the quota still
# applies to what is sent.
MAX_FILES = 50


class SubmissionForm(Schema):
    ticket = fields.Str(
        required=True,
        validate=validate.Length(max=100_000),
        metadata={"description": "the ticket, as the JSON body of POST /api/tickets takes it"},
    )


class SubmissionFiles(Schema):
    files = fields.List(Upload(), load_default=list, validate=validate.Length(max=MAX_FILES))


def _ticket_fields(raw: str) -> dict:
    try:
        return TicketIn().load(json.loads(raw))
    except (ValueError, TypeError):
        raise Unprocessable(
            "ticket: a JSON object", errors={"ticket": ["Not a JSON object."]}
        ) from None
    except ValidationError as error:
        raise Unprocessable("The ticket is invalid.", errors=error.messages) from None


@blp.route("/with-attachments", methods=["POST"])
@blp.arguments(SubmissionForm, location="form")
@blp.arguments(SubmissionFiles, location="files")
@blp.response(201, TicketOut)
@blp.alt_response(413, **problem_doc(), description="A file larger than the upload limit")
@blp.alt_response(415, **problem_doc(), description="A file of a type that is not accepted")
@blp.doc(security=BEARER)
def submit(form, sent):
    """Submit a ticket with its files (multipart: ``ticket`` as JSON, ``files``): all of
    it, or nothing when one file is refused."""
    principal = caller()
    ticket = service.create_ticket(principal, _ticket_fields(form["ticket"]))
    for upload in sent["files"]:
        try:
            attachments.store(principal, ticket, upload)
        except DomainError as error:
            # The unit of work rolls the ticket back with it: name the file to fix.
            error.detail = f"{attachments.safe_filename(upload.filename)}: {error.detail}"
            error.extra["file"] = attachments.safe_filename(upload.filename)
            raise
    return ticket
