"""May this caller take part in this ticket's conversation? tickets_api decides.

chat_api never copies visibility rules: it asks tickets_api for the ticket with the
caller's own token (200 = may see it). Positive answers are cached for a few seconds per
token and ticket, so a busy conversation does not ask on every message. A cached answer
holds only while the ticket's audience is unchanged: when someone loses sight of it
(``tickets.audience_changed``), chat_api raises the ticket's version in its own database,
which every process reads before trusting its cache, and re-checks the open sockets.
"""

from __future__ import annotations

import threading
import time

import jwt
import requests
from flask import current_app, has_request_context, request
from flask_jwt_extended import get_jwt
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from common.db import db
from common.models.chat import TicketAudience
from common.problems import Conflict, NotFound, Unauthorized, Unavailable
from common.security import Principal

CACHE_SECONDS = 10.0
# (token, ticket id) -> (when asked, the ticket, the audience version it was asked at)
_cache: dict[tuple[str, int], tuple[float, dict, int]] = {}
_cache_lock = threading.Lock()
# One pool per process, bounded: a live process's thousands of sockets (greenlets) share
# a few keep-alive connections to tickets_api instead of holding one each.
_session = requests.Session()
_session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=16, pool_block=True))
_session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=16, pool_block=True))


def raw_token() -> str:
    """The token the caller was authenticated with (header, ``?access_token`` for a
    WebSocket, or cookie), to ask tickets_api with. It must be that very token: with two
    sent, visibility must not be checked with the other one."""
    header = request.headers.get("Authorization", "")
    candidates = [header[7:].strip()] if header.lower().startswith("bearer ") else []
    candidates += [
        request.args.get("access_token", ""),
        request.cookies.get(current_app.config["JWT_ACCESS_COOKIE_NAME"], ""),
    ]
    jti = get_jwt().get("jti")
    for token in candidates:
        if token and _jti(token) == jti:
            return token
    raise Unauthorized("Send one access token")


def _jti(token: str) -> str | None:
    try:  # already verified by authenticate(): only which of the tokens it was is asked
        return jwt.decode(token, options={"verify_signature": False}).get("jti")
    except jwt.PyJWTError:
        return None


def audience_version(ticket_id: int) -> int:
    """How many times the ticket's audience has lost someone, as far as chat_api knows."""
    found = db.session.scalar(
        select(TicketAudience.version).where(TicketAudience.ticket_id == ticket_id)
    )
    return found or 0


def fetch_ticket(token: str, ticket_id: int, fresh: bool = False) -> dict:
    """The ticket as tickets_api shows it to ``token``; raises if it may not see it.
    ``fresh`` asks even when a cached answer still holds."""
    key = (token, ticket_id)
    # Read before asking: an audience change meanwhile leaves this answer stale-marked.
    version = audience_version(ticket_id)
    now = time.monotonic()
    if not fresh:
        with _cache_lock:
            hit = _cache.get(key)
            if hit and now - hit[0] < CACHE_SECONDS and hit[2] == version:
                return hit[1]
    base = current_app.config["TTS_CONFIG"].tickets_api_url
    request_id = request.headers.get("X-Request-ID", "") if has_request_context() else ""
    try:
        response = _session.get(
            f"{base}/api/tickets/{ticket_id}",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
            timeout=5,
        )
    except requests.RequestException as error:
        raise Unavailable(f"tickets service unreachable: {type(error).__name__}") from None
    if response.status_code in (403, 404):
        with _cache_lock:
            _cache.pop(key, None)
        raise NotFound(f"Ticket {ticket_id} not found")
    if response.status_code == 401:
        raise Unauthorized("Token rejected")
    if response.status_code != 200:
        raise Unavailable(f"tickets service answered {response.status_code}")
    ticket = response.json()
    with _cache_lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[key] = (now, ticket, version)
    return ticket


# A ticket in one of these is over: its conversation is kept, read-only.
OVER = ("closed", "rejected", "withdrawn")


def check_open(ticket: dict) -> None:
    """Raise 409 when the ticket is over (closed, rejected, withdrawn): no new messages."""
    if ticket.get("status") in OVER:
        raise Conflict(f"Ticket {ticket.get('number', ticket['id'])} is {ticket['status']}")


def sees_internal(principal: Principal, ticket: dict) -> bool:
    """Internal notes are for staff working the ticket; its requester never sees them,
    even a requester who is staff elsewhere."""
    return principal.is_staff and ticket["requester"]["id"] != principal.id
