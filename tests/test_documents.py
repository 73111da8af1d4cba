"""Documents: a carrier uploads a photo or PDF of a certificate; the file is checked by its
content, stored outside the web root under a generated name, read in the background
(number, plate, dates, QR code) and compared with what was registered; the park reviews it."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from gatekeeper.domain.documents import (
    DIFFERS,
    MATCHES,
    NOT_FOUND,
    NOT_READ,
    Expected,
    compare,
    compare_value,
    find_dates,
)
from gatekeeper.extensions import db
from gatekeeper.models import (
    AuditEntry,
    Document,
    PersonKind,
    QualificationKind,
    ReviewStatus,
    Role,
)
from gatekeeper.services.clock import park_today
from gatekeeper.services.storage import files_root
from gatekeeper.vision.documents import check_file
from gatekeeper.vision.images import ImageError
from tests.conftest import csrf_token_from, login_as
from tests.document_samples import as_bytes, certificate, png_bomb
from tests.factories import make_carrier, make_person, make_user, make_vehicle, qualification

NUMBER = "320500199001011234"


# --- what a document shows against what was typed (no OCR) -----------------------------------


def test_dates_in_the_usual_spellings() -> None:
    lines = ["Valid until: 2027-11-30", "发证日期 2022年5月3日", "Issued 31.01.2024", "2027-13-45"]
    assert find_dates(lines) == [date(2027, 11, 30), date(2022, 5, 3), date(2024, 1, 31)]


def test_a_typed_number_is_found_despite_ocr_confusions_and_spaces() -> None:
    assert compare_value("苏交运管危 320500001", ["No.: 32O5 0000 1"])["state"] == MATCHES
    differs = compare_value("320500001", ["No.: 320500781"])
    assert differs["state"] == DIFFERS and differs["read"] == "320500781"
    assert compare_value("320500001", ["Name: WANG"])["state"] == NOT_FOUND
    assert compare_value(None, ["anything"])["state"] == NOT_READ


def test_the_comparison_lists_the_differences() -> None:
    reading = compare(
        ["No.: 320500199001011234", "Valid until: 2026-11-30", "Plate: ED8892"],
        Expected(number=NUMBER, plate="苏E·D8892", expires_on=date(2027, 11, 30)),
        qr=["GK:320500199001011234"],
    )
    assert reading["fields"]["number"]["state"] == MATCHES
    assert reading["fields"]["plate"]["state"] == MATCHES
    assert reading["fields"]["expires_on"] == {
        "typed": "2027-11-30",
        "read": "2026-11-30",
        "state": DIFFERS,
    }
    assert reading["differences"] == ["expires_on"] and reading["qr"] == ["GK:320500199001011234"]


# --- files checked by their content ---------------------------------------------------------


def _pdf(pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    page = certificate(NUMBER, "2027-11-30")
    page.save(buffer, format="PDF", save_all=True, append_images=[page] * (pages - 1))
    return buffer.getvalue()


def test_photos_and_pdfs_are_recognised_by_content() -> None:
    assert check_file(as_bytes(certificate(NUMBER, "2027-11-30"), "JPEG")).content_type == (
        "image/jpeg"
    )
    checked = check_file(_pdf(pages=2))
    assert checked.content_type == "application/pdf" and checked.pages == 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00 an executable named certificate.jpg", "not a JPEG or PNG"),
        (png_bomb(), "too large"),
        (b"%PDF-1.7\n this is not a PDF body", "corrupt"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "corrupt"),
        (b"\x00" * (11 * 1024 * 1024), "too large"),
    ],
)
def test_what_is_not_a_usable_document_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ImageError, match=reason):
        check_file(data)


def test_a_pdf_with_too_many_pages_is_refused() -> None:
    with pytest.raises(ImageError, match="too many pages"):
        check_file(_pdf(pages=11))


# --- upload, reading, review -----------------------------------------------------------------


def _stored_files() -> set[str]:
    return {str(p) for p in files_root().rglob("*") if p.is_file()}


def _driver(carrier: Any, number: str = NUMBER) -> Any:
    expiry = park_today() + timedelta(days=400)
    return make_person(
        PersonKind.DRIVER,
        carrier=carrier,
        full_name="王建国",
        qualifications=[
            qualification(QualificationKind.DG_DRIVER_CN, expiry, number=number, classes=["3"])
        ],
    )


def _upload(browser: Any, url: str, data: bytes, name: str, kind: str) -> Any:
    token = csrf_token_from(browser.get(url).get_data(as_text=True))
    return browser.post(
        url,
        data={"csrf_token": token, "kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_a_certificate_photo_is_read_and_matches_what_was_registered(
    app: Flask, session: Any
) -> None:
    user = make_user(Role.CARRIER)
    driver = _driver(user.carrier)
    db.session.commit()
    expiry = driver.qualifications[0].expires_on.isoformat()
    photo = as_bytes(certificate(NUMBER, expiry, qr=f"GK-CERT:{NUMBER};{expiry}"), "JPEG")
    browser = login_as(app.test_client(), user)
    url = f"/carrier/persons/{driver.id}/documents"
    response = _upload(browser, url, photo, "IMG_2041.jpg", "driver_qualification")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    document = db.session.scalar(select(Document).where(Document.person_id == driver.id))
    assert document.content_type == "image/jpeg" and document.read_status == "done"
    fields = document.reading["fields"]
    assert fields["number"]["state"] == MATCHES, document.reading
    assert fields["expires_on"]["state"] == MATCHES, document.reading
    assert document.reading["qr"] == [f"GK-CERT:{NUMBER};{expiry}"]
    assert document.reading["differences"] == []
    # Stored under a generated name in the storage folder, not under the web root.
    stored = files_root() / document.stored_path
    assert stored.read_bytes() == photo and "IMG_2041" not in document.stored_path
    assert "static" not in str(stored.resolve())
    # The carrier's page shows what was read, and the file under its own type.
    assert NUMBER in page and "matches" in page and f"GK-CERT:{NUMBER}" in page
    served = browser.get(f"/carrier/documents/{document.id}/file")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    served.close()
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"document.uploaded", "document.read"} <= actions


def test_the_reviewer_sees_the_differences_and_decides(app: Flask, session: Any) -> None:
    user = make_user(Role.CARRIER)
    vehicle = make_vehicle(
        carrier=user.carrier,
        plate="1-ABC-123",
        dg_permit_number="320500001",
        dg_permit_expiry=park_today() + timedelta(days=200),
    )
    db.session.commit()
    # The permit photographed shows another number and another expiry.
    photo = certificate("320500781", "2031-01-31", holder="1-ABC-123", title="道路运输证")
    browser = login_as(app.test_client(), user)
    _upload(
        browser,
        f"/carrier/vehicles/{vehicle.id}/documents",
        as_bytes(photo),
        "permit.png",
        "road_transport_certificate",
    )
    document = db.session.scalar(select(Document).where(Document.vehicle_id == vehicle.id))
    assert document.reading["fields"]["number"] == {
        "typed": "320500001",
        "read": "320500781",
        "state": DIFFERS,
    }
    assert set(document.reading["differences"]) >= {"number", "expires_on"}
    fleet_page = browser.get("/carrier/fleet").get_data(as_text=True)
    assert "differs from what you registered" in fleet_page

    manager = login_as(app.test_client(), make_user(Role.MANAGER))
    review = manager.get("/manage/review?what=documents").get_data(as_text=True)
    assert f'id="document-{document.id}"' in review and "320500781" in review
    assert "differs" in review
    served = manager.get(f"/manage/documents/{document.id}/file")
    assert served.status_code == 200 and served.mimetype == "image/png"
    served.close()
    token = csrf_token_from(review)
    decided = manager.post(
        f"/manage/review/documents/{document.id}/reject",
        data={"csrf_token": token, "comment": "the permit number differs"},
        follow_redirects=True,
    )
    assert "rejected" in decided.get_data(as_text=True)
    db.session.refresh(document)
    assert document.review_status is ReviewStatus.REJECTED
    page = browser.get(f"/carrier/vehicles/{vehicle.id}/documents").get_data(as_text=True)
    assert "the permit number differs" in page


def test_a_bad_file_is_explained_and_nothing_is_stored(app: Flask, session: Any) -> None:
    user = make_user(Role.CARRIER)
    driver = _driver(user.carrier)
    db.session.commit()
    browser = login_as(app.test_client(), user)
    url = f"/carrier/persons/{driver.id}/documents"
    before = _stored_files()
    for data, name, message in (
        (b"MZ\x90\x00 not a photo", "certificate.jpg", "not a photo (JPEG, PNG) or a PDF"),
        (png_bomb(), "huge.png", "too large"),
        (b"%PDF-1.4 broken", "scan.pdf", "damaged"),
    ):
        response = _upload(browser, url, data, name, "driver_qualification")
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert message in page.split('for="file"', 1)[1].split("</label>", 1)[0]
    # A vehicle's kind of document is not a person's.
    wrong = _upload(browser, url, as_bytes(Image.new("RGB", (64, 64))), "x.png", "vehicle_licence")
    assert wrong.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert _stored_files() == before


def test_another_carriers_documents_are_never_found(app: Flask, session: Any) -> None:
    mine = make_user(Role.CARRIER)
    theirs = _driver(make_carrier(code="THEIRS"))
    db.session.commit()
    browser = login_as(app.test_client(), mine)
    photo = as_bytes(certificate(NUMBER, "2027-11-30"))
    response = _upload(browser, "/carrier/fleet", photo, "x.png", "driver_qualification")
    assert response.status_code == 405  # the fleet page takes no upload
    url = f"/carrier/persons/{theirs.id}/documents"
    assert browser.get(url).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
