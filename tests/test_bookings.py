"""Bookings are checked when they are made, with the gate's own rules on the booked day and
what only a booking has; each invalid booking is refused with its reason at its field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    Company,
    Person,
    ReviewStatus,
    Role,
    Vehicle,
)
from gatekeeper.services import bookings
from gatekeeper.services.clock import park_today
from tests.booking_samples import _data, _id
from tests.factories import make_user


def _refused(park: dict[str, Any], **changes: Any) -> dict[str, str]:
    with pytest.raises(bookings.BookingError) as refused:
        bookings.create(_data(park, **changes), park["user"])
    return {k: v.english() for k, v in refused.value.errors.items()}


def test_a_valid_petrol_booking_is_requested(park: dict[str, Any]) -> None:
    booking = bookings.create(_data(park), park["user"])
    db.session.commit()
    day = park_today() + timedelta(days=2)
    assert booking.reference.startswith(f"BK-{day:%Y%m%d}-")
    assert booking.status is BookingStatus.REQUESTED and booking.company == park["dock"].company
    assert booking.cargo[0].description.startswith("PETROL") or booking.cargo[0].un_number == "1203"
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "booking.created", AuditEntry.entity_id == str(booking.id)
        )
    )
    assert entry is not None and '"orange_plates":true' in entry.details


def test_another_carriers_vehicle_is_refused(park: dict[str, Any]) -> None:
    other = _id(Vehicle, plate="沪A·D5521")
    assert "carrier's" in _refused(park, vehicle_id=other.id)["vehicle_id"]


def test_a_vehicle_the_park_has_not_approved_is_refused(park: dict[str, Any]) -> None:
    park["tanker"].review_status = ReviewStatus.PENDING
    assert "not approved by the park" in _refused(park)["vehicle_id"]


def test_documents_must_be_valid_on_the_booked_day(park: dict[str, Any]) -> None:
    park["tanker"].dg_permit_expiry = park_today() + timedelta(days=1)
    assert "road transport certificate" in _refused(park, days=2)["vehicle_id"]


def test_the_vehicle_approval_must_suit_the_cargo(park: dict[str, Any]) -> None:
    at_tanker = _id(Vehicle, plate="1-HZT-118")  # AT: not for flammable liquids in tanks
    assert "FL" in _refused(park, vehicle_id=at_tanker.id)["vehicle_id"]


def test_the_tank_must_be_approved_for_the_goods(park: dict[str, Any]) -> None:
    park["tanker"].tank_approved = ["1202"]
    assert "not approved for UN 1203" in _refused(park)["vehicle_id"]


def test_the_drivers_certificate_must_cover_the_class(park: dict[str, Any]) -> None:
    luc = _id(Person, full_name="Luc Janssens")  # class 3 only
    acid = [{"un": "1789", "quantity": "20000", "unit": "l", "packaging": "tank"}]
    assert "class 8" in _refused(park, driver_id=luc.id, cargo=acid)["driver_id"]


def test_an_escort_is_required_for_hazmat(park: dict[str, Any]) -> None:
    assert "escort" in _refused(park, escort_id=None)["escort_id"].lower()


def test_the_destination_zone_must_admit_the_class(park: dict[str, Any]) -> None:
    sodium = [{"un": "1428", "quantity": "1000", "unit": "kg", "packaging": "packages"}]
    refused = _refused(park, cargo=sodium)  # class 4.3 is admitted in no zone
    assert "does not admit class 4.3" in refused["dock_id"]


def test_the_dock_must_have_a_slot(park: dict[str, Any]) -> None:
    park["dock"].slots_per_hour = 1  # two vehicles in the two-hour window
    bookings.create(_data(park), park["user"])
    second = _id(Vehicle, plate="1-VKR-302")
    sofie = _id(Person, full_name="Sofie Willems")
    second.review_status = sofie.review_status = ReviewStatus.APPROVED
    luc = _id(Person, full_name="Luc Janssens")
    crew = {"driver_id": luc.id, "escort_id": sofie.id}
    bookings.create(_data(park, vehicle_id=second.id, **crew), park["user"])
    refused = _refused(park, vehicle_id=_id(Vehicle, plate="1-HZT-118").id, **crew)
    assert "fully booked" in refused["window_start"]


def test_a_vehicle_or_person_is_booked_once_at_a_time(park: dict[str, Any]) -> None:
    first = bookings.create(_data(park), park["user"])
    refused = _refused(park)
    assert first.reference in refused["vehicle_id"] and first.reference in refused["driver_id"]
    # The next day is free.
    assert bookings.create(_data(park, days=3), park["user"]).reference != first.reference


def test_the_window_must_be_in_order_and_to_come(park: dict[str, Any]) -> None:
    data = _data(park)
    assert "after the start" in _refused(park, window_end=data["window_start"])["window_end"]
    assert "already past" in _refused(park, days=-3)["window_end"]
    naive = _refused(park, window_start="2026-12-01T09:00")
    assert "offset" in naive["window_start"]


def test_unknown_un_numbers_are_refused_at_their_line(park: dict[str, Any]) -> None:
    cargo = [{"un": "9999", "quantity": "10", "unit": "kg", "packaging": "packages"}]
    assert "dangerous-goods list" in _refused(park, cargo=cargo)["cargo.0.un"]


def test_nothing_is_written_when_a_booking_is_refused(park: dict[str, Any]) -> None:
    before = db.session.scalar(select(Booking.id).order_by(Booking.id.desc()))
    _refused(park, escort_id=None)
    db.session.commit()
    assert db.session.scalar(select(Booking.id).order_by(Booking.id.desc())) == before


# --- the dispatcher's pages --------------------------------------------------------------------


def _form(app: Any, park: dict[str, Any], **changes: str) -> tuple[Any, dict[str, str]]:
    from tests.conftest import csrf_token_from, login_as

    browser = login_as(app.test_client(), park["user"])
    page = browser.get("/dispatch/bookings/new").get_data(as_text=True)
    assert "1-VKR-301 · Brabant Tank Logistics" in page
    day = park_today() + timedelta(days=2)
    form = {
        "csrf_token": csrf_token_from(page),
        "vehicle_id": str(park["tanker"].id),
        "trailer_id": "",
        "driver_id": str(park["driver"].id),
        "escort_id": str(park["escort"].id),
        "dock_id": str(park["dock"].id),
        "direction": "delivery",
        "day": day.isoformat(),
        "start": "09:00",
        "end": "11:00",
        "cargo-0-un": "1203",
        "cargo-0-quantity": "20000",
        "cargo-0-unit": "l",
        "cargo-0-packaging": "tank",
        "cargo-0-transport_category": "",
        "waybill_number": "WB-7",
    }
    form.update(changes)
    return browser, form


def test_a_dispatcher_books_a_tanker_and_cancels_it(app: Any, park: dict[str, Any]) -> None:
    from tests.conftest import csrf_token_from

    browser, form = _form(app, park)
    response = browser.post("/dispatch/bookings/new", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "waiting for the park" in page
    booking = db.session.scalar(select(Booking).where(Booking.waybill_number == "WB-7"))
    assert booking is not None and f'id="booking-{booking.reference}"' in page
    cancelled = browser.post(
        f"/dispatch/bookings/{booking.reference}/cancel",
        data={"csrf_token": csrf_token_from(page), "comment": "load not ready"},
        follow_redirects=True,
    )
    assert f"{booking.reference}: cancelled" in cancelled.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED


def test_a_refused_booking_says_why_beside_the_field(app: Any, park: dict[str, Any]) -> None:
    luc = _id(Person, full_name="Luc Janssens")
    browser, form = _form(
        app,
        park,
        escort_id="",
        driver_id=str(luc.id),
        **{
            "cargo-1-un": "1789",
            "cargo-1-quantity": "500",
            "cargo-1-unit": "l",
            "cargo-1-packaging": "tank",
        },
    )
    response = browser.post("/dispatch/bookings/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    escort = page.split('for="escort_id"', 1)[1].split("</label>", 1)[0]
    assert "escort" in escort.lower() and "field-error" in escort
    driver = page.split('for="driver_id"', 1)[1].split("</label>", 1)[0]
    assert "class 8" in driver
    assert 'value="WB-7"' in page  # nothing typed is lost
    assert db.session.scalar(select(Booking).where(Booking.waybill_number == "WB-7")) is None


def test_carriers_and_guards_do_not_use_the_dispatch_pages(as_role: Any, session: Any) -> None:
    for role in (Role.CARRIER, Role.GUARD):
        assert as_role(role).get("/dispatch/bookings/new").status_code == 403


# --- approval in two steps ----------------------------------------------------------------------


def test_the_receiving_company_accepts_then_the_park_approves(
    app: Any, park: dict[str, Any]
) -> None:
    from tests.conftest import csrf_token_from, login_as

    booking = bookings.create(_data(park), park["user"])  # the park's logistics office
    db.session.commit()
    assert booking.status is BookingStatus.REQUESTED
    day = (park_today() + timedelta(days=2)).isoformat()
    url = f"/dispatch/bookings/{booking.reference}"
    # Another company's dispatcher may not accept it.
    other = make_user(Role.DISPATCHER, company=_id(Company, code="GASTERM"))
    browser = login_as(app.test_client(), other)
    page = browser.get(f"/dispatch/bookings?day={day}").get_data(as_text=True)
    assert f'formaction="{url}/approve"' not in page
    browser.post(f"{url}/approve", data={"csrf_token": csrf_token_from(page)})
    db.session.refresh(booking)
    assert booking.status is BookingStatus.REQUESTED
    # The receiving company's dispatcher accepts; a rejection would need a reason.
    receiving = make_user(Role.DISPATCHER, company=park["dock"].company)
    browser = login_as(app.test_client(), receiving)
    page = browser.get(f"/dispatch/bookings?day={day}").get_data(as_text=True)
    token = csrf_token_from(page)
    refused = browser.post(f"{url}/reject", data={"csrf_token": token}, follow_redirects=True)
    assert "say why it is rejected" in refused.get_data(as_text=True)
    browser.post(f"{url}/approve", data={"csrf_token": token})
    db.session.refresh(booking)
    assert booking.status is BookingStatus.ACCEPTED and booking.accepted_by_id == receiving.id
    # The park approves.
    manager = login_as(app.test_client(), make_user(Role.MANAGER))
    page = manager.get(f"/dispatch/bookings?day={day}").get_data(as_text=True)
    manager.post(f"{url}/approve", data={"csrf_token": csrf_token_from(page)})
    db.session.refresh(booking)
    assert booking.status is BookingStatus.APPROVED and booking.approved_by_id is not None
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(
            AuditEntry.action.like("booking.%"),
            AuditEntry.entity_type == "booking",
            AuditEntry.entity_id == str(booking.id),
        )
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == ["booking.created", "booking.accepted", "booking.approved"]


def test_a_company_booking_its_own_dock_has_accepted_it(park: dict[str, Any]) -> None:
    receiving = make_user(Role.DISPATCHER, company=park["dock"].company)
    booking = bookings.create(_data(park), receiving)
    assert booking.status is BookingStatus.ACCEPTED


def test_the_park_rejects_with_a_reason_the_carrier_sees(park: dict[str, Any]) -> None:
    receiving = make_user(Role.DISPATCHER, company=park["dock"].company)
    booking = bookings.create(_data(park), receiving)
    manager = make_user(Role.MANAGER)
    with pytest.raises(bookings.BookingError):
        bookings.decide(booking, receiving, "approve", None)  # not the company's step now
    bookings.decide(booking, manager, "reject", "dock closed for maintenance")
    assert booking.status is BookingStatus.REJECTED
    assert booking.decision_comment == "dock closed for maintenance"


# --- the API ------------------------------------------------------------------------------------


def _token(user: Any) -> dict[str, str]:
    from gatekeeper.models import ApiToken

    row, token = ApiToken.issue(user, "erp")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_an_erp_books_lists_changes_and_cancels(client: Any, park: dict[str, Any]) -> None:
    auth = _token(park["user"])
    created = client.post("/api/v1/bookings", json=_data(park), headers=auth)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "requested" and body["vehicle"] == "1-VKR-301"
    assert body["cargo"][0]["un"] == "1203" and "route" in body and "approvals" in body
    reference = body["reference"]
    day = (park_today() + timedelta(days=2)).isoformat()
    listed = client.get(f"/api/v1/bookings?day={day}", headers=auth).json
    assert reference in [b["reference"] for b in listed["bookings"]]
    later = _data(park)["window_end"]
    changed = client.patch(
        f"/api/v1/bookings/{reference}", json={"waybill_number": "WB-8"}, headers=auth
    )
    assert changed.status_code == 200 and changed.json["waybill_number"] == "WB-8"
    refused = client.patch(
        f"/api/v1/bookings/{reference}", json={"window_end": body["window_start"]}, headers=auth
    )
    assert refused.status_code == 400 and "window_end" in refused.json["fields"]
    assert later
    cancelled = client.post(
        f"/api/v1/bookings/{reference}/cancel", json={"reason": "plan changed"}, headers=auth
    )
    assert cancelled.json["status"] == "cancelled"
    bad = client.post("/api/v1/bookings", json=_data(park, escort_id=None), headers=auth)
    assert bad.status_code == 400 and "escort_id" in bad.json["fields"]


@pytest.mark.parametrize("field", ["vehicle_id", "trailer_id", "driver_id", "dock_id"])
@pytest.mark.parametrize("number", [2**31, -(2**31) - 1, 0])
def test_an_id_no_record_can_have_is_refused_beside_its_field(
    client: Any, park: dict[str, Any], field: str, number: int
) -> None:
    """An id beyond what the database's INTEGER holds answered 500 (found by the fuzzer)."""
    refused = client.post(
        "/api/v1/bookings", json=_data(park, **{field: number}), headers=_token(park["user"])
    )
    assert refused.status_code == 400, refused.json
    assert list(refused.json["fields"]) == [field]


