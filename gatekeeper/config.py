"""One validated settings object, read from ``GATEKEEPER_*`` environment variables.

Embedded mode (the default) needs no servers: an SQLite file under ``instance/`` and
jobs run in-process. Setting ``GATEKEEPER_DATABASE_URL`` and ``GATEKEEPER_REDIS_URL``
switches to PostgreSQL and Redis/RQ workers.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "GATEKEEPER_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


class Settings(BaseSettings):
    """Every setting the service reads. Unknown ``GATEKEEPER_*`` variables are rejected."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    env: Literal["development", "production", "testing"] = "development"
    secret_key: SecretStr | None = None
    # Signs the audit log's checkpoints; kept outside the database (required in production).
    audit_key: SecretStr | None = None
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str | None = None
    redis_url: str | None = None
    # Where uploaded documents and captured frames are stored (default: instance/files).
    storage_dir: Path | None = None
    login_rate_limit: str = "10 per minute"
    # Signed-in sessions end after this long without a request (a kiosk's polling counts).
    session_idle_minutes: int = Field(default=60, gt=0, le=24 * 60)
    # Trusted reverse proxies in front of the app (X-Forwarded-For/-Proto/-Host): 0 = none.
    proxy_count: int = Field(default=0, ge=0, le=5)
    rate_limit_storage_url: str | None = None
    default_locale: str = "en"
    force_https: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # E-mail (expiry notices): sent only when an SMTP host is set.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: bool = True
    mail_from: str = "gatekeeper@localhost"
    # Drivers called forward from the holding lot: "log" (the default: written to the log)
    # or an SMS/WeChat gateway's HTTP endpoint that takes {"to", "text"} (see notify.py).
    notify_url: str | None = None
    notify_token_env: str | None = None
    # The authorities' safety platform: closed-management data pushed as JSON (see
    # docs/authority-feed.md); unset: nothing is sent. The token is read from the named
    # environment variable, never stored in a file.
    feed_url: str | None = None
    feed_token_env: str | None = None
    feed_park_code: str = "PARK"
    feed_every_seconds: int = Field(default=600, ge=60)
    # Passages, images, gate documents (waybills), sightings and person passages are kept
    # this long, then purged by the daily job (at least a year: the legal minimum).
    retention_days: int = Field(default=400, ge=366)
    job_timeout_seconds: int = Field(default=600, gt=0)
    # Web processes that read in the request (embedded mode: no Redis, no workers) load the
    # OCR models in the background at start, not on the first vehicle or document
    # (``make run`` sets it; ``flask worker`` warms up by itself, see its --warm).
    warm_models: bool = False
    job_retries: int = Field(default=2, ge=0, le=10)

    @field_validator(
        "database_url", "redis_url", "rate_limit_storage_url", "smtp_host", "notify_url", "feed_url"
    )
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Use the psycopg 3 driver for plain postgresql:// URLs.
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{self.instance_path / 'gatekeeper.db'}"

    @property
    def files_dir(self) -> Path:
        return self.storage_dir or self.instance_path / "files"


def _unknown_env_keys(fields: set[str]) -> list[str]:
    return sorted(
        key
        for key in os.environ
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :].lower() not in fields
    )


def load_settings(override: dict[str, Any] | None = None) -> Settings:
    """Read and validate the settings once; ``override`` wins over the environment."""
    unknown = _unknown_env_keys(set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    try:
        settings = Settings(**(override or {}))
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration:\n{exc}") from exc
    for name in ("secret_key", "audit_key"):
        if settings.production and getattr(settings, name) is None:
            raise ConfigError(
                f"{ENV_PREFIX}{name.upper()} must be set in production "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
            )
    return settings


def resolve_secret_key(settings: Settings) -> str:
    """The configured key, or (outside production) one kept in the instance folder.

    A key stored in ``instance/secret_key`` keeps sessions valid across restarts and
    across several processes of the embedded server.
    """
    return _resolve_key(settings, "secret_key")


def resolve_audit_key(settings: Settings) -> str:
    """The key that signs audit checkpoints: configured, or kept in ``instance/audit_key``
    (outside the database, so that whoever can rewrite the database cannot re-sign)."""
    return _resolve_key(settings, "audit_key")


def _resolve_key(settings: Settings, name: str) -> str:
    configured: SecretStr | None = getattr(settings, name)
    if configured is not None:
        return configured.get_secret_value()
    if settings.env == "testing":
        return f"testing-{name}"
    key_file = settings.instance_path / name
    if not key_file.exists():
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
