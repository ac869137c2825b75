"""Helpers shared by every domain's forms."""
from __future__ import annotations

import re
from typing import Any, Optional

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import FileField, HiddenField, IntegerField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.widgets import TextArea

from .errors import ServiceError
from .validation import CONTROL_MESSAGE, DATE_HINT, date_input, db_id, parse_date, text_problem, upload_name_problem

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
        return self._refuse_hostile_text() and ok

    def _refuse_hostile_text(self) -> bool:
        """Every text box: no control characters (a one-line box: no tabs or line breaks either; a text area
        may have them) and no broken characters, with the message beside the field. A sent value that is
        not one of this form's fields but holds such characters (noted at the door, see the app factory)
        makes the whole form fail, so nothing is half-saved."""
        from flask import g, has_request_context

        ok = True
        by_name = {field.name: field for field in self._fields.values()}
        for field in self._fields.values():
            if not isinstance(field, (StringField, TextAreaField)) or isinstance(field, PasswordField):
                continue  # (a password is never stored or shown: whatever was typed is checked as it is)
            raw = (field.raw_data or [None])[0] if field.raw_data else field.data
            multiline = isinstance(field, (TextAreaField, HiddenField)) or isinstance(field.widget, TextArea)
            problem = text_problem(raw, multiline=multiline) if isinstance(raw, str) else None
            if problem:
                field.errors = list(field.errors) + [problem]
                ok = False
        hostile = getattr(g, "hostile_form_fields", set()) if has_request_context() else set()
        for name in sorted(hostile):
            field = by_name.get(name)
            if isinstance(field, PasswordField):
                continue
            if field is None:
                if CONTROL_MESSAGE not in self.form_errors:
                    self.form_errors.append(CONTROL_MESSAGE)
            elif isinstance(field, FileField):
                field.errors = [upload_name_problem(getattr(field.data, "filename", None) or "\x00")]
            elif not field.errors:
                field.errors = list(field.errors) + [text_problem(list(field.raw_data or [])) or CONTROL_MESSAGE]
            ok = False
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


def date_hint(before: str = "") -> str:
    """The hint under a date field: what it is for (optional), then the one example of how to type a date."""
    return f"{before.strip()} {DATE_HINT}".strip()


def iso_date_text(value: Any) -> Any:
    """What was typed in a date field, as the services take it: a real date as ISO text ('31 3 2026' ->
    '2026-03-31'); anything else left as typed, for the service to refuse with its message."""
    if not isinstance(value, str):
        return value
    parsed = parse_date(value)
    return parsed.isoformat() if parsed else value.strip()


_LABEL_TAIL = re.compile(r"\s*\((?:optional|if [^)]*)\)\s*$", re.IGNORECASE)


def error_line(label: Any, message: Any) -> str:
    """One line of a form's error summary: '<field label>: <message>', so that on a long form each error says
    which field it is about ('ULR places: Enter a whole number from 0 to 500'); the message keeps its own
    words, so it reads the same beside the field and in the API. A message that already starts
    with the label, or a field with no label, is left as it is."""
    message = str(message or "").strip()
    label = _LABEL_TAIL.sub("", str(label or "")).strip().rstrip("?:").strip()
    if not label or not message or message.lower().startswith(label.lower()):
        return message
    return f"{label}: {message}"


def summary_label(field: Any) -> str:
    """The label an error summary names a field by (none for hidden fields such as the CSRF token)."""
    if getattr(field, "type", "") in ("HiddenField", "CSRFTokenField"):
        return ""
    label = getattr(field, "label", None)
    return str(getattr(label, "text", "") or "")


class SearchForm(FlaskForm):
    """GET filter forms: no CSRF (they change nothing) and no 'form' prefix in the URL."""

    class Meta:
        csrf = False

    q = StringField("Search", widget=GovTextInput())
    submit = SubmitField("Search", widget=GovSubmitInput())


__all__ = ["DATE_HINT", "date_hint", "date_input", "iso_date_text", "error_line", "summary_label", "Form", "SearchForm", "form_page", "posted_version", "id_or_none", "optional_int", "GovSelect", "GovTextInput", "SelectField", "IntegerField"]
