"""Workflow definitions: steps, transitions, SLA targets and calendar, as frozen dataclasses
loaded from their JSON (its shape: docs/workflows.md) by marshmallow schemas.

``load`` answers a ``Definition`` or InvalidDefinition (422) with every problem found,
keyed by the field's path (``steps.0.role``); ``dump`` gives the JSON back, normalised.
The engine, the SLA clocks and the task views read a version through ``of_version``.
Reaching an end step completes the task, so end steps have no role work and no way out.
The usual next step is the transition marked ``primary``, else the first one listed, so
definitions from before the flag keep working; at most one leaving a step may be marked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from common.models.workflow import WorkflowVersion
from common.problems import Unprocessable
from workflow_api import definition_graph
from workflow_api.business_hours import BusinessCalendar
from workflow_api.definition_fields import BoundedNumber, Calendar, Flag, ItemsInPlace, Text

POLICIES = ("round_robin", "least_loaded", "manual")
# Bounds that keep every deadline computable (about four years of working days).
MAX_SLA_HOURS = 8_760
MAX_WEIGHT = 1_000
PRIORITY_ORDER = ("critical", "high", "medium", "low")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
KEY_RULE = "lower-case letters, digits and _; starting with a letter"
NO_STEPS = "at least one step is required"
NOT_AN_OBJECT = "must be an object"  # a step or a transition
SLA_SHAPE = f"an object with hours for {list(PRIORITY_ORDER)}"


class InvalidDefinition(Unprocessable):
    """A draft that is not a valid workflow; ``errors`` maps each field to its problems."""


@dataclass(frozen=True)
class Role:
    system: str
    name: str


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    instructions: str
    role: Role | None  # None only at an end step
    escalation_role: Role | None
    policy: str  # one of POLICIES
    weight: float  # its share of the SLA target, against the other working steps
    start: bool
    end: bool
    escalate_on_breach: bool


@dataclass(frozen=True)
class Transition:
    key: str  # what the assignee picks; unique among the ways out of one step
    name: str
    source: str  # "from" in the JSON
    target: str  # "to"
    primary: bool = False  # marked as the usual next step (see usual_next)


@dataclass(frozen=True)
class Definition:
    steps: tuple[Step, ...]
    transitions: tuple[Transition, ...]
    sla_hours: Mapping[str, float]  # business hours per priority
    calendar: BusinessCalendar

    def step(self, key: str) -> Step:
        return next(step for step in self.steps if step.key == key)

    def start_step(self) -> Step:
        return next(step for step in self.steps if step.start)

    def transitions_from(self, key: str) -> list[Transition]:
        return [transition for transition in self.transitions if transition.source == key]

    def usual_next(self, key: str) -> Transition | None:
        """The usual way out of step ``key``: the one marked primary, else the first listed."""
        options = self.transitions_from(key)
        return next((t for t in options if t.primary), options[0] if options else None)


class RoleRef(fields.Field):
    """A role as ``{"system", "name"}``, both given (other keys are dropped)."""

    default_error_messages = {"invalid": "an object with 'system' and 'name'"}

    def _deserialize(self, value, attr, data, **kwargs) -> Role:
        if not (isinstance(value, Mapping) and value.get("system") and value.get("name")):
            raise self.make_error("invalid")
        return Role(str(value["system"]), str(value["name"]))

    def _serialize(self, value: Role | None, attr, obj, **kwargs) -> dict | None:
        return None if value is None else {"system": value.system, "name": value.name}


def _default_name(key: str) -> str:
    return key.replace("_", " ").capitalize()


class KeyedSchema(Schema):
    """What steps and transitions share: a key others refer to them by, and a name."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": NOT_AN_OBJECT}

    key = fields.Str(required=True)  # checked first, by _check_key
    name = Text(100)  # the key, readable, when empty

    @pre_load
    def _check_key(self, item, **kwargs):
        """Without a usable key nothing can refer to the item: its key is then its only
        problem reported, and nothing else about it is checked."""
        if isinstance(item, Mapping):
            key = item.get("key")
            if not (isinstance(key, str) and KEY.match(key)):
                raise ValidationError(KEY_RULE, "key")
        return item


class StepSchema(KeyedSchema):
    instructions = Text(5000)
    role = RoleRef(load_default=None, allow_none=True)
    escalation_role = RoleRef(load_default=None, allow_none=True)
    policy = fields.Raw(
        load_default="round_robin",
        validate=validate.OneOf(POLICIES, error=f"one of {list(POLICIES)}"),
        error_messages={"null": f"one of {list(POLICIES)}"},
    )
    weight = BoundedNumber(
        MAX_WEIGHT, f"a number greater than 0, at most {MAX_WEIGHT}", load_default=1
    )
    start = Flag()
    end = Flag()
    escalate_on_breach = Flag()

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_roles_given(self, step, original, **kwargs):
        """A working step needs a role; escalating on a breach needs someone to escalate to.
        (A role given but malformed is its own field's problem.)"""
        if not isinstance(original, Mapping):
            return  # "must be an object" says it all
        errors = {}
        if "role" in step and step["role"] is None and not step["end"]:
            errors["role"] = [RoleRef.default_error_messages["invalid"]]
        if step["escalate_on_breach"] and not original.get("escalation_role"):
            errors["escalate_on_breach"] = ["needs an escalation_role"]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _to_step(self, step, **kwargs) -> Step:
        return Step(**{**step, "name": step["name"] or _default_name(step["key"])})


