"""The import pages: the upload step (a carrier's fleet, the park's bookings and registers),
where the file is kept and its job queued or the reason it cannot be imported is shown
beside the field; and the pages of a park register's imports (:func:`add_register_imports`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select

from gatekeeper.access import roles_required
from gatekeeper.extensions import db
from gatekeeper.models import FleetImport, Role
from gatekeeper.services.imports import ImportError_, errors_csv
from gatekeeper.services.imports import queue as import_queue
from gatekeeper.services.register_imports import RegisterImport
from gatekeeper.web import downloads


def upload(
    form: Any,
    start: Callable[[str, bytes], FleetImport],
    queue: Callable[[FleetImport], None],
) -> tuple[ResponseReturnValue | None, int]:
    """(the redirect to the new import's page, 302) when started; else (None, status)."""
    if not form.validate_on_submit():
        return None, 400 if form.is_submitted() else 200
    file = form.file.data
    try:
        job = start(file.filename or "", file.read())
    except ImportError_ as exc:
        db.session.rollback()
        form.file.errors = [*form.file.errors, gettext(str(exc))]
        return None, 400
    db.session.commit()
    queue(job)
    return redirect(url_for(".import_status", import_id=job.id)), 302


@dataclass(frozen=True)
class RegisterImportPages:
    """The words of a register's import pages (lazily translated)."""

    title: Any  # "Import employees and contractors"
    explanation: Any
    list_endpoint: str  # the register's list, linked from the pages
    list_title: Any
    done: Any  # "%(created)s ... registered, %(updated)s changed."
    template_name: str  # the template file's name


class ImportForm(FlaskForm):
    """A register's list: CSV or XLSX, one record per row."""

    file = FileField(
        _l("CSV or XLSX file (at most 2000 rows)"),
        validators=[FileRequired(message=_l("choose a file"))],
    )


def add_register_imports(
    bp: Blueprint,
    url: str,
    register: RegisterImport,
    pages: RegisterImportPages,
    roles: Iterable[Role],
) -> None:
    """The import pages of a park register under ``url`` on ``bp``: upload (with the earlier
    imports), an import's progress and its rows to correct, the errors as CSV, the
    template; endpoints ``imports_page``, ``import_status``, ``import_errors``,
    ``import_template``."""
    guard = roles_required(*roles)

    def listed() -> Any:
        return select(FleetImport).where(FleetImport.what == register.what)

    def one(import_id: int) -> FleetImport:
        job: FleetImport | None = db.session.scalar(listed().where(FleetImport.id == import_id))
        if job is None:
            abort(404)
        return job

    def imports_page() -> ResponseReturnValue:
        form = ImportForm()
        started, status = upload(
            form, lambda name, data: register.start(current_user, name, data), import_queue
        )
        if started is not None:
            return started
        earlier = db.session.scalars(listed().order_by(FleetImport.id.desc()).limit(20)).all()
        page = render_template(
            "_register_imports.html", form=form, earlier=earlier, pages=pages, bp=bp.name
        )
        return page, status

    def import_status(import_id: int) -> ResponseReturnValue:
        return render_template("_register_import.html", job=one(import_id), pages=pages, bp=bp.name)

    def import_errors(import_id: int) -> ResponseReturnValue:
        job = one(import_id)
        name = f"{register.what}-import-{job.id}-errors.csv"
        return downloads.attachment("\ufeff" + errors_csv(job, gettext), "text/csv", name)

    def import_template() -> ResponseReturnValue:
        body = "\ufeff" + register.template_csv()
        return downloads.attachment(body, "text/csv", pages.template_name)

    bp.add_url_rule(url, view_func=guard(imports_page), methods=["GET", "POST"])
    bp.add_url_rule(f"{url}/<int:import_id>", view_func=guard(import_status))
    bp.add_url_rule(f"{url}/<int:import_id>/errors.csv", view_func=guard(import_errors))
    bp.add_url_rule(f"{url}/template.csv", view_func=guard(import_template))
