"""The 422 field map of invalid workflow definitions, pinned path by path and message by
message: the admin UI puts each message beside the field its path names, so a change here
is a change of the API. Each case breaks the two-step workflow of conftest one way (or a
few ways at once, where one fault could hide another).
"""

import copy

import pytest

from tests.workflow_api.helpers import ADMIN, AGENT, two_step
from workflow_api import definitions
from workflow_api.definitions import InvalidDefinition

WIZARD = {"system": "tts", "name": "Wizard"}


def step(index, **changes):
    return lambda d: d["steps"][index].update(changes)


def transition(index, **changes):
    return lambda d: d["transitions"][index].update(changes)


def targets(**changes):
    return lambda d: d["sla_hours"].update(changes)


def whole(**changes):
    return lambda d: d.update(changes)


def add_step(value):
    return lambda d: d["steps"].append(value)


def add_transition(value):
    return lambda d: d["transitions"].append(value)


def both(first, second):
    return lambda d: (first(d), second(d))


CASES = {
    "two starts": (step(1, start=True), {"steps": ["exactly one start step is required, found 2"]}),
    "no start": (step(0, start=False), {"steps": ["exactly one start step is required, found 0"]}),
    "no end": (
        step(2, end=False, role=AGENT),
        {
            "steps": [
                "at least one end step is required",
                "no end step can be reached from step 'check'",
                "no end step can be reached from step 'done'",
                "no end step can be reached from step 'work'",
            ]
        },
    ),
    "unreachable step": (
        lambda d: d["transitions"].pop(0),
        {
            "steps": [
                "step 'check' cannot be reached from the start",
                "step 'done' cannot be reached from the start",
                "no end step can be reached from step 'work'",
            ]
        },
    ),
    "no way to an end": (
        lambda d: d["transitions"].pop(1),
        {
            "steps": [
                "step 'done' cannot be reached from the start",
                "no end step can be reached from step 'check'",
                "no end step can be reached from step 'work'",
            ]
        },
    ),
    "unknown role": (step(0, role=WIZARD), {"steps.0.role": ["unknown role tts:Wizard"]}),
    "null role": (step(0, role=None), {"steps.0.role": ["an object with 'system' and 'name'"]}),
    "unknown policy": (
        step(0, policy="lottery"),
        {"steps.0.policy": ["one of ['round_robin', 'least_loaded', 'manual']"]},
    ),
    "zero weight": (
        step(0, weight=0),
        {"steps.0.weight": ["a number greater than 0, at most 1000"]},
    ),
    "bad step key": (
        step(0, key="Bad Key"),
        {
            "steps": ["exactly one start step is required, found 0"],
            "steps.0.key": ["lower-case letters, digits and _; starting with a letter"],
            "transitions": ["fix the transitions above", "fix the transitions above"],
            "transitions.0.from": ["unknown step 'work'"],
            "transitions.2.to": ["unknown step 'work'"],
        },
    ),
    "transition to nowhere": (
        transition(0, to="nowhere"),
        {
            "transitions": ["fix the transitions above"],
            "transitions.0.to": ["unknown step 'nowhere'"],
        },
    ),
    "way out of an end step": (
        add_transition({"key": "x", "from": "done", "to": "work"}),
        {
            "transitions": ["fix the transitions above"],
            "transitions.3.from": ["end step 'done' cannot have outgoing transitions"],
        },
    ),
    "targets not rising": (
        targets(critical=50),
        {"sla_hours": ["targets must rise strictly: critical < high < medium < low"]},
    ),
    "target missing": (
        lambda d: d["sla_hours"].pop("low"),
        {"sla_hours.low": ["business hours, greater than 0, at most 8760"]},
    ),
    "unknown time zone": (
        whole(calendar={"timezone": "Mars/Olympus"}),
        {"calendar": ["unknown IANA timezone: 'Mars/Olympus'"]},
    ),
    "escalation without a role": (
        step(0, escalate_on_breach=True),
        {"steps.0.escalate_on_breach": ["needs an escalation_role"]},
    ),
    "transitions not a list": (whole(transitions=5), {"transitions": ["a list"]}),
    "transition from a list": (
        transition(0, **{"from": []}),
        {"transitions": ["fix the transitions above"], "transitions.0.from": ["unknown step []"]},
    ),
    "huge target": (
        targets(low=1e300),
        {"sla_hours.low": ["business hours, greater than 0, at most 8760"]},
    ),
    "huge weight": (
        step(0, weight=10**400),
        {"steps.0.weight": ["a number greater than 0, at most 1000"]},
    ),
    "no steps key": (
        lambda d: d.pop("steps"),
        {
            "steps": ["at least one step is required"],
            "transitions": [
                "fix the transitions above",
                "fix the transitions above",
                "fix the transitions above",
            ],
            "transitions.0.from": ["unknown step 'work'"],
            "transitions.0.to": ["unknown step 'check'"],
            "transitions.1.from": ["unknown step 'check'"],
            "transitions.1.to": ["unknown step 'done'"],
            "transitions.2.from": ["unknown step 'check'"],
            "transitions.2.to": ["unknown step 'work'"],
        },
    ),
    "empty steps": (
        whole(steps=[]),
        {
            "steps": ["at least one step is required"],
            "transitions": [
                "fix the transitions above",
                "fix the transitions above",
                "fix the transitions above",
            ],
            "transitions.0.from": ["unknown step 'work'"],
            "transitions.0.to": ["unknown step 'check'"],
            "transitions.1.from": ["unknown step 'check'"],
            "transitions.1.to": ["unknown step 'done'"],
            "transitions.2.from": ["unknown step 'check'"],
            "transitions.2.to": ["unknown step 'work'"],
        },
    ),
    "null steps": (
        whole(steps=None),
        {
            "steps": ["at least one step is required"],
            "transitions": [
                "fix the transitions above",
                "fix the transitions above",
                "fix the transitions above",
            ],
            "transitions.0.from": ["unknown step 'work'"],
            "transitions.0.to": ["unknown step 'check'"],
            "transitions.1.from": ["unknown step 'check'"],
            "transitions.1.to": ["unknown step 'done'"],
            "transitions.2.from": ["unknown step 'check'"],
            "transitions.2.to": ["unknown step 'work'"],
        },
    ),
    "steps a string": (
        whole(steps="work"),
        {
            "steps": ["at least one step is required"],
            "transitions": [
                "fix the transitions above",
                "fix the transitions above",
                "fix the transitions above",
            ],
            "transitions.0.from": ["unknown step 'work'"],
            "transitions.0.to": ["unknown step 'check'"],
            "transitions.1.from": ["unknown step 'check'"],
            "transitions.1.to": ["unknown step 'done'"],
            "transitions.2.from": ["unknown step 'check'"],
            "transitions.2.to": ["unknown step 'work'"],
        },
    ),
    "steps an object": (
        whole(steps={"key": "work"}),
        {
            "steps": ["at least one step is required"],
            "transitions": [
                "fix the transitions above",
                "fix the transitions above",
                "fix the transitions above",
            ],
            "transitions.0.from": ["unknown step 'work'"],
            "transitions.0.to": ["unknown step 'check'"],
            "transitions.1.from": ["unknown step 'check'"],
            "transitions.1.to": ["unknown step 'done'"],
            "transitions.2.from": ["unknown step 'check'"],
            "transitions.2.to": ["unknown step 'work'"],
        },
    ),
    "empty definition": (
        lambda d: d.clear(),
        {
            "sla_hours": ["an object with hours for ['critical', 'high', 'medium', 'low']"],
            "steps": ["at least one step is required"],
        },
    ),
    "step not an object": (
        lambda d: d["steps"].__setitem__(1, "check"),
        {
            "steps.1": ["must be an object"],
            "transitions": [
                "fix the transitions above",
                "fix the transitions above",
                "fix the transitions above",
            ],
            "transitions.0.to": ["unknown step 'check'"],
            "transitions.1.from": ["unknown step 'check'"],
            "transitions.2.from": ["unknown step 'check'"],
        },
    ),
    "transition not an object": (
        lambda d: d["transitions"].__setitem__(0, 7),
        {
            "steps": [
                "step 'check' cannot be reached from the start",
                "step 'done' cannot be reached from the start",
                "no end step can be reached from step 'work'",
            ],
            "transitions.0": ["must be an object"],
        },
    ),
    "transition bad key": (
        transition(0, key="Submit!"),
        {
            "steps": [
                "step 'check' cannot be reached from the start",
                "step 'done' cannot be reached from the start",
                "no end step can be reached from step 'work'",
            ],
            "transitions.0.key": ["lower-case letters, digits and _; starting with a letter"],
        },
    ),
    "transition no key": (
        lambda d: d["transitions"][0].pop("key"),
        {
            "steps": [
                "step 'check' cannot be reached from the start",
                "step 'done' cannot be reached from the start",
                "no end step can be reached from step 'work'",
            ],
            "transitions.0.key": ["lower-case letters, digits and _; starting with a letter"],
        },
    ),
    "transition no from": (
        lambda d: d["transitions"][0].pop("from"),
        {"transitions": ["fix the transitions above"], "transitions.0.from": ["unknown step None"]},
    ),
    "transition both ends unknown": (
        transition(0, **{"from": "a", "to": "b"}),
        {
            "transitions": ["fix the transitions above"],
            "transitions.0.from": ["unknown step 'a'"],
            "transitions.0.to": ["unknown step 'b'"],
        },
    ),
    "two bad transitions": (
        both(transition(0, to="x"), transition(1, to="y")),
        {
            "transitions": ["fix the transitions above", "fix the transitions above"],
            "transitions.0.to": ["unknown step 'x'"],
            "transitions.1.to": ["unknown step 'y'"],
        },
    ),
    "falsy transitions": (
        whole(transitions={}),
        {
            "steps": [
                "step 'check' cannot be reached from the start",
                "step 'done' cannot be reached from the start",
                "no end step can be reached from step 'check'",
                "no end step can be reached from step 'work'",
            ]
        },
    ),
    "bad key hides other faults": (
        step(0, key="9", policy="x", weight=-1, role=None),
        {
            "steps": ["exactly one start step is required, found 0"],
            "steps.0.key": ["lower-case letters, digits and _; starting with a letter"],
            "transitions": ["fix the transitions above", "fix the transitions above"],
            "transitions.0.from": ["unknown step 'work'"],
            "transitions.2.to": ["unknown step 'work'"],
        },
    ),
    "no key": (
        lambda d: d["steps"][1].pop("key"),
        {
            "steps.1.key": ["lower-case letters, digits and _; starting with a letter"],
            "transitions": [
                "fix the transitions above",
                "fix the transitions above",
                "fix the transitions above",
            ],
            "transitions.0.to": ["unknown step 'check'"],
            "transitions.1.from": ["unknown step 'check'"],
            "transitions.2.from": ["unknown step 'check'"],
        },
    ),
    "all keys bad": (
        whole(steps=[{"key": "A"}, {"key": "B"}]),
        {
            "steps": [
                "exactly one start step is required, found 0",
                "at least one end step is required",
            ],
            "steps.0.key": ["lower-case letters, digits and _; starting with a letter"],
            "steps.1.key": ["lower-case letters, digits and _; starting with a letter"],
            "transitions": [
                "fix the transitions above",
                "fix the transitions above",
                "fix the transitions above",
            ],
            "transitions.0.from": ["unknown step 'work'"],
            "transitions.0.to": ["unknown step 'check'"],
            "transitions.1.from": ["unknown step 'check'"],
            "transitions.1.to": ["unknown step 'done'"],
            "transitions.2.from": ["unknown step 'check'"],
            "transitions.2.to": ["unknown step 'work'"],
        },
    ),
    "duplicate step key": (
        add_step({"key": "work", "role": AGENT}),
        {"steps": ["duplicate step key 'work'", "exactly one start step is required, found 0"]},
    ),
    "duplicate start step key": (
        lambda d: d["steps"].insert(1, {"key": "work", "role": AGENT, "start": True}),
        {"steps": ["duplicate step key 'work'"]},
    ),
    "start and end": (
        step(0, end=True),
        {
            "steps": ["step 'work' cannot be both start and end"],
            "transitions": ["fix the transitions above"],
            "transitions.0.from": ["end step 'work' cannot have outgoing transitions"],
        },
    ),
    "self loop": (
        add_transition({"key": "stay", "from": "work", "to": "work"}),
        {
            "transitions": ["fix the transitions above"],
            "transitions.3.to": ["a transition must lead to another step"],
        },
    ),
    "duplicate transition name": (
        add_transition({"key": "submit", "from": "work", "to": "done"}),
        {"transitions": ["two transitions named 'submit' leave step 'work'"]},
    ),
    "orphan step": (
        add_step({"key": "orphan", "role": AGENT}),
        {
            "steps": [
                "step 'orphan' cannot be reached from the start",
                "no end step can be reached from step 'orphan'",
            ]
        },
    ),
    "two orphans": (
        both(add_step({"key": "zeta", "role": AGENT}), add_step({"key": "alpha", "role": AGENT})),
        {
            "steps": [
                "step 'alpha' cannot be reached from the start",
                "step 'zeta' cannot be reached from the start",
                "no end step can be reached from step 'alpha'",
                "no end step can be reached from step 'zeta'",
            ]
        },
    ),
    "string false is true": (
        step(1, start="false"),
        {"steps": ["exactly one start step is required, found 2"]},
    ),
    "null policy": (
        step(0, policy=None),
        {"steps.0.policy": ["one of ['round_robin', 'least_loaded', 'manual']"]},
    ),
    "list policy": (
        step(0, policy=["manual"]),
        {"steps.0.policy": ["one of ['round_robin', 'least_loaded', 'manual']"]},
    ),
    "bool weight": (
        step(0, weight=True),
        {"steps.0.weight": ["a number greater than 0, at most 1000"]},
    ),
    "string weight": (
        step(0, weight="2"),
        {"steps.0.weight": ["a number greater than 0, at most 1000"]},
    ),
    "null weight": (
        step(0, weight=None),
        {"steps.0.weight": ["a number greater than 0, at most 1000"]},
    ),
    "negative weight": (
        step(1, weight=-3),
        {"steps.1.weight": ["a number greater than 0, at most 1000"]},
    ),
    "weight over the cap": (
        step(1, weight=1000.5),
        {"steps.1.weight": ["a number greater than 0, at most 1000"]},
    ),
    "role a string": (
        step(0, role="tts:Agent"),
        {"steps.0.role": ["an object with 'system' and 'name'"]},
    ),
    "role without system": (
        step(0, role={"name": "Agent"}),
        {"steps.0.role": ["an object with 'system' and 'name'"]},
    ),
    "role with empty name": (
        step(0, role={"system": "tts", "name": ""}),
        {"steps.0.role": ["an object with 'system' and 'name'"]},
    ),
    "no role": (
        lambda d: d["steps"][1].pop("role"),
        {"steps.1.role": ["an object with 'system' and 'name'"]},
    ),
    "unknown role on an end step": (
        step(2, role=WIZARD),
        {"steps.2.role": ["unknown role tts:Wizard"]},
    ),
    "malformed role on an end step": (
        step(2, role=[]),
        {"steps.2.role": ["an object with 'system' and 'name'"]},
    ),
    "malformed escalation role": (
        step(0, escalation_role={"system": "tts"}),
        {"steps.0.escalation_role": ["an object with 'system' and 'name'"]},
    ),
    "empty escalation role, escalating": (
        step(0, escalation_role={}, escalate_on_breach=True),
        {
            "steps.0.escalate_on_breach": ["needs an escalation_role"],
            "steps.0.escalation_role": ["an object with 'system' and 'name'"],
        },
    ),
    "malformed escalation role, escalating": (
        step(0, escalation_role="x", escalate_on_breach=1),
        {"steps.0.escalation_role": ["an object with 'system' and 'name'"]},
    ),
    "unknown escalation role": (
        step(0, escalation_role={"system": "tts", "name": "Nobody"}),
        {"steps.0.escalation_role": ["unknown role tts:Nobody"]},
    ),
    "unknown role and escalation role": (
        step(1, role=WIZARD, escalation_role=WIZARD),
        {
            "steps.1.escalation_role": ["unknown role tts:Wizard"],
            "steps.1.role": ["unknown role tts:Wizard"],
        },
    ),
    "field faults and graph faults": (
        both(step(0, weight=0), lambda d: d["transitions"].pop(0)),
        {
            "steps": [
                "step 'check' cannot be reached from the start",
                "step 'done' cannot be reached from the start",
                "no end step can be reached from step 'work'",
            ],
            "steps.0.weight": ["a number greater than 0, at most 1000"],
        },
    ),
    "faulty step still in the graph": (
        both(step(1, policy="x"), lambda d: d["transitions"].pop(2)),
        {"steps.1.policy": ["one of ['round_robin', 'least_loaded', 'manual']"]},
    ),
    "targets not an object": (
        whole(sla_hours=[4, 8, 24, 40]),
        {"sla_hours": ["an object with hours for ['critical', 'high', 'medium', 'low']"]},
    ),
    "no targets": (
        lambda d: d.pop("sla_hours"),
        {"sla_hours": ["an object with hours for ['critical', 'high', 'medium', 'low']"]},
    ),
    "null targets": (
        whole(sla_hours=None),
        {"sla_hours": ["an object with hours for ['critical', 'high', 'medium', 'low']"]},
    ),
    "empty targets": (
        whole(sla_hours={}),
        {
            "sla_hours.critical": ["business hours, greater than 0, at most 8760"],
            "sla_hours.high": ["business hours, greater than 0, at most 8760"],
            "sla_hours.low": ["business hours, greater than 0, at most 8760"],
            "sla_hours.medium": ["business hours, greater than 0, at most 8760"],
        },
    ),
    "string target": (
        targets(high="8"),
        {"sla_hours.high": ["business hours, greater than 0, at most 8760"]},
    ),
    "bool target": (
        targets(high=True),
        {"sla_hours.high": ["business hours, greater than 0, at most 8760"]},
    ),
    "equal targets": (
        targets(high=4),
        {"sla_hours": ["targets must rise strictly: critical < high < medium < low"]},
    ),
    "target over the cap": (
        targets(low=8761),
        {"sla_hours.low": ["business hours, greater than 0, at most 8760"]},
    ),
    "calendar unknown key": (
        whole(calendar={"workday": [0]}),
        {"calendar": ["unknown business calendar keys: workday"]},
    ),
    "calendar a string": (
        whole(calendar="weekdays"),
        {"calendar": ["business calendar must be an object, got str"]},
    ),
    "calendar bad hours": (
        whole(calendar={"start": "17:00", "end": "09:00"}),
        {
            "calendar": [
                "start (17:00:00) must be before end (09:00:00); overnight shifts are not supported"
            ]
        },
    ),
    "calendar bad workdays": (
        whole(calendar={"workdays": [7]}),
        {"calendar": ["workdays must be integers 0 (Monday) to 6 (Sunday), got 7"]},
    ),
}


