"""What a person reads for every stored code: enum values, statuses, alert kinds.

Templates write ``{{ value | label }}`` and never ``value.value``: every code a user can see
goes through the translation catalogue (a test walks every enum listed here and fails on a
member without a label).
"""

from __future__ import annotations

import contextlib
import enum
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from gatekeeper.domain.expiry import ExpiryState
from gatekeeper.domain.gate import Outcome
from gatekeeper.domain.messages import Code, Phrase
from gatekeeper.domain.plates import MatchQuality
from gatekeeper.domain.standing import in_force
from gatekeeper.models import (
    AlertKind,
    AlertStatus,
    BookingStatus,
    CarrierStatus,
    Decision,
    DocumentKind,
    IdDocumentType,
    LaneDirection,
    LaneKind,
    NodeKind,
    Packaging,
    PassageDirection,
    PersonKind,
    PlateColour,
    QualificationKind,
    QuantityUnit,
    ReadStatus,
    ReviewStatus,
    Role,
    RollCallReason,
    Severity,
    Standing,
    TripDirection,
    VehicleKind,
    ZoneKind,
)
from gatekeeper.services.exports import Phrases

# Pairs, not a dict of members: members of different enums with the same value are equal
# as strings (ReadStatus.PENDING == ReviewStatus.PENDING) and would overwrite each other.
_PAIRS: tuple[tuple[enum.Enum, object], ...] = (
    (Role.ADMIN, _l("administrator")),
    (Role.MANAGER, _l("park manager")),
    (Role.DISPATCHER, _l("dispatcher")),
    (Role.GUARD, _l("gate guard")),
    (Role.CARRIER, _l("carrier")),
    (LaneDirection.IN, _l("entry")),
    (LaneDirection.OUT, _l("exit")),
    (LaneDirection.BOTH, _l("entry and exit")),
    (PassageDirection.IN, _l("entry")),
    (PassageDirection.OUT, _l("exit")),
    (Decision.ALLOW, _l("allowed")),
    (Decision.DENY, _l("refused")),
    (Decision.HOLD, _l("sent to the holding lot")),
    (Decision.REVIEW, _l("guard decides")),
    (NodeKind.GATE, _l("gate")),
    (NodeKind.CHECKPOINT, _l("checkpoint")),
    (NodeKind.DOCK, _l("dock")),
    (NodeKind.JUNCTION, _l("junction")),
    (LaneKind.GENERAL, _l("general")),
    (LaneKind.HAZMAT, _l("hazmat")),
    (LaneKind.WASTE, _l("hazardous waste")),
    (LaneKind.PEDESTRIAN, _l("pedestrians")),
    (LaneKind.EMERGENCY, _l("emergency")),
    (ZoneKind.PRODUCTION, _l("production")),
    (ZoneKind.WAREHOUSE, _l("warehouse")),
    (ZoneKind.HOLDING, _l("hazmat parking lot")),
    (ZoneKind.PARKING, _l("parking")),
    (ZoneKind.ROAD, _l("road")),
    (ZoneKind.OFFICE, _l("offices")),
    (VehicleKind.TRACTOR, _l("tractor")),
    (VehicleKind.RIGID_TRUCK, _l("rigid truck")),
    (VehicleKind.TANKER, _l("rigid tanker")),
    (VehicleKind.BOX_TRUCK, _l("box truck")),
    (VehicleKind.VAN, _l("van")),
    (VehicleKind.CAR, _l("car")),
    (VehicleKind.TRAILER, _l("trailer")),
    (VehicleKind.SEMI_TRAILER, _l("semi-trailer")),
    (VehicleKind.TANK_TRAILER, _l("tank trailer")),
    (CarrierStatus.APPLIED, _l("applied, waiting for approval")),
    (CarrierStatus.APPROVED, _l("approved")),
    (CarrierStatus.REJECTED, _l("rejected")),
    (ReviewStatus.PENDING, _l("waiting for review")),
    (ReviewStatus.APPROVED, _l("approved by the park")),
    (ReviewStatus.REJECTED, _l("rejected")),
    (PlateColour.BLUE, _l("blue")),
    (PlateColour.YELLOW, _l("yellow")),
    (PlateColour.GREEN, _l("green")),
    (PlateColour.YELLOW_GREEN, _l("yellow-green")),
    (PlateColour.WHITE, _l("white")),
    (PlateColour.BLACK, _l("black")),
    (Standing.ACTIVE, _l("in good standing")),
    (Standing.SUSPENDED, _l("suspended")),
    (Standing.BLACKLISTED, _l("blacklisted")),
    (PersonKind.DRIVER, _l("driver")),
    (PersonKind.ESCORT, _l("escort")),
    (PersonKind.EMPLOYEE, _l("employee")),
    (PersonKind.CONTRACTOR, _l("contractor")),
    (PersonKind.VISITOR, _l("visitor")),
    (IdDocumentType.CN_RESIDENT_ID, _l("resident ID card")),
    (IdDocumentType.PASSPORT, _l("passport")),
    (IdDocumentType.OTHER, _l("other ID document")),
    (DocumentKind.VEHICLE_LICENCE, _l("vehicle licence")),
    (DocumentKind.ROAD_TRANSPORT_CERTIFICATE, _l("road transport certificate")),
    (DocumentKind.ADR_CERTIFICATE, _l("ADR certificate of approval")),
    (DocumentKind.TANK_INSPECTION, _l("tank inspection certificate")),
    (DocumentKind.VEHICLE_PHOTO, _l("photo of the vehicle")),
    (DocumentKind.DRIVER_QUALIFICATION, _l("driver's qualification certificate")),
    (DocumentKind.ESCORT_QUALIFICATION, _l("escort's qualification certificate")),
    (DocumentKind.ID_CARD, _l("ID card")),
    (DocumentKind.WAYBILL, _l("waybill")),
    (DocumentKind.OTHER, _l("other document")),
    (QualificationKind.ADR_DRIVER, _l("ADR driver certificate")),
    (QualificationKind.DG_DRIVER_CN, _l("dangerous-goods driver qualification")),
    (QualificationKind.ESCORT, _l("escort qualification")),
    (QualificationKind.INDUCTION, _l("safety induction")),
    (QualificationKind.INSURANCE, _l("liability insurance")),
    (QualificationKind.FORKLIFT, _l("forklift licence")),
    (BookingStatus.REQUESTED, _l("requested")),
    (BookingStatus.ACCEPTED, _l("accepted by the receiving company")),
    (BookingStatus.REJECTED, _l("rejected")),
    (BookingStatus.APPROVED, _l("approved")),
    (BookingStatus.ARRIVED, _l("arrived")),
    (BookingStatus.INSIDE, _l("inside")),
    (BookingStatus.COMPLETED, _l("completed")),
    (BookingStatus.CANCELLED, _l("cancelled")),
    (BookingStatus.NO_SHOW, _l("no-show")),
    (TripDirection.DELIVERY, _l("delivery")),
    (TripDirection.COLLECTION, _l("pickup")),
    (Packaging.TANK, _l("tank")),
    (Packaging.BULK, _l("bulk")),
    (Packaging.PACKAGES, _l("packages")),
    (QuantityUnit.KG, _l("kg")),
    (QuantityUnit.L, _l("L")),
    (ReadStatus.PENDING, _l("reading")),
    (ReadStatus.DONE, _l("read")),
    (ReadStatus.FAILED, _l("reading failed")),
    (ReadStatus.NOT_NEEDED, _l("read by the camera")),
    (MatchQuality.EXACT, _l("exact")),
    (MatchQuality.NO_PROVINCE, _l("exact, province not read")),
    (MatchQuality.CONFUSABLE, _l("OCR look-alike")),
    (MatchQuality.PARTIAL, _l("partial")),
    (MatchQuality.NONE, _l("none")),
    (AlertKind.DOCUMENT_EXPIRING, _l("document expiring")),
    (AlertKind.DOCUMENT_EXPIRED, _l("document expired")),
    (AlertKind.OVERSTAY, _l("overstay")),
    (AlertKind.ROUTE_DEVIATION, _l("route deviation")),
    (AlertKind.WRONG_DIRECTION, _l("wrong direction")),
    (AlertKind.SPEEDING, _l("speeding")),
    (AlertKind.ILLEGAL_PARKING, _l("illegal parking")),
    (AlertKind.REPEATED_PARKING, _l("repeated illegal parking")),
    (AlertKind.EMERGENCY_LANE, _l("emergency lane used")),
    (AlertKind.GATE, _l("gate")),
    (AlertStatus.OPEN, _l("awaiting handling")),
    (AlertStatus.ACKNOWLEDGED, _l("acknowledged")),
    (AlertStatus.RESOLVED, _l("resolved")),
    (RollCallReason.DRILL, _l("drill")),
    (RollCallReason.EMERGENCY, _l("emergency")),
    (Severity.INFO, _l("information")),
    (Severity.WARNING, _l("warning")),
    (Severity.CRITICAL, _l("critical")),
    (Outcome.PASS, _l("pass")),
    (Outcome.FAIL, _l("fail")),
    (Outcome.WARN, _l("note")),
    (Outcome.NOT_APPLICABLE, _l("n/a")),
    (ExpiryState.VALID, _l("valid")),
    (ExpiryState.EXPIRING, _l("expiring")),
    (ExpiryState.EXPIRED, _l("expired")),
    (ExpiryState.MISSING, _l("missing")),
)
LABELS: dict[tuple[type[enum.Enum], str], object] = {
    (type(member), str(member.value)): text for member, text in _PAIRS
}


