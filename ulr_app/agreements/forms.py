"""Forms for learning agreements. They parse what was typed; the services decide what is valid."""
from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from ..core.forms import DATE_HINT, Form, date_input, iso_date_text, optional_int
from .models import FACILITIES, KINDS, LEARNER_TIME, MEETING_FREQUENCIES, SCHOOLS_SCOPES

YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(label: str, message: str, hint: str = "") -> RadioField:
    """A yes/no question as two inline radios; the answer is required."""
    return RadioField(label, choices=YES_NO, widget=GovRadioInput(), description=hint, validate_choice=False,
                      validators=[InputRequired(message=message), AnyOf(["yes", "no"], message=message)])


# Text, numbers and dates are checked by the services (all at once, with one wording for the
# pages and the API); the form only insists on what the services cannot judge.

def text(label: str, hint: str = "") -> StringField:
    return StringField(label, widget=GovTextInput(), description=hint)


def long_text(label: str, hint: str = "") -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), description=hint)


def number(label: str, hint: str = "") -> StringField:
    """A number typed as text; the service checks its range and says what is allowed."""
    return StringField(label, widget=GovTextInput(), description=hint, render_kw={"inputmode": "decimal", "spellcheck": "false"})


def date_text(label: str) -> StringField:
    return StringField(label, widget=GovTextInput(), description=DATE_HINT, render_kw={"spellcheck": "false"})


#: the agreement form's fieldsets: (id, legend, field names), in the order of the model agreements
SECTIONS = (
    ("parties", "Parties and scope", ("branch_id", "title", "kind", "employer_id", "other_unions", "whole_employer",
                                      "services_covered", "schools_scope", "equal_access")),
    ("ulrs", "Union learning reps (ULRs)", ("ulr_places", "ulr_appointment", "ulr_paid_time_off", "ulr_hours_per_month",
                                            "ulr_ad_hoc_time", "ulr_facilities")),
    ("members", "Members and learners", ("member_access", "member_access_paid", "learner_time_off")),
    ("joint", "Joint working", ("partnership_group", "partnership_employer_members", "partnership_union_members",
                                "partnership_meeting_frequency", "coordinator", "coordinator_release_days",
                                "learning_centre", "learning_centre_details")),
    ("safeguards", "Safeguards", ("needs_analysis_learning_only", "confidentiality", "not_substitute_for_bargaining",
                                  "grievances_existing_procedures", "disputes_route")),
    ("signatures", "Signatures and dates", ("employer_signatory", "employer_signatory_role", "union_signatory",
                                            "union_signatory_role", "starts_on", "signed_on", "review_due_on", "expires_on")),
)
BOOL_NAMES = ("whole_employer", "equal_access", "ulr_paid_time_off", "ulr_ad_hoc_time", "member_access", "member_access_paid",
              "partnership_group", "coordinator", "learning_centre", "needs_analysis_learning_only", "confidentiality",
              "not_substitute_for_bargaining", "grievances_existing_procedures")
DATE_NAMES = ("starts_on", "signed_on", "review_due_on", "expires_on")
RADIO_NAMES = BOOL_NAMES + ("kind", "schools_scope", "learner_time_off")


