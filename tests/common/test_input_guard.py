"""Hostile input is a 400 or 422 problem document, never a 500: the one gate in front of
every view (common/input_guard.py), shown on the endpoints the fuzzer broke."""

from __future__ import annotations

import json

import pytest

from tests.support import TICKET

DEEP = "[" * 1000 + "]" * 1000
HUGE_INT = '{"email": "a@example.com", "password": ' + "9" * 5000 + "}"
SURROGATE = '{"email": "employee@example.com", "password": "pass\\ud800word"}'
NUL = '{"email": "employee@example.com", "password": "pass\\u0000word"}'


@pytest.mark.parametrize(
    "body,status,detail",
    [
        (DEEP, 400, "nest"),
        ('{"a": ' * 900 + "1" + "}" * 900, 400, "nest"),
        (HUGE_INT, 400, "Malformed"),
        ("{not json", 400, "Malformed"),
        (SURROGATE, 422, "surrogate"),
        (NUL, 422, "NUL"),
    ],
    ids=["deep-list", "deep-object", "huge-int", "malformed", "surrogate", "nul"],
)
def test_login_refuses_hostile_json_with_a_problem(client, body, status, detail):
    response = client.raw.post(
        "/api/auth/login",
        data=body,
        content_type="application/json",
        headers={"X-Request-ID": "hostile-1"},
    )
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert detail in problem["detail"]
    assert problem["request_id"] == "hostile-1"


@pytest.mark.parametrize("field", ["subject", "description"])
def test_ticket_text_with_a_lone_surrogate_is_refused_and_nothing_is_stored(client, seeded, field):
    employee = client.as_user("employee@example.com")
    before = len(employee.get("/api/tickets?limit=100").get_json()["items"])
    # json.dumps escapes the lone surrogate as \udfff, as a hostile client would send it.
    body = json.dumps({**TICKET, field: "broken \udfff text"})
    response = employee.post("/api/tickets", data=body, content_type="application/json")
    assert response.status_code == 422
    assert len(employee.get("/api/tickets?limit=100").get_json()["items"]) == before


def test_profile_and_chat_refuse_surrogates_too(client, seeded):
    employee = client.as_user("employee@example.com")
    me = employee.patch(
        "/api/auth/me", data='{"name": "Emma \\ud83d"}', content_type="application/json"
    )
    assert me.status_code == 422
    ticket = employee.post("/api/tickets", json=TICKET).get_json()
    chat = employee.post(
        f"/api/chat/tickets/{ticket['id']}/messages",
        data='{"body": "\\ud800"}',
        content_type="application/json",
    )
    assert chat.status_code == 422


def test_a_query_value_with_nul_is_refused_with_its_request_id(client, seeded):
    employee = client.as_user("employee@example.com")
    response = employee.get("/api/tickets?q=a%00b", headers={"X-Request-ID": "nul-q"})
    assert response.status_code == 422
    assert response.get_json()["request_id"] == "nul-q"


def test_ordinary_unicode_passes(client, seeded):
    employee = client.as_user("employee@example.com")
    response = employee.post(
        "/api/tickets", json={**TICKET, "subject": "Écran noir 🖥️ après la mise à jour"}
    )
    assert response.status_code == 201
    assert response.get_json()["subject"] == "Écran noir 🖥️ après la mise à jour"


def test_a_flood_of_unknown_fields_gets_a_short_answer(client, seeded):
    employee = client.as_user("employee@example.com")
    body = {**TICKET, **{f"unknown{n}": n for n in range(20_000)}}
    response = employee.post("/api/tickets", json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert len(problem["errors"]) == 50 and problem["errors_omitted"] == 20_000 - 50
    assert len(response.data) < 10_000
