"""Validators shared by the pages' forms."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from wtforms.validators import ValidationError

from gatekeeper.services.clock import plausible_day


class PlausibleDay:
    """A date field's day within the days a park's records and plans can be about (a
    typo's year 0001 or 9999 would overflow the time computations that use it)."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is not None and not plausible_day(field.data):
            raise ValidationError(gettext("days from 1970 to 2999"))
