"""The live socket's protections, on a real server: the per-person cap, replay of what a
reconnecting client missed, hostile frames, and the refusals that come before the upgrade."""

from __future__ import annotations

import contextlib
import json
import time

import jwt
import pytest
import requests
import websocket
from sqlalchemy import text

from common.db import db
from tests.support import TICKET, deliver, next_frame

pytestmark = pytest.mark.usefixtures("committed")


def _url(base: str, ticket_id: int, token: str, **query) -> str:
    extra = "".join(f"&{key}={value}" for key, value in query.items())
    return base.replace("http", "ws") + f"/ws/chat/tickets/{ticket_id}?access_token={token}{extra}"


def _post(base: str, ticket_id: int, token: str, body: str) -> dict:
    response = requests.post(
        f"{base}/api/chat/tickets/{ticket_id}/messages",
        json={"body": body},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_reconnect_with_after_receives_exactly_what_it_missed(live, tokens, ticket):
    employee = tokens["employee"]
    seen = _post(live, ticket["id"], employee, "seen before the blip")
    missed = [_post(live, ticket["id"], employee, f"missed {n}")["id"] for n in range(3)]
    ws = websocket.create_connection(
        _url(live, ticket["id"], employee, after=seen["id"]), timeout=5
    )
    try:
        ready = next_frame(ws)
        assert ready == {"type": "ready", "ticket_id": ticket["id"], "missed": 3, "more": False}
        assert [next_frame(ws)["message"]["id"] for _ in missed] == missed
        live_one = _post(live, ticket["id"], employee, "after the reconnect")
        assert next_frame(ws)["message"]["id"] == live_one["id"]  # then live, nothing repeated
    finally:
        ws.close()


def test_internal_notes_are_not_replayed_to_the_requester(live, tokens, ticket):
    before = _post(live, ticket["id"], tokens["employee"], "before the note")
    note = requests.post(
        f"{live}/api/chat/tickets/{ticket['id']}/messages",
        json={"body": "staff only", "internal": True},
        headers={"Authorization": f"Bearer {tokens['coordinator']}"},
    )
    assert note.status_code == 201
    url = _url(live, ticket["id"], tokens["employee"], after=before["id"])
    ws = websocket.create_connection(url, timeout=5)
    try:
        assert next_frame(ws)["missed"] == 0
    finally:
        ws.close()


@pytest.mark.parametrize("after", ["abc", "-1", "1e3", "9" * 40])
def test_a_bad_after_is_refused_before_the_upgrade(live, tokens, ticket, after):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(_url(live, ticket["id"], tokens["employee"], after=after))
    assert refused.value.status_code == 422


def test_one_person_holds_at_most_the_cap_and_a_closed_socket_frees_its_slot(
    app,
    live,
    tokens,
    ticket,
):
    cap = app.config["TTS_CONFIG"].live_sockets_per_user
    url = _url(live, ticket["id"], tokens["coordinator"])
    held = [websocket.create_connection(url, timeout=5) for _ in range(cap)]
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(url, timeout=5)
        assert refused.value.status_code == 429
        problem = json.loads(refused.value.resp_body)
        assert problem["status"] == 429 and problem["limit"] == cap
        # Someone else is not affected by this person's sockets.
        other = websocket.create_connection(_url(live, ticket["id"], tokens["employee"]))
        other.close()
        held.pop().close()
        _wait_for_slots(app, _user_id(tokens["coordinator"]), cap - 1)
        held.append(websocket.create_connection(url, timeout=5))
    finally:
        for ws in held:
            ws.close()


def _user_id(token: str) -> int:
    return int(jwt.decode(token, options={"verify_signature": False})["sub"])


def _wait_for_slots(app, user_id: int, count: int) -> None:
    """The closed socket's slot is released as its handler ends, a moment after the close."""
    deadline = time.monotonic() + 5
    while True:
        with app.app_context(), db.engines["chat"].connect() as connection:
            held = connection.execute(
                text("SELECT count(*) FROM live_sockets WHERE user_id = :u"), {"u": user_id}
            ).scalar_one()
        if held == count or time.monotonic() > deadline:
            assert held == count
            return
        time.sleep(0.05)


def test_slots_of_a_dead_process_do_not_count(app, live, tokens, ticket):
    coordinator_id = _user_id(tokens["coordinator"])
    cap = app.config["TTS_CONFIG"].live_sockets_per_user
    with app.app_context(), db.engines["chat"].begin() as connection:
        for _ in range(cap):
            connection.execute(
                text(
                    "INSERT INTO live_sockets (user_id, process) VALUES (:u, 'tts-live:gone:1:x')"
                ),
                {"u": coordinator_id},
            )
    ws = websocket.create_connection(_url(live, ticket["id"], tokens["coordinator"]), timeout=5)
    ws.close()
    with app.app_context(), db.engines["chat"].connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM live_sockets WHERE process = 'tts-live:gone:1:x'")
        ).scalar_one()
    assert left == 0


