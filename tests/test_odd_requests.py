"""Odd query arguments (out-of-range days, absurd page numbers, record ids larger than a
database integer, control characters, overlong searches) on every page a role opens: a
page, a clear 4xx or the defaults, never a server error."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from gatekeeper.models import Carrier, Person, Role, Standing, Vehicle, Visit
from gatekeeper.services.demo import seed_demo_park
from tests.conftest import csrf_token_from, login_as
from tests.factories import make_user

# Both backends refuse differently (PostgreSQL: integer out of range, NUL in text; SQLite:
# Python int too large): the embedded mode's run checks its own.
pytestmark = pytest.mark.embedded

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


class _Forms(HTMLParser):
    """The POST forms of a page: action, fields (name, type, value), selects' options."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action"), "fields": [], "selects": {}, "more": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            self._form["fields"].append((a["name"], a.get("type") or "text", a.get("value")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["selects"][self._select] = []
        elif tag == "option" and self._select:
            self._form["selects"][self._select].append(a.get("value") or "")
        elif tag == "button" and a.get("formaction"):
            self._form["more"].append(a["formaction"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


ODD_VALUES = {  # by input type: what a slip of the hand or a script could send
    "date": ["0001-01-01", "9999-12-31", "2026-02-30"],
    "time": ["25:61", "x", "00:00"],
    "number": ["1e400", HUGE, "-1"],
    "email": ["a@", "x" * 300 + "@example.com", " "],
}
ODD_TEXT = ["x" * 5000, HUGE, "'; --<script>"]
FORM_PAGES = {
    Role.DISPATCHER: [
        "/dispatch/bookings",
        "/dispatch/bookings/new",
        "/dispatch/holding",
        "/visitors",
    ],
    Role.CARRIER: [
        "/carrier/fleet",
        "/carrier/bookings/new",
        "/carrier/vehicles/new",
        "/carrier/persons/new",
        "/carrier/company",
        "/carrier/users",
    ],
    Role.MANAGER: [
        "/manage/alerts",
        "/manage/review",
        "/manage/rollcall",
        "/manage/reports",
        "/manage/blacklist",
        "/manage/blacklist/vehicles/new",
        "/manage/blacklist/persons/{person}",
        "/manage/people/new",
        "/manage/vehicles/new",
        "/account",
    ],
    Role.GUARD: ["/kiosk/lanes/G1-HAZ", "/guard/people?q=wang"],
    Role.ADMIN: ["/manage/carriers", "/admin/admin_zone/new/", "/admin/admin_lane/new/"],
}


@pytest.mark.parametrize("role", list(FORM_PAGES))
def test_every_form_sent_with_odd_values_answers_without_a_server_error(
    app: Flask, session: Any, role: Role
) -> None:
    """Each POST form of a role's pages, as the page gives it (its CSRF token), filled with
    odd values for its field types, hidden ids too large for a database integer and
    choices no list offers: a page, an error beside a field or a 4xx, never a 500."""
    seed_demo_park()
    carrier = session.scalar(select(Carrier).where(Carrier.code == "BRABANT"))
    client = login_as(app.test_client(), make_user(role, carrier=carrier))
    sent, failed = 0, []
    person = session.scalar(select(func.min(Person.id)))
    for path in (p.format(person=person) for p in FORM_PAGES[role]):
        page = client.get(path)
        assert page.status_code == 200, path
        parser = _Forms()
        parser.feed(page.text)
        for form in parser.forms:
            if "/logout" in (form["action"] or "") or "/locale" in (form["action"] or ""):
                continue
            for variant in range(3):
                data: dict[str, str] = {}
                for name, kind, value in form["fields"]:
                    if kind == "file":
                        continue
                    if name == "csrf_token" or kind in ("checkbox", "radio"):
                        data[name] = value or "y"
                    elif kind == "hidden":
                        data[name] = (value or "") if variant == 0 else HUGE
                    else:
                        choices = ODD_VALUES.get(kind, ODD_TEXT)
                        data[name] = choices[variant % len(choices)]
                for name, options in form["selects"].items():
                    data[name] = options[-1] if variant < 2 and options else "nonsense"
                for action in [form["action"] or path, *form["more"]]:
                    sent += 1
                    if (answer := client.post(action, data=data)).status_code >= 500:
                        failed.append((path, action, variant, answer.status_code))
    assert sent >= 3 and failed == []


def test_a_form_sent_with_a_next_of_another_site_goes_back_to_this_site(
    app: Flask, session: Any
) -> None:
    """The lists' action forms send the user back to "next": only a path of this site."""
    seed_demo_park()
    client = login_as(app.test_client(), make_user(Role.MANAGER))
    token = csrf_token_from(client.get("/manage/alerts").text)
    for evil in ("https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:x"):
        answer = client.post(
            "/manage/alerts/99999/resolve", data={"csrf_token": token, "next": evil}
        )
        assert answer.status_code in (302, 404)
        location = answer.headers.get("Location", "/")
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    barred = session.scalar(select(Vehicle).where(Vehicle.standing != Standing.ACTIVE))
    assert barred is not None  # the demo's blacklisted truck
    for evil, back in (("https://evil.example/x", "/manage/blacklist"), ("/manage/x", "/manage/x")):
        answer = client.post(
            f"/manage/blacklist/vehicles/{barred.id}/lift",
            data={"csrf_token": token, "why": "", "next": evil},
        )
        assert answer.headers["Location"].startswith(back), answer.headers["Location"]
