"""Forms for time-off requests. They parse what was typed; the services decide what is valid."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField

from ..core import validation
from ..core.errors import ServiceError, ValidationFailed
from ..core.forms import DATE_HINT, Form, date_hint, date_input, iso_date_text, optional_int
from ..core.templating import UK
from .models import DECISIONS, KIND_PURPOSES, PURPOSES, REFUSAL_REASONS, STATUSES

YES_NO = [("yes", "Yes"), ("no", "No")]
#: each purpose belongs to one kind, so choosing the purpose chooses the kind
PURPOSE_KIND = {p: kind for kind, purposes in KIND_PURPOSES.items() for p in purposes}
#: how each kind is explained above its purposes on the form
KIND_HINTS = {
    "ulr_duties": "Paid time off for your work as a ULR",
    "ulr_training": "Paid time off to train for the ULR role",
    "member_access": "A member seeing a ULR in working time",
    "learner_release": "A member released to study, as the learning agreement allows",
}
#: purposes as the form words them (under their kind's heading)
PURPOSE_LABELS = {**PURPOSES, "consulting_employer": "Consulting the employer about learning",
                  "preparation": "Preparing for any of these duties"}

_TIME = re.compile(r"^\s*(\d{1,2})(?:\s*[:.]\s*(\d{2}))?\s*([ap])?\.?\s*(m\.?)?\s*$", re.IGNORECASE)


def parse_time(value: Any) -> Optional[str]:
    """'9:30', '09.30', '2pm', '2:15 p.m.', '14:00', 'noon' -> 'HH:MM'; None if it is not a time."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text in ("noon", "midday", "12 noon"):
        return "12:00"
    found = _TIME.match(text)
    if not found:
        return None
    hour, minute, half, m = int(found.group(1)), int(found.group(2) or 0), found.group(3), found.group(4)
    if m and not half:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _text(label: str, hint: str = "", **render_kw) -> StringField:
    return StringField(label, widget=GovTextInput(), description=hint, render_kw=render_kw or None)


def _date(label: str, hint: str = DATE_HINT) -> StringField:
    return StringField(label, widget=GovTextInput(), description=hint, render_kw={"spellcheck": "false"})


def _yes_no(value: Any) -> Optional[bool]:
    return {"yes": True, "no": False}.get(value)


class TimeOffForm(Form):
    """Where a service names ``starts_at`` the form shows it on the date field."""

    FIELD_FOR = {"starts_at": "starts_on"}

    def show_service_error(self, exc: ServiceError) -> None:
        exc.fields = {self.FIELD_FOR.get(k, k): v for k, v in exc.fields.items()}
        super().show_service_error(exc)


