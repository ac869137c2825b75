"""Learner journeys: levels, the enrolment status flow, outcomes, progression, on-track state.

Pure functions: no database, no Flask (domain.md section 5).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

LEVELS = ("pre_entry", "entry_1", "entry_2", "entry_3", "level_1", "level_2", "level_3", "level_4", "level_5",
          "level_6", "level_7", "level_8")
UNLEVELLED = "unlevelled"
RANK = {code: i for i, code in enumerate(LEVELS)}

STATUSES = ("enquiry", "referred", "enrolled", "in_progress", "completed", "achieved", "withdrawn", "break_in_learning")
OUTCOMES = frozenset({"completed", "achieved"})
#: status -> statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    "enquiry": frozenset({"referred", "enrolled", "withdrawn"}),
    "referred": frozenset({"enrolled", "withdrawn"}),
    "enrolled": frozenset({"in_progress", "withdrawn", "break_in_learning"}),
    "in_progress": frozenset({"completed", "achieved", "withdrawn", "break_in_learning"}),
    "break_in_learning": frozenset({"in_progress", "withdrawn"}),
    "completed": frozenset({"achieved"}),
    "achieved": frozenset(),
    "withdrawn": frozenset(),
}
#: the date field each status needs
DATE_FOR = {"referred": "referred_on", "enrolled": "started_on", "in_progress": "started_on",
            "completed": "completed_on", "achieved": "achieved_on", "withdrawn": "withdrawn_on",
            "break_in_learning": "break_started_on"}
LABELS = {"referred_on": "the referral date", "started_on": "the start date", "completed_on": "the completion date",
          "achieved_on": "the date the qualification was achieved", "withdrawn_on": "the withdrawal date",
          "break_started_on": "the date the break started"}


def level_rank(level: Optional[str]) -> Optional[int]:
    return RANK.get(level or "")


def higher(a: Optional[str], b: Optional[str]) -> bool:
    """Is level ``a`` above level ``b``? Unlevelled courses are below every level."""
    ra, rb = level_rank(a), level_rank(b)
    if ra is None:
        return False
    return rb is None or ra > rb


def transition_problems(current: Optional[str], target: str, dates: dict[str, Optional[date]], *,
                        withdrawal_reason: Optional[str] = None, break_reason: Optional[str] = None,
                        return_on: Optional[date] = None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if target not in STATUSES:
        return {"status": "Choose a status"}
    if current is not None and target != current and target not in TRANSITIONS[current]:
        nexts = ", ".join(s.replace("_", " ") for s in sorted(TRANSITIONS[current])) or "nothing (it is final)"
        return {"status": f"An enrolment that is {current.replace('_', ' ')} can move to {nexts}"}
    field = DATE_FOR.get(target)
    if field and not dates.get(field):
        problems[field] = f"Enter {LABELS[field]}"
    if target == "withdrawn" and not (withdrawal_reason or "").strip():
        problems["withdrawal_reason"] = "Enter why the learner withdrew"
    if target == "break_in_learning":
        if not (break_reason or "").strip():
            problems["break_reason"] = "Enter the reason for the break"
        if not return_on:
            problems["return_on"] = "Enter the expected return date"
        elif dates.get("break_started_on") and return_on <= dates["break_started_on"]:
            problems["return_on"] = "The return date must be after the break starts"
    order = [("referred_on", "started_on"), ("started_on", "completed_on"), ("started_on", "achieved_on"),
             ("started_on", "withdrawn_on"), ("completed_on", "achieved_on"), ("started_on", "break_started_on"),
             ("referred_on", "withdrawn_on")]
    for earlier, later in order:
        if dates.get(earlier) and dates.get(later) and dates[later] < dates[earlier]:
            problems.setdefault(later, f"{LABELS[later][0].upper()}{LABELS[later][1:]} cannot be before {LABELS[earlier]}")
    return problems


#: each date or reason an enrolment records -> the statuses it belongs with
BELONGS_WITH: dict[str, frozenset[str]] = {
    "referred_on": frozenset(STATUSES) - {"enquiry"},
    "started_on": frozenset({"enrolled", "in_progress", "completed", "achieved", "withdrawn", "break_in_learning"}),
    "completed_on": frozenset({"completed", "achieved"}),
    "achieved_on": frozenset({"achieved"}),
    "withdrawn_on": frozenset({"withdrawn"}),
    "withdrawal_reason": frozenset({"withdrawn"}),
    "break_started_on": frozenset({"break_in_learning"}),
    "break_reason": frozenset({"break_in_learning"}),
    "return_on": frozenset({"break_in_learning"}),
}


def out_of_place(target: str, sent: Iterable[str]) -> dict[str, str]:
    """The sent fields that do not belong with the status the enrolment will have (e.g. a completion
    date on one still in progress), each with the reason."""
    problems = {}
    for name in sent:
        allowed = BELONGS_WITH.get(name)
        if allowed is not None and target not in allowed:
            words = " or ".join(sorted(s.replace("_", " ") for s in allowed))
            problems[name] = f"Only an enrolment that is {words} has this: leave it out"
    return problems


def outcome_on(status: str, completed_on: Optional[date], achieved_on: Optional[date]) -> Optional[date]:
    """A learning outcome: completed or achieved, counted once, on the earlier date."""
    if status not in OUTCOMES:  # a date on an enrolment that is not completed or achieved is no outcome
        return None
    dates = [d for d in (completed_on, achieved_on) if d]
    return min(dates) if dates else None


@dataclass(frozen=True)
class EnrolmentFacts:
    id: int
    level: Optional[str]
    status: str
    started_on: Optional[date]
    completed_on: Optional[date]
    achieved_on: Optional[date]


def progressions(enrolments: Iterable[EnrolmentFacts]) -> list[tuple[int, int]]:
    """(outcome enrolment id, later higher-level enrolment id): an outcome followed by an enrolment
    at a higher level for the same learner (pass one learner's enrolments)."""
    items = list(enrolments)
    pairs = []
    for a in items:
        done = outcome_on(a.status, a.completed_on, a.achieved_on)
        if done is None:
            continue
        for b in items:
            if b.id != a.id and b.started_on and b.started_on >= done and higher(b.level, a.level):
                pairs.append((a.id, b.id))
                break
    return pairs


def on_track(*, status: str, planned_end_on: Optional[date], today: date, amber_days: int = 30) -> Optional[str]:
    """red / amber / green for a live enrolment from its planned end date; None when not live."""
    if status not in ("enrolled", "in_progress", "break_in_learning") or planned_end_on is None:
        return None
    if status == "break_in_learning":
        return "amber" if today <= planned_end_on else "red"
    days = (planned_end_on - today).days
    if days < 0:
        return "red"
    return "amber" if days <= amber_days else "green"


def highest_by_subject(achieved: Iterable[tuple[str, Optional[str]]]) -> dict[str, str]:
    """subject -> highest level reached, from (subject, level) pairs of outcomes."""
    out: dict[str, str] = {}
    for subject, level in achieved:
        if level_rank(level) is None:
            continue
        if subject not in out or higher(level, out[subject]):
            out[subject] = level
    return out


#: where the needs analysis records a level -> the ladder subject it counts for
ASSESSED_SUBJECTS = (("literacy_level", "literacy"), ("numeracy_level", "numeracy"), ("ict_level", "ict"))


def assessed_levels(literacy: Optional[str] = None, numeracy: Optional[str] = None,
                    ict: Optional[str] = None) -> dict[str, str]:
    """subject -> level assessed, from a needs analysis (levels it does not know are left out)."""
    given = {"literacy": literacy, "numeracy": numeracy, "ict": ict}
    return {subject: level for subject, level in given.items() if level_rank(level) is not None}


@dataclass(frozen=True)
class Standing:
    """Where a learner stands on one subject's ladder: the level and how it is known."""
    level: str
    how: str  # "achieved" (a completed or achieved course) or "assessed" (the latest needs analysis)


def standings(reached: dict[str, str], assessed: Optional[dict[str, str]] = None) -> dict[str, Standing]:
    """subject -> the higher of the level reached by outcomes and the level assessed; an outcome at the
    same level as the assessment wins (a qualification says more than an assessment)."""
    out = {subject: Standing(level, "achieved") for subject, level in reached.items() if level_rank(level) is not None}
    for subject, level in (assessed or {}).items():
        if level_rank(level) is None:
            continue
        if subject not in out or higher(level, out[subject].level):
            out[subject] = Standing(level, "assessed")
    return out


def level_name(level: str) -> str:
    """entry_1 -> Entry 1, level_2 -> Level 2, pre_entry -> Pre-entry."""
    if level == "pre_entry":
        return "Pre-entry"
    return level.replace("_", " ").replace("level", "Level").replace("entry", "Entry")


def next_level(level: Optional[str]) -> Optional[str]:
    """The rung above ``level`` (None above Level 8)."""
    rank = level_rank(level)
    if rank is None:
        return None
    return LEVELS[rank + 1] if rank + 1 < len(LEVELS) else None


#: the vocational and higher-education rung above each level reached (domain.md section 5)
VOCATIONAL_STEPS = {
    None: "A Level 2 vocational qualification: NVQ, SWiS or STL Level 2 (Supporting Teaching and Learning)",
    "level_2": "A Level 3 vocational qualification: NVQ, SWiS or STL Level 3 (Supporting Teaching and Learning)",
    "level_3": "The Certificate of School Business Management (CSBM, Level 4)",
    "level_4": "A foundation degree or the Diploma of School Business Management (DSBM, Level 5)",
    "level_5": "A degree (Level 6)",
}


def next_steps(reached: dict[str, str], *, assessed: Optional[dict[str, str]] = None,
               esol_need: bool = False) -> list[str]:
    """Suggested next rungs of the ladder from the levels reached per subject (outcomes) and the levels
    assessed in the latest needs analysis. Never a level below either; ESOL only where a need was
    recorded; vocational steps once Level 2 English and maths are reached or a vocational level is."""
    at = standings(reached, assessed)
    steps = []
    level_of = {subject: s.level for subject, s in at.items()}
    english, maths = level_of.get("literacy"), level_of.get("numeracy")
    for subject, name in (("literacy", "English"), ("numeracy", "maths")):
        level = level_of.get(subject)
        if level is None:
            steps.append(f"An initial assessment and a Skills for Life {name} course")
        elif not higher(level, "level_1"):
            steps.append(f"Skills for Life {name} at {level_name(next_level(level))}")
    if esol_need:
        esol = level_of.get("esol")
        if esol is None:
            steps.append("ESOL at Entry 1, after an ESOL assessment")
        elif not higher(esol, "level_1"):
            steps.append(f"ESOL at {level_name(next_level(esol))}")
    both_level_2 = bool(english and maths and not higher("level_2", english) and not higher("level_2", maths))
    vocational = level_of.get("other")
    if both_level_2 or vocational is not None:
        rung = None if vocational is None or higher("level_2", vocational) else vocational
        if VOCATIONAL_STEPS.get(rung):  # nothing more to suggest above Level 5
            steps.append(VOCATIONAL_STEPS[rung])
    if both_level_2:
        steps.append("HLTA status preparation (Level 2 English and maths reached)")
    elif english or maths:
        steps.append("HLTA status needs Level 2 English and maths")
    return steps


# --- consent: what the learner agreed to, for what, and when (issue 14 item 1) ---------------------

#: purpose -> what it covers, in the learner's words
PURPOSES = {
    "records": "Keeping their learning records",
    "contact": "Being contacted by the ULR and the branch",
    "equality": "Equality monitoring (gender, ethnicity, disability, age band)",
    "sharing": "Sharing their record with a named learning provider or funder",
}
#: how consent was given; not_recorded only for consents from before the history was kept
METHODS = {"paper_form": "On a paper form", "online": "Online", "verbal": "Told a ULR (verbal)",
           "not_recorded": "Not recorded (given before consent history was kept)"}
NEW_METHODS = ("paper_form", "online", "verbal")
#: the learner's fields each purpose covers: erased at once when it is withdrawn (records: the whole
#: record, which is erased through the erasure page, not field by field)
COVERS: dict[str, tuple[str, ...]] = {
    "records": (),
    "contact": (),
    "equality": ("gender", "ethnicity", "disability", "age_band"),
    "sharing": (),
}
#: what withdrawing each purpose does, in plain words (the confirmation page says it)
WITHDRAWAL_EFFECTS = {
    "records": "The record must then be erased. Every other consent is withdrawn with it, and the learner is "
               "no longer contacted.",
    "contact": "Nobody will be reminded to contact them, they leave every 'no contact' list, and they cannot be "
               "e-mailed. Their record is kept.",
    "equality": "Their gender, ethnicity, disability and age band are erased now, here and in the audit trail. "
                "This cannot be undone.",
    "sharing": "Their record is no longer shared with the provider or funder named.",
}


@dataclass(frozen=True)
class ConsentFacts:
    purpose: str
    given_on: date
    withdrawn_on: Optional[date] = None
    shared_with: Optional[str] = None


def consent_in_force(c: ConsentFacts, on: date) -> bool:
    """Given on or before ``on`` and not withdrawn by then (a withdrawal takes effect on its date)."""
    return c.given_on <= on and (c.withdrawn_on is None or c.withdrawn_on > on)


def purposes_in_force(consents: Iterable[ConsentFacts], on: date) -> frozenset[str]:
    """The purposes the learner's consent covers on ``on``. Nothing but records without records: a
    consent to be contacted or monitored means nothing once the record may not be kept."""
    found = {c.purpose for c in consents if consent_in_force(c, on)}
    if "records" not in found:
        return frozenset()
    return frozenset(found)


def shared_with_in_force(consents: Iterable[ConsentFacts], on: date) -> list[str]:
    """The providers or funders the record may be shared with on ``on``."""
    items = list(consents)
    if "sharing" not in purposes_in_force(items, on):
        return []
    return sorted({c.shared_with for c in items if c.purpose == "sharing" and c.shared_with
                   and consent_in_force(c, on)})


def ever_withdrawn(consents: Iterable[ConsentFacts], purpose: str, on: date) -> Optional[date]:
    """The date ``purpose`` was withdrawn if it is not in force on ``on`` because of a withdrawal
    (the latest one); None if it is in force, or was never given."""
    items = [c for c in consents if c.purpose == purpose]
    if any(consent_in_force(c, on) for c in items):
        return None
    dates = [c.withdrawn_on for c in items if c.withdrawn_on is not None and c.withdrawn_on <= on]
    return max(dates) if dates else None


def may_contact(consents: Iterable[ConsentFacts], on: date, *, legacy_consent_on: Optional[date] = None) -> bool:
    """May the learner be contacted (e-mailed, reminded about, listed as due a contact) on ``on``?
    Only with consent to be contacted in force. A learner whose consent predates the consent history
    (no consent rows at all) may be contacted from their consent date, as before."""
    items = list(consents)
    if not items:
        return legacy_consent_on is not None and legacy_consent_on <= on
    return "contact" in purposes_in_force(items, on)


def give_problems(*, purpose: Optional[str], method: Optional[str], given_on: Optional[date], today: date,
                  shared_with: Optional[str] = None, taken_by: Optional[str] = None,
                  in_force: Iterable[ConsentFacts] = ()) -> dict[str, str]:
    """What is wrong with a new consent (field -> message); ``in_force`` the learner's consents."""
    problems: dict[str, str] = {}
    if purpose not in PURPOSES:
        return {"purpose": "Choose what the learner is consenting to"}
    if method not in NEW_METHODS:
        problems["method"] = "Choose how the learner gave their consent"
    if given_on is None:
        problems["given_on"] = "Enter the date the consent was given"
    elif given_on > today:
        problems["given_on"] = "The date the consent was given cannot be in the future"
    if purpose == "sharing" and not (shared_with or "").strip():
        problems["shared_with"] = "Enter the provider or funder the record may be shared with"
    if purpose != "sharing" and (shared_with or "").strip():
        problems["shared_with"] = "Only a consent to sharing names a provider or funder: leave it out"
    if method == "verbal" and not (taken_by or "").strip():
        problems["taken_by_name"] = "Enter who the learner told (the ULR who took their consent)"
    if given_on is not None and "given_on" not in problems and "purpose" not in problems:
        current = [c for c in in_force if consent_in_force(c, given_on)]
        if purpose != "records" and not any(c.purpose == "records" for c in current):
            problems["purpose"] = "Record consent to keep their record first: the other consents need it"
        elif any(c.purpose == purpose and (purpose != "sharing" or (c.shared_with or "").strip().lower()
                                           == (shared_with or "").strip().lower()) for c in current):
            problems["purpose"] = "This consent is already in force on that date"
    return problems


def withdraw_problems(*, given_on: date, withdrawn_on: Optional[date], today: date,
                      already_withdrawn_on: Optional[date] = None) -> dict[str, str]:
    """What is wrong with withdrawing a consent given on ``given_on`` on ``withdrawn_on``."""
    if already_withdrawn_on is not None:
        return {"purpose": "This consent was already withdrawn"}
    if withdrawn_on is None:
        return {"withdrawn_on": "Enter the date the learner withdrew their consent"}
    if withdrawn_on > today:
        return {"withdrawn_on": "The date of withdrawal cannot be in the future"}
    if withdrawn_on < given_on:
        return {"withdrawn_on": "The date of withdrawal cannot be before the consent was given"}
    return {}


def withdrawn_with(purpose: str) -> tuple[str, ...]:
    """The purposes withdrawn when ``purpose`` is: all of them with records (or 'all')."""
    if purpose in ("records", "all"):
        return tuple(PURPOSES)
    return (purpose,) if purpose in PURPOSES else ()
