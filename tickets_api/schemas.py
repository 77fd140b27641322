from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from common.ids import IdField
from common.models.tickets import PRIORITIES, STATUSES
from tickets_api.catalogue import CATEGORIES, DEPARTMENTS


class TicketIn(Schema):
    subject = fields.Str(required=True, validate=validate.Length(min=3, max=200))
    description = fields.Str(required=True, validate=validate.Length(min=1, max=20_000))
    category = fields.Str(required=True, validate=validate.OneOf(list(CATEGORIES)))
    subcategory = fields.Str(load_default=None, allow_none=True)
    department = fields.Str(required=True, validate=validate.OneOf(DEPARTMENTS))

    @validates_schema
    def subcategory_matches(self, data, **_):
        allowed = CATEGORIES.get(data.get("category"), ())
        sub = data.get("subcategory")
        if sub is not None and sub not in allowed:
            raise ValidationError(
                f"not a subcategory of {data.get('category')!r}; choose one of {list(allowed)}"
                if allowed
                else f"{data.get('category')!r} has no subcategories",
                field_name="subcategory",
            )


class ApproveIn(Schema):
    priority = fields.Str(required=True, validate=validate.OneOf(PRIORITIES))
    department = fields.Str(validate=validate.OneOf(DEPARTMENTS))


class TicketOut(Schema):
    id = fields.Int()
    number = fields.Int()
    subject = fields.Str()
    description = fields.Str()
    category = fields.Str()
    subcategory = fields.Str(allow_none=True)
    department = fields.Str()
    priority = fields.Str(allow_none=True)
    status = fields.Str(validate=validate.OneOf(STATUSES))
    requester = fields.Method("get_requester")
    assignee = fields.Method("get_assignee")
    current_step = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    opened_at = fields.DateTime(allow_none=True)

    def get_requester(self, ticket):
        return {
            "id": ticket.requester_id,
            "name": ticket.requester_name,
            "email": ticket.requester_email,
        }

    def get_assignee(self, ticket):
        if ticket.assignee_id is None:
            return None
        return {"id": ticket.assignee_id, "name": ticket.assignee_name}


class TicketListArgs(Schema):
    status = fields.Str(validate=validate.OneOf(STATUSES))
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))
    before = IdField(metadata={"description": "cursor: the last id of the previous page"})


class TicketPage(Schema):
    items = fields.List(fields.Nested(TicketOut))
    next_cursor = fields.Int(allow_none=True)
