"""The event catalogue: every event, who produces it, its payload, and who receives it.

Subscribers are named by Dramatiq actor name and queue, so common/ routes events without
importing any service. The relay sends one message per subscriber. A test checks that
every subscriber named here is an actor declared by its service on that queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate


@dataclass(frozen=True)
class Subscriber:
    actor: str
    queue: str
    # Deliver only events whose payload has one of these values per field (None: all).
    # Filtering at the relay spares a consumer the messages it would only discard.
    only: tuple[tuple[str, tuple], ...] | None = None

    def wants(self, payload: dict) -> bool:
        return self.only is None or all(payload.get(f) in values for f, values in self.only)


@dataclass(frozen=True)
class EventType:
    name: str
    producer: str
    schema: type[Schema]
    subscribers: tuple[Subscriber, ...] = ()


class RoleSynced(Schema):
    role_id = fields.Int(required=True)
    system = fields.Str(required=True)
    name = fields.Str(required=True)
    deleted = fields.Bool(load_default=False)
    # Bumped on every change of the role: a replica keeps the highest version it saw.
    version = fields.Int(load_default=0)


class SessionsRevoked(Schema):
    """Tokens of a session (``session_id``) or of a user below an epoch are revoked:
    ``min_epoch`` ends every session (``sev``); ``min_roles_epoch`` only retires access
    tokens issued before a change of the user's roles (``rev``), which then refresh."""

    user_id = fields.Int(required=True)
    session_id = fields.Str(allow_none=True, load_default=None)
    min_epoch = fields.Int(allow_none=True, load_default=None)
    min_roles_epoch = fields.Int(allow_none=True, load_default=None)
    # When the last token this revokes has expired anyway (the row can go then).
    expires_at = fields.Str(required=True)


class EmailRequested(Schema):
    """An email for notifier to render and send. ``sealed`` values (links holding a
    one-time token) are encrypted with the shared secret: never readable in the outbox,
    the broker or a log."""

    to = fields.Email(required=True)
    template = fields.Str(required=True)
    context = fields.Dict(required=True)
    sealed = fields.Dict(keys=fields.Str(), values=fields.Str(), load_default=dict)
    user_id = fields.Int(allow_none=True, load_default=None)


class UserRoleSynced(Schema):
    grant_id = fields.Int(required=True)
    user_id = fields.Int(required=True)
    user_name = fields.Str(required=True)
    user_email = fields.Str(required=True)
    system = fields.Str(required=True)
    role = fields.Str(required=True)
    role_id = fields.Int(allow_none=True, load_default=None)
    is_active = fields.Bool(required=True)
    deployed = fields.Bool(required=True)
    version = fields.Int(required=True)
    deleted = fields.Bool(load_default=False)


class TicketCreated(Schema):
    ticket_id = fields.Int(required=True)
    number = fields.Int(required=True)
    requester_id = fields.Int(required=True)
    subject = fields.Str(required=True)


class TicketOpened(Schema):
    ticket_id = fields.Int(required=True)
    number = fields.Int(required=True)
    subject = fields.Str(required=True)
    category = fields.Str(required=True)
    subcategory = fields.Str(allow_none=True)
    department = fields.Str(required=True)
    priority = fields.Str(
        required=True, validate=validate.OneOf(["low", "medium", "high", "critical"])
    )
    requester_id = fields.Int(required=True)
    # Who approved it: the workflow's news of the approval is not news to them.
    approved_by = fields.Int(allow_none=True, load_default=None)


class TicketStatusChanged(Schema):
    ticket_id = fields.Int(required=True)
    number = fields.Int(required=True)
    action = fields.Str(required=True)
    from_status = fields.Str(required=True)
    to_status = fields.Str(required=True)
    reason = fields.Str(allow_none=True)
    actor_id = fields.Int(allow_none=True)  # None: the workflow or the scheduler
    requester_id = fields.Int(required=True)
    assignee_id = fields.Int(allow_none=True)
    subject = fields.Str(required=True)


