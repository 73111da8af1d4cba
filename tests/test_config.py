from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gatekeeper.app import create_app
from gatekeeper.config import ConfigError, load_settings

pytestmark = pytest.mark.embedded


def test_defaults_are_embedded_mode(monkeypatch: Any, tmp_path: Path) -> None:
    settings = load_settings({"instance_path": tmp_path})
    assert settings.env == "development"
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'gatekeeper.db'}"
    assert settings.redis_url is None
    assert settings.files_dir == tmp_path / "files"


def test_settings_come_from_gatekeeper_variables(monkeypatch: Any) -> None:
    monkeypatch.setenv("GATEKEEPER_DATABASE_URL", "postgresql://gk@db.internal/gatekeeper")
    monkeypatch.setenv("GATEKEEPER_REDIS_URL", "redis://cache.internal:6379/2")
    monkeypatch.setenv("GATEKEEPER_JOB_RETRIES", "4")
    settings = load_settings()
    assert settings.sqlalchemy_url == "postgresql+psycopg://gk@db.internal/gatekeeper"
    assert settings.redis_url == "redis://cache.internal:6379/2"
    assert settings.job_retries == 4


def test_unknown_gatekeeper_variable_is_a_startup_error(monkeypatch: Any) -> None:
    monkeypatch.setenv("GATEKEEPER_REDIS_ULR", "redis://typo")
    with pytest.raises(ConfigError, match="GATEKEEPER_REDIS_ULR"):
        load_settings()


def test_invalid_value_is_a_startup_error(monkeypatch: Any) -> None:
    monkeypatch.setenv("GATEKEEPER_JOB_RETRIES", "many")
    with pytest.raises(ConfigError, match="job_retries"):
        load_settings()


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GATEKEEPER_SECRET_KEY"):
        create_app({"env": "production", "instance_path": tmp_path})


def test_production_without_an_audit_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GATEKEEPER_AUDIT_KEY"):
        create_app({"env": "production", "instance_path": tmp_path, "secret_key": "s" * 40})


def test_production_with_its_keys_starts(tmp_path: Path) -> None:
    app = create_app(
        {
            "env": "production",
            "instance_path": tmp_path,
            "secret_key": "s" * 40,
            "audit_key": "a" * 40,
        }
    )
    assert app.config["SECRET_KEY"] == "s" * 40
    assert app.config["GATEKEEPER_AUDIT_KEY"] == "a" * 40
    assert not app.config["TESTING"]


def test_web_processes_warm_the_models_at_start_only_when_asked(
    monkeypatch: Any, tmp_path: Path
) -> None:
    from gatekeeper.vision import warm

    calls: list[bool] = []
    monkeypatch.setattr(warm, "warm_up_in_background", lambda: calls.append(True))
    create_app({"instance_path": tmp_path})
    assert calls == []
    monkeypatch.setenv("GATEKEEPER_WARM_MODELS", "1")  # as `make run` starts gunicorn
    create_app({"instance_path": tmp_path})
    assert calls == [True]


def test_development_keeps_one_generated_key_across_restarts(tmp_path: Path) -> None:
    first = create_app({"instance_path": tmp_path}).config["SECRET_KEY"]
    second = create_app({"instance_path": tmp_path}).config["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert (tmp_path / "audit_key").stat().st_mode & 0o077 == 0
    assert create_app({"instance_path": tmp_path}).config["GATEKEEPER_AUDIT_KEY"] != first


def test_creating_the_app_makes_no_tables(tmp_path: Path) -> None:
    """The schema comes only from migrations, never from create_all at start-up."""
    import sqlite3

    create_app({"instance_path": tmp_path})
    database = tmp_path / "gatekeeper.db"
    tables = []
    if database.exists():
        with sqlite3.connect(database) as conn:
            tables = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    assert tables == []
