"""notifier's event consumers: in-app notifications (queue ``notify``) and email
(queue ``email``, its own worker threads so a slow mail server never delays the rest)."""

from common.actors import event_actor, revocation_actor
from common.batching import TRICKLE_LINGER, Delivery
from common.config import Config
from notifier import email, inbox, service

_DRAFTS = {
    "notify.on_task_assigned": service.task_assigned_drafts,
    "notify.on_ticket_status_changed": service.ticket_status_drafts,
    "notify.on_ticket_queued": service.ticket_queued_drafts,
}


def _notices(deliveries: list[Delivery]) -> None:
    """The batch handler of all three: every delivery's notifications, in the order the
    deliveries came, added in one go (notifier/inbox)."""
    inbox.add([draft for d in deliveries for draft in _DRAFTS[d.actor](d.payload, d.event_id)])


def _notice_actor(name: str):
    """The notices of every ticket's trip. A notification is unique by its causing event
    (notifier/inbox.py), so these skip the event-id claim; a notice some milliseconds
    later goes unnoticed, so they linger for company, and the kinds share their batches."""
    return event_actor(
        "notify",
        "notify",
        name,
        batch=_notices,
        keyed_by_event=True,
        linger=TRICKLE_LINGER,
        batch_with="notices",
    )


@_notice_actor("notify.on_task_assigned")
def on_task_assigned(payload: dict, event_id) -> None:
    service.task_assigned(payload, event_id)


# Retries back off from 5 s to 10 min (TTS_EMAIL_*): a mail server that is down for a
# while is the common failure, and a message that fails its last retry lands in the
# queue's dead-letter queue (``email.XQ``) rather than being lost. Read when the actor
# is declared: Dramatiq fixes an actor's options then.
_RETRIES = Config.from_env()


@event_actor(
    "notify",
    "email",
    "notify.send_email",
    max_retries=_RETRIES.email_max_retries,
    min_backoff=_RETRIES.email_min_backoff_ms,
    max_backoff=_RETRIES.email_max_backoff_ms,
)
def send_email(payload: dict, event_id) -> None:
    email.send_requested(payload, event_id)


on_sessions_revoked = revocation_actor("notify", "notify")


@event_actor("notify", "notify", "notify.on_sla_warning")
def on_sla_warning(payload: dict, event_id) -> None:
    service.sla_event(payload, event_id, breached=False)


@event_actor("notify", "notify", "notify.on_sla_breached")
def on_sla_breached(payload: dict, event_id) -> None:
    service.sla_event(payload, event_id, breached=True)


@event_actor("notify", "notify", "notify.on_ticket_unrouted")
def on_ticket_unrouted(payload: dict, event_id) -> None:
    service.ticket_unrouted(payload, event_id)


@_notice_actor("notify.on_ticket_status_changed")
def on_ticket_status_changed(payload: dict, event_id) -> None:
    service.ticket_status_changed(payload, event_id)


@_notice_actor("notify.on_ticket_queued")
def on_ticket_queued(payload: dict, event_id) -> None:
    service.ticket_queued(payload, event_id)
