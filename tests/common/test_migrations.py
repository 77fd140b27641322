"""Each service's migrations produce exactly the schema its models describe (no drift)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from common.db import db
from common.services import discover


@pytest.mark.parametrize("service", list(discover()))
def test_models_and_migrations_agree(app, service):
    with app.app_context(), db.engines[service].connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, db.metadatas[service])
    assert differences == []


def _before_shared_tables(spec) -> str:
    """The revision before the first of the service's migrations that creates a shared
    table (its live sockets or its operations tables)."""
    import re

    first = None
    for path in sorted(spec.migrations_dir.glob("versions/*.py")):
        text = path.read_text()
        if "common.shared_tables" in text:
            found = re.search(r'^down_revision = "(\w+)"', text, re.MULTILINE).group(1)
            first = found if first is None else first
    assert first is not None, spec.name
    return first


def test_the_shared_tables_go_down_and_up_again(config):
    """On databases of their own: each service's migrations from the head back to before
    the tables every service shares (common/shared_tables.py), then to the head again."""
    import flask_migrate
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.engine import make_url

    from common.app import create_app
    from common.migrations import create_databases, upgrade

    specs = list(discover().values())
    scratch = config.replace(database_prefix=config.database_prefix + "roundtrip_")
    for spec in specs:  # left over from an earlier run
        url = make_url(scratch.database_url(spec.name))
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()
    create_databases(scratch, specs)
    application = create_app(specs, scratch)
    upgrade(application, specs)
    shared = {"job_failures", "heartbeats", "ops_audit", "live_sockets"}
    with application.app_context():
        for spec in specs:
            flask_migrate.downgrade(
                directory=str(spec.migrations_dir), revision=_before_shared_tables(spec)
            )
            tables = set(inspect(db.engines[spec.name]).get_table_names())
            assert not tables & shared, (spec.name, tables & shared)
    upgrade(application, specs)
    with application.app_context():
        for spec in specs:
            tables = set(inspect(db.engines[spec.name]).get_table_names())
            assert {"job_failures", "heartbeats", "ops_audit"} <= tables, spec.name
        for engine in db.engines.values():
            engine.dispose()
