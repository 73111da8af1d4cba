"""Carriers register their own drivers and escorts (pages and API): certificates checked per
field, the ID number kept only as a keyed digest and shown masked, duplicates refused,
every change back to the park's review, which approves or rejects them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from gatekeeper.extensions import db
from gatekeeper.models import (
    ApiToken,
    AuditEntry,
    IdDocumentType,
    Person,
    PersonKind,
    QualificationKind,
    ReviewStatus,
    Role,
    Standing,
)
from gatekeeper.services import standing
from gatekeeper.services.clock import park_today
from gatekeeper.services.crew import cn_resident_id_valid, id_digest
from tests.conftest import csrf_token_from, login_as
from tests.factories import make_carrier, make_person, make_user, qualification

RESIDENT_ID = "11010519491231002X"  # the specimen number of GB 11643-1999
FAR = "2099-12-31"


def _token_for(user: Any) -> dict[str, str]:
    row, token = ApiToken.issue(user, "crew software")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def carrier_api(session: Any) -> Any:
    user = make_user(Role.CARRIER)
    return user, _token_for(user)


def _in(days: int) -> str:
    return (park_today() + timedelta(days=days)).isoformat()


def _driver(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "driver",
        "full_name": "王建国",
        "id_document_type": "cn_resident_id",
        "id_number": RESIDENT_ID,
        "nationality": "cn",
        "phone": "+86 138 0000 1234",
        "qualifications": [
            {
                "kind": "dg_driver_cn",
                "number": "320500199001011234",
                "classes": ["2", "3", "8"],
                "tank": True,
                "expires_on": _in(400),
            }
        ],
    }
    body.update(changes)
    return body


def test_the_resident_id_check_digit() -> None:
    assert cn_resident_id_valid(RESIDENT_ID)
    assert not cn_resident_id_valid("110105194912310021")  # one digit off
    assert not cn_resident_id_valid("11010519491231002")  # 17 characters


def test_a_carrier_system_registers_a_driver_whose_id_is_never_stored(
    client: Any, carrier_api: Any
) -> None:
    user, auth = carrier_api
    response = client.post("/api/v1/carrier/persons", json=_driver(), headers=auth)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["id_number_masked"] == "…002X" and "id_number" not in body
    assert body["review"]["status"] == "pending" and body["nationality"] == "CN"
    (certificate,) = body["qualifications"]
    assert certificate["classes"] == ["2", "3", "8"] and certificate["tank"] is True
    person = db.session.get(Person, body["id"])
    assert person.carrier_id == user.carrier_id
    assert person.id_number_digest == id_digest(IdDocumentType.CN_RESIDENT_ID, RESIDENT_ID)
    # The number is nowhere in the row: not in any column of the person table.
    row = db.session.execute(text("SELECT * FROM person WHERE id = :id"), {"id": person.id}).one()
    assert not any(RESIDENT_ID in str(value) for value in row)
    listed = client.get("/api/v1/carrier/persons", headers=auth).json["persons"]
    assert [p["id"] for p in listed] == [person.id]
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "crew.person_registered")
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "check digit"),
        ({"id_number": None}, "id_number", "required"),
        ({"kind": "visitor"}, "kind", "listed values"),
        ({"phone": "call me"}, "phone", "phone number"),
        ({"full_name": ""}, "full_name", "required"),
        (
            {
                "qualifications": [
                    {"kind": "dg_driver_cn", "number": "A123", "expires_on": "2020-01-31"}
                ]
            },
            "qualifications.0.expires_on",
            "already expired",
        ),
        (
            {"qualifications": [{"kind": "escort", "number": "E123", "expires_on": FAR}]},
            "qualifications.0.kind",
            "other role",
        ),
        (
            {
                "qualifications": [
                    {
                        "kind": "dg_driver_cn",
                        "number": "A123",
                        "classes": ["11"],
                        "expires_on": FAR,
                    }
                ]
            },
            "qualifications.0.classes",
            "hazard classes",
        ),
        ({"qualifications": [{"kind": "dg_driver_cn"}]}, "qualifications.0.number", "required"),
    ],
)
def test_bad_fields_are_refused_each_with_its_message(
    client: Any, carrier_api: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    _, auth = carrier_api
    response = client.post("/api/v1/carrier/persons", json=_driver(**changes), headers=auth)
    assert response.status_code == 400
    assert message in response.json["fields"][field], response.json
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_duplicate_id_is_refused_within_the_carrier_only(client: Any, carrier_api: Any) -> None:
    _, auth = carrier_api
    assert client.post("/api/v1/carrier/persons", json=_driver(), headers=auth).status_code == 201
    again = client.post(
        "/api/v1/carrier/persons",
        json=_driver(full_name="Wang J.", id_number="110105 19491231 002x"),
        headers=auth,
    )
    assert again.status_code == 400
    assert "registered already" in again.json["fields"]["id_number"]
    # A driver may also work for another carrier.
    other = _token_for(make_user(Role.CARRIER, carrier=make_carrier(code="OTHER")))
    assert client.post("/api/v1/carrier/persons", json=_driver(), headers=other).status_code == 201


def test_a_change_keeps_the_id_and_goes_back_to_review(client: Any, carrier_api: Any) -> None:
    _, auth = carrier_api
    created = client.post("/api/v1/carrier/persons", json=_driver(), headers=auth).json
    person = db.session.get(Person, created["id"])
    person.review_status = ReviewStatus.APPROVED
    digest = person.id_number_digest
    db.session.commit()
    url = f"/api/v1/carrier/persons/{created['id']}"
    same = client.patch(url, json={"phone": "+86 138 0000 1234"}, headers=auth).json
    assert same["review"]["status"] == "approved"  # nothing changed, nothing to review
    renewed = {**_driver()["qualifications"][0], "expires_on": _in(900)}
    changed = client.patch(url, json={"qualifications": [renewed]}, headers=auth)
    assert changed.status_code == 200, changed.json
    assert changed.json["review"]["status"] == "pending"
    assert changed.json["qualifications"][0]["expires_on"] == _in(900)
    db.session.refresh(person)
    assert person.id_number_digest == digest and len(person.qualifications) == 1
    # A new kind of ID needs its number.
    refused = client.patch(url, json={"id_document_type": "passport"}, headers=auth)
    assert refused.status_code == 400 and "id_number" in refused.json["fields"]


def test_another_carriers_person_is_never_found(client: Any, carrier_api: Any) -> None:
    _, auth = carrier_api
    other = _token_for(make_user(Role.CARRIER, carrier=make_carrier(code="OTHER")))
    theirs = client.post("/api/v1/carrier/persons", json=_driver(), headers=other).json
    url = f"/api/v1/carrier/persons/{theirs['id']}"
    assert client.get(url, headers=auth).status_code == 404
    assert client.patch(url, json={"phone": "+86 1"}, headers=auth).status_code == 404
    assert client.get("/api/v1/carrier/persons", headers=auth).json["persons"] == []


def _page(browser: Any, url: str) -> tuple[str, str]:
    page = browser.get(url).get_data(as_text=True)
    return page, csrf_token_from(page)


def test_a_carrier_registers_an_escort_on_its_pages(app: Flask, session: Any) -> None:
    user = make_user(Role.CARRIER)
    browser = login_as(app.test_client(), user)
    fleet_page = browser.get("/carrier/fleet").get_data(as_text=True)
    assert "/carrier/persons/new" in fleet_page
    _, token = _page(browser, "/carrier/persons/new")
    form = {
        "csrf_token": token,
        "kind": "escort",
        "full_name": "李押运",
        "id_document_type": "passport",
        "id_number": "E12345678",
        "phone": "13800001111",
        "qualifications-0-kind": "escort",
        "qualifications-0-number": "YY-320500-0042",
        "qualifications-0-classes": "3, 8",
        "qualifications-0-expires_on": _in(200),
    }
    response = browser.post("/carrier/persons/new", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "李押运 registered" in page
    person = db.session.scalar(select(Person).where(Person.full_name == "李押运"))
    assert person.review_status is ReviewStatus.PENDING and person.id_masked == "…5678"
    assert person.qualifications[0].kind is QualificationKind.ESCORT
    assert person.qualifications[0].classes == ["3", "8"]
    assert "…5678" in page and "E12345678" not in page
    # The change page shows the stored values, never the ID number.
    edit, token = _page(browser, f"/carrier/persons/{person.id}/edit")
    assert 'value="YY-320500-0042"' in edit and "E12345678" not in edit and "…5678" in edit
    form.update(csrf_token=token, id_number="", phone="13800002222")
    browser.post(f"/carrier/persons/{person.id}/edit", data=form)
    db.session.refresh(person)
    assert person.phone == "13800002222" and person.id_masked == "…5678"


def test_a_bad_certificate_field_is_explained_beside_it(app: Flask, session: Any) -> None:
    browser = login_as(app.test_client(), make_user(Role.CARRIER))
    _, token = _page(browser, "/carrier/persons/new")
    form = {
        "csrf_token": token,
        "kind": "driver",
        "full_name": "Jan Peeters",
        "id_document_type": "passport",
        "id_number": "EP1234567",
        # The first row left blank, the second filled with an expired certificate.
        "qualifications-1-kind": "adr_driver",
        "qualifications-1-number": "BE-ADR-77",
        "qualifications-1-expires_on": "2021-06-30",
    }
    response = browser.post("/carrier/persons/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    label = page.split('for="qualifications-1-expires_on"', 1)[1].split("</label>", 1)[0]
    assert "already expired" in label
    assert 'value="BE-ADR-77"' in page and 'value="Jan Peeters"' in page
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_the_park_reviews_drivers_and_escorts(app: Flask, client: Any, carrier_api: Any) -> None:
    carrier_user, auth = carrier_api
    created = client.post("/api/v1/carrier/persons", json=_driver(), headers=auth).json
    manager = login_as(app.test_client(), make_user(Role.MANAGER))
    page = manager.get("/manage/review?what=persons").get_data(as_text=True)
    assert f'id="person-{created["id"]}"' in page and "…002X" in page
    token = csrf_token_from(page)
    url = f"/manage/review/persons/{created['id']}"
    refused = manager.post(
        f"{url}/reject", data={"csrf_token": token, "comment": ""}, follow_redirects=True
    )
    assert "say why it is rejected" in refused.get_data(as_text=True)
    manager.post(f"{url}/reject", data={"csrf_token": token, "comment": "certificate unreadable"})
    fleet_page = (
        login_as(app.test_client(), carrier_user).get("/carrier/fleet").get_data(as_text=True)
    )
    assert "certificate unreadable" in fleet_page
    manager.post(f"{url}/approve", data={"csrf_token": token, "comment": ""})
    seen = client.get(f"/api/v1/carrier/persons/{created['id']}", headers=auth).json
    assert seen["review"]["status"] == "approved"
    assert (
        manager.get("/manage/review?what=persons").get_data(as_text=True).count('id="person-') == 0
    )
    assert manager.get("/manage/review?what=nothing").status_code == 400


def test_only_approved_persons_with_valid_certificates_can_be_booked(session: Any) -> None:
    from gatekeeper.services.crew import booking_blockers

    today = park_today()
    driver = make_person(
        PersonKind.DRIVER,
        qualifications=[
            qualification(QualificationKind.DG_DRIVER_CN, today + timedelta(days=10), number="X1")
        ],
        review_status=ReviewStatus.PENDING,
    )
    assert "not approved by the park" in booking_blockers(driver, today, today)
    driver.review_status = ReviewStatus.APPROVED
    assert booking_blockers(driver, today, today + timedelta(days=10)) == []
    # A trip after the certificate's expiry cannot be booked.
    assert booking_blockers(driver, today, today + timedelta(days=11)) == [
        "no valid certificate over the booked days"
    ]


def test_a_barred_driver_stays_barred_under_every_carrier_that_registers_the_id(
    client: Any, carrier_api: Any
) -> None:
    manager = make_user(Role.MANAGER)
    _, auth = carrier_api
    first = db.session.get(
        Person, client.post("/api/v1/carrier/persons", json=_driver(), headers=auth).json["id"]
    )
    other = _token_for(make_user(Role.CARRIER, carrier=make_carrier(code="OTHER")))
    second = db.session.get(
        Person, client.post("/api/v1/carrier/persons", json=_driver(), headers=other).json["id"]
    )
    last_day = park_today() + timedelta(days=365)
    standing.bar_person(
        first,
        standing.Bar(Standing.BLACKLISTED, "forged certificate", last_day),
        manager,
        park_today(),
    )
    db.session.commit()
    assert second.standing is Standing.BLACKLISTED and second.standing_until == last_day
    # A third carrier registering the same ID later gets the bar with it.
    third_auth = _token_for(make_user(Role.CARRIER, carrier=make_carrier(code="THIRD")))
    third = client.post(
        "/api/v1/carrier/persons",
        json=_driver(full_name="Wang Jianguo", id_number="110105 19491231 002x"),
        headers=third_auth,
    ).json
    assert third["standing"] == "blacklisted" and third["standing_until"] == last_day.isoformat()
    standing.lift(second, "the certificate was genuine", manager)
    db.session.commit()
    barred = db.session.scalars(
        select(Person).where(Person.id_number_digest == first.id_number_digest)
    ).all()
    assert len(barred) == 3 and {p.standing for p in barred} == {Standing.ACTIVE}
