"""Users' API tokens: created on the account page or with `flask user token` (shown once,
only the hash kept), accepted on the API as the user (role and scope), revoked on the
account page; never a session, never on HTML pages."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import ApiToken, AuditEntry, Role
from tests.conftest import csrf_token_from, login_as
from tests.factories import make_user


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_user_creates_uses_and_revokes_a_token(app: Flask, client: Any, session: Any) -> None:
    user = make_user(Role.MANAGER)
    browser = login_as(app.test_client(), user)
    page = browser.get("/account").get_data(as_text=True)
    created = browser.post(
        "/account/tokens",
        data={"csrf_token": csrf_token_from(page), "name": "our TMS"},
        follow_redirects=True,
    ).get_data(as_text=True)
    token = re.search(r"(gku_[A-Za-z0-9_\-]+)", created).group(1)
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row is not None and token not in row.token_hash and row.name == "our TMS"
    # The API answers the token as the user; no session cookie is made.
    answer = client.get("/api/v1/", headers=_bearer(token))
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    # It is no key to the HTML pages.
    assert client.get("/manage/occupancy", headers=_bearer(token)).status_code == 302
    page = browser.get("/account").get_data(as_text=True)
    assert token not in page and row.token_hint in page
    browser.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_token_from(page)})
    assert client.get("/api/v1/", headers=_bearer(token)).status_code == 401
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_type == "api_token")
    ).all()
    assert actions == ["api_token.issued", "api_token.revoked"]


def test_a_token_has_its_users_role(client: Any, session: Any, runner: Any) -> None:
    carrier = make_user(Role.CARRIER)
    session.commit()
    printed = runner.invoke(args=["user", "token", carrier.username, "--name", "fleet app"])
    assert printed.exit_code == 0, printed.output
    token = printed.output.strip().splitlines()[-1]
    assert token.startswith("gku_")
    # A carrier may not read gate captures, with a token or without.
    assert client.get("/api/v1/captures/1", headers=_bearer(token)).status_code == 403


def test_another_users_token_cannot_be_revoked(app: Flask, session: Any) -> None:
    owner = make_user(Role.DISPATCHER)
    row, _token = ApiToken.issue(owner, "ERP")
    db.session.add(row)
    db.session.commit()
    other = login_as(app.test_client(), make_user(Role.DISPATCHER))
    page = other.get("/account").get_data(as_text=True)
    response = other.post(
        f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 404
    db.session.refresh(row)
    assert row.active


def test_an_inactive_users_token_is_refused(client: Any, session: Any) -> None:
    user = make_user(Role.MANAGER)
    row, token = ApiToken.issue(user, "ERP")
    db.session.add(row)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/", headers=_bearer(token)).status_code == 401


def test_a_token_needs_a_name(app: Flask, session: Any) -> None:
    browser = login_as(app.test_client(), make_user(Role.MANAGER))
    page = browser.get("/account").get_data(as_text=True)
    response = browser.post(
        "/account/tokens", data={"csrf_token": csrf_token_from(page), "name": ""}
    )
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