class RequestForm(TimeOffForm):
    rep_id = SelectField("ULR", widget=GovSelect(), coerce=optional_int, validate_choice=False)
    #: one radio list of purposes, grouped by kind in the template: the purpose decides the kind
    purpose = RadioField("What is the time off for?", choices=list(PURPOSES.items()), widget=GovRadioInput(),
                         validate_choice=False)
    paid_requested = RadioField("If a member is seeing a ULR: does the member expect to be paid for this time?",
                                choices=YES_NO, widget=GovRadioInput(), validate_choice=False,
                                description="Members' time with a ULR is unpaid unless an agreement says so")
    #: learner release: the learner (the branch's learners the user may see) and, once the learner is
    #: known, a course from their open enrolments (or the course typed below)
    learner_id = SelectField("Learner", widget=GovSelect(), coerce=optional_int, validate_choice=False,
                             description="The learner released to study, from your branch's learners")
    course_choice = SelectField("Course", widget=GovSelect(), validate_choice=False)
    workplace_id = SelectField("Workplace", widget=GovSelect(), coerce=optional_int, validate_choice=False)
    starts_on = _date("Date")
    starts_time = _text("Start time", "For example, 9:30am or 14:00", spellcheck="false", autocomplete="off")
    duration_hours = _text("How many hours?", "For example, 3 or 7.5", inputmode="decimal", spellcheck="false")
    location = _text("Where?", "For example, the school library, or the UNISON Centre")
    course = _text("Course", "For ULR training and learner release: the course's name and provider")
    reason = TextAreaField("Reason (optional)", widget=GovTextArea(),
                           description="What the time is for, in a sentence or two")
    submit = SubmitField("Save request", widget=GovSubmitInput())

    def starts_at(self, errors: dict[str, list[str]]) -> Optional[str]:
        """The start as ISO text, or None with messages on the date and time fields."""
        day_text = (self.starts_on.data or "").strip()
        time_text = (self.starts_time.data or "").strip()
        day = None
        if not day_text:
            errors["starts_on"] = ["Enter the date the time off starts"]
        else:
            day = validation.parse_date(day_text)
            if day is None:
                errors["starts_on"] = [validation.bad_date_message("the date")]
        time = parse_time(time_text)
        if not time_text:
            errors["starts_time"] = ["Enter the start time, like 9:30am or 14:00"]
        elif time is None:
            errors["starts_time"] = ["Enter the start time as a time of day, like 9:30am or 14:00"]
        if day is None or time is None:
            return None
        return f"{day.isoformat()}T{time}"

    def request_data(self) -> dict[str, Any]:
        """What the service takes (without ``starts_at``, which ``starts_at()`` works out)."""
        purpose = self.purpose.data or None
        kind = PURPOSE_KIND.get(purpose)
        data: dict[str, Any] = {
            "kind": kind, "purpose": purpose,
            "duration_hours": (self.duration_hours.data or "").strip() or None,
            "location": self.location.data or "", "course": self.course.data or "", "reason": self.reason.data or "",
            "paid_requested": _yes_no(self.paid_requested.data) if kind == "member_access" else None,
        }
        for name in ("rep_id", "workplace_id"):
            if name in self._fields:
                data[name] = self._fields[name].data
        if "learner_id" in self._fields:  # only a learner release names a learner
            data["learner_id"] = self.learner_id.data if kind == "learner_release" else None
        return data

    def learner_release_problems(self, data: dict[str, Any], learners: list[tuple[int, str]],
                                 courses: Optional[list[str]]) -> dict[str, list[str]]:
        """The page's own checks of a learner release, before the service's: the learner is chosen from
        ``learners`` (the branch's learners the user may see), and the course comes from ``courses`` (the
        chosen learner's open enrolments) or is typed, not both. Puts the chosen course into ``data``."""
        if data.get("kind") != "learner_release" or "learner_id" not in self._fields:
            return {}
        errors: dict[str, list[str]] = {}
        learner_id = data.get("learner_id")
        if self.learner_id.errors:
            return {}
        if not learner_id:
            errors["learner_id"] = ["Choose the learner who is being released to study"]
        elif learner_id not in {i for i, _label in learners}:
            errors["learner_id"] = ["Choose a learner of this branch from the list"]
        choice = (self.course_choice.data or "").strip() if "course_choice" in self._fields else ""
        typed = (self.course.data or "").strip()
        if choice and choice != "other" and not errors:
            if choice not in (courses or []):
                errors["course_choice"] = ["Choose a course from the learner's enrolments, or type the course"]
            elif typed and typed != choice:
                errors["course"] = [f"You chose {choice} and typed another course: clear the typed course, "
                                    "or choose 'Another course'"]
            else:
                data["course"] = choice
        elif not typed and courses and not errors:
            errors["course_choice"] = ["Choose one of their courses, or type the course below"]
        elif not typed:
            errors["course"] = ["Enter the course the learner will attend"]
        return errors

    @classmethod
    def initial(cls, request) -> dict[str, Any]:

        local = request.starts_at.astimezone(UK) if request.starts_at else None
        return {
            "rep_id": request.rep_id, "learner_id": request.learner_id, "purpose": request.purpose,
            "paid_requested": {True: "yes", False: "no"}.get(request.paid_requested),
            "workplace_id": request.workplace_id,
            "starts_on": date_input(local.date()) if local else "",
            "starts_time": local.strftime("%H:%M") if local else "",
            "duration_hours": _number(request.duration_hours), "location": request.location or "",
            "course": request.course or "", "reason": request.reason or "",
        }