class TaskCompleted(Schema):
    task_id = fields.Int(required=True)
    ticket_id = fields.Int(required=True)
    # Who took the transition that ended it, and their notes (none when the system did).
    by_id = fields.Int(allow_none=True, load_default=None)
    by_name = fields.Str(allow_none=True, load_default=None)
    notes = fields.Str(allow_none=True, load_default=None)


class MessagePosted(Schema):
    message_id = fields.Int(required=True)
    ticket_id = fields.Int(required=True)
    author_id = fields.Int(required=True)
    internal = fields.Bool(required=True)


class TaskSla(Schema):
    task_id = fields.Int(required=True)
    ticket_id = fields.Int(required=True)
    ticket_number = fields.Int(allow_none=True)
    ticket_subject = fields.Str(required=True)
    step = fields.Str(required=True)
    assignee_id = fields.Int(allow_none=True)
    due_at = fields.Str(allow_none=True)


class TicketUnrouted(Schema):
    ticket_id = fields.Int(required=True)
    number = fields.Int(allow_none=True)
    subject = fields.Str(required=True)
    recipient_ids = fields.List(fields.Int(), required=True)
    # The requester hears here that their ticket was accepted and waits (see TicketQueued).
    requester_id = fields.Int(allow_none=True, load_default=None)
    approved_by = fields.Int(allow_none=True, load_default=None)


class TicketQueued(Schema):
    """An approved ticket's task waits for someone to take it: nobody could be given its
    start step. The requester's only news of the approval (see TaskAssigned)."""

    ticket_id = fields.Int(required=True)
    number = fields.Int(allow_none=True)
    subject = fields.Str(required=True)
    requester_id = fields.Int(allow_none=True, load_default=None)
    approved_by = fields.Int(allow_none=True, load_default=None)


class TaskAssigned(Schema):
    task_id = fields.Int(required=True)
    ticket_id = fields.Int(required=True)
    ticket_number = fields.Int(allow_none=True)
    ticket_subject = fields.Str(required=True)
    step = fields.Str(required=True)
    assignee_id = fields.Int(required=True)
    assignee_name = fields.Str(required=True)
    origin = fields.Str(load_default="system")  # system | transfer | escalation | manual
    # The task's first assignee, working now: the requester hears of it from this same
    # event (one message to notifier, not a second one from tickets' move).
    requester_id = fields.Int(allow_none=True, load_default=None)
    first_assignment = fields.Bool(load_default=False)
    # Assigned as the ticket's approval reached the workflow: the requester's notice tells
    # of both. The approval itself sends notifier nothing: its outcome, a moment later, is
    # the news (assigned here; or workflow.ticket_queued, or workflow.ticket_unrouted).
    on_approval = fields.Bool(load_default=False)
    approved_by = fields.Int(allow_none=True, load_default=None)  # with on_approval
    # The assignment follows someone's action on the task (it moved on a step): on the
    # ticket, work has started.
    after_action = fields.Bool(load_default=False)
    # Whose move this assignment is (acted, transferred, escalated, routed, reopened);
    # None: the workflow's own. Nobody is told of their own move (notifier/service).
    actor_id = fields.Int(allow_none=True, load_default=None)


class TicketAudienceChanged(Schema):
    """Someone who could see the ticket no longer can (its assignee was replaced): caches
    of who may see it are void from ``version`` (the ticket's) on."""

    ticket_id = fields.Int(required=True)
    version = fields.Int(required=True)
    lost_user_id = fields.Int(required=True)


