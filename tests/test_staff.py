"""The safety office's register of employees and contractors: registered and changed on the
manager's pages (no admin area), checked (company, a badge nobody else holds, the ID), the
induction and insurance a contractor needs kept as dated qualifications that the pedestrian
lane reads; searched, filtered by what needs attention, exported; bad input loses nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from html import unescape
from typing import Any

from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.models import (
    AuditEntry,
    Person,
    PersonKind,
    QualificationKind,
    Role,
    Standing,
    User,
)
from gatekeeper.services import crew, people, staff, standing
from gatekeeper.services.clock import park_today
from tests.conftest import demo_user_client, error_messages, first_company, post_form
from tests.factories import make_carrier
from tests.gate_samples import Demo


def _person(name: str) -> Person:
    person = db.session.scalar(select(Person).where(Person.full_name == name))
    assert person is not None
    return person


def test_a_contractor_registered_walks_in_only_while_induction_and_insurance_hold(
    app: Any, demo: Demo
) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    today = park_today()
    response = post_form(
        manager,
        "/manage/people/new",
        kind="contractor",
        full_name="Zhou Qiang",
        company_id=str(first_company().id),
        badge_number="c-7001",
        id_document_type="passport",
        id_number="E12345678",
        phone="+86 139 0000 0000",
        induction_until=(today + timedelta(days=100)).isoformat(),
        insurance_until=(today + timedelta(days=5)).isoformat(),
    )
    assert response.status_code == 302, error_messages(response.get_data(as_text=True))
    person = _person("Zhou Qiang")
    assert person.kind is PersonKind.CONTRACTOR and person.carrier_id is None
    assert person.badge_number == "C-7001" and person.id_number_tail == "5678"
    assert staff.last_day(person, QualificationKind.INSURANCE) == today + timedelta(days=5)
    assert people.entry_checks(person, today) == []
    later = today + timedelta(days=6)  # the insurance has ended
    assert [r.code for r in people.entry_checks(person, later)] == ["insurance"]
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "staff.person_registered", AuditEntry.entity_id == str(person.id)
        )
    )

    # Renewed: the same qualification gets its new last day (no second one).
    url = f"/manage/people/{person.id}/edit"
    form = manager.get(url).get_data(as_text=True)
    assert 'value="Zhou Qiang"' in form and "…5678" in unescape(form)
    response = post_form(
        manager,
        url,
        kind="contractor",
        full_name="Zhou Qiang",
        company_id=str(first_company().id),
        badge_number="C-7001",
        id_document_type="passport",
        id_number="",  # keeps the stored one
        induction_until=(today + timedelta(days=100)).isoformat(),
        insurance_until=(today + timedelta(days=365)).isoformat(),
    )
    assert response.status_code == 302, error_messages(response.get_data(as_text=True))
    db.session.refresh(person)
    insurances = [q for q in person.qualifications if q.kind is QualificationKind.INSURANCE]
    assert [q.expires_on for q in insurances] == [today + timedelta(days=365)]
    assert person.id_number_tail == "5678"
    assert people.entry_checks(person, later) == []


def test_bad_input_says_so_beside_each_field_and_writes_nothing(app: Any, demo: Demo) -> None:
    holder = db.session.scalar(select(Person).where(Person.badge_number.is_not(None)))
    assert holder is not None
    manager = demo_user_client(app, Role.MANAGER)
    before = db.session.scalar(select(func.count()).select_from(Person))
    response = post_form(
        manager,
        "/manage/people/new",
        kind="employee",
        full_name="X",
        company_id="",
        badge_number=holder.badge_number.lower(),
        id_document_type="cn_resident_id",
        id_number="110101199003070000",  # wrong check digit
        phone="call me",
        induction_until="0001-01-01",
    )
    assert response.status_code == 200
    errors = error_messages(response.get_data(as_text=True))
    assert len(errors) >= 4, errors
    html = unescape(response.get_data(as_text=True))
    assert "days from 1970 to 2999" in html
    assert db.session.scalar(select(func.count()).select_from(Person)) == before

    response = post_form(
        manager,
        "/manage/people/new",
        kind="employee",
        full_name="Xu Ming",
        company_id=str(first_company().id),
        badge_number=holder.badge_number.lower(),
    )
    html = unescape(response.get_data(as_text=True))
    assert f"this badge is {holder.full_name}'s already" in html
    assert 'value="Xu Ming"' in html  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(Person)) == before


def test_the_list_filters_what_needs_attention_and_exports(app: Any, demo: Demo) -> None:
    today = park_today()
    company = first_company()
    ok = staff.register(
        {
            "kind": "contractor",
            "full_name": "Ok Contractor",
            "company_id": company.id,
            "induction_until": today + timedelta(days=200),
            "insurance_until": today + timedelta(days=200),
        },
        db.session.scalar(select(User).where(User.role == Role.MANAGER)),
    )
    lapsed = staff.register(
        {
            "kind": "contractor",
            "full_name": "Lapsed Contractor",
            "company_id": company.id,
            "induction_until": today + timedelta(days=10),
            "insurance_until": today - timedelta(days=1),
        },
        db.session.scalar(select(User).where(User.role == Role.MANAGER)),
    )
    db.session.commit()
    manager = demo_user_client(app, Role.MANAGER)
    kept_out = manager.get("/manage/people?attention=barred").get_data(as_text=True)
    assert f'id="person-{lapsed.id}"' in kept_out and f'id="person-{ok.id}"' not in kept_out
    ending = manager.get("/manage/people?attention=expiring").get_data(as_text=True)
    assert f'id="person-{lapsed.id}"' in ending and f'id="person-{ok.id}"' not in ending
    contractors = manager.get(f"/manage/people?who=contractor&company={company.id}&q=contractor")
    html = contractors.get_data(as_text=True)
    assert f'id="person-{lapsed.id}"' in html and f'id="person-{ok.id}"' in html
    rows = list(
        csv.reader(
            io.StringIO(
                manager.get("/manage/people.csv?attention=barred")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[0][0] == "Name"
    lapsed_row = next(r for r in rows if r[0] == "Lapsed Contractor")
    assert (
        lapsed_row[1] == "contractor" and lapsed_row[7] == (today - timedelta(days=1)).isoformat()
    )
    assert manager.get("/manage/people?who=driver").status_code == 400
    assert manager.get("/manage/people?attention=x").status_code == 400
    assert manager.get("/manage/people?company=abc").status_code == 400


def test_drivers_are_not_changed_here_and_other_roles_cannot_open_it(
    app: Any, as_role: Any, demo: Demo
) -> None:
    driver = demo.lox.driver
    assert driver is not None
    manager = demo_user_client(app, Role.MANAGER)
    assert manager.get(f"/manage/people/{driver.id}/edit").status_code == 404
    for role in (Role.GUARD, Role.DISPATCHER, Role.CARRIER):
        assert as_role(role).get("/manage/people").status_code == 403


def test_a_leaver_is_refused_on_foot_from_the_day_after_the_last(app: Any, demo: Demo) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    today = park_today()
    response = post_form(
        manager,
        "/manage/people/new",
        kind="employee",
        full_name="Gao Yuan",
        company_id=str(first_company().id),
        badge_number="EMP-0901",
        registered_until=today.isoformat(),  # the last working day
    )
    assert response.status_code == 302, error_messages(response.get_data(as_text=True))
    person = _person("Gao Yuan")
    assert person.registered_until == today
    assert people.entry_checks(person, today) == []
    (refusal,) = people.entry_checks(person, today + timedelta(days=1))
    assert refusal.code == "registered"
    assert refusal.text.english() == f"works here no longer (until {today.isoformat()})"
    person.registered_until = today - timedelta(days=1)
    db.session.commit()
    left = manager.get("/manage/people?attention=left").get_data(as_text=True)
    assert '<option value="left" selected>' in left  # the filter shows what it shows
    assert f'id="person-{person.id}"' in left
    assert f"left on {(today - timedelta(days=1)).isoformat()}" in left
    everyone = manager.get("/manage/people?attention=all&q=Gao").get_data(as_text=True)
    assert f'id="person-{person.id}"' in everyone


def test_a_person_barred_under_a_carrier_is_barred_when_the_park_registers_the_id(
    app: Any, demo: Demo
) -> None:
    manager = db.session.scalar(select(User).where(User.role == Role.MANAGER))
    driver = crew.register_person(
        make_carrier(code="ELSEWHERE"),
        {
            "kind": "driver",
            "full_name": "Ma Chao",
            "id_document_type": "passport",
            "id_number": "G1234567",
        },
    )
    standing.bar_person(
        driver,
        standing.Bar(Standing.BLACKLISTED, "fought at the gate", None),
        manager,
        park_today(),
    )
    db.session.commit()
    employee = staff.register(
        {
            "kind": "employee",
            "full_name": "Ma Chao",
            "company_id": first_company().id,
            "id_document_type": "passport",
            "id_number": "G 1234567",
        },
        manager,
    )
    db.session.commit()
    assert employee.standing is Standing.BLACKLISTED
    assert employee.standing_reason == "fought at the gate"
    assert [r.code for r in people.entry_checks(employee, park_today())] == ["standing"]
