from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask

from gatekeeper.models import LaneDirection, LaneKind, Role
from tests.factories import make_lane, make_station
from tests.gate_samples import Demo


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_station_sees_itself_and_its_lanes(client: Any, session: Any) -> None:
    lane = make_lane(direction=LaneDirection.IN, kind=LaneKind.HAZMAT, roi=[0.1, 0.2, 0.5, 0.5])
    station, token = make_station(lane)
    response = client.get("/api/v1/station", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json == {
        "code": station.code,
        "name": station.name,
        "lanes": [
            {"code": lane.code, "direction": "in", "kind": "hazmat", "roi": [0.1, 0.2, 0.5, 0.5]}
        ],
    }
    session.refresh(station)
    assert station.last_seen_at is not None


def test_only_the_token_hash_is_stored(session: Any) -> None:
    station, token = make_station()
    assert token.startswith("gks_")
    assert token not in (station.token_hash, station.token_hint)
    assert len(station.token_hash) == 64


def test_wrong_missing_or_revoked_tokens_are_refused(client: Any, session: Any) -> None:
    station, token = make_station(make_lane())
    assert client.get("/api/v1/station").status_code == 401
    assert client.get("/api/v1/station", headers=_bearer(token + "x")).status_code == 401
    assert client.get("/api/v1/station", headers={"Authorization": token}).status_code == 401
    station.active = False
    session.flush()
    assert client.get("/api/v1/station", headers=_bearer(token)).status_code == 401


def test_a_rotated_token_replaces_the_old_one(client: Any, session: Any) -> None:
    station, old = make_station()
    new = station.issue_token()
    session.flush()
    assert client.get("/api/v1/station", headers=_bearer(old)).status_code == 401
    assert client.get("/api/v1/station", headers=_bearer(new)).status_code == 200


def test_api_root_links_to_the_openapi_document(client: Any) -> None:
    _station, token = make_station()
    root = client.get("/api/v1/", headers=_bearer(token)).json
    assert root["links"]["openapi"] == "/api/v1/openapi.json"
    document = client.get(root["links"]["openapi"], headers=_bearer(token)).json
    assert document["openapi"].startswith("3.")


def test_openapi_document_covers_every_api_route(app: Flask, client: Any) -> None:
    _station, token = make_station()
    paths = client.get("/api/v1/openapi.json", headers=_bearer(token)).json["paths"]
    documented = {(path, method.upper()) for path, item in paths.items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = "/" + rule.rule.removeprefix("/api/v1/")
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
            routed |= {(path, m) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_api_errors_are_json(client: Any) -> None:
    _station, token = make_station()
    response = client.get("/api/v1/nothing-here", headers=_bearer(token))
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/captures/99999999999999999999",
        "/api/v1/captures/2147483648",
        "/kiosk/passages/99999999999999999999/images/0",
        "/kiosk/passages/1/images/99999999999999999999",
    ],
)
def test_ids_too_large_for_the_database_are_not_found(as_role: Any, path: str) -> None:
    assert as_role(Role.GUARD).get(path).status_code == 404


def test_deeply_nested_json_is_a_bad_request(client: Any, demo: Demo) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/v1/lanes/G1-IN/events",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {demo.token}"},
    )
    assert response.status_code == 400 and "nested" in response.json["message"]


def test_an_event_id_with_a_trailing_newline_is_refused(client: Any, demo: Demo) -> None:
    response = demo.post_event(client, "G1-IN", event_id="e-nl\n", plate="ZZ-123-ZZ")
    assert response.status_code == 400 and "event_id" in response.json["message"]


@pytest.mark.parametrize("capture", ["2147483648", "99999999999999999999", "²"])
def test_a_capture_id_no_record_can_have_is_refused_not_a_server_error(
    client: Any, demo: Demo, capture: str
) -> None:
    """Found by the fuzzer: a number beyond a 32-bit id failed in PostgreSQL (500)."""
    demo.post_event(client, "G1-HAZ", event_id="big-id", plate="QAKX769")
    headers = _bearer(demo.token)
    scan = client.post(
        "/api/v1/lanes/G1-HAZ/scans", data={"capture": capture, "image": []}, headers=headers
    )
    document = client.post(
        "/api/v1/lanes/G1-HAZ/documents",
        data={"kind": "waybill", "capture": capture, "image": (io.BytesIO(b"%PDF"), "w.pdf")},
        headers=headers,
    )
    scanned = (
        client.post(
            "/api/v1/lanes/G1-HAZ/scans",
            json={"text": "x", "capture": int(capture)},
            headers=headers,
        )
        if capture.isascii()
        else None
    )
    assert (scan.status_code, scan.json["message"]) == (400, "capture: a capture id")
    assert (document.status_code, document.json["message"]) == (400, "capture: a capture id")
    if scanned is not None:
        assert scanned.status_code == 400 and scanned.json["message"].startswith("capture:")


@pytest.mark.parametrize("endpoint", ["captures", "events", "documents", "scans", "badges"])
def test_every_lane_endpoint_refuses_an_unknown_lane_and_another_stations_lane(
    client: Any, session: Any, endpoint: str
) -> None:
    """The lane is found among the station's own lanes (loaded with it); only a lane not
    among them is looked up, to tell an unknown lane (404) from another's (403)."""
    _mine, token = make_station(make_lane())
    theirs = make_lane()
    make_station(theirs)
    unknown = client.post(f"/api/v1/lanes/NO-SUCH/{endpoint}", json={}, headers=_bearer(token))
    assert unknown.status_code == 404
    assert unknown.json == {"error": "not_found", "message": "no lane NO-SUCH"}
    other = client.post(f"/api/v1/lanes/{theirs.code}/{endpoint}", json={}, headers=_bearer(token))
    assert other.status_code == 403
    assert other.json["error"] == "forbidden"
    assert f"does not serve lane {theirs.code}" in other.json["message"]
