"""``/api/v1``: the JSON API for gate stations (bearer token) and signed-in staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, g, jsonify, make_response, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from camera_adapters.wire import AnprEventError, ScanBody, parse_body, parse_event
from gatekeeper.access import (
    ALL_ROLES,
    STAFF_ROLES,
    roles_required,
    station_or_roles,
    station_required,
)
from gatekeeper.domain.plates import province_of
from gatekeeper.extensions import csrf, db
from gatekeeper.models import Booking, DocumentKind, Lane, Passage, Person, Role, Vehicle
from gatekeeper.models.types import record_id
from gatekeeper.services import bookings, crew, documents, fleet, gate, passes
from gatekeeper.services.captures import CaptureError, Upload, accept_capture, accept_event
from gatekeeper.services.clock import FIRST_DAY, LAST_DAY, day_bounds, park_today, parse_day
from gatekeeper.web.api.openapi import openapi_document
from gatekeeper.web.labels import translated

API_VERSION = "1.0.0"

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Stations authenticate with a bearer token, not a session cookie: no CSRF exposure.
csrf.exempt(bp)


@bp.route("/")
@station_or_roles(*ALL_ROLES)
def root() -> ResponseReturnValue:
    return jsonify(
        name="Gatekeeper",
        version=API_VERSION,
        links={
            "openapi": url_for(".openapi"),
            "station": url_for(".station"),
            "captures": "/api/v1/lanes/{lane}/captures",
            "events": "/api/v1/lanes/{lane}/events",
            "documents": "/api/v1/lanes/{lane}/documents",
        },
    )


@bp.route("/openapi.json")
@station_or_roles(*ALL_ROLES)
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document(API_VERSION))


@bp.route("/station")
@station_required
def station() -> ResponseReturnValue:
    own = g.station
    return jsonify(
        code=own.code,
        name=own.name,
        lanes=[
            {
                "code": lane.code,
                "direction": lane.direction.value,
                "kind": lane.kind.value,
                "roi": lane.roi,
            }
            for lane in own.lanes
        ],
    )


_ERROR_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 413: "too_large"}


def _error(message: str, status: int) -> ResponseReturnValue:
    return jsonify(error=_ERROR_CODES.get(status, "error"), message=message), status


def station_lane(lane_code: str) -> Lane:
    """The lane the calling station posts for, from the lanes loaded with the station (no
    query); a lane it does not serve is refused (403), an unknown one is 404."""
    own: list[Lane] = g.station.lanes
    for lane in own:
        if lane.code == lane_code:
            return lane
    other = db.session.scalar(select(Lane).where(Lane.code == lane_code))
    if other is None:
        abort(make_response(_error(f"no lane {lane_code}", 404)))
    abort(make_response(_error(f"station {g.station.code} does not serve lane {other.code}", 403)))


def capture_json(passage: Passage) -> dict[str, object]:
    return {
        "id": passage.id,
        "lane": passage.lane.code,
        "event_id": passage.idempotency_key,
        "status": passage.read_status.value,
        "error": passage.read_error,
        "frames": len(passage.images),
        "reads": passage.reads,
        "plate": passage.plate_read,
        "plate_colour": passage.plate_colour,
        "province": province_of(passage.plate_read),
        "match_quality": passage.match_quality,
        "booking": passage.booking.reference if passage.booking else None,
        "decision": passage.decision.value if passage.decision else None,
        "reasons": [
            {k: r.get(k) for k in ("code", "effect", "message", "evidence")}
            for r in passage.reasons or []
        ],
        "barrier_opened": passage.barrier_opened_at is not None,
        "status_url": url_for("api.capture", capture_id=passage.id),
    }


@bp.route("/lanes/<lane_code>/captures", methods=["POST"])
@station_required
def post_capture(lane_code: str) -> ResponseReturnValue:
    """Frames of one vehicle from a gate station: stored, then read in the background."""
    lane = station_lane(lane_code)
    uploads = [Upload(f.filename or "", f.read()) for f in request.files.getlist("image")]
    try:
        outcome = accept_capture(g.station, lane, request.form.get("event_id", ""), uploads)
    except CaptureError as exc:
        return _error(str(exc), exc.status)
    body = capture_json(outcome.passage)
    return jsonify(body), 202 if outcome.created else 200


@bp.route("/lanes/<lane_code>/events", methods=["POST"])
@station_required
def post_event(lane_code: str) -> ResponseReturnValue:
    """A smart ANPR camera's reading: decided at once, the decision in the answer."""
    lane = station_lane(lane_code)
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        return _error("body: JSON nested too deeply", 400)
    if payload is None:
        return _error("body: a JSON object (Content-Type: application/json)", 400)
    try:
        event = parse_event(payload)
        outcome = accept_event(g.station, lane, event)
    except AnprEventError as exc:
        return _error(str(exc), exc.status)
    except CaptureError as exc:
        return _error(str(exc), exc.status)
    return jsonify(capture_json(outcome.passage)), 201 if outcome.created else 200


