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
