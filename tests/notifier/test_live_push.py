"""WS /ws/notifications: a committed notification reaches its owner's sockets, only theirs."""

import json
import uuid

import pytest
import websocket

from common.db import db
from notifier import service

pytestmark = pytest.mark.usefixtures("committed")


def _socket(base, token):
    ws = websocket.create_connection(
        base.replace("http", "ws") + f"/ws/notifications?access_token={token}", timeout=5
    )
    ready = json.loads(ws.recv())
    assert ready["type"] == "ready" and isinstance(ready["unread_count"], int)
    return ws


def test_new_notifications_are_pushed_to_their_owner_only(app, live, tokens):
    from sqlalchemy import select

    from common.models.auth import User

    agent_ws = _socket(live, tokens["agent"])
    employee_ws = _socket(live, tokens["employee"])
    try:
        with app.app_context():
            agent_id = db.session.scalar(select(User.id).where(User.email == "agent@example.com"))
            service.notify(agent_id, "system", "Hello agent", "", {}, uuid.uuid4())
            db.session.commit()
        frame = json.loads(agent_ws.recv())
        assert frame["type"] == "notification"
        assert frame["notification"]["subject"] == "Hello agent"
        employee_ws.send(json.dumps({"type": "ping"}))
        assert json.loads(employee_ws.recv()) == {"type": "pong"}  # nothing before the pong
    finally:
        agent_ws.close()
        employee_ws.close()


def test_no_token_no_socket(live):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(live.replace("http", "ws") + "/ws/notifications", timeout=5)
    assert refused.value.status_code == 401


def test_a_reconnect_with_after_receives_the_unread_it_missed(app, live, tokens):
    from sqlalchemy import select

    from common.models.auth import User

    with app.app_context():
        agent_id = db.session.scalar(select(User.id).where(User.email == "agent@example.com"))
        ids = []
        for subject in ("seen", "missed and read", "missed 1", "missed 2"):
            service.notify(agent_id, "system", subject, "", {}, uuid.uuid4())
            db.session.flush()
        rows = service.list_for(agent_id, unread_only=False, limit=4, before=None)[0]
        ids = {row.subject: row.id for row in rows}
        service.mark_read(agent_id, ids["missed and read"])
        db.session.commit()
    url = live.replace("http", "ws") + (
        f"/ws/notifications?access_token={tokens['agent']}&after={ids['seen']}"
    )
    ws = websocket.create_connection(url, timeout=5)
    try:
        ready = json.loads(ws.recv())
        assert ready["missed"] == 2 and ready["more"] is False
        assert ready["unread_count"] >= 3
        replayed = [json.loads(ws.recv())["notification"]["id"] for _ in range(2)]
        assert replayed == [ids["missed 1"], ids["missed 2"]]
        with app.app_context():
            service.notify(agent_id, "system", "live again", "", {}, uuid.uuid4())
            db.session.commit()
        assert json.loads(ws.recv())["notification"]["subject"] == "live again"
    finally:
        ws.close()
