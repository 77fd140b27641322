"""Tokens and the caller's own account: login (API and web), refresh, logout, JWKS, me."""

from flask import current_app, g, jsonify, request
from flask_jwt_extended import (
    get_jwt,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)

from auth_api import accounts, service, sessions
from auth_api.schemas import (
    JwksOut,
    LoginIn,
    PasswordChangeIn,
    ProfileIn,
    RefreshIn,
    TokensOut,
    UserOut,
    WebSessionOut,
)
from common.blueprint import Blueprint
from common.problems import problem_doc
from common.security import caller, ends_session, require_auth
from common.tokens.keyring import keyset

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Identity and tokens")
require_auth(blp, public=("login", "refresh", "jwks", "web_login", "web_refresh", "web_logout"))
BEARER = [{"bearerAuth": []}]


@blp.after_app_request
def _retry_after(response):
    if response.status_code == 429 and g.get("retry_after"):
        response.headers["Retry-After"] = str(g.retry_after)
    return response


def _login(body) -> dict:
    return service.login(
        body["email"], body["password"], body.get("otp"), body.get("recovery_code")
    )


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginIn)
@blp.response(200, TokensOut)
@blp.alt_response(
    401, **problem_doc(), description="Wrong email or password, or a second factor is needed"
)
@blp.alt_response(
    429, **problem_doc(), description="Locked after repeated failures (see Retry-After)"
)
def login(body):
    return _login(body)


@blp.route("/refresh", methods=["POST"])
@blp.arguments(RefreshIn)
@blp.response(200, TokensOut)
def refresh(body):
    """A new token pair; the refresh token given is spent (reusing it ends the session)."""
    return sessions.refresh(body["refresh_token"])


@blp.route("/logout", methods=["POST"])
@blp.response(204)
@blp.doc(security=BEARER)
@ends_session
def logout():
    """End this session: its access and refresh tokens stop working everywhere."""
    principal = caller()
    sessions.revoke_session_id(get_jwt().get("sid"), principal.id, "logout")


@blp.route("/logout-all", methods=["POST"])
@blp.response(204)
@blp.doc(security=BEARER)
@ends_session
def logout_all():
    """End every session of the caller, on every device."""
    sessions.revoke_all(accounts.get_active_user(caller().id), "logout_all")


def _web_response(tokens: dict):
    response = jsonify(WebSessionOut().dump(tokens))
    set_access_cookies(response, tokens["access_token"])
    set_refresh_cookies(response, tokens["refresh_token"])
    return response


@blp.route("/web/login", methods=["POST"])
@blp.arguments(LoginIn)
@blp.response(200, WebSessionOut)
def web_login(body):
    """Browser login: HttpOnly token cookies plus readable CSRF cookies (double submit)."""
    return _web_response(_login(body))


@blp.route("/web/refresh", methods=["POST"])
@blp.response(200, WebSessionOut)
def web_refresh():
    """Refresh from the cookie; needs the X-CSRF-TOKEN header from csrf_refresh_token."""
    verify_jwt_in_request(refresh=True, locations=["cookies"])
    raw = request.cookies[current_app.config["JWT_REFRESH_COOKIE_NAME"]]
    return _web_response(sessions.refresh(raw))


@blp.route("/web/logout", methods=["POST"])
@blp.response(204)
@ends_session
def web_logout():
    verify_jwt_in_request(locations=["cookies"])
    claims = get_jwt()
    sessions.revoke_session_id(claims.get("sid"), int(claims["sub"]), "logout")
    response = jsonify()
    response.status_code = 204
    unset_jwt_cookies(response)
    return response


@blp.route("/jwks.json")
@blp.response(200, JwksOut)
def jwks():
    """The public keys that verify tokens (RFC 7517): the current and the previous one."""
    return {"keys": list(keyset().jwks)}


@blp.route("/me")
@blp.response(200, UserOut)
@blp.doc(security=BEARER)
def me():
    return sessions.user_view(accounts.get_active_user(caller().id))


@blp.route("/me", methods=["PATCH"])
@blp.arguments(ProfileIn)
@blp.response(200, UserOut)
@blp.doc(security=BEARER)
def update_me(body):
    user = accounts.update_user(accounts.get_active_user(caller().id), body["name"], None)
    return sessions.user_view(user)


@blp.route("/me/password", methods=["POST"])
@blp.arguments(PasswordChangeIn)
@blp.response(200, TokensOut)
@blp.doc(security=BEARER)
def change_password(body):
    """Change the password: every session ends, and this answer holds a new token pair."""
    user = accounts.get_active_user(caller().id)
    tokens = accounts.change_password(user, body["current_password"], body["new_password"])
    return tokens
