from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask, request
from sqlalchemy import select

from gatekeeper.access import Rule
from gatekeeper.models import AuditEntry, Role
from tests.conftest import csrf_token_from, login_as
from tests.factories import PASSWORD, make_user


def _login(client: Any, username: str, password: str, next_url: str = "") -> Any:
    token = csrf_token_from(client.get("/login").text)
    url = f"/login?next={next_url}" if next_url else "/login"
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def test_login_with_the_right_password_opens_the_role_home(client: Any, session: Any) -> None:
    user = make_user(Role.GUARD)
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/guard/lanes").status_code == 200
    session.refresh(user)
    assert user.last_login_at is not None
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "auth.login" in actions


def test_wrong_password_is_refused_and_audited(client: Any, session: Any) -> None:
    user = make_user(Role.GUARD)
    response = _login(client, user.username, "not the password")
    assert response.status_code == 200
    assert "Wrong username or password" in response.text
    assert client.get("/guard/lanes").status_code == 302
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.login_failed")
    ).one()
    assert user.username in entry.details


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client: Any) -> None:
    response = _login(client, "nobody", "whatever1")
    assert "Wrong username or password" in response.text


def test_inactive_user_cannot_sign_in(client: Any) -> None:
    user = make_user(Role.MANAGER, active=False)
    _login(client, user.username, PASSWORD)
    assert client.get("/manage/occupancy").status_code == 302


def test_login_form_needs_the_csrf_token(client: Any) -> None:
    user = make_user(Role.GUARD)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/guard/lanes").status_code == 302


def test_login_is_rate_limited(client: Any) -> None:
    user = make_user(Role.GUARD)
    statuses = [_login(client, user.username, "wrong-password").status_code for _ in range(10)]
    assert statuses == [200] * 10
    # The 11th attempt within the minute is refused, even with the right password.
    assert _login(client, user.username, PASSWORD).status_code == 429


def test_next_parameter_cannot_redirect_off_site(client: Any) -> None:
    user = make_user(Role.GUARD)
    response = _login(client, user.username, PASSWORD, next_url="//evil.example/x")
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").text)})
    response = _login(client, user.username, PASSWORD, next_url="/guard/lanes")
    assert response.headers["Location"] == "/guard/lanes"


def test_logout_needs_post_with_csrf(client: Any) -> None:
    user = make_user(Role.DISPATCHER)
    _login(client, user.username, PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    token = csrf_token_from(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dispatch/bookings").status_code == 302


def test_password_change_ends_other_sessions(app: Flask, session: Any) -> None:
    user = make_user(Role.MANAGER)
    client = login_as(app.test_client(), user)
    assert client.get("/manage/occupancy").status_code == 200
    user.set_password("a brand new password")
    session.flush()
    assert client.get("/manage/occupancy").status_code == 302


def test_a_user_changes_their_password_on_the_account_page(app: Flask, session: Any) -> None:
    user = make_user(Role.DISPATCHER)
    here = app.test_client()
    _login(here, user.username, PASSWORD)
    elsewhere = app.test_client()
    _login(elsewhere, user.username, PASSWORD)

    def change(current: str, new: str, again: str | None = None) -> Any:
        token = csrf_token_from(here.get("/account").text)
        return here.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current": current,
                "password": new,
                "confirm": again or new,
            },
        )

    wrong = change("not it", "a brand new password")
    assert wrong.status_code == 400 and "not your current password" in wrong.text
    short = change(PASSWORD, "short")
    assert short.status_code == 400 and "at least 10 characters" in short.text
    assert "the two passwords differ" in change(PASSWORD, "a brand new password", "another").text
    same = change(PASSWORD, PASSWORD)
    assert same.status_code == 400 and "other than the current one" in same.text
    session.refresh(user)
    assert user.check_password(PASSWORD)  # nothing changed by the refused attempts

    done = change(PASSWORD, "a brand new password")
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    session.refresh(user)
    assert user.check_password("a brand new password") and not user.check_password(PASSWORD)
    assert here.get("/dispatch/bookings").status_code == 200  # this session goes on
    assert elsewhere.get("/dispatch/bookings").status_code == 302  # the other one ended
    assert "user.password_changed" in session.scalars(select(AuditEntry.action)).all()
    assert _login(app.test_client(), user.username, "a brand new password").status_code == 302


def test_passwords_are_stored_as_argon2_hashes(session: Any) -> None:
    user = make_user(Role.ADMIN)
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "x")


def test_security_headers_are_set(client: Any) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def _csp(response: Any) -> dict[str, str]:
    directives = response.headers["Content-Security-Policy"].split(";")
    return dict(d.strip().split(" ", 1) for d in directives if d.strip())


def test_inline_scripts_are_allowed_on_admin_pages_only(as_role: Any) -> None:
    admin = as_role(Role.ADMIN)
    assert _csp(admin.get("/"))["script-src"] == "'self'"
    relaxed = _csp(admin.get("/admin/"))
    assert relaxed["script-src"] == "'self' 'unsafe-inline'"
    assert relaxed["frame-ancestors"] == "'none'"


def _copied_cookie(app: Flask, client: Any) -> Any:
    """Another browser holding a copy of the client's session cookie."""
    copy = app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie(cookie.key, cookie.value)
    return copy


def test_sign_out_ends_the_session_on_the_server(app: Flask, client: Any) -> None:
    user = make_user(Role.MANAGER)
    _login(client, user.username, PASSWORD)
    copy = _copied_cookie(app, client)
    assert copy.get("/manage/occupancy").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").text)})
    assert copy.get("/manage/occupancy").status_code == 302
    # Signing in again works, with a new session.
    assert _login(client, user.username, PASSWORD).status_code == 302
    assert client.get("/manage/occupancy").status_code == 200


def test_an_idle_session_ends(app: Flask, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user(Role.MANAGER)
    _login(client, user.username, PASSWORD)
    assert client.get("/manage/occupancy").status_code == 200
    idle = app.config["GATEKEEPER"].session_idle_minutes * 60
    later = time.time() + idle + 5
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get("/manage/occupancy")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/manage/occupancy").status_code == 302


def test_login_attempts_on_one_account_count_across_addresses(client: Any) -> None:
    user = make_user(Role.GUARD)
    for number in range(10):
        token = csrf_token_from(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": user.username, "password": "wrong-password", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"10.9.0.{number + 1}"},
        )
        assert response.status_code == 200
    token = csrf_token_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": user.username.upper(), "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.9.0.99"},
    )
    assert response.status_code == 429


def test_signed_in_pages_are_not_stored_by_the_browser(as_role: Any, client: Any) -> None:
    assert as_role(Role.MANAGER).get("/manage/occupancy").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


def test_a_trusted_proxy_gives_the_client_address(tmp_path: Any) -> None:
    from tests.conftest import make_app

    proxied = make_app(tmp_path, proxy_count=1)
    seen: list[str] = []

    @proxied.route("/_whoami")
    def whoami() -> str:
        seen.append(request.remote_addr or "")
        return "ok"

    whoami._gk_access = Rule(public=True)  # type: ignore[attr-defined]
    proxied.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7"]
