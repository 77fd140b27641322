"""Demo seed: systems, roles and the four demo accounts. Safe to run again."""

from __future__ import annotations

import secrets

import click
from flask import current_app

from auth_api import accounts, roles

SYSTEMS = {
    "tts": "Ticket Tracking System",
    "hdts": "Help Desk Ticketing System",
    "ams": "Asset Management System",
    "bms": "Budget Management System",
}
ROLES = {
    "hdts": ["Employee", "Ticket Coordinator", "Admin"],
    "tts": ["Admin", "Agent", "Asset Manager", "Budget Manager", "Operator"],
    "ams": ["Admin"],
    "bms": ["Admin"],
}
DEMO_ACCOUNTS = [
    ("employee@example.com", "Emma Employee", [("hdts", "Employee")]),
    ("coordinator@example.com", "Colin Coordinator", [("hdts", "Ticket Coordinator")]),
    ("agent@example.com", "Ava Agent", [("tts", "Agent")]),
    ("admin@example.com", "Adam Admin", [(system, "Admin") for system in SYSTEMS]),
]


def seed_systems() -> dict:
    return {slug: roles.ensure_system(slug, name) for slug, name in SYSTEMS.items()}


def seed_systems_and_roles() -> dict:
    found = {}
    for slug, system in seed_systems().items():
        for role_name in ROLES[slug]:
            found[(slug, role_name)] = roles.ensure_role(system, role_name)
    return found


def seed_demo() -> None:
    found = seed_systems_and_roles()
    password = current_app.config["TTS_CONFIG"].demo_password
    generated = password is None
    if generated:
        password = secrets.token_urlsafe(12)
    created = []
    for email, name, grants in DEMO_ACCOUNTS:
        user, is_new = accounts.ensure_user(email, name, password)
        if is_new:
            created.append(email)
        for system, role in grants:
            roles.grant_role(user, found[(system, role)])
    if created:
        click.echo(f"demo accounts created: {', '.join(created)}")
        if generated:
            click.echo(f"demo password (TTS_DEMO_PASSWORD was unset): {password}")
    else:
        click.echo("demo accounts already exist (passwords unchanged)")
