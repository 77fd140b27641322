"""Each seeded role × each auth endpoint → the expected status."""

import pytest
from sqlalchemy import select

from common.db import db
from common.models.auth import Role, System, UserRole
from tests.auth_api.helpers import bearer, mint, user_id

ROLES = ["anonymous", "employee", "coordinator", "agent", "admin"]


def _ids(app):
    with app.app_context():
        agent_role = db.session.scalar(
            select(Role.id).join(System).where(System.slug == "tts", Role.name == "Agent")
        )
        grant = db.session.scalar(
            select(UserRole.id).where(
                UserRole.role_id == agent_role, UserRole.user_id == user_id("agent@example.com")
            )
        )
        return {
            "employee": user_id("employee@example.com"),
            "agent_role": agent_role,
            "agent_grant": grant,
        }


# (method, path, body, {role: status}); roles not named get ``others``.
def _matrix(ids):
    admin_only = {"admin": None}
    return [
        ("GET", "/api/auth/me", None, {"*": 200}),
        ("PATCH", "/api/auth/me", {"name": "Renamed"}, {"*": 200}),
        ("GET", "/api/auth/mfa", None, {"*": 200}),
        ("POST", "/api/auth/mfa/enrol", None, {"*": 200, "employee": 403}),
        ("GET", "/api/auth/systems", None, {"*": 200}),
        ("POST", "/api/auth/systems", {"slug": "crm", "name": "CRM"}, {**admin_only, "admin": 201}),
        ("GET", "/api/auth/systems/tts/roles", None, {"admin": 200}),
        ("POST", "/api/auth/systems/tts/roles", {"name": "Auditor"}, {"admin": 201}),
        ("PATCH", f"/api/auth/roles/{ids['agent_role']}", {"description": "x"}, {"admin": 200}),
        ("GET", "/api/auth/systems/hdts/assignments", None, {"admin": 200}),
        (
            "POST",
            "/api/auth/systems/tts/assignments",
            {"user_id": ids["employee"], "role": "Agent", "settings": {"deployed": False}},
            {"admin": 201},
        ),
        (
            "PATCH",
            f"/api/auth/assignments/{ids['agent_grant']}",
            {"settings": {"deployed": False}},
            {"admin": 200},
        ),
        ("DELETE", f"/api/auth/assignments/{ids['agent_grant']}", None, {"admin": 200}),
        ("GET", "/api/auth/users", None, {"admin": 200}),
        ("POST", "/api/auth/users", {"email": "m@example.com", "name": "M"}, {"admin": 201}),
        ("GET", f"/api/auth/users/{ids['employee']}", None, {"admin": 200}),
        ("PATCH", f"/api/auth/users/{ids['employee']}", {"name": "E"}, {"admin": 200}),
        ("POST", f"/api/auth/users/{ids['employee']}/deactivate", None, {"admin": 200}),
        ("GET", "/api/auth/registrations", None, {"admin": 200}),
        ("POST", "/api/auth/logout", None, {"*": 204}),
        ("POST", "/api/auth/logout-all", None, {"*": 204}),
    ]


PUBLIC = [
    ("GET", "/api/auth/jwks.json", None, 200),
    ("POST", "/api/auth/password/forgot", {"email": "x@example.com"}, 202),
    ("POST", "/api/auth/refresh", {"refresh_token": "x"}, 401),
    ("POST", "/api/auth/password/reset", {"token": "x", "password": "long-enough-1"}, 400),
]


@pytest.mark.parametrize("index", range(21))
def test_matrix(app, client, seeded, index):
    method, path, body, expected = _matrix(_ids(app))[index]
    failures = []
    for role in ROLES:
        want = 401 if role == "anonymous" else expected.get(role, expected.get("*", 403))
        headers = {}
        if role != "anonymous":
            headers = bearer(mint(app, f"{role}@example.com")["access_token"])
        response = client.raw.open(path, method=method, json=body, headers=headers)
        if response.status_code != want:
            failures.append((role, response.status_code, want, response.get_json()))
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
    assert not failures, (method, path, failures)


@pytest.mark.parametrize("method,path,body,status", PUBLIC)
def test_public_endpoints(client, seeded, method, path, body, status):
    assert client.raw.open(path, method=method, json=body).status_code == status
