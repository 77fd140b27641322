"""The checks across a definition's steps and transitions: keys unique, one start step and
some end step, transitions between known steps, at most one primary way out of a step,
and every step on a way from the start to an end.

They run on whatever loaded, even when some steps or transitions failed their own checks,
so that a draft's problems are reported all at once. A step or transition that failed its
own checks comes as the dict of its fields that did load (marshmallow's ``valid_data``),
or as None, or ``{}``, when nothing of it could be read; ``field_of`` reads either form.
"""

from __future__ import annotations

from collections import Counter, deque

from marshmallow import ValidationError

SCHEMA = "_schema"  # marshmallow's key for the messages of a whole list or object


def check(steps: list | None, transitions: list | None) -> None:
    """Raise ValidationError with the problems by field. A list is None when it was
    unusable as a whole (its own field says so): it then has no items to check or refer to."""
    by_key = {field_of(step, "key"): step for step in _readable(steps)}  # the last of a key wins
    starts, ends = _starts_and_ends(by_key)
    step_messages = _step_problems(steps, starts, ends)
    transition_errors = _transition_problems(transitions or [], by_key, ends)
    if _walkable(starts, transitions, transition_errors):
        step_messages += _reachability_problems(starts[0], _edges(transitions, by_key), ends)
    errors = {"steps": step_messages, "transitions": transition_errors}
    found = {field: problems for field, problems in errors.items() if problems}
    if found:
        raise ValidationError(found)


def field_of(item, name: str):
    return item.get(name) if isinstance(item, dict) else getattr(item, name)


def _readable(items: list | None) -> list:
    """The items that have a key (those without one cannot be referred to)."""
    return [item for item in items or () if item and field_of(item, "key") is not None]


def _starts_and_ends(by_key: dict) -> tuple[list[str], set[str]]:
    starts = [key for key, step in by_key.items() if field_of(step, "start")]
    ends = {key for key, step in by_key.items() if field_of(step, "end")}
    return starts, ends


def _step_problems(steps: list | None, starts: list, ends: set) -> list[str]:
    """Keys unique, exactly one start, some end, and no step both."""
    if not steps:
        return []  # "at least one step is required" said it
    counts = Counter(field_of(step, "key") for step in _readable(steps))
    duplicates = sorted(key for key, count in counts.items() if count > 1)
    messages = [f"duplicate step key {key!r}" for key in duplicates]
    if len(starts) != 1:
        messages.append(f"exactly one start step is required, found {len(starts)}")
    if not ends:
        messages.append("at least one end step is required")
    for key in sorted(set(starts) & ends):
        messages.append(f"step {key!r} cannot be both start and end")
    return messages


def _transition_problems(transitions: list, by_key: dict, ends: set) -> dict:
    """Per transition what is wrong with its ends; then two of one name leaving one step.
    Each broken transition also adds a line to the list's own messages."""
    errors: dict = {}
    for index, transition in enumerate(transitions):
        problems = _end_problems(transition, by_key, ends) if transition else {}
        if problems:
            errors[index] = problems
            errors.setdefault(SCHEMA, []).append("fix the transitions above")
    seen, primary_of = set(), {}
    for index, transition in enumerate(transitions):
        if not transition or index in errors:
            continue
        source, key = field_of(transition, "source"), field_of(transition, "key")
        if (source, key) in seen:
            message = f"two transitions named {key!r} leave step {source!r}"
            errors.setdefault(SCHEMA, []).append(message)
        seen.add((source, key))
        if field_of(transition, "primary"):
            if source in primary_of:
                usual = primary_of[source]
                message = f"only one way out of step {source!r} is primary; {usual!r} is already"
                errors[index] = {"primary": [message]}
            else:
                primary_of[source] = key
    return errors


def _end_problems(transition, by_key: dict, ends: set) -> dict[str, list[str]]:
    source, target = field_of(transition, "source"), field_of(transition, "target")
    problems = {
        field: [f"unknown step {value!r}"]
        for field, value in (("from", source), ("to", target))
        if not isinstance(value, str) or value not in by_key
    }
    if problems:
        return problems
    if source in ends:
        return {"from": [f"end step {source!r} cannot have outgoing transitions"]}
    if source == target:
        return {"to": ["a transition must lead to another step"]}
    return {}


def _walkable(starts: list, transitions: list | None, transition_errors: dict) -> bool:
    """The walk needs one start, and every transition sound (none at all, if the list was
    unusable)."""
    return len(starts) == 1 and transitions is not None and not transition_errors.get(SCHEMA)


def _edges(transitions: list, by_key: dict) -> dict[str, list[str]]:
    """Only asked for when no transition has a problem: each one joins two known steps."""
    edges: dict[str, list[str]] = {key: [] for key in by_key}
    for transition in _readable(transitions):
        edges[field_of(transition, "source")].append(field_of(transition, "target"))
    return edges


def _reachability_problems(start: str, edges: dict, ends: set) -> list[str]:
    reachable = _walk(start, edges)
    messages = [
        f"step {key!r} cannot be reached from the start" for key in sorted(set(edges) - reachable)
    ]
    reverse: dict[str, list[str]] = {key: [] for key in edges}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].append(source)
    finishing = set().union(*(_walk(end, reverse) for end in ends))
    messages += [
        f"no end step can be reached from step {key!r}" for key in sorted(set(edges) - finishing)
    ]
    return messages


def _walk(origin: str, edges: dict) -> set[str]:
    seen, queue = {origin}, deque([origin])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
