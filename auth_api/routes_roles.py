"""Systems, their roles and who holds them (user-system-roles)."""

from auth_api import accounts, permissions, roles
from auth_api.schemas import (
    GrantArgs,
    GrantIn,
    GrantOut,
    GrantPatch,
    RoleIn,
    RoleOut,
    RolePatch,
    SystemIn,
    SystemOut,
)
from common.blueprint import Blueprint
from common.problems import NotFound
from common.security import caller, require_auth

blp = Blueprint("auth-roles", __name__, url_prefix="/api/auth", description="Systems and roles")
require_auth(blp)
BEARER = [{"bearerAuth": []}]


@blp.route("/systems")
@blp.response(200, SystemOut(many=True))
@blp.doc(security=BEARER)
def list_systems():
    """The systems the caller administers (all of them for a superuser)."""
    principal = caller()
    systems = roles.list_systems()
    allowed = set(permissions.manageable_systems(principal, [s.slug for s in systems]))
    return [s for s in systems if s.slug in allowed]


@blp.route("/systems", methods=["POST"])
@blp.arguments(SystemIn)
@blp.response(201, SystemOut)
@blp.doc(security=BEARER)
def create_system(body):
    permissions.authorize_new_system(caller())
    system = roles.create_system(body["slug"], body["name"])
    return system


@blp.route("/systems/<slug>/roles")
@blp.response(200, RoleOut(many=True))
@blp.doc(security=BEARER)
def list_roles(slug):
    permissions.authorize_system(caller(), slug)
    return roles.list_roles(roles.get_system(slug))


@blp.route("/systems/<slug>/roles", methods=["POST"])
@blp.arguments(RoleIn)
@blp.response(201, RoleOut)
@blp.doc(security=BEARER)
def create_role(body, slug):
    permissions.authorize_system(caller(), slug)
    role = roles.create_role(roles.get_system(slug), body["name"], body["description"])
    return role


def _role_for_admin(role_id: int):
    principal = caller()
    permissions.authorize_some_system(principal)
    role = roles.get_role(role_id)
    if not permissions.manages_system(principal, role.system.slug):
        raise NotFound("No such role.")  # another system's: as if it did not exist
    return role


@blp.route("/roles/<id:role_id>", methods=["PATCH"])
@blp.arguments(RolePatch)
@blp.response(200, RoleOut)
@blp.doc(security=BEARER)
def update_role(body, role_id):
    role = roles.update_role(_role_for_admin(role_id), body.get("name"), body.get("description"))
    return role


@blp.route("/roles/<id:role_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=BEARER)
def delete_role(role_id):
    roles.delete_role(_role_for_admin(role_id))


@blp.route("/systems/<slug>/assignments")
@blp.arguments(GrantArgs, location="query")
@blp.response(200, GrantOut(many=True))
@blp.doc(security=BEARER)
def list_assignments(args, slug):
    permissions.authorize_system(caller(), slug)
    return roles.list_grants(
        roles.get_system(slug), args.get("role_id"), args.get("active"), args.get("user_id")
    )


@blp.route("/systems/<slug>/assignments", methods=["POST"])
@blp.arguments(GrantIn)
@blp.response(201, GrantOut)
@blp.doc(security=BEARER)
def create_assignment(body, slug):
    """Give a user a role of this system (or reactivate it), with per-assignment settings."""
    permissions.authorize_system(caller(), slug)
    role = roles.find_role(roles.get_system(slug), body["role"])
    user = accounts.get_user(body["user_id"])
    settings = body.get("settings") or {}
    grant = roles.grant_role(
        user, role, deployed=bool(settings.get("deployed", True)), settings=settings
    )
    return grant


def _grant_for_admin(grant_id: int):
    principal = caller()
    permissions.authorize_some_system(principal)
    grant = roles.get_grant(grant_id)
    if not permissions.manages_system(principal, grant.role.system.slug):
        raise NotFound("No such role assignment.")  # another system's: as if it did not exist
    return grant


@blp.route("/assignments/<id:grant_id>", methods=["PATCH"])
@blp.arguments(GrantPatch)
@blp.response(200, GrantOut)
@blp.doc(security=BEARER)
def update_assignment(body, grant_id):
    grant = roles.update_grant(
        _grant_for_admin(grant_id), body.get("is_active"), body.get("settings")
    )
    return grant


@blp.route("/assignments/<id:grant_id>", methods=["DELETE"])
@blp.response(200, GrantOut)
@blp.doc(security=BEARER)
def revoke_assignment(grant_id):
    """Revoke: the assignment stays, inactive, so it can be given back with its settings."""
    grant = roles.revoke_grant(_grant_for_admin(grant_id))
    return grant
