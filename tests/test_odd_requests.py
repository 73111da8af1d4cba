"""Odd query arguments (out-of-range days, absurd page numbers, record ids larger than a
database integer, control characters, overlong searches) on every page a role opens: a
page, a clear 4xx or the defaults, never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from gatekeeper.models import Carrier, Role, Visit
from gatekeeper.services.demo import seed_demo_park
from tests.conftest import csrf_token_from, login_as
from tests.factories import make_user

ODD_ARGUMENTS = [
    {
        "page": "99999999999999999999",
        "day": "0001-01-01",
        "start": "0001-01-01",
        "end": "0001-01-02",
        "q": "\x00%_'\"\\",
        "carrier": "-1",
        "status": "nonsense",
        "kind": "people",
        "period": "bad",
        "view": "bad",
    },
    {"page": "-3", "day": "9999-12-31", "start": "9999-12-30", "end": "9999-12-31", "q": "x" * 300},
    {"day": "2026-02-30", "start": "bad", "end": "bad", "kind": "bad", "next": "//evil.example"},
]
HUGE = "99999999999999999999"
ODD_PATHS = [
    f"/kiosk/lanes/G1-IN?passage={HUGE}",
    "/kiosk/lanes/G1-IN/panel?passage=-1",
    "/manage/reports/daily/0001-01-01.pdf",
    f"/admin/admin_passage/?page={HUGE}",
    "/admin/admin_alert/?flt1_0=0001-01-01+00:00:00+to+0001-01-02+00:00:00",
    f"/kiosk/passages/{HUGE}/images/1",
    f"/api/v1/captures/{HUGE}",
    f"/manage/documents/{HUGE}/file",
]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DISPATCHER, Role.GUARD, Role.CARRIER])
def test_odd_query_arguments_never_make_a_server_error(
    app: Flask, session: Any, role: Role
) -> None:
    seed_demo_park()
    carrier = session.scalar(select(Carrier).where(Carrier.code == "BRABANT"))
    client = login_as(app.test_client(), make_user(role, carrier=carrier))
    pages = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and not rule.rule.startswith(("/static", "/admin", "/logout"))
    ]
    assert len(pages) > 30
    failed = [
        (path, odd, answer.status_code)
        for path in pages
        for odd in ODD_ARGUMENTS
        if (answer := client.get(path, query_string=odd)).status_code >= 500
    ]
    failed += [
        (path, {}, code) for path in ODD_PATHS if (code := client.get(path).status_code) >= 500
    ]
    assert failed == []


def test_a_nul_character_is_a_bad_request_in_a_form_a_json_body_or_a_query(
    app: Flask, session: Any
) -> None:
    """PostgreSQL refuses a NUL in any text value: refused before any query, with a 400."""
    seed_demo_park()
    client = login_as(app.test_client(), make_user(Role.DISPATCHER))
    visits = session.scalar(select(func.count(Visit.id)))
    assert client.get("/dispatch/bookings", query_string={"q": "a\x00"}).status_code == 400
    token = csrf_token_from(client.get("/visitors").text)
    form = client.post("/visitors", data={"csrf_token": token, "full_name": "Wang\x00Fang"})
    assert form.status_code == 400 and 'name="full_name"' not in form.text  # not the form again
    assert session.scalar(select(func.count(Visit.id))) == visits
    answer = client.post("/api/v1/bookings", json={"waybill_number": "WB\u0000", "cargo": []})
    assert answer.status_code == 400 and answer.json["message"] == "a NUL character in the request"
    nested = {"cargo": [{"description": ["deep", {"key\u0000": 1}]}]}
    assert client.post("/api/v1/bookings", json=nested).status_code == 400
    assert client.get("/dispatch/bookings", query_string={"q": "acid"}).status_code == 200
