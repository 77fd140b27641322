"""An admin may change only accounts that reach no further than their own admin rights."""

from auth_api import accounts, roles
from auth_api.seed import seed_systems_and_roles
from common.db import db
from tests.auth_api.helpers import bearer, mint, user_id


def _hdts_admin(app) -> str:
    with app.app_context():
        granted = seed_systems_and_roles()
        user, _ = accounts.ensure_user("helpdesk.admin@example.com", "Hal Helpdesk", "pw-123456789")
        roles.grant_role(user, granted[("hdts", "Admin")])
        db.session.commit()
    return mint(app, "helpdesk.admin@example.com")["access_token"]


def test_an_hdts_admin_cannot_take_over_the_superuser(app, client, seeded):
    token = _hdts_admin(app)
    with app.app_context():
        superuser = user_id("admin@example.com")
        employee = user_id("employee@example.com")
    steal = client.raw.patch(
        f"/api/auth/users/{superuser}",
        json={"email": "attacker@evil.example"},
        headers=bearer(token),
    )
    assert steal.status_code == 403
    assert (
        client.raw.post(
            f"/api/auth/users/{superuser}/deactivate", headers=bearer(token)
        ).status_code
        == 403
    )
    # Someone whose roles are all in hdts is this admin's to manage.
    renamed = client.raw.patch(
        f"/api/auth/users/{employee}", json={"name": "Emma E."}, headers=bearer(token)
    )
    assert renamed.status_code == 200


def test_a_tts_only_account_is_out_of_an_hdts_admins_reach(app, client, seeded):
    token = _hdts_admin(app)
    with app.app_context():
        agent = user_id("agent@example.com")
    response = client.raw.post(f"/api/auth/users/{agent}/deactivate", headers=bearer(token))
    assert response.status_code == 403
    assert "tts" in response.get_json()["detail"]
