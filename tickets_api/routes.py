from flask_smorest import Blueprint

from common.db import db
from common.security import caller, require_auth
from tickets_api import service
from tickets_api.schemas import ApproveIn, TicketIn, TicketListArgs, TicketOut, TicketPage

blp = Blueprint("tickets", __name__, url_prefix="/api/tickets", description="Tickets")
require_auth(blp)
BEARER = [{"bearerAuth": []}]


@blp.route("", methods=["POST"])
@blp.arguments(TicketIn)
@blp.response(201, TicketOut)
@blp.doc(security=BEARER)
def create(body):
    principal = caller()
    ticket = service.create_ticket(principal, body)
    db.session.commit()
    return ticket


@blp.route("", methods=["GET"])
@blp.arguments(TicketListArgs, location="query")
@blp.response(200, TicketPage)
@blp.doc(security=BEARER)
def list_(args):
    principal = caller()
    items, next_cursor = service.list_tickets(
        principal, args.get("status"), args["limit"], args.get("before")
    )
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/<id:ticket_id>", methods=["GET"])
@blp.response(200, TicketOut)
@blp.doc(security=BEARER)
def get(ticket_id):
    principal = caller()
    return service.get_visible(principal, ticket_id)


@blp.route("/<id:ticket_id>/approve", methods=["POST"])
@blp.arguments(ApproveIn)
@blp.response(200, TicketOut)
@blp.doc(security=BEARER)
def approve(body, ticket_id):
    principal = caller()
    ticket = service.approve(principal, ticket_id, body["priority"], body.get("department"))
    db.session.commit()
    return ticket
