"""Forms for ULR appointments. They parse what was typed; the services decide what is valid."""
from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField

from ..core.forms import DATE_HINT, Form, date_hint, date_input, iso_date_text, optional_int
from ..core.periods import EXAMPLES
from .models import TRAINING_ROUTES


def date_text(label: str, hint: str) -> StringField:
    return StringField(label, widget=GovTextInput(), description=hint, render_kw={"spellcheck": "false"})


DATE_NAMES = ("appointed_on", "notice_given_on", "will_train_notice_on", "trained_on", "training_completion_notified_on")
ID_NAMES = ("employer_id", "workplace_id", "user_id")
TEXT_NAMES = ("name", "email", "training_course", "notes", "reference", "legal_hold_reason")
FIELDS = ("name", "email", "user_id", "employer_id", "workplace_id", "appointed_on", "notice_given_on", "training_route",
          "will_train_notice_on", "training_course", "trained_on", "training_completion_notified_on", "notes", "reference",
          "legal_hold_reason")


class RepForm(Form):
    name = StringField("Full name", widget=GovTextInput())
    email = StringField("E-mail address (optional)", widget=GovTextInput(),
                        description="Used to recognise the same person in another appointment",
                        render_kw={"spellcheck": "false", "autocomplete": "off"})
    user_id = SelectField("Their login to this service (optional)", widget=GovSelect(), coerce=optional_int,
                          validate_choice=False,
                          description="Logins of this branch with the ULR role. With a login they can see their own "
                                      "appointment and request time off")
    employer_id = SelectField("Employer", widget=GovSelect(), coerce=optional_int, validate_choice=False)
    workplace_id = SelectField("Workplace (optional)", widget=GovSelect(), coerce=optional_int, validate_choice=False,
                               description="The school or council service they represent members at")
    appointed_on = date_text("Date appointed", date_hint("The date the branch appointed them."))
    notice_given_on = date_text("Date the union gave the employer written notice (optional)",
                                date_hint("Written notice that this person is a ULR (s.168A(3)). No paid time off "
                                          "before it."))
    training_route = RadioField("Already trained, or will be trained?", choices=list(TRAINING_ROUTES.items()), widget=GovRadioInput(),
                                validate_choice=False)  # checked by the service, with the other fields
    will_train_notice_on = date_text("Date of the 'will be trained' notice (optional)",
                                     "Only one such notice can ever be given for a person (s.168A(5)); the training "
                                     "must be done within six months of it. " + DATE_HINT)
    training_course = StringField("Training course (optional)", widget=GovTextInput(),
                                  description="For example, UNISON ULR Stage 1")
    trained_on = date_text("Date training was completed (optional)", DATE_HINT)
    training_completion_notified_on = date_text("Date the employer was told of the training (optional)",
                                                date_hint("Paid time off needs this written notice too."))
    notes = TextAreaField("Notes (optional)", widget=GovTextArea())
    reference = StringField("Branch reference (optional)", widget=GovTextInput(),
                            description="The branch's own reference for this person, if it uses one. No two ULR "
                                        "appointments of the branch can have the same one",
                            render_kw={"spellcheck": "false", "autocomplete": "off"})
    legal_hold_reason = TextAreaField("Legal hold (optional)", widget=GovTextArea(),
                                      description="While this is filled in, the record cannot be erased. Write why: "
                                                  "for example, a live tribunal claim or a grievance. Clear it when "
                                                  "the matter is over")
    submit = SubmitField("Save ULR", widget=GovSubmitInput())

    def rep_data(self) -> dict[str, Any]:
        """What the services take: ISO dates, blanks as None, text stripped."""
        data: dict[str, Any] = {}
        for name in FIELDS:
            value = self._fields[name].data
            if name in DATE_NAMES:
                value = iso_date_text(value) or None
            elif name in TEXT_NAMES:
                value = (value or "").strip() or None
            elif name == "training_route":
                value = value or None
            data[name] = value
        return data

    @classmethod
    def initial(cls, rep) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(rep, name)
            if name in DATE_NAMES:
                value = date_input(value)
            elif value is None and name not in ID_NAMES:
                value = ""
            out[name] = value
        return out


class StandDownForm(Form):
    stood_down_on = date_text("Date they stood down", DATE_HINT)
    submit = SubmitField("Stand down", widget=GovSubmitInput())

    def validate_stood_down_on(self, field) -> None:
        from wtforms.validators import StopValidation

        if not (field.data or "").strip():
            raise StopValidation("Enter the date they stood down")


class LetterForm(Form):
    """A POST button that makes a letter: only the CSRF token."""

    submit = SubmitField("Generate letter", widget=GovSubmitInput())


PERIOD_HINT = f"Type {EXAMPLES}"

__all__ = ["RepForm", "StandDownForm", "LetterForm", "PERIOD_HINT"]
