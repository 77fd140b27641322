"""How a service describes itself, and how common/ finds services without importing them.

Each service package has a ``spec.py`` with one ``ServiceSpec`` and declares it in the
``tts.services`` entry-point group of setup.cfg. Everything that needs "all services" (the
CLI, the dev server, workers, the scheduler) asks ``discover()``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path


def load(dotted: str):
    """Import ``"package.module:attribute"`` (or a bare module) lazily."""
    module_name, _, attribute = dotted.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # short name: also the database bind key and the config prefix of its Api
    package: str  # the Python package, e.g. "tickets_api"
    title: str
    prefixes: tuple[str, ...]  # URL prefixes it owns; the first one serves health/ready/docs
    blueprints: tuple[str, ...] = ()  # "module:attribute" of smorest blueprints
    sock_routes: str | None = None  # "module:function(app)" that registers WebSocket routes
    tasks: str | None = None  # module holding its Dramatiq actors
    queues: tuple[str, ...] = ()
    seeders: tuple[str, ...] = ()  # "module:function" run by `tts seed demo`, in order
    cli: str | None = None  # "module:click_group" mounted under `tts <name>`
    seed_commands: tuple[str, ...] = ()  # "module:click_command"s mounted under `tts seed`
    # "module:function" sweeps run by the scheduler; several schedulers may run them at
    # once, so each claims its rows with SKIP LOCKED (see common/scheduler.py).
    periodic: tuple[str, ...] = ()
    on_app: str | None = None  # "module:function(app)" extra wiring at app creation
    # "module:function(now) -> (facts, problems)": what only this service knows about its
    # jobs (workflow: overdue SLA timers), for the operators' status (common/ops/status.py).
    ops_facts: str | None = None
    # "module:function(session, now) -> {name: (help, value)}": gauges only this service
    # can compute (workflow: tts_sla_timers_overdue), added to its <prefix>/metrics at
    # scrape time with a ``service`` label (common/ops/metrics.py). Small indexed queries
    # on ``session`` only: a statement timeout guards the scrape.
    ops_gauges: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return self.prefixes[0]

    @property
    def migrations_dir(self) -> Path:
        module = importlib.import_module(self.package)
        return Path(module.__file__).resolve().parent / "migrations"

    @property
    def models(self) -> str:
        return f"common.models.{self.name}"


def path_owner(services: Iterable[ServiceSpec]) -> Callable[[str], str | None]:
    """A lookup from a request path to the name of the service that owns its URL prefix
    (None for a path no service owns). The longest prefix is tried first, so a prefix
    inside another's still finds its own service."""
    by_prefix = sorted(
        ((prefix, spec.name) for spec in services for prefix in spec.prefixes),
        key=lambda item: -len(item[0]),
    )

    def owner(path: str) -> str | None:
        return next((name for prefix, name in by_prefix if path.startswith(prefix)), None)

    return owner


@cache
def discover() -> dict[str, ServiceSpec]:
    """All installed services, in the order setup.cfg declares them."""
    specs = {}
    for ep in entry_points(group="tts.services"):
        spec = ep.load()
        specs[spec.name] = spec
    if not specs:
        raise RuntimeError("no TTS services installed: run `pip install -e .`")
    return specs


def get(name: str) -> ServiceSpec:
    specs = discover()
    if name not in specs:
        raise KeyError(f"unknown service {name!r}; known: {', '.join(specs)}")
    return specs[name]
