"""The mail server away: an email is retried with backoff and sent once when it returns,
or, after its last retry, is on record as failed and waits in the dead-letter queue."""

from __future__ import annotations

import subprocess
import time

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.faults.helpers import EDGE, RABBITMQCTL, SMTP_PORT, VHOST, query
from tests.support import Inbox

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def _ask_for_a_reset(email: str) -> None:
    response = requests.post(f"{EDGE}/api/auth/password/forgot", json={"email": email}, timeout=10)
    assert response.status_code == 202, response.text


def _email_row(recipient: str):
    rows = query(
        "notify",
        'SELECT status, attempts, last_error FROM email_log WHERE "to" = :to ORDER BY id',
        to=recipient,
    )
    return rows[-1] if rows else None


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.2)
    return result


def test_an_email_waits_out_the_outage_and_is_sent_once(stack):
    _ask_for_a_reset("agent@example.com")
    failed = _wait(
        lambda: (row := _email_row("agent@example.com")) and row[0] == "failed" and row,
        20,
        "a first attempt against the missing mail server",
    )
    assert failed[2]  # the error is recorded
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    server.start()
    try:
        _wait(lambda: inbox.messages, 20, "the retry once the mail server is back")
        time.sleep(2)  # any second delivery would come now
        assert len(inbox.messages) == 1
        assert inbox.messages[0].rcpt_tos == ["agent@example.com"]
        status, attempts, _ = _email_row("agent@example.com")
        assert status == "sent" and attempts >= 2
    finally:
        server.stop()


def test_after_the_last_retry_the_email_is_on_record_and_in_the_dead_letters(stack):
    _ask_for_a_reset("coordinator@example.com")
    _wait(
        lambda: (row := _email_row("coordinator@example.com")) and row[1] == 4,
        30,
        "the first try and all 3 retries",
    )
    status, attempts, error = _email_row("coordinator@example.com")
    assert (status, attempts) == ("failed", 4) and error
    dead = _wait(lambda: _dead_letters("email.XQ"), 20, "the message in the dead letters")
    assert dead >= 1


def _dead_letters(queue: str) -> int:
    listed = subprocess.run(
        [RABBITMQCTL, "-q", "list_queues", "-p", VHOST, "name", "messages"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    for line in listed.splitlines():
        name, _, count = line.partition("\t")
        if name == queue:
            return int(count)
    return 0
