"""Vehicle and person files for the park's managers: a vehicle found by its plate (partly
typed, the province character left out), a person by name, badge or ID; then the
registration and documents or qualifications, standing, where they are now, bookings,
alerts (with the illegal parkings), and every passage, on one page reachable from the
occupancy list, the alerts and the blacklist."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

from sqlalchemy import func, select

from gatekeeper.domain.messages import N_, phrase
from gatekeeper.extensions import db
from gatekeeper.models import Alert, AlertKind, Person, Role, Severity, Vehicle
from gatekeeper.models.types import utcnow
from tests.conftest import chinese_client, demo_user_client
from tests.gate_samples import Demo


def _vehicle(plate: str) -> Vehicle:
    vehicle = db.session.scalar(select(Vehicle).where(Vehicle.plate == plate))
    assert vehicle is not None
    return vehicle


def test_a_plate_typed_in_part_finds_the_vehicles_and_a_whole_one_opens_its_file(
    app: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    barred = _vehicle("苏E·L7731")
    response = manager.get("/manage/plates?q=苏E L7731")  # typed with a space, not a dot
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/plates/{barred.id}")
    response = manager.get("/manage/plates?q=l7731")  # part of it, lower case: the one
    assert response.headers["Location"].endswith(f"/manage/plates/{barred.id}")
    html = unescape(manager.get("/manage/plates?q=VKR").get_data(as_text=True))
    found = re.findall(r'href="/manage/plates/(\d+)"', html)
    assert {int(i) for i in found} == {_vehicle("1-VKR-301").id, _vehicle("1-VKR-302").id}
    html = unescape(manager.get("/manage/plates?q=ZZ999").get_data(as_text=True))
    assert "No vehicle with a plate holding “ZZ999”." in html


def test_the_file_shows_where_the_vehicle_is_its_papers_bookings_alerts_and_passages(
    app: Any, client: Any, demo: Demo
) -> None:
    demo.enter_lox(client)
    trailer = _vehicle("Q-AKX-769")
    db.session.add(
        Alert.draft(
            phrase(
                N_("%(plate)s: %(minutes)s min in %(zone)s, where its cargo is not allowed"),
                plate=trailer.plate,
                minutes=20,
                zone="Z-TANK",
            ),
            kind=AlertKind.ILLEGAL_PARKING,
            severity=Severity.WARNING,
            dedup_key="file-1",
            vehicle_id=trailer.id,
            created_at=utcnow() - timedelta(days=3),
        )
    )
    db.session.commit()
    manager = demo_user_client(app, Role.MANAGER)
    html = unescape(manager.get(f"/manage/plates/{trailer.id}").get_data(as_text=True))
    assert "Inside since" in html and demo.lox.reference in html
    assert "Illegal parkings in the last 90 days: 1" in html
    assert "Q-AKX-769: 20 min in Z-TANK, where its cargo is not allowed" in html
    assert "ADR certificate of approval" in html and "Road transport certificate" in html
    assert f'href="/manage/blacklist/vehicles/new?plate={trailer.plate}"' in html
    # The passage at G1-HAZ, linked to its record at the lane's screen.
    assert re.search(r'href="/kiosk/lanes/G1-HAZ\?passage=\d+"', html)
    assert 'Passages at the gates <span class="muted">(1)</span>' in html

    # Reached from the occupancy list and the alerts.
    assert f"/manage/plates/{trailer.id}" in manager.get("/manage/occupancy").get_data(as_text=True)
    assert f"/manage/plates/{trailer.id}" in manager.get("/manage/alerts").get_data(as_text=True)


def test_a_barred_vehicle_outside_says_so(app: Any, demo: Demo) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    barred = _vehicle("苏E·L7731")
    html = unescape(manager.get(f"/manage/plates/{barred.id}").get_data(as_text=True))
    assert "Not inside the park." in html and "No passages yet." in html
    assert "blacklisted" in html and "On the blacklist" in html
    blacklist = manager.get("/manage/blacklist").get_data(as_text=True)
    assert f"/manage/plates/{barred.id}" in blacklist


def test_only_managers_and_admins_open_files(app: Any, as_role: Any, demo: Demo) -> None:
    barred = _vehicle("苏E·L7731")
    for role in (Role.GUARD, Role.DISPATCHER, Role.CARRIER):
        assert as_role(role).get(f"/manage/plates/{barred.id}").status_code == 403
        assert as_role(role).get("/manage/plates?q=L7731").status_code == 403
    assert demo_user_client(app, Role.MANAGER).get("/manage/plates/999999").status_code == 404


def test_the_file_reads_in_chinese(app: Any, client: Any, demo: Demo) -> None:
    from tests.test_i18n_pages import english_left

    demo.enter_lox(client)
    manager = chinese_client(app, Role.MANAGER)
    trailer = _vehicle("Q-AKX-769")
    person = db.session.scalar(select(Person).where(Person.badge_number.is_not(None)))
    assert person is not None
    urls = (f"/manage/plates/{trailer.id}", "/manage/plates?q=VKR", "/manage/plates?q=x9")
    urls += (f"/manage/persons/{person.id}", "/manage/persons?q=a", "/manage/persons?q=zz")
    tank_driver = next(  # a driver certified for tanks: the specialisation in words
        p
        for p in db.session.scalars(select(Person))
        if any("tank" in (q.classes or []) for q in p.qualifications)
    )
    urls += (f"/manage/persons/{tank_driver.id}",)
    assert english_left(manager, urls) == {}


def test_a_person_is_found_by_name_badge_or_id_and_their_file_shows_where_they_are(
    app: Any, client: Any, demo: Demo
) -> None:
    from gatekeeper.models import PersonKind
    from gatekeeper.services import people

    manager = demo_user_client(app, Role.MANAGER)
    employee = db.session.scalar(
        select(Person).where(Person.kind == PersonKind.EMPLOYEE, Person.badge_number.is_not(None))
    )
    assert employee is not None and employee.badge_number
    from gatekeeper.models import Lane

    lane = db.session.scalar(select(Lane).where(Lane.code == "G1-PED"))
    assert lane is not None
    assert people.check_in(employee, lane, utcnow(), method="badge").allowed
    db.session.commit()
    response = manager.get(f"/manage/persons?q={employee.badge_number.lower()}")
    assert response.headers["Location"].endswith(f"/manage/persons/{employee.id}")
    html = unescape(manager.get(f"/manage/persons/{employee.id}").get_data(as_text=True))
    assert employee.full_name in html and "Inside since" in html
    assert 'Passages through the lanes <span class="muted">(1)</span>' in html
    assert f'href="/manage/blacklist/persons/{employee.id}"' in html
    assert f"/manage/persons/{employee.id}" in manager.get("/manage/occupancy").get_data(
        as_text=True
    )
    html = unescape(manager.get("/manage/persons?q=zzzz-nobody").get_data(as_text=True))
    assert "Nobody found for “zzzz-nobody”." in html
    for role in (Role.GUARD, Role.DISPATCHER, Role.CARRIER):
        assert demo_user_client(app, role).get(f"/manage/persons/{employee.id}").status_code == 403


def test_a_drivers_file_lists_the_trips_booked_for_them(app: Any, demo: Demo) -> None:
    driver = demo.lox.driver
    assert driver is not None
    html = unescape(
        demo_user_client(app, Role.MANAGER)
        .get(f"/manage/persons/{driver.id}")
        .get_data(as_text=True)
    )
    assert demo.lox.reference in html
    assert f'href="/manage/plates/{demo.lox.vehicle_id}"' in html


def test_the_managers_home_and_registers_lead_to_the_files(app: Any, demo: Demo) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    home = manager.get("/").get_data(as_text=True)
    assert 'action="/manage/plates"' in home and 'action="/manage/persons"' in home
    staff = manager.get("/manage/people").get_data(as_text=True)
    assert re.search(r'href="/manage/persons/\d+"', staff)
    fleet = manager.get("/manage/vehicles").get_data(as_text=True)
    assert re.search(r'href="/manage/plates/\d+"', fleet)


def test_a_long_history_is_paged_over_its_newest_rows_only(app: Any, demo: Demo) -> None:
    from gatekeeper.web.paging import paginate_newest

    query = select(Vehicle).order_by(Vehicle.id.desc())
    vehicles = db.session.scalar(select(func.count()).select_from(Vehicle))
    assert vehicles is not None and vehicles > 6
    with app.test_request_context("/?page=99"):  # past the end: the last page kept
        page = paginate_newest(query, per_page=2, cap=5)
    assert page.capped and page.total == 6 and page.pages == 3 and page.page == 3
    assert len(page.items) == 1 and not page.has_next and page.has_prev  # the 5th, no more
    with app.test_request_context("/"):
        whole = paginate_newest(query, per_page=50, cap=1000)
    assert not whole.capped and whole.total == vehicles and whole.pages == 1
    assert [v.id for v in whole.items][:2] == [v.id for v in db.session.scalars(query.limit(2))]
