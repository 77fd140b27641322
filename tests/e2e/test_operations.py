"""Operating the jobs on the stack, with the real RabbitMQ: dead letters on record, requeued
exactly once, discarded with a reason in the audit; a worker killed with -9 turns the
status red within the heartbeat window, and green again once it is back."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.e2e.stack_support import EDGE, NAME, ROOT, User, run, running_stack, stack_env
from tests.support import Inbox

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

TTS = str(ROOT / ".venv" / "bin" / "tts")
STACK = str(ROOT / "scripts" / "stack")
HEARTBEAT_SECONDS = 1.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def stack():
    """The stack with quick heartbeats, a mail server that is not there (yet), and emails
    that give up after one retry: a reset link soon lands in the dead letters."""
    env = stack_env(Path(tempfile.gettempdir()) / f"tts-{NAME}-ops-stack")
    env.update(
        TTS_SMTP_PORT=str(_free_port()),
        TTS_EMAIL_MAX_RETRIES="1",
        TTS_EMAIL_MIN_BACKOFF_MS="100",
        TTS_EMAIL_MAX_BACKOFF_MS="200",
        TTS_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
    )
    with running_stack(env) as running:
        yield running


def tts(env, *args: str, code: int = 0) -> str:
    result = subprocess.run(
        [TTS, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == code, f"tts {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.25)
    return result


def _ask_for_a_reset(email: str) -> None:
    response = requests.post(f"{EDGE}/api/auth/password/forgot", json={"email": email}, timeout=10)
    assert response.status_code == 202, response.text


def _dead_ids(env) -> list[str]:
    listed = tts(env, "jobs", "dead", "list", "email")
    return [line.split()[0] for line in listed.splitlines()[1:] if line.strip()]


def _status(env) -> dict:
    result = subprocess.run(
        [TTS, "jobs", "status", "--json"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    services = {s["service"]: s for s in json.loads(result.stdout)}
    return {"code": result.returncode, **services}


def test_a_dead_letter_is_on_record_and_requeued_exactly_once(stack):
    _ask_for_a_reset("agent@example.com")
    (message_id,) = _wait(lambda: _dead_ids(stack), 60, "the reset email in the dead letters")
    failures = tts(stack, "jobs", "failures", "--service", "notify")
    assert "notify.send_email" in failures and "1 dead" in failures
    shown = json.loads(tts(stack, "jobs", "dead", "show", "email", message_id))
    assert [a["dead_lettered"] for a in shown["attempts"]] == [False, True]
    assert "agent@example.com" not in json.dumps(shown)  # redacted, arguments included

    dry = tts(stack, "jobs", "dead", "requeue", "email", "--id", message_id)
    assert '"would_requeue": 1' in dry and "nothing changed" in dry
    assert _dead_ids(stack) == [message_id]

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=int(stack["TTS_SMTP_PORT"]))
    server.start()
    try:
        done = tts(stack, "jobs", "dead", "requeue", "email", "--id", message_id, "--yes")
        assert '"requeued": 1' in done
        _wait(lambda: inbox.messages, 30, "the requeued email delivered")
        time.sleep(3)  # a second delivery would come now
        assert [m.rcpt_tos for m in inbox.messages] == [["agent@example.com"]]
        assert _dead_ids(stack) == []
    finally:
        server.stop()
    admin = User("admin@example.com")
    audit = admin.get("/api/notifications/ops/audit").json()["items"]
    assert (audit[0]["action"], audit[0]["target"], audit[0]["count"]) == (
        "dead.requeue",
        "email.XQ",
        1,
    )
    assert audit[0]["actor"].startswith("cli:")


def test_a_discarded_dead_letter_leaves_its_reason_in_the_audit(stack):
    _ask_for_a_reset("coordinator@example.com")
    (message_id,) = _wait(lambda: _dead_ids(stack), 60, "a second dead letter")
    admin = User("admin@example.com")
    listed = admin.get("/api/notifications/ops/dead?queue=email").json()
    assert [item["message_id"] for item in listed["items"]] == [message_id]
    answer = admin.post(
        "/api/notifications/ops/dead/discard",
        {"queue": "email", "message_ids": [message_id], "reason": "an old reset", "dry_run": False},
    )
    assert answer.json() == {"dry_run": False, "discarded": 1}, answer.text
    assert _dead_ids(stack) == []
    audit = admin.get("/api/notifications/ops/audit").json()["items"][0]
    assert (audit["action"], audit["reason"], audit["actor"]) == (
        "dead.discard",
        "an old reset",
        "admin@example.com",
    )
    employee = User("employee@example.com")
    assert employee.get("/api/notifications/ops/audit").status_code == 403


def test_a_killed_worker_turns_the_status_red_and_green_again(stack):
    _wait(lambda: _status(stack)["code"] == 0, 30, "a green status to begin with")
    started = time.perf_counter()
    tts(stack, "jobs", "status")
    print(f"tts jobs status took {time.perf_counter() - started:.2f}s on the stack")

    # The pid file holds the pid and its start time (scripts/stacklib/procs.py).
    pid_file = Path(stack["TTS_STACK_RUN_DIR"]) / "worker-notify-1.pid"
    pid = int(pid_file.read_text().split()[0])
    os.killpg(pid, signal.SIGKILL)  # the worker and its processes, as a crash would
    # Three missed beats make a worker stale: any status taken after that must be red,
    # however long the command itself takes to start.
    time.sleep(3 * HEARTBEAT_SECONDS + 1)
    status = _status(stack)
    assert status["code"] == 1
    assert "no live worker for queue notify" in status["notify"]["problems"]
    assert status["tickets"]["verdict"] == "green"  # only what is broken is red
    stack_status = subprocess.run(
        [STACK, "status"], cwd=ROOT, env=stack, capture_output=True, text=True
    )
    assert stack_status.returncode == 1
    run([STACK, "restart", "worker-notify-1"], stack)
    _wait(lambda: _status(stack)["code"] == 0, 30, "green again after the restart")
