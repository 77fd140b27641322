"""Verifying access tokens in every service, and who the caller is.

auth_api signs RS256 tokens with its private key; every service verifies them with the
public key through flask-jwt-extended, which already rejects refresh tokens where an
access token is required, wrong issuer or audience, expired tokens and any algorithm but
RS256. Its failures are answered here as RFC 7807 problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, g, request
from flask_jwt_extended import JWTManager, get_jwt, verify_jwt_in_request
from flask_smorest import Blueprint

from common.config import Config
from common.keys import key_paths, public_jwk
from common.problems import Unauthorized, problem

jwt = JWTManager()


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, straight from the verified claims."""

    id: int
    email: str
    name: str
    roles: dict[str, list[str]]

    def has_role(self, system: str, *names: str) -> bool:
        held = self.roles.get(system, ())
        return any(name in held for name in names)

    @property
    def is_superuser(self) -> bool:
        return all(self.has_role(system, "Admin") for system in ("hdts", "tts"))


def configure_jwt(app: Flask, config: Config) -> None:
    paths = key_paths(config)
    public_pem = paths.public.read_bytes()
    app.config.update(
        JWT_ALGORITHM="RS256",
        JWT_DECODE_ALGORITHMS=["RS256"],
        JWT_PUBLIC_KEY=public_pem,
        JWT_PRIVATE_KEY=paths.private.read_bytes() if paths.private else None,
        JWT_ENCODE_ISSUER=config.jwt_issuer,
        JWT_DECODE_ISSUER=config.jwt_issuer,
        JWT_ENCODE_AUDIENCE=config.jwt_audience,
        JWT_DECODE_AUDIENCE=config.jwt_audience,
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=config.access_token_minutes),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=config.refresh_token_days),
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        JWT_QUERY_STRING_NAME="access_token",
        JWT_COOKIE_SECURE=config.is_production,
        JWT_COOKIE_CSRF_PROTECT=True,
        JWT_COOKIE_SAMESITE="Lax",
        JWT_ERROR_MESSAGE_KEY="detail",
        TTS_JWK=public_jwk(public_pem),
    )
    jwt.init_app(app)


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


def current_principal() -> Principal:
    claims = get_jwt()
    if not claims:
        raise Unauthorized("Authentication required")
    roles = claims.get("roles") or {}
    if not isinstance(roles, dict):
        raise Unauthorized("Invalid token: malformed roles claim")
    return Principal(
        id=int(claims["sub"]),
        email=claims.get("email", ""),
        name=claims.get("name", ""),
        roles={str(k): [str(r) for r in v] for k, v in roles.items()},
    )


def authenticate(locations: list[str] | None = None) -> Principal:
    """Verify the request's access token (raising a 401 problem) and return the caller."""
    verify_jwt_in_request(locations=locations)
    return current_principal()


def require_auth(blp: Blueprint, public: tuple[str, ...] = ()) -> None:
    """Authenticate every request to ``blp`` before its body or query is even parsed.

    An anonymous caller gets 401, never a 422 that describes the API to them. Views read
    the caller with ``caller()``. ``public`` names the view functions that need no token.
    """
    open_endpoints = {f"{blp.name}.{name}" for name in public}

    @blp.before_request
    def _authenticate():
        if request.method == "OPTIONS" or request.endpoint in open_endpoints:
            return
        g.principal = authenticate()


def caller() -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise Unauthorized("Authentication required")
    return principal
