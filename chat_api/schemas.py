from marshmallow import Schema, ValidationError, fields, validate

from common.ids import IdField

MAX_BODY = 10_000


def _not_blank(body: str) -> None:
    if not body.strip():
        raise ValidationError("May not be blank.")


class MessageIn(Schema):
    """A message to post, over REST or as a socket's ``message`` frame: both paths load it
    with this schema, so they accept and refuse the same bodies."""

    body = fields.Str(required=True, validate=[validate.Length(min=1, max=MAX_BODY), _not_blank])
    internal = fields.Bool(load_default=False)


class MessageListArgs(Schema):
    after = IdField()
    limit = fields.Int(load_default=100, validate=validate.Range(min=1, max=500))


class AuthorOut(Schema):
    id = fields.Int()
    name = fields.Str()


class MessageOut(Schema):
    id = fields.Int()
    ticket_id = fields.Int()
    author = fields.Nested(AuthorOut)
    body = fields.Str()
    internal = fields.Bool()
    created_at = fields.Str()


class MessagePage(Schema):
    items = fields.List(fields.Nested(MessageOut))