def test_a_carrier_books_for_itself_and_sees_only_its_bookings(
    client: Any, park: dict[str, Any]
) -> None:
    carrier_user = make_user(Role.CARRIER, carrier=park["tanker"].carrier)
    auth = _token(carrier_user)
    data = _data(park, carrier_id=999)  # the carrier is taken from the token, not the body
    created = client.post("/api/v1/bookings", json=data, headers=auth)
    assert created.status_code == 201, created.json
    other = make_user(Role.CARRIER)
    theirs = _token(other)
    reference = created.json["reference"]
    assert client.get(f"/api/v1/bookings/{reference}", headers=theirs).status_code == 404
    day = (park_today() + timedelta(days=2)).isoformat()
    assert client.get(f"/api/v1/bookings?day={day}", headers=theirs).json["bookings"] == []


def test_a_carrier_cannot_change_a_booking_in_the_freeze_period(
    client: Any, park: dict[str, Any]
) -> None:
    carrier_user = make_user(Role.CARRIER, carrier=park["tanker"].carrier)
    auth = _token(carrier_user)
    from gatekeeper.services.park import park_settings

    park_settings().booking_freeze_minutes = 3 * 24 * 60  # the booking is 2 days ahead
    data = _data(park)
    created = client.post("/api/v1/bookings", json=data, headers=auth)
    assert created.status_code == 201, created.json
    reference = created.json["reference"]
    refused = client.patch(
        f"/api/v1/bookings/{reference}", json={"waybill_number": "WB-9"}, headers=auth
    )
    assert refused.status_code == 400 and "frozen" in refused.json["fields"]["window_start"]
    dispatcher = _token(park["user"])
    allowed = client.patch(
        f"/api/v1/bookings/{reference}", json={"waybill_number": "WB-9"}, headers=dispatcher
    )
    assert allowed.status_code == 200


