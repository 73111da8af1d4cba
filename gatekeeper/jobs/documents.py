"""Reading an uploaded document. Runs on the ``ocr`` queue; the text reader is loaded
once per worker process and reused."""

from __future__ import annotations

import logging

from gatekeeper.domain.documents import compare
from gatekeeper.extensions import db
from gatekeeper.jobs import job
from gatekeeper.models import Document
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit
from gatekeeper.services.documents import expected, path_of
from gatekeeper.vision.documents import decode_qr, frames_of, read_lines
from gatekeeper.vision.images import ImageError

log = logging.getLogger(__name__)


@job("ocr", timeout=300, retries=1)
def read_document(document_id: int) -> str:
    """Read a document's text and QR codes and compare them with the registered values."""
    document = db.session.get(Document, document_id)
    if document is None:
        return "missing"
    if document.read_status == "done":
        return "done"  # already read (a retried or duplicate job)
    try:
        frames = frames_of(path_of(document).read_bytes(), document.content_type)
    except (OSError, ImageError) as exc:
        document.read_status = "failed"
        document.read_error = f"stored file unreadable: {exc}"[:500]
        db.session.commit()
        return "failed"
    wanted = expected(document)
    # No transaction is held while the reader works (seconds per page).
    db.session.commit()
    lines: list[str] = []
    codes: list[str] = []
    for frame in frames:
        lines += read_lines(frame)
        codes += [code for code in decode_qr(frame) if code not in codes]
    document = db.session.get(Document, document_id)
    if document is None:
        return "missing"
    document.reading = compare(lines, wanted, codes)
    document.read_status = "done"
    document.read_at = utcnow()
    document.read_error = None
    audit.record(
        "document.read",
        entity_type="document",
        entity_id=document.id,
        details={"differences": document.reading["differences"], "qr": len(codes)},
        actor="ocr",
    )
    db.session.commit()
    return "done"
