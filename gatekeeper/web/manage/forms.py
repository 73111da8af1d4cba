"""Forms of the manager's inside-the-park pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from gatekeeper.services.reports import REPORTS
from gatekeeper.web.fields import PlausibleDay


class StartRollCallForm(FlaskForm):
    reason = RadioField(
        _l("Why"),
        choices=[("drill", _l("drill")), ("emergency", _l("emergency"))],
        default="drill",
        validators=[InputRequired()],
    )


class MarkForm(FlaskForm):
    """A person accounted for (1) or not (0); also the bare CSRF form of other buttons."""

    accounted = HiddenField(validators=[Optional(), AnyOf(["0", "1"])])


class ReportForm(FlaskForm):
    kind = SelectField(
        _l("Report"),
        choices=[(key, _l(report.title)) for key, report in REPORTS.items()],
        default="passages",
    )
    start = DateField(_l("First day"), validators=[InputRequired(), PlausibleDay()])
    end = DateField(_l("Last day"), validators=[InputRequired(), PlausibleDay()])
    q = StringField(
        _l("Plate, booking or name"),
        validators=[Optional(), Length(max=40)],
        filters=[lambda text: (text or "").strip()],
    )


class DailyReportForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(), PlausibleDay()])
