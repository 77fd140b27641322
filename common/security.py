"""Who the caller is: the principal of a verified access token, for views and sockets.

Verifying the token itself (keys, signature, claims, revocation) is ``common.tokens``.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from common.blueprint import Blueprint
from common.config import Config
from common.problems import Forbidden, Unauthorized

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
    def is_staff(self) -> bool:
        """Anyone who holds a role beyond the help desk's Employee: staff read and write a
        ticket's internal notes where they see it, and are offered two-factor sign-in."""
        return any(
            system != "hdts" or name != "Employee"
            for system, names in self.roles.items()
            for name in names
        )

    @property
    def is_operator(self) -> bool:
        """Sees the background jobs (the Operations pages, ``<prefix>/ops``): tts Operators
        and admins. Whether operators may also act is the deployment's choice."""
        return self.has_role("tts", "Operator") or self.is_admin

    @property
    def is_superuser(self) -> bool:
        return all(self.has_role(system, "Admin") for system in ("hdts", "tts"))


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
