"""Login hardening: lockout per pair, client and account, its release, and X-Real-IP."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from auth_api import throttle
from common.db import db, utcnow
from common.models.auth import LoginThrottle
from tests.auth_api.helpers import queued_emails
from tests.support import DEMO_PASSWORD

EMAIL = "agent@example.com"


def _login(client, password, email=EMAIL, ip=None, remote="127.0.0.1"):
    headers = {"X-Real-IP": ip} if ip else {}
    return client.raw.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        headers=headers,
        environ_base={"REMOTE_ADDR": remote},
    )


def _release(app):
    with app.app_context():
        db.session.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(1)))
        db.session.commit()


def test_lockout_after_failures_and_its_release(app, client, seeded):
    for _ in range(throttle.PAIR_LIMIT):
        assert _login(client, "wrong-password", ip="10.0.0.1").status_code == 401
    locked = _login(client, DEMO_PASSWORD, ip="10.0.0.1")  # even the right password
    assert locked.status_code == 429
    assert locked.mimetype == "application/problem+json"
    assert 1 <= int(locked.headers["Retry-After"]) <= 30
    # It says when, in words and as a number the sign-in form counts down from.
    wait = locked.get_json()["retry_after"]
    assert wait == int(locked.headers["Retry-After"])
    assert locked.get_json()["detail"] == (
        f"Too many failed sign-in attempts: try again in {wait} second{'s' if wait != 1 else ''}."
    )
    # The victim on their own device is not locked out by the attacker's guesses.
    assert _login(client, DEMO_PASSWORD, ip="10.0.0.2").status_code == 200
    _release(app)
    assert _login(client, DEMO_PASSWORD, ip="10.0.0.1").status_code == 200


def test_backoff_doubles(app, client, seeded):
    for round_ in range(2):
        for _ in range(throttle.PAIR_LIMIT):
            _login(client, "wrong-password", ip="10.0.1.1")
        response = _login(client, "wrong-password", ip="10.0.1.1")
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 30 * 2**round_ - 5
        _release(app)


def test_unknown_email_gets_the_same_answer_and_is_locked_the_same(client, seeded):
    answers = set()
    for email in ("nobody@example.com", EMAIL):
        for _ in range(throttle.PAIR_LIMIT):
            response = _login(client, "wrong-password", email=email, ip="10.0.2.1")
            answers.add((response.status_code, response.get_json()["detail"]))
    assert answers == {(401, "Invalid email or password")}


def test_a_client_spraying_many_accounts_is_locked(client, seeded):
    for n in range(throttle.IP_LIMIT):
        _login(client, "wrong-password", email=f"user{n}@example.com", ip="10.0.3.1")
    assert _login(client, DEMO_PASSWORD, ip="10.0.3.1").status_code == 429
    assert _login(client, DEMO_PASSWORD, ip="10.0.3.2").status_code == 200


def test_a_distributed_attack_locks_the_account_and_tells_the_owner(client, seeded):
    for n in range(throttle.ACCOUNT_LIMIT):
        _login(client, "wrong-password", ip=f"10.1.{n // 200}.{n % 200 + 1}")
    assert _login(client, DEMO_PASSWORD, ip="10.9.9.9").status_code == 429
    notices = [e for e in queued_emails() if e["template"] == "lockout"]
    assert [e["to"] for e in notices] == [EMAIL]


@pytest.mark.parametrize("remote,trusted", [("127.0.0.1", True), ("192.0.2.7", False)])
def test_x_real_ip_is_believed_only_from_the_trusted_proxy(client, seeded, remote, trusted):
    # A client that rotates X-Real-IP on every guess gains nothing unless it is the proxy.
    for n in range(throttle.PAIR_LIMIT):
        _login(client, "wrong-password", ip=f"10.2.0.{n + 1}", remote=remote)
    response = _login(client, DEMO_PASSWORD, ip="10.2.0.99", remote=remote)
    assert response.status_code == (200 if trusted else 429)
