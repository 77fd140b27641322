from marshmallow import Schema, fields, validate

from common.ids import IdField


class NotificationListArgs(Schema):
    unread = fields.Bool(load_default=False)
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))
    before = IdField()


class NotificationOut(Schema):
    id = fields.Int()
    type = fields.Str()
    subject = fields.Str()
    body = fields.Str()
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    is_read = fields.Function(lambda n: n.read_at is not None)


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    next_cursor = fields.Int(allow_none=True)
    unread_count = fields.Int()


class MarkedOut(Schema):
    marked = fields.Int()


class ReadByTicketIn(Schema):
    ticket_id = IdField(required=True)


class MarkedForTicketOut(MarkedOut):
    unread_count = fields.Int(metadata={"description": "the caller's unread count after"})
