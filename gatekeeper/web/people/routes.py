"""The pedestrian gate (guards check people in and out) and the visitors' pre-registration
by their hosts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.extensions import db
from gatekeeper.models import Lane, Person, PersonPassage, Role, Visit
from gatekeeper.models.types import record_id, utcnow
from gatekeeper.services import people
from gatekeeper.services.clock import park_today
from gatekeeper.services.park import park_settings
from gatekeeper.web.labels import phrase_separator, reason_text, translated
from gatekeeper.web.people.forms import CancelVisitForm, PassForm, VisitForm

bp = Blueprint("people", __name__, template_folder="templates")
GUARDS = (Role.GUARD, *STAFF_ROLES)
HOSTS = (Role.DISPATCHER, *STAFF_ROLES)
FOUND_LIMIT = 30


@bp.route("/guard/people")
@roles_required(*GUARDS)
def checkin_page() -> ResponseReturnValue:
    query = request.args.get("q", "")
    found = people.find(query, FOUND_LIMIT)
    today = park_today()
    lanes = people.pedestrian_lanes()
    form = PassForm()
    form.lane.choices = [(lane.code, f"{lane.code} {lane.name}") for lane in lanes]
    checks = {
        person.id: [translated(r.text.to_dict()) for r in people.entry_checks(person, today)]
        for person in found
    }
    inside = {person.id: people.presence_of(person.id) for person in found}
    visits = list(
        db.session.scalars(
            select(Visit)
            .where(Visit.expected_on == today, ~Visit.cancelled)
            .options(selectinload(Visit.person), selectinload(Visit.host))
            .order_by(Visit.arrived_at.is_not(None), Visit.id)
        )
    )
    recent = list(
        db.session.scalars(
            select(PersonPassage)
            .options(selectinload(PersonPassage.person), selectinload(PersonPassage.lane))
            .order_by(PersonPassage.id.desc())
            .limit(10)
        )
    )
    return render_template(
        "people/checkin.html",
        query=query,
        found=found,
        checks=checks,
        inside=inside,
        visits=visits,
        recent=recent,
        form=form,
        lanes=lanes,
        uses_cards=park_settings().uses_positioning_cards,
    )


@bp.route("/guard/people/pass", methods=["POST"])
@roles_required(*GUARDS)
def pass_person() -> ResponseReturnValue:
    form = PassForm()
    form.lane.choices = [(lane.code, lane.code) for lane in people.pedestrian_lanes()]
    back = redirect(url_for(".checkin_page", q=request.form.get("q", "")))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return back
    person_id = record_id(form.person.data)
    person = db.session.get(Person, person_id) if person_id is not None else None
    lane = db.session.scalar(select(Lane).where(Lane.code == form.lane.data))
    if person is None or lane is None:
        abort(404)
    try:
        if form.way.data == "in":
            record = people.check_in(
                person,
                lane,
                utcnow(),
                operator=current_user,
                card_number=form.card.data,
                rules_acknowledged=bool(form.rules.data),
            )
        else:
            record = people.check_out(
                person,
                lane,
                utcnow(),
                operator=current_user,
                card_returned=bool(form.card_returned.data),
            )
    except people.PeopleError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back
    db.session.commit()
    if record.allowed:
        message = (
            gettext("%(name)s checked in", name=person.full_name)
            if form.way.data == "in"
            else gettext("%(name)s checked out", name=person.full_name)
        )
        flash(message, "ok")
    else:
        reasons = phrase_separator().join(reason_text(r) for r in record.reasons)
        flash(
            gettext("%(name)s refused: %(reasons)s", name=person.full_name, reasons=reasons),
            "error",
        )
    return back


@bp.app_template_filter("person_reasons")
def person_reasons(reasons: list[dict[str, object]]) -> str:
    return phrase_separator().join(reason_text(r) for r in reasons)


@bp.route("/visitors", methods=["GET", "POST"])
@roles_required(*HOSTS)
def visits_page() -> ResponseReturnValue:
    form = VisitForm()
    if request.method == "GET" and form.expected_on.data is None:
        form.expected_on.data = park_today()
    if form.validate_on_submit():
        if form.expected_on.data < park_today():
            form.expected_on.errors = [gettext("the day has passed")]
        else:
            visit = people.register_visit(
                current_user,
                form.full_name.data,
                form.expected_on.data,
                form.purpose.data,
                phone=form.phone.data,
                company=form.company.data,
            )
            db.session.commit()
            flash(
                gettext(
                    "%(name)s is expected on %(day)s",
                    name=visit.person.full_name,
                    day=visit.expected_on.isoformat(),
                ),
                "ok",
            )
            return redirect(url_for(".visits_page"))
    query = (
        select(Visit)
        .where(Visit.expected_on >= park_today())
        .options(selectinload(Visit.person), selectinload(Visit.host))
        .order_by(Visit.expected_on, Visit.id)
    )
    if current_user.role is Role.DISPATCHER:
        query = query.where(Visit.host_id == current_user.id)
    return render_template(
        "people/visits.html",
        form=form,
        visits=list(db.session.scalars(query.limit(200))),
        cancel_form=CancelVisitForm(),
    )


@bp.route("/visitors/<int:visit_id>/cancel", methods=["POST"])
@roles_required(*HOSTS)
def cancel_visit(visit_id: int) -> ResponseReturnValue:
    visit = db.session.get(Visit, visit_id)
    if visit is None or (current_user.role is Role.DISPATCHER and visit.host_id != current_user.id):
        abort(404)
    if CancelVisitForm().validate_on_submit() and visit.arrived_at is None:
        visit.cancelled = True
        db.session.commit()
        flash(gettext("Visit of %(name)s cancelled", name=visit.person.full_name), "ok")
    return redirect(url_for(".visits_page"))
