"""Who may do what in auth_api: one function per resource, used by every route of it.

* a system (its roles and who holds them): the system's Admins, and superusers
  (Admin of both hdts and tts) for every system;
* the user directory (search, create, invite, edit, deactivate): Admins of hdts or tts;
* self-registrations (approve, reject): hdts Admins (employees are hdts's users);
* creating systems: superusers.
"""

from __future__ import annotations

from common.problems import Forbidden
from common.security import Principal


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(f"You may not {what}.")


def authorize_system(principal: Principal, system: str) -> None:
    _require(
        principal.is_superuser or principal.has_role(system, "Admin"),
        f"manage the roles of {system}",
    )


def manageable_systems(principal: Principal, systems: list[str]) -> list[str]:
    return [s for s in systems if principal.is_superuser or principal.has_role(s, "Admin")]


def authorize_users(principal: Principal) -> None:
    _require(
        principal.is_superuser
        or principal.has_role("hdts", "Admin")
        or principal.has_role("tts", "Admin"),
        "manage user accounts",
    )


def authorize_registrations(principal: Principal) -> None:
    _require(
        principal.is_superuser or principal.has_role("hdts", "Admin"),
        "review registrations",
    )


def authorize_new_system(principal: Principal) -> None:
    _require(principal.is_superuser, "create systems")
