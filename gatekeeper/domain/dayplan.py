"""The day plan: bookings as bars on a timeline per dock or per gate, with the conflicts a
dispatcher must see (a dock booked beyond its places, a vehicle or a person booked twice at
once). Pure functions: slots in, rows and conflicts out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gatekeeper.domain.messages import N_, Phrase, phrase


@dataclass(frozen=True)
class Slot:
    id: int
    reference: str
    start: datetime
    end: datetime
    dock: str
    dock_slots: int  # bookings the dock takes per hour (as when booking)
    units: tuple[int, ...] = ()  # vehicle and trailer ids
    people: tuple[int, ...] = ()  # driver and escort ids


def _overlap(a: Slot, b: Slot) -> bool:
    return a.start < b.end and b.start < a.end


def conflicts(slots: Sequence[Slot]) -> dict[int, list[Phrase]]:
    """Per booking id, why it conflicts with the others (empty: it does not)."""
    found: dict[int, list[Phrase]] = defaultdict(list)
    by_dock: dict[str, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_dock[slot.dock].append(slot)
    for dock, group in by_dock.items():
        for slot in group:
            # As a booking is checked when it is made: the bookings at the dock whose
            # windows overlap this one's, against the dock's slots over the window.
            count = sum(1 for other in group if _overlap(slot, other))
            hours = max(1, int((slot.end - slot.start).total_seconds() // 3600))
            if count > slot.dock_slots * hours:
                found[slot.id].append(
                    phrase(
                        N_("dock %(dock)s: %(count)s bookings in this window for %(slots)s slots"),
                        dock=dock,
                        count=count,
                        slots=slot.dock_slots * hours,
                    )
                )
    for slot in slots:
        for other in slots:
            if other.id == slot.id or not _overlap(slot, other):
                continue
            if set(slot.units) & set(other.units):
                found[slot.id].append(
                    phrase(N_("vehicle also booked in %(reference)s"), reference=other.reference)
                )
            if set(slot.people) & set(other.people):
                found[slot.id].append(
                    phrase(N_("crew also booked in %(reference)s"), reference=other.reference)
                )
    return dict(found)


@dataclass
class Row:
    """One dock or gate on the timeline; ``tracks``: bars stacked so none overlap."""

    name: str
    tracks: list[list[Slot]] = field(default_factory=list)


def stack(name: str, slots: Iterable[Slot]) -> Row:
    row = Row(name)
    for slot in sorted(slots, key=lambda s: (s.start, s.end)):
        for track in row.tracks:
            if track[-1].end <= slot.start:
                track.append(slot)
                break
        else:
            row.tracks.append([slot])
    return row
