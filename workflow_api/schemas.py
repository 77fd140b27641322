from marshmallow import Schema, ValidationError, fields, validate

from common.ids import MAX_ID, IdField


class AssigneeField(fields.Field):
    """``me`` or a user id."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "me":
            return "me"
        try:
            user_id = int(value)
        except (TypeError, ValueError):
            raise ValidationError("must be 'me' or a user id") from None
        if not 1 <= user_id <= MAX_ID:
            raise ValidationError("must be 'me' or a user id")
        return user_id


class TaskListArgs(Schema):
    assignee = AssigneeField(load_default="me")
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))
    before = IdField()


class TaskOut(Schema):
    id = fields.Int()
    ticket_id = fields.Int()
    ticket_number = fields.Int(allow_none=True)
    ticket_subject = fields.Str()
    priority = fields.Str(allow_none=True)
    status = fields.Str()
    step = fields.Function(lambda task: task.step.name)
    workflow_id = fields.Int()
    assignee_id = fields.Int(allow_none=True)
    assignee_name = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    assigned_at = fields.DateTime(allow_none=True)


class TaskPage(Schema):
    items = fields.List(fields.Nested(TaskOut))
    next_cursor = fields.Int(allow_none=True)