class AgreementForm(Form):
    # parties and scope
    branch_id = SelectField("Branch", widget=GovSelect(), coerce=optional_int, validate_choice=False,
                            validators=[InputRequired(message="Choose the branch")])
    title = text("Title", "For example, Barnet learning agreement 2026")
    kind = RadioField("Kind of agreement", choices=list(KINDS.items()), widget=GovRadioInput(), validate_choice=False,
                      validators=[InputRequired(message="Choose the kind of agreement")])
    employer_id = SelectField("Employer", widget=GovSelect(), coerce=optional_int, validate_choice=False)
    other_unions = text("Other unions party to the agreement (optional)", "For example, GMB, Unite")
    whole_employer = yes_no("Does it cover the whole employer?", "Answer whether it covers the whole employer")
    services_covered = long_text("Services or directorates covered",
                                 "Only if it does not cover the whole employer. For example, housing, environment")
    schools_scope = RadioField("What does it say about schools?", choices=list(SCHOOLS_SCOPES.items()), widget=GovRadioInput(),
                               validate_choice=False, validators=[InputRequired(message="Choose what it says about schools")],
                               description="Schools can also be named in or out one by one once the agreement is saved")
    equal_access = yes_no("Equal access for part-time, shift and term-time staff?", "Answer whether it promises equal access")

    # ULRs
    ulr_places = number("Number of ULR places (optional)", "A whole number, like 12")
    ulr_appointment = long_text("How ULRs are appointed and the employer told (optional)")
    ulr_paid_time_off = yes_no("Paid time off for ULRs?", "Answer whether ULRs get paid time off")
    ulr_hours_per_month = number("Pre-scheduled hours a month for each ULR (optional)", "For example, 7.5")
    ulr_ad_hoc_time = yes_no("Ad hoc time off as needed, as well?", "Answer whether ULRs get ad hoc time off")
    ulr_facilities = SelectMultipleField("Facilities for ULRs", choices=list(FACILITIES.items()), widget=GovCheckboxesInput(),
                                         validate_choice=False, description="Select all that apply")

    # members and learners
    member_access = yes_no("Can members see a ULR in working time?", "Answer whether members can see a ULR in working time")
    member_access_paid = yes_no("Is that time paid?", "Answer whether members' time with a ULR is paid")
    learner_time_off = RadioField("Learners' time for courses, in general", choices=list(LEARNER_TIME.items()),
                                  widget=GovRadioInput(), validate_choice=False,
                                  validators=[InputRequired(message="Choose the arrangement for learners' time")],
                                  description="Arrangements by course type are recorded on their own page")

    # joint working
    partnership_group = yes_no("Is there a joint learning partnership group or committee?",
                               "Answer whether there is a partnership group")
    partnership_employer_members = number("Employer members of the group (optional)")
    partnership_union_members = number("Union members of the group (optional)")
    partnership_meeting_frequency = SelectField("How often the group meets (optional)", widget=GovSelect(),
                                                choices=[("", "Not stated")] + list(MEETING_FREQUENCIES.items()),
                                                validate_choice=False)
    coordinator = yes_no("Is there a lifelong learning co-ordinator?", "Answer whether there is a co-ordinator")
    coordinator_release_days = number("Co-ordinator's release, in days a week (optional)", "For example, 2.5")
    learning_centre = yes_no("Is there a learning centre?", "Answer whether there is a learning centre")
    learning_centre_details = long_text("Learning centre details (optional)")

    # safeguards
    needs_analysis_learning_only = yes_no("Is the joint learning needs analysis used solely for learning?",
                                          "Answer whether the needs analysis is used only for learning",
                                          "Never for pay, appraisal, redundancy or discipline")
    confidentiality = yes_no("Are individual learning needs kept confidential?", "Answer whether needs are kept confidential")
    not_substitute_for_bargaining = yes_no("Does it say it is not a substitute for collective bargaining?",
                                           "Answer whether it says it is not a substitute for collective bargaining")
    grievances_existing_procedures = yes_no("Are grievances dealt with through existing procedures?",
                                            "Answer whether grievances go through existing procedures")
    disputes_route = long_text("Disputes route (optional)",
                               "For example, first to the partnership group, then the local joint committee (JNC)")

    # signatures and dates
    employer_signatory = text("Signed for the employer by", "Needed before it can be marked signed")
    employer_signatory_role = text("Employer signatory's role (optional)", "For example, Chief Executive")
    union_signatory = text("Signed for the union by", "Needed before it can be marked signed")
    union_signatory_role = text("Union signatory's role (optional)", "For example, Branch Secretary")
    starts_on = date_text("Start date (optional)")
    signed_on = date_text("Date signed")
    review_due_on = date_text("Review date")
    expires_on = date_text("Expiry date (optional)")

    submit = SubmitField("Save agreement", widget=GovSubmitInput())

    def sections(self):
        """(id, legend, [fields]) for the template, leaving out fields this form does not have."""
        return [(sid, legend, [self._fields[n] for n in names if n in self._fields]) for sid, legend, names in SECTIONS]

    def agreement_data(self) -> dict[str, Any]:
        """What the services take: yes/no as booleans, UK dates as ISO text, blanks as None."""
        data: dict[str, Any] = {}
        for _sid, _legend, names in SECTIONS:
            for name in names:
                if name == "branch_id" or name not in self._fields:
                    continue
                value = self._fields[name].data
                if name in BOOL_NAMES:
                    value = {"yes": True, "no": False}.get(value, value)
                elif name in DATE_NAMES:
                    value = iso_date_text(value)
                elif isinstance(value, str):
                    value = value.strip()
                data[name] = value
        return data

    @classmethod
    def initial(cls, agreement) -> dict[str, Any]:
        """The form's starting values from an agreement (booleans as yes/no, numbers as typed)."""
        out: dict[str, Any] = {}
        for _sid, _legend, names in SECTIONS:
            for name in names:
                value = getattr(agreement, name, None)
                if name in BOOL_NAMES:
                    value = "yes" if value else "no"
                elif name in DATE_NAMES:
                    value = date_input(value)
                elif value is None:
                    value = [] if name == "ulr_facilities" else ""
                elif name not in ("branch_id", "employer_id", "ulr_facilities"):
                    value = str(value)
                out[name] = value
        return out


