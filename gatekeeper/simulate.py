"""``flask simulate day``: replay a day of the park through the real services, for demos
and for the dashboard's browser test. Today's approved bookings arrive at the hazmat lane
in their windows (their crew checked, the barrier opening), pass the checkpoints of their
route at a legal pace, unload at their dock and leave; employees and contractors badge in
and out on foot, the visitor is checked in at the kiosk. One truck strays off its route and
one speeds, so that the manager has alerts to handle.

Each event happens at its simulated time (``time-machine`` moves the clock of this process
only), so decisions, windows, stays and speeds are judged as on the day; ``speed`` is how
many simulated seconds pass per real second (0: as fast as possible)."""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from camera_adapters.wire import AnprEvent
from gatekeeper.domain.expiry import registration_holds
from gatekeeper.domain.standing import barred_on
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    BookingStatus,
    Checkpoint,
    Lane,
    LaneDirection,
    LaneKind,
    Person,
    Role,
    Standing,
    Station,
    User,
    Vehicle,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import gate, inventory, people, tracking
from gatekeeper.services.captures import accept_event
from gatekeeper.services.clock import day_bounds, park_today

log = logging.getLogger(__name__)

PACE = 1.4  # slower than the speed limits (a legal pace)
UNLOADING = timedelta(minutes=50)
STAFF = ("EMP-0001", "EMP-0002", "EMP-0003", "EMP-0004", "CTR-0001", "CTR-0002")
NIGHT_SHIFT = "EMP-0004"  # still inside at the end of the day (the roll call has someone)


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    what: str = field(compare=False)
    run: Callable[[], None] = field(compare=False, repr=False)


