"""Invitations, password reset (single use, expiring), registration, password change."""

from datetime import timedelta

import requests
from sqlalchemy import func, select, update

from common.config import Config
from common.db import db, utcnow
from common.models.auth import OneTimeToken
from common.sealing import unseal
from tests.auth_api.helpers import bearer, mint, queued_emails, user_id
from tests.support import DEMO_PASSWORD


def _link_token(email: dict, config: Config) -> str:
    link = unseal(email["sealed"]["link"], config)
    return link.split("token=", 1)[1]


def _last_email(template: str) -> dict:
    return [e for e in queued_emails() if e["template"] == template][-1]


def test_invitation_link_works_once(app, client, seeded, config):
    admin = mint(app, "admin@example.com")["access_token"]
    response = client.raw.post(
        "/api/auth/users",
        json={
            "email": "New.Agent@example.com",
            "name": "New Agent",
            "roles": [{"system": "tts", "role": "Agent"}],
        },
        headers=bearer(admin),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["invitation_pending"] is True and body["roles"] == {"tts": ["Agent"]}
    assert "password" not in response.get_data(as_text=True).lower().replace("invitation", "")
    email = _last_email("invitation")
    assert email["to"] == "new.agent@example.com"
    assert "token=" not in str(email["context"])  # the link travels sealed only
    token = _link_token(email, config)
    accept = {"token": token, "password": "a-brand-new-password"}
    assert client.raw.post("/api/auth/invitations/accept", json=accept).status_code == 204
    again = client.raw.post("/api/auth/invitations/accept", json=accept)
    assert again.status_code == 400 and again.mimetype == "application/problem+json"
    client.login("new.agent@example.com", "a-brand-new-password")


def test_reset_is_single_use_and_expires(app, client, seeded, config):
    for _ in range(2):
        response = client.raw.post("/api/auth/password/forgot", json={"email": "agent@example.com"})
        assert response.status_code == 202
    first, second = [e for e in queued_emails() if e["template"] == "password_reset"]
    stale, token = _link_token(first, config), _link_token(second, config)
    # Asking again voids the earlier link.
    assert (
        client.raw.post(
            "/api/auth/password/reset", json={"token": stale, "password": "another-password-1"}
        ).status_code
        == 400
    )
    session = mint(app, "agent@example.com")
    new = {"token": token, "password": "another-password-1"}
    assert client.raw.post("/api/auth/password/reset", json=new).status_code == 204
    assert client.raw.post("/api/auth/password/reset", json=new).status_code == 400
    # The reset ended the sessions that existed.
    assert (
        client.raw.get("/api/auth/me", headers=bearer(session["access_token"])).status_code == 401
    )
    client.login("agent@example.com", "another-password-1")
    # An expired link is refused.
    client.raw.post("/api/auth/password/forgot", json={"email": "agent@example.com"})
    expired = _link_token(_last_email("password_reset"), config)
    with app.app_context():
        db.session.execute(update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = client.raw.post(
        "/api/auth/password/reset", json={"token": expired, "password": "third-password-1"}
    )
    assert response.status_code == 400


def test_reset_emails_are_capped_per_account_and_the_answer_never_changes(
    app, client, seeded, config
):
    answers = [
        client.raw.post("/api/auth/password/forgot", json={"email": "agent@example.com"})
        for _ in range(10)
    ]
    assert [a.status_code for a in answers] == [202] * 10
    assert len({a.get_data() for a in answers}) == 1  # the cap shows in nothing
    resets = [e for e in queued_emails() if e["template"] == "password_reset"]
    assert len(resets) == config.resets_per_hour == 3
    # The requests over the cap voided nothing: the last link sent still works.
    token = _link_token(resets[-1], config)
    reset = client.raw.post(
        "/api/auth/password/reset", json={"token": token, "password": "capped-password-1"}
    )
    assert reset.status_code == 204, reset.get_json()
    # Another account has a cap of its own.
    client.raw.post("/api/auth/password/forgot", json={"email": "employee@example.com"})
    assert [e["to"] for e in queued_emails() if e["template"] == "password_reset"][-1] == (
        "employee@example.com"
    )
    # An hour on, the account may ask again.
    with app.app_context():
        db.session.execute(
            update(OneTimeToken).values(created_at=utcnow() - timedelta(hours=1, seconds=1))
        )
        db.session.commit()
    client.raw.post("/api/auth/password/forgot", json={"email": "agent@example.com"})
    assert len([e for e in queued_emails() if e["template"] == "password_reset"]) == 5


def test_ten_reset_requests_at_once_send_three_emails(app, live, committed):
    """As measured: ten anonymous requests for one address in one second."""
    from concurrent.futures import ThreadPoolExecutor

    def ask(_):
        return requests.post(
            f"{live}/api/auth/password/forgot", json={"email": "agent@example.com"}, timeout=10
        ).status_code

    with ThreadPoolExecutor(10) as pool:
        assert list(pool.map(ask, range(10))) == [202] * 10
    with app.app_context():
        issued = db.session.scalar(
            select(func.count()).select_from(OneTimeToken).where(OneTimeToken.purpose == "reset")
        )
    assert issued == 3
    assert len([e for e in queued_emails() if e["template"] == "password_reset"]) == 3


def test_forgot_password_answers_the_same_for_unknown_emails(client, seeded):
    response = client.raw.post("/api/auth/password/forgot", json={"email": "nobody@example.com"})
    assert response.status_code == 202
    assert queued_emails() == []


def test_registration_needs_approval(app, client, seeded):
    form = {
        "email": "new.employee@example.com",
        "name": "New Employee",
        "password": "long-password-1",
    }
    assert client.raw.post("/api/auth/register", json=form).status_code == 202
    pending = client.raw.post(
        "/api/auth/login", json={"email": form["email"], "password": form["password"]}
    )
    assert pending.status_code == 401
    admin = mint(app, "admin@example.com")["access_token"]
    listed = client.raw.get("/api/auth/registrations", headers=bearer(admin)).get_json()
    (registration,) = [r for r in listed if r["email"] == form["email"]]
    coordinator = mint(app, "coordinator@example.com")["access_token"]
    url = f"/api/auth/registrations/{registration['id']}/approve"
    assert client.raw.post(url, headers=bearer(coordinator)).status_code == 403
    approved = client.raw.post(url, headers=bearer(admin))
    assert approved.status_code == 200 and approved.get_json()["roles"] == {"hdts": ["Employee"]}
    assert client.login(form["email"], form["password"])["user"]["roles"] == {"hdts": ["Employee"]}
    # Registering a taken email says nothing different (the owner is told by mail).
    again = client.raw.post("/api/auth/register", json=form)
    assert again.status_code == 202
    assert _last_email("account_exists")["to"] == form["email"]


def test_registration_modes(app, client, seeded):
    form = {"email": "open@example.com", "name": "Open", "password": "long-password-1"}
    original = app.config["TTS_CONFIG"]
    try:
        app.config["TTS_CONFIG"] = original.replace(registration_mode="open")
        assert client.raw.post("/api/auth/register", json=form).status_code == 202
        client.login(form["email"], form["password"])
        app.config["TTS_CONFIG"] = original.replace(registration_mode="closed")
        closed = client.raw.post("/api/auth/register", json={**form, "email": "x@example.com"})
        assert closed.status_code == 403
    finally:
        app.config["TTS_CONFIG"] = original


def test_password_change_ends_other_sessions(app, client, seeded):
    other = mint(app, "employee@example.com")
    token = mint(app, "employee@example.com")["access_token"]
    wrong = client.raw.post(
        "/api/auth/me/password",
        json={"current_password": "nope", "new_password": "a-new-password-1"},
        headers=bearer(token),
    )
    assert wrong.status_code == 403
    short = client.raw.post(
        "/api/auth/me/password",
        json={"current_password": DEMO_PASSWORD, "new_password": "short"},
        headers=bearer(token),
    )
    assert short.status_code == 422 and "password" in short.get_json()["errors"]
    changed = client.raw.post(
        "/api/auth/me/password",
        json={"current_password": DEMO_PASSWORD, "new_password": "a-new-password-1"},
        headers=bearer(token),
    )
    assert changed.status_code == 200
    fresh = changed.get_json()["access_token"]
    assert client.raw.get("/api/auth/me", headers=bearer(fresh)).status_code == 200
    assert client.raw.get("/api/auth/me", headers=bearer(other["access_token"])).status_code == 401


def test_user_search_and_pagination(app, client, seeded):
    admin = mint(app, "admin@example.com")["access_token"]
    page = client.raw.get("/api/auth/users?per_page=3&page=1", headers=bearer(admin)).get_json()
    assert page["total"] == 4 and len(page["items"]) == 3
    page2 = client.raw.get("/api/auth/users?per_page=3&page=2", headers=bearer(admin)).get_json()
    assert len(page2["items"]) == 1
    found = client.raw.get("/api/auth/users?q=coord", headers=bearer(admin)).get_json()
    assert [u["email"] for u in found["items"]] == ["coordinator@example.com"]
    tts = client.raw.get("/api/auth/users?system=tts", headers=bearer(admin)).get_json()
    assert {u["email"] for u in tts["items"]} == {"agent@example.com", "admin@example.com"}


def test_web_login_uses_httponly_cookies_and_csrf(app, client, seeded):
    response = client.raw.post(
        "/api/auth/web/login", json={"email": "agent@example.com", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200
    assert "access_token" not in response.get_json()
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("access_token_cookie=") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("refresh_token_cookie=") and "Path=/api/auth/web" in c for c in cookies)
    csrf = client.raw.get_cookie("csrf_access_token").value
    assert client.raw.get("/api/auth/me").status_code == 200  # GET needs no CSRF header
    # A state-changing request without the CSRF header is refused.
    assert client.raw.patch("/api/auth/me", json={"name": "Ava"}).status_code == 401
    ok = client.raw.patch("/api/auth/me", json={"name": "Ava"}, headers={"X-CSRF-TOKEN": csrf})
    assert ok.status_code == 200
    refresh_csrf = client.raw.get_cookie("csrf_refresh_token").value
    assert client.raw.post("/api/auth/web/refresh").status_code == 401
    refreshed = client.raw.post("/api/auth/web/refresh", headers={"X-CSRF-TOKEN": refresh_csrf})
    assert refreshed.status_code == 200, refreshed.get_json()
    csrf = client.raw.get_cookie("csrf_access_token").value
    out = client.raw.post("/api/auth/web/logout", headers={"X-CSRF-TOKEN": csrf})
    assert out.status_code == 204
    assert client.raw.get("/api/auth/me").status_code == 401


def test_user_search_by_role_and_status(app, client, seeded):
    admin = mint(app, "admin@example.com")["access_token"]

    def emails(query: str) -> set[str]:
        response = client.raw.get(f"/api/auth/users?{query}", headers=bearer(admin))
        assert response.status_code == 200, response.get_json()
        return {u["email"] for u in response.get_json()["items"]}

    assert emails("system=tts&role=Agent") == {"agent@example.com"}
    assert emails("role=Ticket%20Coordinator") == {"coordinator@example.com"}
    invited = client.raw.post(
        "/api/auth/users", json={"email": "inv@example.com", "name": "Inv"}, headers=bearer(admin)
    )
    assert invited.status_code == 201
    assert emails("status=invited") == {"inv@example.com"}
    assert "inv@example.com" not in emails("status=active")
    assert "agent@example.com" in emails("status=active")
    client.raw.post(
        f"/api/auth/users/{user_id('employee@example.com')}/deactivate", headers=bearer(admin)
    )
    assert emails("status=deactivated") == {"employee@example.com"}
    bad = client.raw.get("/api/auth/users?status=sleeping", headers=bearer(admin))
    assert bad.status_code == 422 and "status" in str(bad.get_json()["errors"])


def test_pending_registrations_are_a_status(app, client, seeded):
    admin = mint(app, "admin@example.com")["access_token"]
    body = {"email": "self@example.com", "name": "Self", "password": "long-enough-pass-1"}
    assert client.raw.post("/api/auth/register", json=body).status_code == 202
    page = client.raw.get("/api/auth/users?status=pending", headers=bearer(admin)).get_json()
    assert [u["email"] for u in page["items"]] == ["self@example.com"]


def test_invitation_revoke_voids_the_link(app, client, seeded, config):
    admin = mint(app, "admin@example.com")["access_token"]
    created = client.raw.post(
        "/api/auth/users", json={"email": "gone@example.com", "name": "Gone"}, headers=bearer(admin)
    ).get_json()
    token = _link_token(_last_email("invitation"), config)
    revoked = client.raw.delete(
        f"/api/auth/users/{created['id']}/invitation", headers=bearer(admin)
    )
    assert revoked.status_code == 200 and revoked.get_json()["is_active"] is False
    accept = {"token": token, "password": "a-brand-new-password"}
    assert client.raw.post("/api/auth/invitations/accept", json=accept).status_code == 400
    # Resending a revoked invitation needs the account activated first.
    resend = client.raw.post(f"/api/auth/users/{created['id']}/invitation", headers=bearer(admin))
    assert resend.status_code == 409 and resend.mimetype == "application/problem+json"
    client.raw.post(f"/api/auth/users/{created['id']}/activate", headers=bearer(admin))
    resend = client.raw.post(f"/api/auth/users/{created['id']}/invitation", headers=bearer(admin))
    assert resend.status_code == 202
    # Once a password is set there is no invitation left to revoke.
    token = _link_token(_last_email("invitation"), config)
    assert (
        client.raw.post(
            "/api/auth/invitations/accept",
            json={"token": token, "password": "a-brand-new-password"},
        ).status_code
        == 204
    )
    again = client.raw.delete(f"/api/auth/users/{created['id']}/invitation", headers=bearer(admin))
    assert again.status_code == 409


def test_invitation_revoke_needs_an_admin(app, client, seeded):
    admin = mint(app, "admin@example.com")["access_token"]
    created = client.raw.post(
        "/api/auth/users", json={"email": "kept@example.com", "name": "Kept"}, headers=bearer(admin)
    ).get_json()
    for who in ("employee", "agent", "coordinator"):
        token = mint(app, f"{who}@example.com")["access_token"]
        response = client.raw.delete(
            f"/api/auth/users/{created['id']}/invitation", headers=bearer(token)
        )
        assert response.status_code == 403, who


def test_assignments_filter_by_user(app, client, seeded):
    admin = mint(app, "admin@example.com")["access_token"]
    agent = user_id("agent@example.com")
    grants = client.raw.get(
        f"/api/auth/systems/tts/assignments?user_id={agent}", headers=bearer(admin)
    ).get_json()
    assert grants and {g["user_id"] for g in grants} == {agent}
    assert {g["role"] for g in grants} == {"Agent"}
