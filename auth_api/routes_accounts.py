"""Accounts: self-registration, password reset, invitations, and the admins' directory."""

import marshmallow as ma

from auth_api import accounts, permissions, roles
from auth_api.schemas import (
    EmailIn,
    RegisterIn,
    RegistrationArgs,
    TokenPasswordIn,
    UserAdminOut,
    UserIn,
    UserPage,
    UserPatch,
    UserSearchArgs,
)
from common.blueprint import Blueprint
from common.security import caller, require_auth

blp = Blueprint("auth-accounts", __name__, url_prefix="/api/auth", description="Accounts")
require_auth(blp, public=("register", "forgot_password", "reset_password", "accept_invitation"))
BEARER = [{"bearerAuth": []}]
ACCEPTED = {"status": "accepted"}


class AcceptedOut(ma.Schema):
    """The same answer whatever the outcome, so it says nothing about who has an account."""

    status = ma.fields.String(metadata={"description": "accepted"})


@blp.route("/register", methods=["POST"])
@blp.arguments(RegisterIn)
@blp.response(202, AcceptedOut)
def register(body):
    """Employee self-registration (open, approval by an hdts admin, or closed)."""
    accounts.register(body["email"], body["name"], body["password"])
    return ACCEPTED


@blp.route("/password/forgot", methods=["POST"])
@blp.arguments(EmailIn)
@blp.response(202, AcceptedOut)
def forgot_password(body):
    """Mail a single-use reset link; the answer is the same whether the email exists."""
    accounts.forgot_password(body["email"])
    return ACCEPTED


@blp.route("/password/reset", methods=["POST"])
@blp.arguments(TokenPasswordIn)
@blp.response(204)
def reset_password(body):
    accounts.reset_password(body["token"], body["password"])


@blp.route("/invitations/accept", methods=["POST"])
@blp.arguments(TokenPasswordIn)
@blp.response(204)
def accept_invitation(body):
    accounts.accept_invitation(body["token"], body["password"])


@blp.route("/users")
@blp.arguments(UserSearchArgs, location="query")
@blp.response(200, UserPage)
@blp.doc(security=BEARER)
def list_users(args):
    permissions.authorize_users(caller())
    items, total = accounts.search(
        args.get("q"),
        args.get("system"),
        args.get("active"),
        args["page"],
        args["per_page"],
        role=args.get("role"),
        status=args.get("status"),
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/users", methods=["POST"])
@blp.arguments(UserIn)
@blp.response(201, UserAdminOut)
@blp.doc(security=BEARER)
def invite_user(body):
    """Create an account and mail its owner a one-time link to set a password."""
    principal = caller()
    permissions.authorize_users(principal)
    grants = []
    for ref in body["roles"]:
        permissions.authorize_system(principal, ref["system"])
        grants.append(roles.find_role(roles.get_system(ref["system"]), ref["role"]))
    user = accounts.invite(body["email"], body["name"], grants)
    return user


def _changeable(user_id: int):
    """The account, if the caller may change it (see permissions.authorize_user_change)."""
    principal = caller()
    permissions.authorize_users(principal)
    user = accounts.get_user(user_id)
    held = {grant.role.system.slug for grant in user.role_grants if grant.is_active}
    permissions.authorize_user_change(principal, held)
    return user


@blp.route("/users/<id:user_id>")
@blp.response(200, UserAdminOut)
@blp.doc(security=BEARER)
def get_user(user_id):
    permissions.authorize_users(caller())
    return accounts.get_user(user_id)


@blp.route("/users/<id:user_id>", methods=["PATCH"])
@blp.arguments(UserPatch)
@blp.response(200, UserAdminOut)
@blp.doc(security=BEARER)
def update_user(body, user_id):
    user = _changeable(user_id)
    user = accounts.update_user(user, body.get("name"), body.get("email"))
    return user


@blp.route("/users/<id:user_id>/deactivate", methods=["POST"])
@blp.response(200, UserAdminOut)
@blp.doc(security=BEARER)
def deactivate_user(user_id):
    """Deactivate: every session ends in every service; the user leaves holder lists."""
    user = accounts.set_active(_changeable(user_id), False)
    return user


@blp.route("/users/<id:user_id>/activate", methods=["POST"])
@blp.response(200, UserAdminOut)
@blp.doc(security=BEARER)
def activate_user(user_id):
    user = accounts.set_active(_changeable(user_id), True)
    return user


@blp.route("/users/<id:user_id>/invitation", methods=["POST"])
@blp.response(202, AcceptedOut)
@blp.doc(security=BEARER)
def resend_invitation(user_id):
    accounts.send_invitation(_changeable(user_id))
    return ACCEPTED


@blp.route("/users/<id:user_id>/invitation", methods=["DELETE"])
@blp.response(200, UserAdminOut)
@blp.doc(security=BEARER)
def revoke_invitation(user_id):
    """Revoke an invitation not yet accepted: the link stops working and the account is
    deactivated (activate it and resend to invite again)."""
    user = accounts.revoke_invitation(_changeable(user_id))
    return user


@blp.route("/registrations")
@blp.arguments(RegistrationArgs, location="query")
@blp.response(200, UserAdminOut(many=True))
@blp.doc(security=BEARER)
def list_registrations(args):
    permissions.authorize_registrations(caller())
    return accounts.list_registrations(args["status"])


@blp.route("/registrations/<id:user_id>/<any(approve,reject):decision>", methods=["POST"])
@blp.response(200, UserAdminOut)
@blp.doc(security=BEARER)
def decide_registration(user_id, decision):
    permissions.authorize_registrations(caller())
    user = accounts.decide_registration(accounts.get_user(user_id), decision == "approve")
    return user
