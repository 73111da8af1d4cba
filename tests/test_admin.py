from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from gatekeeper.models import AuditEntry, Role, Station, User, Zone
from tests.conftest import csrf_token_from
from tests.factories import make_carrier, make_lane


def _form_post(client: Any, url: str, data: dict[str, Any]) -> Any:
    token = csrf_token_from(client.get(url).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=True)


def test_admin_creates_a_zone_and_the_change_is_audited(as_role: Any, session: Any) -> None:
    admin = as_role(Role.ADMIN)
    response = _form_post(
        admin,
        "/admin/admin_zone/new/",
        {
            "code": "Z-NEW",
            "name": "New lot",
            "kind": "holding",
            "capacity_hazmat_vehicles": "4",
            "allowed_hazard_classes": '["3", "8"]',
        },
    )
    assert response.status_code == 200
    zone = session.scalar(select(Zone).where(Zone.code == "Z-NEW"))
    assert zone is not None
    assert zone.allowed_hazard_classes == ["3", "8"]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "admin.create"))
    assert entry.entity_type == "zone" and entry.entity_id == str(zone.id)
    assert entry.actor.startswith("user:")


def test_admin_forms_need_the_csrf_token(as_role: Any, session: Any) -> None:
    admin = as_role(Role.ADMIN)
    response = admin.post(
        "/admin/admin_zone/new/", data={"code": "Z-X", "name": "X", "kind": "holding"}
    )
    assert response.status_code == 400
    assert session.scalar(select(Zone).where(Zone.code == "Z-X")) is None


def test_only_admins_may_post_to_the_admin(as_role: Any, session: Any) -> None:
    manager = as_role(Role.MANAGER)
    response = manager.post(
        "/admin/admin_zone/new/", data={"code": "Z-M", "name": "M", "kind": "holding"}
    )
    assert response.status_code == 403
    assert session.scalar(select(Zone).where(Zone.code == "Z-M")) is None


def test_new_station_token_is_shown_once_and_works(as_role: Any, session: Any, client: Any) -> None:
    lane = make_lane()
    admin = as_role(Role.ADMIN)
    page = _form_post(
        admin,
        "/admin/admin_station/new/",
        {"code": "ST-NEW", "name": "New station", "lanes": str(lane.id), "active": "y"},
    )
    token = re.search(r"(gks_[A-Za-z0-9_\-]+)", page.text).group(1)
    station = session.scalar(select(Station).where(Station.code == "ST-NEW"))
    assert station is not None and token not in station.token_hash
    answer = client.get("/api/v1/station", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json["lanes"][0]["code"] == lane.code


def test_admin_creates_a_user_with_a_hashed_password(as_role: Any, session: Any) -> None:
    admin = as_role(Role.ADMIN)
    _form_post(
        admin,
        "/admin/admin_user_account/new/",
        {
            "username": "newguard",
            "display_name": "New Guard",
            "role": "guard",
            "password": "a sound password",
            "active": "y",
        },
    )
    user = session.scalar(select(User).where(User.username == "newguard"))
    assert user is not None
    assert user.check_password("a sound password")
    assert "a sound password" not in user.password_hash


def test_carrier_user_without_a_carrier_is_refused_with_a_message(
    as_role: Any, session: Any
) -> None:
    make_carrier()
    admin = as_role(Role.ADMIN)
    page = _form_post(
        admin,
        "/admin/admin_user_account/new/",
        {
            "username": "lost",
            "display_name": "Lost",
            "role": "carrier",
            "password": "a sound password",
            "active": "y",
        },
    )
    assert "Carrier users, and only they, belong to a carrier." in page.text
    assert session.scalar(select(User).where(User.username == "lost")) is None


def test_audit_log_is_read_only_in_the_admin(as_role: Any) -> None:
    admin = as_role(Role.ADMIN)
    assert admin.get("/admin/admin_audit_entry/new/").status_code in (302, 404)
    assert admin.get("/admin/admin_audit_verify/").status_code == 200
