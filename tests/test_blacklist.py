"""The park's blacklist: a manager bars a plate (registered or not) or a person from the
manager's pages, the gate refuses them from then on, the carrier is told, the bar ends
after its last day or when lifted with a reason; bad input loses nothing."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape
from typing import Any

from sqlalchemy import func, select

from gatekeeper.domain.messages import N_, phrase
from gatekeeper.domain.standing import barred_on, in_force
from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertKind,
    AuditEntry,
    Carrier,
    Company,
    Notice,
    Person,
    PersonKind,
    Role,
    Severity,
    Standing,
    User,
    Vehicle,
)
from gatekeeper.services import crew, fleet, people
from gatekeeper.services.clock import park_today
from tests.conftest import csrf_token_from, demo_user_client, error_messages, login_as, post_form
from tests.factories import make_person, make_user
from tests.gate_samples import Demo

DAY = date(2026, 11, 27)


def test_a_bar_holds_to_its_last_day_and_then_no_longer() -> None:
    for standing in ("blacklisted", "suspended"):
        assert barred_on(standing, None, DAY)
        assert barred_on(standing, DAY, DAY)
        assert not barred_on(standing, DAY - timedelta(days=1), DAY)
    assert not barred_on("active", None, DAY)
    assert in_force("blacklisted", DAY - timedelta(days=1), DAY) == "active"
    assert in_force("suspended", DAY, DAY) == "suspended"


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Vehicle)) or 0,
        db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        db.session.scalar(select(func.count()).select_from(Notice)) or 0,
    )


def _vehicle(plate: str) -> Vehicle:
    vehicle = db.session.scalar(select(Vehicle).where(Vehicle.plate == plate))
    assert vehicle is not None
    return vehicle


def _codes(body: dict[str, Any]) -> list[str]:
    return [r["code"] for r in body["reasons"]]


def test_a_barred_registered_plate_is_refused_at_the_gate_and_its_carrier_told(
    app: Any, client: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    last_day = park_today() + timedelta(days=365)
    response = post_form(
        manager,
        "/manage/blacklist/vehicles/new",
        plate="沪A D5521",  # typed with a space: the registered 沪A·D5521
        standing="blacklisted",
        reason="Parked on the fire lane three times",
        until=last_day.isoformat(),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    vehicle = _vehicle("沪A·D5521")
    assert vehicle.standing is Standing.BLACKLISTED and vehicle.standing_until == last_day
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "vehicle.barred", AuditEntry.entity_id == str(vehicle.id)
        )
    )
    assert entry is not None and "fire lane" in entry.details
    notice = db.session.scalar(select(Notice).where(Notice.carrier_id == vehicle.carrier_id))
    assert (
        notice is not None
        and "沪A·D5521" in notice.message
        and last_day.isoformat() in (notice.message)
    )

    body = demo.post_event(
        client, "G1-HAZ", event_id="e-barred", plate="沪AD5521", plate_color="yellow"
    ).json
    assert body["decision"] == "deny" and "standing" in _codes(body)
    reason = next(r for r in body["reasons"] if r["code"] == "standing")
    assert "fire lane" in reason["message"]
    assert f"blacklisted until {last_day.isoformat()}" in reason["message"]

    listed = manager.get("/manage/blacklist").get_data(as_text=True)
    assert f'id="vehicle-{vehicle.id}"' in listed and "fire lane" in listed


def test_a_plate_the_park_never_registered_is_barred_and_refused(
    app: Any, client: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    response = post_form(
        manager,
        "/manage/blacklist/vehicles/new",
        plate="苏E·L7731",
        kind="rigid_truck",
        standing="suspended",
        reason="Speeding on the ring road",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    vehicle = _vehicle("苏E·L7731")
    # Its province says it is Chinese; no carrier; no last day: until lifted.
    assert vehicle.country == "CN" and vehicle.carrier_id is None
    assert vehicle.standing is Standing.SUSPENDED and vehicle.standing_until is None
    body = demo.post_event(client, "G1-IN", event_id="e-unreg", plate="苏EL7731").json
    assert body["decision"] == "deny" and "standing" in _codes(body)
    # The guard reads why; the checks that did not apply say each thing once.
    kiosk = login_as(app.test_client(), demo.guard).get("/kiosk/lanes/G1-IN/panel")
    html = unescape(kiosk.get_data(as_text=True))
    assert "Vehicle 苏E·L7731 is suspended: Speeding on the ring road" in html
    folded = html.split('data-code="not_applicable"', 1)[1].split("</tr>", 1)[0]
    texts = re.findall(r"<span data-code=\"[^\"]+\">([^<]+)</span>", folded)
    assert texts and len(texts) == len(set(texts)), texts


def test_a_bar_with_bad_input_says_so_beside_each_field_and_writes_nothing(
    app: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    before = _counts()
    response = post_form(
        manager,
        "/manage/blacklist/vehicles/new",
        plate="ZZ 4711",
        standing="blacklisted",
        reason="   ",
        until=(park_today() - timedelta(days=1)).isoformat(),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    errors = error_messages(html)
    assert len(errors) == 4, errors  # reason, last day, country, kind
    assert "the last day cannot be before today" in html
    assert "give its country" in html and "say what kind of vehicle" in html
    assert 'value="ZZ 4711"' in html  # what was typed is kept
    assert _counts() == before

    response = post_form(
        manager,
        "/manage/blacklist/vehicles/new",
        plate="<script>",
        standing="blacklisted",
        reason="x",
    )
    assert response.status_code == 200 and "2 to 16 letters" in response.get_data(as_text=True)
    assert _counts() == before


def test_a_bar_ends_after_its_last_day_and_is_listed_as_ended(
    app: Any, client: Any, demo: Demo
) -> None:
    vehicle = _vehicle("HH-EB 1204")
    vehicle.standing = Standing.BLACKLISTED
    vehicle.standing_reason = "old"
    vehicle.standing_until = park_today() - timedelta(days=1)
    db.session.commit()
    manager = demo_user_client(app, Role.MANAGER)
    current = manager.get("/manage/blacklist").get_data(as_text=True)
    ended = manager.get("/manage/blacklist?period=ended").get_data(as_text=True)
    assert f'id="vehicle-{vehicle.id}"' not in current
    assert f'id="vehicle-{vehicle.id}"' in ended
    body = demo.post_event(client, "G1-IN", event_id="e-ended", plate="HHEB1204").json
    assert "standing" not in _codes(body)
    assert "not in good standing" not in fleet.booking_blockers(vehicle, park_today(), park_today())


def test_lifting_a_bar_needs_a_reason_and_lets_the_vehicle_in_again(
    app: Any, client: Any, demo: Demo
) -> None:
    vehicle = _vehicle("沪A·D5530")
    vehicle.standing = Standing.SUSPENDED
    vehicle.standing_reason = "tank inspection overdue"
    db.session.commit()
    manager = demo_user_client(app, Role.MANAGER)
    url = f"/manage/blacklist/vehicles/{vehicle.id}/lift"
    token = csrf_token_from(manager.get("/manage/blacklist").get_data(as_text=True))
    refused = manager.post(url, data={"csrf_token": token, "why": " "}, follow_redirects=True)
    assert "say why the bar is lifted" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert vehicle.standing is Standing.SUSPENDED

    manager.post(url, data={"csrf_token": token, "why": "Inspection certificate shown"})
    db.session.expire_all()
    assert vehicle.standing is Standing.ACTIVE and vehicle.standing_reason is None
    lifted = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "vehicle.bar_lifted", AuditEntry.entity_id == str(vehicle.id)
        )
    )
    assert lifted is not None and "Inspection certificate shown" in lifted.details
    assert db.session.scalar(
        select(Notice).where(
            Notice.carrier_id == vehicle.carrier_id, Notice.message.contains("may enter")
        )
    )
    again = manager.post(url, data={"csrf_token": token, "why": "twice"}, follow_redirects=True)
    assert "this is not barred" in again.get_data(as_text=True)


def test_a_barred_person_is_refused_as_crew_and_on_foot_until_the_last_day(
    app: Any, demo: Demo
) -> None:
    driver = demo.lox.driver
    assert driver is not None
    manager = demo_user_client(app, Role.MANAGER)
    found = manager.get("/manage/blacklist?what=persons&find=" + driver.full_name[:5])
    assert f'id="found-{driver.id}"' in found.get_data(as_text=True)
    last_day = park_today() + timedelta(days=30)
    response = post_form(
        manager,
        f"/manage/blacklist/persons/{driver.id}",
        standing="blacklisted",
        reason="Smoking beside the tank farm",
        until=last_day.isoformat(),
    )
    assert response.status_code == 302
    db.session.refresh(driver)
    assert driver.standing is Standing.BLACKLISTED and driver.standing_until == last_day
    today = park_today()
    assert "not in good standing" in crew.booking_blockers(driver, today, today)
    assert "not in good standing" not in crew.booking_blockers(
        driver, last_day + timedelta(days=1), last_day + timedelta(days=2)
    )
    employee = make_person(PersonKind.EMPLOYEE, full_name="Li Lei")
    employee.standing = Standing.SUSPENDED
    employee.standing_until = today - timedelta(days=1)  # ended yesterday
    db.session.commit()
    assert [r.code for r in people.entry_checks(employee, today)] == []
    employee.standing_until = today
    employee.standing_reason = "Let a stranger in on her badge"
    (refusal,) = people.entry_checks(employee, today)
    assert refusal.code == "standing"
    assert refusal.text.english() == (
        f"not allowed in (suspended until {today.isoformat()}): Let a stranger in on her badge"
    )


def test_the_lox_crew_check_refuses_a_barred_escort(client: Any, demo: Demo) -> None:
    escort = demo.lox.escort
    assert escort is not None
    escort.standing = Standing.BLACKLISTED
    escort.standing_reason = "fake certificate"
    escort.standing_until = park_today()
    db.session.commit()
    body = demo.post_event(
        client,
        "G1-HAZ",
        event_id="e-escort",
        plate="Q-AKX-769",
        hazard={"hin": "225", "un": "1073", "confidence": 0.95},
    ).json
    assert body["decision"] != "allow"
    escort_check = next(r for r in body["reasons"] if r["code"] == "escort")
    assert "blacklisted" in escort_check["message"]


def test_the_list_is_searched_exported_and_closed_to_other_roles(
    app: Any, as_role: Any, demo: Demo
) -> None:
    for plate in ("HH-EB 1205", "HH-EB 3050"):
        vehicle = _vehicle(plate)
        vehicle.standing = Standing.BLACKLISTED
        vehicle.standing_reason = f"reason {plate}"
    db.session.commit()
    manager = demo_user_client(app, Role.MANAGER)
    narrowed = manager.get("/manage/blacklist?q=eb1205").get_data(as_text=True)
    assert "reason HH-EB 1205" in narrowed and "reason HH-EB 3050" not in narrowed
    rows = list(
        csv.reader(
            io.StringIO(
                manager.get("/manage/blacklist.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert rows[0][0] == "Plate" and {r[0] for r in rows[1:]} >= {"HH-EB 1205", "HH-EB 3050"}
    assert {r[0]: r[5] for r in rows[1:]}["HH-EB 1205"] == "until lifted"
    assert manager.get("/manage/blacklist?what=nothing").status_code == 400
    assert manager.get("/manage/blacklist?period=someday").status_code == 400
    for role in (Role.GUARD, Role.DISPATCHER):
        assert as_role(role).get("/manage/blacklist").status_code == 403


def test_the_chinese_blacklist_pages_show_no_english_words(app: Any, demo: Demo) -> None:
    vehicle = _vehicle("HH-EB 1310")
    vehicle.standing = Standing.SUSPENDED
    vehicle.standing_reason = "理由"
    user = make_user(Role.MANAGER)
    user.locale = "zh_CN"
    db.session.commit()
    client = login_as(app.test_client(), user)
    person = db.session.scalar(select(Person).limit(1))
    assert person is not None
    for url in (
        "/manage/blacklist",
        "/manage/blacklist?what=persons&find=a",
        "/manage/blacklist/vehicles/new",
        f"/manage/blacklist/persons/{person.id}",
    ):
        html = client.get(url).get_data(as_text=True)
        text = unescape(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1]))
        for name in [p.full_name for p in db.session.scalars(select(Person))] + [
            user.display_name,
            *(c.name for c in db.session.scalars(select(Carrier))),
            *(c.name for c in db.session.scalars(select(Company))),
            *(p.host_name for p in db.session.scalars(select(Person)) if p.host_name),
            *(v.standing_reason for v in db.session.scalars(select(Vehicle)) if v.standing_reason),
            *(v.plate for v in db.session.scalars(select(Vehicle))),
        ]:
            text = text.replace(name, " ")
        words = {
            w for w in re.findall(r"[A-Za-z][A-Za-z0-9/-]*", text) if not re.search(r"[\d/-]", w)
        }
        assert words <= {"CSV", "XLSX", "ID", "ISO", "CN", "DE", "BE"}, (url, sorted(words))


def test_an_alert_about_a_vehicle_links_to_barring_it(app: Any, demo: Demo) -> None:
    vehicle = _vehicle("HH-EB 4100")
    db.session.add(
        Alert.draft(
            phrase(N_("Vehicle %(plate)s overstayed"), plate=vehicle.plate),
            kind=AlertKind.OVERSTAY,
            severity=Severity.WARNING,
            dedup_key="overstay-test",
            vehicle_id=vehicle.id,
        )
    )
    db.session.commit()
    db.session.add(  # a document's expiry is no misconduct: no link
        Alert.draft(
            phrase(N_("Vehicle %(plate)s overstayed"), plate="HH-EB 3051"),
            kind=AlertKind.DOCUMENT_EXPIRED,
            severity=Severity.WARNING,
            dedup_key="expired-test",
            vehicle_id=_vehicle("HH-EB 3051").id,
        )
    )
    db.session.commit()
    manager = demo_user_client(app, Role.MANAGER)
    html = manager.get("/manage/alerts").get_data(as_text=True)
    link = "/manage/blacklist/vehicles/new?plate=HH-EB+4100"
    assert link in html and "plate=HH-EB+3051" not in html
    form = manager.get(link).get_data(as_text=True)
    assert 'value="HH-EB 4100"' in form and "Registered with this plate" in form


def test_the_form_proposes_a_year_and_the_carrier_reads_the_bar_with_its_last_day(
    app: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    form = manager.get("/manage/blacklist/vehicles/new").get_data(as_text=True)
    assert f'value="{(park_today() + timedelta(days=365)).isoformat()}"' in form
    vehicle = _vehicle("Q-AKX-769")
    vehicle.standing = Standing.SUSPENDED
    vehicle.standing_until = park_today() + timedelta(days=3)
    db.session.commit()
    carrier_user = db.session.scalar(select(User).where(User.role == Role.CARRIER))
    fleet_page = login_as(app.test_client(), carrier_user).get("/carrier/fleet")
    assert f"suspended until {vehicle.standing_until.isoformat()}" in fleet_page.get_data(
        as_text=True
    )


def test_barring_from_an_alert_proposes_its_message_as_the_reason(app: Any, demo: Demo) -> None:
    vehicle = _vehicle("HH-EB 2201")
    db.session.add(
        Alert.draft(
            phrase(
                N_("%(plate)s parked illegally %(count)s times in %(days)s days: blacklist it?"),
                plate=vehicle.plate,
                count=3,
                days=90,
            ),
            kind=AlertKind.REPEATED_PARKING,
            severity=Severity.WARNING,
            dedup_key="repeat-parking:test",
            vehicle_id=vehicle.id,
        )
    )
    db.session.commit()
    manager = demo_user_client(app, Role.MANAGER)
    html = unescape(manager.get("/manage/alerts").get_data(as_text=True))
    link = re.search(r'href="(/manage/blacklist/vehicles/new\?[^"]+)"', html)
    assert link is not None
    form = unescape(manager.get(link.group(1)).get_data(as_text=True))
    assert 'value="HH-EB 2201 parked illegally 3 times in 90 days: blacklist it?"' in form


def test_a_park_companys_vehicle_is_listed_with_its_company(app: Any, demo: Demo) -> None:
    van = _vehicle("苏E·N2031")
    van.standing = Standing.SUSPENDED
    van.standing_reason = "speeding on the ring road"
    db.session.commit()
    listed = demo_user_client(app, Role.MANAGER).get("/manage/blacklist").get_data(as_text=True)
    row = listed.split(f'id="vehicle-{van.id}"', 1)[1].split("</tr>", 1)[0]
    assert van.company.name in row and "not registered" not in row
