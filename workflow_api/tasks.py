"""workflow_api's event consumers (queue ``workflow``)."""

from common.actors import event_actor
from workflow_api import replica, service


@event_actor("workflow", "workflow", "workflow.on_ticket_opened")
def on_ticket_opened(payload: dict, event_id) -> None:
    service.open_task_for_ticket(payload)


@event_actor("workflow", "workflow", "workflow.on_user_role_synced")
def on_user_role_synced(payload: dict, event_id) -> None:
    replica.apply_grant(payload)