def test_a_carrier_requests_a_booking_on_its_portal(app: Any, park: dict[str, Any]) -> None:
    from tests.conftest import csrf_token_from, login_as

    carrier_user = make_user(Role.CARRIER, carrier=park["tanker"].carrier)
    browser = login_as(app.test_client(), carrier_user)
    page = browser.get("/carrier/bookings/new").get_data(as_text=True)
    assert "1-VKR-301" in page and "沪A·D5521" not in page  # its own vehicles only
    _, form = _form(app, park)
    form["csrf_token"] = csrf_token_from(page)
    response = browser.post("/carrier/bookings/new", data=form, follow_redirects=True)
    listing = response.get_data(as_text=True)
    assert response.status_code == 200 and "waiting for the park" in listing
    booking = db.session.scalar(select(Booking).where(Booking.waybill_number == "WB-7"))
    assert (
        booking.carrier_id == carrier_user.carrier_id and booking.status is BookingStatus.REQUESTED
    )
    assert f'id="booking-{booking.reference}"' in listing and "requested" in listing
    row = listing.split(f'id="booking-{booking.reference}"')[1].split("</tr>")[0]
    day = booking.window_start.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert f'<td class="nowrap">{day}</td>' in row  # the Day column shows the day


def test_the_un_number_is_found_by_number_or_name(app: Any, park: dict[str, Any]) -> None:
    from tests.conftest import login_as

    browser = login_as(app.test_client(), park["user"])
    by_number = browser.get("/dispatch/dangerous-goods?q=1203").json["goods"]
    assert by_number[0]["un"] == "1203" and by_number[0]["class"] == "3"
    assert "33" in by_number[0]["hin"]
    by_name = browser.get("/dispatch/dangerous-goods?q=hydrochloric").json["goods"]
    assert "1789" in [good["un"] for good in by_name]
    assert browser.get("/dispatch/dangerous-goods?q=1").json["goods"] == []
    page = browser.get("/dispatch/bookings/new").get_data(as_text=True)
    assert 'data-un-search="/dispatch/dangerous-goods"' in page and "un-search.js" in page


