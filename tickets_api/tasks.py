"""tickets_api's event consumers (queue ``tickets``)."""

from common.actors import ONE_BY_ONE, event_actor, revocation_actor
from tickets_api import service


# One claim and one commit for all the assignments that meet in the worker.
@event_actor("tickets", "tickets", "tickets.on_task_assigned", batch=ONE_BY_ONE)
def on_task_assigned(payload: dict, event_id) -> None:
    service.record_assignment(payload)


@event_actor("tickets", "tickets", "tickets.on_task_completed")
def on_task_completed(payload: dict, event_id) -> None:
    service.record_completion(payload)


@event_actor("tickets", "tickets", "tickets.on_message_posted")
def on_message_posted(payload: dict, event_id) -> None:
    service.record_first_response(payload)


on_sessions_revoked = revocation_actor("tickets", "tickets")
