"""Fixtures: one app and one migrated database per test session, a rollback per test.

The backend comes from ``GK_TEST_DATABASE_URL``: a PostgreSQL server, on which the run
creates a database of its own (dropped after it), or unset for a fresh SQLite file.
``make test`` runs the whole suite on PostgreSQL and the tests marked ``embedded`` (the
embedded mode's own paths) on SQLite. Redis tests use the server at ``GK_TEST_REDIS_URL``
(default: the local one) with a database number no other run on this machine holds.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
from collections.abc import Iterator, Sequence
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from hypothesis import settings
from sqlalchemy import select
from sqlalchemy.orm import scoped_session

from gatekeeper.app import create_app
from gatekeeper.extensions import db, limiter
from gatekeeper.models import Company, Role, User
from gatekeeper.services import dashboard
from gatekeeper.services.reference_data import load_reference_data
from tests import factories
from tests.backends import private_postgres_database, private_redis_url, redis_server_url

# Shared fixtures kept in their own modules.
pytest_plugins = ["tests.gate_samples", "tests.booking_samples"]

# Property and fuzz tests (hypothesis, schemathesis) draw the same examples on every run, so
# a red run is the code's doing and reruns the same; `HYPOTHESIS_PROFILE=explore make test`
# draws new ones (a failure then prints the seed that repeats it).
settings.register_profile("suite", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

REDIS_URL = private_redis_url(redis_server_url())
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This run's own database: a new PostgreSQL database, or a new SQLite file."""
    server = os.environ.get("GK_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"
        return
    with private_postgres_database(server, "gk_test") as url:
        yield url


def make_app(tmp_dir: Path, database_url: str | None = None, **overrides: Any) -> Flask:
    """An app in testing mode; without ``database_url``, over a new SQLite file in
    ``tmp_dir`` (scratch apps of single tests)."""
    config: dict[str, Any] = {
        "env": "testing",
        "instance_path": tmp_dir,
        "database_url": database_url or f"sqlite:///{tmp_dir / 'test.db'}",
        "redis_url": None,
    }
    config.update(overrides)
    return create_app(config)


class _ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session picks an engine per mapper and would ignore ``bind``;
    the test session must use the one connection whose transaction is rolled back."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


class IsolatedClient(FlaskClient):
    """Each request in its own app context, as in production: a test's own app context
    (held for its database work) must not leak ``g`` (the signed-in user) into requests."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _migrate(app: Flask) -> None:
    with app.app_context():
        upgrade()
        load_reference_data()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Flask]:
    application = make_app(tmp_path_factory.mktemp("instance"), database_url)
    application.test_client_class = IsolatedClient
    _migrate(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def session(app: Flask) -> Iterator[scoped_session[Any]]:
    """Every test runs in a transaction that is rolled back; commits become savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _ConnectionBoundSession,
            }
        )
        limiter.reset()
        dashboard.forget_finished_days()  # counted from another test's (rolled back) data
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def audit_checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test signs audit checkpoints into its own file (its database is rolled back)."""
    from gatekeeper.services import audit

    path = tmp_path / "audit-checkpoints.jsonl"
    monkeypatch.setattr(audit, "checkpoint_file", lambda: path)
    return path


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def users(session: Any) -> dict[Role, User]:
    carrier = factories.make_carrier()
    return {role: factories.make_user(role, carrier=carrier) for role in Role}


def login_as(client: FlaskClient, user: User) -> FlaskClient:
    """Sign a test client in without the login form (that form has its own tests)."""
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True
        flask_session["seen"] = int(time.time())
    return client


@pytest.fixture
def as_role(app: Flask, users: dict[Role, User]) -> Any:
    def signed_in(role: Role) -> FlaskClient:
        return login_as(app.test_client(), users[role])

    return signed_in


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def demo_user_client(app: Flask, role: Role) -> FlaskClient:
    """A test client signed in as the demo park's user of this role."""
    user = db.session.scalar(select(User).where(User.role == role).order_by(User.id).limit(1))
    assert user is not None, f"no {role.value} in the park"
    return login_as(app.test_client(), user)


def chinese_client(app: Flask, role: Role) -> FlaskClient:
    """A test client signed in as the demo park's user of this role, reading in Chinese."""
    user = db.session.scalar(select(User).where(User.role == role).order_by(User.id).limit(1))
    assert user is not None, f"no {role.value} in the park"
    user.locale = "zh_CN"
    db.session.commit()
    return login_as(app.test_client(), user)


def post_form(client: FlaskClient, url: str, **data: Any) -> Any:
    """Send the form of the page at ``url`` (its CSRF token) with ``data``, as a browser
    would; the test's session then sees what the request wrote."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **data})
    db.session.expire_all()
    return response


def error_messages(html: str) -> list[str]:
    """Every message a page's form shows beside its fields, in order."""
    return re.findall(r'<span class="field-error" role="alert">([^<]+)</span>', unescape(html))


def first_company() -> Company:
    """The park's first company (by id)."""
    company = db.session.scalar(select(Company).order_by(Company.id))
    assert company is not None
    return company


def field_errors(html: str) -> dict[str, str]:
    """Each form field's first error on a page, by the name of the field it follows."""
    errors: dict[str, str] = {}
    field = ""
    for name, error in re.findall(
        r'name="([a-z_.-]+)"|<span class="field-error" role="alert">([^<]+)</span>', html
    ):
        if name:
            field = name
        elif field not in errors:
            errors[field] = unescape(error)
    return errors


def csv_bytes(columns: Sequence[str], rows: list[dict[str, str]]) -> bytes:
    """A CSV file with a header row, as a person saves one for an import."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload_file(client: FlaskClient, url: str, data: bytes, name: str) -> Any:
    """Send a file through the upload form of the page at ``url``, following the redirect
    to the import's page (jobs run in-process in tests)."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    db.session.expire_all()
    return response