def _posted_capture_id() -> int | None:
    """The form's ``capture`` (a capture id); None when not sent, 400 when no id."""
    posted = request.form.get("capture")
    capture_id = record_id(posted)
    if posted is not None and capture_id is None:
        abort(400, description="capture: a capture id")
    return capture_id


@bp.route("/lanes/<lane_code>/documents", methods=["POST"])
@station_required
def post_document(lane_code: str) -> ResponseReturnValue:
    """A document photographed at the barrier (document camera): the driver's or escort's
    certificate, the road transport certificate or the waybill of the vehicle at the lane
    (``capture``: its capture id; default the latest at the lane). Read in the background
    and matched against the registered records; the result is a check of the decision."""
    lane = station_lane(lane_code)
    try:
        kind = DocumentKind(request.form.get("kind", ""))
    except ValueError:
        kinds = ", ".join(k.value for k in documents.GATE_DOCUMENTS)
        return _error(f"kind: one of {kinds}", 400)
    files = request.files.getlist("image")
    if len(files) != 1:
        return _error("image: one file (JPEG, PNG or PDF)", 400)
    passage = documents.passage_at_lane(lane.id, _posted_capture_id())
    if passage is None:
        return _error("no vehicle waiting at this lane: send its capture first", 409)
    data = files[0].read()
    existing = documents.existing_gate_document(passage, kind, data)
    if existing is not None:
        return jsonify(documents.document_json(existing)), 200
    try:
        document = documents.upload(
            passage, kind, files[0].filename or "", data, None, actor=f"station:{g.station.code}"
        )
    except fleet.FleetError as exc:
        db.session.rollback()
        message = "; ".join(f"{k}: {gettext(v)}" for k, v in exc.errors.items())
        return _error(message, 413 if "too large" in message else 400)
    db.session.commit()
    documents.queue_reading(document)
    return jsonify(documents.document_json(document)), 202


@bp.route("/lanes/<lane_code>/scans", methods=["POST"])
@station_required
def post_scan(lane_code: str) -> ResponseReturnValue:
    """A booking pass or an e-waybill scanned at the lane: the text of its QR code (a
    fixed scanner: JSON ``{"text": ...}``) or a frame of the lane camera (multipart
    ``image``) in which the QR code is found. Kept on the vehicle's passage (``capture``:
    its id; default the latest at the lane) and the rules run again."""
    lane = station_lane(lane_code)
    capture_id: int | None = None
    if request.is_json:
        try:
            body = parse_body(ScanBody, _json_object())
        except AnprEventError as exc:
            return _error(str(exc), exc.status)
        text, capture_id = body.text, body.capture
    else:
        capture_id = _posted_capture_id()
        files = request.files.getlist("image")
        if len(files) != 1:
            return _error('JSON {"text": ...} or one image', 400)
        try:
            found_text = passes.text_from_image(files[0].read())
        except ValueError as exc:
            return _error(f"image: {exc}", 400)
        if found_text is None:
            return _error("no QR code found in the image", 422)
        text = found_text
    found = documents.passage_at_lane(lane.id, capture_id)
    passage = gate.lock_passage(found.id) if found is not None else None
    if passage is None:
        return _error("no vehicle waiting at this lane: send its capture first", 409)
    try:
        scanned, _result = gate.record_scan(passage, text, None)
    except gate.ActionError as exc:
        db.session.rollback()
        return _error(str(exc), 400)
    db.session.commit()
    if gate.should_open(passage):
        gate.open_barrier(passage, None)
    return jsonify({**capture_json(passage), "scanned": scanned.kind}), 200


