"""Attachments of a ticket: upload (streamed, sniffed), list, download, remove."""

from flask import send_file
from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import Schema

from common.blueprint import Blueprint
from common.problems import problem_doc
from common.security import caller, require_auth
from common.unit_of_work import on_commit
from tickets_api import attachment_rules, attachments, service
from tickets_api.schemas import AttachmentList, AttachmentOut

blp = Blueprint(
    "ticket-attachments", __name__, url_prefix="/api/tickets", description="Ticket attachments"
)
require_auth(blp)
BEARER = [{"bearerAuth": []}]


class UploadIn(Schema):
    file = Upload(required=True)


@blp.route("/<id:ticket_id>/attachments")
class TicketAttachments(MethodView):
    @blp.arguments(UploadIn, location="files")
    @blp.response(201, AttachmentOut)
    @blp.alt_response(413, **problem_doc(), description="Larger than the upload limit")
    @blp.alt_response(415, **problem_doc(), description="A file type that is not accepted")
    @blp.alt_response(409, **problem_doc(), description="The ticket is over: no more files")
    @blp.doc(security=BEARER)
    def post(self, files, ticket_id):
        """Attach a file (multipart field ``file``)."""
        principal = caller()
        # Locked: two uploads at once must not both fit the last of a ticket's quota.
        ticket = service.get_visible(principal, ticket_id, for_update=True)
        attachment = attachments.store(principal, ticket, files["file"])
        return attachment

    @blp.response(200, AttachmentList)
    @blp.doc(security=BEARER)
    def get(self, ticket_id):
        ticket = service.get_visible(caller(), ticket_id)
        return {"items": attachments.listed(ticket.id)}


@blp.route("/<id:ticket_id>/attachments/<id:attachment_id>")
class TicketAttachment(MethodView):
    @blp.doc(
        security=BEARER,
        responses={
            "200": {
                "description": "The file, as an attachment download",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            },
            "304": {"description": "Not modified (If-None-Match)"},
        },
    )
    def get(self, ticket_id, attachment_id):
        ticket = service.get_visible(caller(), ticket_id)
        attachment = attachments.get(ticket.id, attachment_id)
        response = send_file(
            attachments.path_of(attachment),
            mimetype=attachment.content_type,
            as_attachment=True,
            download_name=attachment_rules.download_name(attachment),
            etag=attachment.sha256,
            conditional=True,
            max_age=0,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"  # nginx's replaces it
        response.headers["Cache-Control"] = "private, no-cache"
        return response

    @blp.response(204)
    @blp.doc(security=BEARER)
    def delete(self, ticket_id, attachment_id):
        """Remove an attachment (its uploader or an admin)."""
        principal = caller()
        ticket = service.get_visible(principal, ticket_id)
        path = attachments.remove(principal, ticket, attachment_id)
        # The file goes only once its row is gone for good: a rollback keeps both.
        on_commit(lambda: path.unlink(missing_ok=True))
