"""Verified tokens are remembered per process, but never past expiry or a key change."""

import importlib
import inspect
import time
from datetime import UTC, datetime, timedelta
from importlib.metadata import version

from flask_jwt_extended import JWTManager

from common.tokens import verifier
from common.tokens.keyring import KEYSET
from common.tokens.keys import load_keyset
from tests.auth_api.helpers import bearer, claims, mint, signed


def _count_verifications(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = JWTManager._decode_jwt_from_config

    def counting(self, encoded_token, *args, **kwargs):
        seen.append(encoded_token)
        return real(self, encoded_token, *args, **kwargs)

    monkeypatch.setattr(JWTManager, "_decode_jwt_from_config", counting)
    verifier.forget()
    return seen


def test_a_token_is_verified_once_then_remembered(app, client, seeded, monkeypatch):
    verifications = _count_verifications(monkeypatch)
    token = mint(app, "employee@example.com")["access_token"]
    for _ in range(3):
        assert client.raw.get("/api/tickets", headers=bearer(token)).status_code == 200
    assert verifications == [token]


def test_a_remembered_token_is_refused_once_it_expires(app, client, seeded, monkeypatch):
    verifications = _count_verifications(monkeypatch)
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    token = signed(app, claims(sub="1", exp=expires))
    assert client.raw.get("/api/tickets", headers=bearer(token)).status_code == 200
    time.sleep(max(0.0, expires.timestamp() - time.time()) + 0.05)
    response = client.raw.get("/api/tickets", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["detail"] == "Token has expired"
    assert verifications == [token, token]  # verified afresh, and refused there


def test_a_token_whose_key_is_no_longer_accepted_is_refused(app, client, seeded, monkeypatch):
    verifications = _count_verifications(monkeypatch)
    token = mint(app, "employee@example.com")["access_token"]
    assert client.raw.get("/api/tickets", headers=bearer(token)).status_code == 200
    state = app.extensions[KEYSET]
    saved = dict(state)
    try:
        # The verifier now accepts another key only (the token's key was retired).
        retired_kid = state["keys"].current_kid
        others = load_keyset(state["paths"])
        for field in ("public_pems", "public_keys"):
            object.__setattr__(others, field, {"someone-else": getattr(others, field)[retired_kid]})
        state.update(keys=others, loaded=time.monotonic())
        response = client.raw.get("/api/tickets", headers=bearer(token))
        assert response.status_code == 401
        assert response.get_json()["detail"] == "Invalid token: unknown key id"
    finally:
        state.clear()
        state.update(saved)
    assert len(verifications) == 2


def test_the_private_decode_seam_we_override_is_still_there():
    """CachingJWTManager overrides flask-jwt-extended's private ``_decode_jwt_from_config``
    (the library offers no public seam to remember verified tokens). setup.cfg pins the 4.7
    series; an upgrade that renames or reshapes the method fails here, not in production."""
    assert version("flask-jwt-extended").startswith("4.7.")
    parameters = inspect.signature(JWTManager._decode_jwt_from_config).parameters
    assert list(parameters) == ["self", "encoded_token", "csrf_value", "allow_expired"]
    # And the library still decodes through it: a request uses the override.
    assert "_decode_jwt_from_config" in inspect.getsource(
        importlib.import_module("flask_jwt_extended.utils").decode_token
    )
