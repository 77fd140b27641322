"""Tickets: create, read, list and search, edit (If-Match), lifecycle actions, history, CSAT."""

from flask import request
from flask.views import MethodView

from common.blueprint import Blueprint
from common.problems import DomainError, problem_doc
from common.security import caller, require_auth
from tickets_api import history, lifecycle, search, service
from tickets_api.schemas import (
    ActionIn,
    ActionsOut,
    ApproveIn,
    CsatIn,
    CsatOut,
    HistoryPage,
    TicketDetailOut,
    TicketIn,
    TicketListArgs,
    TicketOut,
    TicketPage,
    TicketPatch,
)

blp = Blueprint("tickets", __name__, url_prefix="/api/tickets", description="Tickets")
require_auth(blp)
BEARER = [{"bearerAuth": []}]


class VersionRequired(DomainError):
    status = 428
    title = "Precondition Required"


def _etag(ticket) -> dict:
    # The row version identifies the representation: cheap, and exact under concurrency.
    # The rating lives in its own row but is part of what GET shows: a rated ticket is a
    # new representation, or a cache revalidating with If-None-Match keeps the unrated one.
    return {"id": ticket.id, "version": ticket.version, "rated": ticket.csat is not None}


@blp.route("")
class Tickets(MethodView):
    @blp.arguments(TicketIn)
    @blp.response(201, TicketOut)
    @blp.doc(security=BEARER)
    def post(self, body):
        """Submit a ticket (status ``new``)."""
        ticket = service.create_ticket(caller(), body)
        return ticket

    @blp.arguments(TicketListArgs, location="query")
    @blp.response(200, TicketPage)
    @blp.alt_response(414, **problem_doc(), description="A URL over the edge's 8 kB")
    @blp.doc(security=BEARER)
    def get(self, args):
        """The tickets the caller may see: filters, sort, cursor pages and ``q`` search."""
        items, next_cursor = search.search(caller(), args)
        return {"items": items, "next_cursor": next_cursor}


@blp.route("/by-number/<id:number>")
class TicketByNumber(MethodView):
    @blp.etag
    @blp.response(200, TicketDetailOut)
    @blp.doc(security=BEARER)
    def get(self, number):
        """The ticket people know as ``#number``: the number the web UI shows and links."""
        ticket = service.get_visible_by_number(caller(), number)
        blp.set_etag(_etag(ticket))
        return ticket


@blp.route("/<id:ticket_id>")
class TicketById(MethodView):
    @blp.etag
    @blp.response(200, TicketDetailOut)
    @blp.doc(security=BEARER)
    def get(self, ticket_id):
        ticket = service.get_visible(caller(), ticket_id)
        blp.set_etag(_etag(ticket))
        return ticket

    @blp.etag
    @blp.arguments(TicketPatch)
    @blp.response(200, TicketDetailOut)
    @blp.doc(security=BEARER)
    def patch(self, changes, ticket_id):
        """Edit fields. Send the ETag of what you edited as If-Match (412 when stale)."""
        principal = caller()
        ticket = service.get_visible(principal, ticket_id, for_update=True)
        if request.if_match.star_tag:
            # "*" matches any version: it would overwrite what someone else just saved.
            raise VersionRequired("Send the ETag of the version you edited as If-Match, not *.")
        blp.check_etag(_etag(ticket))
        ticket = service.edit(principal, ticket, changes)
        blp.set_etag(_etag(ticket))
        return ticket


def _action_route(action: str, schema, summary: str):
    def view(body, ticket_id):
        return service.act(caller(), ticket_id, action, body)

    view.__name__ = f"ticket_{action}"
    view.__doc__ = summary
    decorated = blp.doc(security=BEARER)(blp.response(200, TicketOut)(blp.arguments(schema)(view)))
    blp.route(f"/<id:ticket_id>/{action}", methods=["POST"])(decorated)


_action_route("approve", ApproveIn, "Approve a new ticket: set its priority (coordinator, admin).")
_action_route("reject", ActionIn, "Reject a new ticket, with a reason (coordinator, admin).")
_action_route("withdraw", ActionIn, "Withdraw a new or open ticket, with a reason (requester).")
_action_route("hold", ActionIn, "Put an in-progress ticket on hold, with a reason.")
_action_route("resume", ActionIn, "Resume a ticket on hold.")
_action_route("resolve", ActionIn, "Resolve a ticket by hand (coordinator, admin).")
_action_route("reopen", ActionIn, "Reopen a resolved ticket (requester within 7 days, staff).")
_action_route("close", ActionIn, "Close a resolved ticket (requester, coordinator, admin).")


@blp.route("/<id:ticket_id>/actions")
@blp.response(200, ActionsOut)
@blp.doc(security=BEARER)
def allowed_actions(ticket_id):
    """What the caller may do with this ticket now."""
    principal = caller()
    ticket = service.get_visible(principal, ticket_id)
    actions = [
        a for a in lifecycle.allowed_actions(principal, ticket) if a in lifecycle.PEOPLE_ACTIONS
    ]
    return {"status": ticket.status, "allowed_actions": actions}


@blp.route("/<id:ticket_id>/history")
@blp.response(200, HistoryPage)
@blp.doc(security=BEARER)
def ticket_history(ticket_id):
    """The ticket's story, one entry per action: who, when, what changed, and the reason
    or notes given. Its requester reads what concerns them, not how staff route it."""
    principal = caller()
    ticket = service.get_visible(principal, ticket_id)
    return {"items": history.events(ticket, principal)}


@blp.route("/<id:ticket_id>/csat", methods=["POST"])
@blp.arguments(CsatIn)
@blp.response(201, CsatOut)
@blp.doc(security=BEARER)
def rate_ticket(body, ticket_id):
    """The requester rates a resolved or closed ticket, once (1-5 and a comment)."""
    csat = service.rate(caller(), ticket_id, body["rating"], body["comment"])
    return csat