def label_of(member: enum.Enum) -> object:
    """The (lazily translated) word for an enum member; its value when there is none."""
    return LABELS.get((type(member), str(member.value)), member.value)


LABELLED_ENUMS: tuple[type[enum.Enum], ...] = (
    Role,
    PassageDirection,
    Decision,
    NodeKind,
    LaneDirection,
    LaneKind,
    ZoneKind,
    VehicleKind,
    Standing,
    PersonKind,
    QualificationKind,
    BookingStatus,
    TripDirection,
    Packaging,
    QuantityUnit,
    ReadStatus,
    MatchQuality,
    AlertKind,
    AlertStatus,
    Severity,
    ExpiryState,
    Outcome,
    ReviewStatus,
    PlateColour,
)


# Codes stored as plain strings (in JSON, or as text columns), by the enum they come from.
_STORED_AS_TEXT: dict[str, type[enum.Enum]] = {
    "match": MatchQuality,
    "standing": Standing,
    "booking_status": BookingStatus,
    "qualification": QualificationKind,
    "outcome": Outcome,
    "document": DocumentKind,
    "node": NodeKind,
    "plate_colour": PlateColour,
    "quantity_unit": QuantityUnit,
}


def label(value: object, of: str | None = None) -> str:
    """The user's word for a code: ``{{ lane.kind | label }}``, or for a code stored as
    text, ``{{ passage.match_quality | label("match") }}``."""
    if value is None:
        return "—"
    if of is not None and isinstance(value, str):
        try:
            value = _STORED_AS_TEXT[of](value)
        except ValueError:
            return str(value)
    if isinstance(value, enum.Enum):
        return str(label_of(value))
    return str(value)


