"""Where stored files (captured frames, uploaded documents) live: one folder, shared by the
web and worker machines (GATEKEEPER_STORAGE_DIR)."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import current_app


def files_root() -> Path:
    return Path(current_app.config["GATEKEEPER"].files_dir)


def store_new(folder: str, extension: str, data: bytes) -> str:
    """Write ``data`` under a generated name in ``folder/YYYY/MM/DD`` of the storage root,
    atomically (a reader never sees half a file); returns the path relative to the root."""
    from gatekeeper.models.types import utcnow

    relative = Path(folder, f"{utcnow():%Y/%m/%d}", f"{uuid.uuid4().hex}.{extension}")
    target = files_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    return str(relative)
