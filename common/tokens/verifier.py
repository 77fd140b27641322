"""Verifying access tokens: flask-jwt-extended, set up once for every service.

Tokens are RS256 only (neither ``alg: none`` nor an HS256 token "signed" with the public
key passes), with this deployment's issuer and audience, from the Authorization header or
the web login's cookies (CSRF double submit). The key is chosen by the token's ``kid``
(``keyring``); revoked tokens are refused through ``revocation``. Every failure is an
RFC 7807 problem.

Verified tokens are remembered, so a client's next request skips the RSA check.
flask-jwt-extended decodes each token three times per request (claims, header, then the
verified decode), and PyJWT checks base64 one character at a time: most of a millisecond
of CPU on every request to every service. The verified claims of a token string only
change meaning when it expires or the accepted keys change, so they are kept, per
process, keyed by the token together with everything that decided the verdict (the CSRF
value echoed with cookies, the accepted key ids, the issuer and audience). Expiry is
checked on every use; a token past its ``exp`` goes the uncached way and is refused there
with the usual answer. Revocation is not cached here: it is checked on every request.

flask-jwt-extended has no public seam for this: every decode goes through the manager's
private ``_decode_jwt_from_config``, which ``CachingJWTManager`` overrides. setup.cfg pins
the 4.7 series, and tests/auth_api/test_verified_token_cache.py fails loudly if an
upgrade renames or reshapes the method.
"""

from __future__ import annotations

import functools
import time
from datetime import timedelta

from flask import Flask, current_app, request
from flask_jwt_extended import JWTManager

from common.config import Config
from common.problems import problem
from common.tokens import keyring
from common.tokens.keyring import keyset
from common.tokens.revocation import is_revoked

# Tokens live 15 minutes; this holds the active ones of a few thousand clients at once.
CACHE_SIZE = 4096


class CachingJWTManager(JWTManager):
    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value=None, allow_expired: bool = False
    ) -> dict:
        if allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        config = current_app.config
        claims = _verified(
            self,
            encoded_token,
            csrf_value,
            accepted_kids(),
            config["JWT_DECODE_ISSUER"],
            config["JWT_DECODE_AUDIENCE"],
        )
        if claims.get("exp", 0) <= time.time():
            # Expired since it was cached: the uncached path refuses it as flask-jwt-extended
            # would (the expired-token answer, with the token's header and data attached).
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        return dict(claims)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _verified(manager, encoded_token, csrf_value, kids, issuer, audience) -> dict:
    # Only successful verdicts are cached: lru_cache keeps no result when this raises.
    return JWTManager._decode_jwt_from_config(manager, encoded_token, csrf_value)


def accepted_kids() -> tuple[str, ...]:
    return tuple(keyset().public_pems)


def forget() -> None:
    _verified.cache_clear()


jwt = CachingJWTManager()
keyring.register(jwt)


def configure_jwt(app: Flask, config: Config) -> None:
    keys = keyring.install(app, config)
    app.config.update(
        JWT_ALGORITHM="RS256",
        JWT_DECODE_ALGORITHMS=["RS256"],
        JWT_PUBLIC_KEY=keys.public_pems[keys.current_kid],
        JWT_PRIVATE_KEY=keys.private_pem,
        JWT_ENCODE_ISSUER=config.jwt_issuer,
        JWT_DECODE_ISSUER=config.jwt_issuer,
        JWT_ENCODE_AUDIENCE=config.jwt_audience,
        JWT_DECODE_AUDIENCE=config.jwt_audience,
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=config.access_token_minutes),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=config.refresh_token_days),
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        JWT_QUERY_STRING_NAME="access_token",
        # Web login: HttpOnly token cookies, a readable CSRF cookie echoed in X-CSRF-TOKEN
        # (double submit). The refresh cookie only ever travels to auth's web endpoints.
        JWT_COOKIE_SECURE=config.is_production,
        JWT_COOKIE_CSRF_PROTECT=True,
        JWT_COOKIE_SAMESITE="Lax",
        JWT_ACCESS_COOKIE_PATH="/",
        JWT_REFRESH_COOKIE_PATH="/api/auth/web",
        JWT_ACCESS_CSRF_COOKIE_PATH="/",
        JWT_REFRESH_CSRF_COOKIE_PATH="/",
        JWT_ERROR_MESSAGE_KEY="detail",
        TTS_JWK=keys.jwks[0],
    )
    jwt.init_app(app)


@jwt.token_in_blocklist_loader
def _is_revoked(_header: dict, payload: dict) -> bool:
    # A view marked by common.security.ends_session (logout) accepts a token retired only
    # by a change of the caller's roles.
    view = current_app.view_functions.get(request.endpoint) if request else None
    return is_revoked(payload, check_roles=not getattr(view, "tts_ends_session", False))


def _unauthorized(detail: str):
    return problem(401, "Unauthorized", detail)


@jwt.unauthorized_loader
def _missing_token(reason: str):
    return _unauthorized(f"Authentication required: {reason}")


@jwt.invalid_token_loader
def _invalid_token(reason: str):
    return _unauthorized(f"Invalid token: {reason}")


@jwt.expired_token_loader
def _expired_token(_header, _payload):
    return _unauthorized("Token has expired")


@jwt.needs_fresh_token_loader
def _stale_token(_header, _payload):
    return _unauthorized("A fresh token is required")


@jwt.revoked_token_loader
def _revoked_token(_header, _payload):
    return _unauthorized("Token has been revoked")


@jwt.user_lookup_error_loader
def _unknown_user(_header, _payload):
    return _unauthorized("Unknown user")


@jwt.token_verification_failed_loader
def _claims_rejected(_header, _payload):
    return _unauthorized("Token claims rejected")
