"""Forms for making a survey and for answering one. They parse what was typed; the services decide what is
valid."""
from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField

from ..core.forms import Form, optional_int
from . import rules


class SurveyForm(Form):
    title = StringField("Title", widget=GovTextInput(),
                        description="Staff see this at the top of the survey, for example: Learning at Hillside School")
    intro = TextAreaField("Words at the top of the survey (optional)", widget=GovTextArea(),
                          description="Why you are asking, and what happens next. The survey already says it is "
                                      "anonymous unless they ask to be contacted.")
    rep_id = SelectField("ULR who contacts the people who ask", widget=GovSelect(), coerce=optional_int,
                         validate_choice=False,
                         description="People who leave their details become learner enquiries for this ULR")
    workplace_ids = SelectMultipleField("Workplaces the survey is for", widget=GovCheckboxesInput(),
                                        coerce=optional_int, validate_choice=False,
                                        description="Choose all that apply")
    questions = SelectMultipleField("Questions to ask", widget=GovCheckboxesInput(), validate_choice=False,
                                    choices=[(q.key, q.text) for q in rules.QUESTION_SET],
                                    description="Untick a question to leave it out. You can change the wording below.")
    submit = SubmitField("Save the survey", widget=GovSubmitInput())

    def survey_data(self) -> dict[str, Any]:
        return {"title": (self.title.data or "").strip() or None, "intro": (self.intro.data or "").strip() or None,
                "rep_id": self.rep_id.data, "workplace_ids": [w for w in (self.workplace_ids.data or []) if w],
                "questions": list(self.questions.data or []),
                "wording": {q.key: (self[f"wording_{q.key}"].data or "").strip() for q in rules.QUESTION_SET
                            if (self[f"wording_{q.key}"].data or "").strip()}}

    @classmethod
    def initial(cls, survey) -> dict[str, Any]:
        out: dict[str, Any] = {"title": survey.title, "intro": survey.intro or "", "rep_id": survey.rep_id,
                               "workplace_ids": [p.workplace_id for p in survey.places],
                               "questions": list(survey.questions)}
        out.update({f"wording_{q.key}": rules.wording_of(q.key, survey.wording) for q in rules.QUESTION_SET})
        return out

    @classmethod
    def blank(cls) -> dict[str, Any]:
        out: dict[str, Any] = {"questions": [q.key for q in rules.QUESTION_SET]}
        out.update({f"wording_{q.key}": q.text for q in rules.QUESTION_SET})
        return out


for _q in rules.QUESTION_SET:
    setattr(SurveyForm, f"wording_{_q.key}", StringField(f"Question {rules.QUESTION_SET.index(_q) + 1}",
                                                         widget=GovTextInput()))


class StatusForm(Form):
    """Open or close: the confirmation page's button (the CSRF token is the only field)."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class AnswerForm(Form):
    """The answering page. Labels come from the survey's wording; questions it does not ask are removed."""

    workplace_id = RadioField("Where do you work?", widget=GovRadioInput(), coerce=optional_int,
                              validate_choice=False)
    job_role = StringField("", widget=GovTextInput(), render_kw={"autocomplete": "organization-title"})
    staff_category = RadioField("", widget=GovRadioInput(), validate_choice=False)
    contract = RadioField("", widget=GovRadioInput(), validate_choice=False)
    hours = RadioField("", widget=GovRadioInput(), validate_choice=False)
    course_types = SelectMultipleField("", widget=GovCheckboxesInput(), validate_choice=False)
    level = RadioField("", widget=GovRadioInput(), validate_choice=False)
    skills_for_life = SelectMultipleField("", widget=GovCheckboxesInput(), validate_choice=False)
    digital_skills = RadioField("", widget=GovRadioInput(), validate_choice=False)
    times = SelectMultipleField("", widget=GovCheckboxesInput(), validate_choice=False)
    places = SelectMultipleField("", widget=GovCheckboxesInput(), validate_choice=False)
    barriers = SelectMultipleField("", widget=GovCheckboxesInput(), validate_choice=False)
    comments = TextAreaField("", widget=GovTextArea())
    consent = BooleanField("Yes, I would like the learning rep to contact me about learning", widget=GovCheckboxInput(),
                           description="Only if you want to. Your answers above stay anonymous: your details are kept "
                                       "apart from them, and used only to contact you about learning.")
    contact_name = StringField("Your name", widget=GovTextInput(), render_kw={"autocomplete": "name"})
    contact_email = StringField("Your e-mail address (optional if you give a phone number)", widget=GovTextInput(),
                                render_kw={"autocomplete": "email", "spellcheck": "false", "type": "email"})
    contact_phone = StringField("Your phone number (optional if you give an e-mail address)", widget=GovTextInput(),
                                render_kw={"autocomplete": "tel", "type": "tel"})
    #: the honeypot: hidden from people (and screen readers); a robot that fills every box fills it in
    website = StringField("Leave this empty", render_kw={"autocomplete": "off", "tabindex": "-1"})
    submit = SubmitField("Send my answers", widget=GovSubmitInput())

    def setup(self, survey, places: list[tuple[int, str]]) -> None:
        for q in rules.QUESTION_SET:
            if q.key not in survey.questions:
                delattr(self, q.key)
                continue
            field = self[q.key]
            field.label.text = rules.wording_of(q.key, survey.wording)
            field.description = q.hint
            if q.options:
                field.choices = list(q.options.items())
        if len(places) > 1:
            self.workplace_id.choices = places
        else:
            delattr(self, "workplace_id")

    def answer_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for q in rules.QUESTION_SET:
            if q.key in self:
                data[q.key] = self[q.key].data
        if "workplace_id" in self:
            data["workplace_id"] = self.workplace_id.data
        data["consent"] = bool(self.consent.data)
        for name in rules.CONTACT_FIELDS:
            data[name] = self[name].data
        return data