CATALOGUE: dict[str, EventType] = {
    event.name: event
    for event in (
        EventType(
            "roles.sync",
            producer="auth",
            schema=RoleSynced,
            subscribers=(Subscriber("workflow.on_role_synced", "workflow"),),
        ),
        EventType(
            "auth.sessions_revoked",
            producer="auth",
            schema=SessionsRevoked,
            subscribers=(
                Subscriber("tickets.on_sessions_revoked", "tickets"),
                Subscriber("workflow.on_sessions_revoked", "workflow"),
                Subscriber("chat.on_sessions_revoked", "chat"),
                Subscriber("notify.on_sessions_revoked", "notify"),
            ),
        ),
        EventType(
            "auth.email_requested",
            producer="auth",
            schema=EmailRequested,
            subscribers=(Subscriber("notify.send_email", "email"),),
        ),
        EventType(
            "user_roles.sync",
            producer="auth",
            schema=UserRoleSynced,
            subscribers=(Subscriber("workflow.on_user_role_synced", "workflow"),),
        ),
        EventType("tickets.created", producer="tickets", schema=TicketCreated),
        EventType(
            "tickets.status_changed",
            producer="tickets",
            schema=TicketStatusChanged,
            subscribers=(
                # The workflow follows people's moves; it made "assign"/"complete" itself,
                # and "approve" reaches it as tickets.opened.
                Subscriber(
                    "workflow.on_ticket_status_changed",
                    "workflow",
                    only=(
                        (
                            "action",
                            ("hold", "resume", "withdraw", "reject", "resolve", "reopen")
                            + ("close", "auto_close"),
                        ),
                    ),
                ),
                # The requester is told of each move someone else made (notifier/service).
                # "assign" reaches it as tasks.assigned, which carries that news too; so
                # does "approve", with what the workflow made of the ticket: assigned
                # (TaskAssigned), queued (TicketQueued) or waiting to be routed.
                Subscriber(
                    "notify.on_ticket_status_changed",
                    "notify",
                    only=(
                        (
                            "action",
                            ("reject", "hold", "resume", "resolve") + ("complete", "auto_close"),
                        ),
                    ),
                ),
            ),
        ),
        EventType(
            "tickets.audience_changed",
            producer="tickets",
            schema=TicketAudienceChanged,
            subscribers=(Subscriber("chat.on_audience_changed", "chat"),),
        ),
        EventType(
            "tasks.sla_warning",
            producer="workflow",
            schema=TaskSla,
            subscribers=(Subscriber("notify.on_sla_warning", "notify"),),
        ),
        EventType(
            "tasks.sla_breached",
            producer="workflow",
            schema=TaskSla,
            subscribers=(Subscriber("notify.on_sla_breached", "notify"),),
        ),
        EventType(
            "workflow.ticket_unrouted",
            producer="workflow",
            schema=TicketUnrouted,
            subscribers=(Subscriber("notify.on_ticket_unrouted", "notify"),),
        ),
        EventType(
            "workflow.ticket_queued",
            producer="workflow",
            schema=TicketQueued,
            subscribers=(Subscriber("notify.on_ticket_queued", "notify"),),
        ),
        EventType(
            "tasks.completed",
            producer="workflow",
            schema=TaskCompleted,
            subscribers=(Subscriber("tickets.on_task_completed", "tickets"),),
        ),
        EventType(
            "chat.message_posted",
            producer="chat",
            schema=MessagePosted,
            subscribers=(
                Subscriber("tickets.on_message_posted", "tickets"),
                Subscriber("workflow.on_message_posted", "workflow"),
            ),
        ),
        EventType(
            "tickets.opened",
            producer="tickets",
            schema=TicketOpened,
            subscribers=(Subscriber("workflow.on_ticket_opened", "workflow"),),
        ),
        EventType(
            "tasks.assigned",
            producer="workflow",
            schema=TaskAssigned,
            subscribers=(
                Subscriber("tickets.on_task_assigned", "tickets"),
                Subscriber("notify.on_task_assigned", "notify"),
            ),
        ),
    )
}


class UnknownEvent(KeyError):
    pass


def event_type(name: str) -> EventType:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownEvent(name) from None
