"""The caller's two-factor authentication (TOTP), for staff accounts."""

from auth_api import accounts, mfa
from auth_api.schemas import CodeIn, MfaDisableIn, MfaEnrolOut, MfaStatusOut, RecoveryCodesOut
from common.blueprint import Blueprint
from common.security import caller, require_auth

blp = Blueprint("auth-mfa", __name__, url_prefix="/api/auth/mfa", description="Two-factor")
require_auth(blp)
BEARER = [{"bearerAuth": []}]


def _me():
    return accounts.get_active_user(caller().id)


@blp.route("")
@blp.response(200, MfaStatusOut)
@blp.doc(security=BEARER)
def status():
    return mfa.status(_me())


@blp.route("/enrol", methods=["POST"])
@blp.response(200, MfaEnrolOut)
@blp.doc(security=BEARER)
def enrol():
    """A new secret, its otpauth:// URI and that URI as a QR code; confirm with a code."""
    result = mfa.begin(_me())
    return result


@blp.route("/confirm", methods=["POST"])
@blp.arguments(CodeIn)
@blp.response(200, RecoveryCodesOut)
@blp.doc(security=BEARER)
def confirm(body):
    """Turn two-factor on with a first code; returns the recovery codes (shown once)."""
    codes = mfa.confirm(_me(), body["code"])
    return {"recovery_codes": codes}


@blp.route("/disable", methods=["POST"])
@blp.arguments(MfaDisableIn)
@blp.response(204)
@blp.doc(security=BEARER)
def disable(body):
    mfa.disable(_me(), body["password"], body.get("code"), body.get("recovery_code"))


@blp.route("/recovery-codes", methods=["POST"])
@blp.arguments(CodeIn)
@blp.response(200, RecoveryCodesOut)
@blp.doc(security=BEARER)
def regenerate(body):
    codes = mfa.regenerate(_me(), body["code"])
    return {"recovery_codes": codes}
