"""The park manager's blacklist: vehicles and people barred from the park, barred here and
lifted here (``services.standing``); the gate refuses them while the bar holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import Select

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.domain.standing import barred_on
from gatekeeper.extensions import db
from gatekeeper.models import Person, Standing, Vehicle, VehicleKind
from gatekeeper.services import people, standing
from gatekeeper.services.clock import park_today
from gatekeeper.web import downloads
from gatekeeper.web.arguments import member
from gatekeeper.web.blacklist.forms import BarForm, LiftForm, VehicleBarForm
from gatekeeper.web.form_errors import save_form
from gatekeeper.web.labels import label_of
from gatekeeper.web.navigation import local_next
from gatekeeper.web.paging import paginate

bp = Blueprint("blacklist", __name__, template_folder="templates", url_prefix="/manage")
PER_PAGE = 25
FOUND_LIMIT = 30
SUBJECTS = ("vehicles", "persons")


def _filters() -> tuple[str, standing.Period, str]:
    """The list's arguments: what (vehicles or persons), the period and the search text;
    a value no link sends is a bad request."""
    what = request.args.get("what", "vehicles")
    if what not in SUBJECTS:
        abort(400)
    period = member(standing.Period, request.args.get("period")) or standing.Period.CURRENT
    return what, period, request.args.get("q", "").strip()[:40]


def _barred(what: str, period: standing.Period, text: str, today: date) -> Select[Any]:
    listed = standing.barred_vehicles if what == "vehicles" else standing.barred_persons
    return listed(period, text, today)


@bp.route("/blacklist")
@roles_required(*STAFF_ROLES)
def index() -> ResponseReturnValue:
    what, period, text = _filters()
    today = park_today()
    find = request.args.get("find", "").strip()[:80] if what == "persons" else ""
    return render_template(
        "blacklist/index.html",
        what=what,
        period=period,
        periods=[
            (standing.Period.CURRENT, gettext("in force")),
            (standing.Period.ENDED, gettext("ended")),
            (standing.Period.ALL, gettext("all")),
        ],
        q=text,
        find=find,
        found=people.find(find, FOUND_LIMIT) if find else [],
        page=paginate(_barred(what, period, text, today), PER_PAGE),
        in_force=lambda subject: barred_on(subject.standing.value, subject.standing_until, today),
        lift_form=LiftForm(),
    )


@bp.route("/blacklist.<kind>")
@roles_required(*STAFF_ROLES)
def export(kind: str) -> ResponseReturnValue:
    """The list as CSV or XLSX, with the page's filters, in the reader's language."""
    what, period, text = _filters()
    vehicles = what == "vehicles"
    headers = [
        gettext("Plate") if vehicles else gettext("Name"),
        gettext("Country") if vehicles else gettext("Kind"),
        gettext("Carrier or company"),
        gettext("Bar"),
        gettext("Reason"),
        gettext("Last day"),
    ]
    title = gettext("Blacklisted vehicles") if vehicles else gettext("Blacklisted people")
    barred = _barred(what, period, text, park_today())
    rows = _export_rows(db.session.scalars(barred), vehicles)
    return downloads.table(kind, headers, rows, title, f"blacklist-{what}")


def _export_rows(subjects: Any, vehicles: bool) -> Iterator[list[Any]]:
    for s in subjects:
        owner = s.carrier or s.company
        yield [
            s.plate if vehicles else s.full_name,
            s.country if vehicles else s.kind,
            owner.name if owner else "",
            s.standing,
            s.standing_reason or "",
            s.standing_until.isoformat() if s.standing_until else gettext("until lifted"),
        ]


F = TypeVar("F", bound=BarForm)


def _fresh(form: F) -> F:
    """A form not yet sent proposes the usual year on the blacklist as the last day, and
    the reason a link gives (an alert's message)."""
    if request.method == "GET":
        form.until.data = park_today() + timedelta(days=standing.USUAL_DAYS)
        form.reason.data = request.args.get("reason", "")[:255]
    return form


def _bar(form: BarForm) -> standing.Bar:
    return standing.Bar(Standing(form.standing.data), form.reason.data or "", form.until.data)


@bp.route("/blacklist/vehicles/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def bar_vehicle() -> ResponseReturnValue:
    """Blacklist or suspend a plate, registered or not (``?plate=`` fills it in: the links
    from an alert or a report)."""
    form = _fresh(VehicleBarForm())
    if request.method == "GET" and request.args.get("plate"):
        form.plate.data = request.args.get("plate", "")[:20]
    vehicle = save_form(
        form,
        lambda: standing.bar_vehicle(
            form.plate.data or "",
            form.country.data or "",
            VehicleKind(form.kind.data) if form.kind.data else None,
            _bar(form),
            current_user,
            park_today(),
        ),
        standing.StandingError,
    )
    if vehicle is not None:
        flash(_barred_message(vehicle.plate, vehicle.standing), "ok")
        return redirect(url_for(".index", what="vehicles", q=vehicle.plate))
    registered = standing.vehicles_by_plate(form.plate.data) if form.plate.data else []
    return render_template("blacklist/vehicle.html", form=form, registered=registered)


@bp.route("/blacklist/persons/<int:person_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def bar_person(person_id: int) -> ResponseReturnValue:
    person = db.session.get(Person, person_id) or abort(404)
    form = _fresh(BarForm())
    barred = save_form(
        form,
        lambda: standing.bar_person(person, _bar(form), current_user, park_today()),
        standing.StandingError,
    )
    if barred is not None:
        flash(_barred_message(person.full_name, person.standing), "ok")
        return redirect(url_for(".index", what="persons", q=person.full_name))
    return render_template("blacklist/person.html", form=form, person=person)


def _barred_message(name: str, bar: Standing) -> str:
    return str(
        gettext(
            "%(subject)s is %(standing)s: the gate refuses it from now on",
            subject=name,
            standing=label_of(bar),
        )
    )


@bp.route("/blacklist/<any(vehicles, persons):what>/<int:subject_id>/lift", methods=["POST"])
@roles_required(*STAFF_ROLES)
def lift(what: str, subject_id: int) -> ResponseReturnValue:
    subject: Vehicle | Person | None = (
        db.session.get(Vehicle, subject_id)
        if what == "vehicles"
        else db.session.get(Person, subject_id)
    )
    if subject is None:
        abort(404)
    name = subject.plate if isinstance(subject, Vehicle) else subject.full_name
    form = LiftForm()
    back = redirect(local_next(request.form.get("next"), url_for(".index", what=what)))
    if not form.validate_on_submit():
        flash(f"{name}: {gettext('say why the bar is lifted')}", "error")
        return back
    try:
        standing.lift(subject, form.why.data or "", current_user)
    except standing.StandingError as exc:
        db.session.rollback()
        for text in exc.errors.values():
            flash(f"{name}: {gettext(str(text))}", "error")
        return back
    db.session.commit()
    flash(gettext("The bar on %(subject)s is lifted", subject=name), "ok")
    return back
