"""notifier's event consumers (queue ``notify``)."""

from common.actors import event_actor
from notifier import service


@event_actor("notify", "notify", "notify.on_task_assigned")
def on_task_assigned(payload: dict, event_id) -> None:
    service.task_assigned(payload, event_id)


@event_actor("notify", "notify", "notify.on_sla_warning")
def on_sla_warning(payload: dict, event_id) -> None:
    service.sla_event(payload, event_id, breached=False)


@event_actor("notify", "notify", "notify.on_sla_breached")
def on_sla_breached(payload: dict, event_id) -> None:
    service.sla_event(payload, event_id, breached=True)


@event_actor("notify", "notify", "notify.on_ticket_unrouted")
def on_ticket_unrouted(payload: dict, event_id) -> None:
    service.ticket_unrouted(payload, event_id)
