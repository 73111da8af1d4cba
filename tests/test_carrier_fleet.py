"""Carriers register their own vehicles (pages and API): validated per field, plates by the
park's formats and normalised, duplicates and expired documents refused, every change back
to the park's review; another carrier's vehicle is never found."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.models import (
    ApiToken,
    AuditEntry,
    Document,
    DocumentKind,
    FleetImport,
    ReviewStatus,
    Role,
    Standing,
    Vehicle,
)
from gatekeeper.services.clock import park_today
from gatekeeper.services.reference_data import load_reference_data
from tests.conftest import login_as
from tests.factories import make_booking, make_carrier, make_person, make_user, make_vehicle

NEXT_YEAR = 365  # days


@pytest.fixture
def carrier_api(session: Any) -> Any:
    """A carrier user's API token, and the carrier."""
    load_reference_data()
    user = make_user(Role.CARRIER)
    row, token = ApiToken.issue(user, "fleet software")
    db.session.add(row)
    db.session.commit()
    return user, {"Authorization": f"Bearer {token}"}


def _tanker(**changes: Any) -> dict[str, Any]:
    expiry = (park_today() + timedelta(days=NEXT_YEAR)).isoformat()
    body = {
        "plate": "苏E·D8892",
        "country": "cn",
        "plate_colour": "yellow",
        "kind": "tanker",
        "licence_number": "320500123456",
        "licence_inspection_expiry": expiry,
        "dg_permit_number": "苏交运管危 320500001",
        "dg_permit_expiry": expiry,
        "adr_approval": "FL",
        "adr_certificate_expiry": expiry,
        "tank_code": "L4BN",
        "tank_inspection_expiry": expiry,
        "tank_approved": ["1203", "1202", "3"],
    }
    body.update(changes)
    return body


