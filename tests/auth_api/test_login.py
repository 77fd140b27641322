"""auth_api: the login contract, `me`, JWKS, and what verification rejects."""

from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token

from tests.support import DEMO_PASSWORD


def test_login_returns_the_contract_shape(app, client, seeded):
    response = client.raw.post(
        "/api/auth/login", json={"email": "Admin@Example.com ", "password": DEMO_PASSWORD}
    )
    # The email is an Email field: surrounding spaces are a validation error, not a login.
    assert response.status_code == 422
    body = client.login("ADMIN@example.com")
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    user = body["user"]
    assert user["email"] == "admin@example.com"
    assert user["roles"] == {
        "ams": ["Admin"],
        "bms": ["Admin"],
        "hdts": ["Admin"],
        "tts": ["Admin"],
    }


@pytest.mark.parametrize(
    "email,password",
    [("employee@example.com", "wrong-password"), ("nobody@example.com", DEMO_PASSWORD)],
)
def test_wrong_credentials_are_one_401_problem(client, seeded, email, password):
    response = client.raw.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["detail"] == "Invalid email or password"  # same answer for both cases
    assert body["status"] == 401


def test_me_and_jwks(client, seeded):
    agent = client.as_user("agent@example.com")
    me = agent.get("/api/auth/me").get_json()
    assert me["email"] == "agent@example.com"
    assert me["roles"] == {"tts": ["Agent"]}
    keys = client.raw.get("/api/auth/jwks.json").get_json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"
    header = pyjwt.get_unverified_header(agent.token)
    assert header["kid"] == keys[0]["kid"] and header["alg"] == "RS256"


def test_refresh_token_is_not_an_access_token(client, seeded):
    refresh = client.login("agent@example.com")["refresh_token"]
    response = client.raw.get("/api/auth/me", headers={"Authorization": f"Bearer {refresh}"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def _forged(app, **overrides):
    with app.app_context():
        claims = {"email": "x@example.com", "name": "X", "roles": {"tts": ["Admin"]}}
        return create_access_token("1", additional_claims=claims, **overrides)


@pytest.mark.parametrize(
    "make_token",
    [
        lambda app: _forged(app, expires_delta=timedelta(seconds=-5)),
        lambda app: pyjwt.encode(
            {"sub": "1", "type": "access", "iss": "tts-auth", "aud": "tts"}, None, "none"
        ),
        lambda app: pyjwt.encode(
            {"sub": "1", "type": "access", "iss": "tts-auth", "aud": "other"},
            app.config["JWT_PRIVATE_KEY"],
            "RS256",
        ),
        lambda app: pyjwt.encode(
            {"sub": "1", "type": "access", "iss": "evil", "aud": "tts"},
            app.config["JWT_PRIVATE_KEY"],
            "RS256",
        ),
        lambda app: pyjwt.encode(
            {"sub": "1", "type": "access", "iss": "tts-auth", "aud": "tts"},
            "a-shared-secret-anyone-could-know",
            "HS256",
        ),
        lambda app: "not.a.token",
    ],
    ids=["expired", "alg-none", "wrong-aud", "wrong-iss", "hs256", "garbage"],
)
@pytest.mark.parametrize(
    "path", ["/api/auth/me", "/api/tickets", "/api/workflow/tasks", "/api/notifications"]
)
def test_every_service_rejects_bad_tokens(client, app, make_token, path):
    token = make_token(app)
    response = client.raw.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_seed_is_idempotent(app, seeded):
    from sqlalchemy import func, select

    from auth_api.seed import seed_demo
    from common.db import db
    from common.models.auth import Role, User, UserRole

    with app.app_context():
        before = [
            db.session.scalar(select(func.count()).select_from(m)) for m in (User, Role, UserRole)
        ]
        seed_demo()
        after = [
            db.session.scalar(select(func.count()).select_from(m)) for m in (User, Role, UserRole)
        ]
    assert before == after == [4, 10, 7]