def phrase_separator() -> str:
    """Between the phrases of a list of reasons: a full-width semicolon in Chinese."""
    return "；" if str(get_locale()).startswith("zh") else "; "


def clause_separator() -> str:
    """Between two counts or clauses of one line ("2 loaded tankers, 1 empty"): a
    full-width comma in Chinese."""
    return "，" if str(get_locale()).startswith("zh") else ", "


def unit_words() -> dict[str, str]:
    """Each quantity unit's code and its word, for pages that draw quantities themselves."""
    return {unit.value: str(label_of(unit)) for unit in QuantityUnit}


def translated(value: Any) -> str:
    """A stored message (see domain.messages: ``{"t": template, "p": params}``, whose
    params may be phrases, codes or lists) in the reader's language."""
    if isinstance(value, dict) and "t" in value:
        template = str(value.get("t"))
        params = {k: translated(v) for k, v in (value.get("p") or {}).items()}
        return str(gettext(template, **params) if params else gettext(template))
    if isinstance(value, dict) and "code" in value:
        return label(value["code"], value.get("of"))
    if isinstance(value, list):
        separator = "、" if str(get_locale()).startswith("zh") else ", "
        return separator.join(translated(item) for item in value)
    return str(value)


def check_message(check: dict[str, Any]) -> str:
    """A stored check's message (a gate check, a person check) in the reader's language:
    the rules store the English template and its parameters, which may themselves be
    phrases, codes or lists; an unreadable one is shown as its English message."""
    template = check.get("template") or check.get("message") or ""
    try:
        return translated({"t": template, "p": check.get("params") or {}})
    except (KeyError, ValueError, TypeError):
        return str(check.get("message", ""))


