"""Gate decisions: what the barrier does for one vehicle, and why.

Pure domain code. The caller (``gatekeeper.services.gate``) gathers the records into the
plain values below; :func:`decide_entry` and :func:`decide_exit` run every check of the
park's gate rules and combine them. Each check has a stable code, an outcome, the decision
a failure leads to, a message and the evidence it looked at, so that the guard's kiosk can
show the whole checklist and the passage keeps it as the record of why.

Combination: any failed check that denies -> ``deny``; else any that needs the guard ->
``review``; else any that sends the vehicle to the holding lot -> ``hold``; else ``allow``.
So a vehicle is allowed only when no check failed.
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gatekeeper.domain.messages import N_, Code, Phrase, english, phrase, serial
from gatekeeper.domain.plates import MatchQuality, compare_plates


class Decision(enum.StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    HOLD = "hold"  # wait in the holding lot
    REVIEW = "review"  # the guard decides

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


LOW_CONFIDENCE = N_(
    "Plate %(plate)s read with low confidence (%(confidence)s): the guard confirms it"
)
_SEVERITY = {Decision.ALLOW: 0, Decision.HOLD: 1, Decision.REVIEW: 2, Decision.DENY: 3}


class Outcome(enum.StrEnum):
    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    FAIL = "fail"
    WARN = "warn"  # noted, does not stop the vehicle
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Check:
    code: str
    outcome: Outcome
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    # What a failure leads to; None for checks that cannot fail.
    effect: Decision | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return english(Phrase(self.template, self.params))

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAIL

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "outcome": self.outcome.value,
            "effect": self.effect.value if self.effect else None,
            "message": self.message,
            "template": self.template,
            "params": {k: serial(v) for k, v in self.params.items()},
            "evidence": dict(self.evidence),
        }


# --- inputs ------------------------------------------------------------------------------


class LaneKindValue(enum.StrEnum):
    GENERAL = "general"
    HAZMAT = "hazmat"
    WASTE = "waste"
    PEDESTRIAN = "pedestrian"
    EMERGENCY = "emergency"


DANGEROUS_GOODS_LANES = frozenset({LaneKindValue.HAZMAT, LaneKindValue.WASTE})


@dataclass(frozen=True)
class LaneInfo:
    code: str
    kind: str
    direction: str  # in / out / both
    is_open: bool = True


@dataclass(frozen=True)
class Reads:
    """What the cameras (or the guard, by hand) read."""

    plate: str | None
    plate_confidence: float = 0.0
    # Other candidates of the plate reading, best first: (text, confidence).
    candidates: tuple[tuple[str, float], ...] = ()
    hin: str | None = None
    un: str | None = None
    hazard_confidence: float = 0.0
    confirmed_by_guard: bool = False

    @property
    def orange_plate_seen(self) -> bool:
        return bool(self.hin or self.un)


@dataclass(frozen=True)
class VehicleRecord:
    id: int
    plate: str
    kind: str
    is_trailer: bool = False
    standing: str = "active"
    standing_reason: str | None = None
    standing_until: date | None = None
    adr_approval: str | None = None
    adr_certificate_expiry: date | None = None
    dg_permit_expiry: date | None = None
    tank_inspection_expiry: date | None = None


@dataclass(frozen=True)
class QualificationRecord:
    kind: str
    classes: tuple[str, ...]
    expires_on: date
    valid_from: date | None = None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and day <= self.expires_on

    def covers(self, hazard_class: str) -> bool:
        return hazard_class in self.classes or hazard_class.split(".")[0] in self.classes


@dataclass(frozen=True)
class PersonRecord:
    id: int
    name: str
    standing: str = "active"
    qualifications: tuple[QualificationRecord, ...] = ()


@dataclass(frozen=True)
class CargoRecord:
    un_number: str | None  # None: not dangerous goods
    packaging: str  # tank / bulk / packages
    quantity: float
    hazard_class: str | None = None
    classification_code: str | None = None
    tunnel_code: str | None = None
    hazard_id_numbers: tuple[str, ...] = ()
    transport_category: int | None = None


@dataclass(frozen=True)
class RouteEdgeRecord:
    name: str
    tunnel_category: str | None = None
    forbidden_hazard_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BookingRecord:
    id: int
    reference: str
    status: str
    vehicle_id: int
    trailer_id: int | None
    window_start: datetime
    window_end: datetime
    driver: PersonRecord
    escort: PersonRecord | None = None
    cargo: tuple[CargoRecord, ...] = ()
    waybill_number: str | None = None
    destination: str = ""
    route: tuple[RouteEdgeRecord, ...] = ()

    @property
    def dangerous_cargo(self) -> tuple[CargoRecord, ...]:
        return tuple(line for line in self.cargo if line.un_number)

    @property
    def in_tank_or_bulk(self) -> bool:
        return any(line.packaging in ("tank", "bulk") for line in self.dangerous_cargo)


@dataclass(frozen=True)
class Waybill:
    """A waybill as scanned at the gate (its QR code) or typed by the guard."""

    number: str
    plate: str | None = None
    day: date | None = None
    destination: str | None = None
    un_numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Crew:
    """What the guard recorded at the barrier."""

    driver_present: bool
    escort_present: bool
    ids_checked: bool
    persons: int


@dataclass(frozen=True)
class Occupancy:
    """Counts now (vehicles in the holding lot are not inside yet)."""

    hazmat_inside: int = 0
    hazmat_capacity: int | None = None
    zone_code: str | None = None
    zone_vehicles: int = 0
    zone_capacity: int | None = None
    zone_hazmat: int = 0
    zone_hazmat_capacity: int | None = None
    zone_allowed_classes: tuple[str, ...] | None = None
    dock_code: str | None = None
    dock_in_use: int = 0
    dock_slots: int | None = None
    holding_waiting: int = 0
    holding_capacity: int | None = None


@dataclass(frozen=True)
class Rules:
    """The park's thresholds (the park settings row)."""

    plate_confidence_threshold: float = 0.8
    hazard_confidence_threshold: float = 0.6
    early_tolerance: timedelta = timedelta(minutes=30)
    late_tolerance: timedelta = timedelta(minutes=60)
    escort_required_for_hazmat: bool = True
    crew_check_required_for_hazmat: bool = True
    waybill_required_for_hazmat: bool = True
    small_load_points_threshold: int = 1000
    max_stay: timedelta = timedelta(hours=6)
    # The park's time zone: times in messages are the park's local times.
    timezone: str = "UTC"

    def hhmm(self, moment: datetime) -> str:
        return f"{moment.astimezone(ZoneInfo(self.timezone)):%H:%M}"


