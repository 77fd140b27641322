"""notifier's event consumers (queue ``notify``)."""

from common.actors import event_actor
from notifier import service


@event_actor("notify", "notify", "notify.on_task_assigned")
def on_task_assigned(payload: dict, event_id) -> None:
    service.task_assigned(payload, event_id)