def test_the_admin_area_only_lists_bookings(app: Any, park: dict[str, Any]) -> None:
    from tests.conftest import login_as

    admin = login_as(app.test_client(), make_user(Role.ADMIN))
    listing = admin.get("/admin/admin_booking/").get_data(as_text=True)
    assert "BK-" in listing and "/admin/admin_booking/new/" not in listing
    assert admin.get("/admin/admin_booking/new/").status_code in (302, 403, 404)


def test_a_recurring_booking_makes_one_booking_per_weekday(park: dict[str, Any]) -> None:
    first = park_today() + timedelta(days=2)
    days = bookings.repeat_days(first, first + timedelta(days=13), weekdays_only=True)
    assert len(days) == 10 and all(day.weekday() < 5 for day in days)
    made = bookings.create_recurring(_data(park), park["user"], days)
    assert [b.window_start.astimezone(ZoneInfo("Asia/Shanghai")).date() for b in made] == days
    assert len({b.reference for b in made}) == 10


def test_a_recurring_booking_is_all_or_none(park: dict[str, Any]) -> None:
    first = park_today() + timedelta(days=2)
    park["tanker"].dg_permit_expiry = first + timedelta(days=3)
    days = bookings.repeat_days(first, first + timedelta(days=6), weekdays_only=False)
    with pytest.raises(bookings.BookingError) as refused:
        bookings.create_recurring(_data(park), park["user"], days)
    db.session.rollback()
    message = refused.value.errors["vehicle_id"].english()
    assert (first + timedelta(days=4)).isoformat() in message
    assert (
        db.session.scalar(select(Booking).where(Booking.waybill_number == "WB-2026-0042")) is None
    )


