"""The administration area (Flask-Admin): park layout, users, carriers, stations, fleet.

Only admins reach it: every admin view is protected by the deny-by-default access layer
and by ``is_accessible``. Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Flask, flash, g, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import Admin, AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import DateTimeBetweenFilter as _DateTimeBetweenFilter
from flask_admin.form import BaseForm
from flask_admin.menu import MenuLink
from flask_admin.model import typefmt
from flask_admin.theme import Bootstrap4Theme
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Integer, inspect, select
from wtforms import PasswordField
from wtforms.validators import NumberRange, Optional, ValidationError

from camera_adapters.wire import MAX_RECORD_ID
from gatekeeper import models as m
from gatekeeper.access import protect_blueprint
from gatekeeper.domain.messages import SettingError
from gatekeeper.extensions import db
from gatekeeper.models.park import check_barrier, check_plate_formats, hazmat_hours_fault
from gatekeeper.services import audit, park_rules
from gatekeeper.services.clock import format_moment, local, plausible_day
from gatekeeper.web.admin.labels import COLUMN_LABELS
from gatekeeper.web.labels import (
    alert_message,
    check_message,
    evidence_text,
    label,
    label_of,
    phrase_separator,
    translated,
)
from gatekeeper.web.paging import MAX_PAGE


class DateTimeBetweenFilter(_DateTimeBetweenFilter):
    """Between two moments, both on days a park's records can have (a year 0001 would
    overflow converting to UTC): other values are ignored like any invalid filter."""

    def validate(self, value: str) -> bool:
        if not super().validate(value):
            return False
        return all(plausible_day(moment.date()) for moment in self.clean(value))


class AdminForm(BaseForm, FlaskForm):
    """Flask-Admin forms carrying Flask-WTF's CSRF token, checked like every other form."""


class _AdminOnly:
    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated and current_user.role == m.Role.ADMIN)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> ResponseReturnValue:
        return redirect(url_for("auth.login"))


class HomeView(_AdminOnly, AdminIndexView):
    """The admin area's first page: what each section is for, with its lists, and the
    tasks done on the product's own pages (carrier applications, placing the road nodes)."""

    @expose("/")
    def index(self) -> ResponseReturnValue:
        helps = {str(name): str(text) for name, text in SECTION_HELP}  # the reader's words
        sections: dict[str, list[BaseView]] = {}
        for view in self.admin._views:
            if view is not self and view.category:
                sections.setdefault(str(view.category), []).append(view)
        return self.render(
            "admin/home.html",
            sections=[(name, helps.get(name, ""), views) for name, views in sections.items()],
        )


# Never shown, exported or written to the audit log as values.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "session_epoch"})
# Internal columns a person has no use for.
INTERNAL_COLUMNS = frozenset(
    {"plate_skeleton", "plate_normalized", "template", "params", "dedup_key", "roads_version"}
)


def _shown(value: Any, name: str) -> Any:
    if name in SECRET_COLUMNS:
        return "(changed)"
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def _changed(before: dict[str, Any], name: str, value: Any, is_created: bool) -> bool:
    if is_created:
        return value is not None
    return bool(before.get(name) != value)


def _enum_label(_view: Any, value: enum.Enum, _name: str) -> str:
    return label(value)


def _moment(_view: Any, value: datetime, _name: str) -> str:
    return format_moment(value)


def _moment_in_full(_view: Any, value: datetime, _name: str) -> str:
    """Exports carry the park's local time with its offset (a file outlives its day)."""
    return local(value).isoformat(timespec="seconds")


def _setting_check(check: Callable[[Any], Any]) -> Callable[[Any, Any], None]:
    """A model's own check of a setting run as the form field's validator: what is wrong
    is shown beside the field, in the reader's language, and nothing is saved."""

    def validate(_form: Any, field: Any) -> None:
        try:
            check(field.data)
        except SettingError as exc:
            raise ValidationError(translated(exc.message.to_dict())) from exc

    return validate


# Settings the models check when saved (``@validates``), checked by the forms too.
SETTING_CHECKS: dict[type[Any], dict[str, Callable[[Any], Any]]] = {
    m.Park: {"plate_formats": check_plate_formats},
    m.Lane: {"barrier": check_barrier},
}
# The ranges a model's settings may take, the same as on the pages that set them.
RANGES: dict[type[Any], dict[str, tuple[float, float]]] = {m.Park: park_rules.BOUNDS}


