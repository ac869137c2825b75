"""Forms for subject access requests and bank holidays. They parse what was typed; the services decide
what is valid."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField

from ..core.forms import (
    DATE_HINT,
    Form,
    date_hint,
    date_input,
    iso_date_text,
    optional_int,
)
from . import rules

DATE_NAMES = ("received_on", "identity_received_on", "answered_on")
FIELDS = ("person_name", "learner_id", "received_on", "identity_received_on", "extension_months", "extension_reason",
          "status", "answered_on")


def _date(label: str, hint: str = DATE_HINT) -> StringField:
    return StringField(label, widget=GovTextInput(), description=hint, render_kw={"spellcheck": "false"})


class RequestForm(Form):
    person_name = StringField("Name of the person asking", widget=GovTextInput(),
                              description="The person whose personal data is asked for",
                              render_kw={"autocomplete": "off", "spellcheck": "false"})
    learner_id = SelectField("Their learner record (optional)", widget=GovSelect(), coerce=optional_int,
                             validate_choice=False,
                             description="If they are one of the branch's learners")
    received_on = _date("Date the request was received",
                        date_hint("Any way it arrived: letter, e-mail, or spoken to a ULR or convenor."))
    identity_received_on = _date("Date proof of identity arrived (optional)",
                                 date_hint("Only if you asked for it. The time limit starts from this date."))
    extension_months = RadioField("Extension", choices=[(str(k), v) for k, v in rules.EXTENSIONS.items()],
                                  widget=GovRadioInput(), validate_choice=False,
                                  description="Only for a complex request, or several from the same person. "
                                              "Tell the person within the first month, with the reason.")
    extension_reason = TextAreaField("Reason for the extension (if extended)", widget=GovTextArea())
    status = RadioField("Status", choices=list(rules.STATUSES.items()), widget=GovRadioInput(), validate_choice=False)
    answered_on = _date("Date answered (if answered)")
    submit = SubmitField("Save the request", widget=GovSubmitInput())

    def request_data(self) -> dict[str, Any]:
        """What the services take: ISO dates, blanks as None, text stripped."""
        data: dict[str, Any] = {}
        for name in FIELDS:
            value = self._fields[name].data
            if name in DATE_NAMES:
                value = iso_date_text(value) or None
            elif name in ("person_name", "extension_reason"):
                value = (value or "").strip() or None
            elif name == "status":
                value = value or None
            elif name == "extension_months":
                value = value if value not in (None, "", "None") else None
            data[name] = value
        return data

    @classmethod
    def initial(cls, sar) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(sar, name)
            if name in DATE_NAMES:
                value = date_input(value)
            elif name == "extension_months":
                value = str(value or 0)
            elif value is None and name != "learner_id":
                value = ""
            out[name] = value
        return out


class BankHolidayForm(Form):
    holiday_on = _date("Date")
    name = StringField("Name", widget=GovTextInput(), description="For example, Spring bank holiday")
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), description="For example, where it was announced")
    submit = SubmitField("Add the bank holiday", widget=GovSubmitInput())

    def holiday_data(self) -> dict[str, Any]:
        return {"holiday_on": iso_date_text(self.holiday_on.data) or None,
                "name": (self.name.data or "").strip() or None, "notes": (self.notes.data or "").strip() or None}


class FindForm(FlaskForm):
    """The "find everything about this person" search: a GET form (it changes nothing)."""

    class Meta:
        csrf = False

    name = StringField("Name", widget=GovTextInput(), description="All or part of the name")
    email = StringField("E-mail address", widget=GovTextInput(), description="The whole address",
                        render_kw={"spellcheck": "false"})
    learner_id = StringField("Learner record number (optional)", widget=GovTextInput(),
                             render_kw={"inputmode": "numeric", "spellcheck": "false"})
    submit = SubmitField("Search", widget=GovSubmitInput())


class ExportForm(Form):
    redactions = TextAreaField(
        "Third parties' names and details to redact (optional)", widget=GovTextArea(),
        description="One per line: other people's names, e-mail addresses, phone numbers or other details that "
                    "appear in notes and other free text. Each is replaced with [redacted] wherever it appears, in "
                    "any case. What you redact is recorded with the export.")
    submit = SubmitField("Make the export", widget=GovSubmitInput())


class EraseForm(Form):
    """Erasing a learner or a ULR: why, and a tick that the person understands it cannot be undone."""

    reason = TextAreaField("Why is this record being erased?", widget=GovTextArea(),
                           description="For example: the person asked us to erase their data, or we no longer need "
                                       "it. This goes in the audit trail; do not write the person's name here.")
    confirm = BooleanField("I understand that this cannot be undone", widget=GovCheckboxInput())
    submit = SubmitField("Erase this record", widget=GovSubmitInput())
