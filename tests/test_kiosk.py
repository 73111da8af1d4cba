"""The guard's kiosk through HTTP: who may see it, the live fragment, the guard's forms."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from gatekeeper.barriers import SimulatedBarrier
from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.models import AuditEntry, Lane, Passage, Role, Zone, ZoneKind
from gatekeeper.models.types import utcnow
from tests.conftest import csrf_token_from, login_as
from tests.gate_samples import LOX_PLATE, Demo


@pytest.fixture
def guard(app: Any, demo: Demo) -> Any:
    return login_as(app.test_client(), demo.guard)


def _event(client: Any, demo: Demo, event_id: str, **body: Any) -> Passage:
    body.setdefault("plate", "QAKX769")
    response = demo.post_event(client, "G1-HAZ", event_id=event_id, **body)
    assert response.status_code == 201, response.json
    passage = db.session.get(Passage, response.json["id"])
    assert passage is not None
    return passage


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.CARRIER])
def test_only_guards_and_staff_use_the_kiosk(as_role: Any, demo: Demo, role: Role) -> None:
    assert as_role(role).get("/kiosk/lanes/G1-HAZ").status_code == 403
    assert as_role(Role.MANAGER).get("/kiosk/lanes/G1-HAZ").status_code == 200


def test_unknown_lane_or_gate_is_404(guard: Any) -> None:
    assert guard.get("/kiosk/lanes/NOPE").status_code == 404
    assert guard.get("/kiosk/gates/NOPE").status_code == 404


def test_panel_answers_304_until_something_happens(client: Any, guard: Any, demo: Demo) -> None:
    first = guard.get("/kiosk/lanes/G1-HAZ/panel")
    etag = first.headers["ETag"]
    assert (
        guard.get("/kiosk/lanes/G1-HAZ/panel", headers={"If-None-Match": etag}).status_code == 304
    )
    passage = _event(client, demo, "k-1", hazard=LOX_PLATE)
    changed = guard.get("/kiosk/lanes/G1-HAZ/panel", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    html = changed.get_data(as_text=True)
    assert f'data-passage="{passage.id}"' in html and 'data-decision="review"' in html
    assert 'data-code="crew"' in html and "check-fail" in html
    # The gate overview shows the lane's latest vehicle too.
    assert "QAKX769" in guard.get("/kiosk/gates/G1/panel").get_data(as_text=True)


@pytest.mark.parametrize(
    ("page_url", "panel_url"),
    [
        ("/kiosk/lanes/G1-HAZ", "/kiosk/lanes/G1-HAZ/panel"),
        ("/kiosk/lanes/G1-HAZ?passage={id}", "/kiosk/lanes/G1-HAZ/panel?passage={id}"),
        ("/kiosk/gates/G1", "/kiosk/gates/G1/panel"),
    ],
)
def test_the_page_carries_the_version_it_shows(
    client: Any, guard: Any, demo: Demo, page_url: str, panel_url: str
) -> None:
    """The screen's first poll is answered 304: the panel is not replaced half a second
    after the page loads (which took the focus from a field the guard had just entered)."""
    passage = _event(client, demo, "k-v", hazard=LOX_PLATE)
    html = guard.get(page_url.format(id=passage.id)).get_data(as_text=True)
    found = re.search(r'data-etag="([^"]+)"', html)
    assert found is not None
    etag = unescape(found.group(1))
    panel = guard.get(panel_url.format(id=passage.id), headers={"If-None-Match": etag})
    assert panel.status_code == 304, etag


def test_override_through_the_form(client: Any, guard: Any, demo: Demo) -> None:
    passage = _event(client, demo, "k-2", hazard=LOX_PLATE)
    page = guard.get(f"/kiosk/lanes/G1-HAZ?passage={passage.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    url = f"/kiosk/passages/{passage.id}/decide"
    # No CSRF token: refused, nothing changes.
    assert guard.post(url, data={"decide-action": "open"}).status_code == 400
    # No reason for opening a review: refused with a message, nothing changes.
    response = guard.post(
        url,
        data={"decide-csrf_token": token, "decide-action": "open", "decide-reason": ""},
        follow_redirects=True,
    )
    assert "written reason is required" in response.get_data(as_text=True)
    db.session.expire_all()
    assert passage.decision is Decision.REVIEW and SimulatedBarrier.opened == []
    response = guard.post(
        url,
        data={"decide-csrf_token": token, "decide-action": "open", "decide-reason": "IDs seen"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert passage.decision is Decision.ALLOW and passage.override_reason == "IDs seen"
    assert passage.barrier_opened_at is not None
    assert SimulatedBarrier.opened == [("G1-HAZ", passage.id)]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"gate.override", "barrier.open"} <= actions


def test_crew_form_reruns_the_rules_and_opens(client: Any, guard: Any, demo: Demo) -> None:
    passage = _event(client, demo, "k-3", hazard=LOX_PLATE)
    token = csrf_token_from(guard.get("/kiosk/lanes/G1-HAZ").get_data(as_text=True))
    form = {
        "crew-csrf_token": token,
        "crew-driver_present": "y",
        "crew-escort_present": "y",
        "crew-ids_checked": "y",
        "crew-persons": "2",
    }
    bad = guard.post(f"/kiosk/passages/{passage.id}/crew", data={**form, "crew-persons": "40"})
    assert bad.status_code == 302
    db.session.expire_all()
    assert passage.crew is None
    guard.post(f"/kiosk/passages/{passage.id}/crew", data=form)
    db.session.expire_all()
    assert passage.decision is Decision.ALLOW and passage.system_decision is Decision.ALLOW
    assert passage.persons_count == 2 and passage.barrier_opened_at is not None


def test_plate_form_and_release_from_the_queue(client: Any, guard: Any, demo: Demo) -> None:
    now = utcnow()
    demo.lox.window_start, demo.lox.window_end = now + timedelta(hours=3), now + timedelta(hours=5)
    db.session.flush()
    passage = _event(client, demo, "k-4", plate="QAKX76", confidence=0.5, hazard=LOX_PLATE)
    assert passage.decision is Decision.REVIEW
    token = csrf_token_from(guard.get("/kiosk/lanes/G1-HAZ").get_data(as_text=True))
    guard.post(
        f"/kiosk/passages/{passage.id}/plate",
        data={"plate-csrf_token": token, "plate-plate": "Q-AKX-769"},
    )
    db.session.expire_all()
    assert passage.plate_read == "Q-AKX-769" and passage.decision is Decision.HOLD
    assert "holding-queue" in guard.get("/kiosk/gates/G1").get_data(as_text=True)
    response = guard.post(
        f"/kiosk/passages/{passage.id}/release", data={"csrf_token": token}, follow_redirects=True
    )
    # It is early, not short of room, and the guard is told so.
    assert "Still early for its booking window" in response.get_data(as_text=True)


def test_a_corrected_plate_that_the_rules_allow_does_not_open_the_barrier(
    client: Any, guard: Any, demo: Demo
) -> None:
    passage = _event(client, demo, "k-fix", plate="QAKX76", confidence=0.5, hazard=LOX_PLATE)
    passage.crew = {"driver_present": True, "escort_present": True, "ids_checked": True}
    db.session.commit()
    token = csrf_token_from(guard.get("/kiosk/lanes/G1-HAZ").get_data(as_text=True))
    response = guard.post(
        f"/kiosk/passages/{passage.id}/plate",
        data={"plate-csrf_token": token, "plate-plate": "Q-AKX-769"},
        follow_redirects=True,
    )
    db.session.expire_all()
    assert passage.decision is Decision.ALLOW and passage.barrier_opened_at is None
    assert SimulatedBarrier.opened == []
    page = response.get_data(as_text=True)
    assert "open the barrier when ready" in page
    assert f"corrected by {demo.guard.display_name}" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("AB#12!? <x>", "2 to 16 letters"),
        ("Q-AKX-769-ÄÖ", "2 to 16 letters"),
        ("12", "fits none of the park"),  # no EU or CN layout has two characters
    ],
)
def test_a_typed_plate_is_validated_like_a_camera_reading(
    client: Any, guard: Any, demo: Demo, typed: str, message: str
) -> None:
    passage = _event(client, demo, "k-bad", plate="QAKX76", confidence=0.5, hazard=LOX_PLATE)
    token = csrf_token_from(guard.get("/kiosk/lanes/G1-HAZ").get_data(as_text=True))
    response = guard.post(
        f"/kiosk/passages/{passage.id}/plate",
        data={"plate-csrf_token": token, "plate-plate": typed},
        follow_redirects=True,
    )
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert passage.plate_read == "QAKX76" and not passage.plate_confirmed


def test_not_applicable_checks_fold_into_one_line_and_the_reason_says_why(
    client: Any, guard: Any, demo: Demo
) -> None:
    passage = _event(client, demo, "k-na", plate="ZZ-999-ZZ")
    html = guard.get(f"/kiosk/lanes/G1-HAZ?passage={passage.id}").get_data(as_text=True)
    assert html.count('class="check check-not_applicable') == 1
    assert "required for opening: the rules decided GUARD DECIDES" in html


def test_the_chinese_kiosk_shows_no_english_but_names_and_codes(
    client: Any, app: Any, demo: Demo
) -> None:
    import re

    demo.guard.locale = "zh_CN"
    db.session.commit()
    passage = _event(client, demo, "k-zh", hazard=LOX_PLATE)
    guard = login_as(app.test_client(), demo.guard)
    html = guard.get(f"/kiosk/lanes/G1-HAZ?passage={passage.id}").get_data(as_text=True)
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    booking = demo.lox
    names = [
        passage.lane.name,
        booking.carrier.name,
        booking.dock.name,
        booking.company.name,
        booking.driver.full_name,
        booking.escort.full_name,
        demo.guard.display_name,
        "Gatekeeper",
        *(line.description for line in booking.cargo),
    ]
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    words = set(re.findall(r"[A-Za-z]{3,}", text))
    # Codes (plates, lane codes), ADR (the regulation's name), and "English" in the
    # language picker (each language is offered in its own name).
    assert words <= {"QAKX", "XTB", "AKX", "HAZ", "ADR", "English"}, sorted(words)


def test_frame_is_served_to_guards_only(client: Any, guard: Any, as_role: Any, demo: Demo) -> None:
    import base64

    from tests.conftest import SHARED_DATA

    photo = (SHARED_DATA / "plates" / "br" / "AYO9034.jpg").read_bytes()
    passage = _event(client, demo, "k-5", image=base64.b64encode(photo).decode())
    with guard.get(f"/kiosk/passages/{passage.id}/images/0") as image:
        assert image.status_code == 200 and image.data == photo
    assert guard.get(f"/kiosk/passages/{passage.id}/images/1").status_code == 404
    assert as_role(Role.CARRIER).get(f"/kiosk/passages/{passage.id}/images/0").status_code == 403


def test_a_lane_refuses_an_unusable_barrier_setting(demo: Demo) -> None:
    lane = db.session.scalar(select(Lane).where(Lane.code == "G1-OUT"))
    with pytest.raises(ValueError, match="unknown barrier type"):
        lane.barrier = {"type": "magic"}
    with pytest.raises(ValueError, match="url"):
        lane.barrier = {"type": "http_relay", "url": "ftp://relay"}
    lane.barrier = {"type": "http_relay", "url": "http://10.0.0.5/open"}
    assert db.session.scalar(select(Zone).where(Zone.kind == ZoneKind.HOLDING)) is not None
