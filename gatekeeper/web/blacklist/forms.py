"""Forms of the blacklist pages: bar a plate or a person, lift a bar."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from gatekeeper.models import Standing, VehicleKind
from gatekeeper.web.fields import PlausibleDay
from gatekeeper.web.labels import label_of


def _strip(text: str | None) -> str:
    return (text or "").strip()


class BarForm(FlaskForm):
    """What every bar says: blacklisted or suspended, why, and the last day."""

    standing = SelectField(
        _l("Bar"),
        choices=[(s.value, label_of(s)) for s in (Standing.BLACKLISTED, Standing.SUSPENDED)],
        default=Standing.BLACKLISTED.value,
        validators=[InputRequired()],
    )
    reason = StringField(
        _l("Reason (shown to the guard at the gate)"),
        validators=[InputRequired(), Length(max=255)],
        filters=[_strip],
    )
    until = DateField(_l("Last day (empty: until lifted)"), validators=[Optional(), PlausibleDay()])


class VehicleBarForm(BarForm):
    plate = StringField(_l("Plate"), validators=[InputRequired(), Length(max=20)], filters=[_strip])
    country = StringField(
        _l("Country (ISO code; needed only for a plate not registered)"),
        validators=[Optional(), Length(max=2)],
        filters=[_strip],
    )
    kind = SelectField(
        _l("Kind (needed only for a plate not registered)"),
        choices=[("", _l("— as registered —")), *((k.value, label_of(k)) for k in VehicleKind)],
        default="",
    )


class LiftForm(FlaskForm):
    why = StringField(
        _l("Why the bar is lifted"),
        validators=[InputRequired(), Length(max=500)],
        filters=[_strip],
    )
