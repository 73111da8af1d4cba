"""The schema comes from Alembic migrations, and they match the models exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from gatekeeper.extensions import db
from tests.conftest import make_app

pytestmark = pytest.mark.embedded


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_migrated_database_matches_the_models(app: Flask) -> None:
    """Autogenerate against the upgraded test database finds nothing to do
    (run on SQLite and on PostgreSQL by ``make test``). Read through the test's own
    connection: on SQLite it holds the write lock for the whole test."""
    assert _differences(db.session.connection()) == []


def test_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    scratch = make_app(tmp_path, database_url=f"sqlite:///{tmp_path / 'scratch.db'}")
    with scratch.app_context():
        upgrade()
        assert "booking" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        with db.engine.connect() as connection:
            assert _differences(connection) == []
        db.engine.dispose()
