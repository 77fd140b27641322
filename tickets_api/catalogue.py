"""The category catalogue: seeded defaults, admin edits, and validating a ticket against it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from common.db import db
from common.models.tickets import DEPARTMENTS, Category
from common.problems import Conflict, NotFound, Unprocessable

DEFAULT_CATALOGUE: dict[str, dict] = {
    "IT Support": {
        "department": "IT",
        "subcategories": (
            "Technical Assistance",
            "Software Installation/Update",
            "Hardware Troubleshooting",
            "Email/Account Access Issue",
            "Network Connectivity",
            "Printer/Scanner Issue",
            "Data Backup/Restore",
            "Security Incident",
            "Access Request",
            "Other IT Issue",
        ),
    },
    "Asset Check In": {"department": "Asset", "details": "asset"},
    "Asset Check Out": {"department": "Asset", "details": "asset"},
    "New Budget Proposal": {"department": "Budget", "details": "budget"},
    "Others": {},
}


# Every ticket written validates against the catalogue, which changes rarely: each process
# keeps a copy for a few seconds (an admin's edit is seen everywhere within that time).
CACHE_SECONDS = 5.0
_cache: tuple[float, dict] | None = None
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Entry:
    name: str
    details_kind: str | None
    subcategories: tuple[str, ...]


def _active_entries() -> dict[str, Entry]:
    global _cache
    now = time.monotonic()
    with _cache_lock:
        if _cache is not None and now - _cache[0] < CACHE_SECONDS:
            return _cache[1]
    entries = {
        parent.name: Entry(
            parent.name,
            parent.details_kind,
            tuple(sub.name for sub in parent.subcategories if sub.active),
        )
        for parent in tree()
    }
    with _cache_lock:
        _cache = (now, entries)
    return entries


def forget_cache() -> None:
    global _cache
    with _cache_lock:
        _cache = None


class InvalidCategory(Unprocessable):
    """A category, subcategory or department the catalogue does not hold."""


def seed_catalogue() -> int:
    """Create the default categories that are missing; returns how many were added."""
    added = 0
    for position, (name, spec) in enumerate(DEFAULT_CATALOGUE.items()):
        parent = find(name)
        if parent is None:
            parent = Category(
                name=name,
                position=position,
                details_kind=spec.get("details"),
                default_department=spec.get("department"),
            )
            db.session.add(parent)
            db.session.flush()
            added += 1
        for sub_position, sub in enumerate(spec.get("subcategories", ())):
            if find(sub, parent.id) is None:
                db.session.add(Category(name=sub, parent_id=parent.id, position=sub_position))
                added += 1
    db.session.flush()
    return added


def find(name: str, parent_id: int | None = None) -> Category | None:
    query = select(Category).where(Category.name == name)
    query = query.where(
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    )
    return db.session.scalar(query)


def tree(include_inactive: bool = False) -> list[Category]:
    query = select(Category).where(Category.parent_id.is_(None))
    if not include_inactive:
        query = query.where(Category.active.is_(True))
    return db.session.scalars(query.order_by(Category.position, Category.name)).all()


def resolve(category: str, subcategory: str | None) -> Entry:
    """The active category a ticket names, checking its subcategory (422 field errors)."""
    parent = _active_entries().get(category)
    if parent is None:
        raise InvalidCategory(
            "Unknown category", errors={"category": [f"{category!r} is not an active category"]}
        )
    active_subs = list(parent.subcategories)
    if subcategory is None:
        return parent
    if subcategory not in active_subs:
        hint = f"choose one of {active_subs}" if active_subs else "it has no subcategories"
        raise InvalidCategory(
            "Unknown subcategory",
            errors={
                "subcategory": [f"{subcategory!r} is not a subcategory of {category!r}; {hint}"]
            },
        )
    return parent


def create(data: dict) -> Category:
    parent_id = data.get("parent_id")
    if parent_id is not None and db.session.get(Category, parent_id) is None:
        raise NotFound(f"Category {parent_id} not found")
    if find(data["name"], parent_id) is not None:
        raise Conflict(f"Category {data['name']!r} already exists here")
    department = data.get("default_department")
    if department is not None and department not in DEPARTMENTS:
        raise InvalidCategory("Unknown department", errors={"default_department": [department]})
    category = Category(
        name=data["name"],
        parent_id=parent_id,
        details_kind=data.get("details_kind"),
        default_department=department,
        position=data.get("position", 0),
        active=data.get("active", True),
    )
    db.session.add(category)
    db.session.flush()
    forget_cache()
    return category


def update(category_id: int, changes: dict) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(f"Category {category_id} not found")
    renamed = "name" in changes and changes["name"] != category.name
    if renamed and find(changes["name"], category.parent_id) is not None:
        raise Conflict(f"Category {changes['name']!r} already exists here")
    for field in ("name", "details_kind", "default_department", "position", "active"):
        if field in changes:
            setattr(category, field, changes[field])
    db.session.flush()
    forget_cache()
    return category
