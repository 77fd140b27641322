"""Who may do what in auth_api: one function per resource, used by every route of it.

* a system (its roles and who holds them): the system's Admins, and superusers
  (Admin of both hdts and tts) for every system;
* the user directory (search, create, invite): Admins of hdts or tts; editing or
  (de)activating an account also needs the caller to administer every system it holds a
  role in;
* self-registrations (approve, reject): hdts Admins (employees are hdts's users);
* creating systems: superusers.
"""

from __future__ import annotations

from common.problems import Forbidden
from common.security import Principal


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise Forbidden(f"You may not {what}.")


def manages_system(principal: Principal, system: str) -> bool:
    return principal.is_superuser or principal.has_role(system, "Admin")


def authorize_system(principal: Principal, system: str) -> None:
    _require(manages_system(principal, system), f"manage the roles of {system}")


def authorize_some_system(principal: Principal) -> None:
    """Before a role or an assignment is looked up by id: someone who administers no
    system is refused whatever the id, so ids cannot be probed by the 404s."""
    _require(
        principal.is_superuser or any("Admin" in held for held in principal.roles.values()),
        "manage roles",
    )


def manageable_systems(principal: Principal, systems: list[str]) -> list[str]:
    return [s for s in systems if manages_system(principal, s)]


def authorize_users(principal: Principal) -> None:
    _require(principal.is_admin, "manage user accounts")  # a superuser is an admin too


def authorize_user_change(principal: Principal, target_systems: set[str]) -> None:
    """Editing or (de)activating an account: the caller must administer every system the
    account holds a role in, so no admin can take over an account that reaches further
    than they do (a superuser's, say, by changing its email and resetting its password)."""
    authorize_users(principal)
    if principal.is_superuser:
        return
    beyond = target_systems - set(manageable_systems(principal, sorted(target_systems)))
    _require(not beyond, f"change an account that holds roles in {', '.join(sorted(beyond))}")


def authorize_registrations(principal: Principal) -> None:
    _require(
        principal.is_superuser or principal.has_role("hdts", "Admin"),
        "review registrations",
    )


def authorize_new_system(principal: Principal) -> None:
    _require(principal.is_superuser, "create systems")
