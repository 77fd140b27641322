"""chat_api's event consumers (queue ``chat``): revoked sessions, so a logged-out token
cannot keep a conversation open."""

from common.actors import revocation_actor

on_sessions_revoked = revocation_actor("chat", "chat")
