from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from gatekeeper.models import AuditEntry, Role, Station, User, Zone
from tests.conftest import csrf_token_from
from tests.factories import make_carrier, make_lane, make_station, make_user, make_vehicle


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


def test_an_admin_edit_records_what_changed_from_what(as_role: Any, session: Any) -> None:
    from gatekeeper.models import Vehicle

    vehicle = make_vehicle(plate="1-EDT-001")
    session.commit()
    admin = as_role(Role.ADMIN)
    url = f"/admin/admin_vehicle/edit/?id={vehicle.id}"
    page = admin.get(url).text
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    form = {k: v for k, v in fields.items() if k not in ("csrf_token",)}
    form.update(
        {
            "plate": "1-EDT-001",
            "country": vehicle.country,
            "kind": vehicle.kind.value,
            "standing": "blacklisted",
            "standing_reason": "repeated illegal parking",
            "carrier": str(vehicle.carrier_id),
            "tank_approved": "[]",  # a textarea, not scraped above
            "review_status": "approved",
        }
    )
    _form_post(admin, url, form)
    session.expire_all()
    assert session.get(Vehicle, vehicle.id).standing.value == "blacklisted"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "admin.update"))
    details = entry.details_dict
    assert details["changes"]["standing"] == ["active", "blacklisted"]
    assert "standing" in details["fields"] and "plate" not in details["fields"]


def test_a_password_change_is_audited_without_the_hash(as_role: Any, session: Any) -> None:
    user = make_user(Role.GUARD)
    session.commit()
    old_hash = user.password_hash
    admin = as_role(Role.ADMIN)
    url = f"/admin/admin_user_account/edit/?id={user.id}"
    _form_post(
        admin,
        url,
        {
            "username": user.username,
            "display_name": user.display_name,
            "role": "guard",
            "active": "y",
            "password": "a brand new password",
        },
    )
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "admin.update"))
    assert entry.details_dict["changes"]["password_hash"] == ["(changed)", "(changed)"]
    assert old_hash not in entry.details and "$argon2" not in entry.details


def test_hashes_are_never_shown(as_role: Any, session: Any) -> None:
    user = make_user(Role.GUARD)
    lane = make_lane()
    station, _token = make_station(lane)
    session.commit()
    admin = as_role(Role.ADMIN)
    pages = [
        admin.get(f"/admin/admin_user_account/details/?id={user.id}").text,
        admin.get("/admin/admin_user_account/").text,
        admin.get(f"/admin/admin_station/details/?id={station.id}").text,
        admin.get("/admin/admin_station/").text,
    ]
    for page in pages:
        assert user.password_hash not in page and "$argon2" not in page
        assert station.token_hash not in page


def test_the_passage_list_is_readable_filterable_and_exported(
    as_role: Any, client: Any, demo: Any
) -> None:
    body = demo.post_event(client, "G1-IN", event_id="adm-1", plate="ZZ-999-ZZ").json
    admin = as_role(Role.ADMIN)
    page = admin.get("/admin/admin_passage/").text
    assert "ZZ-999-ZZ" in page and "guard decides" in page
    assert '"checks"' not in page and "{&#34;" not in page  # no raw JSON
    found = admin.get("/admin/admin_passage/?search=ZZ-999").text
    assert "ZZ-999-ZZ" in found
    details = admin.get(f"/admin/admin_passage/details/?id={body['id']}").text
    assert "is not a registered vehicle" in details
    export = admin.get("/admin/admin_passage/export/csv/")
    assert export.status_code == 200 and "text/csv" in export.headers["Content-Type"]
    rows = export.get_data(as_text=True).splitlines()
    assert "Plate read" in rows[0] and any("ZZ-999-ZZ" in row for row in rows[1:])


def _field_error(page: str, field: str) -> str:
    """The error Flask-Admin shows under a form field (empty where there is none)."""
    at = page.find(f'name="{field}"')
    found = re.search(r'class="invalid-feedback"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)', page[at:])
    return html.unescape(found.group(1)).strip() if at >= 0 and found else ""


def test_unknown_plate_formats_are_refused_beside_the_field_in_the_readers_language(
    as_role: Any, session: Any, users: dict[Role, User]
) -> None:
    from gatekeeper.models import Park

    park = Park.with_defaults("Formats park")
    session.add(park)
    session.commit()
    with pytest.raises(ValueError, match="unknown plate format"):
        park.plate_formats = ["EU", "XX"]
    session.rollback()
    admin = as_role(Role.ADMIN)
    url = f"/admin/admin_park/edit/?id={park.id}"
    page = admin.get(url).text
    form = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    form.update(re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>([^<]*)</textarea>', page))
    form.update(re.findall(r'<select[^>]*name="([a-z_]+)".*?selected[^>]*value="([^"]*)"', page))
    form.pop("csrf_token", None)
    form["plate_formats"] = '["EU", "XX"]'
    answer = _form_post(admin, url, form)
    assert answer.status_code == 200
    assert _field_error(answer.text, "plate_formats").startswith("unknown plate format(s): XX;")
    users[Role.ADMIN].locale = "zh_CN"
    session.commit()
    answer = _form_post(admin, url, {**form, "plate_formats": '"CN"'})
    assert _field_error(answer.text, "plate_formats").startswith("车牌格式：格式代码的列表")
    answer = _form_post(admin, url, form)
    assert _field_error(answer.text, "plate_formats").startswith("未知的车牌格式：XX；")
    session.expire_all()
    assert session.get(Park, park.id).plate_formats == ["CN", "EU"]
    form["plate_formats"] = '["DE", "NL", "CN"]'
    _form_post(admin, url, form)
    session.expire_all()
    assert session.get(Park, park.id).plate_formats == ["DE", "NL", "CN"]


def test_the_admin_home_says_what_each_section_is_for_and_links_its_lists(
    as_role: Any, users: dict[Role, User], session: Any
) -> None:
    admin = as_role(Role.ADMIN)
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Zones with their capacities" in page and 'href="/admin/admin_zone/"' in page
    assert 'href="/admin/admin_audit_verify/"' in page and 'href="/manage/carriers"' in page
    users[Role.ADMIN].locale = "zh_CN"
    session.commit()
    chinese = admin.get("/admin/").get_data(as_text=True)
    assert "Zones with their capacities" not in chinese and 'href="/admin/admin_zone/"' in chinese
    assert as_role(Role.MANAGER).get("/admin/").status_code in (302, 403)


def test_the_admin_alert_list_reads_in_the_readers_language_without_raw_json(
    as_role: Any, users: dict[Role, User], session: Any
) -> None:
    from gatekeeper.domain.messages import N_, phrase
    from gatekeeper.models import Alert, AlertKind, Severity

    alert = Alert.draft(
        phrase(N_("Emergency lane %(lane)s used (passage %(passage)s)"), lane="G2-EMG", passage=7),
        kind=AlertKind.EMERGENCY_LANE,
        severity=Severity.CRITICAL,
        dedup_key="admin-list",
    )
    alert.evidence = {"metres": 300, "seconds": 15}
    session.add(alert)
    users[Role.ADMIN].locale = "zh_CN"
    session.commit()
    admin = as_role(Role.ADMIN)
    listing = admin.get("/admin/admin_alert/").get_data(as_text=True)
    assert "G2-EMG" in listing and "Emergency lane" not in listing
    details = admin.get(f"/admin/admin_alert/details/?id={alert.id}").get_data(as_text=True)
    assert "300" in details and '"metres"' not in html.unescape(details)
