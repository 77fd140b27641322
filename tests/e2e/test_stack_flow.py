"""The core flow through the production-like stack: nginx, gunicorn, RabbitMQ, workers.

The module brings up ``scripts/stack`` on its own databases (``tts_e2e_*``, dropped first)
and its own RabbitMQ virtual host (recreated first), so nothing of a developer's data is
read, consumed or changed, and stops it afterwards whatever happened. A missing nginx or
server makes these tests fail, never skip: they are the proof that the edge works.
"""

from __future__ import annotations

import json
import time

import pytest
import requests
import websocket

from tests.e2e.stack_support import (
    AGENT,
    CHAT_PROCESSES,
    COORDINATOR,
    DEMO_PASSWORD,
    EDGE,
    EMPLOYEE,
    PREFIXES,
    ROOT,
    WS_EDGE,
    User,
    approve,
    assert_edge_refusals_are_problem_documents,
    create_ticket,
    open_socket,
    receive_message,
    run,
    wait_for,
    wait_until_assigned,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

# --- tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("endpoint", ("health", "ready", "openapi.json"))
def test_every_service_answers_through_nginx(stack, prefix, endpoint):
    response = requests.get(f"{EDGE}{prefix}/{endpoint}", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


def test_ticket_reaches_agent_and_conversation_is_live(users):
    employee, coordinator, agent = users[EMPLOYEE], users[COORDINATOR], users[AGENT]
    ticket = create_ticket(employee, "e2e: laptop will not boot")
    ticket_id = ticket["id"]
    approve(coordinator, ticket_id)

    wait_for(
        lambda: any(
            task["ticket_id"] == ticket_id
            for task in agent.get("/api/workflow/tasks?assignee=me").json()["items"]
        ),
        5,
        "the agent's task list shows the ticket",
    )
    wait_for(
        lambda: any(
            note["data"].get("ticket_id") == ticket_id
            for note in agent.get("/api/notifications").json()["items"]
        ),
        5,
        "the agent has an in-app notification about the ticket",
    )
    wait_until_assigned(agent, ticket_id)

    url = f"{WS_EDGE}/ws/chat/tickets/{ticket_id}"
    employee_ws = open_socket(url, employee.token)
    agent_ws = open_socket(url, agent.token, in_query=True)
    try:
        employee_ws.send(json.dumps({"type": "message", "body": "It still beeps twice."}))
        heard = receive_message(agent_ws, "It still beeps twice.")
        assert heard["message"]["ticket_id"] == ticket_id
        receive_message(employee_ws, "It still beeps twice.")  # the sender's own echo

        posted = agent.post(
            f"/api/chat/tickets/{ticket_id}/messages", {"body": "Hold the power button 30 s."}
        )
        assert posted.status_code == 201, posted.text
        receive_message(employee_ws, "Hold the power button 30 s.")
    finally:
        employee_ws.close()
        agent_ws.close()


def test_message_posted_on_one_chat_process_reaches_sockets_on_both(users):
    employee, coordinator, agent = users[EMPLOYEE], users[COORDINATOR], users[AGENT]
    ticket_id = create_ticket(employee, "e2e: cross-process chat")["id"]
    approve(coordinator, ticket_id)
    wait_until_assigned(agent, ticket_id)

    first, second = CHAT_PROCESSES
    employee_ws = open_socket(f"ws://{first}/ws/chat/tickets/{ticket_id}", employee.token)
    agent_ws = open_socket(f"ws://{second}/ws/chat/tickets/{ticket_id}", agent.token)
    try:
        path = f"/api/chat/tickets/{ticket_id}/messages"
        posted = employee.post(path, {"body": "posted on the first"}, base=f"http://{first}")
        assert posted.status_code == 201, posted.text
        receive_message(employee_ws, "posted on the first")
        receive_message(agent_ws, "posted on the first")

        posted = agent.post(path, {"body": "posted on the second"}, base=f"http://{second}")
        assert posted.status_code == 201, posted.text
        receive_message(agent_ws, "posted on the second")
        receive_message(employee_ws, "posted on the second")
    finally:
        employee_ws.close()
        agent_ws.close()


def test_an_agent_transferred_away_loses_the_conversation_on_every_process(stack, users):
    """REST and sockets on both chat processes refuse the agent within a second of the
    transfer reaching tickets_api (not after chat's 10 s cache or a socket's 30 s check)."""
    employee, coordinator = users[EMPLOYEE], users[COORDINATOR]
    run(
        [str(ROOT / ".venv/bin/tts"), "users", "create", "backup.agent@example.com"]
        + ["--name", "Ben Backup", "--password", DEMO_PASSWORD, "--role", "tts:Agent"],
        stack,
    )
    agents = {"Ava Agent": users[AGENT], "Ben Backup": User("backup.agent@example.com")}
    ticket_id = create_ticket(employee, "e2e: transferred away")["id"]
    approve(coordinator, ticket_id)
    holder_name = wait_for(
        lambda: (employee.get(f"/api/tickets/{ticket_id}").json().get("assignee") or {}).get(
            "name"
        ),
        15,
        "the ticket is assigned",
    )
    holder = agents[holder_name]
    other_name = next(name for name in agents if name != holder_name)
    task = next(
        t
        for t in holder.get("/api/workflow/tasks?assignee=me").json()["items"]
        if t["ticket_id"] == ticket_id
    )
    path = f"/api/chat/tickets/{ticket_id}/messages"
    sockets = [
        open_socket(f"ws://{process}/ws/chat/tickets/{ticket_id}", holder.token)
        for process in CHAT_PROCESSES
    ]
    try:
        for process in CHAT_PROCESSES:  # each process caches "may see" for the holder
            assert holder.get(path, base=f"http://{process}").status_code == 200
        other_id = wait_for(
            lambda: next(
                (
                    c["user_id"]
                    for c in coordinator.get(f"/api/workflow/tasks/{task['id']}/candidates")
                    .json()
                    .get("items", [])
                    if c["name"] == other_name
                ),
                None,
            ),
            15,
            "the other agent is a transfer candidate",
        )
        moved = coordinator.post(
            f"/api/workflow/tasks/{task['id']}/transfer", {"user_id": other_id, "notes": "cover"}
        )
        assert moved.status_code == 200, moved.text
        wait_until_assigned(agents[other_name], ticket_id)
        seen = time.monotonic()  # tickets_api shows the new assignee from here on
        for ws in sockets:
            ws.settimeout(5)
            opcode, data = ws.recv_data(control_frame=True)
            assert opcode == websocket.ABNF.OPCODE_CLOSE
            assert int.from_bytes(data[:2], "big") == 1008, data
        for process in CHAT_PROCESSES:
            assert holder.get(path, base=f"http://{process}").status_code == 404
        assert time.monotonic() - seen < 1.0
    finally:
        for ws in sockets:
            ws.close()


def test_websocket_refuses_before_upgrade(users):
    employee, agent = users[EMPLOYEE], users[AGENT]
    # Never approved, so never assigned: the agent may not see it.
    ticket_id = create_ticket(employee, "e2e: not the agent's")["id"]
    url = f"{WS_EDGE}/ws/chat/tickets/{ticket_id}"

    with pytest.raises(websocket.WebSocketBadStatusException) as anonymous:
        websocket.create_connection(url, timeout=10)
    assert anonymous.value.status_code == 401

    with pytest.raises(websocket.WebSocketBadStatusException) as stranger:
        websocket.create_connection(
            url, header=[f"Authorization: Bearer {agent.token}"], timeout=10
        )
    assert stranger.value.status_code == 404

    # The requester herself is let in, through the same path.
    open_socket(url, employee.token).close()


def test_a_download_through_the_edge_carries_each_security_header_once(users):
    employee = users[EMPLOYEE]
    ticket_id = create_ticket(employee, "e2e: one nosniff")["id"]
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
    created = employee.http.post(
        f"{EDGE}/api/tickets/{ticket_id}/attachments",
        files={"file": ("shot.html", png)},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    download = employee.http.get(
        f"{EDGE}/api/tickets/{ticket_id}/attachments/{created.json()['id']}", timeout=10
    )
    assert download.raw.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert "filename=shot.png" in download.headers["Content-Disposition"]


def test_the_stack_edge_refuses_as_problem_documents(stack):
    """The same answers as the production edge: problem documents, and Retry-After on 429."""
    too_large = requests.post(
        f"{EDGE}/api/tickets/1/attachments",
        data=b"0" * (26 * 1024 * 1024),
        headers={"Content-Type": "application/octet-stream"},
        timeout=30,
    )
    assert too_large.status_code == 413
    assert too_large.headers["Content-Type"] == "application/problem+json"
    assert too_large.json()["status"] == 413

    session = requests.Session()
    statuses = [session.get(f"{EDGE}/api/auth/health", timeout=10) for _ in range(400)]
    refused = [r for r in statuses if r.status_code == 429]
    assert refused, "no burst was refused"  # 50 r/s with a burst of 100
    assert refused[0].headers["Content-Type"] == "application/problem+json"
    assert refused[0].headers["Retry-After"] == "1"
    assert refused[0].json()["title"] == "Too Many Requests"
    assert "Retry-After" not in statuses[0].headers
    time.sleep(2.5)  # the bucket refills: sign-in is not refused by the edge below
    assert_edge_refusals_are_problem_documents(EDGE, requests.Session())
