"""Helpers shared by every domain's forms."""
from __future__ import annotations

from typing import Any, Optional

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import IntegerField, SelectField, StringField, SubmitField

from .errors import ServiceError
from .validation import db_id

#: what a drop-down says when what was sent is not one of its options
NOT_A_CHOICE = "Choose one of the options in the list"
#: WTForms' own words for a value its coerce function refused
_WTFORMS_COERCE = "Invalid Choice: could not coerce."


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

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators=extra_validators)
        for field in self._fields.values():
            if _WTFORMS_COERCE in field.errors:
                field.errors = [NOT_A_CHOICE if e == _WTFORMS_COERCE else e for e in field.errors]
        return ok

    def data_for(self, *names: str) -> dict[str, Any]:
        return {n: self._fields[n].data for n in names}


def posted_version() -> int:
    """The version a changing page form was filled in from (its hidden ``version`` field). A form sent
    without one, or with nonsense, counts as stale (0 is never a record's version), so a change is
    never saved over someone else's without the check."""
    from flask import request

    return request.form.get("version", type=int) or 0


def id_or_none(value: Any) -> Optional[int]:
    """A record id read from a request outside a form field (a hidden value, a query), or None for anything else."""
    try:
        return optional_int(value)
    except ValueError:
        return None


def optional_int(value: Any) -> Optional[int]:
    """A chosen record id from a drop-down, or None for no choice. Anything else is a ValueError, so the
    field shows an error instead of quietly dropping what was sent."""
    if value in (None, "", "None"):
        return None

    try:
        return db_id(value)
    except (TypeError, ValueError):
        raise ValueError(NOT_A_CHOICE) from None


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


__all__ = ["Form", "SearchForm", "form_page", "posted_version", "id_or_none", "optional_int", "GovSelect", "GovTextInput", "SelectField", "IntegerField"]
