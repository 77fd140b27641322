from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from common.ids import IdField, UserRef
from common.times import UtcDateTime

TASK_STATUSES = ("unassigned", "assigned", "on_hold", "completed", "cancelled")


class TaskListArgs(Schema):
    assignee = UserRef(keywords=("me", "any"), load_default="me")
    status = DelimitedList(fields.Str(validate=validate.OneOf(TASK_STATUSES)))
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))
    before = IdField()
    # The task of one ticket (a ticket has at most one): the ticket page links to it.
    ticket = IdField()


class SlaOutcomeOut(Schema):
    met = fields.Bool(metadata={"description": "finished by the ticket's due time"})
    margin_minutes = fields.Int(
        metadata={"description": "minutes to spare (met) or late (missed), of the clock"}
    )


class TaskOut(Schema):
    id = fields.Int()
    ticket_id = fields.Int()
    ticket_number = fields.Int(allow_none=True)
    ticket_subject = fields.Str()
    priority = fields.Str(allow_none=True)
    status = fields.Str()
    step = fields.Str(attribute="step_key")
    workflow_id = fields.Int()
    revision = fields.Int()
    assignee_id = fields.Int(allow_none=True)
    assignee_name = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    first_assigned_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    step_due_at = fields.DateTime(allow_none=True)
    breached = fields.Bool()
    # The step's SLA warning has fired (WARNING_AT of its time spent): "at risk" in lists,
    # decided by the server's business-hours calendar, not guessed by clients.
    at_risk = fields.Bool(attribute="step_warned")
    step_breached = fields.Bool()
    # A completed task's SLA, met or missed and by how much (null until it completes).
    sla_outcome = fields.Nested(SlaOutcomeOut, allow_none=True)


class CandidateOut(Schema):
    user_id = fields.Int()
    name = fields.Str()
    open_tasks = fields.Int(metadata={"description": "their unassigned, assigned or held tasks"})


class CandidateList(Schema):
    items = fields.List(fields.Nested(CandidateOut))


class TaskPage(Schema):
    items = fields.List(fields.Nested(TaskOut))
    next_cursor = fields.Int(allow_none=True)


class ActionOut(Schema):
    key = fields.Str()
    name = fields.Str()
    to = fields.Str()
    primary = fields.Bool(
        metadata={"description": "the usual next step: the one action offered as primary"}
    )


class TaskDetailOut(Schema):
    task = fields.Nested(TaskOut)
    step = fields.Dict()
    workflow = fields.Dict()
    actions = fields.List(fields.Nested(ActionOut))
    sla = fields.Dict()


class ActIn(Schema):
    transition = fields.Str(required=True, validate=validate.Length(min=1, max=60))
    notes = fields.Str(load_default="", validate=validate.Length(max=5000))
    revision = fields.Int(load_default=None, allow_none=True)


class TransferIn(Schema):
    user_id = IdField(required=True)
    notes = fields.Str(load_default="", validate=validate.Length(max=5000))
    revision = fields.Int(load_default=None, allow_none=True)


class EscalateIn(Schema):
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=5000))
    revision = fields.Int(load_default=None, allow_none=True)


class TaskEventOut(Schema):
    id = fields.Int()
    at = fields.DateTime()
    actor = fields.Function(lambda e: {"id": e.actor_id, "name": e.actor_name})
    action = fields.Str()
    from_step = fields.Str(allow_none=True)
    to_step = fields.Str(allow_none=True)
    notes = fields.Str()
    data = fields.Dict()


class AssignmentOut(Schema):
    step_key = fields.Str()
    user_id = fields.Int()
    user_name = fields.Str()
    origin = fields.Str()
    assigned_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    outcome = fields.Str(allow_none=True)


class TaskHistoryOut(Schema):
    events = fields.List(fields.Nested(TaskEventOut))
    assignments = fields.List(fields.Nested(AssignmentOut))


class WorkflowIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    description = fields.Str(load_default="", validate=validate.Length(max=5000))
    department = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=50))
    category = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=100))
    subcategory = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=100))
    is_default = fields.Bool(load_default=False)
    definition = fields.Dict(load_default=dict)


class WorkflowPatch(Schema):
    name = fields.Str(validate=validate.Length(min=1, max=120))
    description = fields.Str(validate=validate.Length(max=5000))
    department = fields.Str(allow_none=True, validate=validate.Length(max=50))
    category = fields.Str(allow_none=True, validate=validate.Length(max=100))
    subcategory = fields.Str(allow_none=True, validate=validate.Length(max=100))
    is_default = fields.Bool()
    archived = fields.Bool()
    definition = fields.Dict()


class WorkflowOut(Schema):
    id = fields.Int()
    name = fields.Str()
    description = fields.Str()
    department = fields.Str(allow_none=True)
    category = fields.Str(allow_none=True)
    subcategory = fields.Str(allow_none=True)
    is_default = fields.Bool()
    archived = fields.Bool()
    current_version = fields.Int(allow_none=True)
    draft = fields.Dict()
    draft_changed = fields.Bool(
        allow_none=True,
        metadata={"description": "the draft differs from the published version (null: none)"},
    )
    updated_at = fields.DateTime()


class WorkflowList(Schema):
    items = fields.List(fields.Nested(WorkflowOut))


class ValidationIn(Schema):
    definition = fields.Dict(
        metadata={"description": "the definition to check; without it, the stored draft"}
    )


class ValidationOut(Schema):
    valid = fields.Bool()


class VersionOut(Schema):
    id = fields.Int()
    number = fields.Int()
    definition = fields.Dict()
    published_at = fields.DateTime()
    published_by = fields.Int(allow_none=True)


class VersionList(Schema):
    items = fields.List(fields.Nested(VersionOut))


class AuditOut(Schema):
    id = fields.Int()
    workflow_id = fields.Int()
    at = fields.DateTime()
    actor = fields.Function(lambda a: {"id": a.actor_id, "name": a.actor_name})
    action = fields.Str()
    changes = fields.Dict()


class AuditList(Schema):
    items = fields.List(fields.Nested(AuditOut))


class UnroutedOut(Schema):
    ticket_id = fields.Int()
    ticket = fields.Dict()
    received_at = fields.DateTime()


class UnroutedList(Schema):
    items = fields.List(fields.Nested(UnroutedOut))


class RouteIn(Schema):
    workflow_id = IdField(required=True)


class ReportArgs(Schema):
    start = UtcDateTime(data_key="from", required=True)
    end = UtcDateTime(data_key="to", required=True)
    workflow_id = IdField(
        data_key="workflow",
        load_default=None,
        metadata={"description": "only this workflow's tasks"},
    )
    format = fields.Str(load_default="json", validate=validate.OneOf(["json", "csv"]))
