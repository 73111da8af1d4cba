"""Making, changing and cancelling bookings, each checked as the gate will check the
vehicle on the booked day (see :mod:`gatekeeper.domain.bookings`), plus what only a booking
has: the carrier's own approved vehicles and crew, the window, the dock's capacity and the
park's limit of hazmat vehicles at once, forecast from the other bookings.

One schema (:class:`BookingInput`) for the dispatcher's form and the API. Errors are per
field; nothing is written unless everything is valid.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, select

from camera_adapters.wire import RecordId
from gatekeeper.domain.bookings import BookingCheck, check_booking
from gatekeeper.domain.messages import N_, Phrase, phrase
from gatekeeper.domain.routing import Route
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    BookingStatus,
    CargoLine,
    DangerousGood,
    Dock,
    Packaging,
    Person,
    PersonKind,
    QuantityUnit,
    Role,
    TripDirection,
    User,
    Vehicle,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, crew, fleet, routes
from gatekeeper.services.gate.evaluation import booking_record, gate_rules, vehicle_record
from gatekeeper.services.locks import park_write_lock
from gatekeeper.services.park import park_settings

# Bookings that hold a place (a dock slot, a hazmat place in the park).
ACTIVE = (
    BookingStatus.REQUESTED,
    BookingStatus.ACCEPTED,
    BookingStatus.APPROVED,
    BookingStatus.ARRIVED,
    BookingStatus.INSIDE,
)


class CargoInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    un: str | None = Field(None, pattern=r"^[0-9]{4}$")
    description: str | None = Field(None, max_length=200)
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=3)
    unit: QuantityUnit
    packaging: Packaging
    packing_group: Literal["I", "II", "III"] | None = None
    # ADR 1.1.3.6 transport category (0-4); unknown: counted as over the small-load limit.
    transport_category: int | None = Field(None, ge=0, le=4)


class BookingInput(BaseModel):
    """A booking as a dispatcher types it (form) or an ERP sends it (API)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    carrier_id: RecordId
    vehicle_id: RecordId
    trailer_id: RecordId | None = None
    driver_id: RecordId
    escort_id: RecordId | None = None
    dock_id: RecordId
    direction: Literal["delivery", "collection"]
    window_start: datetime
    window_end: datetime
    cargo: list[CargoInput] = Field(min_length=1, max_length=10)
    waybill_number: str | None = Field(None, max_length=64)
    notes: str | None = Field(None, max_length=500)

    @field_validator("window_start", "window_end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("naive")
        return value


class BookingError(ValueError):
    """``errors`` maps each field to a translatable phrase."""

    def __init__(self, errors: dict[str, Phrase]) -> None:
        super().__init__("; ".join(f"{k}: {v.english()}" for k, v in errors.items()))
        self.errors = errors


def window(day: date, start: str, end: str) -> tuple[datetime, datetime]:
    """A window typed as a park day and two HH:MM times (an end at or before the start is
    on the next day, for night windows)."""
    zone = ZoneInfo(park_settings().timezone or "UTC")
    first = datetime.combine(day, time.fromisoformat(start), tzinfo=zone)
    last = datetime.combine(day, time.fromisoformat(end), tzinfo=zone)
    if last <= first:
        last += timedelta(days=1)
    return first, last


def parse(data: dict[str, Any]) -> BookingInput:
    cleaned = {k: (None if v == "" else v) for k, v in data.items()}
    try:
        return BookingInput.model_validate(cleaned)
    except ValidationError as exc:
        shaped = fleet.shape_errors(exc)
        for field in ("window_start", "window_end"):
            if field in shaped:
                shaped[field] = N_("a date and time with its offset, e.g. 2026-11-26T08:00+08:00")
        raise BookingError({k: phrase(v) for k, v in shaped.items()}) from exc


def _own(model: type[Vehicle] | type[Person], ident: int | None, carrier_id: int) -> Any:
    found = db.session.get(model, ident) if ident is not None else None
    return found if found is not None and getattr(found, "carrier_id", None) == carrier_id else None


def _overlapping(value: BookingInput, existing: Booking | None) -> list[Any]:
    """Conditions of the other bookings that hold a place during this one's window."""
    conditions = [
        Booking.status.in_(ACTIVE),
        Booking.window_start < value.window_end,
        Booking.window_end > value.window_start,
    ]
    if existing is not None:
        conditions.append(Booking.id != existing.id)
    return conditions


def check(
    value: BookingInput, existing: Booking | None = None
) -> tuple[Booking, BookingCheck, Route | None]:
    """The booking as it would be stored (not added to the session) with its planned
    route, or BookingError."""
    errors: dict[str, Phrase] = {}
    zone = ZoneInfo(park_settings().timezone or "UTC")
    start, end = value.window_start, value.window_end
    if end <= start:
        errors["window_end"] = phrase(N_("after the start"))
    elif end - start > timedelta(hours=24):
        errors["window_end"] = phrase(N_("a window of at most 24 hours"))
    if existing is None and end <= utcnow():
        errors["window_end"] = phrase(N_("already past"))
    day = start.astimezone(zone).date()
    last_day = end.astimezone(zone).date()

    vehicle = _own(Vehicle, value.vehicle_id, value.carrier_id)
    trailer = _own(Vehicle, value.trailer_id, value.carrier_id)
    driver = _own(Person, value.driver_id, value.carrier_id)
    escort = _own(Person, value.escort_id, value.carrier_id)
    for field, found, wanted in (
        ("vehicle_id", vehicle, value.vehicle_id),
        ("trailer_id", trailer, value.trailer_id),
        ("driver_id", driver, value.driver_id),
        ("escort_id", escort, value.escort_id),
    ):
        if wanted is not None and found is None:
            errors[field] = phrase(N_("not one of the carrier's"))
    if vehicle is not None and vehicle.is_trailer:
        errors["vehicle_id"] = phrase(N_("a trailer cannot be the motor vehicle"))
    if trailer is not None and not trailer.is_trailer:
        errors["trailer_id"] = phrase(N_("not a trailer"))
    if driver is not None and driver.kind is not PersonKind.DRIVER:
        errors["driver_id"] = phrase(N_("not a driver"))
    if escort is not None and escort.kind is not PersonKind.ESCORT:
        errors["escort_id"] = phrase(N_("not an escort"))
    for field, unit in (("vehicle_id", vehicle), ("trailer_id", trailer)):
        if unit is not None and field not in errors:
            blockers = fleet.booking_blockers(unit, day, last_day)
            if blockers:
                errors[field] = _blocked(blockers)
    for field, person in (("driver_id", driver), ("escort_id", escort)):
        if person is not None and field not in errors:
            blockers = crew.booking_blockers(
                person, day, last_day, dangerous=any(line.un for line in value.cargo)
            )
            if blockers:
                errors[field] = _blocked(blockers)
    dock = db.session.get(Dock, value.dock_id)
    if dock is None:
        errors["dock_id"] = phrase(N_("not one of the listed values"))

    booking = Booking(
        reference=existing.reference if existing else "",
        carrier_id=value.carrier_id,
        # Ids as well as objects: the gate's records read the ids before any flush.
        vehicle=vehicle,
        vehicle_id=vehicle.id if vehicle else None,
        trailer=trailer,
        trailer_id=trailer.id if trailer else None,
        driver=driver,
        driver_id=driver.id if driver else None,
        escort=escort,
        escort_id=escort.id if escort else None,
        dock=dock,
        dock_id=dock.id if dock else None,
        company=dock.company if dock else None,
        direction=TripDirection(value.direction),
        window_start=start,
        window_end=end,
        status=existing.status if existing else BookingStatus.REQUESTED,
        waybill_number=value.waybill_number,
        notes=value.notes,
    )
    for n, line in enumerate(value.cargo):
        good = db.session.get(DangerousGood, line.un) if line.un else None
        if line.un and good is None:
            errors[f"cargo.{n}.un"] = phrase(N_("not a UN number on the dangerous-goods list"))
        booking.cargo.append(
            CargoLine(
                un_number=line.un if good else None,
                dangerous_good=good,
                description=line.description or (good.name[:200] if good else "-"),
                quantity=line.quantity,
                unit=line.unit,
                packaging=line.packaging,
                packing_group=line.packing_group,
                transport_category=line.transport_category,
            )
        )
    if errors or vehicle is None or driver is None or dock is None:
        _detach(booking)
        raise BookingError(errors or {"body": phrase(N_("not valid"))})
    result = check_booking(
        booking_record(booking),
        tuple(vehicle_record(v) for v in (vehicle, trailer) if v is not None),
        day,
        gate_rules(park_settings()),
        tank_approved=[
            *(vehicle.tank_approved or []),
            *((trailer.tank_approved or []) if trailer else []),
        ],
        zone_classes=(dock.zone.allowed_hazard_classes or None) if dock.zone else None,
    )
    errors.update(result.errors)
    errors.update(_capacity(value, existing, dock, result.orange_plates))
    route = None
    try:
        route = routes.plan_for(booking)
    except routes.NoRoute:
        errors.setdefault(
            "dock_id",
            phrase(
                N_(
                    "no route possible: no road from a gate to dock %(dock)s and out is open "
                    "to this cargo (its classes or its tunnel code)"
                ),
                dock=dock.code,
            ),
        )
    for field, column in (
        ("vehicle_id", Booking.vehicle_id),
        ("trailer_id", Booking.trailer_id),
        ("driver_id", Booking.driver_id),
        ("escort_id", Booking.escort_id),
    ):
        wanted = getattr(value, field)
        if wanted is None or field in errors:
            continue
        taken = db.session.scalar(
            select(Booking.reference).where(*_overlapping(value, existing), column == wanted)
        )
        if taken is not None:
            errors[field] = phrase(
                N_("already booked in this window (%(reference)s)"), reference=taken
            )
    _detach(booking)
    if errors:
        raise BookingError(errors)
    return booking, result, route


def _blocked(blockers: list[str]) -> Phrase:
    return phrase(N_("cannot be booked: %(why)s"), why=tuple(phrase(b) for b in blockers))


def _detach(booking: Booking) -> None:
    """A booking being checked must not reach the session through its relationships."""
    if booking in db.session:
        db.session.expunge(booking)
    for line in booking.cargo:
        if line in db.session:
            db.session.expunge(line)


def _capacity(
    value: BookingInput, existing: Booking | None, dock: Dock, hazmat: bool
) -> dict[str, Phrase]:
    """The dock's slots per hour, and the park's hazmat vehicles at once, in the window."""
    errors: dict[str, Phrase] = {}
    others = _overlapping(value, existing)
    at_dock = db.session.scalar(
        select(func.count(Booking.id)).where(*others, Booking.dock_id == dock.id)
    )
    hours = max(1, int((value.window_end - value.window_start).total_seconds() // 3600))
    if (at_dock or 0) >= dock.slots_per_hour * hours:
        errors["window_start"] = phrase(
            N_("dock %(dock)s is fully booked in this window"), dock=dock.code
        )
    limit = park_settings().hazmat_vehicle_capacity
    if hazmat and limit is not None:
        hazmat_bookings = db.session.scalar(
            select(func.count(func.distinct(Booking.id)))
            .select_from(Booking)
            .join(CargoLine, CargoLine.booking_id == Booking.id)
            .where(*others, CargoLine.un_number.is_not(None))
        )
        if (hazmat_bookings or 0) >= limit:
            errors.setdefault(
                "window_start",
                phrase(
                    N_("the park's %(limit)s hazmat vehicles at once are booked in this window"),
                    limit=limit,
                ),
            )
    return errors


def _reference(day: date) -> str:
    prefix = f"BK-{day:%Y%m%d}-"
    taken = db.session.scalars(
        select(Booking.reference).where(Booking.reference.like(f"{prefix}%"))
    ).all()
    numbers = [int(r.rsplit("-", 1)[1]) for r in taken if r.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def create(data: dict[str, Any], user: User) -> Booking:
    """A new booking, requested (the park approves it). No commit."""
    # Checks read other bookings (slots, double bookings): one booking at a time decides.
    park_write_lock()
    value = parse(data)
    booking, result, route = check(value)
    zone = ZoneInfo(park_settings().timezone or "UTC")
    booking.reference = _reference(value.window_start.astimezone(zone).date())
    booking.created_by_id = user.id
    booking.status = BookingStatus.REQUESTED
    if may_accept(user, booking):
        # Booked by the receiving company itself: its acceptance is the booking.
        booking.status = BookingStatus.ACCEPTED
        booking.accepted_by_id = user.id
        booking.accepted_at = utcnow()
    db.session.add(booking)
    db.session.flush()
    routes.apply(booking, route)
    audit.record(
        "booking.created",
        entity_type="booking",
        entity_id=booking.id,
        details={
            "reference": booking.reference,
            "plate": booking.vehicle.plate,
            "points": result.points if math.isfinite(result.points) else None,
            "orange_plates": result.orange_plates,
        },
    )
    return booking


def input_of(booking: Booking) -> dict[str, Any]:
    """A stored booking in the input's shape (what a PATCH changes)."""
    return {
        "carrier_id": booking.carrier_id,
        "vehicle_id": booking.vehicle_id,
        "trailer_id": booking.trailer_id,
        "driver_id": booking.driver_id,
        "escort_id": booking.escort_id,
        "dock_id": booking.dock_id,
        "direction": booking.direction.value,
        "window_start": booking.window_start,
        "window_end": booking.window_end,
        "cargo": [
            {
                "un": line.un_number,
                "description": line.description,
                "quantity": line.quantity,
                "unit": line.unit.value,
                "packaging": line.packaging.value,
                "packing_group": line.packing_group,
                "transport_category": line.transport_category,
            }
            for line in booking.cargo
        ],
        "waybill_number": booking.waybill_number,
        "notes": booking.notes,
    }


CHANGEABLE = (BookingStatus.REQUESTED, BookingStatus.ACCEPTED, BookingStatus.APPROVED)


def change(booking: Booking, data: dict[str, Any], user: User) -> bool:
    """Change a booking not yet at the gate (the fields given); checked again as a new
    one, and back to the first approval step. A carrier may not change it within the
    park's freeze period before its window. Returns whether anything changed. No commit."""
    if booking.status not in CHANGEABLE:
        raise BookingError({"status": phrase(N_("only a booking not yet arrived is changed"))})
    freeze = timedelta(minutes=park_settings().booking_freeze_minutes)
    if user.role is Role.CARRIER and booking.window_start - utcnow() < freeze:
        raise BookingError(
            {
                "window_start": phrase(
                    N_("too close to the window: changes are frozen %(minutes)s minutes before"),
                    minutes=int(freeze.total_seconds() // 60),
                )
            }
        )
    park_write_lock()
    current = input_of(booking)
    merged = {**current, **data, "carrier_id": booking.carrier_id}
    value = parse({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in merged.items()})
    new = value.model_dump(mode="json")
    old = parse(
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in current.items()}
    ).model_dump(mode="json")
    if new == old:
        return False
    checked, _result, route = check(value, booking)
    for name in (
        "vehicle_id",
        "trailer_id",
        "driver_id",
        "escort_id",
        "dock_id",
        "window_start",
        "window_end",
        "waybill_number",
        "notes",
    ):
        setattr(booking, name, getattr(value, name))
    booking.direction = checked.direction
    booking.company_id = checked.company.id if checked.company else booking.company_id
    booking.cargo.clear()
    db.session.flush()
    for line in checked.cargo:
        booking.cargo.append(
            CargoLine(
                un_number=line.un_number,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                packaging=line.packaging,
                packing_group=line.packing_group,
                transport_category=line.transport_category,
            )
        )
    routes.apply(booking, route)
    booking.status = BookingStatus.REQUESTED
    booking.accepted_by_id = booking.approved_by_id = None
    booking.accepted_at = booking.approved_at = None
    if may_accept(user, booking):
        booking.status = BookingStatus.ACCEPTED
        booking.accepted_by_id, booking.accepted_at = user.id, utcnow()
    audit.record(
        "booking.changed",
        entity_type="booking",
        entity_id=booking.id,
        details={
            "reference": booking.reference,
            "fields": sorted(k for k in new if new[k] != old.get(k)),
        },
    )
    return True


def booking_json(booking: Booking) -> dict[str, Any]:
    """A booking for ERP/TMS systems: its values, status, approvals and planned route."""
    return {
        "reference": booking.reference,
        "status": booking.status.value,
        "carrier": booking.carrier.code if booking.carrier else None,
        "vehicle": booking.vehicle.plate if booking.vehicle else None,
        "trailer": booking.trailer.plate if booking.trailer else None,
        "dock": booking.dock.code if booking.dock else None,
        **{
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in input_of(booking).items()
            if k != "cargo"
        },
        "cargo": [
            {**line, "quantity": float(line["quantity"])} for line in input_of(booking)["cargo"]
        ],
        "approvals": {
            "accepted_at": booking.accepted_at.isoformat() if booking.accepted_at else None,
            "approved_at": booking.approved_at.isoformat() if booking.approved_at else None,
            "comment": booking.decision_comment,
        },
        "route": routes.route_json(booking),
    }


def may_accept(user: User, booking: Booking) -> bool:
    """The receiving company's dispatchers (and the park's admins) accept its bookings."""
    if user.role is Role.ADMIN:
        return True
    return (
        user.role is Role.DISPATCHER
        and user.company_id is not None
        and (user.company_id == (booking.company.id if booking.company else booking.company_id))
    )


def may_approve(user: User) -> bool:
    """The park (managers, admins) approves bookings its companies accepted."""
    return user.role in (Role.MANAGER, Role.ADMIN)


def decide(booking: Booking, user: User, step: str, comment: str | None) -> None:
    """A step of the approval: the receiving company accepts or rejects a requested
    booking; the park approves or rejects an accepted one. A rejection needs a reason.
    No commit."""
    comment = (comment or "").strip()[:500] or None
    if step == "reject" and comment is None:
        raise BookingError({"comment": phrase(N_("say why it is rejected"))})
    if booking.status is BookingStatus.REQUESTED and may_accept(user, booking):
        booking.status = BookingStatus.ACCEPTED if step == "approve" else BookingStatus.REJECTED
        booking.accepted_by_id, booking.accepted_at = user.id, utcnow()
        action = "booking.accepted" if step == "approve" else "booking.rejected"
    elif booking.status is BookingStatus.ACCEPTED and may_approve(user):
        booking.status = BookingStatus.APPROVED if step == "approve" else BookingStatus.REJECTED
        booking.approved_by_id, booking.approved_at = user.id, utcnow()
        action = "booking.approved" if step == "approve" else "booking.rejected"
    else:
        raise BookingError({"status": phrase(N_("not yours to decide at this step"))})
    booking.decision_comment = comment
    audit.record(
        action,
        entity_type="booking",
        entity_id=booking.id,
        details={
            "reference": booking.reference,
            "status": booking.status.value,
            "comment": comment,
        },
    )


MAX_REPEATS = 62  # about two months of days


def repeat_days(first: date, until: date | None, weekdays_only: bool) -> list[date]:
    """The days of a recurring booking: from the first to ``until``, every day or every
    weekday (Monday to Friday)."""
    if until is None or until <= first:
        return [first]
    days = [first + timedelta(days=n) for n in range((until - first).days + 1)]
    return [d for d in days if not weekdays_only or d.weekday() < 5][:MAX_REPEATS]


def create_recurring(data: dict[str, Any], user: User, days: list[date]) -> list[Booking]:
    """The same booking on each day (its window moved day by day): one booking per day,
    all or none; a refused day is named in the error. No commit."""
    value = parse(data)
    first = value.window_start.astimezone(ZoneInfo(park_settings().timezone or "UTC")).date()
    made: list[Booking] = []
    for day in days:
        shift = timedelta(days=(day - first).days)
        dated = {
            **data,
            "window_start": (value.window_start + shift).isoformat(),
            "window_end": (value.window_end + shift).isoformat(),
        }
        try:
            made.append(create(dated, user))
        except BookingError as exc:
            raise BookingError(
                {
                    field: phrase(N_("%(day)s: %(problem)s"), day=day.isoformat(), problem=message)
                    for field, message in exc.errors.items()
                }
            ) from exc
    return made


def cancel(booking: Booking, user: User, reason: str | None) -> None:
    """Cancel a booking that has not arrived. No commit."""
    if booking.status not in (
        BookingStatus.REQUESTED,
        BookingStatus.ACCEPTED,
        BookingStatus.APPROVED,
    ):
        raise BookingError({"status": phrase(N_("only a booking not yet arrived is cancelled"))})
    booking.status = BookingStatus.CANCELLED
    booking.decision_comment = (reason or "").strip()[:500] or None
    audit.record(
        "booking.cancelled",
        entity_type="booking",
        entity_id=booking.id,
        details={"reference": booking.reference, "reason": (reason or "")[:500] or None},
    )
