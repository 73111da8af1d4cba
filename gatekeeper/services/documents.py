"""Documents carriers upload for their vehicles and crews: checked by content, stored
outside the web root under generated names, read by a background job that compares them
with what the carrier typed, and reviewed by the park."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

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
    Person,
    QualificationKind,
    ReviewStatus,
    User,
    Vehicle,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit
from gatekeeper.services.fleet import FleetError
from gatekeeper.services.storage import files_root
from gatekeeper.vision.documents import check_file
from gatekeeper.vision.images import ImageError

Owner = Vehicle | Person

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


def upload(owner: Owner, kind: DocumentKind, filename: str, data: bytes, user: User) -> Document:
    """Check and store an uploaded file as a document of a vehicle or person, waiting to
    be read and reviewed. Nothing is stored when the file is refused. No commit."""
    allowed = kind.for_vehicles if isinstance(owner, Vehicle) else kind.for_persons
    if not allowed:
        raise FleetError({"kind": N_("not one of the listed values")})
    try:
        checked = check_file(data)
    except ImageError as exc:
        raise FleetError({"file": refusal(exc)}) from exc
    relative = Path("documents", f"{utcnow():%Y/%m}", f"{uuid.uuid4().hex}.{checked.extension}")
    target = files_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    document = Document(
        kind=kind,
        vehicle=owner if isinstance(owner, Vehicle) else None,
        person=owner if isinstance(owner, Person) else None,
        carrier_id=owner.carrier_id,
        original_name=(Path(filename or "upload").name or "upload")[:255],
        stored_path=str(relative),
        content_type=checked.content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=checked.pages,
        uploaded_by_id=user.id,
        read_status="pending",
        review_status=ReviewStatus.PENDING,
    )
    db.session.add(document)
    try:
        db.session.flush()
    except Exception:
        target.unlink(missing_ok=True)
        raise
    audit.record(
        "document.uploaded",
        entity_type="document",
        entity_id=document.id,
        details={"kind": kind.value, "owner": document.owner_name, "bytes": len(data)},
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
    """The registered values the document should show."""
    vehicle, person = document.vehicle, document.person
    kind = document.kind
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
    comment = (comment or "").strip()[:500] or None
    if not approve and comment is None:
        raise FleetError({"comment": N_("say why it is rejected")})
    document.review_status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
    document.review_comment = comment
    document.reviewed_at = utcnow()
    document.reviewed_by_id = user.id
    audit.record(
        "document.reviewed",
        entity_type="document",
        entity_id=document.id,
        details={"status": document.review_status.value, "comment": comment},
        actor_user_id=user.id,
        actor=user.username,
    )


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
