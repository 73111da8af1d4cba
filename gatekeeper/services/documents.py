"""Documents carriers upload for their vehicles and crews: checked by content, stored
outside the web root under generated names, read by a background job that compares them
with what the carrier typed, and reviewed by the park."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gatekeeper import jobs
from gatekeeper.domain.documents import Expected
from gatekeeper.domain.messages import N_
from gatekeeper.extensions import db
from gatekeeper.models import (
    Document,
    DocumentKind,
    Passage,
    Person,
    QualificationKind,
    ReviewStatus,
    User,
    Vehicle,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit
from gatekeeper.services.fleet import FleetError, record_review
from gatekeeper.services.storage import files_root, store_new
from gatekeeper.vision.documents import check_file
from gatekeeper.vision.images import ImageError

Owner = Vehicle | Person
# What a document camera or the guard's tablet reads at the barrier.
GATE_DOCUMENTS = (
    DocumentKind.DRIVER_QUALIFICATION,
    DocumentKind.ESCORT_QUALIFICATION,
    DocumentKind.ROAD_TRANSPORT_CERTIFICATE,
    DocumentKind.VEHICLE_LICENCE,
    DocumentKind.WAYBILL,
)

# Why a file is refused, as the reader says it, in words a person can act on.
_REFUSALS = (
    ("too large", N_("too large: at most 10 MB, 10 pages, 40 megapixels")),
    ("too many pages", N_("too large: at most 10 MB, 10 pages, 40 megapixels")),
    ("empty", N_("the file is empty")),
    ("not a JPEG or PNG", N_("not a photo (JPEG, PNG) or a PDF")),
    ("corrupt", N_("the file is damaged and cannot be opened")),
    ("truncated", N_("the file is damaged and cannot be opened")),
    ("encrypted", N_("the file is damaged and cannot be opened")),
    ("without pages", N_("the file is damaged and cannot be opened")),
)


def refusal(exc: ImageError) -> str:
    text = str(exc)
    for needle, message in _REFUSALS:
        if needle in text:
            return message
    return N_("not a photo (JPEG, PNG) or a PDF")


def upload(
    owner: Owner | Passage,
    kind: DocumentKind,
    filename: str,
    data: bytes,
    user: User | None,
    actor: str | None = None,
) -> Document:
    """Check and store an uploaded file as a document of a vehicle or person (waiting to
    be read and reviewed), or of a passage (read at the barrier). Nothing is stored when
    the file is refused. No commit."""
    if isinstance(owner, Passage):
        allowed = kind in GATE_DOCUMENTS
    else:
        allowed = kind.for_vehicles if isinstance(owner, Vehicle) else kind.for_persons
    if not allowed:
        raise FleetError({"kind": N_("not one of the listed values")})
    try:
        checked = check_file(data)
    except ImageError as exc:
        raise FleetError({"file": refusal(exc)}) from exc
    relative = store_new("documents", checked.extension, data)
    target = files_root() / relative
    at_gate = isinstance(owner, Passage)
    document = Document(
        kind=kind,
        vehicle=owner if isinstance(owner, Vehicle) else None,
        person=owner if isinstance(owner, Person) else None,
        passage_id=owner.id if isinstance(owner, Passage) else None,
        carrier_id=(owner.vehicle.carrier_id if owner.vehicle else None)
        if isinstance(owner, Passage)
        else owner.carrier_id,
        original_name=(Path(filename or "upload").name or "upload")[:255],
        stored_path=relative,
        content_type=checked.content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=checked.pages,
        uploaded_by_id=user.id if user else None,
        read_status="pending",
        # Read at the barrier: evidence of one passage, not a record the park reviews.
        review_status=ReviewStatus.APPROVED if at_gate else ReviewStatus.PENDING,
    )
    db.session.add(document)
    try:
        db.session.flush()
    except Exception:
        target.unlink(missing_ok=True)
        raise
    audit.record(
        "gate.document_received" if at_gate else "document.uploaded",
        entity_type="document",
        entity_id=document.id,
        details={
            "kind": kind.value,
            "owner": document.owner_name,
            "passage": document.passage_id,
            "bytes": len(data),
        },
        actor=actor,
    )
    return document


def queue_reading(document: Document) -> None:
    """Queue the reading (after the commit). If the queue cannot be reached the document
    stays stored and is marked failed with the reason; the reviewer reads it by eye."""
    from gatekeeper.jobs.documents import read_document

    try:
        jobs.enqueue(read_document, document.id, job_id=f"read-document-{document.id}")
    except Exception as exc:  # Redis down, or a job-layer fault: report, do not lose data
        current_app.logger.exception("could not queue the reading of document %s", document.id)
        db.session.rollback()
        document.read_status = "failed"
        document.read_error = f"could not queue the reading: {type(exc).__name__}"[:500]
        db.session.commit()
    db.session.refresh(document)


def expected(document: Document) -> Expected:
    """The registered values the document should show. A document read at the barrier is
    compared with the passage's vehicle and its booked crew."""
    vehicle, person = document.vehicle, document.person
    kind = document.kind
    if document.passage_id is not None:
        passage = db.session.get(Passage, document.passage_id)
        booking = passage.booking if passage else None
        if kind is DocumentKind.DRIVER_QUALIFICATION:
            person = booking.driver if booking else None
        elif kind is DocumentKind.ESCORT_QUALIFICATION:
            person = booking.escort if booking else None
        elif kind is DocumentKind.WAYBILL:
            return Expected(
                number=booking.waybill_number if booking else None,
                plate=passage.plate_read if passage else None,
            )
        else:
            vehicle = passage.vehicle if passage else None
    if vehicle is not None:
        number, expiry = {
            DocumentKind.VEHICLE_LICENCE: (
                vehicle.licence_number,
                vehicle.licence_inspection_expiry,
            ),
            DocumentKind.ROAD_TRANSPORT_CERTIFICATE: (
                vehicle.dg_permit_number,
                vehicle.dg_permit_expiry,
            ),
            DocumentKind.ADR_CERTIFICATE: (
                vehicle.adr_certificate_number,
                vehicle.adr_certificate_expiry,
            ),
            DocumentKind.TANK_INSPECTION: (None, vehicle.tank_inspection_expiry),
        }.get(kind, (None, None))
        return Expected(number=number, plate=vehicle.plate, expires_on=expiry)
    if person is not None:
        wanted = {
            DocumentKind.DRIVER_QUALIFICATION: (
                QualificationKind.DG_DRIVER_CN,
                QualificationKind.ADR_DRIVER,
            ),
            DocumentKind.ESCORT_QUALIFICATION: (QualificationKind.ESCORT,),
        }.get(kind, ())
        for qualification in person.qualifications:
            if qualification.kind in wanted:
                return Expected(number=qualification.number, expires_on=qualification.expires_on)
    return Expected()


