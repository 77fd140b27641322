"""chat_api over a real server: WebSocket fan-out through PostgreSQL NOTIFY, access checks
asked of tickets_api over HTTP, internal notes kept from requesters. Real commits here; the
tables are emptied afterwards."""

import json
import threading

import pytest
import requests
import websocket
from sqlalchemy import text
from werkzeug.serving import make_server

from common.broker import get_broker
from common.db import db
from tests.conftest import seed_demo
from tests.support import DEMO_PASSWORD, TICKET


@pytest.fixture(scope="module")
def live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    original = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = original.replace(tickets_api_url=base)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield base
    finally:
        server.shutdown()
        app.config["TTS_CONFIG"] = original
        get_broker().flush_all()
        with app.app_context():
            for bind, metadata in db.metadatas.items():
                if bind not in db.engines or not metadata.sorted_tables:
                    continue
                tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
                with db.engines[bind].begin() as connection:
                    connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        seed_demo(app)  # the session's shared demo data, as the other tests expect it


def _token(base, who):
    response = requests.post(
        f"{base}/api/auth/login", json={"email": f"{who}@example.com", "password": DEMO_PASSWORD}
    )
    return response.json()["access_token"]


@pytest.fixture(scope="module")
def tokens(live):
    return {who: _token(live, who) for who in ("employee", "coordinator", "agent")}


@pytest.fixture(scope="module")
def ticket(live, tokens):
    response = requests.post(
        f"{live}/api/tickets",
        json=TICKET,
        headers={"Authorization": f"Bearer {tokens['employee']}"},
    )
    assert response.status_code == 201
    return response.json()


def _socket(live, ticket_id, token, via_query=False):
    url = live.replace("http", "ws") + f"/ws/chat/tickets/{ticket_id}"
    if via_query:
        ws = websocket.create_connection(f"{url}?access_token={token}", timeout=5)
    else:
        ws = websocket.create_connection(url, header=[f"Authorization: Bearer {token}"], timeout=5)
    assert json.loads(ws.recv()) == {"type": "ready", "ticket_id": ticket_id}
    return ws


def _next(ws):
    return json.loads(ws.recv())


def test_messages_reach_every_subscriber(live, tokens, ticket):
    employee = _socket(live, ticket["id"], tokens["employee"])
    coordinator = _socket(live, ticket["id"], tokens["coordinator"], via_query=True)
    try:
        employee.send(json.dumps({"type": "message", "body": "Still broken"}))
        for ws in (coordinator, employee):
            frame = _next(ws)
            assert frame["type"] == "message"
            assert frame["message"]["body"] == "Still broken"
            assert frame["message"]["author"]["name"] == "Emma Employee"

        posted = requests.post(
            f"{live}/api/chat/tickets/{ticket['id']}/messages",
            json={"body": "On my way"},
            headers={"Authorization": f"Bearer {tokens['coordinator']}"},
        )
        assert posted.status_code == 201
        assert _next(employee)["message"]["id"] == posted.json()["id"]
        assert _next(coordinator)["message"]["body"] == "On my way"
    finally:
        employee.close()
        coordinator.close()


def test_internal_notes_never_reach_the_requester(live, tokens, ticket):
    employee = _socket(live, ticket["id"], tokens["employee"])
    coordinator = _socket(live, ticket["id"], tokens["coordinator"])
    try:
        coordinator.send(
            json.dumps({"type": "message", "body": "check warranty", "internal": True})
        )
        assert _next(coordinator)["message"]["internal"] is True
        employee.send(json.dumps({"type": "ping"}))
        # The pong arrives and nothing before it: the note was not delivered.
        assert _next(employee) == {"type": "pong"}
        employee.send(json.dumps({"type": "message", "body": "secret?", "internal": True}))
        error = _next(employee)
        assert error["type"] == "error" and error["title"] == "Forbidden"
        listed = requests.get(
            f"{live}/api/chat/tickets/{ticket['id']}/messages",
            headers={"Authorization": f"Bearer {tokens['employee']}"},
        ).json()["items"]
        assert all(not m["internal"] for m in listed)
        staff = requests.get(
            f"{live}/api/chat/tickets/{ticket['id']}/messages",
            headers={"Authorization": f"Bearer {tokens['coordinator']}"},
        ).json()["items"]
        assert any(m["internal"] for m in staff)
    finally:
        employee.close()
        coordinator.close()


