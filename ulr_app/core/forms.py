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


def form_page(form, save, template: str, **context: Any):
    """The one create/edit flow for every page form: validate; ``save()`` returns where to go
    (or None once it has put an error on a field); service errors go onto the form; a stale
    version or a forbidden change (409) propagates to the error page."""
    from flask import redirect, render_template

    if form.validate_on_submit():
        try:
            target = save()
        except ServiceError as exc:
            if exc.status == 409:
                raise
            form.show_service_error(exc)
        else:
            if target:
                return redirect(target)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


class SearchForm(FlaskForm):
    """GET filter forms: no CSRF (they change nothing) and no 'form' prefix in the URL."""

    class Meta:
        csrf = False

    q = StringField("Search", widget=GovTextInput())
    submit = SubmitField("Search", widget=GovSubmitInput())


__all__ = ["Form", "SearchForm", "form_page", "optional_int", "GovSelect", "GovTextInput", "SelectField", "IntegerField"]
