"""Reading licence plates and orange hazard plates from camera frames.

Pure image code (OpenCV + EasyOCR): no Flask, no database. ``read_vehicle`` is the entry
point; everything it returns is a plain dataclass that serialises to JSON.
"""

from gatekeeper.vision.pipeline import PipelineConfig, read_frame, read_vehicle
from gatekeeper.vision.types import Box, HazardPlateRead, PlateCandidate, VisionResult

__all__ = [
    "Box",
    "HazardPlateRead",
    "PipelineConfig",
    "PlateCandidate",
    "VisionResult",
    "read_frame",
    "read_vehicle",
]