@dataclass(frozen=True)
class EntryRequest:
    lane: LaneInfo
    now: datetime
    today: date  # the park's local day
    reads: Reads
    # Registered vehicles whose plate may be the one read (the caller's tolerant lookup).
    vehicles: tuple[VehicleRecord, ...] = ()
    # Bookings for today of those vehicles (as motor vehicle or as trailer).
    bookings: tuple[BookingRecord, ...] = ()
    occupancy: Occupancy = Occupancy()
    rules: Rules = Rules()
    crew: Crew | None = None
    waybill: Waybill | None = None


@dataclass(frozen=True)
class PresenceRecord:
    vehicle_id: int
    entered_at: datetime
    booking_id: int | None = None


@dataclass(frozen=True)
class ExitRequest:
    lane: LaneInfo
    now: datetime
    reads: Reads
    vehicles: tuple[VehicleRecord, ...] = ()
    presences: tuple[PresenceRecord, ...] = ()
    rules: Rules = Rules()


# --- result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlateMatch:
    vehicle: VehicleRecord | None
    quality: MatchQuality
    read: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "vehicle_id": self.vehicle.id if self.vehicle else None,
            "plate": self.vehicle.plate if self.vehicle else None,
            "quality": self.quality.value,
            "read": self.read,
        }


@dataclass(frozen=True)
class GateDecision:
    decision: Decision
    checks: tuple[Check, ...]
    match: PlateMatch
    booking: BookingRecord | None = None
    hazmat: bool = False

    @property
    def reasons(self) -> tuple[Check, ...]:
        """The failed checks, most severe first, then warnings."""
        failed = sorted(
            (c for c in self.checks if c.failed),
            key=lambda c: -(c.effect.severity if c.effect else 0),
        )
        return (*failed, *(c for c in self.checks if c.outcome is Outcome.WARN))

    def check(self, code: str) -> Check:
        return next(c for c in self.checks if c.code == code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "match": self.match.to_dict(),
            "booking": self.booking.reference if self.booking else None,
            "hazmat": self.hazmat,
            "reasons": [c.to_dict() for c in self.reasons],
            "checks": [c.to_dict() for c in self.checks],
        }


def combine(checks: Sequence[Check]) -> Decision:
    worst = Decision.ALLOW
    for check in checks:
        if check.failed:
            effect = check.effect or Decision.REVIEW  # a failure never lets a vehicle pass
            if effect is Decision.ALLOW:
                effect = Decision.REVIEW
            if effect.severity > worst.severity:
                worst = effect
    return worst


# --- helpers -----------------------------------------------------------------------------


def _pass(code: str, template: str, **params: Any) -> Check:
    return Check(code, Outcome.PASS, template, params)


def _na(code: str, template: str, **params: Any) -> Check:
    return Check(code, Outcome.NOT_APPLICABLE, template, params)


def _fail(
    code: str,
    effect: Decision,
    template: str,
    evidence: Mapping[str, Any] | None = None,
    **params: Any,
) -> Check:
    return Check(code, Outcome.FAIL, template, params, effect, evidence or {})


def _warn(
    code: str, template: str, evidence: Mapping[str, Any] | None = None, **params: Any
) -> Check:
    return Check(code, Outcome.WARN, template, params, None, evidence or {})


