from marshmallow import Schema, fields, validate

from common.ids import IdField


class MessageIn(Schema):
    body = fields.Str(required=True, validate=validate.Length(min=1, max=10_000))
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