class AuditedModelView(_AdminOnly, ModelView):
    """Admin CRUD that records who changed what: each changed column with its old and new
    value (secrets as "(changed)"), taken before the form writes to the model."""

    form_base_class = AdminForm
    page_size = 50
    can_view_details = True

    def _get_list_extra_args(self) -> Any:
        """The list's arguments, the page kept to what a database offset holds (0-based
        here; an absurd page number shows an empty page, not a server error)."""
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        return args

    column_labels = COLUMN_LABELS
    column_type_formatters = {
        **typefmt.BASE_FORMATTERS,
        enum.Enum: _enum_label,
        datetime: _moment,
    }
    column_type_formatters_detail = column_type_formatters
    column_type_formatters_export = {
        **typefmt.EXPORT_FORMATTERS,
        enum.Enum: _enum_label,
        datetime: _moment_in_full,
    }

    def __init__(self, model: Any, *args: Any, **kwargs: Any) -> None:
        hidden = sorted((SECRET_COLUMNS | INTERNAL_COLUMNS) & set(inspect(model).attrs.keys()))
        settings = ["column_details_exclude_list", "column_export_exclude_list"]
        settings += ["form_excluded_columns"]
        if self.column_list is None:
            settings += ["column_exclude_list"]
        for setting in settings:  # Flask-Admin's settings, typed Any
            setattr(self, setting, [*(getattr(self, setting, None) or ()), *hidden])
        # Enum columns list, filter and edit with the user's words for their values.
        self.column_choices = {
            column.key: [(member.value, label_of(member)) for member in kind]
            for column in inspect(model).columns
            if (kind := getattr(column.type, "enum_class", None)) is not None
        }
        validators: dict[str, list[Any]] = {
            key: [_setting_check(check)] for key, check in SETTING_CHECKS.get(model, {}).items()
        }
        for key, (low, high) in RANGES.get(model, {}).items():  # what the model may hold
            validators.setdefault(key, []).append(NumberRange(min=low, max=high))
        for column in inspect(model).columns:  # what an INTEGER column holds, beside the field
            if isinstance(column.type, Integer) and not column.primary_key:
                validators.setdefault(column.key, []).append(
                    NumberRange(min=-MAX_RECORD_ID - 1, max=MAX_RECORD_ID)
                )
        if validators:
            form_args: dict[str, Any] = dict(getattr(self, "form_args", None) or {})
            for key, extra in validators.items():
                field_args = dict(form_args.get(key, {}))
                field_args["validators"] = [*field_args.get("validators", ()), *extra]
                form_args[key] = field_args
            self.form_args = form_args
        super().__init__(model, *args, **kwargs)

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, SettingError):  # refused by the model where no form field checks it
            flash(_("Not saved: %(reason)s", reason=translated(exc.message.to_dict())), "error")
            return True
        return bool(super().handle_view_exception(exc))

    def _get_list_value(self, *args: Any, **kwargs: Any) -> Any:
        value = super()._get_list_value(*args, **kwargs)
        return "" if value is None else value  # an empty cell, not "None"

    def _entity(self, model: Any) -> tuple[str, str]:
        identity = inspect(model).identity
        return model.__tablename__, ",".join(str(part) for part in identity or ())

    @staticmethod
    def _columns(model: Any) -> dict[str, Any]:
        return {attr.key: getattr(model, attr.key) for attr in inspect(model).mapper.column_attrs}

    def update_model(self, form: Any, model: Any) -> bool:
        g.admin_before = self._columns(model)  # before the form writes to it
        return bool(super().update_model(form, model))

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        before = {} if is_created else g.pop("admin_before", {})
        after = self._columns(model)
        changes = {
            name: [_shown(before.get(name), name), _shown(value, name)]
            for name, value in after.items()
            if name not in INTERNAL_COLUMNS and _changed(before, name, value, is_created)
        }
        db.session.flush()
        table, key = self._entity(model)
        action_name = "admin.create" if is_created else "admin.update"
        audit.record(
            action_name,
            entity_type=table,
            entity_id=key,
            details={"fields": sorted(changes), "changes": changes},
        )

    def on_model_delete(self, model: Any) -> None:
        table, key = self._entity(model)
        audit.record(
            "admin.delete", entity_type=table, entity_id=key, details={"shown": str(model)}
        )


class ParkView(AuditedModelView):
    """The park's settings; the rules page (/manage/rules) sets the same with more help."""

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if hazmat_hours_fault(model.hazmat_hours_from, model.hazmat_hours_until) is not None:
            raise ValidationError(
                _("Both entry hours for hazmat vehicles, the first before the second, or neither")
            )
        super().on_model_change(form, model, is_created)


class LaneView(AuditedModelView):
    """Lanes; why one was last opened or closed is the kiosk's record, shown, not edited."""

    form_excluded_columns = ["state_reason", "state_changed_at", "state_changed_by"]

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        before = g.get("admin_before") or {}
        if not is_created and before.get("is_open") != model.is_open:
            # Opened or closed here, without a reason: the kiosk's last note no longer holds.
            model.state_reason = model.state_changed_at = model.state_changed_by_id = None
        super().on_model_change(form, model, is_created)