@dataclass
class Tally:
    events: int = 0
    skipped: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class Simulation:
    def __init__(self) -> None:
        self.seq = itertools.count()
        self.queue: list[Event] = []
        self.guard = db.session.scalar(select(User).where(User.role == Role.GUARD))
        self.dispatcher = db.session.scalar(select(User).where(User.role == Role.ADMIN))
        self.road_station = self._station("ST-ROAD")
        # When each dock is free again: a truck is called in once its dock is free, as a
        # dispatcher would (one arriving at a taken dock waits in the holding lot).
        self.dock_free: dict[int, datetime] = {}

    @staticmethod
    def _station(code: str) -> Station:
        station = db.session.scalar(select(Station).where(Station.code == code))
        if station is None:
            raise RuntimeError(f"station {code} missing: run `flask demo` first")
        return station

    def at(self, moment: datetime, what: str, run: Callable[[], None]) -> None:
        heapq.heappush(self.queue, Event(moment, next(self.seq), what, run))

    # --- vehicles ----------------------------------------------------------------------

    def plan_booking(self, booking: Booking, index: int, last: bool) -> None:
        """Entry by the gate its route starts at, the checkpoints at a legal pace, the
        unloading, the exit by the gate it ends at (the last one of the day stays)."""
        entry = booking.window_start + timedelta(minutes=5 + 7 * (index % 4))
        ref, plate = booking.reference, booking.vehicle.plate
        stops = list(booking.route)
        if len(stops) < 2 or stops[0].node.gate is None or stops[-1].node.gate is None:
            return
        hazmat = bool(booking.dangerous_un_numbers)
        way_in = _lane_of(stops[0].node.gate.lanes, inwards=True, hazmat=hazmat)
        way_out = _lane_of(stops[-1].node.gate.lanes, inwards=False, hazmat=hazmat)
        if way_in is None or way_out is None:
            return
        dock_index = next(i for i, s in enumerate(stops) if s.node.dock_id is not None)
        # A dock counts a truck until it leaves the park. Evening demos book several trucks
        # for the day's last hours, two of them for one dock: the second is called in when
        # the first has left.
        visit = timedelta(seconds=sum((s.leg_s or 0) * PACE for s in stops[1:])) + UNLOADING
        entry = max(entry, self.dock_free.get(booking.dock_id, entry))
        self.dock_free[booking.dock_id] = entry + visit + timedelta(minutes=5)
        self.at(entry, "entry", lambda: self._enter(booking, way_in))
        elapsed = timedelta()
        for i, stop in enumerate(stops[1:], start=1):
            elapsed += timedelta(seconds=(stop.leg_s or 0) * PACE)
            if i == dock_index:
                if last:
                    break  # still unloading at the end of the day: loaded, at its dock
                unload_at = entry + elapsed + UNLOADING
                self.at(unload_at, "unloaded", lambda: self._unload(booking))
                elapsed += UNLOADING
                continue
            checkpoint = stop.node.checkpoint
            if checkpoint is None:
                continue
            seen_at = entry + elapsed
            if index == 2 and i == 1:
                seen_at = entry + timedelta(seconds=15)  # the speeding one
            self.at(seen_at, "sighting", self._sight(checkpoint, plate, seen_at, f"{ref}-{i}"))
        if index == 3:  # the stray one: seen on a road it has no business on
            stray = self._checkpoint("CP6")
            moment = entry + timedelta(minutes=15)
            self.at(moment, "sighting", self._sight(stray, plate, moment, f"{ref}-stray"))
        if not last:
            exit_at = entry + elapsed + timedelta(minutes=2)
            self.at(exit_at, "exit", lambda: self._leave(booking, way_out))

    def _checkpoint(self, code: str) -> Checkpoint:
        found = db.session.scalar(select(Checkpoint).where(Checkpoint.code == code))
        assert found is not None
        return found

    def _lane(self, code: str) -> Lane:
        found = db.session.scalar(select(Lane).where(Lane.code == code))
        assert found is not None
        return found

    def _station_for(self, lane: Lane) -> Station:
        station = db.session.scalar(select(Station).where(Station.lanes.contains(lane)))
        if station is None:
            raise RuntimeError(f"no station serves lane {lane.code}")
        return station

    def _enter(self, booking: Booking, lane: Lane) -> None:
        hin_un = _hazard(booking)
        event = AnprEvent(
            event_id=f"sim-{booking.reference}-in",
            plate=booking.vehicle.plate,
            confidence=0.96,
            hin=hin_un[0] if hin_un else None,
            un=hin_un[1] if hin_un else None,
            hazard_confidence=0.93 if hin_un else None,
            plate_colour=_colour(booking),
        )
        passage = accept_event(self._station_for(lane), lane, event).passage
        if passage.decision is not None and passage.decision.value == "review":
            gate.record_crew(
                passage,
                self.guard,
                driver_present=True,
                escort_present=booking.escort_id is not None,
                ids_checked=True,
                persons=2 if booking.escort_id else 1,
                waybill=booking.waybill_number,
            )
            db.session.commit()
        if gate.should_open(passage):
            gate.open_barrier(passage, self.guard)

    def _sight(
        self, checkpoint: Checkpoint, plate: str, moment: datetime, key: str
    ) -> Callable[[], None]:
        def run() -> None:
            tracking.record_sighting(
                self.road_station,
                checkpoint,
                tracking.SightingIn(f"sim-{key}", plate, 0.94, moment),
            )

        return run

    def _unload(self, booking: Booking) -> None:
        db.session.refresh(booking)
        if booking.status is BookingStatus.INSIDE and booking.dangerous_un_numbers:
            inventory.mark_unloaded(booking, self.dispatcher)
            db.session.commit()

    def _leave(self, booking: Booking, lane: Lane) -> None:
        event = AnprEvent(
            event_id=f"sim-{booking.reference}-out",
            plate=booking.vehicle.plate,
            confidence=0.95,
            plate_colour=_colour(booking),
        )
        passage = accept_event(self._station_for(lane), lane, event).passage
        if gate.should_open(passage):
            gate.open_barrier(passage, self.guard)

    def plan_barred(self, day_start: datetime) -> None:
        """Each vehicle barred today comes to G1-IN mid-morning and is refused (the guard's
        kiosk shows why; the manager's blacklist says so)."""
        today = park_today()
        barred = db.session.scalars(
            select(Vehicle).where(Vehicle.standing != Standing.ACTIVE).order_by(Vehicle.id)
        )
        for n, vehicle in enumerate(barred):
            if not barred_on(vehicle.standing.value, vehicle.standing_until, today):
                continue
            moment = day_start + timedelta(hours=10, minutes=40 + 10 * n)
            event = AnprEvent(
                event_id=f"sim-barred-{vehicle.id}-{today.isoformat()}",
                plate=vehicle.plate,
                confidence=0.95,
                plate_colour=vehicle.plate_colour.value if vehicle.plate_colour else None,
            )
            self.at(moment, "refused", self._pass(self._lane("G1-IN"), event))

    def plan_park_vehicles(self, day_start: datetime) -> None:
        """The park companies' own vehicles come in early without a booking and leave in
        the evening; one whose registration has ended is refused."""
        today = park_today()
        vehicles = db.session.scalars(
            select(Vehicle).where(Vehicle.company_id.is_not(None)).order_by(Vehicle.id)
        )
        for n, vehicle in enumerate(vehicles):
            come = day_start + timedelta(hours=8, minutes=5 + 6 * n)
            colour = vehicle.plate_colour.value if vehicle.plate_colour else None
            key = f"sim-park-{vehicle.id}-{today.isoformat()}"
            arriving = AnprEvent(
                event_id=f"{key}-in", plate=vehicle.plate, confidence=0.95, plate_colour=colour
            )
            self.at(come, "park vehicle", self._pass(self._lane("G1-IN"), arriving))
            if not registration_holds(vehicle.registered_until, today):
                continue  # refused at the gate: it never came in
            leaving = AnprEvent(
                event_id=f"{key}-out", plate=vehicle.plate, confidence=0.95, plate_colour=colour
            )
            leave = day_start + timedelta(hours=17, minutes=40 + 6 * n)
            self.at(leave, "park vehicle", self._pass(self._lane("G1-OUT"), leaving))

    def _pass(self, lane: Lane, event: AnprEvent) -> Callable[[], None]:
        """The camera's event at the lane; the barrier opens where the gate allows."""

        def run() -> None:
            passage = accept_event(self._station_for(lane), lane, event).passage
            if gate.should_open(passage):
                gate.open_barrier(passage, self.guard)

        return run

    # --- people ------------------------------------------------------------------------

    def plan_people(self, day_start: datetime) -> None:
        for n, badge in enumerate(STAFF):
            come = day_start + timedelta(hours=7, minutes=20 + 9 * n)
            leave = day_start + timedelta(hours=17, minutes=5 + 7 * n)
            self.at(come, "badge", self._badge(badge, come, f"{badge}-in"))
            if badge != NIGHT_SHIFT:
                self.at(leave, "badge", self._badge(badge, leave, f"{badge}-out"))
        visitor = db.session.scalar(select(Person).where(Person.full_name == "Olivia Brandt"))
        if visitor is not None:
            arrive = day_start + timedelta(hours=10)
            self.at(arrive, "visitor", lambda: self._visitor(visitor, True))
            self.at(arrive + timedelta(hours=2), "visitor", lambda: self._visitor(visitor, False))

    def _badge(self, badge: str, moment: datetime, key: str) -> Callable[[], None]:
        def run() -> None:
            try:
                people.badge_read(self._lane("G1-PED"), f"sim-{key}", badge, moment)
            except people.PeopleError as exc:
                log.info("badge %s: %s", badge, exc)

        return run

    def _visitor(self, visitor: Person, arriving: bool) -> None:
        lane = self._lane("G1-PED")
        if arriving:
            people.check_in(visitor, lane, utcnow(), operator=self.guard, rules_acknowledged=True)
        else:
            people.check_out(visitor, lane, utcnow(), operator=self.guard)
        db.session.commit()

    # --- the run -----------------------------------------------------------------------

    def events(self) -> Iterator[Event]:
        while self.queue:
            yield heapq.heappop(self.queue)


