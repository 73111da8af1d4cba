"""The application factory: settings, then a flat list of extensions and blueprints."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, Response, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import Engine, event
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from camera_adapters.wire import MAX_RECORD_ID
from gatekeeper import access
from gatekeeper.config import PROJECT_ROOT, load_settings, resolve_audit_key, resolve_secret_key
from gatekeeper.extensions import (
    babel,
    csrf,
    db,
    limiter,
    login_manager,
    mail,
    migrate,
    talisman,
)
from gatekeeper.models.auth import use_cheapest_password_hashing

SUPPORTED_LOCALES = ("en", "zh_CN")

# Same-origin only: every script, style and image is served by this app (no CDNs).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "script-src": ["'self'"],
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


# Flask-Admin's templates use inline event handlers (delete confirmations): its pages
# alone may run inline scripts. They are reachable by admins only.
ADMIN_CSP = "; ".join(
    f"{key} {' '.join(value) if isinstance(value, list) else value}"
    for key, value in {
        **CONTENT_SECURITY_POLICY,
        "script-src": ["'self'", "'unsafe-inline'"],
    }.items()
)


def create_app(config_override: dict[str, Any] | None = None) -> Flask:
    settings = load_settings(config_override)
    if settings.database_url is None:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        static_folder=str(PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    if settings.proxy_count:
        # Behind a TLS-terminating proxy: the client's address (rate limits, audit) and
        # scheme (secure cookies, redirects) come from its X-Forwarded-* headers.
        n = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    # Ids in URLs are database integers: a larger number is no record (404), never an
    # overflow deep in the driver.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.update(
        GATEKEEPER=settings,
        SECRET_KEY=resolve_secret_key(settings),
        GATEKEEPER_AUDIT_KEY=resolve_audit_key(settings),
        TESTING=settings.env == "testing",
        SQLALCHEMY_DATABASE_URI=settings.sqlalchemy_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.sqlalchemy_url),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The session lasts while it is used (see access._idle_too_long); no remember-me.
        PERMANENT_SESSION_LIFETIME=settings.session_idle_minutes * 60,
        SESSION_COOKIE_SECURE=settings.force_https,
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        RATELIMIT_STORAGE_URI=settings.rate_limit_storage_url or settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis down must not lock guards out: limits fall back to this process's memory.
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        WTF_CSRF_TIME_LIMIT=None,
        MAIL_SERVER=settings.smtp_host or "localhost",
        MAIL_PORT=settings.smtp_port,
        MAIL_USERNAME=settings.smtp_username,
        MAIL_PASSWORD=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        MAIL_USE_TLS=settings.smtp_tls,
        MAIL_DEFAULT_SENDER=settings.mail_from,
        MAIL_TIMEOUT=10,
        # Without an SMTP host nothing is sent (notices stay in the app).
        MAIL_BACKEND="smtp" if settings.smtp_host else "dummy",
        GATEKEEPER_NOTIFY_URL=settings.notify_url,
        GATEKEEPER_NOTIFY_TOKEN_ENV=settings.notify_token_env,
        GATEKEEPER_FEED_URL=settings.feed_url,
        GATEKEEPER_FEED_TOKEN_ENV=settings.feed_token_env,
        GATEKEEPER_FEED_PARK_CODE=settings.feed_park_code,
        GATEKEEPER_FEED_EVERY_SECONDS=settings.feed_every_seconds,
        GATEKEEPER_RETENTION_DAYS=settings.retention_days,
    )
    if settings.env == "testing":
        use_cheapest_password_hashing()
    logging.basicConfig(level=settings.log_level)
    # fpdf2's font subsetting logs every table it touches at INFO: not the operator's news.
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    db.init_app(app)
    if settings.sqlalchemy_url.startswith("sqlite"):
        with app.app_context():
            _configure_sqlite(db.engine)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), compare_type=True, render_as_batch=True
    )
    login_manager.init_app(app)
    # Access is checked before CSRF, so an anonymous POST is refused as unauthenticated.
    access.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    # Registered before Talisman's hook, so it runs after it (Flask runs them in reverse).
    app.after_request(_admin_csp)
    talisman.init_app(
        app,
        force_https=settings.force_https,
        content_security_policy=CONTENT_SECURITY_POLICY,
        session_cookie_secure=settings.force_https,
    )

    from gatekeeper import cli, jobs
    from gatekeeper.services import audit, road_network
    from gatekeeper.web import register_blueprints

    jobs.init_app(app)
    audit.init_app(app)
    road_network.init_app()
    register_blueprints(app)
    cli.init_app(app)
    if settings.warm_models:
        from gatekeeper.vision.warm import warm_up_in_background

        warm_up_in_background()
    return app


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` bounded to what an INTEGER column holds."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_RECORD_ID)
        super().__init__(url_map, *args, **kwargs)


# An uploaded file is served as itself, never able to run anything as a page of ours.
FILE_CSP = "default-src 'none'; img-src 'self'; object-src 'none'; sandbox"


def _admin_csp(response: Response) -> Response:
    if request.path.startswith("/admin"):
        response.headers["Content-Security-Policy"] = ADMIN_CSP
    elif request.endpoint in ("carrier.document_file", "home.document_file"):
        response.headers["Content-Security-Policy"] = FILE_CSP
    return response


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Several threads of the dev server share the file; wait for a lock instead of failing.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}


def _configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave like the server databases: foreign keys enforced, real
    transactions (pysqlite's own BEGIN handling breaks SAVEPOINTs), WAL for readers."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")


def _may_write() -> bool:
    """Whether this transaction may write. SQLite cannot upgrade a reading transaction to
    a writing one while another connection writes ("database is locked" at once, without
    waiting for the busy timeout), so a transaction that may write takes the write lock up
    front and waits its turn. Reading requests (GET, HEAD) start plain transactions, so
    that the kiosk's polling never blocks a gate decision; they do not write."""
    if has_request_context():
        return request.method not in ("GET", "HEAD", "OPTIONS")
    return True  # jobs, commands, tests


def _select_locale() -> str | None:
    if not has_request_context():  # commands, jobs, start-up: the default language
        return None
    if current_user and getattr(current_user, "locale", None) in SUPPORTED_LOCALES:
        return str(current_user.locale)
    if session.get("locale") in SUPPORTED_LOCALES:  # chosen before signing in
        return str(session["locale"])
    return request.accept_languages.best_match(SUPPORTED_LOCALES)