def test_bad_frames_get_error_frames_and_the_socket_stays(live, tokens, ticket):
    ws = _socket(live, ticket["id"], tokens["employee"])
    try:
        ws.send("not json")
        assert _next(ws)["type"] == "error"
        ws.send(json.dumps({"type": "message", "body": " \n\t "}))
        blank = _next(ws)
        assert blank["title"] == "Invalid message" and blank["detail"].startswith("body:")
        ws.send(json.dumps({"type": "dance"}))
        assert _next(ws)["type"] == "error"
        ws.send(json.dumps({"type": "ping"}))
        assert _next(ws) == {"type": "pong"}
    finally:
        ws.close()


def test_a_whitespace_only_body_is_refused_over_rest_as_over_the_socket(live, tokens, ticket):
    posted = requests.post(
        f"{live}/api/chat/tickets/{ticket['id']}/messages",
        json={"body": " \n\t "},
        headers={"Authorization": f"Bearer {tokens['employee']}"},
    )
    assert posted.status_code == 422
    assert posted.json()["errors"] == {"body": ["May not be blank."]}


@pytest.mark.parametrize(
    "who,expected", [(None, 401), ("agent", 404), ("garbage", 401)], ids=["none", "outsider", "bad"]
)
def test_refused_before_the_upgrade(live, tokens, ticket, who, expected):
    url = live.replace("http", "ws") + f"/ws/chat/tickets/{ticket['id']}"
    header = []
    if who == "garbage":
        header = ["Authorization: Bearer not-a-token"]
    elif who:
        header = [f"Authorization: Bearer {tokens[who]}"]
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, header=header, timeout=5)
    assert refused.value.status_code == expected


def test_rest_access_follows_ticket_visibility(live, tokens, ticket):
    url = f"{live}/api/chat/tickets/{ticket['id']}/messages"
    outsider = requests.post(
        url, json={"body": "hi"}, headers={"Authorization": f"Bearer {tokens['agent']}"}
    )
    assert outsider.status_code == 404
    assert outsider.headers["Content-Type"] == "application/problem+json"
    missing = requests.get(
        f"{live}/api/chat/tickets/999999/messages",
        headers={"Authorization": f"Bearer {tokens['coordinator']}"},
    )
    assert missing.status_code == 404


def test_a_requester_who_is_staff_elsewhere_still_never_sees_internal_notes(live, tokens):
    admin = _token(live, "admin")
    filed = requests.post(
        f"{live}/api/tickets",
        json=TICKET,
        headers={"Authorization": f"Bearer {tokens['coordinator']}"},
    ).json()
    url = f"{live}/api/chat/tickets/{filed['id']}/messages"
    note = requests.post(
        url,
        json={"body": "check their history", "internal": True},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert note.status_code == 201
    seen = requests.get(url, headers={"Authorization": f"Bearer {tokens['coordinator']}"}).json()
    assert all(not m["internal"] for m in seen["items"])
    refused = requests.post(
        url,
        json={"body": "me too", "internal": True},
        headers={"Authorization": f"Bearer {tokens['coordinator']}"},
    )
    assert refused.status_code == 403


def test_a_logged_out_session_is_cut_off_before_the_next_message(app, live, tokens, ticket):
    from tests.conftest import deliver

    session = _token(live, "employee")  # a second session of the requester, on its own
    leaving = _socket(live, ticket["id"], session)
    staying = _socket(live, ticket["id"], tokens["employee"])
    try:
        logout = requests.post(
            f"{live}/api/auth/logout", headers={"Authorization": f"Bearer {session}"}
        )
        assert logout.status_code == 204
        with app.app_context():
            assert deliver() >= 1  # auth.sessions_revoked reaches chat (and the others)
        posted = requests.post(
            f"{live}/api/chat/tickets/{ticket['id']}/messages",
            json={"body": "Are you still there?"},
            headers={"Authorization": f"Bearer {tokens['coordinator']}"},
        )
        assert posted.status_code == 201
        # Not the message, well before the socket's 30 s re-check: a close, 1008.
        opcode, data = leaving.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(data[:2], "big") == 1008
        assert data[2:] == b"Token no longer valid"
        # The requester's other session still gets it.
        assert _next(staying)["message"]["body"] == "Are you still there?"
    finally:
        leaving.close()
        staying.close()
