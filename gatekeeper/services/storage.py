"""Where stored files (captured frames, uploaded documents) live: one folder, shared by the
web and worker machines (GATEKEEPER_STORAGE_DIR)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app


def files_root() -> Path:
    return Path(current_app.config["GATEKEEPER"].files_dir)
