"""Forms of the overview pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class AlertActionForm(FlaskForm):
    """Acknowledge (comment optional) or resolve (comment required: how it was handled)."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=500)])


class PlaceNodeForm(FlaskForm):
    """A road node's position on the park map (SVG units)."""

    node = SelectField(_l("Point"), validate_choice=True)
    x = FloatField(_l("Across (0-1000)"), validators=[InputRequired(), NumberRange(0, 1000)])
    y = FloatField(_l("Down (0-600)"), validators=[InputRequired(), NumberRange(0, 600)])