def _broken(change):
    definition = copy.deepcopy(two_step())
    change(definition)
    return definition


def _publish(admin, definition):
    created = admin.post(
        "/api/workflow/workflows", json={"name": "Pinned", "definition": definition}
    )
    assert created.status_code == 201, created.get_json()
    return admin.post(f"/api/workflow/workflows/{created.get_json()['id']}/publish")


@pytest.mark.parametrize("change,expected", CASES.values(), ids=CASES.keys())
def test_publishing_answers_the_pinned_field_map(client, seeded, change, expected):
    response = _publish(client.as_user("admin@example.com"), _broken(change))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == expected


def _validation_errors(definition):
    with pytest.raises(InvalidDefinition) as caught:
        definitions.load(definition)
    return caught.value.extra["errors"]


@pytest.mark.parametrize("definition", [[], "steps", 5, None])
def test_a_definition_that_is_no_object(app, definition):
    """Not reachable through the API (its schema asks for an object), only from code."""
    with app.app_context():
        assert _validation_errors(definition) == {"": ["an object"]}


def test_a_weight_json_cannot_store(app, seeded):
    """NaN parses but cannot be stored as a draft: only the validator ever sees it."""
    bad = _broken(step(0, weight=float("nan")))
    with app.app_context():
        assert _validation_errors(bad) == {
            "steps.0.weight": ["a number greater than 0, at most 1000"]
        }


