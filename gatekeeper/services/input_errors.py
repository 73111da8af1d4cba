"""The error a service raises for input it cannot save: a message per field, each a
translatable text or a phrase with values, put beside its field by the page
(``web.form_errors``) or answered by the API."""

from __future__ import annotations

from gatekeeper.domain.messages import Phrase

Message = str | Phrase


class InputErrors(ValueError):
    """``errors`` maps each field (as the input names it) to its message."""

    def __init__(self, errors: dict[str, Message]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def stored(message: Message) -> tuple[str, dict[str, object]]:
    """A message as an import keeps it with a row: its template and its values (translated
    when the page shows it)."""
    if isinstance(message, Phrase):
        return message.template, dict(message.to_dict()["p"])
    return message, {}
