"""Guards open and close lanes at the kiosk without the admin area: a closed lane sends every
vehicle to the guard, the emergency lane opened for fire engines lets them through unchecked
(alerted when opened and at each passage) until it is closed again; each change needs a
reason, is kept on the lane (when, who, why) and audited; bad input changes nothing."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import Alert, AlertKind, AuditEntry, Lane, Role, Severity
from tests.conftest import csrf_token_from, demo_user_client
from tests.gate_samples import Demo


def _lane(code: str) -> Lane:
    lane = db.session.scalar(select(Lane).where(Lane.code == code))
    assert lane is not None
    return lane


def _event(client: Any, demo: Demo, lane: str, event_id: str, plate: str) -> dict[str, Any]:
    token = demo.token if lane.startswith("G1") else demo.other_token
    response = client.post(
        f"/api/v1/lanes/{lane}/events",
        json={"event_id": event_id, "plate": plate, "confidence": 0.95},
        headers={"Authorization": f"Bearer {token}"},
    )
    db.session.expire_all()
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return dict(response.json)


def _set(client: Any, code: str, **data: str) -> Any:
    """The lane page's open/close form sent, as the guard's browser sends it."""
    token = csrf_token_from(client.get("/kiosk/lanes/G1-IN").get_data(as_text=True))
    fields = {f"state-{name}": value for name, value in data.items()}
    response = client.post(f"/kiosk/lanes/{code}/state", data={"csrf_token": token, **fields})
    db.session.expire_all()
    return response


def _audited(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_closed_lane_sends_every_vehicle_to_the_guard_and_says_why(
    app: Any, client: Any, demo: Demo
) -> None:
    guard = demo_user_client(app, Role.GUARD)
    response = _set(guard, "G1-IN", open="0", reason="  barrier arm   broken ")
    assert response.status_code == 302
    lane = _lane("G1-IN")
    assert not lane.is_open and lane.state_reason == "barrier arm broken"
    assert lane.state_changed_by is not None and lane.state_changed_by.role is Role.GUARD
    [entry] = _audited("lane.closed")
    assert '"reason":"barrier arm broken"' in entry.details

    body = _event(client, demo, "G1-IN", "closed-1", "1-ABC-123")
    assert body["decision"] == "review"
    assert "Lane G1-IN is closed" in [r["message"] for r in body["reasons"]]

    page = unescape(guard.get("/kiosk/lanes/G1-IN").get_data(as_text=True))
    assert "Lane G1-IN is closed: vehicles there come to you" in page
    name = lane.state_changed_by.display_name
    assert re.search(rf"closed at [^<]* by {name}: barrier arm broken", page)
    assert "Open this lane" in page
    lanes_page = unescape(guard.get("/guard/lanes").get_data(as_text=True))
    assert f"by {name}: barrier arm broken" in lanes_page

    # Opened again: vehicles are checked by the rules once more.
    response = _set(guard, "G1-IN", open="1", reason="arm replaced")
    assert response.status_code == 302 and _lane("G1-IN").is_open
    assert len(_audited("lane.opened")) == 1
    body = _event(client, demo, "G1-IN", "closed-2", "1-ABC-123")
    assert "Lane G1-IN is closed" not in [r["message"] for r in body["reasons"]]


def test_the_emergency_lane_opened_lets_fire_engines_through_alerted_until_closed(
    app: Any, client: Any, demo: Demo
) -> None:
    guard = demo_user_client(app, Role.GUARD)
    assert not _lane("G2-EMG").is_open
    response = _set(guard, "G2-EMG", open="1", reason="fire in warehouse W2")
    assert response.status_code == 302
    [opened] = db.session.scalars(select(Alert).where(Alert.kind == AlertKind.EMERGENCY_LANE))
    assert opened.severity is Severity.CRITICAL
    assert "opened by" in opened.message and "fire in warehouse W2" in opened.message
    page = unescape(guard.get("/kiosk/lanes/G2-EMG").get_data(as_text=True))
    assert "every vehicle passes unchecked and is alerted" in page
    assert "emergency lane open: checks bypassed" in page

    body = _event(client, demo, "G2-EMG", "fire-1", "FW 112")
    assert body["decision"] == "allow"
    assert (
        len(list(db.session.scalars(select(Alert).where(Alert.kind == AlertKind.EMERGENCY_LANE))))
        == 2
    )

    response = _set(guard, "G2-EMG", open="0", reason="fire out")
    assert response.status_code == 302 and not _lane("G2-EMG").is_open
    body = _event(client, demo, "G2-EMG", "fire-2", "FW 113")
    assert body["decision"] == "review"


def test_no_reason_or_a_stale_button_changes_nothing(app: Any, demo: Demo) -> None:
    guard = demo_user_client(app, Role.GUARD)
    response = _set(guard, "G1-IN", open="0", reason=" ")
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert re.search(
        r'<span class="field-error" role="alert">say why \(at least 3 characters\)', html
    )
    assert _lane("G1-IN").is_open and _audited("lane.closed") == []

    # Asked to open a lane that is open (a second guard's screen was behind): said, not written.
    response = _set(guard, "G1-IN", open="1", reason="works done")
    assert response.status_code == 302
    assert "was open already" in unescape(guard.get("/kiosk/lanes/G1-IN").get_data(as_text=True))
    assert _audited("lane.opened") == [] and _lane("G1-IN").state_reason is None

    assert _set(guard, "G1-IN", open="maybe").status_code == 400
    assert guard.post("/kiosk/lanes/G1-IN/state", data={"state-open": "0"}).status_code == 400
    assert _set(guard, "NOPE", open="0").status_code == 404


def test_only_guards_and_park_staff_open_or_close_lanes(as_role: Any, demo: Demo) -> None:
    for role in (Role.DISPATCHER, Role.CARRIER):
        response = as_role(role).post("/kiosk/lanes/G1-IN/state", data={"state-open": "0"})
        assert response.status_code == 403
    assert _lane("G1-IN").is_open


def test_a_lane_reopened_in_the_admin_area_drops_the_kiosks_note(
    app: Any, as_role: Any, demo: Demo
) -> None:
    guard = demo_user_client(app, Role.GUARD)
    assert _set(guard, "G1-IN", open="0", reason="camera down").status_code == 302
    lane = _lane("G1-IN")
    admin = as_role(Role.ADMIN)
    url = f"/admin/admin_lane/edit/?id={lane.id}"
    page = admin.get(url).get_data(as_text=True)
    assert "state_reason" not in page  # the kiosk's record, not edited here
    form = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    form.update(re.findall(r'<select[^>]*name="([a-z_]+)".*?selected[^>]*value="([^"]*)"', page))
    form.update(gate=str(lane.gate_id), direction=lane.direction.value, kind=lane.kind.value)
    form["is_open"] = "y"
    form.pop("csrf_token", None)
    token = csrf_token_from(page)
    response = admin.post(url, data={**form, "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    lane = _lane("G1-IN")
    assert lane.is_open and lane.state_reason is None and lane.state_changed_at is None
    assert "camera down" not in guard.get("/guard/lanes").get_data(as_text=True)


def test_the_dashboard_lists_the_lanes_out_of_normal_operation(app: Any, demo: Demo) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    assert manager.get("/manage/dashboard.json").json["lanes"] == []
    guard = demo_user_client(app, Role.GUARD)
    _set(guard, "G1-IN", open="0", reason="camera down")
    _set(guard, "G2-EMG", open="1", reason="ambulance called")
    lanes = manager.get("/manage/dashboard.json").json["lanes"]
    assert [(lane["code"], lane["state"]) for lane in lanes] == [
        ("G1-IN", "closed"),
        ("G2-EMG", "emergency_open"),
    ]
    assert lanes[0]["note"].endswith(": camera down") and "closed at" in lanes[0]["note"]
    assert lanes[1]["url"] == "/kiosk/lanes/G2-EMG"


def test_the_lanes_report_lists_each_closing_and_opening_with_its_reason(
    app: Any, demo: Demo
) -> None:
    from gatekeeper.services.clock import park_today

    guard = demo_user_client(app, Role.GUARD)
    _set(guard, "G1-IN", open="0", reason="barrier arm broken")
    _set(guard, "G1-IN", open="1", reason="arm replaced")
    manager = demo_user_client(app, Role.MANAGER)
    today = park_today().isoformat()
    page = unescape(
        manager.get(f"/manage/reports?kind=lanes&start={today}&end={today}").get_data(as_text=True)
    )
    assert re.search(r"G1-IN</td>\s*<td[^>]*>closed</td>\s*<td[^>]*>guard</td>", page), page[-3000:]
    assert "barrier arm broken" in page and "arm replaced" in page
    found = manager.get(f"/manage/reports?kind=lanes&start={today}&end={today}&q=ARM%20REPLACED")
    assert "arm replaced" in found.get_data(as_text=True)
    assert "barrier arm broken" not in found.get_data(as_text=True)
    export = manager.get(f"/manage/reports/export?kind=lanes&start={today}&end={today}")
    assert "barrier arm broken" in export.get_data(as_text=True)
