"""A table a person downloads from a page, as CSV (streamed) or XLSX, each cell in the
reader's words (``labels.report_value``); the rows come from ``services.exports``' users."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, abort, stream_with_context

from gatekeeper.services import exports
from gatekeeper.web.labels import report_value

KINDS = ("csv", "xlsx")


def attachment(body: Any, mimetype: str, name: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def table(
    kind: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str, name: str
) -> Response:
    """``kind``: csv or xlsx (anything else is 404); ``name``: the file's name without its
    extension; ``title``: the XLSX sheet's."""
    if kind == "xlsx":
        body = exports.to_xlsx(headers, rows, title, report_value)
        return attachment(body, exports.XLSX_TYPE, f"{name}.xlsx")
    if kind != "csv":
        abort(404)
    stream = stream_with_context(exports.to_csv(headers, rows, report_value))
    return attachment(stream, exports.CSV_TYPE, f"{name}.csv")
