"""The park's zones on the manager's pages (no admin area): capacities, allowed hazard
classes and muster points shown against who is inside and changed in one save that the next
gate decision follows; audited; a capacity set below who is inside is said, nobody sent out;
wrong input is said beside its field and nothing is written."""

from __future__ import annotations

import json
from html import unescape
from typing import Any

from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import AuditEntry, Role, Zone
from gatekeeper.services import zones
from tests.conftest import chinese_client, demo_user_client, field_errors, post_form
from tests.gate_samples import LOX_PLATE, Demo


def _zone(code: str) -> Zone:
    zone = db.session.scalar(select(Zone).where(Zone.code == code))
    assert zone is not None
    return zone


def _form(zone: Zone, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in {**zones.current(zone), **changes}.items():
        data[name] = value if isinstance(value, list) else ("" if value is None else str(value))
    return data


def _changes() -> list[dict[str, Any]]:
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == zones.CHANGED))
    return [json.loads(e.details) for e in entries]


def test_the_list_shows_each_zone_against_who_is_inside(app: Any, demo: Demo) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    html = unescape(manager.get("/manage/zones").get_data(as_text=True))
    tank = _zone("Z-TANK")
    row = html.split("Z-TANK", 1)[1].split("</tr>", 1)[0]
    assert f"0 / {tank.capacity_hazmat_vehicles}" in row
    assert " ".join(tank.allowed_hazard_classes) in row and str(tank.muster_point) in row
    assert f"/manage/zones/{tank.id}/edit" in row
    assert "/manage/zones" in manager.get("/manage/occupancy").get_data(as_text=True)


def test_a_zone_changed_here_is_what_the_next_decision_goes_by(
    app: Any, client: Any, demo: Demo
) -> None:
    tank = _zone("Z-TANK")
    assert demo.lox.dock is not None and demo.lox.dock.zone_id == tank.id
    manager = demo_user_client(app, Role.MANAGER)
    url = f"/manage/zones/{tank.id}/edit"
    response = post_form(
        manager,
        url,
        **_form(
            tank,
            capacity_hazmat_vehicles=0,
            allowed_hazard_classes=["3", "2"],
            muster_point="Muster point M4 (fire station)",
        ),
    )
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    db.session.refresh(tank)
    assert tank.capacity_hazmat_vehicles == 0
    assert tank.allowed_hazard_classes == ["2", "3"]  # in the list's order
    assert tank.muster_point == "Muster point M4 (fire station)"
    [change] = _changes()
    assert change["zone"] == "Z-TANK"
    assert change["changes"]["capacity_hazmat_vehicles"] == [8, 0]
    assert set(change["changes"]) == {
        "capacity_hazmat_vehicles",
        "allowed_hazard_classes",
        "muster_point",
    }
    body = demo.post_event(
        client, "G1-HAZ", event_id="z-full", plate="QAKX769", hazard=LOX_PLATE
    ).json
    assert body["decision"] == "hold" and [r["code"] for r in body["reasons"]] == ["capacity"]
    assert "Z-TANK" in body["reasons"][0]["message"]

    # Unchanged: nothing more written.
    assert post_form(manager, url, **_form(tank)).status_code == 302
    assert len(_changes()) == 1


def test_a_capacity_below_who_is_inside_is_said_and_nobody_is_sent_out(
    app: Any, client: Any, demo: Demo
) -> None:
    demo.enter_lox(client)
    zone = next(z for z in db.session.scalars(select(Zone)) if zones.inside(z)["capacity_vehicles"])
    manager = demo_user_client(app, Role.MANAGER)
    response = post_form(
        manager, f"/manage/zones/{zone.id}/edit", **_form(zone, capacity_vehicles=0)
    )
    assert response.status_code == 302
    inside = zones.inside(zone)["capacity_vehicles"]
    assert inside >= 1  # nobody was sent out
    page = unescape(manager.get("/manage/zones").get_data(as_text=True))
    assert (
        f"Vehicles at once: {inside} inside now, over the new capacity of 0; nobody is sent out"
    ) in page


def test_wrong_values_are_said_beside_each_field_and_nothing_is_written(
    app: Any, demo: Demo
) -> None:
    tank = _zone("Z-TANK")
    before = zones.current(tank)
    manager = demo_user_client(app, Role.MANAGER)
    response = post_form(
        manager,
        f"/manage/zones/{tank.id}/edit",
        **_form(
            tank,
            name="",
            capacity_people="-1",
            capacity_vehicles="lots",
            allowed_hazard_classes=["3", "10"],
        ),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    no_limit = "a whole number from 0 to 100000, or empty for no limit"
    assert field_errors(html) == {
        "name": "2 to 120 characters",
        "capacity_people": no_limit,
        "capacity_vehicles": no_limit,
        "allowed_hazard_classes": "choose from the listed classes",
    }
    assert 'value="lots"' in html
    db.session.refresh(tank)
    assert zones.current(tank) == before and _changes() == []


def test_only_managers_and_admins_change_zones(app: Any, as_role: Any, demo: Demo) -> None:
    tank = _zone("Z-TANK")
    for role in (Role.GUARD, Role.DISPATCHER, Role.CARRIER):
        client = as_role(role)
        assert client.get("/manage/zones").status_code == 403
        response = client.post(f"/manage/zones/{tank.id}/edit", data=_form(tank, name="Mine"))
        assert response.status_code == 403
    assert _zone("Z-TANK").name != "Mine"
    assert demo_user_client(app, Role.MANAGER).get("/manage/zones/999999/edit").status_code == 404


def test_the_rules_and_zones_pages_read_in_chinese(app: Any, demo: Demo) -> None:
    from tests.test_i18n_pages import english_left

    manager = chinese_client(app, Role.MANAGER)
    tank = _zone("Z-TANK")
    urls = ("/manage/rules", "/manage/zones", f"/manage/zones/{tank.id}/edit")
    assert english_left(manager, urls) == {}
    bad = post_form(manager, f"/manage/zones/{tank.id}/edit", **_form(tank, capacity_people="x"))
    assert "留空表示不限" in unescape(bad.get_data(as_text=True))
