from common.blueprint import Blueprint
from common.security import caller, require_auth
from notifier import service
from notifier.schemas import (
    MarkedForTicketOut,
    MarkedOut,
    NotificationListArgs,
    NotificationOut,
    NotificationPage,
    ReadByTicketIn,
)

blp = Blueprint(
    "notifications", __name__, url_prefix="/api/notifications", description="In-app notifications"
)
require_auth(blp)


@blp.route("")
@blp.arguments(NotificationListArgs, location="query")
@blp.response(200, NotificationPage)
@blp.doc(security=[{"bearerAuth": []}])
def list_notifications(args):
    """The caller's own notifications, newest first."""
    principal = caller()
    items, next_cursor = service.list_for(
        principal.id, args["unread"], args["limit"], args.get("before")
    )
    return {
        "items": items,
        "next_cursor": next_cursor,
        "unread_count": service.unread_count(principal.id),
    }


@blp.route("/<id:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationOut)
@blp.doc(security=[{"bearerAuth": []}])
def mark_read(notification_id):
    """Mark one of the caller's notifications read."""
    notification = service.mark_read(caller().id, notification_id)
    return notification


@blp.route("/read-all", methods=["POST"])
@blp.response(200, MarkedOut)
@blp.doc(security=[{"bearerAuth": []}])
def mark_all_read():
    """Mark every unread notification of the caller read."""
    marked = service.mark_all_read(caller().id)
    return {"marked": marked}


@blp.route("/read", methods=["POST"])
@blp.arguments(ReadByTicketIn)
@blp.response(200, MarkedForTicketOut)
@blp.doc(security=[{"bearerAuth": []}])
def mark_ticket_read(body):
    """Mark the caller's unread notifications about one ticket read (the web UI does this
    when they open that ticket: they have seen what the notices were about)."""
    principal = caller()
    marked = service.mark_ticket_read(principal.id, body["ticket_id"])
    return {"marked": marked, "unread_count": service.unread_count(principal.id)}
