"""Checking a booking when it is made, with the gate's own rules.

A booking is refused when the gate would refuse the vehicle on the booked day: the same
rules (vehicle documents suited to the cargo, driver's and escort's certificates) run on
the booking as the gate will run them, so a booking that is accepted is one that can pass.
Each failure is reported at the field it is about. The checks that only a booking has (the
tank approved for the goods, the destination zone's classes, the ADR 1.1.3.6 points) are
here too. Pure functions: records in, messages out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from gatekeeper.domain.gate.adr import small_load_points
from gatekeeper.domain.gate.context import Context
from gatekeeper.domain.gate.decision import Check, PlateMatch
from gatekeeper.domain.gate.records import (
    BookingRecord,
    EntryRequest,
    LaneInfo,
    Reads,
    Rules,
    VehicleRecord,
)
from gatekeeper.domain.gate.rules.crew import rule_driver, rule_escort
from gatekeeper.domain.gate.rules.documents import (
    rule_adr_approval,
    rule_dg_permit,
    rule_tank_inspection,
)
from gatekeeper.domain.messages import N_, Phrase, phrase
from gatekeeper.domain.plates import MatchQuality

# The gate's rules that a booking must already pass, and the field each one is about.
GATE_RULES: tuple[tuple[Callable[[Context], Check], str], ...] = (
    (rule_dg_permit, "vehicle_id"),
    (rule_adr_approval, "vehicle_id"),
    (rule_tank_inspection, "vehicle_id"),
    (rule_driver, "driver_id"),
    (rule_escort, "escort_id"),
)


@dataclass(frozen=True)
class BookingCheck:
    """Per field, why the booking cannot be made; and the load's ADR 1.1.3.6 points."""

    errors: dict[str, Phrase]
    points: float
    orange_plates: bool  # the load is over the small-load threshold


def check_booking(
    booking: BookingRecord,
    vehicles: Sequence[VehicleRecord],
    day: date,
    rules: Rules,
    tank_approved: Sequence[str] = (),
    zone_classes: Sequence[str] | None = None,
) -> BookingCheck:
    """The gate's rules on the booked day, the tank's approval for the goods (UN numbers
    or classes; empty: not registered), the destination zone's admitted classes."""
    dangerous = booking.dangerous_cargo
    points = small_load_points(dangerous) if dangerous else 0.0
    small_load = bool(dangerous) and points < rules.small_load_points_threshold
    hazmat = bool(dangerous) and not small_load
    request = EntryRequest(
        lane=LaneInfo(code="booking", kind="hazmat", direction="in"),
        now=booking.window_start,
        today=day,
        reads=Reads(plate=None),
        vehicles=tuple(vehicles),
        bookings=(booking,),
        rules=rules,
    )
    motor = next((v for v in vehicles if v.id == booking.vehicle_id), None)
    match = PlateMatch(motor, MatchQuality.EXACT, motor.plate if motor else None)
    context = Context(request, match, booking, dangerous, small_load, points, hazmat)
    errors: dict[str, Phrase] = {}
    for rule, field in GATE_RULES:
        check = rule(context)
        if check.failed and field not in errors:
            errors[field] = Phrase(check.template, dict(check.params))
    tanked = [line for line in dangerous if line.packaging == "tank"]
    if tanked and tank_approved:
        allowed = set(tank_approved)
        for line in tanked:
            hazard_class = line.hazard_class or ""
            if not {line.un_number, hazard_class, hazard_class.split(".")[0]} & allowed:
                errors.setdefault(
                    "vehicle_id",
                    phrase(
                        N_("the tank is not approved for UN %(un)s"),
                        un=line.un_number or "?",
                    ),
                )
    if hazmat and rules.hazmat_hours is not None:
        # The whole window within the hours: a vehicle on time is never refused for them.
        start, end = rules.hazmat_hours
        hours = phrase(
            N_("hazmat vehicles enter the park only from %(from)s to %(until)s"),
            **rules.hazmat_hours_shown(),
        )
        opening = rules.local_time(booking.window_start)
        if opening < start or opening > end:
            errors.setdefault("window_start", hours)
        closing = rules.local_time(booking.window_end)
        if rules.day(booking.window_end) != rules.day(booking.window_start) or closing > end:
            errors.setdefault("window_end", hours)
    if zone_classes is not None:
        admitted = set(zone_classes)
        for line in dangerous:
            hazard_class = line.hazard_class or ""
            if hazard_class and not {hazard_class, hazard_class.split(".")[0]} & admitted:
                errors.setdefault(
                    "dock_id",
                    phrase(
                        N_("the destination zone does not admit class %(cls)s"),
                        cls=hazard_class,
                    ),
                )
    return BookingCheck(errors, points, hazmat)
