"""The administration area (Flask-Admin): park layout, users, carriers, stations, fleet.

Only admins reach it: every admin view is protected by the deny-by-default access layer
and by ``is_accessible``. Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import Admin, AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import BaseForm
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import inspect, select
from wtforms import PasswordField
from wtforms.validators import Optional, ValidationError

from gatekeeper import models as m
from gatekeeper.access import protect_blueprint
from gatekeeper.extensions import db
from gatekeeper.services import audit


class AdminForm(BaseForm, FlaskForm):
    """Flask-Admin forms carrying Flask-WTF's CSRF token, checked like every other form."""


class _AdminOnly:
    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated and current_user.role == m.Role.ADMIN)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> ResponseReturnValue:
        return redirect(url_for("auth.login"))


class HomeView(_AdminOnly, AdminIndexView):
    pass


class AuditedModelView(_AdminOnly, ModelView):
    """Admin CRUD that records who changed what (field names, never values)."""

    form_base_class = AdminForm
    page_size = 50
    can_view_details = True

    def _entity(self, model: Any) -> tuple[str, str]:
        identity = inspect(model).identity
        return model.__tablename__, ",".join(str(part) for part in identity or ())

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        db.session.flush()
        changed = sorted(attr.key for attr in inspect(model).attrs if attr.history.has_changes())
        table, key = self._entity(model)
        action_name = "admin.create" if is_created else "admin.update"
        audit.record(action_name, entity_type=table, entity_id=key, details={"fields": changed})

    def on_model_delete(self, model: Any) -> None:
        table, key = self._entity(model)
        audit.record(
            "admin.delete", entity_type=table, entity_id=key, details={"shown": str(model)}
        )


class ReadOnlyView(AuditedModelView):
    can_create = False
    can_edit = False
    can_delete = False


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
    column_filters = ("kind", "standing", "carrier")
    form_excluded_columns = ("plate_normalized", "documents")


class PersonView(AuditedModelView):
    column_list = ("full_name", "kind", "carrier", "company", "standing")
    column_searchable_list = ("full_name", "id_document_number")
    column_filters = ("kind", "standing")
    inline_models = (m.Qualification,)
    form_excluded_columns = ("documents",)


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
    inline_models = (m.CargoLine, m.RouteStop)
    form_excluded_columns = ("created_at", "created_by", "approved_by", "approved_at")


class AuditLogView(ReadOnlyView):
    column_default_sort = ("seq", True)
    column_list = ("seq", "occurred_at", "actor", "action", "entity_type", "entity_id", "details")
    column_filters = ("action", "actor")


class AuditVerifyView(_AdminOnly, BaseView):
    @expose("/")
    def index(self) -> ResponseReturnValue:
        return self.render("admin/audit_verify.html", result=audit.verify_chain())


_MODEL_VIEWS: tuple[tuple[type[AuditedModelView], type[Any], str], ...] = (
    (AuditedModelView, m.Park, "Park"),
    (AuditedModelView, m.Zone, "Park"),
    (AuditedModelView, m.Gate, "Park"),
    (AuditedModelView, m.Lane, "Park"),
    (AuditedModelView, m.Checkpoint, "Park"),
    (AuditedModelView, m.Dock, "Park"),
    (AuditedModelView, m.RoadNode, "Park"),
    (AuditedModelView, m.RoadEdge, "Park"),
    (AuditedModelView, m.Company, "Organisations"),
    (AuditedModelView, m.Carrier, "Organisations"),
    (UserView, m.User, "Access"),
    (StationView, m.Station, "Access"),
    (VehicleView, m.Vehicle, "Fleet and people"),
    (PersonView, m.Person, "Fleet and people"),
    (BookingView, m.Booking, "Bookings"),
    (ReadOnlyView, m.Passage, "Records"),
    (ReadOnlyView, m.Alert, "Records"),
    (AuditLogView, m.AuditEntry, "Records"),
    (ReadOnlyView, m.DangerousGood, "Reference"),
)


def init_admin(app: Flask) -> None:
    admin = Admin(
        app,
        name="Gatekeeper admin",
        url="/admin",
        index_view=HomeView(url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(swatch="default"),
    )
    for view_cls, model, category in _MODEL_VIEWS:
        admin.add_view(
            view_cls(model, db, category=category, endpoint=f"admin_{model.__tablename__}")
        )
    admin.add_view(
        AuditVerifyView(
            name="Verify audit chain", category="Records", endpoint="admin_audit_verify"
        )
    )
    admin.add_link(MenuLink(name="Gatekeeper", url="/"))
    for view in admin._views:
        protect_blueprint(app, view.endpoint, {m.Role.ADMIN})
