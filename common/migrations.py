"""Per-service Alembic migrations (through Flask-Migrate), one directory per service.

Each ``<service>/migrations/env.py`` is two lines calling ``run_env(bind)``: the schema of
a service's database comes from its own migration history, applied to its own engine.
"""

from __future__ import annotations

import logging

import flask_migrate
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from common.config import Config
from common.db import db
from common.services import ServiceSpec

log = logging.getLogger(__name__)


def run_env(bind: str) -> None:
    """The body of every service's Alembic env.py (online mode only)."""
    from alembic import context

    engine = db.engines[bind]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=db.metadatas[bind],
            compare_type=True,
            compare_server_default=True,
        )
        with context.begin_transaction():
            context.run_migrations()


def create_databases(config: Config, services: list[ServiceSpec]) -> list[str]:
    """Create each service's database if it does not exist yet. Returns those created."""
    created = []
    for spec in services:
        url = make_url(config.database_url(spec.name))
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                exists = connection.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"),
                    {"name": url.database},
                ).first()
                if not exists:
                    # Identifiers cannot be bound parameters; the name is from our config.
                    connection.execute(text(f'CREATE DATABASE "{url.database}"'))
                    created.append(url.database)
        finally:
            admin.dispose()
    return created


def upgrade(app: Flask, services: list[ServiceSpec], revision: str = "head") -> None:
    with app.app_context():
        for spec in services:
            log.info("migrating %s", spec.name)
            flask_migrate.upgrade(directory=str(spec.migrations_dir), revision=revision)


def revision(app: Flask, spec: ServiceSpec, message: str) -> None:
    with app.app_context():
        flask_migrate.revision(
            directory=str(spec.migrations_dir), message=message, autogenerate=True
        )
