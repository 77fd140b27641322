from flask.views import MethodView

from chat_api import access, service
from chat_api.schemas import MessageIn, MessageListArgs, MessageOut, MessagePage
from common.blueprint import Blueprint
from common.security import caller, require_auth

blp = Blueprint("chat", __name__, url_prefix="/api/chat", description="Ticket conversations")
require_auth(blp)
BEARER = [{"bearerAuth": []}]


def _authorise(ticket_id: int):
    """The caller, whether they see internal notes, and the ticket (tickets_api decides
    visibility)."""
    principal = caller()
    ticket = access.fetch_ticket(access.raw_token(), ticket_id)
    return principal, access.sees_internal(principal, ticket), ticket


@blp.route("/tickets/<id:ticket_id>/messages")
class TicketMessages(MethodView):
    # One view for both methods: a single URL rule, so an out-of-range id is a plain 404.

    @blp.arguments(MessageIn)
    @blp.response(201, MessageOut)
    @blp.doc(security=BEARER)
    def post(self, body, ticket_id):
        principal, internal_ok, ticket = _authorise(ticket_id)
        access.check_open(ticket)
        message = service.post_message(
            principal, ticket_id, body["body"], body["internal"], internal_ok
        )
        return service.message_view(message)

    @blp.arguments(MessageListArgs, location="query")
    @blp.response(200, MessagePage)
    @blp.doc(security=BEARER)
    def get(self, args, ticket_id):
        _principal, internal_ok, _ticket = _authorise(ticket_id)
        items = service.list_messages(ticket_id, internal_ok, args.get("after"), args["limit"])
        return {"items": [service.message_view(m) for m in items]}
