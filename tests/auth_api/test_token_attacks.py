"""Every service rejects each token attack with a 401 problem; refresh rotation; logout."""

from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest

from tests.auth_api.helpers import bearer, claims, mint, signed
from tests.support import deliver

SERVICES = ["/api/auth/me", "/api/tickets", "/api/workflow/tasks", "/api/notifications"]


def _public_pem(app) -> bytes:
    return app.config["JWT_PUBLIC_KEY"]


def _hs256_with_public_key(app):
    # The classic key-confusion attack: HMAC "signed" with the RSA public key. PyJWT
    # refuses to do it with a PEM, so sign by hand the way an attacker would.
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    kid = app.extensions["tts_keyset"]["keys"].current_kid
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = claims()
    payload.update({k: int(v.timestamp()) for k, v in payload.items() if isinstance(v, datetime)})
    body = b64(json.dumps(payload).encode())
    signature = hmac.new(_public_pem(app), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64(signature)}"


ATTACKS = {
    "refresh-as-access": lambda app, pair: pair["refresh_token"],
    "wrong-iss": lambda app, pair: signed(app, claims(iss="evil")),
    "wrong-aud": lambda app, pair: signed(app, claims(aud="other")),
    "alg-none": lambda app, pair: pyjwt.encode(claims(), None, "none"),
    "hs256-with-public-key": lambda app, pair: _hs256_with_public_key(app),
    "expired": lambda app, pair: signed(app, claims(exp=datetime.now(UTC) - timedelta(seconds=5))),
    "unknown-kid": lambda app, pair: signed(app, claims(), kid="not-a-key"),
    "no-kid": lambda app, pair: pyjwt.encode(claims(), app.config["JWT_PRIVATE_KEY"], "RS256"),
    "tampered-roles": lambda app, pair: _tamper(pair["access_token"]),
}


def _tamper(token: str) -> str:
    import base64
    import json

    header, body, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["roles"] = {"tts": ["Admin"], "hdts": ["Admin"]}
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_every_service_rejects_the_attack(app, client, seeded, attack):
    pair = mint(app, "employee@example.com")
    token = ATTACKS[attack](app, pair)
    for path in SERVICES:
        response = client.raw.get(path, headers=bearer(token))
        assert response.status_code == 401, (attack, path, response.get_json())
        # Refused for the attack itself, not because user 1's roles changed at seeding.
        assert response.get_json()["detail"] != "Token has been revoked", (attack, path)
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 401


def test_a_valid_token_passes_everywhere(app, client, seeded):
    token = mint(app, "employee@example.com")["access_token"]
    for path in SERVICES:
        assert client.raw.get(path, headers=bearer(token)).status_code == 200, path


def test_logout_revokes_the_access_token_in_every_service(app, client, seeded):
    pair = mint(app, "employee@example.com")
    other = mint(app, "employee@example.com")  # another device keeps working
    assert client.raw.post("/api/auth/logout", headers=bearer(pair["access_token"])).status_code
    # auth knows at once; the others once the event is delivered.
    assert client.raw.get("/api/auth/me", headers=bearer(pair["access_token"])).status_code == 401
    deliver()
    for path in SERVICES:
        response = client.raw.get(path, headers=bearer(pair["access_token"]))
        assert response.status_code == 401, path
        assert response.get_json()["detail"] == "Token has been revoked"
        assert client.raw.get(path, headers=bearer(other["access_token"])).status_code == 200
    refreshed = client.raw.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(app, client, seeded):
    first = mint(app, "agent@example.com")
    response = client.raw.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.raw.get("/api/auth/me", headers=bearer(second["access_token"])).status_code == 200
    # The spent token comes back (stolen): the whole family dies, the thief's and ours.
    reuse = client.raw.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert reuse.mimetype == "application/problem+json"
    latest = client.raw.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert latest.status_code == 401
    deliver()
    for path in SERVICES:
        assert client.raw.get(path, headers=bearer(second["access_token"])).status_code == 401


def test_an_access_token_is_not_a_refresh_token(app, client, seeded):
    pair = mint(app, "agent@example.com")
    response = client.raw.post("/api/auth/refresh", json={"refresh_token": pair["access_token"]})
    assert response.status_code == 401


def test_deactivation_ends_every_session_everywhere(app, client, seeded):
    employee = mint(app, "employee@example.com")
    admin = mint(app, "admin@example.com")
    user_id = employee["user"]["id"]
    response = client.raw.post(
        f"/api/auth/users/{user_id}/deactivate", headers=bearer(admin["access_token"])
    )
    assert response.status_code == 200 and response.get_json()["is_active"] is False
    deliver()
    for path in SERVICES:
        assert client.raw.get(path, headers=bearer(employee["access_token"])).status_code == 401
    refreshed = client.raw.post(
        "/api/auth/refresh", json={"refresh_token": employee["refresh_token"]}
    )
    assert refreshed.status_code == 401
    login = client.raw.post(
        "/api/auth/login", json={"email": "employee@example.com", "password": "demo-password-1"}
    )
    assert login.status_code == 401
    assert login.get_json()["detail"] == "Invalid email or password"
