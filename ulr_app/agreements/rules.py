"""Rules for learning agreements. Pure functions: no database, no Flask.

- which status changes are allowed, and what a signed agreement must have;
- which of an employer's schools an agreement covers, and why (domain.md section 2);
- which agreements need a reminder (review due within 60 days or past; drafts untouched 90 days).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Optional

#: status -> the statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"negotiating", "terminated"}),
    "negotiating": frozenset({"draft", "signed", "terminated"}),
    "signed": frozenset({"under_review", "expired", "terminated"}),
    "under_review": frozenset({"signed", "expired", "terminated"}),
    "expired": frozenset(),
    "terminated": frozenset(),
}
IN_FORCE = frozenset({"signed", "under_review"})
REVIEW_WARNING_DAYS = 60
STALE_DRAFT_DAYS = 90

#: GIAS "TypeOfEstablishment (name)" values, by who employs the staff
LA_EMPLOYS = frozenset({
    "community school", "voluntary controlled school", "community special school",
    "local authority nursery school", "pupil referral unit",
})
GOVERNING_BODY_EMPLOYS = frozenset({"voluntary aided school", "foundation school", "foundation special school"})
TRUST_EMPLOYS_PREFIXES = ("academy", "free school", "studio school", "university technical college")


def allowed_next(status: str) -> frozenset[str]:
    return TRANSITIONS.get(status, frozenset())


def transition_problems(current: str, target: str, *, signed_on: Optional[date], employer_signatory: Optional[str],
                        union_signatory: Optional[str], review_due_on: Optional[date]) -> dict[str, str]:
    """Why ``current`` -> ``target`` cannot happen with these values ({} when it can)."""
    problems: dict[str, str] = {}
    if target == current:
        return problems
    if target not in TRANSITIONS:
        return {"status": "Choose a status"}
    if target not in allowed_next(current):
        nexts = sorted(allowed_next(current))
        hint = f"; from {current.replace('_', ' ')} it can go to {', '.join(n.replace('_', ' ') for n in nexts)}" if nexts else \
            f"; a {current} agreement cannot change status"
        return {"status": f"A {current.replace('_', ' ')} agreement cannot become {target.replace('_', ' ')}{hint}"}
    if target in IN_FORCE:
        problems.update(signed_problems(signed_on=signed_on, employer_signatory=employer_signatory,
                                        union_signatory=union_signatory, review_due_on=review_due_on))
    return problems


def signed_problems(*, signed_on, employer_signatory, union_signatory, review_due_on) -> dict[str, str]:
    """What a signed (or under review) agreement must have."""
    problems: dict[str, str] = {}
    if not signed_on:
        problems["signed_on"] = "Enter the date the agreement was signed"
    if not (employer_signatory or "").strip():
        problems["employer_signatory"] = "Enter who signed for the employer"
    if not (union_signatory or "").strip():
        problems["union_signatory"] = "Enter who signed for the union"
    if not review_due_on:
        problems["review_due_on"] = "Enter the date the agreement is due for review"
    return problems


def date_problems(*, starts_on: Optional[date], signed_on: Optional[date], review_due_on: Optional[date],
                  expires_on: Optional[date]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if signed_on and review_due_on and review_due_on <= signed_on:
        problems["review_due_on"] = "The review date must be after the date it was signed"
    first = starts_on or signed_on
    if first and expires_on and expires_on <= first:
        problems["expires_on"] = "The expiry date must be after the agreement starts"
    if review_due_on and expires_on and review_due_on > expires_on:
        problems["review_due_on"] = "The review date must be on or before the expiry date"
    return problems


# --- which schools it covers ------------------------------------------------------------

def school_employer(establishment_type: Optional[str]) -> str:
    """Who employs the staff of a school of this GIAS type: 'la', 'governing_body', 'trust' or 'other'."""
    t = (establishment_type or "").strip().lower()
    if t in LA_EMPLOYS:
        return "la"
    if t in GOVERNING_BODY_EMPLOYS:
        return "governing_body"
    if t.startswith(TRUST_EMPLOYS_PREFIXES):
        return "trust"
    return "other"


@dataclass(frozen=True)
class Coverage:
    covered: Optional[bool]  # None: unclear (the agreement is silent)
    reason: str

    @property
    def label(self) -> str:
        return {True: "Covered", False: "Not covered", None: "Unclear"}[self.covered]


def school_coverage(*, schools_scope: str, employer_is_council: bool, establishment_type: Optional[str],
                    named: Optional[str] = None) -> Coverage:
    """Does an agreement with this schools scope cover a school of the employer, and why.

    ``named`` is "in" or "out" when the agreement names the school.
    """
    who = school_employer(establishment_type)
    if named == "out":
        return Coverage(False, "Named in the agreement as not covered")
    if named == "in":
        if employer_is_council and who == "trust":
            return Coverage(True, "Named in the agreement; the academy trust employs the staff, so the trust must agree too")
        return Coverage(True, "Named in the agreement as covered")
    if schools_scope == "excluded":
        return Coverage(False, "The agreement excludes schools")
    if schools_scope == "silent":
        return Coverage(None, "The agreement says nothing about schools")
    if schools_scope != "included":
        return Coverage(None, "The schools scope is not recorded")
    if not employer_is_council:
        return Coverage(True, "The agreement includes the employer's schools")
    if who == "la":
        return Coverage(True, "The council employs the staff and the agreement includes schools")
    if who == "governing_body":
        return Coverage(True, "Maintained school: the governing body employs the staff, and an agreement that includes "
                              "schools binds maintained schools in practice")
    if who == "trust":
        return Coverage(False, "Academy: the academy trust employs the staff, so a council agreement does not reach them")
    return Coverage(False, "Not a school the council maintains")


# --- reminders --------------------------------------------------------------------------

@dataclass(frozen=True)
class AgreementFacts:
    id: int
    title: str
    status: str
    review_due_on: Optional[date]
    last_activity_on: date
    #: where the reminder belongs and how it names the agreement (read in the same statement as the facts)
    branch_id: Optional[int] = None
    kind: Optional[str] = None


@dataclass(frozen=True)
class Reminder:
    key: str
    agreement_id: int
    kind: str  # review_due, review_overdue, stale_draft
    due_on: date
    message: str


def reminders(agreements: Iterable[AgreementFacts], today: date) -> list[Reminder]:
    out: list[Reminder] = []
    for a in agreements:
        if a.status in IN_FORCE and a.review_due_on:
            days = (a.review_due_on - today).days
            if days < 0:
                out.append(Reminder(f"agreement:{a.id}:review:{a.review_due_on.isoformat()}", a.id, "review_overdue",
                                    a.review_due_on, f"Review of '{a.title}' was due {-days} days ago"))
            elif days <= REVIEW_WARNING_DAYS:
                out.append(Reminder(f"agreement:{a.id}:review:{a.review_due_on.isoformat()}", a.id, "review_due",
                                    a.review_due_on, f"Review of '{a.title}' is due in {days} days"
                                    if days else f"Review of '{a.title}' is due today"))
        elif a.status == "draft":
            stale_since = a.last_activity_on + timedelta(days=STALE_DRAFT_DAYS)
            if today >= stale_since:
                out.append(Reminder(f"agreement:{a.id}:stale-draft:{a.last_activity_on.isoformat()}", a.id, "stale_draft",
                                    stale_since, f"The draft '{a.title}' has not been touched for "
                                                 f"{(today - a.last_activity_on).days} days"))
    return sorted(out, key=lambda r: (r.due_on, r.agreement_id))
