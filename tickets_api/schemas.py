from marshmallow import Schema, fields, missing, validate
from webargs.fields import DelimitedList

from common.ids import IdField, UserRef
from common.models.tickets import DEPARTMENTS, PRIORITIES, STATUSES
from common.times import UtcDateTime
from tickets_api.details import labelled
from tickets_api.search import SORTS


class Stripped(fields.Str):
    """Text whose surrounding spaces are dropped before it is validated."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class TicketIn(Schema):
    subject = Stripped(required=True, validate=validate.Length(min=3, max=200))
    description = fields.Str(required=True, validate=validate.Length(min=1, max=20_000))
    category = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    subcategory = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=100))
    department = fields.Str(required=True, validate=validate.OneOf(DEPARTMENTS))
    details = fields.Dict(load_default=None, allow_none=True)
    scheduled_date = fields.Date(load_default=None, allow_none=True)


class TicketPatch(Schema):
    subject = Stripped(validate=validate.Length(min=3, max=200))
    description = fields.Str(validate=validate.Length(min=1, max=20_000))
    category = fields.Str(validate=validate.Length(min=1, max=100))
    subcategory = fields.Str(allow_none=True, validate=validate.Length(max=100))
    department = fields.Str(validate=validate.OneOf(DEPARTMENTS))
    priority = fields.Str(validate=validate.OneOf(PRIORITIES))
    details = fields.Dict(allow_none=True)
    scheduled_date = fields.Date(allow_none=True)


class ApproveIn(Schema):
    priority = fields.Str(required=True, validate=validate.OneOf(PRIORITIES))
    department = fields.Str(validate=validate.OneOf(DEPARTMENTS))


class ActionIn(Schema):
    reason = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class CsatIn(Schema):
    rating = fields.Int(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.Str(load_default="", validate=validate.Length(max=2000))


class CsatOut(Schema):
    rating = fields.Int()
    comment = fields.Str()
    created_at = fields.DateTime()


class PersonOut(Schema):
    id = fields.Int()
    name = fields.Str()
    email = fields.Str()


class DetailFieldOut(Schema):
    name = fields.Str()
    label = fields.Str()
    value = fields.Raw(
        metadata={
            "description": "text or a number; for a list of items (cost items), one list of "
            "{name, label, value} per item"
        }
    )


class LabelledDetails(fields.List):
    """The ticket's filled details with their labels, in the form's order (read-only)."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(DetailFieldOut), dump_only=True, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=missing):
        return labelled(getattr(obj, "details", None))


class TicketOut(Schema):
    id = fields.Int()
    number = fields.Int()
    version = fields.Int()
    subject = fields.Str()
    description = fields.Str()
    category = fields.Str()
    subcategory = fields.Str(allow_none=True)
    department = fields.Str()
    priority = fields.Str(allow_none=True)
    status = fields.Str(validate=validate.OneOf(STATUSES))
    status_reason = fields.Str(allow_none=True)
    details = fields.Dict()
    details_fields = LabelledDetails()
    scheduled_date = fields.Date(allow_none=True)
    requester = fields.Function(
        lambda t: {"id": t.requester_id, "name": t.requester_name, "email": t.requester_email}
    )
    assignee = fields.Function(
        lambda t: None if t.assignee_id is None else {"id": t.assignee_id, "name": t.assignee_name}
    )
    current_step = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    opened_at = fields.DateTime(allow_none=True)
    first_response_at = fields.DateTime(allow_none=True)
    work_started_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "when someone first worked on it (a staff message, the task acted "
            "on, a hold); null while an in_progress ticket is only assigned"
        },
    )
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class TicketDetailOut(TicketOut):
    csat = fields.Nested(CsatOut, allow_none=True)


class TicketListArgs(Schema):
    status = DelimitedList(fields.Str(validate=validate.OneOf(STATUSES)))
    priority = DelimitedList(fields.Str(validate=validate.OneOf(PRIORITIES)))
    department = DelimitedList(fields.Str(validate=validate.OneOf(DEPARTMENTS)))
    category = DelimitedList(fields.Str(validate=validate.Length(max=100)))
    requester = UserRef()
    assignee = UserRef()
    created_from = UtcDateTime()
    created_to = UtcDateTime()
    updated_from = UtcDateTime()
    updated_to = UtcDateTime()
    q = fields.Str(validate=validate.Length(max=200), metadata={"description": "full-text search"})
    sort = fields.Str(load_default="-created_at", validate=validate.OneOf(list(SORTS)))
    cursor = fields.Str(validate=validate.Length(max=200))
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))


class TicketPage(Schema):
    items = fields.List(fields.Nested(TicketOut))
    next_cursor = fields.Str(allow_none=True)


class ActionsOut(Schema):
    status = fields.Str()
    allowed_actions = fields.List(fields.Str())


class ActorOut(Schema):
    id = fields.Int(allow_none=True, metadata={"description": "none for the system"})
    name = fields.Str()


class HistoryChangeOut(Schema):
    field = fields.Str()
    old_value = fields.Raw(allow_none=True)
    new_value = fields.Raw(allow_none=True)


class HistoryOut(Schema):
    """One action on the ticket: who, when, the fields it changed, the reason given."""

    id = fields.Int()
    at = fields.DateTime()
    actor = fields.Nested(ActorOut)
    action = fields.Str()
    reason = fields.Str(allow_none=True, metadata={"description": "the reason or notes given"})
    changes = fields.List(fields.Nested(HistoryChangeOut))


class HistoryPage(Schema):
    items = fields.List(fields.Nested(HistoryOut))


class AttachmentOut(Schema):
    id = fields.Int()
    ticket_id = fields.Int()
    filename = fields.Str()
    content_type = fields.Str()
    size = fields.Int()
    sha256 = fields.Str()
    uploaded_by = fields.Function(lambda a: {"id": a.uploaded_by, "name": a.uploaded_by_name})
    created_at = fields.DateTime()


class AttachmentList(Schema):
    items = fields.List(fields.Nested(AttachmentOut))


class CategoryIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    parent_id = IdField(load_default=None, allow_none=True)
    details_kind = fields.Str(
        load_default=None, allow_none=True, validate=validate.OneOf(["asset", "budget"])
    )
    default_department = fields.Str(
        load_default=None, allow_none=True, validate=validate.OneOf(DEPARTMENTS)
    )
    position = fields.Int(load_default=0, validate=validate.Range(min=0, max=10_000))
    active = fields.Bool(load_default=True)


class CategoryPatch(Schema):
    name = fields.Str(validate=validate.Length(min=1, max=100))
    details_kind = fields.Str(allow_none=True, validate=validate.OneOf(["asset", "budget"]))
    default_department = fields.Str(allow_none=True, validate=validate.OneOf(DEPARTMENTS))
    position = fields.Int(validate=validate.Range(min=0, max=10_000))
    active = fields.Bool()


class SubcategoryOut(Schema):
    id = fields.Int()
    name = fields.Str()
    active = fields.Bool()
    position = fields.Int()


class CategoryOut(Schema):
    id = fields.Int()
    name = fields.Str()
    parent_id = fields.Int(allow_none=True)
    details_kind = fields.Str(allow_none=True)
    default_department = fields.Str(allow_none=True)
    active = fields.Bool()
    position = fields.Int()
    subcategories = fields.List(fields.Nested(SubcategoryOut))


class CategoryList(Schema):
    items = fields.List(fields.Nested(CategoryOut))
    departments = fields.List(fields.Str())


class CategoryListArgs(Schema):
    include_inactive = fields.Bool(load_default=False)
