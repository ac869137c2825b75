"""Cases: kinds, statuses and the follow-ups each kind plans. Pure functions."""
from __future__ import annotations

from datetime import date, timedelta

from ..contacts.rules import ACTIVITY_KINDS, follow_up_state  # noqa: F401  (contacts are shared with learners)

KINDS = {
    "learner_support": "Learner support",
    "time_off_dispute": "Time-off dispute",
    "agreement_negotiation": "Agreement negotiation",
    "school_access": "Access to a school",
    "learning_survey": "Learning survey",
    "other": "Other",
}
STATUSES = {"open": "Open", "waiting": "Waiting", "closed": "Closed"}

#: the follow-ups a new case of each kind plans: (what, days after opening)
TEMPLATES: dict[str, tuple[tuple[str, int], ...]] = {
    "learner_support": (("Needs analysis", 0), ("Referral follow-up", 14), ("Progress review", 90)),
    "time_off_dispute": (("Raise with the partnership group", 7), ("Decide on Acas early conciliation", 21)),
    "agreement_negotiation": (("First meeting with the employer", 14), ("Draft agreement to the branch", 42)),
    "school_access": (("Contact the head teacher", 7), ("Visit the school", 28)),
    "learning_survey": (("Send the survey", 0), ("Chase replies", 21), ("Report the results", 42)),
    "other": (),
}


def planned_follow_ups(kind: str, opened_on: date) -> list[tuple[str, date]]:
    return [(what, opened_on + timedelta(days=days)) for what, days in TEMPLATES.get(kind, ())]


def status_problems(current: str, target: str, *, closed_on=None) -> dict[str, str]:
    if target not in STATUSES:
        return {"status": "Choose a status"}
    if target == "closed" and closed_on is None:
        return {"closed_on": "Enter the date the case was closed"}
    return {}