def match_plate(reads: Reads, vehicles: Sequence[VehicleRecord]) -> PlateMatch:
    """The best registered vehicle for the read plate or any of its candidates. A tie
    between different vehicles at the best quality is ambiguous and matches nothing."""
    texts = [t for t in ([reads.plate] if reads.plate else []) + [c[0] for c in reads.candidates]]
    best: MatchQuality = MatchQuality.NONE
    found: dict[int, VehicleRecord] = {}
    for position, text in enumerate(texts):
        for vehicle in vehicles:
            quality = compare_plates(text, vehicle.plate)
            if position > 0 and quality is MatchQuality.EXACT:
                quality = MatchQuality.CONFUSABLE  # a lower candidate, not the top read
            if quality is MatchQuality.NONE:
                continue
            if quality.rank < best.rank:
                best, found = quality, {vehicle.id: vehicle}
            elif quality is best:
                found[vehicle.id] = vehicle
        if best is MatchQuality.EXACT:
            break
    if len(found) != 1:
        return PlateMatch(None, MatchQuality.NONE, reads.plate)
    return PlateMatch(next(iter(found.values())), best, reads.plate)


def small_load_points(cargo: Sequence[CargoRecord]) -> float:
    """ADR 1.1.3.6.4: quantity x 50 (category 1), x 3 (2), x 1 (3), x 0 (4); category 0
    or an unknown category can never be a small load (infinite points)."""
    factors = {1: 50, 2: 3, 3: 1, 4: 0}
    total = 0.0
    for line in cargo:
        if line.transport_category not in factors:
            return math.inf
        total += line.quantity * factors[line.transport_category]
    return total


def required_approval(cargo: Sequence[CargoRecord]) -> set[str] | None:
    """ADR 9.1.1.2: the certificate-of-approval types that suit the cargo, or None when
    none is needed. Flammable liquids and flammable gases in tanks need FL; other goods
    in tanks AT (an FL vehicle also meets AT); explosives EX/II or EX/III."""
    needed: set[str] | None = None
    for line in cargo:
        hazard_class = line.hazard_class or ""
        if hazard_class.startswith("1"):
            options = {"EX/II", "EX/III"}
        elif line.packaging != "tank":
            continue
        elif hazard_class == "3" or (
            hazard_class == "2" and "F" in (line.classification_code or "")
        ):
            options = {"FL"}
        else:
            options = {"AT", "FL"}
        needed = options if needed is None else needed & options or options
    return needed


_TUNNEL_ORDER = "BCDE"


def forbidden_tunnels(tunnel_code: str | None, tank_or_bulk: bool) -> set[str]:
    """The tunnel categories a load with this ADR tunnel restriction code may not pass:
    B forbids B-E, C forbids C-E, D forbids D-E, E forbids E; "D/E" means D for tanks
    and bulk, E otherwise. "(-)" or none: no restriction."""
    code = (tunnel_code or "").strip("() ")
    if not code or code == "-":
        return set()
    if "/" in code:
        first, second = code.split("/", 1)
        code = first if tank_or_bulk else second
    code = code[:1]
    if code not in _TUNNEL_ORDER:
        return set()
    return set(_TUNNEL_ORDER[_TUNNEL_ORDER.index(code) :])


def _document_problem(
    document: str, expires: date | None, today: date, plate: str
) -> Phrase | None:
    """What is wrong with a dated document on the day, or None when it is valid."""
    if expires is None:
        return phrase(N_("%(plate)s: %(document)s missing"), plate=plate, document=phrase(document))
    if expires < today:
        return phrase(
            N_("%(plate)s: %(document)s expired %(day)s"),
            plate=plate,
            document=phrase(document),
            day=expires.isoformat(),
        )
    return None


# --- entry -------------------------------------------------------------------------------


def decide_entry(request: EntryRequest) -> GateDecision:
    """Every entry check of the park's gate rules, combined into one decision."""
    lane = request.lane
    match = match_plate(request.reads, request.vehicles)
    if lane.kind == LaneKindValue.EMERGENCY and lane.is_open:
        check = _warn(
            "emergency_lane",
            N_("Emergency lane open: checks bypassed, the emergency is alerted"),
            {"lane": lane.code},
        )
        return GateDecision(Decision.ALLOW, (check,), match)
    booking = booking_for(match.vehicle, request.bookings)
    dangerous = booking.dangerous_cargo if booking else ()
    points = small_load_points(dangerous) if dangerous else 0.0
    small_load = bool(dangerous) and points < request.rules.small_load_points_threshold
    hazmat = (bool(dangerous) and not small_load) or request.reads.orange_plate_seen
    context = _Context(request, match, booking, dangerous, small_load, points, hazmat)
    checks = [rule(context) for rule in ENTRY_RULES]
    crew_at = next(i for i, check in enumerate(checks) if check.code == "crew")
    if (
        checks[crew_at].failed
        and combine(checks[:crew_at] + checks[crew_at + 1 :]) is Decision.HOLD
    ):
        # The vehicle waits in the holding lot anyway: the crew is checked when it is
        # called to the barrier, not now.
        checks[crew_at] = _na(
            "crew", N_("Crew is checked when the vehicle is called from the holding lot")
        )
    decision = combine(checks)
    if decision is Decision.HOLD:
        occupancy = request.occupancy
        if (
            occupancy.holding_capacity is not None
            and occupancy.holding_waiting >= occupancy.holding_capacity
        ):
            checks.append(
                _fail(
                    "holding_lot",
                    Decision.REVIEW,
                    N_(
                        "The vehicle must wait but the holding lot is full (%(waiting)s of "
                        "%(capacity)s)"
                    ),
                    waiting=occupancy.holding_waiting,
                    capacity=occupancy.holding_capacity,
                )
            )
        else:
            checks.append(_pass("holding_lot", N_("Holding lot has room")))
        decision = combine(checks)
    return GateDecision(decision, tuple(checks), match, booking, hazmat)


