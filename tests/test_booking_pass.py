"""Booking passes and e-waybills: a signed pass (page, PDF, QR) that the gate accepts as
evidence when it is genuine, this vehicle's and valid; a changed pass is refused; an
e-waybill's QR payload is compared with the booking (plate, date, consignee, goods)."""

from __future__ import annotations

import io
import json
from typing import Any

import pypdfium2
from flask import Flask
from sqlalchemy import select

from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.models import Booking, BookingStatus, Passage, Role
from gatekeeper.services import passes
from gatekeeper.services.clock import park_today
from tests.conftest import csrf_token_from, login_as
from tests.factories import make_user
from tests.gate_samples import LOX_PLATE, Demo


def _tanker_waits(client: Any, demo: Demo) -> Passage:
    body = demo.post_event(
        client, "G1-HAZ", event_id="pass-1", plate="Q-AKX-769", hazard=LOX_PLATE
    ).json
    passage = db.session.get(Passage, body["id"])
    assert passage is not None
    return passage


def _scan(client: Any, demo: Demo, **body: Any) -> Any:
    response = client.post(
        "/api/v1/lanes/G1-HAZ/scans", json=body, headers={"Authorization": f"Bearer {demo.token}"}
    )
    db.session.expire_all()
    return response


def _check(passage: Passage, code: str) -> dict[str, Any]:
    db.session.refresh(passage)
    return {c["code"]: c for c in passage.checks}[code]


