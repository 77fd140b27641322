from flask_smorest import Blueprint

from chat_api import access, service
from chat_api.schemas import MessageIn, MessageListArgs, MessageOut, MessagePage
from common.db import db
from common.security import authenticate

blp = Blueprint("chat", __name__, url_prefix="/api/chat", description="Ticket conversations")
BEARER = [{"bearerAuth": []}]


def _authorise(ticket_id: int):
    principal = authenticate()
    access.fetch_ticket(access.raw_token(), ticket_id)
    return principal


@blp.route("/tickets/<int:ticket_id>/messages", methods=["POST"])
@blp.arguments(MessageIn)
@blp.response(201, MessageOut)
@blp.doc(security=BEARER)
def post_message(body, ticket_id):
    principal = _authorise(ticket_id)
    message = service.post_message(principal, ticket_id, body["body"], body["internal"])
    db.session.commit()
    return service.message_view(message)


@blp.route("/tickets/<int:ticket_id>/messages", methods=["GET"])
@blp.arguments(MessageListArgs, location="query")
@blp.response(200, MessagePage)
@blp.doc(security=BEARER)
def list_messages(args, ticket_id):
    principal = _authorise(ticket_id)
    items = service.list_messages(principal, ticket_id, args.get("after"), args["limit"])
    return {"items": [service.message_view(m) for m in items]}
