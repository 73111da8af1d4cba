"""Error answers: a busy or unreachable database is 503 with Retry-After, an unexpected
fault is a 500 page that renders even when the transaction failed; nothing is committed."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from gatekeeper.extensions import db
from gatekeeper.models import Passage, Role
from gatekeeper.services import captures
from tests.gate_samples import Demo


def _locked(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("INSERT INTO passage", {}, Exception("database is locked"))


def test_a_locked_database_answers_503_with_retry_after(
    client: Any, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(captures, "_save_new", _locked)
    response = demo.post_event(client, "G1-IN", event_id="busy-1", plate="ZZ-123-ZZ")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json["error"] == "service_unavailable"
    assert db.session.scalar(select(func.count()).select_from(Passage)) == 0


def test_a_busy_page_answers_503_as_html(
    app: Flask, as_role: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gatekeeper.web.home import routes

    monkeypatch.setattr(routes, "render_template", _locked)
    response = as_role(Role.MANAGER).get("/manage/occupancy")
    assert response.status_code == 503
    assert "try again" in response.get_data(as_text=True)


def test_an_unexpected_fault_renders_the_500_page_after_a_rollback(
    app: Flask, as_role: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gatekeeper.web.home import routes

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        # A failed statement: PostgreSQL refuses every later one until a rollback.
        try:
            db.session.execute(text("SELECT * FROM no_such_table"))
        except Exception as exc:
            raise RuntimeError("unexpected") from exc

    monkeypatch.setattr(routes, "render_template", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = as_role(Role.MANAGER).get("/manage/occupancy")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    # The page itself needs the database (the signed-in user in the top bar).
    assert "Something went wrong" in page and "manager" in page.lower()