def test_a_pass_token_is_signed_and_a_changed_one_is_not_genuine(demo: Demo) -> None:
    token = passes.pass_token(demo.lox)
    read = passes.read_pass(token)
    assert read.genuine and read.reference == demo.lox.reference
    assert read.plate == demo.lox.vehicle.plate
    assert read.valid_from is not None and read.valid_from < demo.lox.window_start
    # One character of the payload changed: the signature no longer verifies.
    position = len(passes.PREFIX) + 5
    tampered = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
    assert not passes.read_pass(tampered).genuine
    # A pass signed with another installation's key is not genuine either.
    forged = (
        passes.PREFIX + token[len(passes.PREFIX) :].split(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA"
    )
    assert not passes.read_pass(forged).genuine


def test_the_genuine_pass_shows_in_the_checklist(client: Any, demo: Demo) -> None:
    passage = _tanker_waits(client, demo)
    assert _check(passage, "booking_pass")["outcome"] == "not_applicable"
    response = _scan(client, demo, text=passes.pass_token(demo.lox))
    assert response.status_code == 200 and response.json["scanned"] == "pass"
    check = _check(passage, "booking_pass")
    assert check["outcome"] == "pass" and demo.lox.reference in check["message"]


def test_a_tampered_or_foreign_pass_goes_to_the_guard(client: Any, demo: Demo) -> None:
    passage = _tanker_waits(client, demo)
    token = passes.pass_token(demo.lox)
    _scan(client, demo, text=token[:-3] + "xyz")
    check = _check(passage, "booking_pass")
    assert check["outcome"] == "fail" and "not genuine" in check["message"]
    assert passage.decision is not Decision.ALLOW
    other = db.session.scalar(select(Booking).where(Booking.reference.like("BK-%-002")))
    _scan(client, demo, text=passes.pass_token(other))
    check = _check(passage, "booking_pass")
    assert check["outcome"] == "fail" and other.reference in check["message"]


def test_the_lane_camera_frame_with_the_pass_qr_is_read(client: Any, demo: Demo) -> None:
    passage = _tanker_waits(client, demo)
    png = passes.qr_png(passes.pass_token(demo.lox))
    response = client.post(
        "/api/v1/lanes/G1-HAZ/scans",
        data={"image": (io.BytesIO(png), "frame.png")},
        headers={"Authorization": f"Bearer {demo.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.json
    assert _check(passage, "booking_pass")["outcome"] == "pass"
    blank = io.BytesIO(passes.qr_png("x")[:60])
    refused = client.post(
        "/api/v1/lanes/G1-HAZ/scans",
        data={"image": (blank, "frame.png")},
        headers={"Authorization": f"Bearer {demo.token}"},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert _scan(client, demo, text="").status_code == 400
    for body in ([1, 2], "text", None):
        wrong = client.post(
            "/api/v1/lanes/G1-HAZ/scans",
            json=body,
            headers={"Authorization": f"Bearer {demo.token}"},
        )
        assert wrong.status_code == 400, body


def test_the_guard_scans_the_pass_at_the_kiosk(app: Flask, client: Any, demo: Demo) -> None:
    passage = _tanker_waits(client, demo)
    kiosk = login_as(app.test_client(), demo.guard)
    page = kiosk.get(f"/kiosk/lanes/G1-HAZ?passage={passage.id}").get_data(as_text=True)
    response = kiosk.post(
        f"/kiosk/passages/{passage.id}/scan",
        data={"csrf_token": csrf_token_from(page), "scan-text": passes.pass_token(demo.lox)},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert f"Booking pass scanned: {demo.lox.reference}" in page
    assert f"Booking pass {demo.lox.reference} scanned: genuine and valid" in page


def _ewaybill(demo: Demo, **changes: Any) -> str:
    payload = {
        "waybill_no": demo.lox.waybill_number,
        "plate": demo.lox.vehicle.plate,
        "date": park_today().isoformat(),
        "consignee": demo.lox.company.name,
        "goods": [{"un": line.un_number, "quantity": 20000} for line in demo.lox.cargo],
    }
    payload.update(changes)
    return json.dumps(payload, ensure_ascii=False)


def test_an_e_waybill_that_matches_the_booking_passes(client: Any, demo: Demo) -> None:
    passage = _tanker_waits(client, demo)
    assert _scan(client, demo, text=_ewaybill(demo)).json["scanned"] == "ewaybill"
    check = _check(passage, "waybill")
    assert check["outcome"] == "pass" and "matches the booking" in check["message"]


def test_an_e_waybill_in_chinese_field_names_is_read(client: Any, demo: Demo) -> None:
    passage = _tanker_waits(client, demo)
    text = json.dumps(
        {
            "运单编号": demo.lox.waybill_number,
            "车牌号码": demo.lox.vehicle.plate,
            "运输日期": park_today().isoformat(),
            "收货人": demo.lox.company.code,
            "货物": [{"UN编号": f"UN{line.un_number}"} for line in demo.lox.cargo],
        },
        ensure_ascii=False,
    )
    _scan(client, demo, text=text)
    assert _check(passage, "waybill")["outcome"] == "pass"


def test_an_e_waybill_that_differs_is_refused_with_each_difference(client: Any, demo: Demo) -> None:
    passage = _tanker_waits(client, demo)
    wrong = _ewaybill(
        demo, consignee="Another Chemicals Co", date="2020-01-01", goods=[{"un": "1203"}]
    )
    _scan(client, demo, text=wrong)
    check = _check(passage, "waybill")
    assert check["outcome"] == "fail"
    for words in ("consignee Another Chemicals Co", "dated 2020-01-01", "goods UN 1203"):
        assert words in check["message"]
    assert passage.decision is Decision.DENY
    assert _scan(client, demo, text='{"plate": "X"}').status_code == 400  # no number


def test_the_pass_page_and_pdf_of_an_approved_booking(app: Flask, demo: Demo) -> None:
    dispatcher = login_as(app.test_client(), make_user(Role.DISPATCHER))
    reference = demo.lox.reference
    detail = dispatcher.get(f"/dispatch/bookings/{reference}").get_data(as_text=True)
    assert 'class="park-map' in detail and "route-leg" in detail and "CP1" in detail
    page = dispatcher.get(f"/dispatch/bookings/{reference}/pass").get_data(as_text=True)
    assert "<svg" in page and reference in page and demo.lox.vehicle.plate in page
    pdf = dispatcher.get(f"/dispatch/bookings/{reference}/pass.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pypdfium2.PdfDocument(pdf.data)[0].get_textpage().get_text_range()
    assert reference in text and demo.lox.vehicle.plate in text
    # Not approved yet: no pass.
    demo.lox.status = BookingStatus.REQUESTED
    db.session.commit()
    refused = dispatcher.get(f"/dispatch/bookings/{reference}/pass", follow_redirects=True)
    assert "once the park has approved" in refused.get_data(as_text=True)


def test_a_carrier_sees_only_its_own_bookings_and_passes(app: Flask, demo: Demo) -> None:
    own = make_user(Role.CARRIER, carrier=demo.lox.carrier)
    browser = login_as(app.test_client(), own)
    assert browser.get(f"/carrier/bookings/{demo.lox.reference}").status_code == 200
    assert browser.get(f"/carrier/bookings/{demo.lox.reference}/pass.pdf").status_code == 200
    other = db.session.scalar(select(Booking).where(Booking.carrier_id != demo.lox.carrier_id))
    for suffix in ("", "/pass", "/pass.pdf"):
        assert browser.get(f"/carrier/bookings/{other.reference}{suffix}").status_code == 404


def test_printed_pass_qr_codes_are_read_every_time() -> None:
    """40 passes printed to PDF (58 mm QR codes with signed tokens of a pass's length,
    rendered at 150 dpi as the document reader does): every code is read. OpenCV's classic
    detector alone misses about 1 in 10; its ArUco-based one takes over."""
    import random
    import string

    from fpdf import FPDF

    from gatekeeper.vision.documents import decode_qr, render_pdf

    rng = random.Random(7)  # noqa: S311 (fixed test data, not a secret)
    alphabet = string.ascii_letters + string.digits + "-_"
    missed = []
    for _ in range(40):
        token = "GKP1." + "".join(rng.choice(alphabet) for _ in range(200))
        pdf = FPDF()
        pdf.add_page()
        pdf.image(io.BytesIO(passes.qr_png(token)), x=140, y=12, w=58)
        frames, _sizes = render_pdf(bytes(pdf.output()))
        if decode_qr(frames[0]) != [token]:
            missed.append(token)
    assert missed == []
