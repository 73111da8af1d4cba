"""What every entry rule looks at: the request, the matched vehicle, its booking and the
dangerous goods on it; and the helpers rules share."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from gatekeeper.domain.gate.decision import Check, PlateMatch, check_na
from gatekeeper.domain.gate.records import (
    BookingRecord,
    CargoRecord,
    EntryRequest,
    Rules,
    VehicleRecord,
)
from gatekeeper.domain.messages import N_, Phrase, phrase


def booking_for(
    vehicle: VehicleRecord | None, bookings: Sequence[BookingRecord]
) -> BookingRecord | None:
    if vehicle is None:
        return None
    mine = [b for b in bookings if vehicle.id in (b.vehicle_id, b.trailer_id)]
    # An active booking first (approved, arrived, inside), then the earliest window.
    order = {"arrived": 0, "approved": 1, "inside": 2, "accepted": 3, "requested": 4}
    mine.sort(key=lambda b: (order.get(b.status, 9), b.window_start))
    return mine[0] if mine else None


@dataclass(frozen=True)
class Context:
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


def hazmat_only(code: str) -> Callable[[Callable[[Context], Check]], Callable[[Context], Check]]:
    """A rule that applies only to vehicles carrying dangerous goods above the small-load
    threshold, as booked."""

    def wrap(rule: Callable[[Context], Check]) -> Callable[[Context], Check]:
        @functools.wraps(rule)
        def checked(c: Context) -> Check:
            if c.booking is None or not c.dangerous:
                return check_na(code, N_("No dangerous goods booked"))
            if c.small_load:
                return check_na(code, N_("Small load under the ADR 1.1.3.6 threshold"))
            return rule(c)

        return checked

    return wrap


def hazard_classes(c: Context) -> set[str]:
    return {line.hazard_class for line in c.dangerous if line.hazard_class}


def document_problem(document: str, expires: date | None, today: date, plate: str) -> Phrase | None:
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
