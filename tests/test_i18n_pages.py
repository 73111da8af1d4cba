"""Every page a role reaches from its start page, in Simplified Chinese, shows no English
word but names (people, companies, places, goods as typed) and codes (plates, references,
UN numbers, lane and dock codes)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.jobs import maintenance
from gatekeeper.models import (
    CargoLine,
    Carrier,
    Checkpoint,
    Company,
    DangerousGood,
    Dock,
    Document,
    Gate,
    Lane,
    Park,
    Person,
    Role,
    Station,
    User,
    Vehicle,
    Visit,
    Zone,
)
from tests.conftest import login_as
from tests.gate_samples import LOX_PLATE, Demo

# Words that are codes or names in every language: regulations, units of the UN list.
ALWAYS_LATIN = {"ADR", "UN", "HIN", "Gatekeeper", "English", "JSON", "CSV"}


def _names() -> list[str]:
    columns = [
        Park.name,
        Lane.name,
        Gate.name,
        Checkpoint.name,
        Zone.name,
        Dock.name,
        Company.name,
        Carrier.name,
        Person.full_name,
        User.display_name,
        User.username,
        Station.name,
        CargoLine.description,
        DangerousGood.name,
        # What people typed: the park's review comments, file names.
        Vehicle.review_comment,
        Person.review_comment,
        Document.review_comment,
        Document.original_name,
        Carrier.review_comment,
        Vehicle.standing_reason,
        Vehicle.make_model,
        Person.standing_reason,
        Carrier.contact_name,
        Carrier.contact_email,
        User.email,
        Visit.purpose,
        Zone.muster_point,
    ]
    found: set[str] = set()
    for column in columns:
        found.update(v for v in db.session.scalars(select(column)) if v)
    return sorted(found, key=len, reverse=True)


def _english_words(html: str, names: list[str]) -> set[str]:
    main = html.split("<main", 1)[-1]
    # Flask-Admin hands its scripts JSON in hidden "...-data" elements: not shown.
    main = re.sub(r'<div id="[a-z-]+-data".*?</div>', " ", main, flags=re.S)
    text = re.sub(
        r"<!--.*?-->|<script.*?</script>|<style.*?</style>|<[^>]+>", " ", main, flags=re.S
    )
    text = unescape(text)
    for name in names:
        text = text.replace(name, " ")
    words = re.findall(r"[A-Za-z][A-Za-z0-9/._-]*", text)
    return {
        w
        for w in words
        if len(w) > 2 and not re.search(r"[\d/._-]", w) and not w.isupper()  # codes
    } - ALWAYS_LATIN


def english_left(client: Any, urls: Iterable[str]) -> dict[str, set[str]]:
    """The English words left on each page (none when it reads in Chinese throughout)."""
    names = _names()
    found = {url: _english_words(client.get(url).get_data(as_text=True), names) for url in urls}
    return {url: words for url, words in found.items() if words}


def _links(html: str) -> set[str]:
    main = html.split("<main", 1)[-1]
    return {
        href
        for href in re.findall(r'href="(/[^"#?]*)"', main)
        if not href.startswith(("/static", "/admin", "/logout"))
    }


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_every_page_of_a_role_reads_in_chinese(
    app: Flask, client: Any, demo: Demo, role: Role
) -> None:
    demo.post_event(client, "G1-HAZ", event_id="zh-1", plate="QAKX769", hazard=LOX_PLATE)
    demo.post_event(client, "G1-IN", event_id="zh-2", plate="ZZ-999-ZZ")
    maintenance.check_document_expiry()
    user = db.session.scalar(select(User).where(User.role == role, User.username == role.value))
    user.locale = "zh_CN"
    db.session.commit()
    browser = login_as(app.test_client(), user)
    names = _names()
    seen: set[str] = set()
    queue = ["/"]
    problems: dict[str, set[str]] = {}
    while queue and len(seen) < 40:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = browser.get(path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            response.close()  # an uploaded file, served from disk
            continue
        html = response.get_data(as_text=True)
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in title, (path, title[:80])  # markup in the title block is lost
        words = _english_words(html, names)
        if words:
            problems[path] = words
        queue.extend(_links(html) - seen)
    assert len(seen) >= 2, seen  # the start page and the pages it links to
    assert problems == {}


def test_the_admin_lists_read_in_chinese(app: Flask, client: Any, demo: Demo) -> None:
    demo.post_event(client, "G1-IN", event_id="zh-adm", plate="ZZ-999-ZZ")
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    admin.locale = "zh_CN"
    db.session.commit()
    browser = login_as(app.test_client(), admin)
    names = _names()
    html = browser.get("/admin/").get_data(as_text=True)
    # The audit log shows what was recorded (action codes, details) verbatim, as evidence.
    lists = sorted(set(re.findall(r'href="(/admin/admin_[a-z_]+/)"', html)))
    lists = [path for path in lists if "audit_entry" not in path]
    assert len(lists) >= 15, lists
    problems = {}
    for path in lists:
        words = _english_words(browser.get(path).get_data(as_text=True), names)
        if words:
            problems[path] = words
    assert problems == {}