def _lane_of(lanes: list[Lane], *, inwards: bool, hazmat: bool) -> Lane | None:
    """The gate's open lane for this way: hazmat loads by a hazmat lane where there is one."""
    ways = (LaneDirection.IN if inwards else LaneDirection.OUT, LaneDirection.BOTH)
    usable = [
        lane
        for lane in lanes
        if lane.is_open
        and lane.direction in ways
        and lane.kind in (LaneKind.GENERAL, LaneKind.HAZMAT)
    ]
    preferred = [lane for lane in usable if (lane.kind is LaneKind.HAZMAT) == (hazmat and inwards)]
    return (preferred or usable or [None])[0]


def _hazard(booking: Booking) -> tuple[str, str] | None:
    for line in booking.cargo:
        good = line.dangerous_good
        if good is not None and good.hazard_id_numbers:
            return good.hazard_id_numbers[0], good.un_number
    return None


def _colour(booking: Booking) -> str | None:
    """The plate's colour as the lane's smart camera classifies it: a Chinese plate's
    (the colour its registration records); other countries' plates have none to send."""
    colour = booking.vehicle.plate_colour
    return colour.value if colour is not None else None


def plan_day() -> Simulation:
    sim = Simulation()
    start, end = day_bounds(park_today())
    bookings = db.session.scalars(
        select(Booking)
        .where(
            Booking.window_start < end,
            Booking.window_end > start,
            Booking.status == BookingStatus.APPROVED,
        )
        .order_by(Booking.window_start, Booking.id)
    ).all()
    for index, booking in enumerate(bookings):
        sim.plan_booking(booking, index, last=index == len(bookings) - 1)
    sim.plan_people(start)
    sim.plan_barred(start)
    sim.plan_park_vehicles(start)
    return sim


def run_day(speed: float, until: datetime | None, say: Callable[[str], None]) -> Tally:
    """Replay the day's events in order; ``until``: stop there (e.g. now)."""
    sim = plan_day()
    tally = Tally()
    previous: datetime | None = None
    for event in sim.events():
        if until is not None and event.at > until:
            tally.skipped += 1
            continue
        if speed > 0 and previous is not None:
            time.sleep(min(5.0, max(0.0, (event.at - previous).total_seconds() / speed)))
        previous = event.at
        with time_machine.travel(event.at, tick=False):
            try:
                event.run()
            except Exception:  # one bad event must not stop the day
                db.session.rollback()
                log.exception("simulated %s at %s failed", event.what, event.at)
                continue
        tally.events += 1
        tally.by_kind[event.what] = tally.by_kind.get(event.what, 0) + 1
        say(f"{event.at.isoformat(timespec='minutes')} {event.what}")
    return tally
