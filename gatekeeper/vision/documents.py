"""Reading documents (certificates, permits, waybills): PDF pages rendered to images,
the text found and read by EasyOCR's detector and recogniser (loaded once per process),
QR codes decoded by OpenCV.

Uploaded files are checked by their content: a JPEG or PNG through the same guard as
camera frames (declared size before decoding, so an image bomb is refused cheaply), a PDF
opened by PDFium with a cap on pages and on the pixels a page may render to.
"""

from __future__ import annotations

import logging
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from gatekeeper.vision.images import MAX_PIXELS, Frame, ImageError, decode_image

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 10
READ_PAGES = 2  # a certificate's facts are on its first pages
READ_LONG_SIDE = 1600  # pixels: enough for printed text, quick for the detector
PDF_DPI = 150

_lock = threading.Lock()
_reader: Any = None


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    pages: int


def check_file(data: bytes) -> CheckedFile:
    """What the bytes are (by content, never by name), or :class:`ImageError` saying why
    they are refused."""
    if not data:
        raise ImageError("empty file")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ImageError(f"file too large ({len(data)} bytes; at most {MAX_DOCUMENT_BYTES})")
    if data.startswith(b"%PDF-"):
        return CheckedFile("application/pdf", "pdf", len(render_pdf(data, pages=0)[1]))
    decode_image(data)  # JPEG or PNG, size declared and decoded, or refused
    if data.startswith(b"\x89PNG"):
        return CheckedFile("image/png", "png", 1)
    return CheckedFile("image/jpeg", "jpg", 1)


def render_pdf(data: bytes, pages: int = READ_PAGES) -> tuple[list[Frame], list[int]]:
    """The first ``pages`` pages rendered at 150 dpi (BGR frames), and every page's
    rendered pixel count. A corrupt PDF, too many pages or a page too large to render
    raise :class:`ImageError`."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ImageError("corrupt or encrypted PDF") from exc
    try:
        count = len(document)
        if count == 0:
            raise ImageError("a PDF without pages")
        if count > MAX_PDF_PAGES:
            raise ImageError(f"too many pages ({count}; at most {MAX_PDF_PAGES})")
        scale = PDF_DPI / 72
        sizes = []
        for index in range(count):
            width, height = document[index].get_size()
            pixels = int(width * scale) * int(height * scale)
            if pixels > MAX_PIXELS:
                raise ImageError(f"page {index + 1} too large to render")
            sizes.append(pixels)
        frames = []
        for index in range(min(pages, count)):
            bitmap = document[index].render(scale=scale)
            rgb = np.asarray(bitmap.to_numpy())[:, :, :3]
            frames.append(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        return frames, sizes
    finally:
        document.close()


def frames_of(data: bytes, content_type: str) -> list[Frame]:
    if content_type == "application/pdf":
        return render_pdf(data)[0]
    return [decode_image(data)]


def _fit(frame: Frame, long_side: int = READ_LONG_SIDE) -> Frame:
    height, width = frame.shape[:2]
    factor = long_side / max(height, width)
    if factor >= 1:
        return frame
    size = (int(width * factor), int(height * factor))
    resized: Frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    return resized


def get_reader() -> Any:
    """EasyOCR's detector and recogniser for the process, made on first use, then reused."""
    global _reader
    if _reader is None:
        with _lock:
            if _reader is None:
                import easyocr
                import easyocr_en_models

                log.info("loading EasyOCR's text detector and recogniser")
                _reader = easyocr.Reader(
                    ["en"],
                    gpu=False,
                    model_storage_directory=easyocr_en_models.model_dir(),
                    download_enabled=False,
                    verbose=False,
                )
    return _reader


def read_lines(frame: Frame) -> list[str]:
    """The lines of text on a page, top to bottom."""
    with warnings.catch_warnings():
        # EasyOCR asks its data loader to pin memory, which a CPU cannot: harmless.
        warnings.filterwarnings("ignore", message=".*pin_memory.*", category=UserWarning)
        results = get_reader().readtext(_fit(frame), detail=1, paragraph=False)
    boxes = sorted(results, key=lambda r: (min(p[1] for p in r[0]), min(p[0] for p in r[0])))
    lines: list[list[Any]] = []
    for box, text, _confidence in boxes:
        top = min(p[1] for p in box)
        bottom = max(p[1] for p in box)
        if lines and top < lines[-1][1]:  # overlaps the line above: the same line
            lines[-1][2].append((min(p[0] for p in box), text))
            lines[-1][1] = max(lines[-1][1], (top + bottom) / 2)
        else:
            lines.append([top, (top + bottom) / 2, [(min(p[0] for p in box), text)]])
    return [" ".join(text for _, text in sorted(parts)) for _, _, parts in lines]


def _qr_detectors() -> list[Any]:
    """OpenCV's classic QR detector, then its ArUco-based one, which decodes the codes the
    first misses now and then (1 in 10 printed booking passes rendered at 150 dpi)."""
    found: list[Any] = [cv2.QRCodeDetector()]
    if hasattr(cv2, "QRCodeDetectorAruco"):
        found.append(cv2.QRCodeDetectorAruco())
    return found


def decode_qr(frame: Frame) -> list[str]:
    """The texts of the QR codes on a page, if any."""
    for detector in _qr_detectors():
        try:
            found, texts, _points, _codes = detector.detectAndDecodeMulti(frame)
        except cv2.error:
            found, texts = False, ()
        decoded = [t for t in texts if t] if found else []
        if not decoded:
            try:
                text, _points, _code = detector.detectAndDecode(frame)
            except cv2.error:
                text = ""
            decoded = [text] if text else []
        if decoded:
            return decoded
    return []
