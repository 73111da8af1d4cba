"""Adapters by ``type``: one explicit table, built once; no import-time registration."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from functools import cache
from typing import Any

from camera_adapters.base import CameraAdapter

log = logging.getLogger(__name__)

# type -> "module:Class"; an adapter whose optional dependency is missing is skipped.
_ADAPTERS = {
    "file": "camera_adapters.file:FileAdapter",
    "opencv": "camera_adapters.opencv:OpenCVAdapter",
    "snapshot": "camera_adapters.snapshot:SnapshotAdapter",
    "anpr_push": "camera_adapters.anpr_push:AnprPushAdapter",
}


class UnknownAdapterError(ValueError):
    pass


@cache
def available_adapters() -> Mapping[str, type[CameraAdapter]]:
    found: dict[str, type[CameraAdapter]] = {}
    for type_key, target in _ADAPTERS.items():
        module_name, _, class_name = target.partition(":")
        try:
            found[type_key] = getattr(importlib.import_module(module_name), class_name)
        except ImportError as exc:
            log.warning("camera adapter %s unavailable: %s", type_key, exc)
    return found


def create_adapter(config: Mapping[str, Any]) -> CameraAdapter:
    """Build the adapter named by ``config["type"]`` from a plain mapping (e.g. JSON)."""
    type_key = str(config.get("type"))
    adapters = available_adapters()
    if type_key not in adapters:
        raise UnknownAdapterError(f"unknown camera type {type_key!r}; known: {sorted(adapters)}")
    adapter_class = adapters[type_key]
    return adapter_class(adapter_class.config_model.model_validate(dict(config)))