def test_a_dispatcher_changes_a_booking_on_its_page(app: Any, park: dict[str, Any]) -> None:
    from tests.conftest import csrf_token_from, login_as

    receiving = make_user(Role.DISPATCHER, company=park["dock"].company)
    booking = bookings.create(_data(park), receiving)
    db.session.commit()
    browser = login_as(app.test_client(), park["user"])
    url = f"/dispatch/bookings/{booking.reference}/edit"
    page = browser.get(url).get_data(as_text=True)
    assert 'value="WB-2026-0042"' in page and 'value="09:00"' in page and 'value="1203"' in page
    form = {
        "csrf_token": csrf_token_from(page),
        "vehicle_id": str(park["tanker"].id),
        "trailer_id": "",
        "driver_id": str(park["driver"].id),
        "escort_id": str(park["escort"].id),
        "dock_id": str(park["dock"].id),
        "direction": "delivery",
        "day": (park_today() + timedelta(days=2)).isoformat(),
        "start": "10:00",
        "end": "12:00",
        "cargo-0-un": "1203",
        "cargo-0-quantity": "18000",
        "cargo-0-unit": "l",
        "cargo-0-packaging": "tank",
        "waybill_number": "WB-2026-0042",
    }
    browser.post(url, data=form)
    db.session.refresh(booking)
    assert f"{booking.window_start.astimezone(ZoneInfo('Asia/Shanghai')):%H:%M}" == "10:00"
    assert float(booking.cargo[0].quantity) == 18000
    # Changed by the park's office: back to the receiving company's acceptance.
    assert booking.status is BookingStatus.REQUESTED