@bp.route("/captures/<int:capture_id>")
@station_or_roles(Role.GUARD, *STAFF_ROLES)
def capture(capture_id: int) -> ResponseReturnValue:
    passage = db.session.get(Passage, capture_id)
    if passage is None:
        abort(404)
    station = g.get("station")
    if station is not None and not station.serves(passage.lane):
        abort(404)  # another station's lane: do not reveal that it exists
    return jsonify(capture_json(passage))


# --- carrier systems: their own fleet --------------------------------------------------------


def _own_carrier_id() -> int:
    if current_user.carrier_id is None:  # the schema forbids this; fail closed anyway
        abort(403)
    return int(current_user.carrier_id)


def _fields(exc: fleet.FleetError) -> ResponseReturnValue:
    fields = {name: gettext(message) for name, message in exc.errors.items()}
    return jsonify(error="bad_request", message="invalid fields", fields=fields), 400


def _json_object() -> dict[str, Any]:
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        payload = None
    if not isinstance(payload, dict):
        abort(400, description="body: a JSON object (Content-Type: application/json)")
    return payload


def _saved(
    write: Callable[[], Any], render: Callable[[], dict[str, Any]], status: int = 200
) -> ResponseReturnValue:
    """Run a registration or change: refused fields as 400 (nothing saved), else commit."""
    try:
        write()
    except fleet.FleetError as exc:
        db.session.rollback()
        return _fields(exc)
    db.session.commit()
    return jsonify(render()), status


@bp.route("/carrier/vehicles")
@roles_required(Role.CARRIER)
def carrier_vehicles() -> ResponseReturnValue:
    vehicles = db.session.scalars(
        select(Vehicle).where(Vehicle.carrier_id == _own_carrier_id()).order_by(Vehicle.plate)
    )
    return jsonify(vehicles=[fleet.vehicle_json(v) for v in vehicles])


@bp.route("/carrier/vehicles", methods=["POST"])
@roles_required(Role.CARRIER)
def carrier_vehicle_create() -> ResponseReturnValue:
    _own_carrier_id()
    made: list[Vehicle] = []
    return _saved(
        lambda: made.append(fleet.register_vehicle(current_user.carrier, _json_object())),
        lambda: fleet.vehicle_json(made[0]),
        201,
    )


@bp.route("/carrier/vehicles/<int:vehicle_id>", methods=["GET", "PATCH"])
@roles_required(Role.CARRIER)
def carrier_vehicle(vehicle_id: int) -> ResponseReturnValue:
    vehicle = fleet.carrier_vehicle(_own_carrier_id(), vehicle_id)
    if vehicle is None:
        abort(404)  # another carrier's vehicle is not revealed
    if request.method == "PATCH":
        return _saved(
            lambda: fleet.change_vehicle(vehicle, _json_object()),
            lambda: fleet.vehicle_json(vehicle),
        )
    return jsonify(fleet.vehicle_json(vehicle))


@bp.route("/carrier/persons")
@roles_required(Role.CARRIER)
def carrier_persons() -> ResponseReturnValue:
    persons = crew.carrier_persons(_own_carrier_id())
    return jsonify(persons=[crew.person_json(p) for p in persons])


