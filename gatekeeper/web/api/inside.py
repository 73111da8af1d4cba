"""``/api/v1``: what the cameras and readers inside the park send: checkpoint sightings
and the badges read at pedestrian lanes (station bearer token)."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from camera_adapters.wire import (
    EVENT_ID,
    AnprEventError,
    BadgeReadBody,
    SightingBody,
    moment,
    parse_body,
)
from gatekeeper import jobs
from gatekeeper.access import station_required
from gatekeeper.extensions import db
from gatekeeper.jobs.ocr import read_sighting
from gatekeeper.models import Checkpoint, Sighting
from gatekeeper.services import people, tracking
from gatekeeper.services.captures import CaptureError, Upload, validated_images
from gatekeeper.services.storage import store_new
from gatekeeper.web.api.routes import _error, _json_object, bp, station_lane


def sighting_json(sighting: Sighting) -> dict[str, Any]:
    return {
        "id": sighting.id,
        "checkpoint": sighting.checkpoint.code,
        "event_id": sighting.event_id,
        "plate": sighting.plate_read,
        "plate_colour": sighting.plate_colour,
        "at": sighting.occurred_at.isoformat(),
        "vehicle": sighting.vehicle.plate if sighting.vehicle else None,
        "on_route": sighting.on_route,
        "speed_kmh": sighting.speed_kmh,
    }


@bp.route("/checkpoints/<code>/sightings", methods=["POST"])
@station_required
def post_sighting(code: str) -> ResponseReturnValue:
    """A vehicle seen by a checkpoint camera: it moves to the checkpoint's zone and its
    route is checked; deviations become alerts (listed in the answer). Idempotent by
    ``event_id``: the same event again answers 200 with the first sighting. A smart camera
    sends its reading as JSON; a plain camera sends frames (multipart), read in the
    background."""
    checkpoint = db.session.scalar(select(Checkpoint).where(Checkpoint.code == code))
    if checkpoint is None:
        return _error(f"no checkpoint {code}", 404)
    try:
        tracking.check_station(g.station, checkpoint)
    except tracking.SightingError as exc:
        return _error(str(exc), exc.status)
    if not request.is_json:
        return _frames_sighting(checkpoint)
    try:
        body = parse_body(SightingBody, _json_object())
        image_path = None
        if body.image is not None:
            upload = Upload("image", body.image)
            _upload, _w, _h, kind = validated_images([upload])[0]
            image_path = store_new("sightings", kind.split("/")[1], body.image)
        seen = tracking.SightingIn(
            event_id=body.event_id,
            plate=body.plate,
            confidence=body.confidence,
            at=body.at,
            plate_colour=body.colour,
            image_path=image_path,
        )
        outcome = tracking.record_sighting(g.station, checkpoint, seen)
    except AnprEventError as exc:
        return _error(str(exc), exc.status)
    except CaptureError as exc:
        return _error(str(exc).replace("image 1 (image)", "image"), exc.status)
    except tracking.SightingError as exc:
        return _error(str(exc), exc.status)
    answer = {
        **sighting_json(outcome.sighting),
        "alerts": [{"kind": a.kind.value, "severity": a.severity.value} for a in outcome.alerts],
    }
    return jsonify(answer), 201 if outcome.created else 200


def _frames_sighting(checkpoint: Checkpoint) -> ResponseReturnValue:
    """Frames of a plain camera (multipart ``image``, ``event_id``, optional ``at``):
    stored, and read by the OCR job as at the gate; the sighting follows (202)."""
    event_id = request.form.get("event_id", "")
    if not EVENT_ID.fullmatch(event_id):
        return _error("event_id: 1-100 letters, digits or . _ : -", 400)
    try:
        at = moment(request.form.get("at"))
    except AnprEventError as exc:
        return _error(f"at: {exc}", 400)
    try:
        uploads = [Upload(f.filename or "", f.read()) for f in request.files.getlist("image")]
        checked = validated_images(uploads)
    except CaptureError as exc:
        return _error(str(exc), exc.status)
    known = tracking.existing_sighting(checkpoint, event_id)
    if known is not None:
        return jsonify(sighting_json(known)), 200
    paths = [store_new("sightings", kind.split("/")[1], up.data) for up, _w, _h, kind in checked]
    jobs.enqueue(
        read_sighting,
        checkpoint.id,
        g.station.id,
        event_id,
        "\n".join(paths),
        at.isoformat(),
        job_id=f"read-sighting-{checkpoint.id}-{event_id}",
    )
    return jsonify(event_id=event_id, checkpoint=checkpoint.code, status="queued"), 202


@bp.route("/lanes/<lane_code>/badges", methods=["POST"])
@station_required
def post_badge(lane_code: str) -> ResponseReturnValue:
    """A badge, staff card, ID or positioning card read at a pedestrian lane: the person is
    checked in or out (JSON ``event_id``, ``badge``, optional ``at``); refused with the
    reasons otherwise. Idempotent by ``event_id``."""
    lane = station_lane(lane_code)
    try:
        read = parse_body(BadgeReadBody, _json_object())
    except AnprEventError as exc:
        return _error(str(exc), exc.status)
    try:
        outcome = people.badge_read(lane, read.event_id, read.badge, read.at)
    except people.PeopleError as exc:
        return _error(str(exc), exc.status)
    return jsonify(people.passage_json(outcome.passage)), 201 if outcome.created else 200
