from flask import current_app
from flask_smorest import Blueprint

from auth_api import service
from auth_api.schemas import JwksOut, LoginIn, TokensOut, UserOut
from common.db import db
from common.security import caller, require_auth

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Identity and tokens")
require_auth(blp, public=("login", "jwks"))


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginIn)
@blp.response(200, TokensOut)
@blp.alt_response(401, description="Wrong email or password")
def login(body):
    user = service.authenticate(body["email"], body["password"])
    tokens = service.issue_tokens(user)
    db.session.commit()
    return tokens


@blp.route("/me")
@blp.response(200, UserOut)
@blp.doc(security=[{"bearerAuth": []}])
def me():
    principal = caller()
    return service.user_view(service.get_user(principal.id))


@blp.route("/jwks.json")
@blp.response(200, JwksOut)
def jwks():
    """The public keys that verify access tokens (RFC 7517)."""
    return {"keys": [current_app.config["TTS_JWK"]]}