def _number(value: Any) -> str:
    """7.50 -> '7.5', 6.00 -> '6'."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class SubmitForm(TimeOffForm):
    requested_on = _date("Date it was sent (optional)", date_hint("Leave blank for today."))
    submit = SubmitField("Mark as sent to the employer", widget=GovSubmitInput())

    def requested_on_value(self) -> Optional[date]:
        """The date typed (UK or ISO), None when blank; a clear message on the field otherwise."""

        errors: dict[str, list[str]] = {}
        value = validation.day({"requested_on": iso_date_text(self.requested_on.data or "")}, errors, "requested_on",
                               "the date of the request")
        if errors:
            raise ValidationFailed("Check the date", errors)
        return value


class DecisionForm(TimeOffForm):
    status = RadioField("What did the employer decide?", choices=[(s, STATUSES[s]) for s in DECISIONS],
                        widget=GovRadioInput(), validate_choice=False)
    decided_on = _date("Date of the decision")
    paid = RadioField("Is the time off paid?", choices=YES_NO, widget=GovRadioInput(), validate_choice=False,
                      description="If it was granted or partly granted")
    hours_granted = _text("Hours granted", "Only if it was partly granted. For example, 3", inputmode="decimal",
                          spellcheck="false")
    refusal_reason = RadioField("The reason the employer gave", choices=list(REFUSAL_REASONS.items()), widget=GovRadioInput(),
                                validate_choice=False, description="If it was refused or partly granted")
    refusal_details = TextAreaField("Details (optional)", widget=GovTextArea(),
                                    description="What the employer said, in their words if you have them")
    submit = SubmitField("Save the decision", widget=GovSubmitInput())

    def decision_data(self) -> dict[str, Any]:
        return {"status": self.status.data or None, "decided_on": iso_date_text(self.decided_on.data or "") or None,
                "paid": _yes_no(self.paid.data), "hours_granted": (self.hours_granted.data or "").strip() or None,
                "refusal_reason": self.refusal_reason.data or None, "refusal_details": self.refusal_details.data or ""}

    @classmethod
    def initial(cls, request) -> dict[str, Any]:
        decided = request.status not in ("draft", "submitted")
        today = date.today()
        on = request.decided_on or today
        return {"status": request.status if decided else None,
                "decided_on": date_input(on),
                "paid": {True: "yes", False: "no"}.get(request.paid) if decided else None,
                "hours_granted": _number(request.hours_granted), "refusal_reason": request.refusal_reason,
                "refusal_details": request.refusal_details or ""}


class AcasForm(TimeOffForm):
    acas_ec_started_on = _date("Day Acas early conciliation started (Day A)",
                               date_hint("The date on the Acas early conciliation notification."))
    acas_ec_certificate_on = _date("Date of the early conciliation certificate (Day B)",
                                   date_hint("Leave blank until Acas issues it."))
    tribunal_claim_on = _date("Date the tribunal claim was presented (optional)")
    submit = SubmitField("Save the dates", widget=GovSubmitInput())

    NAMES = ("acas_ec_started_on", "acas_ec_certificate_on", "tribunal_claim_on")

    def acas_data(self) -> dict[str, Any]:
        return {n: iso_date_text(self._fields[n].data or "") or None for n in self.NAMES}

    @classmethod
    def initial(cls, request) -> dict[str, Any]:
        out = {}
        for n in cls.NAMES:
            d = getattr(request, n)
            out[n] = date_input(d)
        return out


__all__ = ["RequestForm", "SubmitForm", "DecisionForm", "AcasForm", "parse_time"]
