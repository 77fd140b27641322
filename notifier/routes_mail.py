"""Development email: what the local mail catcher caught, for the Operations pages.

scripts/dev and scripts/stack send every email to a catcher (common/mail_catcher.py), so
an invitation or a reset link can be followed on a machine with no mail server.

Anyone may ask for a password reset, so caught mail opens every account: only those who
may already do everything (an Admin of both hdts and tts) read it, one-time tokens are
masked except in the reader's own mail, and there is no catcher in production (404).
"""

import marshmallow as ma
from flask import current_app
from marshmallow import validate

from common import mail_catcher
from common.blueprint import Blueprint
from common.problems import Forbidden, NotFound
from common.security import Principal, authenticate
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
def _superusers_only():
    if not authenticate().is_superuser:
        raise Forbidden("Caught mail is for those who administer every system (hdts and tts)")


def _directory():
    config = current_app.config["TTS_CONFIG"]
    if config.mail_catcher_dir is None or config.is_production:
        raise NotFound("No mail catcher here: emails go to the configured mail server")
    return config.mail_catcher_dir


def _as_seen_by(reader: Principal, found: mail_catcher.CaughtMail) -> mail_catcher.CaughtMail:
    return found if found.addressed_to(reader.email) else found.masked()


@blp.route("")
@blp.arguments(CaughtMailArgs, location="query")
@blp.response(200, CaughtMailOut(many=True))
@blp.doc(security=BEARER)
def caught(args):
    """The newest caught emails, newest first (one-time tokens masked but in your own)."""
    reader = authenticate()
    return [_as_seen_by(reader, m) for m in mail_catcher.caught(_directory(), args["limit"])]


@blp.route("/<key>")
@blp.response(200, CaughtMailOut)
@blp.doc(security=BEARER)
def one(key):
    found = mail_catcher.one(_directory(), key)
    if found is None:
        raise NotFound("No such caught email")
    return _as_seen_by(authenticate(), found)
