"""Identity rules: the lane suits the vehicle, the plate is read and matches a registered
vehicle, the vehicle is not blacklisted or suspended."""

from __future__ import annotations

from collections.abc import Sequence

from gatekeeper.domain.gate.context import Context
from gatekeeper.domain.gate.decision import (
    LOW_CONFIDENCE,
    Check,
    Decision,
    PlateMatch,
    check_fail,
    check_na,
    check_pass,
    check_warn,
)
from gatekeeper.domain.gate.records import (
    DANGEROUS_GOODS_LANES,
    LaneKindValue,
    Reads,
    VehicleRecord,
)
from gatekeeper.domain.messages import N_, Code
from gatekeeper.domain.plates import MatchQuality, compare_plates
from gatekeeper.domain.standing import barred_on


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


def rule_lane(c: Context) -> Check:
    lane = c.request.lane
    if not lane.is_open:
        return check_fail("lane", Decision.REVIEW, N_("Lane %(lane)s is closed"), lane=lane.code)
    if lane.direction == "out":
        return check_fail(
            "lane", Decision.DENY, N_("Lane %(lane)s is an exit lane"), lane=lane.code
        )
    if lane.kind == LaneKindValue.PEDESTRIAN:
        return check_fail(
            "lane", Decision.DENY, N_("Lane %(lane)s is for pedestrians"), lane=lane.code
        )
    if c.hazmat and lane.kind not in DANGEROUS_GOODS_LANES:
        return check_fail(
            "lane",
            Decision.DENY,
            N_("Dangerous goods enter only through a hazmat lane, not %(lane)s"),
            {"lane_kind": lane.kind},
            lane=lane.code,
        )
    return check_pass("lane", N_("Lane %(lane)s suits the vehicle"), lane=lane.code)


def plate_read_check(reads: Reads, threshold: float) -> Check:
    """Was the plate read well enough to go on without the guard (entry and exit)?"""
    if not reads.plate:
        return check_fail("plate_read", Decision.REVIEW, N_("No plate read: the guard enters it"))
    if reads.confirmed_by_guard:
        return check_pass(
            "plate_read", N_("Plate %(plate)s entered by the guard"), plate=reads.plate
        )
    if reads.plate_confidence < threshold:
        return check_fail(
            "plate_read",
            Decision.REVIEW,
            LOW_CONFIDENCE,
            {"threshold": threshold},
            plate=reads.plate,
            confidence=f"{reads.plate_confidence:.2f}",
        )
    return check_pass(
        "plate_read",
        N_("Plate %(plate)s read (confidence %(confidence)s)"),
        plate=reads.plate,
        confidence=f"{reads.plate_confidence:.2f}",
    )


def rule_plate_read(c: Context) -> Check:
    return plate_read_check(c.request.reads, c.rules.plate_confidence_threshold)


def rule_plate_match(c: Context) -> Check:
    match = c.match
    if not c.request.reads.plate:
        return check_na("plate_match", N_("No plate to match"))
    evidence = match.to_dict()
    if match.vehicle is None:
        return check_fail(
            "plate_match",
            Decision.REVIEW,
            N_("Plate %(plate)s is not a registered vehicle"),
            evidence,
            plate=c.request.reads.plate,
        )
    if match.quality is MatchQuality.PARTIAL and not c.request.reads.confirmed_by_guard:
        return check_fail(
            "plate_match",
            Decision.REVIEW,
            N_("Read %(read)s resembles registered %(plate)s: the guard confirms"),
            evidence,
            read=c.request.reads.plate,
            plate=match.vehicle.plate,
        )
    read_colour = c.request.reads.plate_colour
    registered_colour = match.vehicle.plate_colour
    if read_colour and registered_colour and read_colour != registered_colour:
        # A plate of another colour with the same characters may be a cloned plate.
        return check_warn(
            "plate_match",
            N_(
                "Registered vehicle %(plate)s, but its plate is %(registered)s and a "
                "%(read)s plate was read: the guard looks at it"
            ),
            evidence,
            plate=match.vehicle.plate,
            registered=Code(registered_colour, "plate_colour"),
            read=Code(read_colour, "plate_colour"),
        )
    return check_pass(
        "plate_match",
        N_("Registered vehicle %(plate)s (%(quality)s match)"),
        plate=match.vehicle.plate,
        quality=Code(match.quality.value, "match"),
    )


def rule_standing(c: Context) -> Check:
    units = c.units()
    if not units:
        return check_na("standing", N_("No registered vehicle"))
    for vehicle in units:
        if barred_on(vehicle.standing, vehicle.standing_until, c.today):
            until = vehicle.standing_until.isoformat() if vehicle.standing_until else None
            return check_fail(
                "standing",
                Decision.DENY,
                N_("Vehicle %(plate)s is %(standing)s until %(day)s: %(why)s")
                if until
                else N_("Vehicle %(plate)s is %(standing)s: %(why)s"),
                {"until": until},
                plate=vehicle.plate,
                standing=Code(vehicle.standing, "standing"),
                why=vehicle.standing_reason or "-",
                **({"day": until} if until else {}),
            )
    return check_pass("standing", N_("Not blacklisted or suspended"))