def booking_for(
    vehicle: VehicleRecord | None, bookings: Sequence[BookingRecord]
) -> BookingRecord | None:
    if vehicle is None:
        return None
    mine = [b for b in bookings if vehicle.id in (b.vehicle_id, b.trailer_id)]
    # An active booking first (approved, arrived, inside), then the earliest window.
    order = {"arrived": 0, "approved": 1, "inside": 2, "requested": 3}
    mine.sort(key=lambda b: (order.get(b.status, 9), b.window_start))
    return mine[0] if mine else None


@dataclass(frozen=True)
class _Context:
    request: EntryRequest
    match: PlateMatch
    booking: BookingRecord | None
    dangerous: tuple[CargoRecord, ...]
    small_load: bool
    points: float
    hazmat: bool

    @property
    def rules(self) -> Rules:
        return self.request.rules

    @property
    def today(self) -> date:
        return self.request.today

    def units(self) -> list[VehicleRecord]:
        """The motor vehicle and trailer of the booking, as far as they are known."""
        known = {v.id: v for v in self.request.vehicles}
        found = []
        if self.booking is not None:
            for vehicle_id in (self.booking.vehicle_id, self.booking.trailer_id):
                if vehicle_id is not None and vehicle_id in known:
                    found.append(known[vehicle_id])
        if not found and self.match.vehicle is not None:
            found.append(self.match.vehicle)
        return found


def _rule_lane(c: _Context) -> Check:
    lane = c.request.lane
    if not lane.is_open:
        return _fail("lane", Decision.REVIEW, N_("Lane %(lane)s is closed"), lane=lane.code)
    if lane.direction == "out":
        return _fail("lane", Decision.DENY, N_("Lane %(lane)s is an exit lane"), lane=lane.code)
    if lane.kind == LaneKindValue.PEDESTRIAN:
        return _fail("lane", Decision.DENY, N_("Lane %(lane)s is for pedestrians"), lane=lane.code)
    if c.hazmat and lane.kind not in DANGEROUS_GOODS_LANES:
        return _fail(
            "lane",
            Decision.DENY,
            N_("Dangerous goods enter only through a hazmat lane, not %(lane)s"),
            {"lane_kind": lane.kind},
            lane=lane.code,
        )
    return _pass("lane", N_("Lane %(lane)s suits the vehicle"), lane=lane.code)


def _plate_read(reads: Reads, threshold: float) -> Check:
    """Was the plate read well enough to go on without the guard (entry and exit)?"""
    if not reads.plate:
        return _fail("plate_read", Decision.REVIEW, N_("No plate read: the guard enters it"))
    if reads.confirmed_by_guard:
        return _pass("plate_read", N_("Plate %(plate)s entered by the guard"), plate=reads.plate)
    if reads.plate_confidence < threshold:
        return _fail(
            "plate_read",
            Decision.REVIEW,
            LOW_CONFIDENCE,
            {"threshold": threshold},
            plate=reads.plate,
            confidence=f"{reads.plate_confidence:.2f}",
        )
    return _pass(
        "plate_read",
        N_("Plate %(plate)s read (confidence %(confidence)s)"),
        plate=reads.plate,
        confidence=f"{reads.plate_confidence:.2f}",
    )


def _rule_plate_read(c: _Context) -> Check:
    return _plate_read(c.request.reads, c.rules.plate_confidence_threshold)


def _rule_plate_match(c: _Context) -> Check:
    match = c.match
    if not c.request.reads.plate:
        return _na("plate_match", N_("No plate to match"))
    evidence = match.to_dict()
    if match.vehicle is None:
        return _fail(
            "plate_match",
            Decision.REVIEW,
            N_("Plate %(plate)s is not a registered vehicle"),
            evidence,
            plate=c.request.reads.plate,
        )
    if match.quality is MatchQuality.PARTIAL and not c.request.reads.confirmed_by_guard:
        return _fail(
            "plate_match",
            Decision.REVIEW,
            N_("Read %(read)s resembles registered %(plate)s: the guard confirms"),
            evidence,
            read=c.request.reads.plate,
            plate=match.vehicle.plate,
        )
    return _pass(
        "plate_match",
        N_("Registered vehicle %(plate)s (%(quality)s match)"),
        plate=match.vehicle.plate,
        quality=Code(match.quality.value, "match"),
    )


