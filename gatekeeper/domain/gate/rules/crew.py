"""Crew rules: the driver's and the escort's qualifications, and the crew checked at the
barrier."""

from __future__ import annotations

from datetime import date

from gatekeeper.domain.gate.context import Context, hazard_classes, hazmat_only
from gatekeeper.domain.gate.decision import Check, Decision, check_fail, check_na, check_pass
from gatekeeper.domain.gate.records import PersonRecord
from gatekeeper.domain.messages import N_, Code, Phrase, phrase
from gatekeeper.domain.standing import barred_on


def why_not_qualified(
    person: PersonRecord, kinds: tuple[str, ...], classes: set[str], today: date, tank: bool
) -> Phrase | None:
    """Why the person is not qualified, or None."""
    name = person.name
    if barred_on(person.standing, person.standing_until, today):
        return phrase(
            N_("%(name)s is %(standing)s"), name=name, standing=Code(person.standing, "standing")
        )
    held = [q for q in person.qualifications if q.kind in kinds]
    if not held:
        return phrase(N_("%(name)s holds no certificate"), name=name)
    valid = [q for q in held if q.valid_on(today)]
    if not valid:
        latest = max(q.expires_on for q in held)
        return phrase(
            N_("%(name)s's certificate expired %(day)s"), name=name, day=latest.isoformat()
        )
    for hazard_class in sorted(classes):
        if not any(q.covers(hazard_class) for q in valid):
            return phrase(
                N_("%(name)s's certificate does not cover class %(cls)s"),
                name=name,
                cls=hazard_class,
            )
    if tank and not any("tank" in q.classes for q in valid):
        return phrase(N_("%(name)s's certificate lacks the tank specialisation"), name=name)
    return None


@hazmat_only("driver")
def rule_driver(c: Context) -> Check:
    assert c.booking is not None
    tank = any(line.packaging == "tank" for line in c.dangerous)
    problem = why_not_qualified(
        c.booking.driver, ("adr_driver", "dg_driver_cn"), hazard_classes(c), c.today, tank
    )
    if problem:
        return check_fail(
            "driver",
            Decision.DENY,
            N_("Driver: %(problem)s"),
            {"driver": c.booking.driver.name},
            problem=problem,
        )
    return check_pass("driver", N_("Driver %(name)s qualified"), name=c.booking.driver.name)


@hazmat_only("escort")
def rule_escort(c: Context) -> Check:
    assert c.booking is not None
    escort = c.booking.escort
    if escort is None:
        if c.rules.escort_required_for_hazmat:
            return check_fail("escort", Decision.DENY, N_("No escort booked (required for hazmat)"))
        return check_na("escort", N_("No escort required"))
    problem = why_not_qualified(escort, ("escort",), set(), c.today, tank=False)
    if problem:
        return check_fail("escort", Decision.DENY, N_("Escort: %(problem)s"), problem=problem)
    return check_pass("escort", N_("Escort %(name)s qualified"), name=escort.name)


def _certificates_read(c: Context) -> bool:
    """The booked driver's (and escort's) certificates were read at the barrier and match
    the registered ones: that replaces the guard's typed 'IDs checked'."""
    matching = {d.kind for d in c.request.documents if d.state == "matches"}
    assert c.booking is not None
    needed = {"driver_qualification"}
    if c.booking.escort is not None:
        needed.add("escort_qualification")
    return needed <= matching


@hazmat_only("crew")
def rule_crew(c: Context) -> Check:
    if not c.rules.crew_check_required_for_hazmat:
        return check_na("crew", N_("Crew check at the gate not required"))
    crew = c.request.crew
    if crew is None and _certificates_read(c):
        return check_pass("crew", N_("Crew certificates read at the barrier and matching"))
    if crew is None:
        return check_fail(
            "crew",
            Decision.REVIEW,
            N_("Crew not checked yet: the guard checks driver and escort IDs"),
        )
    missing = []
    if not crew.driver_present:
        missing.append(phrase(N_("driver")))
    assert c.booking is not None
    if c.booking.escort is not None and not crew.escort_present:
        missing.append(phrase(N_("escort")))
    if not crew.ids_checked and not _certificates_read(c):
        missing.append(phrase(N_("ID check")))
    if missing:
        return check_fail(
            "crew", Decision.REVIEW, N_("Crew: missing %(missing)s"), missing=tuple(missing)
        )
    return check_pass(
        "crew", N_("Crew present, IDs checked (%(persons)s persons)"), persons=crew.persons
    )


def rule_documents(c: Context) -> Check:
    """Documents read at the barrier: each must match the registered records."""
    read = c.request.documents
    if not read:
        return check_na("documents", N_("No document read at the barrier"))
    kinds = tuple(Code(d.kind, "document") for d in read)
    for state, effect, message in (
        ("expired", Decision.REVIEW, N_("Document read at the barrier has expired: %(kinds)s")),
        (
            "differs",
            Decision.REVIEW,
            N_("Document read at the barrier differs from the records: %(kinds)s"),
        ),
    ):
        bad = tuple(Code(d.kind, "document") for d in read if d.state == state)
        if bad:
            return check_fail("documents", effect, message, kinds=bad)
    return check_pass("documents", N_("Documents read at the barrier: %(kinds)s"), kinds=kinds)