@bp.route("/carrier/persons", methods=["POST"])
@roles_required(Role.CARRIER)
def carrier_person_create() -> ResponseReturnValue:
    _own_carrier_id()
    made: list[Person] = []
    return _saved(
        lambda: made.append(crew.register_person(current_user.carrier, _json_object())),
        lambda: crew.person_json(made[0]),
        201,
    )


@bp.route("/carrier/persons/<int:person_id>", methods=["GET", "PATCH"])
@roles_required(Role.CARRIER)
def carrier_person(person_id: int) -> ResponseReturnValue:
    person = crew.carrier_person(_own_carrier_id(), person_id)
    if person is None:
        abort(404)  # another carrier's person is not revealed
    if request.method == "PATCH":
        return _saved(
            lambda: crew.change_person(person, _json_object()),
            lambda: crew.person_json(person),
        )
    return jsonify(crew.person_json(person))


# --- bookings, for ERP/TMS systems (dispatchers) and carriers' systems ----------------------

BOOKERS = (Role.DISPATCHER, Role.CARRIER, *STAFF_ROLES)


def _booking_errors(exc: bookings.BookingError) -> ResponseReturnValue:
    fields = {name: translated(message.to_dict()) for name, message in exc.errors.items()}
    return jsonify(error="bad_request", message="invalid fields", fields=fields), 400


def _visible(query: Any) -> Any:
    """A carrier sees its own bookings; a company's dispatcher its company's; the park's
    dispatchers and staff all."""
    if current_user.role is Role.CARRIER:
        return query.where(Booking.carrier_id == current_user.carrier_id)
    if current_user.role is Role.DISPATCHER and current_user.company_id is not None:
        return query.where(Booking.company_id == current_user.company_id)
    return query


def _find_booking(reference: str) -> Booking:
    booking: Booking | None = db.session.scalar(
        _visible(select(Booking).where(Booking.reference == reference))
    )
    if booking is None:
        abort(404)  # another carrier's or company's booking is not revealed
    return booking


@bp.route("/bookings", methods=["GET", "POST"])
@roles_required(*BOOKERS)
def bookings_collection() -> ResponseReturnValue:
    if request.method == "POST":
        data = _json_object()
        if current_user.role is Role.CARRIER:
            data["carrier_id"] = current_user.carrier_id  # a carrier books for itself
        try:
            booking = bookings.create(data, current_user)
        except bookings.BookingError as exc:
            db.session.rollback()
            return _booking_errors(exc)
        db.session.commit()
        return jsonify(bookings.booking_json(booking)), 201
    day_text = request.args.get("day")
    try:
        day = parse_day(day_text) if day_text else park_today()
    except ValueError:
        abort(400, description=f"day: a date as YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}")
    start, end = day_bounds(day)
    found = db.session.scalars(
        _visible(
            select(Booking)
            .where(Booking.window_start < end, Booking.window_end > start)
            .order_by(Booking.window_start)
        )
    )
    return jsonify(day=day.isoformat(), bookings=[bookings.booking_json(b) for b in found])


@bp.route("/bookings/<reference>", methods=["GET", "PATCH"])
@roles_required(*BOOKERS)
def booking_item(reference: str) -> ResponseReturnValue:
    booking = _find_booking(reference)
    if request.method == "PATCH":
        try:
            bookings.change(booking, _json_object(), current_user)
        except bookings.BookingError as exc:
            db.session.rollback()
            return _booking_errors(exc)
        db.session.commit()
    return jsonify(bookings.booking_json(booking))


@bp.route("/bookings/<reference>/cancel", methods=["POST"])
@roles_required(*BOOKERS)
def booking_cancel(reference: str) -> ResponseReturnValue:
    booking = _find_booking(reference)
    payload = request.get_json(silent=True)
    reason = payload.get("reason") if isinstance(payload, dict) else None
    try:
        bookings.cancel(booking, current_user, reason if isinstance(reason, str) else None)
    except bookings.BookingError as exc:
        db.session.rollback()
        return _booking_errors(exc)
    db.session.commit()
    return jsonify(bookings.booking_json(booking))