LENIENT = {
    "steps": [
        {
            "key": "work",
            "name": 5,
            "role": AGENT,
            "start": 1,
            "instructions": None,
            "colour": "red",
            "weight": 2.5,
            "escalation_role": {**ADMIN, "extra": 1},
            "escalate_on_breach": "yes",
        },
        {
            "key": "check",
            "name": "N" * 150,
            "role": AGENT,
            "instructions": ["a"],
            "end": 0,
            "policy": "least_loaded",
            "weight": 3,
        },
        {"key": "done", "name": "", "end": True, "role": None, "escalation_role": None},
    ],
    "transitions": [
        {"key": "submit", "name": "", "from": "work", "to": "check", "extra": True},
        {"key": "approve", "name": 7, "from": "check", "to": "done"},
        {"key": "send_back", "from": "check", "to": "work"},
    ],
    "sla_hours": {"critical": 4, "high": 8, "medium": 24.5, "low": 40, "extra": 3},
    "calendar": {
        "timezone": "Europe/Berlin",
        "holidays": ["2026-12-25", "2026-01-01"],
        "start": "08:30",
    },
    "notes": "x",
}
PUBLISHED = {
    "calendar": {
        "end": "17:00",
        "holidays": ["2026-01-01", "2026-12-25"],
        "start": "08:30",
        "timezone": "Europe/Berlin",
        "workdays": [0, 1, 2, 3, 4],
    },
    "sla_hours": {"critical": 4.0, "high": 8.0, "low": 40.0, "medium": 24.5},
    "steps": [
        {
            "end": False,
            "escalate_on_breach": True,
            "escalation_role": {"name": "Admin", "system": "tts"},
            "instructions": "",
            "key": "work",
            "name": "5",
            "policy": "round_robin",
            "role": {"name": "Agent", "system": "tts"},
            "start": True,
            "weight": 2.5,
        },
        {
            "end": False,
            "escalate_on_breach": False,
            "escalation_role": None,
            "instructions": "['a']",
            "key": "check",
            "name": "N" * 100,
            "policy": "least_loaded",
            "role": {"name": "Agent", "system": "tts"},
            "start": False,
            "weight": 3,
        },
        {
            "end": True,
            "escalate_on_breach": False,
            "escalation_role": None,
            "instructions": "",
            "key": "done",
            "name": "Done",
            "policy": "round_robin",
            "role": None,
            "start": False,
            "weight": 1,
        },
    ],
    "transitions": [
        {"from": "work", "key": "submit", "name": "Submit", "to": "check", "primary": False},
        {"from": "check", "key": "approve", "name": "7", "to": "done", "primary": False},
        {"from": "check", "key": "send_back", "name": "Send back", "to": "work", "primary": False},
    ],
}


def test_a_published_version_and_the_draft_hold_the_normal_form(client, seeded):
    """Loose values are read as they always were: text by its str, flags by truthiness,
    unknown keys dropped, names defaulted and cut, targets as floats, the calendar whole."""
    admin = client.as_user("admin@example.com")
    response = _publish(admin, LENIENT)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["definition"] == PUBLISHED
    workflow = admin.get("/api/workflow/workflows").get_json()["items"][-1]
    assert workflow["draft"] == PUBLISHED
