"""chat_api's event consumers (queue ``chat``): revoked sessions, so a logged-out token
cannot keep a conversation open, and tickets whose audience lost someone, so a person
transferred away cannot either."""

from chat_api import service
from common.actors import event_actor, revocation_actor

on_sessions_revoked = revocation_actor("chat", "chat")


@event_actor("chat", "chat", "chat.on_audience_changed")
def on_audience_changed(payload: dict, event_id) -> None:
    service.record_audience_change(payload)