def test_a_carrier_system_registers_a_tanker(client: Any, carrier_api: Any) -> None:
    user, auth = carrier_api
    response = client.post("/api/v1/carrier/vehicles", json=_tanker(), headers=auth)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["plate"] == "苏E·D8892" and body["country"] == "CN"
    assert body["review"]["status"] == "pending" and body["tank_approved"] == ["1203", "1202", "3"]
    vehicle = db.session.get(Vehicle, body["id"])
    assert vehicle.carrier_id == user.carrier_id and vehicle.plate_normalized == "ED8892"
    listed = client.get("/api/v1/carrier/vehicles", headers=auth).json["vehicles"]
    assert [v["id"] for v in listed] == [vehicle.id]
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "fleet.vehicle_registered")
    )
    assert entry is not None and entry.entity_id == str(vehicle.id)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"plate": "AB#12!?"}, "plate", "2 to 16 letters"),
        ({"plate": "12"}, "plate", "fits none of the park's plate formats"),
        ({"plate_colour": None}, "plate_colour", "colour"),
        ({"kind": "spaceship"}, "kind", "listed values"),
        ({"dg_permit_expiry": "2020-01-31"}, "dg_permit_expiry", "already expired"),
        ({"adr_certificate_expiry": None}, "adr_certificate_expiry", "required with an ADR"),
        ({"tank_approved": ["9999"]}, "tank_approved", "not a UN number on the list"),
        ({"licence_inspection_expiry": "31/12/2027"}, "licence_inspection_expiry", "YYYY-MM-DD"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_bad_fields_are_refused_each_with_its_message(
    client: Any, carrier_api: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    _user, auth = carrier_api
    response = client.post("/api/v1/carrier/vehicles", json=_tanker(**changes), headers=auth)
    assert response.status_code == 400
    assert message in response.json["fields"][field], response.json
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 0


def test_a_duplicate_plate_is_refused_in_any_spelling(client: Any, carrier_api: Any) -> None:
    _user, auth = carrier_api
    assert client.post("/api/v1/carrier/vehicles", json=_tanker(), headers=auth).status_code == 201
    again = client.post("/api/v1/carrier/vehicles", json=_tanker(plate="苏E D8892"), headers=auth)
    assert again.status_code == 400
    assert "registered already" in again.json["fields"]["plate"]


def test_a_change_goes_back_to_review(client: Any, carrier_api: Any) -> None:
    user, auth = carrier_api
    vehicle = make_vehicle(carrier=user.carrier)
    db.session.commit()
    assert vehicle.review_status is ReviewStatus.APPROVED
    response = client.patch(
        f"/api/v1/carrier/vehicles/{vehicle.id}", json={"make_model": "Volvo FH"}, headers=auth
    )
    assert response.status_code == 200, response.json
    assert response.json["make_model"] == "Volvo FH"
    assert response.json["review"]["status"] == "pending"
    unchanged = client.patch(
        f"/api/v1/carrier/vehicles/{vehicle.id}", json={"make_model": "Volvo FH"}, headers=auth
    )
    assert unchanged.status_code == 200


def test_another_carriers_vehicle_is_never_found(client: Any, carrier_api: Any) -> None:
    _user, auth = carrier_api
    theirs = make_vehicle(carrier=make_carrier())
    db.session.commit()
    url = f"/api/v1/carrier/vehicles/{theirs.id}"
    assert client.get(url, headers=auth).status_code == 404
    assert client.patch(url, json={"make_model": "x"}, headers=auth).status_code == 404
    assert client.get("/api/v1/carrier/vehicles", headers=auth).json["vehicles"] == []
    db.session.refresh(theirs)
    assert theirs.make_model is None


def test_only_carriers_use_the_carrier_api(client: Any, session: Any) -> None:
    manager = make_user(Role.MANAGER)
    row, token = ApiToken.issue(manager, "ERP")
    db.session.add(row)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/carrier/vehicles", headers=headers).status_code == 403
    assert client.get("/api/v1/carrier/vehicles").status_code == 401


def test_the_body_must_be_a_json_object(client: Any, carrier_api: Any) -> None:
    _user, auth = carrier_api
    response = client.post(
        "/api/v1/carrier/vehicles", data="[1]", headers=auth, content_type="application/json"
    )
    assert response.status_code == 400


def _page_form(browser: Any, url: str) -> dict[str, str]:
    from tests.conftest import csrf_token_from

    return {"csrf_token": csrf_token_from(browser.get(url).get_data(as_text=True))}


def test_a_carrier_registers_a_trailer_on_its_pages(app: Flask, session: Any) -> None:
    load_reference_data()
    user = make_user(Role.CARRIER)
    browser = login_as(app.test_client(), user)
    fleet_page = browser.get("/carrier/fleet").get_data(as_text=True)
    assert "/carrier/vehicles/new" in fleet_page
    form = {
        **_page_form(browser, "/carrier/vehicles/new"),
        "plate": "Q-AKZ-111",
        "country": "BE",
        "kind": "tank_trailer",
        "adr_approval": "FL",
        "adr_certificate_expiry": (park_today() + timedelta(days=100)).isoformat(),
        "tank_approved": "1203, 3",
    }
    response = browser.post("/carrier/vehicles/new", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Q-AKZ-111 registered" in page
    vehicle = db.session.scalar(select(Vehicle).where(Vehicle.plate == "Q-AKZ-111"))
    assert vehicle.carrier_id == user.carrier_id and vehicle.tank_approved == ["1203", "3"]
    assert vehicle.review_status is ReviewStatus.PENDING and "waiting for review" in page
    # One page shows every state, with a legend of what each means.
    assert 'id="legend"' in page and "cannot be booked until it is renewed" in page


def test_a_bad_field_is_explained_beside_it_and_the_input_kept(app: Flask, session: Any) -> None:
    browser = login_as(app.test_client(), make_user(Role.CARRIER))
    form = {
        **_page_form(browser, "/carrier/vehicles/new"),
        "plate": "AB#12",
        "country": "BE",
        "kind": "tanker",
        "make_model": "DAF XF",
        "dg_permit_expiry": "2020-03-01",
    }
    response = browser.post("/carrier/vehicles/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    plate_label = page.split('for="plate"', 1)[1].split("</label>", 1)[0]
    assert "2 to 16 letters" in plate_label
    permit_label = page.split('for="dg_permit_expiry"', 1)[1].split("</label>", 1)[0]
    assert "already expired" in permit_label
    assert 'value="DAF XF"' in page  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 0


def test_a_carrier_changes_its_vehicle_and_it_goes_back_to_review(app: Flask, session: Any) -> None:
    user = make_user(Role.CARRIER)
    vehicle = make_vehicle(carrier=user.carrier, plate="1-CHG-001")
    db.session.commit()
    browser = login_as(app.test_client(), user)
    url = f"/carrier/vehicles/{vehicle.id}/edit"
    page = browser.get(url).get_data(as_text=True)
    assert 'value="1-CHG-001"' in page
    form = {
        **_page_form(browser, url),
        "plate": "1-CHG-001",
        "country": "BE",
        "kind": "tanker",
        "make_model": "Scania R",
        "adr_approval": "FL",
        "adr_certificate_expiry": vehicle.adr_certificate_expiry.isoformat(),
    }
    browser.post(url, data=form)
    db.session.refresh(vehicle)
    assert vehicle.make_model == "Scania R" and vehicle.review_status is ReviewStatus.PENDING


def test_every_carrier_url_with_another_carriers_id_is_not_found(app: Flask, session: Any) -> None:
    """Walks every carrier-scoped page and API route that takes an id."""
    mine = make_user(Role.CARRIER)
    row, token = ApiToken.issue(mine, "fleet")
    db.session.add(row)
    other = make_carrier()
    vehicle = make_vehicle(carrier=other, plate="9-THR-001")
    person = make_person(carrier=other, full_name="Their Driver 9THR")
    document = Document(
        kind=DocumentKind.VEHICLE_LICENCE,
        vehicle=vehicle,
        carrier_id=other.id,
        original_name="9-THR-001 licence.jpg",
        stored_path="documents/theirs.jpg",
        content_type="image/jpeg",
        size_bytes=1,
        sha256="0" * 64,
    )
    their_import = FleetImport(
        carrier_id=other.id, what="vehicles", original_name="9-THR-001.csv", stored_path="x"
    )
    db.session.add_all([document, their_import])
    db.session.commit()
    their_booking = make_booking(carrier=other, vehicle=vehicle, driver=person)
    ids = {
        "vehicle_id": vehicle.id,
        "person_id": person.id,
        "document_id": document.id,
        "import_id": their_import.id,
        "reference": their_booking.reference,
    }
    owners = {"vehicles": vehicle.id, "persons": person.id}
    browser = login_as(app.test_client(), mine)
    api = app.test_client()
    scoped = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/carrier/", "/api/v1/carrier/"))
        and rule.arguments - {"what", "kind"}  # a template's or a file's kind is nobody's data
    ]
    assert len(scoped) >= 6, [r.rule for r in scoped]
    urls = []
    for rule in scoped:
        if "owner_id" in rule.arguments:
            urls += [
                (rule, rule.build({"what": what, "owner_id": owner})[1])
                for what, owner in owners.items()
            ]
        else:
            urls.append((rule, rule.build({name: ids[name] for name in rule.arguments})[1]))
    for rule, url in urls:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if url.startswith("/api/"):
                answer = api.open(
                    url, method=method, json={}, headers={"Authorization": f"Bearer {token}"}
                )
            else:
                answer = browser.open(
                    url, method=method, data=_page_form(browser, "/carrier/fleet")
                )
            assert answer.status_code == 404, (method, url, answer.status_code)
            body = answer.get_data(as_text=True)
            assert "9-THR-001" not in body and "Their Driver 9THR" not in body
    mine_booking = make_booking(carrier=mine.carrier)
    export = browser.get("/carrier/bookings.csv", query_string={"period": "all"})
    assert mine_booking.reference in export.get_data(as_text=True)
    assert their_booking.reference not in export.get_data(as_text=True)


def test_the_park_reviews_what_a_carrier_registered(
    app: Flask, client: Any, carrier_api: Any
) -> None:
    from tests.conftest import csrf_token_from

    carrier_user, auth = carrier_api
    created = client.post("/api/v1/carrier/vehicles", json=_tanker(), headers=auth).json
    manager = login_as(app.test_client(), make_user(Role.MANAGER))
    page = manager.get("/manage/review").get_data(as_text=True)
    assert f'id="vehicle-{created["id"]}"' in page and "苏E·D8892" in page
    token = csrf_token_from(page)
    url = f"/manage/review/vehicles/{created['id']}"
    refused = manager.post(
        f"{url}/reject", data={"csrf_token": token, "comment": ""}, follow_redirects=True
    )
    assert "say why the vehicle is rejected" in refused.get_data(as_text=True)
    manager.post(f"{url}/reject", data={"csrf_token": token, "comment": "licence photo missing"})
    seen = client.get(f"/api/v1/carrier/vehicles/{created['id']}", headers=auth).json
    assert seen["review"] == {"status": "rejected", "comment": "licence photo missing"}
    # The carrier sees the reason on its page; the park approves the corrected vehicle.
    fleet_page = (
        login_as(app.test_client(), carrier_user).get("/carrier/fleet").get_data(as_text=True)
    )
    assert "licence photo missing" in fleet_page
    manager.post(f"{url}/approve", data={"csrf_token": token, "comment": ""})
    seen = client.get(f"/api/v1/carrier/vehicles/{created['id']}", headers=auth).json
    assert seen["review"]["status"] == "approved"
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "fleet.vehicle_reviewed")
    ).all()
    assert len(actions) == 2
    assert manager.get("/manage/review").get_data(as_text=True).count('id="vehicle-') == 0


def test_carriers_do_not_review(as_role: Any, session: Any) -> None:
    vehicle = make_vehicle()
    assert as_role(Role.CARRIER).get("/manage/review").status_code == 403
    response = as_role(Role.CARRIER).post(f"/manage/review/vehicles/{vehicle.id}/approve")
    assert response.status_code == 403


def test_only_approved_vehicles_with_valid_documents_can_be_booked(session: Any) -> None:
    from gatekeeper.services.fleet import booking_blockers

    today = park_today()
    vehicle = make_vehicle(plate="1-BKB-001", dg_permit_expiry=today + timedelta(days=5))
    vehicle.review_status = ReviewStatus.PENDING
    assert "not approved by the park" in booking_blockers(vehicle, today, today)
    vehicle.review_status = ReviewStatus.APPROVED
    assert booking_blockers(vehicle, today, today + timedelta(days=5)) == []
    assert "road transport certificate" in booking_blockers(
        vehicle, today, today + timedelta(days=6)
    )


def test_the_api_answers_a_bar_as_it_holds_today(client: Any, carrier_api: Any) -> None:
    _user, auth = carrier_api
    body = client.post("/api/v1/carrier/vehicles", json=_tanker(), headers=auth).json
    assert body["standing"] == "active" and body["standing_until"] is None
    vehicle = db.session.get(Vehicle, body["id"])
    vehicle.standing = Standing.BLACKLISTED
    vehicle.standing_until = park_today()
    db.session.commit()
    barred = client.get(f"/api/v1/carrier/vehicles/{vehicle.id}", headers=auth).json
    assert barred["standing"] == "blacklisted"
    assert barred["standing_until"] == park_today().isoformat()
    vehicle.standing_until = park_today() - timedelta(days=1)  # ended yesterday
    db.session.commit()
    ended = client.get(f"/api/v1/carrier/vehicles/{vehicle.id}", headers=auth).json
    assert ended["standing"] == "active" and ended["standing_until"] is None