def review_document(document: Document, approve: bool, comment: str | None, user: User) -> None:
    """The park approves or rejects (with a reason) a document. No commit."""
    record_review(document, approve, comment, user, "document.reviewed")


def carrier_document(carrier_id: int, document_id: int) -> Document | None:
    """The carrier's own document, or None (another carrier's is not found)."""
    return db.session.scalar(
        select(Document).where(Document.id == document_id, Document.carrier_id == carrier_id)
    )


def documents_of(owner: Owner) -> list[Document]:
    column = Document.vehicle_id if isinstance(owner, Vehicle) else Document.person_id
    return list(
        db.session.scalars(
            select(Document)
            .where(column == owner.id)
            .options(selectinload(Document.vehicle), selectinload(Document.person))
            .order_by(Document.uploaded_at.desc(), Document.id.desc())
        )
    )


def path_of(document: Document) -> Path:
    return files_root() / document.stored_path


def gate_state(reading: dict[str, Any], today: date) -> dict[str, Any]:
    """A barrier reading as the gate's checklist shows it: ``expired`` (the document's
    expiry is past), ``differs`` (its number or plate is not the registered one),
    ``matches`` (the registered number is on it), or ``read`` (nothing to compare)."""
    fields = reading.get("fields", {})
    number = fields.get("number", {})
    expiry = fields.get("expires_on", {})
    read_expiry = expiry.get("read")
    state = "read"
    if read_expiry and date.fromisoformat(read_expiry) < today:
        state = "expired"
    elif reading.get("differences"):
        state = "differs"
    elif number.get("state") == "matches":
        state = "matches"
    return {"state": state, "number": number.get("read")}


GATE_WINDOW_MINUTES = 30


def passage_at_lane(lane_id: int, passage_id: int | None = None) -> Passage | None:
    """The passage a barrier document belongs to: the one named, if it is on this lane,
    else the latest one at the lane in the last half hour whose barrier has not opened."""
    query = select(Passage).where(Passage.lane_id == lane_id, Passage.barrier_opened_at.is_(None))
    if passage_id is not None:
        return db.session.scalar(query.where(Passage.id == passage_id))
    since = utcnow() - timedelta(minutes=GATE_WINDOW_MINUTES)
    return db.session.scalar(
        query.where(Passage.occurred_at >= since).order_by(Passage.occurred_at.desc()).limit(1)
    )


def existing_gate_document(passage: Passage, kind: DocumentKind, data: bytes) -> Document | None:
    """The same image sent again for the same passage (a station's retry)."""
    return db.session.scalar(
        select(Document).where(
            Document.passage_id == passage.id,
            Document.kind == kind,
            Document.sha256 == hashlib.sha256(data).hexdigest(),
        )
    )


def gate_documents(passage_id: int) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document).where(Document.passage_id == passage_id).order_by(Document.id)
        )
    )


def document_json(document: Document) -> dict[str, Any]:
    reading = document.reading or {}
    return {
        "id": document.id,
        "kind": document.kind.value,
        "capture": document.passage_id,
        "status": document.read_status,
        "error": document.read_error,
        "fields": reading.get("fields", {}),
        "qr": reading.get("qr", []),
        "result": (reading.get("gate") or {}).get("state"),
    }
