"""Deny by default: nothing but login, static files and /healthz answers an anonymous
request, and each role reaches exactly the pages meant for it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from gatekeeper.access import rule_for
from gatekeeper.models import Role

# The sign-up, invitation and language pages serve people who have no account yet.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.apply",
    "auth.invitation",
    "auth.locale",
    "static",
    "home.healthz",
}


def _sample_url(rule: Rule) -> str:
    """A concrete URL for a rule, with placeholder values for its arguments."""
    values: dict[str, Any] = {}
    for argument in rule.arguments:
        converter = rule._converters[argument]
        if isinstance(converter, IntegerConverter):
            values[argument] = 1
        elif isinstance(converter, AnyConverter):
            values[argument] = sorted(converter.items)[0]
        else:
            values[argument] = "x"
    return rule.build(values, append_unknown=False)[1]


def _all_rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def test_every_endpoint_declares_who_may_use_it(app: Flask) -> None:
    undeclared = [r.endpoint for r in _all_rules(app) if rule_for(app, r.endpoint) is None]
    assert undeclared == []


def test_anonymous_requests_reach_only_the_public_pages(app: Flask) -> None:
    client = app.test_client()
    answered = []
    for rule in _all_rules(app):
        url = _sample_url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            denied = response.status_code in (401, 403) or (
                response.status_code == 302 and "/login" in response.headers["Location"]
            )
            if not denied:
                answered.append((rule.endpoint, method, url, response.status_code))
    # Public endpoints may answer (200, 400 for a form without CSRF, 404 for a missing file).
    leaks = [entry for entry in answered if entry[0] not in PUBLIC_ENDPOINTS]
    assert leaks == []
    assert {entry[0] for entry in answered} == PUBLIC_ENDPOINTS


def test_api_answers_anonymous_requests_with_json_401(client: Any) -> None:
    response = client.get("/api/v1/")
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_view_without_an_access_rule_is_refused_even_to_an_admin(
    tmp_path: Any, users: dict[Role, Any]
) -> None:
    from tests.conftest import login_as, make_app

    other = make_app(tmp_path)
    other.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    client = login_as(other.test_client(), users[Role.ADMIN])
    # JSON answer: this scratch app has no schema, and the refusal must not need one.
    response = client.get("/forgotten", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert b"secret" not in response.data


# Role pages: which roles get 200; every other role gets 403.
ROLE_MATRIX: dict[str, set[Role]] = {
    "/": set(Role),
    "/guard/lanes": {Role.GUARD, Role.MANAGER, Role.ADMIN},
    "/dispatch/bookings": {Role.DISPATCHER, Role.MANAGER, Role.ADMIN},
    "/manage/occupancy": {Role.MANAGER, Role.ADMIN},
    "/manage/alerts": {Role.MANAGER, Role.ADMIN},
    "/carrier/fleet": {Role.CARRIER},
    "/admin/": {Role.ADMIN},
    "/admin/admin_vehicle/": {Role.ADMIN},
    "/admin/admin_user_account/": {Role.ADMIN},
    "/admin/admin_station/": {Role.ADMIN},
    "/admin/admin_audit_entry/": {Role.ADMIN},
    "/admin/admin_audit_verify/": {Role.ADMIN},
    "/api/v1/": set(Role),
    "/api/v1/openapi.json": set(Role),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_matrix(role: Role, as_role: Any) -> None:
    client = as_role(role)
    outcome = {url: client.get(url).status_code for url in ROLE_MATRIX}
    expected = {url: 200 if role in roles else 403 for url, roles in ROLE_MATRIX.items()}
    assert outcome == expected


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_home_links_only_to_pages_it_may_open(role: Role, as_role: Any) -> None:
    import re

    client = as_role(role)
    home = client.get("/")
    assert home.status_code == 200
    links = set(re.findall(r'href="(/[^"]*)"', home.text)) - {"/"}
    assert links, "a home page links to what the role does"
    for link in links:
        if link.startswith("/static/"):
            continue
        assert client.get(link).status_code == 200, link


def test_station_only_api_refuses_signed_in_users(as_role: Any) -> None:
    assert as_role(Role.ADMIN).get("/api/v1/station").status_code == 401
