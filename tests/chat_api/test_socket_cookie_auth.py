"""The web UI's sockets: the HttpOnly access cookie authenticates a WebSocket handshake,
but only from a page of this site (cross-site WebSocket hijacking is refused)."""

import json

import pytest
import websocket


def _open(base, path, token, origin=None, suppress_origin=False):
    host = base.removeprefix("http://")
    return websocket.create_connection(
        base.replace("http", "ws") + path,
        cookie=f"access_token_cookie={token}",
        origin=origin or f"http://{host}",
        suppress_origin=suppress_origin,
        timeout=5,
    )


def test_the_cookie_opens_the_notifications_socket_from_this_site(live, tokens):
    ws = _open(live, "/ws/notifications", tokens["agent"])
    try:
        ready = json.loads(ws.recv())
        assert ready["type"] == "ready" and isinstance(ready["unread_count"], int)
    finally:
        ws.close()


def test_the_cookie_opens_a_ticket_conversation_from_this_site(live, tokens, ticket):
    ws = _open(live, f"/ws/chat/tickets/{ticket['id']}", tokens["employee"])
    try:
        assert json.loads(ws.recv()) == {"type": "ready", "ticket_id": ticket["id"]}
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("origin", "suppress"), [("http://evil.example", False), (None, True)], ids=["foreign", "none"]
)
def test_a_cookie_from_another_origin_is_refused(live, tokens, origin, suppress):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        _open(live, "/ws/notifications", tokens["agent"], origin=origin, suppress_origin=suppress)
    assert refused.value.status_code == 403
    assert b"this site" in refused.value.resp_body


def test_a_bad_cookie_is_unauthorized(live):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        _open(live, "/ws/notifications", "not-a-token")
    assert refused.value.status_code == 401
