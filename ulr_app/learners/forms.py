"""Forms for learners, needs analyses, enrolments, contacts, merges and the course catalogue.

They parse what was typed (UK dates like 31 3 2026 become ISO, blanks become None); the services
decide what is valid, with one wording for the pages and the API.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField

from ..contacts.rules import ACTIVITY_KINDS
from ..core.forms import DATE_HINT, Form, date_input, iso_date_text, optional_int
from ..reference.loader import VOCABULARIES
from .rules import METHODS as CONSENT_METHODS
from .rules import NEW_METHODS
from .rules import PURPOSES as CONSENT_PURPOSES
from .models import BARRIERS, CONTRACTS, COURSE_CATEGORIES, HOURS, LEVEL_LABELS, MEMBERSHIP, STAFF_CATEGORIES, SUBJECTS

YES_NO = [("yes", "Yes"), ("no", "No")]
NOT_KNOWN = ("", "Not known yet")
#: the descriptions of the staff categories in the reference data, as hints on the form
STAFF_CATEGORY_HINTS = {code: hint for code, _label, hint in VOCABULARIES["staff_category"]}
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65 or over", "Prefer not to say")
DISABILITY = ("Yes", "No", "Prefer not to say")
EQUALITY_NAMES = ("gender", "ethnicity", "disability", "age_band")


def uk(d: Optional[date]) -> str:
    """A date as it is typed into the forms: 31 3 2026."""
    return date_input(d)


def date_field(label: str, hint: str = DATE_HINT) -> StringField:
    return StringField(label, widget=GovTextInput(), description=hint, render_kw={"spellcheck": "false", "autocomplete": "off"})


def text_field(label: str, hint: str = "", **render_kw) -> StringField:
    return StringField(label, widget=GovTextInput(), description=hint, render_kw=render_kw or None)


def _day(value: Any) -> Optional[str]:
    return iso_date_text(value or "") or None


def _text(value: Any) -> Optional[str]:
    return (value or "").strip() or None


def _yes_no(value: Any) -> Optional[bool]:
    return {"yes": True, "no": False}.get(value)


def _with_current(choices: list, current: Optional[str]) -> list:
    """Keep a value recorded elsewhere (the API) selectable, so editing the page does not lose it."""
    if current and current not in {c for c, _ in choices}:
        choices = choices + [(current, current)]
    return choices


# --- a learner ---------------------------------------------------------------------------------

LEARNER_DATES = ("consent_on", "joined_union_on")
LEARNER_TEXTS = ("name", "email", "job_title", "consent_scope", "gender", "ethnicity", "reference", "legal_hold_reason")
LEARNER_CHOICES = ("staff_category", "contract", "hours", "membership", "prior_level", "disability", "age_band")
LEARNER_IDS = ("workplace_id", "employer_id", "rep_id")


class LearnerForm(Form):
    # consent comes first: without it only the name and where they work may be saved
    consent_on = date_field("Date of consent",
                            "The day the learner agreed to the union keeping their details. Nothing beyond their name "
                            "and workplace is saved until their consent is recorded. " + DATE_HINT)
    consent_scope = TextAreaField("What the consent covers", widget=GovTextArea(),
                                  description="For example, records of their learning, contact by the ULR and the branch")
    # who and where
    name = text_field("Name", "Their full name", autocomplete="off", spellcheck="false")
    workplace_id = SelectField("Workplace", widget=GovSelect(), coerce=optional_int, validate_choice=False,
                               description="The school or council service where they work")
    employer_id = SelectField("Employer (only if the workplace is not listed)", widget=GovSelect(), coerce=optional_int,
                              validate_choice=False, description="Filled in from the workplace when one is chosen")
    email = text_field("E-mail address (optional)", "Used to recognise the same person if they are added twice",
                       spellcheck="false", autocomplete="off")
    staff_category = RadioField("Staff category", widget=GovRadioInput(), validate_choice=False,
                                choices=list(STAFF_CATEGORIES.items()) + [NOT_KNOWN])
    job_title = text_field("Job title (optional)", "As they describe it, for example, Teaching assistant")
    contract = RadioField("Contract", choices=list(CONTRACTS.items()) + [NOT_KNOWN], widget=GovRadioInput(),
                          validate_choice=False)
    hours = RadioField("Hours", choices=list(HOURS.items()) + [NOT_KNOWN], widget=GovRadioInput(), validate_choice=False)
    membership = RadioField("UNISON membership", choices=list(MEMBERSHIP.items()) + [NOT_KNOWN], widget=GovRadioInput(),
                            validate_choice=False, description="A learner need not be a member")
    joined_union_on = date_field("Date they joined the union (optional)",
                                 "If they joined, for example through learning. " + DATE_HINT)
    prior_level = SelectField("Highest level of learning before (optional)", widget=GovSelect(), validate_choice=False,
                              choices=[("", "Not known")] + list(LEVEL_LABELS.items()),
                              description="Their highest qualification level before working with the ULR")
    rep_id = SelectField("ULR", widget=GovSelect(), coerce=optional_int, validate_choice=False,
                         description="The union learning rep who works with them")
    # equality monitoring: optional special-category data, convenors and above only
    gender = text_field("Gender (optional)", "In the learner's own words", autocomplete="off")
    ethnicity = text_field("Ethnicity (optional)", "In the learner's own words, for example, Black British", autocomplete="off")
    disability = SelectField("Disability (optional)", widget=GovSelect(), validate_choice=False,
                             choices=[("", "Not recorded")] + [(v, v) for v in DISABILITY],
                             description="Do they consider themselves disabled?")
    age_band = SelectField("Age band (optional)", widget=GovSelect(), validate_choice=False,
                           choices=[("", "Not recorded")] + [(v, v) for v in AGE_BANDS])
    reference = text_field("Branch reference (optional)", "The branch's own reference for this person, if it uses "
                           "one. No two learners of the branch can have the same one", autocomplete="off",
                           spellcheck="false")
    # convenors and above only
    legal_hold_reason = TextAreaField("Legal hold (optional)", widget=GovTextArea(),
                                      description="While this is filled in, the record cannot be erased. Write why: for "
                                                  "example, a live tribunal claim or a grievance. Clear it when the "
                                                  "matter is over")
    not_duplicate = BooleanField("This is a different person: save a new record", widget=GovCheckboxInput())
    submit = SubmitField("Save learner", widget=GovSubmitInput())

    def drop_equality(self) -> None:
        """Users who may not see equality monitoring never get its fields (nor can they post them)."""
        for name in EQUALITY_NAMES:
            delattr(self, name)

    def drop_legal_hold(self) -> None:
        """Only convenors and above set or lift a legal hold."""
        delattr(self, "legal_hold_reason")

    def keep_current_choices(self, learner) -> None:
        for name in ("disability", "age_band"):
            if name in self._fields:
                self._fields[name].choices = _with_current(list(self._fields[name].choices), getattr(learner, name))

    def learner_data(self) -> dict[str, Any]:
        """What the services take. The workplace, when chosen, decides the employer."""
        data: dict[str, Any] = {}
        for name in (*LEARNER_DATES, *LEARNER_TEXTS, *LEARNER_CHOICES, *LEARNER_IDS):
            if name not in self._fields:
                continue
            value = self._fields[name].data
            if name in LEARNER_DATES:
                value = _day(value)
            elif name in LEARNER_TEXTS:
                value = _text(value)
            elif name in LEARNER_CHOICES:
                value = value or None
            data[name] = value
        if data.get("workplace_id"):
            data["employer_id"] = None  # the service fills it in from the workplace
        return data

    @classmethod
    def initial(cls, learner) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in (*LEARNER_DATES, *LEARNER_TEXTS, *LEARNER_CHOICES, *LEARNER_IDS):
            value = getattr(learner, name)
            if name in LEARNER_DATES:
                value = uk(value)
            elif name in LEARNER_IDS:
                pass
            elif value is None:
                value = ""
            out[name] = value
        if learner.workplace_id:
            out["employer_id"] = None
        return out


# --- needs analysis ----------------------------------------------------------------------------

class NeedsAssessmentForm(Form):
    assessed_on = date_field("Date of the needs analysis")
    literacy_level = SelectField("Literacy (English) level", widget=GovSelect(), validate_choice=False,
                                 choices=[("", "Not assessed")] + list(LEVEL_LABELS.items()))
    numeracy_level = SelectField("Numeracy (maths) level", widget=GovSelect(), validate_choice=False,
                                 choices=[("", "Not assessed")] + list(LEVEL_LABELS.items()))
    ict_level = SelectField("ICT level", widget=GovSelect(), validate_choice=False,
                            choices=[("", "Not assessed")] + list(LEVEL_LABELS.items()))
    esol_need = RadioField("Do they need ESOL (English for speakers of other languages)?", choices=YES_NO,
                           widget=GovRadioInput(), validate_choice=False)
    barriers = SelectMultipleField("What stops them learning?", choices=list(BARRIERS.items()), widget=GovCheckboxesInput(),
                                   validate_choice=False, description="Select all that apply")
    goals = TextAreaField("Goals (optional)", widget=GovTextArea(),
                          description="What they want to learn or achieve, in their words")
    submit = SubmitField("Save the needs analysis", widget=GovSubmitInput())

    def assessment_data(self) -> dict[str, Any]:
        return {"assessed_on": _day(self.assessed_on.data), "literacy_level": self.literacy_level.data or None,
                "numeracy_level": self.numeracy_level.data or None, "ict_level": self.ict_level.data or None,
                "esol_need": _yes_no(self.esol_need.data), "barriers": list(self.barriers.data or []),
                "goals": _text(self.goals.data)}


# --- enrolments --------------------------------------------------------------------------------

OPENING = {"enquiry": "Enquiry: they are asking about it", "referred": "Referred to the provider",
           "enrolled": "Enrolled: they have a place and a start date"}


class EnrolForm(Form):
    #: rendered by hand in the template, grouped by category
    course_id = SelectField("Course", coerce=optional_int, validate_choice=False)
    status = RadioField("Where is it up to?", choices=list(OPENING.items()), widget=GovRadioInput(), validate_choice=False)
    referred_on = date_field("Date referred (if referred or enrolled)")
    started_on = date_field("Start date (if enrolled)")
    planned_end_on = date_field("Planned end date (optional)", "Used to show whether they are on track. " + DATE_HINT)
    time_off_request_id = SelectField("Time off to study (optional)", widget=GovSelect(), coerce=optional_int,
                                      validate_choice=False,
                                      description="A learner-release time-off request for this course")
    project_id = SelectField("Funding project (optional)", widget=GovSelect(), coerce=optional_int,
                             validate_choice=False,
                             description="The project whose quarterly return counts this course")
    submit = SubmitField("Save the enrolment", widget=GovSubmitInput())

    def enrolment_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"course_id": self.course_id.data, "status": self.status.data or None,
                                "planned_end_on": _day(self.planned_end_on.data)}
        status = data["status"]
        if status in ("referred", "enrolled") or _day(self.referred_on.data):
            data["referred_on"] = _day(self.referred_on.data)
        if status == "enrolled" or _day(self.started_on.data):
            data["started_on"] = _day(self.started_on.data)
        if "time_off_request_id" in self._fields:
            data["time_off_request_id"] = self.time_off_request_id.data
        if "project_id" in self._fields and self.project_id.data is not None:
            data["project_id"] = self.project_id.data
        if data["status"] is None:
            data.pop("status")
        return data


#: the fields each next status asks for (the date it needs first)
STATUS_FIELDS = {
    "referred": ("referred_on",),
    "enrolled": ("started_on",),
    "in_progress": ("started_on",),
    "completed": ("completed_on",),
    "achieved": ("achieved_on",),
    "withdrawn": ("withdrawn_on", "withdrawal_reason"),
    "break_in_learning": ("break_started_on", "break_reason", "return_on"),
}
STATUS_DATES = ("referred_on", "started_on", "completed_on", "achieved_on", "withdrawn_on", "break_started_on", "return_on")


class EnrolmentStatusForm(Form):
    #: radios rendered by hand in the template: only the statuses this enrolment may move to
    status = RadioField("What has happened?", validate_choice=False, choices=[])
    referred_on = date_field("Date referred")
    started_on = date_field("Start date")
    completed_on = date_field("Date completed")
    achieved_on = date_field("Date the qualification was achieved")
    withdrawn_on = date_field("Date they withdrew")
    withdrawal_reason = TextAreaField("Why did they withdraw?", widget=GovTextArea())
    break_started_on = date_field("Date the break started")
    break_reason = TextAreaField("Reason for the break", widget=GovTextArea())
    return_on = date_field("Expected return date")
    submit = SubmitField("Save progress", widget=GovSubmitInput())

    def status_data(self) -> tuple[Optional[str], dict[str, Any]]:
        """(status, the fields that status asks for): what was typed for other statuses is left out."""
        status = self.status.data or None
        data: dict[str, Any] = {}
        for name in STATUS_FIELDS.get(status or "", ()):
            value = self._fields[name].data
            data[name] = _day(value) if name in STATUS_DATES else _text(value)
        return status, data

    @classmethod
    def initial(cls, enrolment) -> dict[str, Any]:
        out = {n: uk(getattr(enrolment, n)) for n in STATUS_DATES}
        out.update(withdrawal_reason=enrolment.withdrawal_reason or "", break_reason=enrolment.break_reason or "")
        return out


# --- contacts ----------------------------------------------------------------------------------

class ContactForm(Form):
    kind = RadioField("Kind of contact", choices=list(ACTIVITY_KINDS.items()), widget=GovRadioInput(), validate_choice=False)
    happened_on = date_field("Date of the contact")
    text = TextAreaField("What was said or done", widget=GovTextArea(),
                         description="Keep to what is needed for their learning")
    next_contact_on = date_field("Next contact on (optional)",
                                 "A follow-up is added for that day. " + DATE_HINT)
    submit = SubmitField("Log the contact", widget=GovSubmitInput())

    def contact_data(self) -> dict[str, Any]:
        return {"kind": self.kind.data or None, "happened_on": _day(self.happened_on.data),
                "text": self.text.data or "", "next_contact_on": _day(self.next_contact_on.data)}


# --- consent -----------------------------------------------------------------------------------

class ConsentForm(Form):
    """A consent the learner gave (learners/consent.py decides what is valid)."""

    purpose = RadioField("What are they consenting to?", widget=GovRadioInput(), validate_choice=False,
                         choices=list(CONSENT_PURPOSES.items()))
    shared_with = text_field("Provider or funder (sharing only)", "The name of the college, provider or funder",
                             autocomplete="off")
    method = RadioField("How did they give it?", widget=GovRadioInput(), validate_choice=False,
                        choices=[(m, CONSENT_METHODS[m]) for m in NEW_METHODS])
    given_on = date_field("Date it was given")
    taken_by_name = text_field("Who took it (optional)", "Leave empty if it was you. For a verbal consent, the ULR "
                               "the learner told", autocomplete="off")
    note = TextAreaField("Note (optional)", widget=GovTextArea(), description="For example, the form's reference")
    submit = SubmitField("Record consent", widget=GovSubmitInput())

    def consent_data(self) -> dict[str, Any]:
        return {"purpose": self.purpose.data or None, "method": self.method.data or None,
                "given_on": _day(self.given_on.data), "shared_with": _text(self.shared_with.data),
                "taken_by_name": _text(self.taken_by_name.data), "note": _text(self.note.data)}


class WithdrawConsentForm(Form):
    withdrawn_on = date_field("Date they withdrew it")
    note = TextAreaField("Note (optional)", widget=GovTextArea(), description="For example, how they told you")
    submit = SubmitField("Withdraw consent", widget=GovSubmitInput())

    def withdraw_data(self) -> dict[str, Any]:
        return {"withdrawn_on": _day(self.withdrawn_on.data), "note": _text(self.note.data)}


class ButtonForm(Form):
    """A POST button (mark a follow-up done): only the CSRF token."""

    submit = SubmitField("Mark as done", widget=GovSubmitInput())


# --- merging duplicates ------------------------------------------------------------------------

class MergeChooseForm(Form):
    """Which record is the duplicate (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    duplicate_id = StringField("Learner number of the duplicate", widget=GovTextInput(),
                               description="The number at the end of the other record's web address, for example 1234",
                               render_kw={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"})
    submit = SubmitField("Compare the records", widget=GovSubmitInput())


class MergeForm(Form):
    duplicate_id = HiddenField()
    keep_version = HiddenField()
    duplicate_version = HiddenField()
    confirm = BooleanField("I have checked: these two records are the same person", widget=GovCheckboxInput())
    submit = SubmitField("Merge the records", widget=GovSubmitInput())


# --- the course catalogue ----------------------------------------------------------------------

class CourseForm(Form):
    title = text_field("Course title", "For example, Functional Skills English Level 1")
    category = SelectField("Category", widget=GovSelect(), validate_choice=False,
                           choices=[("", "Choose a category")] + list(COURSE_CATEGORIES.items()))
    subject = SelectField("Subject", widget=GovSelect(), validate_choice=False, choices=list(SUBJECTS.items()),
                          description="Where it sits on a learner's ladder")
    level = SelectField("Level", widget=GovSelect(), validate_choice=False, choices=list(LEVEL_LABELS.items()))
    provider = text_field("Provider (optional)", "For example, WEA or the local college")
    qualification = RadioField("Does it lead to a qualification?", choices=YES_NO, widget=GovRadioInput(),
                               validate_choice=False)
    active = RadioField("Can learners be enrolled on it now?", choices=YES_NO, widget=GovRadioInput(),
                        validate_choice=False, description="Answer no to take it out of the enrolment list but keep its history")
    submit = SubmitField("Save course", widget=GovSubmitInput())

    def course_data(self) -> dict[str, Any]:
        return {"title": _text(self.title.data), "category": self.category.data or None,
                "subject": self.subject.data or None, "level": self.level.data or None,
                "provider": _text(self.provider.data), "qualification": _yes_no(self.qualification.data),
                "active": _yes_no(self.active.data)}

    @classmethod
    def initial(cls, course) -> dict[str, Any]:
        return {"title": course.title, "category": course.category, "subject": course.subject, "level": course.level,
                "provider": course.provider or "", "qualification": "yes" if course.qualification else "no",
                "active": "yes" if course.active else "no"}


__all__ = ["LearnerForm", "NeedsAssessmentForm", "EnrolForm", "EnrolmentStatusForm", "ContactForm",
           "ButtonForm", "MergeChooseForm", "MergeForm", "CourseForm", "uk"]
