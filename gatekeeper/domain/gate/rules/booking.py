"""Booking rules: an approved booking for today, and its time window."""

from __future__ import annotations

from gatekeeper.domain.expiry import registration_holds
from gatekeeper.domain.gate.context import Context
from gatekeeper.domain.gate.decision import Check, Decision, check_fail, check_na, check_pass
from gatekeeper.domain.gate.records import VehicleRecord
from gatekeeper.domain.messages import N_, Code


def rule_booking(c: Context) -> Check:
    if c.match.vehicle is None:
        return check_na("booking", N_("No registered vehicle to look up a booking for"))
    booking = c.booking
    if booking is None:
        return _registered_or_none(c, c.match.vehicle)
    if booking.status in ("requested", "accepted"):
        return check_fail(
            "booking",
            Decision.DENY,
            N_("Booking %(ref)s is not approved"),
            ref=booking.reference,
        )
    if booking.status == "inside":
        return check_fail(
            "booking",
            Decision.REVIEW,
            N_("Booking %(ref)s is already inside the park (a second entry?)"),
            ref=booking.reference,
        )
    if booking.status not in ("approved", "arrived"):
        return check_fail(
            "booking",
            Decision.DENY,
            N_("Booking %(ref)s is %(status)s"),
            ref=booking.reference,
            status=Code(booking.status, "booking_status"),
        )
    return check_pass(
        "booking",
        N_("Booking %(ref)s to %(destination)s"),
        ref=booking.reference,
        destination=booking.destination,
    )


def _registered_or_none(c: Context, vehicle: VehicleRecord) -> Check:
    """No booking: a park company's own vehicle comes in on its yearly registration while
    it holds; any other needs a booking."""
    until = vehicle.registered_until
    if until is None:
        return check_fail(
            "booking", Decision.DENY, N_("No booking today for %(plate)s"), plate=vehicle.plate
        )
    evidence = {"registered_until": until.isoformat()}
    if not registration_holds(until, c.today):
        return check_fail(
            "booking",
            Decision.DENY,
            N_("No booking today for %(plate)s, and its registration ended on %(day)s"),
            evidence,
            plate=vehicle.plate,
            day=until.isoformat(),
        )
    return check_pass(
        "booking",
        N_("Vehicle of %(owner)s, registered until %(day)s"),
        owner=vehicle.owner or "-",
        day=until.isoformat(),
    )


def rule_window(c: Context) -> Check:
    booking = c.booking
    if booking is None:
        return check_na("window", N_("No booking"))
    now = c.request.now
    window = {"start": booking.window_start.isoformat(), "end": booking.window_end.isoformat()}
    if now < booking.window_start - c.rules.early_tolerance:
        return check_fail(
            "window",
            Decision.HOLD,
            N_("Early: the window opens at %(start)s; wait in the holding lot"),
            window,
            start=c.rules.hhmm(booking.window_start),
        )
    if now > booking.window_end + c.rules.late_tolerance:
        return check_fail(
            "window",
            Decision.REVIEW,
            N_("Late: the window closed at %(end)s"),
            window,
            end=c.rules.hhmm(booking.window_end),
        )
    return check_pass(
        "window",
        N_("Within the window %(start)s-%(end)s"),
        start=c.rules.hhmm(booking.window_start),
        end=c.rules.hhmm(booking.window_end),
    )


def rule_hazmat_hours(c: Context) -> Check:
    """Hazmat vehicles enter only in the park's hours: before them they wait in the holding
    lot, after them they are refused (no night entries; the guard may override)."""
    hours = c.rules.hazmat_hours
    if hours is None or not c.hazmat:
        return check_na("hours", N_("No entry hours for this vehicle"))
    start, end = hours
    at = c.rules.local_time(c.request.now)
    shown = c.rules.hazmat_hours_shown()
    if at < start:
        return check_fail(
            "hours",
            Decision.HOLD,
            N_("Hazmat vehicles enter from %(from)s; wait in the holding lot"),
            shown,
            **shown,
        )
    if at >= end:
        return check_fail(
            "hours",
            Decision.DENY,
            N_("Hazmat vehicles enter only from %(from)s to %(until)s"),
            shown,
            **shown,
        )
    return check_pass("hours", N_("Within the hazmat entry hours %(from)s-%(until)s"), **shown)
