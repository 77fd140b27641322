"""Demo data: every service's seeders, in order, each one unit of work (all idempotent)."""

from __future__ import annotations

from common.services import ServiceSpec, load
from common.unit_of_work import unit_of_work


def seed_demo_data(specs: list[ServiceSpec]) -> None:
    for spec in specs:
        for dotted in spec.seeders:
            with unit_of_work():
                load(dotted)()
