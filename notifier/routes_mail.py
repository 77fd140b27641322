"""Development email: what the local mail catcher caught, for the Operations pages.

scripts/dev and scripts/stack send every email to a catcher (common/mail_catcher.py), so
an invitation or a reset link can be followed on a machine with no mail server. Only
operators and admins read it, and only where a catcher is configured (404 elsewhere,
production included).
"""

import marshmallow as ma
from flask import current_app
from marshmallow import validate

from common import mail_catcher
from common.blueprint import Blueprint
from common.ops.actions import Operator
from common.problems import NotFound
from common.security import authenticate
from common.times import UtcDateTime

blp = Blueprint(
    "caught-mail",
    __name__,
    url_prefix="/api/notifications/ops/mail",
    description="Development email (the local catcher)",
)
BEARER = [{"bearerAuth": []}]


class CaughtMailOut(ma.Schema):
    key = ma.fields.String()
    to = ma.fields.String()
    subject = ma.fields.String()
    caught_at = UtcDateTime(allow_none=True)
    body = ma.fields.String()


class CaughtMailArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(1, 200))


@blp.before_request
def _operators_only():
    Operator.of(authenticate())


def _directory():
    found = current_app.config["TTS_CONFIG"].mail_catcher_dir
    if found is None:
        raise NotFound("No mail catcher here: emails go to the configured mail server")
    return found


@blp.route("")
@blp.arguments(CaughtMailArgs, location="query")
@blp.response(200, CaughtMailOut(many=True))
@blp.doc(security=BEARER)
def caught(args):
    """The newest caught emails, newest first."""
    return mail_catcher.caught(_directory(), args["limit"])


@blp.route("/<key>")
@blp.response(200, CaughtMailOut)
@blp.doc(security=BEARER)
def one(key):
    found = mail_catcher.one(_directory(), key)
    if found is None:
        raise NotFound("No such caught email")
    return found
