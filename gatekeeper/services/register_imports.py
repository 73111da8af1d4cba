"""Importing one of the park's registers (its people, its companies' vehicles) from a CSV or
XLSX file: every row checked as the register's form checks it, then all written or none. A
row that names a record registered already (by its key: a badge, an ID, a plate) changes
that record, what the row leaves empty kept: importing the same file again changes nothing.

A register describes itself as a :class:`RegisterImport`; the background job
(``jobs.imports``) runs it with the progress bar the import's page shows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gatekeeper.domain.messages import N_
from gatekeeper.models import FleetImport, User
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit
from gatekeeper.services.imports import new_job, read_rows
from gatekeeper.services.input_errors import InputErrors, Message, stored
from gatekeeper.services.storage import files_root


@dataclass(frozen=True)
class RegisterImport:
    what: str  # the import's kind, as kept on FleetImport.what
    columns: tuple[str, ...]
    example: dict[str, str]  # the template's example row
    data: Callable[[dict[str, str]], dict[str, Any]]  # a row as the service's input
    existing: Callable[[dict[str, Any]], Any]  # the record the input names, or None
    key: Callable[[dict[str, str]], tuple[str, str] | None]  # (column, key) a row is known by
    check: Callable[[dict[str, Any], Any], None]  # raises ``error``; writes nothing
    register: Callable[[dict[str, Any], User], Any]
    change: Callable[[Any, dict[str, Any], User], list[str]]
    current: Callable[[Any], dict[str, Any]]  # a record's stored values, as input
    error: type[InputErrors]
    # Errors of references a row names that do not exist (a company), by input field.
    unknown: Callable[[dict[str, str], dict[str, Any]], dict[str, Message]]
    field_columns: dict[str, str]  # the input's fields, by the column a person corrects

    def template_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns)
        writer.writeheader()
        writer.writerow(self.example)
        return out.getvalue()

    def start(self, user: User, filename: str, data: bytes) -> FleetImport:
        """Keep the file and queue its import (after the commit). No commit."""
        read_rows(data, filename)  # refuse an unreadable file now, beside the form
        job = new_job(user, self.what, filename or self.what, data)
        audit.record(
            f"{self.what}.import_started",
            entity_type="fleet_import",
            entity_id=job.id,
            details={"file": job.original_name},
        )
        return job

    def rows_of(self, job: FleetImport) -> list[dict[str, str]]:
        return read_rows((files_root() / job.stored_path).read_bytes(), job.original_name)

    def _merged(self, record: Any, data: dict[str, Any]) -> dict[str, Any]:
        """The row over the record's stored values: what the row leaves empty is kept."""
        if record is None:
            return data
        typed = {k: v for k, v in data.items() if v not in ("", None)}
        return {**self.current(record), **typed}

    def _row_errors(
        self, number: int, row: dict[str, str], errors: dict[str, Message]
    ) -> list[dict[str, Any]]:
        out = []
        for field, message in errors.items():
            column = self.field_columns.get(field, field)
            text, params = stored(message)
            value = str(row.get(column, ""))[:100]
            out.append(
                {"row": number, "field": column, "message": text, "params": params, "value": value}
            )
        return out

    def check_all(self, job: FleetImport, rows: list[dict[str, str]]) -> Iterator[int]:
        """Check every row (nothing written); errors kept on the import; yields after each."""
        errors: list[dict[str, Any]] = []
        seen: dict[tuple[str, str], int] = {}
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            key = self.key(row)
            if key is not None and key in seen:
                column = key[0]
                errors.append(
                    {
                        "row": number,
                        "field": column,
                        "message": N_("the same as row %(row)s"),
                        "params": {"row": seen[key]},
                        "value": row.get(column, ""),
                    }
                )
            else:
                if key is not None:
                    seen[key] = number
                data = self.data(row)
                record = self.existing(data)
                try:
                    self.check(self._merged(record, data), record)
                except self.error as exc:
                    found = {**dict(exc.errors), **self.unknown(row, data)}
                    errors += self._row_errors(number, row, found)
            job.errors = list(errors)
            yield number

    def write_all(self, job: FleetImport, rows: list[dict[str, str]], user: User) -> None:
        """Register or change every row (they were all checked); ``error`` if one no longer
        fits (changed meanwhile). No commit."""
        created = updated = 0
        for number, row in enumerate(rows, start=2):
            data = self.data(row)
            record = self.existing(data)
            try:
                if record is None:
                    self.register(data, user)
                    created += 1
                elif self.change(record, self._merged(record, data), user):
                    updated += 1
            except self.error as exc:
                job.errors = self._row_errors(number, row, dict(exc.errors))
                raise
        job.created, job.updated = created, updated
        job.status = "done"
        job.finished_at = utcnow()
        audit.record(
            f"{self.what}.imported",
            entity_type="fleet_import",
            entity_id=job.id,
            details={"created": created, "updated": updated},
            actor="import",
        )
