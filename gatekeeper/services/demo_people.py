"""The demo park's people on foot: employees and contractors with badges, and a visitor
pre-registered by the dispatcher for today."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import (
    Company,
    Person,
    PersonKind,
    Qualification,
    QualificationKind,
    User,
    Visit,
)

if TYPE_CHECKING:
    from gatekeeper.services.demo import _Seeder

# badge, name, kind, company code, (induction, insurance) valid for days (None: none held)
PEOPLE = (
    ("EMP-0001", "Wang Fang", PersonKind.EMPLOYEE, "NORDCHEM", None),
    ("EMP-0002", "Li Wei", PersonKind.EMPLOYEE, "NORDCHEM", None),
    ("EMP-0003", "Zhang Min", PersonKind.EMPLOYEE, "POLYWORKS", None),
    ("EMP-0004", "Chen Jie", PersonKind.EMPLOYEE, "GASTERM", None),
    ("CTR-0001", "Zhao Lei (scaffolding)", PersonKind.CONTRACTOR, "POLYWORKS", (200, 120)),
    # The insurance ran out yesterday: the gate refuses him until it is renewed.
    ("CTR-0002", "Sun Hao (welding)", PersonKind.CONTRACTOR, "NORDCHEM", (90, -1)),
)


def seed_people(s: _Seeder, users: dict[str, User]) -> None:
    companies = {c.code: c for c in db.session.scalars(select(Company))}
    for badge, name, kind, company, validity in PEOPLE:
        if db.session.scalar(select(Person.id).where(Person.badge_number == badge)):
            continue
        person = Person(
            kind=kind, full_name=name, badge_number=badge, company=companies.get(company)
        )
        if validity is not None:
            induction, insurance = validity
            person.qualifications = [
                Qualification(kind=QualificationKind.INDUCTION, expires_on=s.days(induction)),
                Qualification(kind=QualificationKind.INSURANCE, expires_on=s.days(insurance)),
            ]
        db.session.add(person)
        s.summary.created += 1
    host = users["dispatcher"]
    if db.session.scalar(select(Visit.id).where(Visit.expected_on == s.today)) is None:
        visitor = Person(
            kind=PersonKind.VISITOR, full_name="Olivia Brandt", host_name=host.display_name
        )
        db.session.add(
            Visit(
                person=visitor,
                host=host,
                expected_on=s.today,
                purpose="Audit of the solvent unloading procedure (Brandt Consulting)",
            )
        )
        s.summary.created += 2
