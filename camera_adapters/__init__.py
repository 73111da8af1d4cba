"""Frame and event sources behind one interface (file, OpenCV, snapshot, ANPR push),
built from plain config mappings by :func:`create_adapter`."""

from camera_adapters.base import AdapterConfig, CameraAdapter, CameraError, Health
from camera_adapters.registry import available_adapters, create_adapter

__all__ = [
    "AdapterConfig",
    "CameraAdapter",
    "CameraError",
    "Health",
    "available_adapters",
    "create_adapter",
]
