"""Translations: the catalogue template is current, Simplified Chinese is complete and
compiled, and each user's language is their own."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from gatekeeper.domain.gate import decide_entry
from gatekeeper.models import AuditEntry, Role, User
from gatekeeper.web.labels import check_message
from tests.conftest import csrf_token_from
from tests.test_gate_rules import STOPPING_REQUESTS

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "gatekeeper" / "translations"
ZH_PO = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def _ids(catalog: Any) -> set[str]:
    return {m.id for m in catalog if m.id}


def test_template_holds_every_message_of_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with fresh.open("rb") as new, (TRANSLATIONS / "messages.pot").open("rb") as kept:
        assert _ids(read_po(new)) == _ids(read_po(kept)), "run make i18n-update"


def test_simplified_chinese_is_complete_and_compiled() -> None:
    with (TRANSLATIONS / "messages.pot").open("rb") as pot, ZH_PO.open("rb") as po:
        template, chinese = read_po(pot), read_po(po)
    untranslated = [m.id for m in chinese if m.id and (not m.string or m.fuzzy)]
    assert not untranslated
    assert _ids(template) <= _ids(chinese)
    with ZH_PO.with_suffix(".mo").open("rb") as mo:
        compiled = read_mo(mo)
    assert {m.id: m.string for m in compiled if m.id} == {
        m.id: m.string for m in chinese if m.id
    }, "run make i18n-compile"


def test_rule_messages_translate_with_their_evidence(app: Flask) -> None:
    from gatekeeper.web.labels import check_message

    check = {
        "template": "No booking today for %(plate)s",
        "params": {"plate": "1-VKR-302"},
        "message": "No booking today for 1-VKR-302",
    }
    with app.test_request_context(), force_locale("zh_CN"):
        assert check_message(check) == "1-VKR-302 今日无预约"
    with app.test_request_context(), force_locale("en"):
        assert check_message(check) == "No booking today for 1-VKR-302"


def test_each_user_picks_their_language(
    as_role: Any, users: dict[Role, User], session: Any
) -> None:
    guard = as_role(Role.GUARD)
    page = guard.get("/guard/lanes").get_data(as_text=True)
    assert "Gates and lanes" in page
    response = guard.post(
        "/account/locale",
        data={"locale": "zh_CN", "next": "/guard/lanes", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/guard/lanes")
    assert "门岗和车道" in guard.get("/guard/lanes").get_data(as_text=True)
    session.expire_all()
    assert session.get(User, users[Role.GUARD].id).locale == "zh_CN"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "user.locale"))
    # Another user keeps English.
    assert "Gates and lanes" in as_role(Role.MANAGER).get("/guard/lanes").get_data(as_text=True)


def test_unknown_language_is_refused(as_role: Any, users: dict[Role, User], session: Any) -> None:
    guard = as_role(Role.GUARD)
    page = guard.get("/guard/lanes").get_data(as_text=True)
    guard.post("/account/locale", data={"locale": "xx", "csrf_token": csrf_token_from(page)})
    session.expire_all()
    assert session.get(User, users[Role.GUARD].id).locale is None


@pytest.mark.parametrize(("request_", "code", "decision"), STOPPING_REQUESTS)
def test_every_failing_check_reads_in_chinese(
    app: Flask, request_: Any, code: str, decision: Any
) -> None:
    """Rule messages are built of translatable phrases and codes, never English text: in
    Chinese only names (people, the blacklist reason typed in) and codes remain Latin."""
    check = decide_entry(request_).check(code)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        text = check_message(check.to_dict())
    for name in ("Jan Peeters", "Li Wei", "illegal parking"):
        text = text.replace(name, "")
    words = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9/-]*", text) if not re.search(r"[\d/-]", w)}
    assert words <= {"UN", "ADR", "HIN", "FL", "AT", "EX/II", "EX/III", "C", "E", "B", "D"}, text


def test_every_code_a_page_shows_has_its_own_word(app: Flask) -> None:
    from gatekeeper.models import PersonKind, QualificationKind, ReadStatus, ReviewStatus
    from gatekeeper.web.labels import LABELLED_ENUMS, LABELS, label

    missing = [
        f"{kind.__name__}.{member.name}"
        for kind in LABELLED_ENUMS
        for member in kind
        if (kind, str(member.value)) not in LABELS
    ]
    assert missing == []
    with app.test_request_context():
        # Members of different lists with the same value keep their own words.
        assert label(ReviewStatus.PENDING) == "waiting for review"
        assert label(ReadStatus.PENDING) == "reading"
        assert label(PersonKind.ESCORT) == "escort"
        assert label(QualificationKind.ESCORT) == "escort qualification"


def test_report_cells_and_reasons_read_in_the_readers_language(app: Flask) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from gatekeeper.models import Decision, PassageDirection
    from gatekeeper.services.exports import Phrases
    from gatekeeper.web.labels import phrase_separator, report_value

    reasons = Phrases(({"message": "Plate read"}, "the guard's words"))
    moment = datetime(2026, 11, 27, 8, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert phrase_separator() == "；"
            assert report_value(reasons) == "Plate read；the guard's words"
            assert report_value(PassageDirection.IN) == "入口"
            assert report_value(True) == "是" and report_value(False) == "否"
        with force_locale("en"):
            assert report_value(reasons) == "Plate read; the guard's words"
            assert report_value(Decision.REVIEW) == "guard decides"
            assert report_value(moment) == "2026-11-27 08:05:09"
            assert report_value(None) == ""


def test_the_dashboard_draws_quantities_and_counts_with_the_readers_words(
    app: Flask, session: Any
) -> None:
    import html
    import json

    from tests.conftest import login_as
    from tests.factories import make_user

    manager = make_user(Role.MANAGER)
    manager.locale = "zh_CN"
    session.commit()
    page = login_as(app.test_client(), manager).get("/manage/dashboard").get_data(as_text=True)
    found = re.search(r"data-labels='([^']*)'", page)
    assert found is not None
    labels = json.loads(html.unescape(found.group(1)))
    assert labels["units"] == {"kg": "千克", "l": "升"} and labels["sep"] == "，"