class ReadOnlyView(AuditedModelView):
    can_create = False
    can_edit = False
    can_delete = False


class PassageView(ReadOnlyView):
    """Every gate passage, readable: no raw JSON, filters, search, CSV export."""

    can_export = True
    export_types = ["csv"]
    column_default_sort = ("occurred_at", True)
    column_list = (
        "occurred_at",
        "lane",
        "direction",
        "plate_read",
        "vehicle",
        "booking",
        "decision",
        "system_decision",
        "operator",
        "override_reason",
        "barrier_opened_at",
    )
    column_export_list = (*column_list, "hin_read", "un_read", "reasons")
    column_details_list = (
        *column_list,
        "trailer",
        "plate_confidence",
        "hin_read",
        "un_read",
        "hazard_confidence",
        "match_quality",
        "read_status",
        "read_error",
        "persons_count",
        "released_at",
        "reasons",
        "checks",
    )
    column_filters = (
        DateTimeBetweenFilter(m.Passage.occurred_at, _l("Occurred at")),
        "decision",
        "direction",
        "plate_read",
        "lane.code",
    )
    column_searchable_list = ("plate_read", "idempotency_key", "override_reason")
    column_formatters = {
        "reasons": lambda _v, _c, model, _n: phrase_separator().join(
            check_message(r) for r in model.reasons
        ),
        "checks": lambda _v, _c, model, _n: phrase_separator().join(
            f"{label(c.get('outcome'), 'outcome')}: {check_message(c)}" for c in model.checks
        ),
        "match_quality": lambda _v, _c, model, _n: label(model.match_quality, "match"),
    }
    column_formatters_export = {
        "reasons": lambda _v, _c, model, _n: "; ".join(r.get("message", "") for r in model.reasons)
    }


class AlertView(ReadOnlyView):
    """Alerts as the manager reads them: the message and its evidence in the reader's
    language (not the stored English text and raw JSON); handled on the Alerts page."""

    column_default_sort = ("created_at", True)
    column_list = ("created_at", "kind", "severity", "message", "status", "resolved_by")
    column_details_list = (
        *column_list,
        "evidence",
        "acknowledged_by",
        "acknowledged_at",
        "acknowledge_comment",
        "resolved_at",
        "resolution",
    )
    column_filters = (
        DateTimeBetweenFilter(m.Alert.created_at, _l("Created at")),
        "kind",
        "severity",
        "status",
    )
    can_view_details = True
    column_formatters = {
        "message": lambda _v, _c, model, _n: alert_message(model),
        "evidence": lambda _v, _c, model, _n: evidence_text(model.evidence),
    }