def _rule_standing(c: _Context) -> Check:
    units = c.units()
    if not units:
        return _na("standing", N_("No registered vehicle"))
    for vehicle in units:
        barred = vehicle.standing in ("blacklisted", "suspended") and (
            vehicle.standing_until is None or vehicle.standing_until >= c.today
        )
        if barred:
            return _fail(
                "standing",
                Decision.DENY,
                N_("Vehicle %(plate)s is %(standing)s: %(why)s"),
                {"until": vehicle.standing_until.isoformat() if vehicle.standing_until else None},
                plate=vehicle.plate,
                standing=Code(vehicle.standing, "standing"),
                why=vehicle.standing_reason or "-",
            )
    return _pass("standing", N_("Not blacklisted or suspended"))


def _rule_booking(c: _Context) -> Check:
    if c.match.vehicle is None:
        return _na("booking", N_("No registered vehicle to look up a booking for"))
    booking = c.booking
    if booking is None:
        return _fail(
            "booking",
            Decision.DENY,
            N_("No booking today for %(plate)s"),
            plate=c.match.vehicle.plate,
        )
    if booking.status == "requested":
        return _fail(
            "booking",
            Decision.DENY,
            N_("Booking %(ref)s is not approved"),
            ref=booking.reference,
        )
    if booking.status == "inside":
        return _fail(
            "booking",
            Decision.REVIEW,
            N_("Booking %(ref)s is already inside the park (a second entry?)"),
            ref=booking.reference,
        )
    if booking.status not in ("approved", "arrived"):
        return _fail(
            "booking",
            Decision.DENY,
            N_("Booking %(ref)s is %(status)s"),
            ref=booking.reference,
            status=Code(booking.status, "booking_status"),
        )
    return _pass(
        "booking",
        N_("Booking %(ref)s to %(destination)s"),
        ref=booking.reference,
        destination=booking.destination,
    )


def _rule_window(c: _Context) -> Check:
    booking = c.booking
    if booking is None:
        return _na("window", N_("No booking"))
    now = c.request.now
    window = {"start": booking.window_start.isoformat(), "end": booking.window_end.isoformat()}
    if now < booking.window_start - c.rules.early_tolerance:
        return _fail(
            "window",
            Decision.HOLD,
            N_("Early: the window opens at %(start)s; wait in the holding lot"),
            window,
            start=c.rules.hhmm(booking.window_start),
        )
    if now > booking.window_end + c.rules.late_tolerance:
        return _fail(
            "window",
            Decision.REVIEW,
            N_("Late: the window closed at %(end)s"),
            window,
            end=c.rules.hhmm(booking.window_end),
        )
    return _pass(
        "window",
        N_("Within the window %(start)s-%(end)s"),
        start=c.rules.hhmm(booking.window_start),
        end=c.rules.hhmm(booking.window_end),
    )


def _hazmat_only(code: str) -> Callable[[Callable[[_Context], Check]], Callable[[_Context], Check]]:
    """A rule that applies only to vehicles carrying dangerous goods above the small-load
    threshold, as booked."""

    def wrap(rule: Callable[[_Context], Check]) -> Callable[[_Context], Check]:
        @functools.wraps(rule)
        def checked(c: _Context) -> Check:
            if c.booking is None or not c.dangerous:
                return _na(code, N_("No dangerous goods booked"))
            if c.small_load:
                return _na(code, N_("Small load under the ADR 1.1.3.6 threshold"))
            return rule(c)

        return checked

    return wrap


@_hazmat_only("dg_permit")
def _rule_dg_permit(c: _Context) -> Check:
    vehicle = c.units()[0] if c.units() else None
    if vehicle is None:
        return _na("dg_permit", N_("No registered vehicle"))
    problem = _document_problem(N_("permit"), vehicle.dg_permit_expiry, c.today, vehicle.plate)
    if problem:
        return _fail(
            "dg_permit",
            Decision.DENY,
            N_("Dangerous-goods transport permit: %(problem)s"),
            {"expires": str(vehicle.dg_permit_expiry)},
            problem=problem,
        )
    return _pass("dg_permit", N_("Dangerous-goods transport permit valid"))