def reason_text(reason: dict[str, Any]) -> str:
    """A stored reason (a gate or person check, an alert's text) in the reader's language
    where it carries its template; as its English message where it does not."""
    if isinstance(reason.get("template"), str) and reason["template"]:
        return check_message(reason)
    return str(reason.get("message", ""))


def report_value(value: Any) -> str:
    """A report cell (services.reports: codes, yes/no and stored messages kept as values)
    in the reader's language, for the page and the CSV/XLSX exports alike."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, bool):
        return str(gettext("yes") if value else gettext("no"))
    if isinstance(value, enum.Enum):
        return str(label_of(value))
    if isinstance(value, Code):  # a code stored as text: its word, or as sent if unknown
        return label(value.value, value.of)
    if isinstance(value, Phrases):
        return phrase_separator().join(_prose(item) for item in value.items)
    return str(value)


def _prose(item: Any) -> str:
    if isinstance(item, dict):
        return reason_text(item)
    if isinstance(item, Phrase):
        return translated(item.to_dict())
    return str(item)


def alert_message(alert: Any) -> str:
    """An alert's (or a notice's) message in the reader's language (older ones, stored
    without their template: their English text)."""
    return reason_text(
        {"template": alert.template, "params": alert.params, "message": alert.message}
    )


# What an alert's evidence holds (domain.tracking), as the manager reads it.
EVIDENCE_LABELS = {
    "route_checkpoints": _l("checkpoints of the route"),
    "from": _l("from"),
    "to": _l("to"),
    "metres": _l("metres"),
    "seconds": _l("seconds"),
    "speed_kmh": _l("average km/h"),
    "limit_kmh": _l("limit km/h"),
    "due_at": _l("due at"),
    "last_seen_at": _l("last seen at"),
    "minutes_late": _l("minutes late"),
    "classes": _l("classes"),
    "since": _l("since"),
    "offences": _l("offences"),
    "minutes": _l("minutes"),
    "zone": _l("zone"),
    "checkpoint": _l("checkpoint"),
    "at": _l("seen at"),
}


def evidence_text(evidence: dict[str, Any] | None) -> str:
    """An alert's evidence in a line: known facts with their labels, times in park time."""
    from datetime import datetime

    from gatekeeper.services.clock import local

    parts = []
    for key, title in EVIDENCE_LABELS.items():
        if not evidence or key not in evidence:
            continue
        value = evidence[key]
        if isinstance(value, list):
            value = " → ".join(str(v) for v in value)
        elif isinstance(value, str) and len(value) > 18 and value[4:5] == "-":
            with contextlib.suppress(ValueError):
                value = f"{local(datetime.fromisoformat(value)):%H:%M}"
        parts.append(f"{title}: {value}")
    return phrase_separator().join(parts)


def standing_now(subject: Any) -> str:
    """A vehicle's or person's standing as it holds today, in words, with the last day of a
    bar in force ("blacklisted until 2027-09-23"); an ended bar reads as good standing."""
    from gatekeeper.services.clock import park_today

    now = in_force(subject.standing.value, subject.standing_until, park_today())
    words = label(now, "standing")
    if now != "active" and subject.standing_until is not None:
        return str(
            gettext(
                "%(standing)s until %(day)s",
                standing=words,
                day=subject.standing_until.isoformat(),
            )
        )
    return words


def folded_checks(checks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The checks that did not apply, each message once (several rules say "No booking"),
    with the codes that gave it."""
    codes: dict[str, list[str]] = {}
    for check in checks:
        codes.setdefault(check_message(check), []).append(str(check.get("code")))
    return [(text, " ".join(dict.fromkeys(found))) for text, found in codes.items()]


def init_app(app: Flask) -> None:
    app.add_template_filter(folded_checks, "folded_checks")
    app.add_template_filter(standing_now, "standing_now")
    app.add_template_global(phrase_separator, "phrase_separator")
    app.add_template_global(clause_separator, "clause_separator")
    app.add_template_global(unit_words, "unit_words")
    app.add_template_filter(check_message, "check_message")
    app.add_template_filter(evidence_text, "evidence")
    app.add_template_filter(label, "label")
    app.add_template_filter(alert_message, "alert_message")
    app.add_template_filter(lambda p: translated(p.to_dict()), "phrase")
