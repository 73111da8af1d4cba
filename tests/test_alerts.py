"""The alerts page: the most severe first, filtered by kind and status, paged; managers
acknowledge and resolve alerts with a comment (audited); messages in the reader's
language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from gatekeeper.domain.messages import N_, phrase
from gatekeeper.extensions import db
from gatekeeper.jobs import maintenance
from gatekeeper.models import (
    Alert,
    AlertKind,
    AlertStatus,
    AuditEntry,
    QualificationKind,
    Role,
    Severity,
)
from gatekeeper.models.types import utcnow
from tests.conftest import csrf_token_from, login_as
from tests.factories import make_person, make_user, make_vehicle, qualification


def _alert(kind: AlertKind, severity: Severity, key: str) -> Alert:
    alert = Alert.draft(
        phrase(N_("Emergency lane %(lane)s used (passage %(passage)s)"), lane="G2-EMG", passage=7),
        kind=kind,
        severity=severity,
        dedup_key=key,
    )
    db.session.add(alert)
    db.session.flush()
    return alert


@pytest.fixture
def manager(app: Any, session: Any) -> Any:
    user = make_user(Role.MANAGER)
    return user, login_as(app.test_client(), user)


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="alert-(\d+)"', html)


def test_alerts_come_most_severe_first_and_filter_by_kind(manager: Any) -> None:
    _user, client = manager
    info = _alert(AlertKind.GATE, Severity.INFO, "a-info")
    critical = _alert(AlertKind.EMERGENCY_LANE, Severity.CRITICAL, "a-crit")
    warning = _alert(AlertKind.OVERSTAY, Severity.WARNING, "a-warn")
    db.session.commit()
    html = client.get("/manage/alerts").get_data(as_text=True)
    assert _rows(html) == [str(critical.id), str(warning.id), str(info.id)]
    only = client.get("/manage/alerts?kind=overstay").get_data(as_text=True)
    assert _rows(only) == [str(warning.id)]
    assert client.get("/manage/alerts?kind=nonsense").status_code == 400


def test_a_manager_acknowledges_then_resolves_with_a_comment(manager: Any) -> None:
    user, client = manager
    alert = _alert(AlertKind.EMERGENCY_LANE, Severity.CRITICAL, "a-flow")
    db.session.commit()
    token = csrf_token_from(client.get("/manage/alerts").get_data(as_text=True))
    url = f"/manage/alerts/{alert.id}"
    client.post(f"{url}/acknowledge", data={"csrf_token": token, "comment": "on my way"})
    db.session.expire_all()
    assert alert.status is AlertStatus.ACKNOWLEDGED and alert.acknowledged_by_id == user.id
    assert alert.acknowledge_comment == "on my way"
    # Resolving needs a comment: refused with a message, nothing changes.
    refused = client.post(
        f"{url}/resolve", data={"csrf_token": token, "comment": "  "}, follow_redirects=True
    )
    assert "say how the alert was handled" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert alert.status is AlertStatus.ACKNOWLEDGED
    client.post(f"{url}/resolve", data={"csrf_token": token, "comment": "fire drill, logged"})
    db.session.expire_all()
    assert alert.status is AlertStatus.RESOLVED and alert.resolution == "fire drill, logged"
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity_type == "alert", AuditEntry.entity_id == str(alert.id)
        )
    ).all()
    assert actions == ["alert.acknowledged", "alert.resolved"]
    # Resolved alerts leave the default list and appear under "resolved".
    assert _rows(client.get("/manage/alerts").get_data(as_text=True)) == []
    resolved = client.get("/manage/alerts?status=resolved").get_data(as_text=True)
    assert _rows(resolved) == [str(alert.id)] and "fire drill, logged" in resolved


def test_the_alert_list_is_paged(manager: Any) -> None:
    _user, client = manager
    for number in range(30):
        _alert(AlertKind.GATE, Severity.INFO, f"a-page-{number}")
    db.session.commit()
    first = client.get("/manage/alerts").get_data(as_text=True)
    second = client.get("/manage/alerts?page=2").get_data(as_text=True)
    assert len(_rows(first)) == 25 and len(_rows(second)) == 5
    assert "Page 1 of 2" in first


def test_guards_cannot_handle_alerts(as_role: Any, session: Any) -> None:
    alert = _alert(AlertKind.GATE, Severity.INFO, "a-guard")
    response = as_role(Role.GUARD).post(f"/manage/alerts/{alert.id}/resolve", data={})
    assert response.status_code == 403


def test_the_chinese_alerts_page_shows_no_english_but_names_and_codes(
    app: Any, session: Any
) -> None:
    today = utcnow().date()
    make_vehicle(plate="1-ABC-123", adr_certificate_expiry=today)
    make_person(
        qualifications=[qualification(QualificationKind.DG_DRIVER_CN, today)]
    ).full_name = "Wang Wei"
    maintenance.check_document_expiry()
    _alert(AlertKind.EMERGENCY_LANE, Severity.CRITICAL, "a-zh")
    db.session.commit()
    user = make_user(Role.MANAGER)
    user.locale = "zh_CN"
    db.session.commit()
    html = login_as(app.test_client(), user).get("/manage/alerts").get_data(as_text=True)
    main = html.split("<main", 1)[1]
    text = re.sub(r"<[^>]+>", " ", main)
    for name in ("Wang Wei", user.display_name):
        text = text.replace(name, " ")
    words = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9/-]*", text) if not re.search(r"[\d/-]", w)}
    assert words <= {"ADR"}, sorted(words)
