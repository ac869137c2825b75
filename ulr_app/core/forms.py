"""Helpers shared by every domain's forms."""
from __future__ import annotations

from typing import Any, Optional

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import IntegerField, SelectField, StringField, SubmitField

from .errors import ServiceError


class Form(FlaskForm):
    """A GOV.UK-styled form; ``show_service_error`` copies a service's messages onto fields."""

    def show_service_error(self, exc: ServiceError) -> None:
        placed = False
        for name, messages in exc.fields.items():
            field = self._fields.get(name) or self._fields.get(name.removesuffix("_id"))
            if field is not None:
                field.errors = list(field.errors) + list(messages)
                placed = True
        if not placed:
            self.form_errors.append(exc.message)

    def data_for(self, *names: str) -> dict[str, Any]:
        return {n: self._fields[n].data for n in names}


def optional_int(value: Any) -> Optional[int]:
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SearchForm(FlaskForm):
    """GET filter forms: no CSRF (they change nothing) and no 'form' prefix in the URL."""

    class Meta:
        csrf = False

    q = StringField("Search", widget=GovTextInput())
    submit = SubmitField("Search", widget=GovSubmitInput())


__all__ = ["Form", "SearchForm", "optional_int", "GovSelect", "GovTextInput", "SelectField", "IntegerField"]