@_hazmat_only("adr_approval")
def _rule_adr_approval(c: _Context) -> Check:
    needed = required_approval(c.dangerous)
    if needed is None:
        return _na("adr_approval", N_("No certificate of approval needed for this cargo"))
    problems = []
    for vehicle in c.units():
        if vehicle.is_trailer and vehicle.kind != "tank_trailer":
            continue
        if vehicle.adr_approval not in needed:
            problems.append(
                phrase(
                    N_("%(plate)s: %(held)s (needs %(needed)s)"),
                    plate=vehicle.plate,
                    held=vehicle.adr_approval or phrase(N_("no certificate")),
                    needed="/".join(sorted(needed)),
                )
            )
            continue
        problem = _document_problem(
            N_("certificate"), vehicle.adr_certificate_expiry, c.today, vehicle.plate
        )
        if problem:
            problems.append(problem)
    if problems:
        return _fail(
            "adr_approval",
            Decision.DENY,
            N_("ADR certificate of approval: %(problems)s"),
            {"needed": sorted(needed)},
            problems=tuple(problems),
        )
    return _pass(
        "adr_approval",
        N_("ADR certificate of approval %(types)s valid"),
        types="/".join(sorted(needed)),
    )


@_hazmat_only("tank_inspection")
def _rule_tank_inspection(c: _Context) -> Check:
    if not any(line.packaging == "tank" for line in c.dangerous):
        return _na("tank_inspection", N_("Not carried in a tank"))
    units = c.units()
    tanks = [v for v in units if v.kind in ("tank_trailer", "tanker")] or units[-1:]
    problems = []
    for vehicle in tanks:
        problem = _document_problem(
            N_("tank inspection"), vehicle.tank_inspection_expiry, c.today, vehicle.plate
        )
        if problem:
            problems.append(problem)
    if problems:
        return _fail(
            "tank_inspection",
            Decision.DENY,
            N_("Tank inspection: %(problems)s"),
            problems=tuple(problems),
        )
    return _pass("tank_inspection", N_("Tank inspection valid"))


def _qualified(
    person: PersonRecord, kinds: tuple[str, ...], classes: set[str], today: date, tank: bool
) -> Phrase | None:
    """Why the person is not qualified, or None."""
    name = person.name
    if person.standing in ("blacklisted", "suspended"):
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


def _classes(c: _Context) -> set[str]:
    return {line.hazard_class for line in c.dangerous if line.hazard_class}


@_hazmat_only("driver")
def _rule_driver(c: _Context) -> Check:
    assert c.booking is not None
    tank = any(line.packaging == "tank" for line in c.dangerous)
    problem = _qualified(
        c.booking.driver, ("adr_driver", "dg_driver_cn"), _classes(c), c.today, tank
    )
    if problem:
        return _fail(
            "driver",
            Decision.DENY,
            N_("Driver: %(problem)s"),
            {"driver": c.booking.driver.name},
            problem=problem,
        )
    return _pass("driver", N_("Driver %(name)s qualified"), name=c.booking.driver.name)


@_hazmat_only("escort")
def _rule_escort(c: _Context) -> Check:
    assert c.booking is not None
    escort = c.booking.escort
    if escort is None:
        if c.rules.escort_required_for_hazmat:
            return _fail("escort", Decision.DENY, N_("No escort booked (required for hazmat)"))
        return _na("escort", N_("No escort required"))
    problem = _qualified(escort, ("escort",), set(), c.today, tank=False)
    if problem:
        return _fail("escort", Decision.DENY, N_("Escort: %(problem)s"), problem=problem)
    return _pass("escort", N_("Escort %(name)s qualified"), name=escort.name)


