"""The booking form: what a dispatcher types. Values are checked by services.bookings (one
schema for the form and the API); this form renders the fields and carries the CSRF token."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import InputRequired, Length, Optional

from gatekeeper.models import Packaging, QuantityUnit
from gatekeeper.web.fields import PlausibleDay
from gatekeeper.web.labels import label_of


class CargoForm(PlainForm):
    un = StringField(_l("UN number"))
    quantity = StringField(_l("Quantity"))
    unit = SelectField(
        _l("Unit"), choices=[(u.value, label_of(u)) for u in QuantityUnit], validate_choice=False
    )
    packaging = SelectField(
        _l("Carried as"), choices=[(p.value, label_of(p)) for p in Packaging], validate_choice=False
    )
    transport_category = SelectField(
        _l("ADR transport category"),
        choices=[("", _l("— unknown —")), *((str(n), str(n)) for n in range(5))],
        validate_choice=False,
    )

    def is_blank(self) -> bool:
        return not (self.un.data or "").strip() and not (self.quantity.data or "").strip()


class BookingForm(FlaskForm):
    vehicle_id = SelectField(_l("Vehicle"), validate_choice=False)
    trailer_id = SelectField(_l("Trailer"), validate_choice=False)
    driver_id = SelectField(_l("Driver"), validate_choice=False)
    escort_id = SelectField(_l("Escort"), validate_choice=False)
    dock_id = SelectField(_l("Destination dock"), validate_choice=False)
    direction = SelectField(
        _l("Direction"),
        choices=[("delivery", _l("delivery")), ("collection", _l("collection"))],
        validate_choice=False,
    )
    day = DateField(_l("Day"), validators=[InputRequired(), PlausibleDay()])
    start = StringField(_l("From (HH:MM)"), validators=[InputRequired(), Length(max=5)])
    end = StringField(_l("To (HH:MM)"), validators=[InputRequired(), Length(max=5)])
    cargo = FieldList(FormField(CargoForm), min_entries=3, max_entries=10)
    waybill_number = StringField(_l("Waybill number"), validators=[Optional(), Length(max=64)])
    repeat_until = DateField(
        _l("Repeat every day until (optional)"), validators=[Optional(), PlausibleDay()]
    )
    weekdays_only = BooleanField(_l("Weekdays only (Monday to Friday)"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=500)])

    def values(self) -> tuple[dict[str, Any], list[int]]:
        """The input for services.bookings (without the window), and for each cargo line
        the form row it came from."""
        data: dict[str, Any] = {
            name: (self._fields[name].data or None)
            for name in ("vehicle_id", "trailer_id", "driver_id", "escort_id", "dock_id")
        }
        data.update(
            direction=self.direction.data,
            waybill_number=self.waybill_number.data or None,
            notes=self.notes.data or None,
        )
        rows, cargo = [], []
        for n, entry in enumerate(self.cargo.entries):
            if entry.form.is_blank():
                continue
            rows.append(n)
            line = {k: (v if v != "" else None) for k, v in entry.data.items()}
            cargo.append(line)
        data["cargo"] = cargo
        return data, rows

    @property
    def window_day(self) -> date | None:
        value: date | None = self.day.data
        return value


class BookingImportForm(FlaskForm):
    """A file of bookings: CSV or XLSX (one cargo line per row) or e-waybills as JSON."""

    file = FileField(
        _l("CSV, XLSX or JSON file (at most 2000 rows)"),
        validators=[FileRequired(message=_l("choose a file"))],
    )
