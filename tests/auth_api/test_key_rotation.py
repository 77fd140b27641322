"""`tts keys rotate`: tokens from the previous and the current key both verify."""

import jwt as pyjwt
from click.testing import CliRunner

from common.tokens.keyring import KEYSET
from common.tokens.keys import key_paths, load_keyset
from tests.auth_api.helpers import bearer, mint

SERVICES = ["/api/auth/me", "/api/tickets", "/api/workflow/tasks", "/api/notifications"]


def _use_keys(app, paths, loaded=0.0):
    keys = load_keyset(paths)
    app.extensions[KEYSET] = {"keys": keys, "paths": paths, "loaded": loaded}
    app.config["JWT_PRIVATE_KEY"] = keys.private_pem  # auth restarted with this key
    return keys


def test_rotation_keeps_old_tokens_valid(app, client, seeded, config, tmp_path, monkeypatch):
    saved = (dict(app.extensions[KEYSET]), app.config["JWT_PRIVATE_KEY"])
    try:
        monkeypatch.setenv("TTS_VAR_DIR", str(tmp_path))
        paths = key_paths(config.replace(var_dir=tmp_path))
        before = _use_keys(app, paths)
        old = mint(app, "agent@example.com")

        from common.cli import main

        result = CliRunner().invoke(main, ["keys", "rotate"])
        assert result.exit_code == 0, result.output
        after = _use_keys(app, paths)
        assert after.current_kid != before.current_kid
        new = mint(app, "agent@example.com")
        assert pyjwt.get_unverified_header(old["access_token"])["kid"] == before.current_kid
        assert pyjwt.get_unverified_header(new["access_token"])["kid"] == after.current_kid

        kids = [k["kid"] for k in client.raw.get("/api/auth/jwks.json").get_json()["keys"]]
        assert kids == [after.current_kid, before.current_kid]
        for token in (old["access_token"], new["access_token"]):
            for path in SERVICES:
                assert client.raw.get(path, headers=bearer(token)).status_code == 200, path
        # Refresh tokens signed by the old key still rotate (nobody is logged out).
        refreshed = client.raw.post(
            "/api/auth/refresh", json={"refresh_token": old["refresh_token"]}
        )
        assert refreshed.status_code == 200

        # A verifier that has not re-read the files yet learns the new kid on first sight.
        stale = load_keyset(paths)
        for field in ("public_pems", "public_keys"):
            only_old = {before.current_kid: getattr(stale, field)[before.current_kid]}
            object.__setattr__(stale, field, only_old)
        app.extensions[KEYSET]["keys"] = stale
        app.extensions[KEYSET]["loaded"] = 0.0
        assert (
            client.raw.get("/api/tickets", headers=bearer(new["access_token"])).status_code == 200
        )

        # A second rotation retires the first key: its tokens stop verifying.
        assert CliRunner().invoke(main, ["keys", "rotate"]).exit_code == 0
        _use_keys(app, paths)
        response = client.raw.get("/api/tickets", headers=bearer(old["access_token"]))
        assert response.status_code == 401
        assert (
            client.raw.get("/api/tickets", headers=bearer(new["access_token"])).status_code == 200
        )
    finally:
        app.extensions[KEYSET], app.config["JWT_PRIVATE_KEY"] = saved


def test_auth_signs_with_the_rotated_key_without_a_restart(
    app, client, seeded, config, tmp_path, monkeypatch
):
    from common.tokens import keyring
    from common.tokens.keys import generate_keypair

    saved = (dict(app.extensions[KEYSET]), app.config["JWT_PRIVATE_KEY"])
    try:
        monkeypatch.setenv("TTS_VAR_DIR", str(tmp_path))
        paths = key_paths(config.replace(var_dir=tmp_path))
        before = _use_keys(app, paths)
        monkeypatch.setattr(keyring, "KEY_RELOAD_SECONDS", 0.0)
        monkeypatch.setattr(keyring, "KEY_RETRY_SECONDS", 0.0)

        # Caught halfway through a rotation (a new private key beside the old public one):
        # auth keeps signing with the old, matching pair.
        generate_keypair(paths.private, tmp_path / "elsewhere.pem")
        half = mint(app, "agent@example.com")["access_token"]
        assert pyjwt.get_unverified_header(half)["kid"] == before.current_kid
        assert client.raw.get("/api/tickets", headers=bearer(half)).status_code == 200

        from common.cli import main

        assert CliRunner().invoke(main, ["keys", "rotate"]).exit_code == 0
        after = load_keyset(paths)
        token = mint(app, "agent@example.com")["access_token"]
        assert pyjwt.get_unverified_header(token)["kid"] == after.current_kid != before.current_kid
        for path in SERVICES:
            assert client.raw.get(path, headers=bearer(token)).status_code == 200, path
    finally:
        app.extensions[KEYSET], app.config["JWT_PRIVATE_KEY"] = saved
