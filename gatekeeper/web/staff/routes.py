"""The safety office's register of the park's employees and contractors (services.staff):
who they are, who they work for, their badge, and the induction and insurance a contractor
needs to walk in; searched, filtered by what needs attention, exported."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.domain.expiry import expiry_state
from gatekeeper.extensions import db
from gatekeeper.models import Company, Person, PersonKind, QualificationKind
from gatekeeper.models.types import record_id
from gatekeeper.services import staff, staff_imports
from gatekeeper.services.clock import park_today
from gatekeeper.services.park import park_settings
from gatekeeper.web import downloads
from gatekeeper.web.form_errors import save_form, saved_message
from gatekeeper.web.imports import RegisterImportPages, add_register_imports
from gatekeeper.web.labels import label_of
from gatekeeper.web.paging import paginate
from gatekeeper.web.staff.forms import StaffForm

bp = Blueprint("staff", __name__, template_folder="templates", url_prefix="/manage")
PER_PAGE = 25


def _filters() -> tuple[PersonKind | None, int | None, str, staff.Attention]:
    """The list's arguments; a value no link sends is a bad request."""
    kind_arg = request.args.get("who") or None
    if kind_arg is not None and kind_arg not in {k.value for k in staff.KINDS}:
        abort(400)
    company = request.args.get("company") or None
    company_id = record_id(company) if company else None
    if company and company_id is None:
        abort(400)
    try:
        attention = staff.Attention(request.args.get("attention") or "all")
    except ValueError:
        abort(400)
    kind = PersonKind(kind_arg) if kind_arg else None
    return kind, company_id, request.args.get("q", "").strip()[:40], attention


def _listing() -> Any:
    kind, company_id, text, attention = _filters()
    return staff.listing(
        kind, company_id, text, attention, park_today(), park_settings().expiry_warning_days
    )


def _companies() -> list[Company]:
    return list(db.session.scalars(select(Company).order_by(Company.name)))


@bp.route("/people")
@roles_required(*STAFF_ROLES)
def index() -> ResponseReturnValue:
    kind, company_id, text, attention = _filters()
    today, warning_days = park_today(), park_settings().expiry_warning_days
    return render_template(
        "staff/index.html",
        page=paginate(_listing(), PER_PAGE),
        kind=kind,
        company_id=company_id,
        q=text,
        attention=attention,
        # The filters as the links keep them (the pager, the downloads); "kind" is the
        # download's, so the person kind travels as "who".
        args={
            "who": kind.value if kind else None,
            "company": company_id,
            "attention": attention.value,
            "q": text or None,
        },
        companies=_companies(),
        attentions=[
            (staff.Attention.ALL, gettext("everyone")),
            (staff.Attention.BARRED, gettext("contractors kept out today")),
            (
                staff.Attention.EXPIRING,
                gettext("ending within %(days)s days", days=warning_days),
            ),
            (staff.Attention.LEFT, gettext("who work here no longer")),
        ],
        today=today,
        kind_words={k.value: label_of(k) for k in staff.KINDS},
        induction=QualificationKind.INDUCTION,
        insurance=QualificationKind.INSURANCE,
        last_day=staff.last_day,
        state_of=lambda day: expiry_state(day, today, warning_days),
    )


@bp.route("/people.<kind>")
@roles_required(*STAFF_ROLES)
def export(kind: str) -> ResponseReturnValue:
    headers = [
        gettext("Name"),
        gettext("Kind"),
        gettext("Company"),
        gettext("Badge"),
        gettext("ID"),
        gettext("Phone"),
        gettext("Safety induction valid until"),
        gettext("Insurance valid until"),
        gettext("Works here until"),
        gettext("Standing"),
    ]
    rows = _export_rows(db.session.scalars(_listing()))
    return downloads.table(kind, headers, rows, gettext("Employees and contractors"), "people")


def _export_rows(people: Any) -> Iterator[list[Any]]:
    for p in people:
        induction = staff.last_day(p, QualificationKind.INDUCTION)
        insurance = staff.last_day(p, QualificationKind.INSURANCE)
        yield [
            p.full_name,
            p.kind,
            p.company.name if p.company else "",
            p.badge_number or "",
            p.id_masked or "",
            p.phone or "",
            induction.isoformat() if induction else "",
            insurance.isoformat() if insurance else "",
            p.registered_until.isoformat() if p.registered_until else "",
            p.standing,
        ]


def _form(person: Person | None) -> StaffForm:
    form = StaffForm(data=staff.current(person) if person and request.method == "GET" else None)
    form.company_id.choices = [("", gettext("— choose —"))] + [
        (str(c.id), c.name) for c in _companies()
    ]
    if person is not None and request.method == "GET":
        form.company_id.data = str(person.company_id or "")
        form.id_document_type.data = (
            person.id_document_type.value if person.id_document_type else ""
        )
    return form


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new() -> ResponseReturnValue:
    form = _form(None)
    person = save_form(
        form, lambda: staff.register(form.data_for_service(), current_user), staff.StaffError
    )
    if person is not None:
        flash(gettext("%(name)s is registered", name=person.full_name), "ok")
        return redirect(url_for(".index", q=person.full_name))
    return render_template("staff/form.html", form=form, person=None)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit(person_id: int) -> ResponseReturnValue:
    person = db.session.get(Person, person_id)
    if person is None or person.kind not in staff.KINDS or person.carrier_id is not None:
        abort(404)
    form = _form(person)
    changed = save_form(
        form, lambda: staff.change(person, form.data_for_service(), current_user), staff.StaffError
    )
    if changed is not None:
        flash(saved_message(person.full_name, changed), "ok")
        return redirect(url_for(".index", q=person.full_name))
    return render_template("staff/form.html", form=form, person=person)


# --- importing a staff list -----------------------------------------------------------------

add_register_imports(
    bp,
    "/people/imports",
    staff_imports.PEOPLE,
    RegisterImportPages(
        title=_l("Import employees and contractors"),
        explanation=_l(
            "A company's staff list as a CSV or XLSX file, one person per row; the company by "
            "its code or name. Every row is checked as the register's form checks it; if any "
            "is wrong nothing is imported and the wrong rows are listed. A row whose badge or "
            "ID is registered already changes that person (what it leaves empty is kept), so "
            "importing a file twice registers nobody twice."
        ),
        list_endpoint="staff.index",
        list_title=_l("Employees and contractors"),
        done=_l("%(created)s people registered, %(updated)s changed."),
        template_name="gatekeeper-people.csv",
    ),
    STAFF_ROLES,
)
