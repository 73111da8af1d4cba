"""Forms of the overview pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional


class AlertActionForm(FlaskForm):
    """Acknowledge (comment optional) or resolve (comment required: how it was handled)."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=500)])
