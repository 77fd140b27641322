"""chat_api over a real server: WebSocket fan-out through PostgreSQL NOTIFY, access checks
asked of tickets_api over HTTP, internal notes kept from requesters. Real commits here, put
back after each test (``committed``)."""

import json
import time

import pytest
import requests
import websocket

from common.db import db
from tests.support import TICKET, deliver, log_in, next_frame

pytestmark = pytest.mark.usefixtures("committed")


def _socket(live, ticket_id, token, via_query=False):
    url = live.replace("http", "ws") + f"/ws/chat/tickets/{ticket_id}"
    if via_query:
        ws = websocket.create_connection(f"{url}?access_token={token}", timeout=5)
    else:
        ws = websocket.create_connection(url, header=[f"Authorization: Bearer {token}"], timeout=5)
    assert json.loads(ws.recv()) == {"type": "ready", "ticket_id": ticket_id}
    return ws


def test_messages_reach_every_subscriber(live, tokens, ticket):
    employee = _socket(live, ticket["id"], tokens["employee"])
    coordinator = _socket(live, ticket["id"], tokens["coordinator"], via_query=True)
    try:
        employee.send(json.dumps({"type": "message", "body": "Still broken"}))
        for ws in (coordinator, employee):
            frame = next_frame(ws)
            assert frame["type"] == "message"
            assert frame["message"]["body"] == "Still broken"
            assert frame["message"]["author"]["name"] == "Emma Employee"

        posted = requests.post(
            f"{live}/api/chat/tickets/{ticket['id']}/messages",
            json={"body": "On my way"},
            headers={"Authorization": f"Bearer {tokens['coordinator']}"},
        )
        assert posted.status_code == 201
        assert next_frame(employee)["message"]["id"] == posted.json()["id"]
        assert next_frame(coordinator)["message"]["body"] == "On my way"
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
        assert next_frame(coordinator)["message"]["internal"] is True
        employee.send(json.dumps({"type": "ping"}))
        # The pong arrives and nothing before it: the note was not delivered.
        assert next_frame(employee) == {"type": "pong"}
        employee.send(json.dumps({"type": "message", "body": "secret?", "internal": True}))
        error = next_frame(employee)
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
        assert next_frame(ws)["type"] == "error"
        ws.send(json.dumps({"type": "message", "body": " \n\t "}))
        blank = next_frame(ws)
        assert blank["title"] == "Invalid message" and blank["detail"].startswith("body:")
        ws.send(json.dumps({"type": "dance"}))
        assert next_frame(ws)["type"] == "error"
        ws.send(json.dumps({"type": "ping"}))
        assert next_frame(ws) == {"type": "pong"}
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
    admin = log_in(live, "admin")
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
    session = log_in(live, "employee")  # a second session of the requester, on its own
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
        assert next_frame(staying)["message"]["body"] == "Are you still there?"
    finally:
        leaving.close()
        staying.close()


def test_an_agent_transferred_away_loses_the_conversation_at_once(app, live, tokens, ticket):
    """Over REST and on an open socket, well within a second of tickets_api's change: not
    after the cache's 10 s or the socket's 30 s re-check."""
    from tickets_api import service as tickets

    ticket_id = ticket["id"]
    approved = requests.post(
        f"{live}/api/tickets/{ticket_id}/approve",
        json={"priority": "high"},
        headers={"Authorization": f"Bearer {tokens['coordinator']}"},
    )
    assert approved.status_code == 200, approved.text
    with app.app_context():
        deliver()  # the workflow assigns the demo agent; tickets_api records it
    url = f"{live}/api/chat/tickets/{ticket_id}/messages"
    agent = {"Authorization": f"Bearer {tokens['agent']}"}
    assert requests.get(url, headers=agent).status_code == 200  # and now cached
    leaving = _socket(live, ticket_id, tokens["agent"])
    staying = _socket(live, ticket_id, tokens["employee"])
    try:
        with app.app_context():
            # The task was transferred: tickets_api hears who has it now.
            tickets.record_assignment(
                {
                    "task_id": 1,
                    "ticket_id": ticket_id,
                    "ticket_number": None,
                    "ticket_subject": ticket["subject"],
                    "step": "Resolve",
                    "assignee_id": 999_999,
                    "assignee_name": "Someone Else",
                }
            )
            db.session.commit()
            started = time.monotonic()
            assert deliver() >= 1  # tickets.audience_changed reaches chat_api
        opcode, data = leaving.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(data[:2], "big") == 1008
        assert data[2:] == b"You no longer have access to this ticket"
        assert time.monotonic() - started < 1.0
        refused = requests.get(url, headers=agent)
        assert refused.status_code == 404, "a cached answer outlived the transfer"
        # The requester's socket stays and hears the next message.
        posted = requests.post(
            url,
            json={"body": "Still there?"},
            headers={"Authorization": f"Bearer {tokens['coordinator']}"},
        )
        assert posted.status_code == 201
        assert next_frame(staying)["message"]["body"] == "Still there?"
    finally:
        leaving.close()
        staying.close()