class UserView(AuditedModelView):
    column_list = (
        "username",
        "display_name",
        "role",
        "carrier",
        "company",
        "active",
        "last_login_at",
    )
    column_searchable_list = ("username", "display_name")
    form_excluded_columns = ("password_hash", "created_at", "last_login_at")
    form_extra_fields = {"password": PasswordField(_l("New password"), validators=[Optional()])}

    def on_model_change(self, form: Any, model: m.User, is_created: bool) -> None:
        if form.password.data:
            try:
                model.set_password(form.password.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
        elif is_created:
            raise ValidationError(_("A new user needs a password."))
        if (model.role == m.Role.CARRIER) != (model.carrier is not None):
            raise ValidationError(_("Carrier users, and only they, belong to a carrier."))
        super().on_model_change(form, model, is_created)


class StationView(AuditedModelView):
    column_list = ("code", "name", "lanes", "active", "token_hint", "last_seen_at")
    form_excluded_columns = ("token_hash", "token_hint", "last_seen_at")

    def on_model_change(self, form: Any, model: m.Station, is_created: bool) -> None:
        if is_created:
            self._show_token(model, model.issue_token())
        super().on_model_change(form, model, is_created)

    @staticmethod
    def _show_token(station: m.Station, token: str) -> None:
        flash(
            _(
                "Token for station %(code)s (shown once, store it on the station): %(token)s",
                code=station.code,
                token=token,
            ),
            "warning",
        )

    @action(
        "rotate_token", _l("Issue new token"), _l("Replace the token of the selected stations?")
    )
    def rotate_token(self, ids: list[str]) -> None:
        for station in db.session.scalars(select(m.Station).where(m.Station.id.in_(ids))):
            self._show_token(station, station.issue_token())
            audit.record("station.token_rotated", entity_type="station", entity_id=station.id)
        db.session.commit()


class VehicleView(AuditedModelView):
    column_list = (
        "plate",
        "country",
        "kind",
        "carrier",
        "adr_approval",
        "adr_certificate_expiry",
        "dg_permit_expiry",
        "tank_inspection_expiry",
        "standing",
    )
    column_searchable_list = ("plate", "plate_normalized")
    column_filters = ("kind", "standing", "carrier.name")
    form_excluded_columns = ("plate_normalized", "documents")


class PersonView(AuditedModelView):
    column_list = ("full_name", "kind", "carrier", "company", "standing")
    column_searchable_list = ("full_name",)
    column_filters = ("kind", "standing", "review_status")
    inline_models = (m.Qualification,)
    # The ID number is kept only as a digest: it is typed on the carrier's pages.
    form_excluded_columns = ("documents", "id_number_digest", "id_number_tail")


class BookingView(AuditedModelView):
    column_list = (
        "reference",
        "carrier",
        "vehicle",
        "driver",
        "dock",
        "window_start",
        "window_end",
        "status",
    )
    column_filters = ("status",)
    column_searchable_list = ("reference",)
    # Bookings are made, changed and cancelled on the dispatchers' pages, where they are
    # checked as the gate will check them; the admin area only lists them.
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True


class AuditLogView(ReadOnlyView):
    column_default_sort = ("seq", True)
    column_list = ("seq", "occurred_at", "actor", "action", "entity_type", "entity_id", "details")
    column_filters = ("action", "actor")


class AuditVerifyView(_AdminOnly, BaseView):
    @expose("/")
    def index(self) -> ResponseReturnValue:
        return self.render("admin/audit_verify.html", result=audit.verify_chain())


PARK, ORGANISATIONS, ACCESS = _l("Park"), _l("Organisations"), _l("Access")
FLEET, BOOKINGS, RECORDS = _l("Fleet and people"), _l("Bookings"), _l("Records")
# What each section of the admin area is for.
SECTION_HELP = (
    (PARK, _l("Zones with their capacities, gates and lanes, checkpoints, docks and the roads.")),
    (ORGANISATIONS, _l("Receiving companies and carrier companies.")),
    (ACCESS, _l("Users and their roles; gate stations and their tokens.")),
    (FLEET, _l("Vehicles and people registered by the carriers.")),
    (BOOKINGS, _l("Bookings, as made on the dispatchers' and carriers' pages.")),
    (RECORDS, _l("Passages, alerts and the audit log, and a check of its chain.")),
    (_l("Reference"), _l("The dangerous-goods list with HIN codes.")),
)

_MODEL_VIEWS: tuple[tuple[type[AuditedModelView], type[Any], Any, Any], ...] = (
    (ParkView, m.Park, _l("Park settings"), PARK),
    (AuditedModelView, m.Zone, _l("Zones"), PARK),
    (AuditedModelView, m.Gate, _l("Gates"), PARK),
    (LaneView, m.Lane, _l("Lanes"), PARK),
    (AuditedModelView, m.Checkpoint, _l("Checkpoints"), PARK),
    (AuditedModelView, m.Dock, _l("Docks"), PARK),
    (AuditedModelView, m.RoadNode, _l("Road nodes"), PARK),
    (AuditedModelView, m.RoadEdge, _l("Road edges"), PARK),
    (AuditedModelView, m.Company, _l("Companies"), ORGANISATIONS),
    (AuditedModelView, m.Carrier, _l("Carriers"), ORGANISATIONS),
    (UserView, m.User, _l("Users"), ACCESS),
    (StationView, m.Station, _l("Stations"), ACCESS),
    (VehicleView, m.Vehicle, _l("Vehicles"), FLEET),
    (PersonView, m.Person, _l("People"), FLEET),
    (BookingView, m.Booking, _l("Bookings"), BOOKINGS),
    (PassageView, m.Passage, _l("Passages"), RECORDS),
    (AlertView, m.Alert, _l("Alerts"), RECORDS),
    (AuditLogView, m.AuditEntry, _l("Audit log"), RECORDS),
    (ReadOnlyView, m.DangerousGood, _l("Dangerous goods"), _l("Reference")),
)


def init_admin(app: Flask) -> None:
    admin = Admin(
        app,
        name=_l("Gatekeeper admin"),
        url="/admin",
        index_view=HomeView(url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(swatch="default"),
    )
    for view_cls, model, name, category in _MODEL_VIEWS:
        admin.add_view(
            view_cls(
                model, db, name=name, category=category, endpoint=f"admin_{model.__tablename__}"
            )
        )
    admin.add_view(
        AuditVerifyView(
            name=_l("Verify audit chain"), category=RECORDS, endpoint="admin_audit_verify"
        )
    )
    admin.add_link(MenuLink(name="Gatekeeper", url="/"))
    for view in admin._views:
        protect_blueprint(app, view.endpoint, {m.Role.ADMIN})
