"""The park's rules on the manager's pages (no admin area): each shown as the park holds it,
changed in one save that the next gate decision follows, audited with old and new values
and listed with who changed them; out-of-range or wrong input is said beside its field and
nothing is written, on this page and in the admin area alike."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import AuditEntry, Park, Role
from gatekeeper.services import park_rules
from gatekeeper.services.clock import park_today
from tests.conftest import chinese_client, demo_user_client, field_errors, post_form
from tests.gate_samples import LOX_PLATE, Demo

URL = "/manage/rules"


def _form(park: Park, **changes: Any) -> dict[str, Any]:
    """The page's form as the park holds it, with ``changes``; checkboxes left out when off,
    as a browser sends them."""
    data: dict[str, Any] = {}
    for name, value in {**park_rules.current(park), **changes}.items():
        if isinstance(value, bool):
            if value:
                data[name] = "y"
        elif isinstance(value, list):
            data[name] = value
        else:
            data[name] = "" if value is None else str(value)
    return data


def _park() -> Park:
    park = db.session.scalar(select(Park).order_by(Park.id))
    assert park is not None
    return park


def _rule_changes() -> list[AuditEntry]:
    return list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == park_rules.CHANGED))
    )


def test_the_page_shows_the_rules_the_park_holds(app: Any, demo: Demo) -> None:
    park = _park()
    html = demo_user_client(app, Role.MANAGER).get(URL).get_data(as_text=True)
    assert f'name="max_stay_minutes" type="text" value="{park.max_stay_minutes}"' in html
    percent = round(park.plate_confidence_threshold * 100)
    assert f'name="plate_confidence_percent" type="text" value="{percent}"' in html
    main = park.plate_formats[0]
    assert re.search(rf'<option selected value="{main}">', html)
    for code in park.plate_formats[1:]:
        assert re.search(rf'checked[^>]*value="{code}"|value="{code}"[^>]*checked', html)
    assert "No change since the park was set up." in html


@pytest.mark.embedded  # the embedded mode's managers set the rules too
def test_a_change_is_saved_audited_listed_and_followed_by_the_next_decision(
    app: Any, client: Any, demo: Demo
) -> None:
    park = _park()
    manager = demo_user_client(app, Role.MANAGER)
    response = post_form(
        manager,
        URL,
        **_form(
            park,
            max_stay_minutes=480,
            hazmat_vehicle_capacity=0,
            plate_confidence_percent=85,
            escort_required_for_hazmat=False,
            main_plate_format="CN",
            other_plate_formats=["DE", "EU", "CN"],
        ),
    )
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    db.session.refresh(park)
    assert park.max_stay_minutes == 480 and park.hazmat_vehicle_capacity == 0
    assert park.plate_confidence_threshold == 0.85
    assert park.escort_required_for_hazmat is False
    # The main format first; the main one ticked again among the others is not listed twice.
    assert park.plate_formats == ["CN", "DE", "EU"]
    [entry] = _rule_changes()
    changes = json.loads(entry.details)["changes"]
    assert changes["max_stay_minutes"] == [360, 480]
    assert changes["escort_required_for_hazmat"] == [True, False]
    assert set(changes) == {
        "max_stay_minutes",
        "hazmat_vehicle_capacity",
        "plate_confidence_threshold",
        "escort_required_for_hazmat",
        "plate_formats",
    }
    assert entry.actor == "manager"
    page = unescape(manager.get(URL).get_data(as_text=True))
    assert "The park's rules are saved; the gates use them from now on." in page
    assert re.search(r'<td rowspan="5">Mara Manager</td>', page)
    stay = "Longest stay (minutes), then an overstay alert"
    assert f"<td>{stay}</td><td>360</td><td>480</td>" in page
    assert "<td>20</td><td>0</td>" in page
    assert "<td>80 %</td><td>85 %</td>" in page
    assert "<td>China, Europe, any country</td><td>China, Germany, Europe, any country</td>" in page

    # The next decision goes by the new capacity: the booked tanker waits in the holding lot.
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-rules", plate="QAKX769", hazard=LOX_PLATE
    ).json
    assert body["decision"] == "hold"
    assert [r["code"] for r in body["reasons"]] == ["capacity"]

    # Saving again unchanged writes nothing more.
    response = post_form(manager, URL, **_form(park))
    assert response.status_code == 302
    assert len(_rule_changes()) == 1
    assert "Nothing changed" in manager.get(URL).get_data(as_text=True)


def test_wrong_rules_are_said_beside_each_field_and_nothing_is_written(
    app: Any, demo: Demo
) -> None:
    park = _park()
    before = park_rules.current(park)
    manager = demo_user_client(app, Role.MANAGER)
    response = post_form(
        manager,
        URL,
        **_form(
            park,
            max_stay_minutes=-5,
            early_tolerance_minutes="half an hour",
            speed_tolerance_percent="",
            plate_confidence_percent=300,
            hazmat_vehicle_capacity="",
            main_plate_format="XX",
            other_plate_formats=["EU", "YY"],
        ),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    errors = field_errors(html)
    assert errors == {
        "early_tolerance_minutes": "a whole number from 0 to 720",
        "speed_tolerance_percent": "required",
        "max_stay_minutes": "a whole number from 15 to 2880",
        "plate_confidence_percent": "a whole number from 50 to 99",
        "main_plate_format": "choose from the listed formats",
        "other_plate_formats": "choose from the listed formats",
    }
    assert "Not saved: see the marked fields." in unescape(html)
    assert 'value="half an hour"' in html  # what was typed is kept
    db.session.refresh(park)
    assert park_rules.current(park) == before
    assert _rule_changes() == []

    # A format the reader does not know among the others, the main one right.
    response = post_form(manager, URL, **_form(park, other_plate_formats=["EU", "YY"]))
    assert field_errors(response.get_data(as_text=True)) == {
        "other_plate_formats": "choose from the listed formats"
    }
    assert _rule_changes() == []


def test_the_page_speaks_chinese_with_no_english_left(app: Any, demo: Demo) -> None:
    manager = chinese_client(app, Role.MANAGER)
    html = manager.get(URL).get_data(as_text=True)
    assert "园区规则" in html
    assert "Longest stay" not in html and "Hazardous goods" not in html
    response = post_form(manager, URL, **_form(_park(), max_stay_minutes=1))
    assert "从 15 到 2880 的整数" in unescape(response.get_data(as_text=True))


def test_only_managers_and_admins_open_it(app: Any, as_role: Any, demo: Demo) -> None:
    park = _park()
    for role in (Role.GUARD, Role.DISPATCHER, Role.CARRIER):
        client = as_role(role)
        assert client.get(URL).status_code == 403
        assert client.post(URL, data=_form(park, max_stay_minutes=30)).status_code == 403
    db.session.refresh(park)
    assert park.max_stay_minutes == 360 and _rule_changes() == []
    assert as_role(Role.ADMIN).get(URL).status_code == 200


def test_the_admin_park_form_keeps_the_same_ranges(app: Any, as_role: Any, demo: Demo) -> None:
    park = _park()
    admin = as_role(Role.ADMIN)
    url = f"/admin/admin_park/edit/?id={park.id}"
    page = admin.get(url).get_data(as_text=True)
    form = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    found = re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>([^<]*)</textarea>', page)
    form.update((name, unescape(unescape(text)).strip()) for name, text in found)
    form["max_stay_minutes"] = "-5"
    response = admin.post(url, data=form)
    assert response.status_code == 200
    assert "Number must be between 15 and 2880" in unescape(response.get_data(as_text=True))
    db.session.refresh(park)
    assert park.max_stay_minutes == 360
    # One of the two entry hours alone: refused by the database's check, said, not a 500.
    form.update(max_stay_minutes="360", hazmat_hours_from="06:00")
    response = admin.post(url, data=form)
    assert response.status_code == 200
    answer = unescape(response.get_data(as_text=True))
    assert "Both entry hours for hazmat vehicles, the first before the second, or neither" in answer
    db.session.expire_all()
    assert _park().hazmat_hours_from is None


def test_before_any_park_is_set_up_the_defaults_are_shown_and_the_first_save_keeps_them(
    app: Any, as_role: Any, session: Any
) -> None:
    assert session.scalar(select(Park)) is None
    manager = as_role(Role.MANAGER)
    html = manager.get(URL).get_data(as_text=True)
    assert 'name="max_stay_minutes" type="text" value="360"' in html
    defaults = park_rules.current(Park.with_defaults())
    response = post_form(manager, URL, **_form(Park.with_defaults(), max_stay_minutes=240))
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    park = _park()
    assert park_rules.current(park) == {**defaults, "max_stay_minutes": 240}
    assert [json.loads(e.details)["changes"] for e in _rule_changes()] == [
        {"max_stay_minutes": [360, 240]}
    ]


def test_hazmat_entry_hours_set_here_refuse_the_night_tanker(
    app: Any, client: Any, demo: Demo
) -> None:
    park = _park()
    manager = demo_user_client(app, Role.MANAGER)
    wrong = post_form(manager, URL, **_form(park, hazmat_hours_from="06:00"))
    assert field_errors(wrong.get_data(as_text=True))["hazmat_hours_until"] == (
        "both times, or neither for any time"
    )
    wrong = post_form(
        manager, URL, **_form(park, hazmat_hours_from="20:00", hazmat_hours_until="06:00")
    )
    assert field_errors(wrong.get_data(as_text=True)) == {"hazmat_hours_until": "after the start"}
    wrong = post_form(
        manager, URL, **_form(park, hazmat_hours_from="6 am", hazmat_hours_until="20:00")
    )
    assert field_errors(wrong.get_data(as_text=True)) == {
        "hazmat_hours_from": "a time of day as HH:MM"
    }
    assert _rule_changes() == []
    response = post_form(
        manager, URL, **_form(park, hazmat_hours_from="06:00", hazmat_hours_until="20:00")
    )
    assert response.status_code == 302
    db.session.refresh(park)
    assert (park.hazmat_hours_from, park.hazmat_hours_until) == (time(6), time(20))
    page = unescape(manager.get(URL).get_data(as_text=True))
    assert 'name="hazmat_hours_from" type="time" value="06:00"' in page
    assert "<td>any time</td><td>06:00</td>" in page

    # 21:30 in the park: the booked tanker (its window moved there) is refused.
    night = datetime.combine(
        park_today() + timedelta(days=1), time(21, 30), ZoneInfo(park.timezone)
    ).astimezone(UTC)
    demo.lox.window_start, demo.lox.window_end = (
        night - timedelta(hours=1),
        night + timedelta(hours=1),
    )
    db.session.commit()
    with time_machine.travel(night, tick=False):
        body = demo.post_event(
            client, "G1-HAZ", event_id="night-1", plate="QAKX769", hazard=LOX_PLATE
        ).json
    assert body["decision"] == "deny"
    hours = next(r for r in body["reasons"] if r["code"] == "hours")
    assert hours["message"] == "Hazmat vehicles enter only from 06:00 to 20:00"
    assert "window" not in [r["code"] for r in body["reasons"]]  # on time for its booking


def test_the_booking_form_says_the_hazmat_entry_hours(app: Any, demo: Demo) -> None:
    dispatcher = demo_user_client(app, Role.DISPATCHER)
    assert 'id="hazmat-hours"' not in dispatcher.get("/dispatch/bookings/new").get_data(
        as_text=True
    )
    park = _park()
    park.hazmat_hours_from, park.hazmat_hours_until = time(6), time(20)
    db.session.commit()
    html = unescape(dispatcher.get("/dispatch/bookings/new").get_data(as_text=True))
    assert "Hazmat vehicles enter the park only from 06:00 to 20:00" in html
