"""Forms for cases. They parse what was typed; the services decide what is valid."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField

from ..core.forms import DATE_HINT, Form, date_hint, date_input, iso_date_text, optional_int
from .rules import ACTIVITY_KINDS, KINDS, STATUSES

def _date(label: str, hint: str = DATE_HINT) -> StringField:
    return StringField(label, widget=GovTextInput(), description=hint, render_kw={"spellcheck": "false"})


def _select(label: str, hint: str = "") -> SelectField:
    return SelectField(label, widget=GovSelect(), coerce=optional_int, validate_choice=False, description=hint)


def uk_text(d: Optional[date]) -> str:
    """A date as it is typed into the forms: 31 3 2026."""
    return date_input(d)


def date_value(text: Any) -> Optional[str]:
    """What was typed, as ISO text for the service (blank -> None)."""
    return iso_date_text(text or "") or None


class CaseForm(Form):
    kind = RadioField("What kind of case is it?", choices=list(KINDS.items()), widget=GovRadioInput(),
                      validate_choice=False)
    summary = StringField("Summary", widget=GovTextInput(),
                          description="In a line, for the case list. For example, Cover refused for Pat's ULR training")
    details = TextAreaField("Details (optional)", widget=GovTextArea(),
                            description="What it is about, and what the member or the branch wants")
    owner_id = _select("Who works the case?")
    learner_id = _select("Learner (optional)")
    workplace_id = _select("Workplace (optional)")
    agreement_id = _select("Learning agreement (optional)")
    time_off_request_id = _select("Time-off request (optional)", "A refused request this case is about")
    opened_on = _date("Date opened", date_hint("Leave blank for today."))
    due_on = _date("Due by (optional)", date_hint("When it should be settled."))
    submit = SubmitField("Open the case", widget=GovSubmitInput())

    NAMES = ("kind", "summary", "details", "owner_id", "learner_id", "workplace_id", "agreement_id",
             "time_off_request_id")

    def case_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: self._fields[name].data for name in self.NAMES if name in self._fields}
        data["kind"] = data.get("kind") or None
        data["summary"], data["details"] = self.summary.data or "", self.details.data or ""
        data["opened_on"] = date_value(self.opened_on.data)
        data["due_on"] = date_value(self.due_on.data)
        return data

    @classmethod
    def initial(cls, case) -> dict[str, Any]:
        out = {name: getattr(case, name) for name in cls.NAMES}
        out.update(summary=case.summary or "", details=case.details or "", opened_on=uk_text(case.opened_on),
                   due_on=uk_text(case.due_on))
        return out


class StatusForm(Form):
    status = RadioField("What is the case's status now?", choices=list(STATUSES.items()), widget=GovRadioInput(),
                        validate_choice=False)
    closed_on = _date("Date closed", date_hint("If it is closed."))
    outcome = TextAreaField("Outcome (optional)", widget=GovTextArea(),
                            description="If it is closed: how it ended. For example, time off granted after the "
                                        "partnership group met")
    submit = SubmitField("Save the status", widget=GovSubmitInput())

    def status_data(self) -> dict[str, Any]:
        return {"status": self.status.data or None, "closed_on": date_value(self.closed_on.data),
                "outcome": self.outcome.data or None}


class ActivityForm(Form):
    kind = SelectField("What was it?", choices=list(ACTIVITY_KINDS.items()), widget=GovSelect(), validate_choice=False)
    happened_on = _date("Date", date_hint("Leave blank for today."))
    text = TextAreaField("What happened", widget=GovTextArea(),
                         description="Who you spoke to, what was said or agreed, and what happens next")
    submit = SubmitField("Log the activity", widget=GovSubmitInput())

    def activity_data(self) -> dict[str, Any]:
        return {"kind": self.kind.data or None, "happened_on": date_value(self.happened_on.data) or date.today(),
                "text": self.text.data or ""}


class FollowUpForm(Form):
    title = StringField("What needs doing", widget=GovTextInput(), description="For example, Ring the head teacher")
    due_on = _date("Due on")
    submit = SubmitField("Add the follow-up", widget=GovSubmitInput())


class DoneForm(Form):
    """Mark a follow-up done: only the CSRF token and the button."""

    submit = SubmitField("Mark done", widget=GovSubmitInput())


class ReassignForm(Form):
    from_rep_id = _select("Move the caseload of", "The ULR whose open cases and learners move (for example, one who "
                                                  "is standing down)")
    to_rep_id = _select("To", "A ULR in post in the same branch")
    submit = SubmitField("Continue", widget=GovSubmitInput())


__all__ = ["CaseForm", "StatusForm", "ActivityForm", "FollowUpForm", "DoneForm", "ReassignForm", "uk_text"]
