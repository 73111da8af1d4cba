"""Documents read at the barrier: a document camera (station API) or the guard's tablet
(kiosk) photographs the driver's and escort's certificates; each is read, matched against
the booked crew's records, and is a check of the decision that replaces the typed
"IDs checked"."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import Flask

from gatekeeper.barriers import SimulatedBarrier
from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.models import Document, Passage, QualificationKind
from tests.conftest import csrf_token_from, login_as
from tests.document_samples import as_bytes, certificate
from tests.gate_samples import LOX_PLATE, Demo

DRIVER = (QualificationKind.DG_DRIVER_CN, QualificationKind.ADR_DRIVER)
ESCORT = (QualificationKind.ESCORT,)


def _held(person: Any, kinds: tuple[QualificationKind, ...]) -> Any:
    return next(q for q in person.qualifications if q.kind in kinds)


def _certificate_of(person: Any, kinds: tuple[QualificationKind, ...], **changes: Any) -> bytes:
    held = _held(person, kinds)
    values = {"number": held.number, "valid_until": held.expires_on.isoformat()}
    values.update(changes)
    return as_bytes(certificate(values["number"], values["valid_until"], holder="Driver"), "JPEG")


def _post_document(client: Any, demo: Demo, kind: str, data: bytes, **form: Any) -> Any:
    response = client.post(
        "/api/v1/lanes/G1-HAZ/documents",
        data={"kind": kind, "image": (io.BytesIO(data), "document.jpg"), **form},
        headers={"Authorization": f"Bearer {demo.token}"},
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    return response


def _tanker_waits(client: Any, demo: Demo) -> Passage:
    body = demo.post_event(
        client, "G1-HAZ", event_id="doc-1", plate="Q-AKX-769", hazard=LOX_PLATE
    ).json
    assert body["decision"] == "review" and [r["code"] for r in body["reasons"]] == ["crew"]
    passage = db.session.get(Passage, body["id"])
    assert passage is not None
    return passage


def test_certificates_read_by_the_document_camera_let_the_tanker_in(
    client: Any, demo: Demo
) -> None:
    passage = _tanker_waits(client, demo)
    driver_certificate = _certificate_of(demo.lox.driver, DRIVER)
    first = _post_document(client, demo, "driver_qualification", driver_certificate)
    assert first.status_code == 202, first.json
    assert first.json["result"] == "matches" and first.json["capture"] == passage.id
    # The driver alone is not the whole crew: the escort's certificate is still due.
    assert passage.decision is Decision.REVIEW
    again = _post_document(client, demo, "driver_qualification", driver_certificate)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    escort = _certificate_of(demo.lox.escort, ESCORT)
    assert _post_document(client, demo, "escort_qualification", escort).json["result"] == (
        "matches"
    )
    db.session.refresh(passage)
    assert passage.decision is Decision.ALLOW
    checks = {c["code"]: c for c in passage.checks}
    assert checks["crew"]["outcome"] == "pass" and checks["documents"]["outcome"] == "pass"
    assert SimulatedBarrier.opened == [("G1-HAZ", passage.id)]


def test_a_certificate_that_differs_goes_to_the_guard(client: Any, demo: Demo) -> None:
    passage = _tanker_waits(client, demo)
    held = _held(demo.lox.driver, DRIVER)
    other_number = held.number[:-3] + ("000" if not held.number.endswith("000") else "999")
    wrong = _certificate_of(demo.lox.driver, DRIVER, number=other_number)
    response = _post_document(client, demo, "driver_qualification", wrong)
    assert response.json["result"] == "differs", response.json
    expired = _certificate_of(demo.lox.escort, ESCORT, valid_until=date(2020, 3, 31).isoformat())
    assert _post_document(client, demo, "escort_qualification", expired).json["result"] == (
        "expired"
    )
    db.session.refresh(passage)
    assert passage.decision is Decision.REVIEW
    documents = {c["code"]: c for c in passage.checks}["documents"]
    assert documents["outcome"] == "fail"
    assert SimulatedBarrier.opened == []


def test_bad_document_requests_are_refused(client: Any, demo: Demo) -> None:
    photo = as_bytes(certificate("123456", "2030-01-01"), "JPEG")
    assert _post_document(client, demo, "driver_qualification", photo).status_code == 409
    _tanker_waits(client, demo)
    assert _post_document(client, demo, "passport", photo).status_code == 400
    assert _post_document(client, demo, "waybill", b"not an image").status_code == 400
    other = client.post(
        "/api/v1/lanes/G2-IN/documents",
        data={"kind": "waybill", "image": (io.BytesIO(photo), "x.jpg")},
        headers={"Authorization": f"Bearer {demo.token}"},
        content_type="multipart/form-data",
    )
    assert other.status_code in (403, 404)
    assert db.session.query(Document).filter(Document.passage_id.is_not(None)).count() == 0


def test_the_guard_photographs_the_drivers_certificate_at_the_kiosk(
    app: Flask, client: Any, demo: Demo
) -> None:
    passage = _tanker_waits(client, demo)
    kiosk = login_as(app.test_client(), demo.guard)
    page = kiosk.get(f"/kiosk/lanes/G1-HAZ?passage={passage.id}").get_data(as_text=True)
    assert 'capture="environment"' in page
    response = kiosk.post(
        f"/kiosk/passages/{passage.id}/documents",
        data={
            "csrf_token": csrf_token_from(page),
            "document-kind": "driver_qualification",
            "document-file": (
                io.BytesIO(_certificate_of(demo.lox.driver, DRIVER)),
                "IMG_0001.jpg",
            ),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "read, matches the records" in page
    listed = page.split('id="gate-documents"', 1)[1].split("</ul>", 1)[0]
    assert "driver" in listed and "read, matches the records" in listed
