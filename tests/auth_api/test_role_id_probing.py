"""Roles and assignments by id: no answer tells a caller which ids exist beyond their reach."""

from sqlalchemy import select

from common.db import db
from common.models.auth import Role, System, UserRole
from tests.auth_api.helpers import bearer, claims, mint, signed

MISSING = 987654


def _role_and_grant(app, system: str, role: str) -> tuple[int, int]:
    with app.app_context():
        role_id = db.session.scalar(
            select(Role.id).join(System).where(System.slug == system, Role.name == role)
        )
        grant_id = db.session.scalar(select(UserRole.id).where(UserRole.role_id == role_id))
        return role_id, grant_id


def _statuses(client, token, role_id, grant_id):
    headers = bearer(token)
    return (
        client.raw.patch(f"/api/auth/roles/{role_id}", json={"description": "x"}, headers=headers),
        client.raw.patch(
            f"/api/auth/assignments/{grant_id}", json={"is_active": True}, headers=headers
        ),
    )


def test_someone_who_administers_nothing_is_refused_whatever_the_id(app, client, seeded):
    token = mint(app, "employee@example.com")["access_token"]
    role_id, grant_id = _role_and_grant(app, "tts", "Agent")
    for ids in ((role_id, grant_id), (MISSING, MISSING)):
        for response in _statuses(client, token, *ids):
            assert response.status_code == 403, response.get_json()


def test_another_systems_roles_look_like_missing_ones_to_a_system_admin(app, client, seeded):
    hdts_admin = signed(app, claims(roles={"hdts": ["Admin"]}))
    tts_role, tts_grant = _role_and_grant(app, "tts", "Agent")
    for ids in ((tts_role, tts_grant), (MISSING, MISSING)):
        answers = _statuses(client, hdts_admin, *ids)
        assert [r.status_code for r in answers] == [404, 404]
        assert answers[0].get_json()["detail"] == "No such role."
        assert answers[1].get_json()["detail"] == "No such role assignment."
    # Their own system's are theirs to change.
    hdts_role, hdts_grant = _role_and_grant(app, "hdts", "Employee")
    assert [r.status_code for r in _statuses(client, hdts_admin, hdts_role, hdts_grant)] == [
        200,
        200,
    ]