def test_a_carrier_finds_its_bookings_past_and_to_come_and_downloads_them(
    app: Any, park: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from gatekeeper.web.carrier import routes as carrier_routes
    from tests.conftest import login_as

    carrier = park["tanker"].carrier
    own = list(db.session.scalars(select(Booking).where(Booking.carrier_id == carrier.id)))
    others = db.session.scalars(select(Booking).where(Booking.carrier_id != carrier.id)).all()
    assert len(own) == 4 and others  # the demo's: Brabant's four of today, other carriers'
    last_week = own[0]
    last_week.window_start -= timedelta(days=7)
    last_week.window_end -= timedelta(days=7)
    db.session.commit()
    browser = login_as(app.test_client(), make_user(Role.CARRIER, carrier=carrier))

    def listed(**args: str) -> set[str]:
        page = browser.get("/carrier/bookings", query_string=args).get_data(as_text=True)
        return {b.reference for b in [*own, *others] if f'id="booking-{b.reference}"' in page}

    today = {b.reference for b in own[1:]}
    assert listed() == today  # from today on, by default
    assert listed(period="past") == {last_week.reference}
    assert listed(period="all") == today | {last_week.reference}
    plate = own[1].vehicle.plate
    assert listed(period="all", q=plate.lower().replace("-", " ")) == {
        b.reference for b in own if plate in (b.vehicle.plate, b.trailer and b.trailer.plate)
    }
    assert listed(period="all", status="cancelled") == set()
    assert listed(period="nonsense", status="nonsense") == today  # the defaults, no error
    monkeypatch.setattr(carrier_routes, "BOOKINGS_PER_PAGE", 2)
    first, second = listed(period="all"), listed(period="all", page="2")
    assert len(first) == 2 and len(second) == 2 and first | second == today | {last_week.reference}

    export = browser.get("/carrier/bookings.csv", query_string={"period": "all"})
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Booking" and "Conflicts" not in rows[0]  # a carrier's own list
    assert {r[0] for r in rows[1:]} == today | {last_week.reference}
    xlsx = browser.get("/carrier/bookings.xlsx", query_string={"period": "all"})
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [[c or "" for c in r] for r in sheet.iter_rows(values_only=True)] == rows
    assert browser.get("/carrier/bookings.pdf").status_code == 404