@_hazmat_only("crew")
def _rule_crew(c: _Context) -> Check:
    if not c.rules.crew_check_required_for_hazmat:
        return _na("crew", N_("Crew check at the gate not required"))
    crew = c.request.crew
    if crew is None:
        return _fail(
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
    if not crew.ids_checked:
        missing.append(phrase(N_("ID check")))
    if missing:
        return _fail(
            "crew", Decision.REVIEW, N_("Crew: missing %(missing)s"), missing=tuple(missing)
        )
    return _pass(
        "crew", N_("Crew present, IDs checked (%(persons)s persons)"), persons=crew.persons
    )


@_hazmat_only("waybill")
def _rule_waybill(c: _Context) -> Check:
    assert c.booking is not None
    booking = c.booking
    if not booking.waybill_number:
        if c.rules.waybill_required_for_hazmat:
            return _fail("waybill", Decision.REVIEW, N_("No waybill on the booking"))
        return _na("waybill", N_("No waybill required"))
    scanned = c.request.waybill
    if scanned is None:
        return _pass(
            "waybill", N_("Waybill %(number)s on the booking"), number=booking.waybill_number
        )
    problems = []
    if scanned.number.strip().upper() != booking.waybill_number.strip().upper():
        problems.append(
            phrase(
                N_("number %(number)s is not %(booked)s"),
                number=scanned.number,
                booked=booking.waybill_number,
            )
        )
    if scanned.plate and c.match.vehicle is not None:
        plates = [v.plate for v in c.units()] or [c.match.vehicle.plate]
        if all(compare_plates(scanned.plate, p) is MatchQuality.NONE for p in plates):
            problems.append(phrase(N_("plate %(plate)s"), plate=scanned.plate))
    if scanned.day is not None and scanned.day != c.today:
        problems.append(phrase(N_("dated %(day)s"), day=scanned.day.isoformat()))
    if scanned.destination and scanned.destination.strip().upper() != booking.destination.upper():
        problems.append(phrase(N_("destination %(destination)s"), destination=scanned.destination))
    booked_un = {line.un_number for line in c.dangerous}
    if scanned.un_numbers and set(scanned.un_numbers) != booked_un:
        problems.append(phrase(N_("goods UN %(un)s"), un=", ".join(scanned.un_numbers)))
    if problems:
        return _fail(
            "waybill",
            Decision.DENY,
            N_("Waybill does not match the booking: %(problems)s"),
            problems=tuple(problems),
        )
    return _pass("waybill", N_("Waybill %(number)s matches the booking"), number=scanned.number)


def _rule_orange_plate(c: _Context) -> Check:
    reads = c.request.reads
    if not c.dangerous:
        if reads.orange_plate_seen:
            return _fail(
                "orange_plate",
                Decision.REVIEW,
                N_("Orange plate %(hin)s/%(un)s seen but no dangerous goods booked"),
                hin=reads.hin or "?",
                un=reads.un or "?",
            )
        if c.booking is None:
            return _na("orange_plate", N_("No booking"))
        return _pass("orange_plate", N_("No dangerous goods, no orange plate"))
    if c.small_load and not reads.orange_plate_seen:
        return _pass(
            "orange_plate",
            N_("Small load (%(points)s points, under %(limit)s): no orange plate needed"),
            points=int(c.points),
            limit=c.rules.small_load_points_threshold,
        )
    if not c.request.reads.orange_plate_seen:
        if not c.booking or not c.booking.in_tank_or_bulk:
            # Packaged goods show a plain orange plate, which carries no numbers to read.
            return _fail(
                "orange_plate",
                Decision.REVIEW,
                N_("Packaged dangerous goods: the guard confirms the plain orange plates"),
            )
        return _fail(
            "orange_plate",
            Decision.REVIEW,
            N_("Dangerous goods booked but no orange plate seen"),
            {"booked_un": [line.un_number for line in c.dangerous]},
        )
    return _hazard_numbers(c)


def _hazard_numbers(c: _Context) -> Check:
    reads = c.request.reads
    confident = reads.hazard_confidence >= c.rules.hazard_confidence_threshold
    effect = Decision.DENY if confident else Decision.REVIEW
    by_un = {line.un_number: line for line in c.dangerous}
    evidence = {
        "read": {"hin": reads.hin, "un": reads.un, "confidence": reads.hazard_confidence},
        "booked": {un: list(line.hazard_id_numbers) for un, line in by_un.items()},
    }
    if not reads.un:
        return _fail(
            "orange_plate", Decision.REVIEW, N_("Orange plate seen, UN number not read"), evidence
        )
    line = by_un.get(reads.un)
    if line is None:
        return _fail(
            "orange_plate",
            effect,
            N_("UN %(un)s on the orange plate is not booked (booked: %(booked)s)"),
            evidence,
            un=reads.un,
            booked=", ".join(sorted(str(u) for u in by_un)),
        )
    if line.hazard_id_numbers and reads.hin not in line.hazard_id_numbers:
        return _fail(
            "orange_plate",
            effect,
            N_("HIN %(hin)s does not belong to UN %(un)s (expected %(expected)s)"),
            evidence,
            hin=reads.hin or "?",
            un=reads.un,
            expected="/".join(line.hazard_id_numbers),
        )
    return _pass(
        "orange_plate",
        N_("Orange plate %(hin)s/%(un)s matches the booking"),
        hin=reads.hin or "-",
        un=reads.un,
    )


def _rule_capacity(c: _Context) -> Check:
    if c.booking is None:
        return _na("capacity", N_("No booking"))
    o = c.request.occupancy
    full = []
    if c.hazmat and o.hazmat_capacity is not None and o.hazmat_inside >= o.hazmat_capacity:
        full.append(
            phrase(
                N_("hazmat vehicles in the park %(n)s/%(capacity)s"),
                n=o.hazmat_inside,
                capacity=o.hazmat_capacity,
            )
        )
    if o.zone_capacity is not None and o.zone_vehicles >= o.zone_capacity:
        full.append(
            phrase(
                N_("zone %(zone)s %(n)s/%(capacity)s"),
                zone=o.zone_code,
                n=o.zone_vehicles,
                capacity=o.zone_capacity,
            )
        )
    if c.hazmat and o.zone_hazmat_capacity is not None and o.zone_hazmat >= o.zone_hazmat_capacity:
        full.append(
            phrase(
                N_("hazmat in zone %(zone)s %(n)s/%(capacity)s"),
                zone=o.zone_code,
                n=o.zone_hazmat,
                capacity=o.zone_hazmat_capacity,
            )
        )
    if o.dock_slots is not None and o.dock_in_use >= o.dock_slots:
        full.append(
            phrase(
                N_("dock %(dock)s %(n)s/%(capacity)s"),
                dock=o.dock_code,
                n=o.dock_in_use,
                capacity=o.dock_slots,
            )
        )
    if full:
        return _fail(
            "capacity",
            Decision.HOLD,
            N_("Full: %(what)s; wait in the holding lot"),
            what=tuple(full),
        )
    classes = _classes(c)
    if c.hazmat and o.zone_allowed_classes is not None:
        refused = sorted(classes - set(o.zone_allowed_classes))
        if refused:
            return _fail(
                "capacity",
                Decision.DENY,
                N_("Zone %(zone)s does not admit class %(classes)s"),
                zone=o.zone_code or "?",
                classes=", ".join(refused),
            )
    return _pass("capacity", N_("Room in the park, zone and dock"))


def _rule_route(c: _Context) -> Check:
    if c.booking is None or not c.dangerous:
        return _na("route", N_("No dangerous goods on a route"))
    if not c.booking.route:
        return _na("route", N_("No route planned"))
    classes = _classes(c)
    tank_or_bulk = c.booking.in_tank_or_bulk
    problems = []
    for edge in c.booking.route:
        barred = classes & set(edge.forbidden_hazard_classes)
        if barred:
            problems.append(
                phrase(
                    N_("%(edge)s forbids class %(classes)s"),
                    edge=edge.name,
                    classes=", ".join(sorted(barred)),
                )
            )
        if edge.tunnel_category:
            for line in c.dangerous:
                if edge.tunnel_category in forbidden_tunnels(line.tunnel_code, tank_or_bulk):
                    problems.append(
                        phrase(
                            N_("%(edge)s: tunnel %(tunnel)s closed to UN %(un)s (%(code)s)"),
                            edge=edge.name,
                            tunnel=edge.tunnel_category,
                            un=line.un_number,
                            code=line.tunnel_code,
                        )
                    )
    if problems:
        return _fail(
            "route",
            Decision.REVIEW,
            N_("Planned route not allowed: %(problems)s"),
            problems=tuple({english(p): p for p in sorted(problems, key=english)}.values()),
        )
    return _pass("route", N_("Planned route allowed for this cargo"))


ENTRY_RULES: tuple[Callable[[_Context], Check], ...] = (
    _rule_lane,
    _rule_plate_read,
    _rule_plate_match,
    _rule_standing,
    _rule_booking,
    _rule_window,
    _rule_dg_permit,
    _rule_adr_approval,
    _rule_tank_inspection,
    _rule_driver,
    _rule_escort,
    _rule_crew,
    _rule_waybill,
    _rule_orange_plate,
    _rule_capacity,
    _rule_route,
)


# --- exit --------------------------------------------------------------------------------


def decide_exit(request: ExitRequest) -> GateDecision:
    """Exit: the vehicle must be recorded inside; a stay beyond the maximum is flagged
    (the vehicle still leaves: keeping it in would not help)."""
    lane = request.lane
    reads = request.reads
    inside = {p.vehicle_id: p for p in request.presences}
    match = match_plate(reads, request.vehicles)
    checks: list[Check] = []
    if lane.direction == "in":
        checks.append(
            _fail("lane", Decision.DENY, N_("Lane %(lane)s is an entry lane"), lane=lane.code)
        )
    elif not lane.is_open:
        checks.append(_fail("lane", Decision.REVIEW, N_("Lane %(lane)s is closed"), lane=lane.code))
    else:
        checks.append(_pass("lane", N_("Exit lane %(lane)s"), lane=lane.code))
    checks.append(_plate_read(reads, request.rules.plate_confidence_threshold))
    presence = inside.get(match.vehicle.id) if match.vehicle else None
    if match.vehicle is None:
        checks.append(
            _fail(
                "inside",
                Decision.REVIEW,
                N_("Plate %(plate)s is not a registered vehicle"),
                match.to_dict(),
                plate=reads.plate or "?",
            )
        )
    elif presence is None:
        checks.append(
            _fail(
                "inside",
                Decision.REVIEW,
                N_("%(plate)s is not recorded inside the park"),
                plate=match.vehicle.plate,
            )
        )
    else:
        checks.append(
            _pass(
                "inside",
                N_("%(plate)s inside since %(since)s"),
                plate=match.vehicle.plate,
                since=request.rules.hhmm(presence.entered_at),
            )
        )
    if presence is not None:
        stay = request.now - presence.entered_at
        minutes = int(stay.total_seconds() // 60)
        if stay > request.rules.max_stay:
            checks.append(
                _warn(
                    "stay",
                    N_("Overstay: %(minutes)s min inside (maximum %(limit)s min)"),
                    {"entered_at": presence.entered_at.isoformat()},
                    minutes=minutes,
                    limit=int(request.rules.max_stay.total_seconds() // 60),
                )
            )
        else:
            checks.append(_pass("stay", N_("Stay %(minutes)s min"), minutes=minutes))
    else:
        checks.append(_na("stay", N_("No recorded entry")))
    return GateDecision(combine(checks), tuple(checks), match)
