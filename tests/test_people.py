"""People on foot: the checks at a pedestrian lane (employees, contractors with induction
and insurance, visitors pre-registered by a host who is told on arrival, drivers and
escorts), the guard's check-in page, badge readers through the API, positioning cards."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from gatekeeper.domain import people as rules
from gatekeeper.extensions import db
from gatekeeper.models import (
    AuditEntry,
    Lane,
    Park,
    Person,
    PersonPassage,
    Presence,
    Role,
    Visit,
)
from gatekeeper.models.types import utcnow
from gatekeeper.notify import LoggingNotifier
from gatekeeper.services import people
from tests.conftest import csrf_token_from, login_as
from tests.gate_samples import Demo

DAY = date(2026, 11, 26)


def _codes(facts: rules.PersonFacts) -> list[str]:
    return [r.code for r in rules.entry_refusals(facts, DAY)]


def test_an_employee_in_good_standing_walks_in() -> None:
    assert _codes(rules.PersonFacts("employee", "active", "approved")) == []
    assert _codes(rules.PersonFacts("employee", "blacklisted", "approved")) == ["standing"]
    assert _codes(rules.PersonFacts("employee", "active", "approved", inside=True)) == ["inside"]


def test_a_contractor_needs_induction_and_insurance_valid_today() -> None:
    valid = [
        rules.Certificate("induction", DAY + timedelta(days=30)),
        rules.Certificate("insurance", DAY),
    ]
    assert _codes(rules.PersonFacts("contractor", "active", "approved", valid)) == []
    lapsed = [valid[0], rules.Certificate("insurance", DAY - timedelta(days=1))]
    assert _codes(rules.PersonFacts("contractor", "active", "approved", lapsed)) == ["insurance"]
    assert _codes(rules.PersonFacts("contractor", "active", "approved")) == [
        "induction",
        "insurance",
    ]


def test_a_visitor_needs_a_visit_today_and_the_rules_acknowledged() -> None:
    assert _codes(rules.PersonFacts("visitor", "active", "approved")) == ["visit"]
    expected = rules.PersonFacts("visitor", "active", "approved", visit_today=True)
    assert _codes(expected) == ["rules"]
    ready = rules.PersonFacts(
        "visitor", "active", "approved", visit_today=True, rules_acknowledged=True
    )
    assert _codes(ready) == []


def test_a_driver_on_foot_must_be_on_a_booking_of_today() -> None:
    assert _codes(rules.PersonFacts("driver", "active", "approved")) == ["booking"]
    assert _codes(rules.PersonFacts("driver", "active", "approved", booked_today=True)) == []


def test_exit_needs_the_card_back_where_one_was_issued() -> None:
    assert [r.code for r in rules.exit_refusals(False, None, False)] == ["not_inside"]
    assert [r.code for r in rules.exit_refusals(True, "C-17", False)] == ["card"]
    assert rules.exit_refusals(True, "C-17", True) == []


# Through the pages and the API on the demo park ------------------------------------------


def _guard(app: Any, demo: Demo) -> Any:
    return login_as(app.test_client(), demo.guard)


def _person(name: str) -> Person:
    person = db.session.scalar(select(Person).where(Person.full_name == name))
    assert person is not None
    return person


def _pass(client: Any, person: Person, way: str, **extra: Any) -> Any:
    page = client.get(f"/guard/people?q={person.full_name}").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(page),
        "person": person.id,
        "way": way,
        "lane": "G1-PED",
        **extra,
    }
    answer = client.post("/guard/people/pass", data=data, follow_redirects=True)
    db.session.expire_all()
    return answer


def test_the_guard_checks_an_employee_in_and_out(app: Any, demo: Demo) -> None:
    client = _guard(app, demo)
    wang = _person("Wang Fang")
    page = client.get("/guard/people?q=EMP-0001").get_data(as_text=True)
    assert "Wang Fang" in page and "may enter" in page
    answer = _pass(client, wang, "in")
    assert "Wang Fang checked in" in answer.get_data(as_text=True)
    presence = people.presence_of(wang.id)
    assert presence is not None and presence.zone is not None and presence.zone.code == "Z-PROD"
    again = _pass(client, wang, "in")  # a second check-in is refused: no double presence
    assert "already inside" in again.get_data(as_text=True)
    assert "Wang Fang checked out" in _pass(client, wang, "out").get_data(as_text=True)
    assert people.presence_of(wang.id) is None
    records = db.session.scalars(select(PersonPassage).order_by(PersonPassage.id)).all()
    assert [(r.direction.value, r.allowed) for r in records] == [
        ("in", True),
        ("in", False),
        ("out", True),
    ]
    assert records[0].operator_id == demo.guard.id


def test_a_contractor_with_lapsed_insurance_is_refused_with_the_reason(
    app: Any, demo: Demo
) -> None:
    client = _guard(app, demo)
    sun = _person("Sun Hao (welding)")
    page = client.get("/guard/people?q=CTR-0002").get_data(as_text=True)
    assert "no valid insurance" in page
    answer = _pass(client, sun, "in").get_data(as_text=True)
    assert "refused" in answer and "no valid insurance" in answer
    assert people.presence_of(sun.id) is None
    assert _pass(client, _person("Zhao Lei (scaffolding)"), "in").status_code == 200
    assert people.presence_of(_person("Zhao Lei (scaffolding)").id) is not None


def test_a_visitor_enters_once_the_rules_are_acknowledged_and_the_host_is_told(
    app: Any, demo: Demo
) -> None:
    client = _guard(app, demo)
    olivia = _person("Olivia Brandt")
    LoggingNotifier.sent.clear()
    refused = _pass(client, olivia, "in").get_data(as_text=True)
    assert "safety rules are not acknowledged" in refused
    _pass(client, olivia, "in", rules="y")
    visit = db.session.scalar(select(Visit).where(Visit.person_id == olivia.id))
    assert visit.arrived_at is not None and visit.rules_acknowledged_at is not None
    ((_to, text, reference),) = LoggingNotifier.sent
    assert "Olivia Brandt" in text and reference == f"visit-{visit.id}"
    _pass(client, olivia, "out")
    assert visit.left_at is not None


def test_with_positioning_cards_a_card_is_issued_and_must_come_back(app: Any, demo: Demo) -> None:
    db.session.scalar(select(Park)).uses_positioning_cards = True
    db.session.commit()
    client = _guard(app, demo)
    li = _person("Li Wei")
    assert "no positioning card issued" in _pass(client, li, "in").get_data(as_text=True)
    _pass(client, li, "in", card="PC-0042")
    assert people.presence_of(li.id).card_number == "PC-0042"
    assert "PC-0042 not returned" in _pass(client, li, "out").get_data(as_text=True)
    _pass(client, li, "out", card_returned="y")
    assert people.presence_of(li.id) is None


def _badge(client: Any, demo: Demo, **body: Any) -> Any:
    answer = client.post(
        "/api/v1/lanes/G1-PED/badges",
        json=body,
        headers={"Authorization": f"Bearer {demo.token}"},
    )
    db.session.expire_all()
    return answer


def test_a_badge_reader_checks_in_then_out_on_a_two_way_lane(client: Any, demo: Demo) -> None:
    first = _badge(client, demo, event_id="b1", badge="EMP-0003")
    assert first.status_code == 201 and first.json["direction"] == "in" and first.json["allowed"]
    retry = _badge(client, demo, event_id="b1", badge="EMP-0003")
    assert retry.status_code == 200 and retry.json["id"] == first.json["id"]
    out = _badge(client, demo, event_id="b2", badge="EMP-0003")
    assert out.json["direction"] == "out" and out.json["allowed"]
    assert db.session.scalar(select(func.count(PersonPassage.id))) == 2
    refused = _badge(client, demo, event_id="b3", badge="CTR-0002")
    assert refused.status_code == 201 and not refused.json["allowed"]
    assert refused.json["reasons"][0]["code"] == "insurance"


def test_badge_reads_are_refused_clearly(client: Any, demo: Demo) -> None:
    assert _badge(client, demo, event_id="x", badge="NOPE").status_code == 404
    assert _badge(client, demo, event_id="", badge="EMP-0001").status_code == 400
    assert _badge(client, demo, event_id="x2", badge="").status_code == 400
    other = client.post(
        "/api/v1/lanes/G1-PED/badges",
        json={"event_id": "y", "badge": "EMP-0001"},
        headers={"Authorization": f"Bearer {demo.other_token}"},
    )
    assert other.status_code == 403  # ST-G2 does not serve G1-PED
    vehicle_lane = client.post(
        "/api/v1/lanes/G1-IN/badges",
        json={"event_id": "z", "badge": "EMP-0001"},
        headers={"Authorization": f"Bearer {demo.token}"},
    )
    assert vehicle_lane.status_code == 400 and "pedestrian" in vehicle_lane.json["message"]
    assert db.session.scalar(select(func.count(PersonPassage.id))) == 0


def test_a_host_registers_a_visitor_and_errors_stay_next_to_the_field(app: Any, demo: Demo) -> None:
    from gatekeeper.models import User

    host = db.session.scalar(select(User).where(User.role == Role.DISPATCHER))
    client = login_as(app.test_client(), host)
    page = client.get("/visitors").get_data(as_text=True)
    token = csrf_token_from(page)
    bad = client.post(
        "/visitors",
        data={"csrf_token": token, "full_name": "", "expected_on": "2020-01-01", "purpose": "x"},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "field-error" in html
    good = client.post(
        "/visitors",
        data={
            "csrf_token": token,
            "full_name": "Pieter de Vries",
            "company": "Inspectorate",
            "expected_on": (utcnow().date() + timedelta(days=2)).isoformat(),
            "purpose": "Permit inspection",
        },
        follow_redirects=True,
    )
    assert "Pieter de Vries is expected on" in good.get_data(as_text=True)
    visit = db.session.scalar(
        select(Visit).join(Person).where(Person.full_name == "Pieter de Vries")
    )
    assert visit is not None and visit.host_id == host.id
    assert db.session.scalar(select(AuditEntry.seq).where(AuditEntry.action == "visit.registered"))


def test_people_are_on_the_pedestrian_lane_only(demo: Demo) -> None:
    lane = db.session.scalar(select(Lane).where(Lane.code == "G1-IN"))
    wang = _person("Wang Fang")
    try:
        people.check_in(wang, lane, utcnow())
    except people.PeopleError as exc:
        assert "not a pedestrian lane" in str(exc)
    else:
        raise AssertionError("a vehicle lane took a person")
    assert db.session.scalar(select(func.count(Presence.id))) == 0


def test_the_crew_goes_through_with_its_vehicle(client: Any, demo: Demo) -> None:
    passage = demo.enter_lox(client)
    crew_in = db.session.scalars(
        select(PersonPassage).where(PersonPassage.vehicle_passage_id == passage.id)
    ).all()
    assert sorted(r.person_id for r in crew_in) == sorted([demo.lox.driver_id, demo.lox.escort_id])
    assert {(r.direction.value, r.method, r.allowed) for r in crew_in} == {("in", "vehicle", True)}
    out = demo.post_event(client, "G1-OUT", event_id="crew-out", plate="1-XTB-482").json
    crew_out = db.session.scalars(
        select(PersonPassage).where(PersonPassage.vehicle_passage_id == out["id"])
    ).all()
    assert {r.direction.value for r in crew_out} == {"out"} and len(crew_out) == 2


def test_a_person_id_no_record_can_have_is_no_server_error(app: Any, demo: Demo) -> None:
    client = _guard(app, demo)
    page = client.get("/guard/people").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "person": "2147483648", "way": "in"}
    answer = client.post("/guard/people/pass", data={**data, "lane": "G1-PED"})
    assert answer.status_code < 500
    assert db.session.scalar(select(PersonPassage.id)) is None
