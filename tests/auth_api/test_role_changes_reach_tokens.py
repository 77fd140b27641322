"""A change of someone's roles retires their access tokens at once, in every service; their
session lives on, and the next refresh carries the new roles."""

from sqlalchemy import select

from common.db import db
from common.models.auth import Role, System, UserRole
from tests.auth_api.helpers import bearer, mint, user_id
from tests.support import deliver

SERVICES = ["/api/auth/me", "/api/tickets", "/api/workflow/tasks", "/api/notifications"]


def _agent_grant(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(UserRole.id)
            .join(Role)
            .join(System)
            .where(
                System.slug == "tts",
                Role.name == "Agent",
                UserRole.user_id == user_id("agent@example.com"),
            )
        )


def _refresh(client, refresh_token):
    response = client.raw.post("/api/auth/refresh", json={"refresh_token": refresh_token})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_revoked_role_stops_working_now_and_a_refresh_drops_it(app, client, seeded):
    admin = mint(app, "admin@example.com")["access_token"]
    agent = mint(app, "agent@example.com")
    bystander = mint(app, "employee@example.com")["access_token"]
    for path in SERVICES:
        assert client.raw.get(path, headers=bearer(agent["access_token"])).status_code == 200

    revoked = client.raw.patch(
        f"/api/auth/assignments/{_agent_grant(app)}",
        json={"is_active": False},
        headers=bearer(admin),
    )
    assert revoked.status_code == 200
    with app.app_context():
        deliver()  # auth.sessions_revoked reaches every service's copy
    for path in SERVICES:
        response = client.raw.get(path, headers=bearer(agent["access_token"]))
        assert response.status_code == 401, path
        assert response.get_json()["detail"] == "Token has been revoked"
        # Nobody else is touched, the admin who made the change included.
        assert client.raw.get(path, headers=bearer(bystander)).status_code == 200, path
        assert client.raw.get(path, headers=bearer(admin)).status_code == 200, path

    fresh = _refresh(client, agent["refresh_token"])  # the session itself lives on
    assert "tts" not in fresh["user"]["roles"]
    for path in SERVICES:
        assert client.raw.get(path, headers=bearer(fresh["access_token"])).status_code == 200


def test_a_new_role_reaches_the_next_refresh(app, client, seeded):
    admin = mint(app, "admin@example.com")["access_token"]
    employee = mint(app, "employee@example.com")
    granted = client.raw.post(
        "/api/auth/systems/tts/assignments",
        json={"user_id": user_id_of(app, "employee@example.com"), "role": "Agent"},
        headers=bearer(admin),
    )
    assert granted.status_code == 201
    with app.app_context():
        deliver()
    old = client.raw.get("/api/tickets", headers=bearer(employee["access_token"]))
    assert old.status_code == 401
    fresh = _refresh(client, employee["refresh_token"])
    assert fresh["user"]["roles"]["tts"] == ["Agent"]
    assert client.raw.get("/api/tickets", headers=bearer(fresh["access_token"])).status_code == 200


def user_id_of(app, email: str) -> int:
    with app.app_context():
        return user_id(email)


def _revoke_agent_role(app, client, admin):
    response = client.raw.patch(
        f"/api/auth/assignments/{_agent_grant(app)}",
        json={"is_active": False},
        headers=bearer(admin),
    )
    assert response.status_code == 200


def test_a_token_retired_by_a_role_change_can_still_log_out(app, client, seeded):
    admin = mint(app, "admin@example.com")["access_token"]
    agent = mint(app, "agent@example.com")
    _revoke_agent_role(app, client, admin)
    assert client.raw.get("/api/auth/me", headers=bearer(agent["access_token"])).status_code == 401
    out = client.raw.post("/api/auth/logout", headers=bearer(agent["access_token"]))
    assert out.status_code == 204
    # The session really ended: its refresh token is refused.
    response = client.raw.post("/api/auth/refresh", json={"refresh_token": agent["refresh_token"]})
    assert response.status_code == 401


def test_renaming_a_role_retires_its_holders_tokens(app, client, seeded):
    admin = mint(app, "admin@example.com")["access_token"]
    agent = mint(app, "agent@example.com")
    with app.app_context():
        role_id = db.session.scalar(
            select(Role.id).join(System).where(System.slug == "tts", Role.name == "Agent")
        )
    renamed = client.raw.patch(
        f"/api/auth/roles/{role_id}", json={"name": "Support Agent"}, headers=bearer(admin)
    )
    assert renamed.status_code == 200
    assert client.raw.get("/api/auth/me", headers=bearer(agent["access_token"])).status_code == 401
    fresh = _refresh(client, agent["refresh_token"])
    assert fresh["user"]["roles"]["tts"] == ["Support Agent"]
