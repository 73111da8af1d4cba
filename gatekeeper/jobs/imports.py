"""Importing a spreadsheet (a carrier's fleet, the park's bookings or its people): every row
checked (progress saved as it goes), then all rows written in one transaction, or none."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from gatekeeper.domain.messages import N_
from gatekeeper.extensions import db
from gatekeeper.jobs import job
from gatekeeper.models import Carrier, FleetImport, User
from gatekeeper.models.types import utcnow
from gatekeeper.services import (
    audit,
    booking_imports,
    imports,
    park_vehicle_imports,
    staff_imports,
)
from gatekeeper.services.bookings import BookingError
from gatekeeper.services.fleet import FleetError


def _fail(item: FleetImport, errors: list[dict[str, object]]) -> str:
    item.status = "failed"
    item.errors = errors
    item.finished_at = utcnow()
    audit.record(
        "fleet.import_failed",
        entity_type="fleet_import",
        entity_id=item.id,
        details={"errors": len(errors)},
        actor="import",
    )
    db.session.commit()
    return "failed"


def _checked(item: FleetImport, checking: Iterator[int], total: int) -> bool:
    """Run the row checks, committing the progress the page's bar reads; whether any row
    is wrong."""
    item.status = "checking"
    item.total = total
    item.processed = 0
    db.session.commit()
    for _row in checking:
        item.processed += 1
        if item.processed % imports.PROGRESS_EVERY == 0:
            db.session.commit()
    db.session.commit()
    return bool(item.errors)


@job("default", timeout=900, retries=0)
def run_import(import_id: int) -> str:
    item = db.session.get(FleetImport, import_id)
    if item is None:
        return "missing"
    if item.status in ("done", "failed"):
        return item.status
    if item.what in _PARK_IMPORTS:
        return _run_park_import(item, _PARK_IMPORTS[item.what])
    try:
        rows = imports.rows_of(item)
    except (OSError, imports.ImportError_) as exc:
        return _fail(item, [{"row": 0, "field": "file", "message": str(exc), "params": {}}])
    if _checked(item, imports.check_all(item, rows), len(rows)):
        return _fail(item, item.errors)
    carrier = db.session.get(Carrier, item.carrier_id)
    assert carrier is not None
    try:
        imports.write_all(item, rows, carrier)
    except FleetError as exc:  # changed meanwhile (a plate registered by someone else)
        db.session.rollback()
        item = db.session.get(FleetImport, import_id) or item
        errors = [{"row": 0, "field": k, "message": v, "params": {}} for k, v in exc.errors.items()]
        return _fail(item, errors or [{"row": 0, "field": "file", "message": N_("not valid")}])
    audit.record(
        "fleet.imported",
        entity_type="fleet_import",
        entity_id=item.id,
        details={"created": item.created, "updated": item.updated},
        actor="import",
    )
    db.session.commit()
    return "done"


@dataclass(frozen=True)
class _ParkImport:
    """An import of the park's own (bookings, people): how its rows are read, checked and
    written, and the error its writing raises when a row no longer fits."""

    rows_of: Callable[[FleetImport], list[dict[str, str]]]
    check_all: Callable[[FleetImport, list[dict[str, str]]], Iterator[int]]
    write_all: Callable[[FleetImport, list[dict[str, str]], User], object]
    error: type[Exception]


_PARK_IMPORTS = {
    "bookings": _ParkImport(
        booking_imports.rows_of, booking_imports.check_all, booking_imports.write_all, BookingError
    ),
    **{
        register.what: _ParkImport(
            register.rows_of, register.check_all, register.write_all, register.error
        )
        for register in (staff_imports.PEOPLE, park_vehicle_imports.VEHICLES)
    },
}


def _run_park_import(item: FleetImport, kind: _ParkImport) -> str:
    """A park user's file (a dispatcher's bookings, the safety office's staff list):
    checked row by row, then written through its service in one transaction (or none)."""
    import_id = item.id
    try:
        rows = kind.rows_of(item)
    except (OSError, imports.ImportError_) as exc:
        return _fail(item, [{"row": 0, "field": "file", "message": str(exc), "params": {}}])
    if _checked(item, kind.check_all(item, rows), len(rows)):
        return _fail(item, item.errors)
    user = db.session.get(User, item.user_id) if item.user_id else None
    if user is None:
        return _fail(item, [{"row": 0, "field": "file", "message": N_("not valid"), "params": {}}])
    try:
        kind.write_all(item, rows, user)
    except kind.error:  # a row no longer fits (two rows together, or changed meanwhile)
        errors = list(item.errors)
        db.session.rollback()
        item = db.session.get(FleetImport, import_id) or item
        return _fail(item, errors)
    db.session.commit()
    return "done"
