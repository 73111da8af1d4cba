"""The safety office's register of the park's employees and contractors (services.staff):
who they are, who they work for, their badge, and the induction and insurance a contractor
needs to walk in; searched, filtered by what needs attention, exported."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.domain.expiry import expiry_state
from gatekeeper.extensions import db
from gatekeeper.models import Person, PersonKind, QualificationKind
from gatekeeper.services import staff, staff_imports
from gatekeeper.services.clock import park_today
from gatekeeper.services.park import park_settings
from gatekeeper.web import downloads
from gatekeeper.web.arguments import companies, company_arg, company_choices, member
from gatekeeper.web.form_errors import save_form, saved_message
from gatekeeper.web.imports import RegisterImportPages, add_register_imports
from gatekeeper.web.labels import label_of
from gatekeeper.web.paging import paginate
from gatekeeper.web.staff.forms import StaffForm

bp = Blueprint("staff", __name__, template_folder="templates", url_prefix="/manage")
PER_PAGE = 25


@dataclass(frozen=True)
class _Filters:
    """The list's arguments (``who``: employees or contractors; ``company``; ``attention``;
    ``q``), with the day and the warning days they are judged on."""

    kind: PersonKind | None
    company_id: int | None
    text: str
    attention: staff.Attention
    today: date
    warning_days: int

    def listing(self) -> Any:
        return staff.listing(
            self.kind, self.company_id, self.text, self.attention, self.today, self.warning_days
        )


def _filters() -> _Filters:
    kind = member(PersonKind, request.args.get("who"))
    if kind is not None and kind not in staff.KINDS:
        abort(400)
    attention = member(staff.Attention, request.args.get("attention")) or staff.Attention.ALL
    return _Filters(
        kind,
        company_arg(),
        request.args.get("q", "").strip()[:40],
        attention,
        park_today(),
        park_settings().expiry_warning_days,
    )


@bp.route("/people")
@roles_required(*STAFF_ROLES)
def index() -> ResponseReturnValue:
    f = _filters()
    return render_template(
        "staff/index.html",
        page=paginate(f.listing(), PER_PAGE),
        kind=f.kind,
        company_id=f.company_id,
        q=f.text,
        attention=f.attention,
        # The filters as the links keep them (the pager, the downloads); "kind" is the
        # download's, so the person kind travels as "who".
        args={
            "who": f.kind.value if f.kind else None,
            "company": f.company_id,
            "attention": f.attention.value,
            "q": f.text or None,
        },
        companies=companies(),
        attentions=[
            (staff.Attention.ALL, gettext("everyone")),
            (staff.Attention.BARRED, gettext("contractors kept out today")),
            (
                staff.Attention.EXPIRING,
                gettext("ending within %(days)s days", days=f.warning_days),
            ),
            (staff.Attention.LEFT, gettext("who work here no longer")),
        ],
        today=f.today,
        kind_words={k.value: label_of(k) for k in staff.KINDS},
        induction=QualificationKind.INDUCTION,
        insurance=QualificationKind.INSURANCE,
        last_day=staff.last_day,
        state_of=lambda day: expiry_state(day, f.today, f.warning_days),
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
    rows = _export_rows(db.session.scalars(_filters().listing()))
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
    form.company_id.choices = company_choices()
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
