"""Putting a service's per-field errors beside the fields of a page's form.

A service names a field as its input does ("plate", "qualifications.0.expires_on",
"cargo.1.un"); a form may list repeated rows (a FieldList), of which blank ones were not
sent, so ``rows`` maps an index of the input to the form's row. An error whose field the
form does not show is flashed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import flash
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import FieldList

from gatekeeper.domain.messages import Phrase
from gatekeeper.extensions import db
from gatekeeper.services.input_errors import InputErrors
from gatekeeper.web.labels import translated


def field_at(
    form: FlaskForm,
    name: str,
    rows: list[int] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> Any:
    """The form field an input field's errors belong to, or None."""
    first, _, rest = name.partition(".")
    field = getattr(form, (aliases or {}).get(first, first), None)
    if isinstance(field, FieldList):
        index, _, sub = rest.partition(".")
        if rows is None or not index.isdigit() or int(index) >= len(rows):
            return None
        entry = field.entries[rows[int(index)]].form
        return getattr(entry, sub, None) if sub else next(iter(entry), None)
    return None if rest else field


def show_errors(
    form: FlaskForm,
    errors: Mapping[str, str],
    rows: list[int] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Each (translated) message beside its field, or flashed when the form has none."""
    for name, text in errors.items():
        field = field_at(form, name, rows, aliases)
        if field is not None:
            field.errors = [*field.errors, text]
        else:
            flash(text, "error")


def show_messages(form: FlaskForm, errors: Mapping[str, str | Phrase]) -> None:
    """A service's per-field messages, each a message to translate or a phrase with values,
    beside their fields in the reader's language (see :func:`show_errors`)."""
    show_errors(
        form,
        {
            name: translated(text.to_dict()) if isinstance(text, Phrase) else gettext(text)
            for name, text in errors.items()
        },
    )


T = TypeVar("T")


def save_form(form: FlaskForm, save: Callable[[], T], error: type[InputErrors]) -> T | None:
    """Send a page's form to its service: what ``save`` returns, committed; None when the
    form was not sent or not valid, or the service refused it (``error``, whose ``errors``
    go beside their fields, nothing written)."""
    if not form.validate_on_submit():
        return None
    try:
        result = save()
    except error as exc:
        db.session.rollback()
        show_messages(form, exc.errors)
        return None
    db.session.commit()
    return result


def saved_message(name: str, changed: list[str]) -> str:
    """What a change's page says once saved: saved, or nothing changed."""
    return str(gettext("%(name)s is saved", name=name) if changed else gettext("Nothing changed"))
