"""workflow_api's event consumers (queue ``workflow``)."""

from common.actors import event_actor, revocation_actor
from workflow_api import engine, intake, replica


# Tickets approved in a burst are opened together, in one transaction (workflow_api/intake);
# under a backlog, two such batches may run at once (least loaded stays exact: its load
# is read under locks held to the commit, workflow_api/assignment).
@event_actor(
    "workflow",
    "workflow",
    "workflow.on_ticket_opened",
    batch=intake.open_tasks,
    overlapping_batches=True,
)
def on_ticket_opened(payload: dict, event_id) -> None:
    intake.open_ticket(payload)


@event_actor("workflow", "workflow", "workflow.on_ticket_status_changed")
def on_ticket_status_changed(payload: dict, event_id) -> None:
    engine.on_ticket_status_changed(payload)


@event_actor("workflow", "workflow", "workflow.on_message_posted")
def on_message_posted(payload: dict, event_id) -> None:
    engine.record_first_response(payload)


@event_actor("workflow", "workflow", "workflow.on_user_role_synced")
def on_user_role_synced(payload: dict, event_id) -> None:
    replica.apply_grant(payload)


@event_actor("workflow", "workflow", "workflow.on_role_synced")
def on_role_synced(payload: dict, event_id) -> None:
    replica.apply_role(payload)


on_sessions_revoked = revocation_actor("workflow", "workflow")
