"""tickets_api's event consumers (queue ``tickets``)."""

from common.actors import event_actor, revocation_actor
from common.batching import TRICKLE_LINGER
from tickets_api import service


# The assignments that meet in the worker: one claim, one read of their tickets, one
# commit. Nobody waits on it (the task is assigned already): it lingers for company.
@event_actor(
    "tickets",
    "tickets",
    "tickets.on_task_assigned",
    batch=service.record_assignments,
    linger=TRICKLE_LINGER,
)
def on_task_assigned(payload: dict, event_id) -> None:
    service.record_assignment(payload)


@event_actor("tickets", "tickets", "tickets.on_task_completed")
def on_task_completed(payload: dict, event_id) -> None:
    service.record_completion(payload)


@event_actor("tickets", "tickets", "tickets.on_message_posted")
def on_message_posted(payload: dict, event_id) -> None:
    service.record_first_response(payload)


on_sessions_revoked = revocation_actor("tickets", "tickets")
