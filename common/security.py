"""Verifying access tokens in every service, and who the caller is.

auth_api signs RS256 tokens with its private key; every service verifies them with the
public keys through flask-jwt-extended, which rejects refresh tokens where an access
token is required, wrong issuer or audience, expired tokens and any algorithm but RS256
(so neither ``alg: none`` nor an HS256 token "signed" with the public key passes). The
key is chosen by the token's ``kid`` (``common.token_keys``). Revoked tokens
(logout, deactivation) are rejected through ``common.revocation``. Every failure is
answered as an RFC 7807 problem.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app, g, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_smorest import Blueprint

from common import token_keys
from common.config import Config
from common.problems import Forbidden, Unauthorized, problem
from common.verified_tokens import CachingJWTManager

jwt = CachingJWTManager()
token_keys.register(jwt)
log = logging.getLogger(__name__)


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
    def is_admin(self) -> bool:
        """An Admin of the help desk (hdts) or of the ticket tracker (tts)."""
        return self.has_role("hdts", "Admin") or self.has_role("tts", "Admin")

    @property
    def is_triager(self) -> bool:
        """Coordinators and admins: they see every ticket and route, transfer, triage."""
        return self.has_role("hdts", "Ticket Coordinator") or self.is_admin

    @property
    def is_superuser(self) -> bool:
        return all(self.has_role(system, "Admin") for system in ("hdts", "tts"))


def configure_jwt(app: Flask, config: Config) -> None:
    keys = token_keys.install(app, config)
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
    from common.revocation import is_revoked

    view = current_app.view_functions.get(request.endpoint) if request else None
    return is_revoked(payload, check_roles=not getattr(view, "tts_ends_session", False))


def ends_session(view):
    """Mark a view that ends the caller's session (logout): it accepts an access token
    retired only by a change of the caller's roles, or they could not log out with it."""
    view.tts_ends_session = True
    return view


def client_ip() -> str:
    """The caller's address: X-Real-IP only when the request came from a trusted proxy.

    Anyone can send an X-Real-IP header; believing it from everyone would let an attacker
    pick a fresh address for every guess and walk around per-client lockout.
    """
    remote = request.remote_addr or ""
    config: Config = current_app.config["TTS_CONFIG"]
    forwarded = request.headers.get("X-Real-IP", "").strip()
    if forwarded and remote in config.trusted_proxies:
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            return remote
    return remote


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


def _same_origin() -> bool:
    """Whether the page that opened this request is served by this very site."""
    origin = request.headers.get("Origin", "")
    host = request.headers.get("Host", "")
    return bool(origin and host) and urlsplit(origin).netloc.lower() == host.lower()


def authenticate_socket() -> Principal:
    """Authenticate a WebSocket handshake and return the caller.

    Programs send the token as ``Authorization: Bearer`` or ``?access_token=``. A browser
    can set neither from the web UI (its token lives in an HttpOnly cookie), so the
    handshake may instead carry the access cookie, but only from a page of this site:
    browsers send cookies with a socket opened by any page, and a handshake is a GET that
    no CSRF header protects (cross-site WebSocket hijacking), so the Origin must match.
    """
    explicit = request.headers.get("Authorization") or request.args.get("access_token")
    cookie = request.cookies.get(current_app.config["JWT_ACCESS_COOKIE_NAME"])
    if explicit or not cookie:
        return authenticate(locations=["headers", "query_string"])
    if not _same_origin():
        raise Forbidden("A WebSocket authenticated by cookie must come from this site's pages")
    return authenticate(locations=["cookies"])


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


def _fernet(config: Config) -> Fernet:
    digest = hashlib.sha256(b"tts-seal:" + config.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(text: str, config: Config) -> str:
    """Encrypt a secret (a link with a one-time token, a TOTP seed) with TTS_SECRET_KEY, so
    the outbox, the broker and the database hold only ciphertext."""
    return _fernet(config).encrypt(text.encode()).decode()


def unseal(token: str, config: Config) -> str:
    try:
        return _fernet(config).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("sealed value does not open with this secret key") from error