class TransitionSchema(KeyedSchema):
    # Any value: whether it names a step is checked across the definition.
    source = fields.Raw(data_key="from", load_default=None, allow_none=True)
    target = fields.Raw(data_key="to", load_default=None, allow_none=True)
    primary = Flag()

    @post_load
    def _to_transition(self, transition, **kwargs) -> Transition:
        name = transition["name"] or _default_name(transition["key"])
        return Transition(**{**transition, "name": name})


def _hours() -> BoundedNumber:
    message = f"business hours, greater than 0, at most {MAX_SLA_HOURS}"
    return BoundedNumber(MAX_SLA_HOURS, message, required=True)


class SlaHoursSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": SLA_SHAPE}

    critical = _hours()
    high = _hours()
    medium = _hours()
    low = _hours()

    @validates_schema
    def _check_rising(self, hours, **kwargs):
        ordered = [hours[priority] for priority in PRIORITY_ORDER]
        if ordered != sorted(ordered) or len(set(ordered)) != len(ordered):
            raise ValidationError("targets must rise strictly: critical < high < medium < low")

    @post_load
    def _to_hours(self, hours, **kwargs) -> Mapping[str, float]:
        return MappingProxyType({priority: float(hours[priority]) for priority in PRIORITY_ORDER})


class DefinitionSchema(Schema):
    """``known_role``: when given, every role must be one it knows (publishing checks
    against auth_api's roles; a stored version is read whatever became of its roles)."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "an object"}

    steps = ItemsInPlace(
        fields.Nested(StepSchema, error_messages={"null": NOT_AN_OBJECT}),
        required=True,
        error_messages={"required": NO_STEPS, "invalid": NO_STEPS},
    )
    transitions = ItemsInPlace(
        fields.Nested(TransitionSchema, error_messages={"null": NOT_AN_OBJECT}),
        load_default=list,
        error_messages={"invalid": "a list"},
    )
    sla_hours = fields.Nested(
        SlaHoursSchema, required=True, error_messages={"required": SLA_SHAPE, "null": SLA_SHAPE}
    )
    calendar = Calendar(load_default=BusinessCalendar)

    def __init__(self, *, known_role: Callable[[Role], bool] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.known_role = known_role

    @validates_schema(skip_on_field_errors=False)
    def _check_graph(self, definition, **kwargs):
        definition_graph.check(definition.get("steps"), definition.get("transitions"))

    @validates_schema(skip_on_field_errors=False)
    def _check_roles_known(self, definition, **kwargs):
        if self.known_role is None:
            return
        unknown: dict = {}
        for index, field, role in _roles(definition.get("steps")):
            if not self.known_role(role):
                unknown.setdefault(index, {})[field] = [f"unknown role {role.system}:{role.name}"]
        if unknown:
            raise ValidationError({"steps": unknown})

    @post_load
    def _to_definition(self, definition, **kwargs) -> Definition:
        return Definition(
            steps=tuple(definition["steps"]),
            transitions=tuple(definition["transitions"]),
            sla_hours=definition["sla_hours"],
            calendar=definition["calendar"],
        )


def _roles(steps: list | None):
    """(index, field, role) of every role given, in steps that failed other checks too."""
    for index, step in enumerate(steps or ()):
        for field in ("role", "escalation_role") if step else ():
            role = definition_graph.field_of(step, field)
            if role is not None:
                yield index, field, role


# --- reading and writing the JSON ---------------------------------------------------------

_schema = DefinitionSchema()  # loading without role checks, and dumping, need no state


def load(raw: object, *, known_role: Callable[[Role], bool] | None = None) -> Definition:
    """The definition ``raw`` (JSON) describes, or InvalidDefinition with every problem."""
    schema = _schema if known_role is None else DefinitionSchema(known_role=known_role)
    try:
        return schema.load(raw)
    except ValidationError as error:
        raise InvalidDefinition(
            "The workflow definition is invalid.", errors=field_map(error.messages)
        ) from None


def dump(definition: Definition) -> dict:
    """The normalised JSON: every field present, roles and targets in their full form."""
    return _schema.dump(definition)


def field_map(messages: dict | list, path: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as the flat map clients have always had, keyed by the
    field's dotted path (``steps.0.role``); an object's or list's own messages (marshmallow's
    ``_schema``) belong to its own path, the whole definition's to ``""``."""
    if isinstance(messages, list):
        return {path: list(messages)}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        for field, found in field_map(value, _joined(path, key)).items():
            flat.setdefault(field, []).extend(found)
    return flat


def _joined(path: str, key: str | int) -> str:
    if key == definition_graph.SCHEMA:
        return path
    return f"{path}.{key}" if path else str(key)


# A version never changes once published, and a task reads its version on every action:
# each process keeps the versions it has loaded. The stored JSON is compared as well as the
# id, because ids repeat when a database is recreated (tests, a restore), and comparing
# costs far less than loading.
MAX_KEPT_VERSIONS = 500
_versions: dict[int, tuple[dict, Definition]] = {}


def of_version(version: WorkflowVersion) -> Definition:
    """The version's definition. It loaded when it was published, so a failure here is a
    fault of the stored data (a 500 with its ValidationError), not of the caller."""
    kept = _versions.get(version.id)
    if kept is not None and kept[0] == version.definition:
        return kept[1]
    definition = _schema.load(version.definition)
    if len(_versions) >= MAX_KEPT_VERSIONS:
        _versions.clear()  # far more versions than any deployment has: start again
    _versions[version.id] = (version.definition, definition)
    return definition
