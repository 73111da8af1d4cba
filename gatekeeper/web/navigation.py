"""Where a page sends the user back to after a form: only to a path of this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_next(target: str | None, default: str) -> str:
    """``target`` when it is a path of this site, else ``default``: a crafted "next" must not
    turn a form into a redirector to another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return default
