"""The park companies' own vehicles: registered for a year on the manager's pages, let in
without a booking while the registration holds and refused once it has ended; checked
(plate formats, duplicates, a Chinese plate's colour, kinds, company), renewed, filtered,
exported; bad input loses nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from html import unescape
from typing import Any

from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.jobs import maintenance
from gatekeeper.models import (
    Alert,
    AlertKind,
    AuditEntry,
    Decision,
    FleetImport,
    Passage,
    Presence,
    PresenceKind,
    Role,
    Vehicle,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services.clock import park_today
from gatekeeper.services.park_vehicle_imports import COLUMNS
from tests.conftest import (
    csv_bytes,
    demo_user_client,
    error_messages,
    first_company,
    post_form,
    upload_file,
)
from tests.gate_samples import Demo


def _register(client: Any, **changes: Any) -> Any:
    data = {
        "plate": "苏E·Q1001",
        "country": "CN",
        "plate_colour": "blue",
        "kind": "van",
        "company_id": str(first_company().id),
        "make_model": "Wuling Rongguang",
        "registered_until": (park_today() + timedelta(days=365)).isoformat(),
        **changes,
    }
    return post_form(client, "/manage/vehicles/new", **data)


def test_a_company_van_comes_in_without_a_booking_while_registered(
    app: Any, client: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    form = manager.get("/manage/vehicles/new").get_data(as_text=True)
    assert (park_today() + timedelta(days=365)).isoformat() in form  # a year proposed
    response = _register(manager)
    assert response.status_code == 302, error_messages(response.get_data(as_text=True))
    van = db.session.scalar(select(Vehicle).where(Vehicle.plate == "苏E·Q1001"))
    assert van is not None and van.company_id == first_company().id and van.carrier_id is None
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "park_vehicle.registered", AuditEntry.entity_id == str(van.id)
        )
    )
    body = demo.post_event(
        client, "G1-IN", event_id="van-1", plate="苏EQ1001", plate_color="blue"
    ).json
    assert body["decision"] == "allow", body["reasons"]
    passage = db.session.get(Passage, body["id"])
    booking_check = next(c for c in passage.checks if c["code"] == "booking")
    assert booking_check["outcome"] == "pass"
    assert booking_check["message"] == (
        f"Vehicle of {first_company().name}, registered until {van.registered_until.isoformat()}"
    )
    guard = demo_user_client(app, Role.GUARD)
    panel = unescape(guard.get("/kiosk/lanes/G1-IN/panel").get_data(as_text=True))
    assert f"苏E·Q1001 · van · {first_company().name}" in panel


def test_a_registration_that_has_ended_is_refused_with_its_last_day(
    app: Any, client: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    ended = park_today() - timedelta(days=1)
    assert _register(manager, registered_until=ended.isoformat()).status_code == 302
    body = demo.post_event(client, "G1-IN", event_id="van-2", plate="苏EQ1001").json
    assert body["decision"] == Decision.DENY.value
    reason = next(r for r in body["reasons"] if r["code"] == "booking")
    assert f"its registration ended on {ended.isoformat()}" in reason["message"]

    # Renewed: in again.
    van = db.session.scalar(select(Vehicle).where(Vehicle.plate == "苏E·Q1001"))
    assert van is not None
    renewed = (park_today() + timedelta(days=365)).isoformat()
    response = post_form(
        manager,
        f"/manage/vehicles/{van.id}/edit",
        plate=van.plate,
        country="CN",
        plate_colour="blue",
        kind="van",
        company_id=str(van.company_id),
        registered_until=renewed,
    )
    assert response.status_code == 302, error_messages(response.get_data(as_text=True))
    body = demo.post_event(client, "G1-IN", event_id="van-3", plate="苏EQ1001").json
    assert body["decision"] == "allow", body["reasons"]


def test_bad_input_says_so_beside_each_field_and_writes_nothing(app: Any, demo: Demo) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    before = db.session.scalar(select(func.count()).select_from(Vehicle))
    response = _register(
        manager, plate="沪A·D5521", plate_colour="", kind="tanker", company_id="999999"
    )
    errors = error_messages(response.get_data(as_text=True))
    assert response.status_code == 200 and len(errors) == 4, errors
    html = unescape(response.get_data(as_text=True))
    assert "registered already, by Huaxin Hazmat Transport" in html
    assert "tankers and trailers come with a carrier" in html
    response = _register(manager, registered_until="0001-01-01", country="C1")
    assert len(error_messages(response.get_data(as_text=True))) == 2
    assert 'value="苏E·Q1001"' in response.get_data(as_text=True)  # what was typed is kept
    # No company chosen: said with the plate's problems, not instead of them.
    response = _register(manager, plate="沪A·D5521", plate_colour="", company_id="")
    assert len(error_messages(response.get_data(as_text=True))) == 3
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == before


def test_the_list_filters_exports_and_is_the_managers_alone(
    app: Any, as_role: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    _register(manager)
    _register(
        manager, plate="苏E·Q1002", registered_until=(park_today() - timedelta(days=3)).isoformat()
    )
    ended = manager.get("/manage/vehicles?attention=ended").get_data(as_text=True)
    assert "苏E·Q1002" in ended and "苏E·Q1001" not in ended
    found = manager.get("/manage/vehicles?q=q1001").get_data(as_text=True)
    assert "苏E·Q1001" in found and "苏E·Q1002" not in found
    rows = list(
        csv.reader(
            io.StringIO(
                manager.get(f"/manage/vehicles.csv?company={first_company().id}")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[0][0] == "Plate"
    assert {r[0] for r in rows[1:]} >= {"苏E·Q1001", "苏E·Q1002"}
    assert next(r for r in rows if r[0] == "苏E·Q1001")[2] == "blue"
    carrier_vehicle = db.session.scalar(select(Vehicle).where(Vehicle.plate == "沪A·D5521"))
    assert carrier_vehicle is not None
    assert manager.get(f"/manage/vehicles/{carrier_vehicle.id}/edit").status_code == 404
    assert manager.get("/manage/vehicles?attention=x").status_code == 400
    for role in (Role.GUARD, Role.DISPATCHER, Role.CARRIER):
        assert as_role(role).get("/manage/vehicles").status_code == 403


def test_the_manager_is_alerted_when_a_registration_ends(demo: Demo) -> None:
    maintenance.check_document_expiry()
    messages = {
        a.message
        for a in db.session.scalars(select(Alert).where(Alert.kind == AlertKind.DOCUMENT_EXPIRED))
    }
    ended = (park_today() - timedelta(days=7)).isoformat()  # the demo's Polymer Works car
    assert f"park registration of 苏E·P6608 expired on {ended}" in "\n".join(messages)


def test_a_park_vehicle_stays_the_working_day_without_an_overstay(client: Any, demo: Demo) -> None:
    """Six hours is the trucks' limit; the company's van is in from morning to evening."""
    van = db.session.scalar(select(Vehicle).where(Vehicle.plate == "苏E·N2031"))
    assert van is not None
    body = demo.post_event(client, "G1-IN", event_id="van-in", plate="苏EN2031").json
    assert body["decision"] == "allow", body["reasons"]
    presence = db.session.scalar(select(Presence).where(Presence.vehicle_id == van.id))
    assert presence is not None
    presence.entered_at = presence.passed_at = utcnow() - timedelta(hours=10)
    db.session.commit()
    assert maintenance.check_overstay() == 0
    out = demo.post_event(client, "G1-OUT", event_id="van-out", plate="苏EN2031").json
    stay = next(c for c in db.session.get(Passage, out["id"]).checks if c["code"] == "stay")
    assert stay["outcome"] == "pass"
    # Once its registration has ended, the limit holds for it as for any vehicle.
    van.registered_until = park_today() - timedelta(days=1)
    db.session.add(
        Presence(kind=PresenceKind.VEHICLE, vehicle=van, entered_at=utcnow() - timedelta(hours=7))
    )
    db.session.commit()
    assert maintenance.check_overstay() == 1


def test_a_list_of_company_vehicles_is_imported_once_and_renews_by_plate(
    app: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    later = (park_today() + timedelta(days=300)).isoformat()
    rows = [
        {
            "plate": "苏E·Q3001",
            "country": "cn",
            "plate_colour": "Blue",
            "kind": "car",
            "company": "Polymer Works Ltd",
            "make_model": "",
            "registered_until": later,
        },
        {  # the demo's van, renewed
            "plate": "苏E N2031",
            "country": "CN",
            "plate_colour": "",
            "kind": "",
            "company": "",
            "make_model": "",
            "registered_until": later,
        },
    ]
    url = "/manage/vehicles/imports"
    page = upload_file(manager, url, csv_bytes(COLUMNS, rows), "vehicles.csv")
    job = db.session.scalar(select(FleetImport).order_by(FleetImport.id.desc()))
    assert job is not None and job.status == "done", job.errors if job else None
    assert (job.created, job.updated) == (1, 1)
    assert "1 vehicles registered, 1 changed." in page.get_data(as_text=True)
    van = db.session.scalar(select(Vehicle).where(Vehicle.plate_normalized == "EN2031"))
    assert van is not None and van.registered_until.isoformat() == later
    assert van.kind.value == "van"  # left empty: kept
    upload_file(manager, url, csv_bytes(COLUMNS, rows), "vehicles-again.csv")
    again = db.session.scalar(select(FleetImport).order_by(FleetImport.id.desc()))
    assert again is not None and (again.created, again.updated) == (0, 0)

    wrong = [{**rows[0], "plate": "沪A·D5521", "company": "ACME", "plate_colour": ""}]
    upload_file(manager, url, csv_bytes(COLUMNS, wrong), "wrong.csv")
    failed = db.session.scalar(select(FleetImport).order_by(FleetImport.id.desc()))
    assert failed is not None and failed.status == "failed"
    assert {(e["row"], e["field"]) for e in failed.errors} == {
        (2, "plate"),
        (2, "plate_colour"),
        (2, "company"),
    }
    template = manager.get(f"{url}/template.csv").get_data(as_text=True)
    assert tuple(next(csv.reader(io.StringIO(template.lstrip("\ufeff"))))) == COLUMNS
