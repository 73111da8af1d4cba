"""The pipeline's results: plain dataclasses that serialise to JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in the pixel coordinates of the original frame."""

    x: int
    y: int
    w: int
    h: int

    def scaled(self, factor: float) -> Box:
        return Box(
            round(self.x * factor),
            round(self.y * factor),
            round(self.w * factor),
            round(self.h * factor),
        )

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    def iou(self, other: Box) -> float:
        """Intersection over union: 1 for the same box, 0 for disjoint ones."""
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1 = min(self.x + self.w, other.x + other.w)
        y1 = min(self.y + self.h, other.y + other.h)
        inter = max(0, x1 - x0) * max(0, y1 - y0)
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union else 0.0

    def holds_centre_of(self, inner: Box) -> bool:
        cx, cy = inner.x + inner.w / 2, inner.y + inner.h / 2
        return self.x <= cx <= self.x + self.w and self.y <= cy <= self.y + self.h


@dataclass(frozen=True)
class PlateCandidate:
    text: str
    confidence: float
    format: str | None = None  # e.g. "BR", "EU", "US"; None when no known format fits


@dataclass(frozen=True)
class HazardPlateRead:
    hin: str | None
    un: str | None
    confidence: float
    box: Box | None
    # True when the HIN is one that ADR gives this UN number.
    consistent: bool = False
    hin_valid: bool = False
    un_known: bool = False


@dataclass
class VisionResult:
    plate: str | None = None
    confidence: float = 0.0
    format: str | None = None
    candidates: list[PlateCandidate] = field(default_factory=list)
    plate_box: Box | None = None
    # A Chinese plate's colour (blue, yellow, green, yellow_green, white, black).
    plate_colour: str | None = None
    hazard: HazardPlateRead | None = None
    # Every orange plate read in the frame, best first (``hazard`` is the first).
    hazard_plates: list[HazardPlateRead] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    frames: int = 1
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["plate_box"] = self.plate_box.as_list() if self.plate_box else None
        if self.hazard is not None:
            data["hazard"]["box"] = self.hazard.box.as_list() if self.hazard.box else None
        for plate, read in zip(data["hazard_plates"], self.hazard_plates, strict=True):
            plate["box"] = read.box.as_list() if read.box else None
        return data
