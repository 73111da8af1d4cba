"""Demo registrations: what carriers registered and uploaded, in every state a reviewer
and a carrier meet (waiting, approved, rejected with a reason, read and matching, read and
differing, expiring, expired, missing), and a carrier's application waiting for approval.

The certificate images are drawn here; their readings are what the reader finds on such
images (the drawn lines compared with the registered values), stored with them so that
``make run`` needs no OCR model to seed the demo.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from gatekeeper.domain.documents import compare
from gatekeeper.extensions import db
from gatekeeper.models import (
    Carrier,
    CarrierStatus,
    Document,
    DocumentKind,
    Person,
    ReviewStatus,
    Role,
    User,
    Vehicle,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services.documents import expected
from gatekeeper.services.storage import files_root

if TYPE_CHECKING:
    from gatekeeper.services.demo import _Seeder

APPLICANT = {
    "code": "XINYUAN",
    "name": "Jiangsu Xinyuan Hazmat Logistics",
    "registration_number": "91320500MA1XYW2K0F",
    "username": "xinyuan",
}

# plate or name -> (review status, comment)
REVIEWS: dict[str, tuple[ReviewStatus, str | None]] = {
    "1-VKR-302": (ReviewStatus.PENDING, None),
    "沪A·D5530": (
        ReviewStatus.REJECTED,
        "The ADR certificate photo is unreadable: upload it again",
    ),
    "HH-EB 4100": (ReviewStatus.PENDING, None),
    "Chen Jie": (ReviewStatus.PENDING, None),
    "Sofie Willems": (ReviewStatus.REJECTED, "The escort certificate's expiry differs"),
}


@dataclass(frozen=True)
class DemoDocument:
    owner: str  # plate or person's name
    kind: DocumentKind
    review: ReviewStatus
    comment: str | None = None
    # What the photo shows where it differs from the records (None: as registered).
    shows_number: str | None = None
    shows_expiry: date | None = None


DOCUMENTS = (
    DemoDocument("1-XTB-482", DocumentKind.ROAD_TRANSPORT_CERTIFICATE, ReviewStatus.APPROVED),
    DemoDocument("1-XTB-482", DocumentKind.ADR_CERTIFICATE, ReviewStatus.APPROVED),
    DemoDocument("1-VKR-301", DocumentKind.ADR_CERTIFICATE, ReviewStatus.PENDING),
    DemoDocument(
        "1-VKR-302",
        DocumentKind.ADR_CERTIFICATE,
        ReviewStatus.PENDING,
        shows_expiry=date(2025, 12, 31),
    ),
    DemoDocument(
        "沪A·D5530",
        DocumentKind.ADR_CERTIFICATE,
        ReviewStatus.REJECTED,
        "The photo is blurred: the number cannot be read",
        shows_number="ADR-CN-0???",
    ),
    DemoDocument("Jan Peeters", DocumentKind.DRIVER_QUALIFICATION, ReviewStatus.APPROVED),
    DemoDocument("Chen Jie", DocumentKind.DRIVER_QUALIFICATION, ReviewStatus.PENDING),
    DemoDocument(
        "Sofie Willems",
        DocumentKind.ESCORT_QUALIFICATION,
        ReviewStatus.REJECTED,
        "The expiry on the certificate is not the one registered",
        shows_expiry=date(2026, 1, 15),
    ),
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def _draw(lines: list[str]) -> bytes:
    image = Image.new("RGB", (900, 560), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 892, 552), outline="black", width=3)
    for n, line in enumerate(lines):
        draw.text((50, 40 + 80 * n), line, font=_font(34 if n == 0 else 28), fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _owner(name: str) -> Vehicle | Person | None:
    vehicle = db.session.scalar(select(Vehicle).where(Vehicle.plate == name))
    if vehicle is not None:
        return vehicle
    return db.session.scalar(select(Person).where(Person.full_name == name))


def _document(s: _Seeder, spec: DemoDocument, uploader: User | None) -> None:
    owner = _owner(spec.owner)
    if owner is None:
        return
    name = f"demo-{spec.kind.value}-{hashlib.sha1(spec.owner.encode()).hexdigest()[:8]}.png"  # noqa: S324 (a file name)
    if db.session.scalar(select(Document.id).where(Document.original_name == name)):
        return
    document = Document(
        kind=spec.kind,
        vehicle=owner if isinstance(owner, Vehicle) else None,
        person=owner if isinstance(owner, Person) else None,
        carrier_id=owner.carrier_id,
        original_name=name,
        stored_path=f"documents/demo/{name}",
        content_type="image/png",
        size_bytes=0,
        sha256="",
        uploaded_by_id=uploader.id if uploader else None,
        review_status=spec.review,
        review_comment=spec.comment,
    )
    db.session.add(document)
    want = expected(document)
    title = {
        DocumentKind.ROAD_TRANSPORT_CERTIFICATE: "Road transport certificate",
        DocumentKind.ADR_CERTIFICATE: "ADR certificate of approval",
        DocumentKind.DRIVER_QUALIFICATION: "Driver training certificate",
        DocumentKind.ESCORT_QUALIFICATION: "Escort qualification",
    }.get(spec.kind, "Certificate")
    expiry = spec.shows_expiry or want.expires_on
    lines = [
        title,
        f"Holder: {spec.owner}",
        f"No.: {spec.shows_number or want.number or '-'}",
        f"Valid until: {expiry.isoformat() if expiry else '-'}",
    ]
    data = _draw(lines)
    target = files_root() / document.stored_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    document.size_bytes = len(data)
    document.sha256 = hashlib.sha256(data).hexdigest()
    document.reading = compare(lines, want)
    document.read_status = "done"
    document.read_at = utcnow()
    if spec.review is not ReviewStatus.PENDING:
        document.reviewed_at = utcnow()
    s.summary.created += 1


def seed_registrations(s: _Seeder) -> None:
    """Review states, uploaded documents and one application waiting for the park."""
    for name, (status, comment) in REVIEWS.items():
        owner = _owner(name)
        if owner is not None and owner.reviewed_at is None:
            owner.review_status = status
            owner.review_comment = comment
            owner.reviewed_at = utcnow() if status is not ReviewStatus.PENDING else None
    uploader = db.session.scalar(select(User).where(User.username == "carrier"))
    for spec in DOCUMENTS:
        _document(s, spec, uploader)
    applicant = s.get_or_create(
        Carrier,
        {"code": APPLICANT["code"]},
        name=APPLICANT["name"],
        country="CN",
        registration_number=APPLICANT["registration_number"],
        licence_number="苏交运管许可苏字320500009876号",
        licence_expiry=s.days(500),
        contact_name="Zhou Xin",
        contact_email="zhou.xin@xinyuan.example",
        contact_phone="+86 512 6800 1234",
        status=CarrierStatus.APPLIED,
        applied_at=utcnow(),
    )
    if db.session.scalar(select(User).where(User.username == APPLICANT["username"])) is None:
        user = User(
            username=APPLICANT["username"],
            display_name="Zhou Xin",
            email="zhou.xin@xinyuan.example",
            role=Role.CARRIER,
            carrier=applicant,
            active=False,
        )
        from gatekeeper.services.demo import DEMO_PASSWORD

        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        s.summary.created += 1
