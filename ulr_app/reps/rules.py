"""ULR appointments and the training condition (TULRCA 1992 s.168A; Acas Code of Practice 3).

Pure functions: no database, no Flask. A ULR has statutory paid time off only once the union has
given the employer written notice that they are a ULR AND the training condition holds:
  1. they are sufficiently trained and the union has told the employer so in writing; or
  2. the union told the employer in writing, within the last six months, that they WILL BE trained; or
  3. within six months of that notice they completed training and the union told the employer.
Only one "will be trained" notice may be given per person (s.168A(5)): a notice older than six
months with no completion notice means the ULR has lapsed until trained.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

from ..core.dates import add_months

TRAINING_MONTHS = 6
STATUSES = {
    "appointed": "Appointed (no paid time off yet)",
    "active": "Active",
    "training_due": "Training due",
    "lapsed": "Lapsed: training deadline passed",
    "stood_down": "Stood down",
}
ELIGIBLE = frozenset({"active", "training_due"})
#: in plain words: the law (TULRCA 1992 s.168A(5)) is named in the form's hint, not in the error
ONE_NOTICE_RULE = ("The law allows only one 'will be trained' notice for a person, and one was given already. "
                   "Record the completed training instead.")


def training_deadline(will_train_notice_on: Optional[date]) -> Optional[date]:
    """The last day of the six months after the 'will be trained' notice."""
    return add_months(will_train_notice_on, TRAINING_MONTHS) if will_train_notice_on else None


@dataclass(frozen=True)
class RepFacts:
    appointed_on: Optional[date]
    notice_given_on: Optional[date]
    training_route: str  # already_trained | will_train
    will_train_notice_on: Optional[date] = None
    trained_on: Optional[date] = None
    training_completion_notified_on: Optional[date] = None
    stood_down_on: Optional[date] = None


def _on_or_before(d: Optional[date], today: date) -> bool:
    return d is not None and d <= today


def status(rep: RepFacts, today: date) -> str:
    if _on_or_before(rep.stood_down_on, today):
        return "stood_down"
    if not _on_or_before(rep.notice_given_on, today):
        return "appointed"
    # conditions 1 and 3: trained and the employer told in writing
    if _on_or_before(rep.trained_on, today) and _on_or_before(rep.training_completion_notified_on, today):
        return "active"
    if rep.training_route == "will_train" and _on_or_before(rep.will_train_notice_on, today):
        deadline = training_deadline(rep.will_train_notice_on)
        return "training_due" if today <= deadline else "lapsed"
    return "appointed"


def eligible_for_paid_time_off(rep: RepFacts, today: date) -> bool:
    return status(rep, today) in ELIGIBLE


def deadline_for(rep: RepFacts, today: date) -> Optional[date]:
    """The training deadline while it still matters (not once trained and notified)."""
    if rep.training_route != "will_train" or status(rep, today) in ("active", "stood_down"):
        return None
    return training_deadline(rep.will_train_notice_on)


def training_warning(rep: RepFacts, today: date) -> bool:
    """True in the month before the training deadline (the 'warn a month before' rule)."""
    deadline = deadline_for(rep, today)
    return deadline is not None and status(rep, today) == "training_due" and add_months(today, 1) >= deadline


def school_based(workplace_kind: Optional[str]) -> bool:
    return workplace_kind == "school"


def will_train_notice_problem(earlier_notices: Iterable[date], new_notice: Optional[date]) -> Optional[str]:
    """Refuse a second 'will be trained' notice for the same person (any appointment)."""
    earlier = [d for d in earlier_notices if d is not None]
    if new_notice is not None and earlier and any(d != new_notice for d in earlier):
        return ONE_NOTICE_RULE
    return None


def days_left(rep: RepFacts, today: date) -> Optional[int]:
    deadline = deadline_for(rep, today)
    return None if deadline is None else (deadline - today).days