@pytest.mark.parametrize(
    "frame,detail",
    [
        ('{"type": "message", "body": "nul \\u0000 here"}', "NUL"),
        ('{"type": "message", "body": "half \\ud800 pair"}', "surrogate"),
        ("[" * 5000 + "]" * 5000, "nest"),
        ('{"type": "message", "body": ' + "1" * 5000 + "}", "Malformed"),
        ('["type", "message"]', "JSON objects"),
    ],
    ids=["nul", "surrogate", "deep", "long-int", "not-an-object"],
)
def test_hostile_frames_get_an_error_frame_and_the_socket_stays(
    live,
    tokens,
    ticket,
    frame,
    detail,
):
    ws = websocket.create_connection(_url(live, ticket["id"], tokens["employee"]), timeout=5)
    try:
        next_frame(ws)
        ws.send(frame)
        error = next_frame(ws)
        assert error["type"] == "error" and detail in error["detail"]
        ws.send(json.dumps({"type": "ping"}))
        assert next_frame(ws) == {"type": "pong"}
    finally:
        ws.close()


def test_a_frame_over_64_kb_closes_the_socket(live, tokens, ticket):
    ws = websocket.create_connection(_url(live, ticket["id"], tokens["employee"]), timeout=5)
    try:
        next_frame(ws)
        ws.send(json.dumps({"type": "message", "body": "x" * 70_000}))
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(data[:2], "big") == 1009  # message too big
    finally:
        ws.close()


def test_a_ticket_that_is_over_takes_no_more_messages(live, tokens):
    employee = {"Authorization": f"Bearer {tokens['employee']}"}
    filed = requests.post(f"{live}/api/tickets", json=TICKET, headers=employee).json()
    withdrawn = requests.post(
        f"{live}/api/tickets/{filed['id']}/withdraw", json={"reason": "sorted"}, headers=employee
    )
    assert withdrawn.status_code == 200, withdrawn.text
    posted = requests.post(
        f"{live}/api/chat/tickets/{filed['id']}/messages", json={"body": "hello?"}, headers=employee
    )
    assert posted.status_code == 409
    assert posted.headers["Content-Type"] == "application/problem+json"
    ws = websocket.create_connection(_url(live, filed["id"], tokens["employee"]), timeout=5)
    try:
        next_frame(ws)  # the conversation stays readable
        ws.send(json.dumps({"type": "message", "body": "hello?"}))
        error = next_frame(ws)
        assert error["type"] == "error" and "withdrawn" in error["detail"]
    finally:
        ws.close()
    history = requests.get(f"{live}/api/chat/tickets/{filed['id']}/messages", headers=employee)
    assert history.status_code == 200 and history.json()["items"] == []


def test_a_chatty_socket_is_still_rechecked_and_a_revoked_one_closed(app, live, tokens, ticket):
    import common.live.endpoint as endpoint

    session = requests.post(
        f"{live}/api/auth/login",
        json={"email": "employee@example.com", "password": "demo-password-1"},
    ).json()["access_token"]
    original = endpoint.RECHECK_SECONDS
    endpoint.RECHECK_SECONDS = 0.5
    ws = websocket.create_connection(_url(live, ticket["id"], session), timeout=5)
    try:
        next_frame(ws)
        logout = requests.post(
            f"{live}/api/auth/logout", headers={"Authorization": f"Bearer {session}"}
        )
        assert logout.status_code == 204
        with app.app_context():
            deliver()
        deadline = time.monotonic() + 5
        while True:  # pings keep the socket busy: the re-check must still come
            # Closed already? Then its close frame is waiting to be read.
            with contextlib.suppress(BrokenPipeError, websocket.WebSocketConnectionClosedException):
                ws.send(json.dumps({"type": "ping"}))
            frame = ws.recv_frame()  # no automatic close reply: the server is gone already
            if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
                assert int.from_bytes(frame.data[:2], "big") == 1008
                break
            assert time.monotonic() < deadline, "a busy revoked socket stayed open"
            time.sleep(0.1)
    finally:
        endpoint.RECHECK_SECONDS = original
        ws.close()


def test_a_handshake_without_a_key_is_a_400_not_a_500(live, tokens, ticket):
    response = requests.get(
        _url(live, ticket["id"], tokens["employee"]).replace("ws", "http", 1),
        headers={"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"},
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"


def test_the_replay_stays_within_its_byte_budget(live, tokens):
    employee = {"Authorization": f"Bearer {tokens['employee']}"}
    filed = requests.post(f"{live}/api/tickets", json=TICKET, headers=employee).json()
    for n in range(40):  # ~54 kB each as JSON: "é" travels as \\u00e9
        _post(live, filed["id"], tokens["employee"], f"{n} " + "é" * 9000)
    ws = websocket.create_connection(_url(live, filed["id"], tokens["employee"], after=0))
    try:
        ready = next_frame(ws)
        assert 0 < ready["missed"] < 40 and ready["more"] is True
        replayed = [next_frame(ws)["message"]["body"].split()[0] for _ in range(ready["missed"])]
        assert replayed == [str(n) for n in range(ready["missed"])]  # the oldest first
    finally:
        ws.close()


def test_visibility_is_checked_with_the_token_that_authenticated(live, tokens, ticket):
    # Two tokens: a lower-case "bearer" header flask-jwt-extended ignores, and the query
    # token it uses. The agent may not see this ticket; the coordinator may.
    url = _url(live, ticket["id"], tokens["agent"])
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            url, header=[f"Authorization: bearer {tokens['coordinator']}"], timeout=5
        )
    assert refused.value.status_code == 404