#: a new agreement starts from the model agreements' usual answers
NEW_AGREEMENT_DEFAULTS = {
    "kind": "partnership", "schools_scope": "silent", "learner_time_off": "not_stated", "whole_employer": "yes",
    "equal_access": "yes", "ulr_paid_time_off": "yes", "ulr_ad_hoc_time": "yes", "member_access": "yes",
    "member_access_paid": "no", "partnership_group": "no", "coordinator": "no", "learning_centre": "no",
    "needs_analysis_learning_only": "yes", "confidentiality": "yes", "not_substitute_for_bargaining": "yes",
    "grievances_existing_procedures": "yes", "ulr_facilities": [],
}


class StatusForm(Form):
    status = RadioField("New status", widget=GovRadioInput(), validate_choice=False,
                        validators=[InputRequired(message="Choose the new status")])
    note = TextAreaField("Note for the timeline (optional)", widget=GovTextArea(),
                         description="For example, signed at the joint negotiating committee on 3 March",
                         validators=[Optional(), Length(max=500, message="The note must be 500 characters or fewer")])
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_status(self, field) -> None:
        from wtforms.validators import ValidationError

        if field.data not in dict(field.choices or []):
            raise ValidationError("Choose one of the statuses listed")


class ConfirmForm(Form):
    """The second step of a status change: only the CSRF token and the button."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class PlacesForm(Form):
    """ULR places per service and learners' time by course type: rows drawn by the template
    (``service-N``/``places-N`` and ``time-<course type>``), read by the view."""

    submit = SubmitField("Save ULR places and learners' time", widget=GovSubmitInput())


class NamedSchoolsForm(Form):
    """Checkboxes ``named_in``/``named_out`` (school ids) drawn by the template over the schools
    shown; ``shown`` lists them, so schools filtered out of view keep what they had."""

    submit = SubmitField("Save named schools", widget=GovSubmitInput())


class SignedCopyForm(Form):
    signed_copy = FileField("Signed copy (PDF)", widget=GovFileInput(),
                            description="A scan or PDF of the agreement as signed by both sides")
    submit = SubmitField("Upload signed copy", widget=GovSubmitInput())


class DraftForm(Form):
    clause_set = RadioField("Clause set", widget=GovRadioInput(), validate_choice=False,
                            validators=[InputRequired(message="Choose a clause set")])
    submit = SubmitField("Generate PDF", widget=GovSubmitInput())

    def validate_clause_set(self, field) -> None:
        from wtforms.validators import ValidationError

        if field.data not in dict(field.choices or []):
            raise ValidationError("Choose one of the clause sets listed")


__all__ = ["AgreementForm", "StatusForm", "ConfirmForm", "SignedCopyForm", "DraftForm", "PlacesForm", "NamedSchoolsForm",
           "NEW_AGREEMENT_DEFAULTS"]
