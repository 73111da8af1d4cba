"""Reading an uploaded document. Runs on the ``ocr`` queue; the text reader is loaded
once per worker process and reused."""

from __future__ import annotations

import logging

from gatekeeper.domain.documents import compare
from gatekeeper.extensions import db
from gatekeeper.jobs import job
from gatekeeper.models import Document, ReadStatus
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, gate
from gatekeeper.services.clock import park_today
from gatekeeper.services.documents import expected, gate_state, path_of
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
    reading = compare(lines, wanted, codes)
    if document.passage_id is not None:
        reading["gate"] = gate_state(reading, park_today())
    document.reading = reading
    document.read_status = "done"
    document.read_at = utcnow()
    document.read_error = None
    audit.record(
        "document.read",
        entity_type="document",
        entity_id=document.id,
        details={
            "differences": reading["differences"],
            "qr": len(codes),
            **reading.get("gate", {}),
        },
        actor="ocr",
    )
    db.session.commit()
    if document.passage_id is not None:
        _decide_again(document.passage_id)
    return "done"


def _decide_again(passage_id: int) -> None:
    """A reading at the barrier is a new fact: decide the passage again, unless a guard
    decided or the barrier opened meanwhile (then the reading is evidence beside it). A
    guard's typed plate or recorded crew stay: deciding again uses them."""
    passage = gate.lock_passage(passage_id)
    if (
        passage is None
        or passage.barrier_opened_at is not None
        or passage.read_status is ReadStatus.PENDING  # the capture's reading decides
        or passage.operator_id is not None
    ):
        db.session.commit()
        return
    gate.decide(passage)
    db.session.commit()
    gate.open_barrier(passage)
