"""Demo data: learners and their journeys up the ladder, their needs analyses, contacts and follow-ups.

Two stages, like the rest of the demo:

1. :func:`plan_learners` describes, from the seed and the build date alone, every learner (staff
   category, job, consent, membership, equality monitoring), their needs analyses, their
   enrolments step by step, the ULR's contacts and follow-ups. Dates are relative to ``today``
   (the build date), so the on-track colours, the learners not contacted for 90 days, and the
   overdue and coming follow-ups show on the day the demo is built. Each concern has its own RNG,
   so the earlier parts of the demo are unchanged.
2. :func:`apply_learners` writes them through the services (learners, needs analyses, enrolments,
   contacts), so the audit trail and the timelines tell each story as "demo data".

The mix follows the surveys (domain.md section 1 and 5): learning support staff are the largest
group of learners (~45%), then administrative (~18%), pupil welfare (~15%), specialist and
technical (~8%) and site staff (~4%); the rest work for the council outside schools. Time off and
cover, term-time contracts and confidence are the barriers most often named.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Optional

from ..core.templating import uk_date
from ..learners.catalogue import COURSES
from .accounts import _convenors
from .organisation import _workplace_ids
from .reps import RepPlan
from .world import (FIRST_NAMES, SURNAMES, BranchPlan, DemoWorld, UserPlan, WorkplacePlan, WorkplaceRef, _ref, _rng,
                    _weighted)

#: learners per branch
LEARNERS_PER_BRANCH = 20
LEARNERS_PER_BRANCH_NATIONAL = 10
#: the share of learners in each staff category (the surveys; "Time to train")
CATEGORY_SHARES = (("learning_support", 0.45), ("administrative", 0.18), ("pupil_welfare", 0.15),
                   ("non_school", 0.10), ("specialist_technical", 0.08), ("site", 0.04))
SCHOOL_CATEGORIES = ("learning_support", "pupil_welfare", "specialist_technical", "administrative", "site")
CONSENT_SCOPE = "Contact about learning; needs analysis; course records; anonymised reports"
#: what stage each learner has reached (shares of all learners)
STAGE_SHARES = (("journey", 0.905), ("assessed_only", 0.04), ("consent_only", 0.03), ("no_consent", 0.025))
#: where the latest enrolment has got to (shares of learners on a journey)
FINAL_SHARES = (("in_progress", 0.30), ("achieved", 0.21), ("enrolled", 0.09), ("withdrawn", 0.09),
                ("referred", 0.08), ("completed", 0.08), ("break_in_learning", 0.08), ("enquiry", 0.07))
TRACK_SHARES = (("green", 0.45), ("amber", 0.30), ("red", 0.25))
#: learners whose last contact is more than 90 days before the build date
STALE_SHARE = 0.15
#: how far back a learner's courses go (the pinned full ladders take about three years)
MAX_JOURNEY_DAYS = 3 * 365

JOBS = {
    "learning_support": (("Teaching assistant", 40), ("Learning support assistant", 14), ("SEN teaching assistant", 12),
                         ("Nursery nurse", 10), ("Cover supervisor", 8), ("Higher level teaching assistant", 8),
                         ("Early years practitioner", 8)),
    "pupil_welfare": (("Midday supervisor", 40), ("Learning mentor", 20), ("Pastoral support worker", 15),
                      ("Welfare assistant", 15), ("Attendance officer", 10)),
    "specialist_technical": (("Science technician", 35), ("ICT technician", 30), ("School librarian", 20),
                             ("Design and technology technician", 15)),
    "administrative": (("School administrator", 30), ("Finance officer", 15), ("Receptionist", 15),
                       ("Office manager", 12), ("School business manager", 12), ("Exams officer", 10), ("Bursar", 6)),
    "site": (("Cleaner", 35), ("Caretaker", 25), ("Kitchen assistant", 25), ("Cook", 10), ("Site manager", 5)),
}
SERVICE_JOBS = {
    "Housing": ("Housing officer", "Repairs administrator", "Tenancy support officer"),
    "Environment": ("Street cleansing operative", "Refuse loader", "Parks gardener"),
    "Children's services": ("Family support worker", "Children's centre assistant"),
    "Adult social care": ("Home care worker", "Care assistant", "Day centre officer"),
    "Resources": ("Payroll assistant", "Customer services adviser", "Finance assistant"),
}
#: share on term-time-only contracts, and part time, by category
TERM_TIME = {"learning_support": 0.9, "pupil_welfare": 0.95, "specialist_technical": 0.7, "administrative": 0.55,
             "site": 0.6, "non_school": 0.0}
PART_TIME = {"learning_support": 0.55, "pupil_welfare": 0.85, "specialist_technical": 0.3, "administrative": 0.35,
             "site": 0.7, "non_school": 0.3}
PART_TIME_JOBS = {"Midday supervisor", "Cleaner", "Kitchen assistant"}
#: initial assessment levels (literacy and numeracy), by category
START_LEVELS = {
    "learning_support": (("entry_3", 30), ("level_1", 40), ("entry_2", 8), ("level_2", 22)),
    "pupil_welfare": (("entry_2", 20), ("entry_3", 35), ("level_1", 35), ("level_2", 10)),
    "specialist_technical": (("entry_3", 20), ("level_1", 45), ("level_2", 35)),
    "administrative": (("entry_3", 10), ("level_1", 45), ("level_2", 45)),
    "site": (("entry_1", 15), ("entry_2", 35), ("entry_3", 35), ("level_1", 15)),
    "non_school": (("entry_2", 15), ("entry_3", 35), ("level_1", 35), ("level_2", 15)),
}
ESOL_SHARE = {"site": 0.3, "pupil_welfare": 0.12, "non_school": 0.08}
PRIOR_LEVELS = {
    "learning_support": (("level_2", 45), ("level_1", 25), ("level_3", 15), ("entry_3", 15)),
    "pupil_welfare": (("level_1", 35), ("entry_3", 30), ("level_2", 25), ("entry_2", 10)),
    "specialist_technical": (("level_2", 40), ("level_3", 40), ("level_1", 20)),
    "administrative": (("level_2", 45), ("level_3", 35), ("level_1", 20)),
    "site": (("pre_entry", 20), ("entry_2", 30), ("entry_3", 30), ("level_1", 20)),
    "non_school": (("entry_3", 30), ("level_1", 35), ("level_2", 35)),
}
BARRIER_WEIGHTS = (("time_release", 30), ("cover", 24), ("term_time_contract", 18), ("confidence", 18),
                   ("workload", 10), ("information", 9), ("childcare", 8), ("management_support", 5),
                   ("computer_access", 5), ("cost", 4), ("transport", 4), ("other", 1))
GOALS = {
    "learning_support": ("Become a higher level teaching assistant", "Get Level 2 English and maths",
                         "Support children's reading and maths better", "A Level 3 qualification for the job I do"),
    "pupil_welfare": ("Move into a teaching assistant post", "Help my own children with their homework",
                      "A qualification for pastoral work", "Confidence to go back to learning"),
    "specialist_technical": ("Keep up with the new science curriculum", "A qualification for the job I do",
                             "Better maths for the lab work"),
    "administrative": ("Work towards school business management", "Get better with spreadsheets and finance systems",
                       "Level 2 English and maths for promotion"),
    "site": ("Improve my English for work", "Confidence to take a course", "Read and fill in the safety forms myself",
             "Use a computer and e-mail"),
    "non_school": ("A qualification for promotion", "Use computers at work", "Improve my English and maths"),
}
ETHNICITY = {
    "greater_london": (("White: British", 44), ("White: Other", 12), ("Black: African", 12), ("Black: Caribbean", 8),
                       ("Asian: Indian", 6), ("Asian: Bangladeshi", 5), ("Mixed", 5), ("Asian: Pakistani", 3),
                       ("Other", 3), ("Prefer not to say", 2)),
    "": (("White: British", 84), ("White: Other", 4), ("Asian: Pakistani", 3), ("Asian: Bangladeshi", 2),
         ("Black: African", 2), ("Mixed", 2), ("Asian: Chinese", 1), ("Other", 1), ("Prefer not to say", 1)),
}
DISABILITY = (("No", 82), ("Yes", 12), ("Prefer not to say", 6))
AGE_BANDS = (("45-54", 32), ("35-44", 25), ("55-64", 20), ("25-34", 15), ("16-24", 5), ("65+", 3))
WITHDRAWAL_REASONS = (
    ("No cover: the school would not release her for the class", 28), ("Caring responsibilities at home", 18),
    ("The course moved to an evening the learner could not make", 14), ("Ill health", 12),
    ("Found the course too much alongside work", 12), ("Left the school for another job", 8),
    ("Course cancelled by the college: too few learners", 8),
)
BREAK_REASONS = (("Maternity leave", 30), ("Operation and recovery", 25), ("Caring for a parent", 25),
                 ("Long-term sickness", 20))


# --- the ladder -----------------------------------------------------------------------------

#: title -> (category, subject, level, qualification), from the seed catalogue
COURSE_INFO = {title: (category, subject, level, qualification)
               for title, category, subject, level, _provider, qualification in COURSES}
RTL = "Return to Learn"
LEVEL_ORDER = ("pre_entry", "entry_1", "entry_2", "entry_3", "level_1", "level_2")
SFL_LABELS = {"entry_1": "Entry 1", "entry_2": "Entry 2", "entry_3": "Entry 3", "level_1": "Level 1",
              "level_2": "Level 2"}
#: the qualification after Level 1 English and maths, and the one after Level 2, by category
VOCATIONAL = {
    "learning_support": ("Supporting Teaching and Learning (STL) Level 2",
                         "Supporting Teaching and Learning (STL) Level 3"),
    "pupil_welfare": ("Support Work in Schools (SWiS) Level 2", "Support Work in Schools (SWiS) Level 3"),
    "specialist_technical": ("ICT Level 2", None),
    "administrative": ("ICT Level 2", "Certificate of School Business Management (CSBM)"),
    "site": ("Support Work in Schools (SWiS) Level 2", None),
    "non_school": ("ICT Level 1", "ICT Level 2"),
}
NVQ = ("NVQ Level 2 Supporting Teaching and Learning in Schools",
       "NVQ Level 3 Supporting Teaching and Learning in Schools")
AFTER = {"learning_support": ("HLTA status preparation", "Foundation degree (teaching assistants)"),
         "administrative": ("Diploma of School Business Management (DSBM)",)}


def course_days(title: str, rng: random.Random) -> int:
    """How long a course runs, in days."""
    category, _subject, level, _q = COURSE_INFO[title]
    if category in ("union_course", "informal"):
        return rng.randint(63, 77)
    if category == "cpd":
        return rng.randint(80, 100)
    if category in ("skills_for_life", "esol", "ict"):
        return rng.randint(70, 91)
    if category == "higher_education":
        return rng.randint(600, 700)
    return {"level_2": rng.randint(180, 220), "level_3": rng.randint(260, 300)}.get(level, rng.randint(280, 320))


def _sfl(subject: str, level: str, functional: bool) -> str:
    if functional and level in ("level_1", "level_2"):
        return f"Functional Skills {'English' if subject == 'literacy' else 'maths'} {SFL_LABELS[level]}"
    return f"Skills for Life {subject} {SFL_LABELS[level]}"


def ladder(category: str, literacy: str, numeracy: str, esol: bool, *, rtl: bool = True, nvq: bool = False,
           functional: bool = False) -> list[tuple[str, ...]]:
    """The learner's ladder, as blocks of courses taken side by side (literacy and numeracy at the
    same level run together): Return to Learn, ESOL if needed, Skills for Life up to Level 1, the
    first vocational qualification, Level 2 English and maths, the next qualification, then HLTA
    status or school business management."""
    rank = LEVEL_ORDER.index
    blocks: list[tuple[str, ...]] = [(RTL,)] if rtl else []
    if esol:
        blocks += [(f"ESOL {SFL_LABELS[lvl]}",) for lvl in ("entry_2", "entry_3") if rank(lvl) > rank(literacy)]
        literacy = max(literacy, "entry_3", key=rank)
    for lvl in ("entry_1", "entry_2", "entry_3", "level_1"):
        block = tuple(_sfl(s, lvl, functional) for s, cur in (("literacy", literacy), ("numeracy", numeracy))
                      if rank(lvl) > rank(cur))
        if block:
            blocks.append(block)
    first, second = NVQ if nvq and category == "learning_support" else VOCATIONAL[category]
    blocks.append((first,))
    block = tuple(_sfl(s, "level_2", functional or category in ("administrative", "non_school"))
                  for s, cur in (("literacy", literacy), ("numeracy", numeracy)) if rank("level_2") > rank(cur))
    if block:
        blocks.append(block)
    if second:
        blocks.append((second,))
    blocks += [(title,) for title in AFTER.get(category, ())]
    return blocks


# --- the plan -------------------------------------------------------------------------------

Pairs = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class EnrolmentPlan:
    """An enrolment: how it was opened (enrol()), then each status change in order."""

    course: str
    opening: Pairs
    steps: tuple[tuple[str, Pairs], ...] = ()

    @property
    def status(self) -> str:
        return self.steps[-1][0] if self.steps else dict(self.opening)["status"]

    def field(self, name: str) -> Any:
        values = dict(self.opening)
        for _status, data in self.steps:
            values.update(dict(data))
        return values.get(name)


@dataclass(frozen=True)
class ContactPlan:
    """An activity (a contact with a learner, or something done on a case)."""

    kind: str
    happened_on: str
    text: str
    #: who: a demo login's e-mail, or None (a ULR without a login: ``by_label`` only)
    by: Optional[str]
    by_label: str
    #: a learner's contact that plans the next one (log_contact's follow-up)
    next_contact_on: Optional[str] = None


@dataclass(frozen=True)
class FollowUpPlan:
    title: str
    due_on: str
    done_on: Optional[str] = None


@dataclass(frozen=True)
class LearnerPlan:
    key: str
    branch_key: str
    workplace: WorkplaceRef
    staff_category: str
    #: no_consent | consent_only | assessed_only | journey | full | level_2
    journey: str
    #: create_learner's fields (but the workplace and the ULR), as (name, value) pairs
    values: Pairs
    rep_key: Optional[str] = None
    #: the ULR login that recorded them (None: the branch convenor)
    recorded_by: Optional[str] = None
    #: equality monitoring (recorded by the convenor)
    equality: Pairs = ()
    assessments: tuple[Pairs, ...] = ()
    enrolments: tuple[EnrolmentPlan, ...] = ()
    contacts: tuple[ContactPlan, ...] = ()
    follow_ups: tuple[FollowUpPlan, ...] = ()

    def field(self, name: str) -> Any:
        return dict(self.values).get(name)


def quotas(shares: tuple[tuple[str, float], ...], n: int) -> list[str]:
    """``n`` labels in the given shares (largest remainder; ties to the earlier label)."""
    exact = [(label, share * n) for label, share in shares]
    counts = {label: int(x) for label, x in exact}
    left = n - sum(counts.values())
    for label, x in sorted(exact, key=lambda p: -(p[1] - int(p[1])))[:left]:
        counts[label] += 1
    return [label for label, _s in shares for _ in range(counts[label])]


def _iso(d: Optional[date]) -> Optional[str]:
    return d.isoformat() if d else None


MALE_NAMES = frozenset({"Alan", "Amir", "Andrew", "Colin", "Darren", "David", "Declan", "Gareth", "Gary", "Imran",
                        "Kwame", "Mark", "Mohammed", "Neil", "Olu", "Paul", "Rajinder", "Stephen"})
FEMALE_NAMES = tuple(n for n in FIRST_NAMES if n not in MALE_NAMES)


class _Names:
    """Learners' names, mostly women's (school support staff mostly are), with example.net e-mails."""

    def __init__(self, seed: int, taken: set[str]):
        self.rng = _rng(seed, "learner names")
        self.taken = taken

    def make(self) -> tuple[str, str, str]:
        """(name, e-mail, gender)."""
        gender = "Male" if self.rng.random() < 0.14 else "Female"
        firsts = sorted(MALE_NAMES) if gender == "Male" else FEMALE_NAMES
        while True:
            first, last = self.rng.choice(firsts), self.rng.choice(SURNAMES)
            email = f"{first}.{last}".lower().replace("'", "") + "@example.net"
            if email not in self.taken:
                self.taken.add(email)
                return f"{first} {last}", email, gender


@dataclass
class _Journey:
    """Working state while planning one learner."""

    enrolments: list[EnrolmentPlan]
    first_on: date  # the first referral (or enquiry)
    starts: list[tuple[date, tuple[str, ...]]]  # each block's start (or enquiry) date, oldest first
    events: list[tuple[date, str, str]]  # (when, kind, text) for the contacts


def _dates_for_final(status: str, track: Optional[str], days: int, title: str, today: date,
                     rng: random.Random) -> dict[str, Any]:
    """The dates of the latest block, for the status it has reached on ``today``."""
    ago = lambda n: today - timedelta(days=n)  # noqa: E731
    qualification = COURSE_INFO[title][3]
    d: dict[str, Any] = {}
    if status == "enquiry":
        d["anchor"] = ago(rng.randint(2, 30))
    elif status == "referred":
        d["referred_on"] = ago(rng.randint(3, 35))
    elif status == "enrolled":
        if rng.random() < 0.5:  # the place is confirmed; the course starts soon
            d["started_on"] = today + timedelta(days=rng.randint(5, 30))
            d["direct"] = True
        else:
            d["started_on"] = ago(rng.randint(0, 12))
        d["referred_on"] = min(ago(1), d["started_on"] - timedelta(days=rng.randint(20, 45)))
    elif status == "in_progress":
        if track == "red":
            end = ago(rng.randint(7, 60))
            d["started_on"] = end - timedelta(days=days)
        elif track == "amber":
            end = today + timedelta(days=rng.randint(1, 30))
            d["started_on"] = min(end - timedelta(days=days), ago(7))
        else:
            d["started_on"] = ago(rng.randint(7, max(8, days - 45)))
            end = max(d["started_on"] + timedelta(days=days), today + timedelta(days=31))
        d["planned_end_on"] = end
    elif status in ("completed", "achieved"):
        if status == "achieved" and qualification:
            d["achieved_on"] = ago(rng.randint(10, 150))
            d["completed_on"] = d["achieved_on"] - timedelta(days=rng.randint(21, 50))
        else:
            d["completed_on"] = ago(rng.randint(3, 45))
        d["started_on"] = d["completed_on"] - timedelta(days=days)
    elif status == "withdrawn":
        d["withdrawn_on"] = ago(rng.randint(10, 240))
        if rng.random() < 0.25:  # withdrew before the course started
            d["referred_on"] = d["withdrawn_on"] - timedelta(days=rng.randint(10, 40))
            d["before_start"] = True
        else:
            d["started_on"] = d["withdrawn_on"] - timedelta(days=rng.randint(21, max(22, min(days - 7, 150))))
        d["withdrawal_reason"] = _weighted(rng, WITHDRAWAL_REASONS)
    elif status == "break_in_learning":
        d["break_started_on"] = ago(rng.randint(14, 100))
        d["started_on"] = d["break_started_on"] - timedelta(days=rng.randint(30, 150))
        d["return_on"] = today + timedelta(days=rng.randint(10, 120))
        d["break_reason"] = _weighted(rng, BREAK_REASONS)
    if d.get("started_on") and "planned_end_on" not in d:
        d["planned_end_on"] = d["started_on"] + timedelta(days=days)
    if d.get("started_on") and "referred_on" not in d:
        d["referred_on"] = d["started_on"] - timedelta(days=rng.randint(7, 28))
    return d


def _enrolment(title: str, status: str, d: dict[str, Any], rng: random.Random, *, past: bool = False) -> EnrolmentPlan:
    """The enrol() call and status changes that take an enrolment to ``status`` with dates ``d``.
    ``past``: an earlier course, mostly recorded as it was when the ULR caught up with it
    (already enrolled, with the referral and start dates)."""
    if status == "enquiry":
        return EnrolmentPlan(title, (("status", "enquiry"),))
    steps: list[tuple[str, Pairs]] = []
    if d.get("direct") or (d.get("started_on") and not d.get("before_start") and (
            (past and rng.random() < 0.7) or (COURSE_INFO[title][0] == "union_course" and rng.random() < 0.5))):
        # booked straight onto the course (union courses often are), or recorded after the event
        opening: Pairs = (("status", "enrolled"), ("referred_on", _iso(d.get("referred_on"))),
                          ("started_on", _iso(d["started_on"])), ("planned_end_on", _iso(d["planned_end_on"])))
        opening = tuple((k, v) for k, v in opening if v)
    else:
        if rng.random() < 0.3:
            opening = (("status", "enquiry"),)
            steps.append(("referred", (("referred_on", _iso(d["referred_on"])),)))
        else:
            opening = (("status", "referred"), ("referred_on", _iso(d["referred_on"])))
        if d.get("started_on") and not d.get("before_start"):
            steps.append(("enrolled", (("started_on", _iso(d["started_on"])),
                                       ("planned_end_on", _iso(d["planned_end_on"])))))
    if status == "enrolled" or status == "referred":
        return EnrolmentPlan(title, opening, tuple(steps))
    if status == "withdrawn" and d.get("before_start"):
        steps.append(("withdrawn", (("withdrawn_on", _iso(d["withdrawn_on"])),
                                    ("withdrawal_reason", d["withdrawal_reason"]))))
        return EnrolmentPlan(title, opening, tuple(steps))
    steps.append(("in_progress", ()))
    if status == "withdrawn":
        steps.append(("withdrawn", (("withdrawn_on", _iso(d["withdrawn_on"])),
                                    ("withdrawal_reason", d["withdrawal_reason"]))))
    elif status == "break_in_learning":
        steps.append(("break_in_learning", (("break_started_on", _iso(d["break_started_on"])),
                                            ("break_reason", d["break_reason"]), ("return_on", _iso(d["return_on"])))))
    elif status in ("completed", "achieved"):
        if d.get("completed_on") and (status == "completed" or rng.random() < 0.3):
            steps.append(("completed", (("completed_on", _iso(d["completed_on"])),)))
        if status == "achieved":
            steps.append(("achieved", (("achieved_on", _iso(d["achieved_on"])),)))
    return EnrolmentPlan(title, opening, tuple(steps))


def _journey(blocks: list[tuple[str, ...]], final: str, track: Optional[str], today: date,
             rng: random.Random, *, since: Optional[date] = None) -> _Journey:
    """Enrolments on ``blocks`` in order: the latest at ``final`` on ``today``, every earlier one
    achieved (a qualification) or completed, each block starting after the one before ended.
    ``since``: leave out the earlier blocks that would have begun before that day."""
    planned: list[tuple[int, list[EnrolmentPlan], date, dict]] = []
    events: list[tuple[date, str, str]] = []
    next_start: Optional[date] = None
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        days = max(course_days(t, rng) for t in block)
        if next_start is None:
            status = final
            if status == "achieved" and not all(COURSE_INFO[t][3] for t in block):
                status = "completed"  # a union course is completed, not achieved
            d = _dates_for_final(status, track, days, block[0], today, rng)
        else:
            status = "achieved" if all(COURSE_INFO[t][3] for t in block) else "completed"
            end = next_start - timedelta(days=rng.randint(5, 25))
            d = {}
            if status == "achieved":
                d["achieved_on"] = end
                d["completed_on"] = end - timedelta(days=rng.randint(14, 35))
            else:
                d["completed_on"] = end
            d["started_on"] = d["completed_on"] - timedelta(days=days)
            d["planned_end_on"] = d["started_on"] + timedelta(days=days)
            d["referred_on"] = d["started_on"] - timedelta(days=rng.randint(7, 21))
        start = d.get("started_on") or d.get("referred_on") or d.get("anchor")
        if since is not None and next_start is not None and min(start, d.get("referred_on") or start) < since:
            break
        enrolments = [_enrolment(t, status, d, rng, past=next_start is not None) for t in block]
        planned.append((index, enrolments, start, d))
        next_start = min(start, d.get("referred_on") or start)
        # what a ULR would have talked to the learner about
        names = " and ".join(block)
        if status in ("achieved", "completed") and (d.get("achieved_on") or d.get("completed_on")):
            when = d.get("achieved_on") or d["completed_on"]
            events.append((when + timedelta(days=rng.randint(0, 10)), "email",
                           f"Congratulated them on {'passing' if status == 'achieved' else 'finishing'} {names}; "
                           "talked about the next step"))
        if status == "withdrawn":
            events.append((d["withdrawn_on"] + timedelta(days=rng.randint(0, 5)), "call",
                           f"Withdrew from {names}: {d['withdrawal_reason'].lower()}. "
                           "Said they may come back next year"))
        if status == "break_in_learning":
            events.append((d["break_started_on"] + timedelta(days=rng.randint(0, 7)), "call",
                           f"Break from {names} ({d['break_reason'].lower()}); expects to be back on "
                           f"{uk_date(d['return_on'])}"))
        if d.get("started_on") and d["started_on"] + timedelta(days=7) <= today:
            events.append((d["started_on"] + timedelta(days=rng.randint(7, 21)), rng.choice(("call", "visit")),
                           f"Checked the first weeks of {names} went well"))
        if d.get("referred_on"):
            events.append((d["referred_on"], rng.choice(("meeting", "email")),
                           f"Referred to {names}; sent the college the details"))
        if status in ("in_progress", "enrolled") and d.get("started_on") and d["started_on"] < today:
            events.append((max(d["started_on"] + timedelta(days=1), today - timedelta(days=rng.randint(3, 55))),
                           rng.choice(("call", "visit", "meeting")),
                           f"Progress check on {names}: " + rng.choice((
                               "going well, assignments in on time", "finding the maths hard; arranged a tutor session",
                               "struggling to get release for the Tuesday class",
                               "enjoying it; thinking about the next level"))))
        if status == "enquiry":
            events.append((d["anchor"], "meeting", f"Asked about {names}; gave them the course leaflet"))
    planned.reverse()
    starts = [(start, blocks[index]) for index, _e, start, _d in planned]
    return _Journey(enrolments=[e for _i, es, _s, _d in planned for e in es], first_on=planned[0][2],
                    starts=starts, events=events)


def _pick(rng: random.Random, pairs) -> str:
    return _weighted(rng, tuple(pairs))


def _barriers(rng: random.Random, category: str, contract: str) -> list[str]:
    weights = dict(BARRIER_WEIGHTS)
    if contract == "term_time_only":
        weights["term_time_contract"] += 14
    if category == "site":
        weights["confidence"] += 10
    chosen: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 2, 2, 3))):
        pick = _weighted(rng, tuple((k, w) for k, w in weights.items() if k not in chosen))
        chosen.append(pick)
    return chosen


def _reached(journey: _Journey, literacy: str, numeracy: str, before: date) -> tuple[str, str]:
    """Literacy and numeracy levels reached by ``before`` (for a second needs analysis)."""
    rank = LEVEL_ORDER.index
    for e in journey.enrolments:
        done = e.field("achieved_on") or e.field("completed_on")
        category, subject, level, _q = COURSE_INFO[e.course]
        if not done or date.fromisoformat(done) > before or level not in LEVEL_ORDER:
            continue
        if subject in ("literacy", "esol") and rank(level) > rank(literacy):
            literacy = level
        if subject == "numeracy" and rank(level) > rank(numeracy):
            numeracy = level
    return literacy, numeracy


def plan_learners(seed: int, branches: list[BranchPlan], workplaces: list[WorkplacePlan], users: list[UserPlan],
                  reps: tuple[RepPlan, ...], today: date, *, per_branch: int,
                  pinned_branches: int = 4) -> tuple[LearnerPlan, ...]:
    """``per_branch`` learners in every branch with ULRs, at schools and council services the branch
    deals with, assigned to its ULRs (mostly those with a login), in the surveys' proportions of
    staff categories, at every stage. The first ``pinned_branches`` branches each have learners who
    climbed the whole ladder: Return to Learn, Skills for Life to Level 2 English and maths, the
    Level 2 and Level 3 qualifications (then HLTA status preparation)."""
    rng, journeys, talk = _rng(seed, "learners"), _rng(seed, "journeys"), _rng(seed, "learner contacts")
    names = _Names(seed, {u.email for u in users})
    by_email = {u.email: u for u in users}
    convenors = {u.branch_key: u for u in users if u.role == "branch_convenor"}
    region_of = {b.key: b.region_code for b in branches}
    schools: dict[str, list[WorkplacePlan]] = {}
    services: dict[str, list[WorkplacePlan]] = {}
    la_of = {b.key: b.key.split(":", 1)[1] for b in branches}
    branch_of_la = {la: key for key, la in la_of.items()}
    for w in workplaces:
        if w.kind == "school" and w.la_code in branch_of_la:
            schools.setdefault(branch_of_la[w.la_code], []).append(w)
        elif w.kind == "service" and w.employer_key.startswith("council:"):
            services.setdefault(f"branch:{w.employer_key.split(':', 1)[1]}", []).append(w)
    with_reps = [b for b in branches if any(r.branch_key == b.key for r in reps) and services.get(b.key)]
    total = per_branch * len(with_reps)
    categories = quotas(CATEGORY_SHARES, total)
    rng.shuffle(categories)
    stages = quotas(STAGE_SHARES, total)
    rng.shuffle(stages)
    out: list[Any] = []  # LearnerPlan (no consent yet) or _LearnerDraft (finished below)
    for index, branch in enumerate(with_reps):
        mine = categories[index * per_branch:(index + 1) * per_branch]
        stage_of = stages[index * per_branch:(index + 1) * per_branch]
        if not schools.get(branch.key):
            mine = ["non_school"] * len(mine)
        # the schools where the branch's ULRs have a foothold (a few council schools and an academy)
        pool = sorted(schools.get(branch.key, []), key=lambda w: (w.urn or 0, w.name))
        council_pool = [w for w in pool if w.employer_key.startswith("council:")]
        academy_pool = [w for w in pool if not w.employer_key.startswith("council:")]
        foothold = rng.sample(council_pool, min(len(council_pool), max(3, per_branch // 3)))
        foothold += rng.sample(academy_pool, min(len(academy_pool), 1))
        branch_reps = [r for r in reps if r.branch_key == branch.key]
        in_post = [r for r in branch_reps if r.status != "stood_down"]
        weights = [5 if r.user_email else 2 for r in in_post]
        stood_down = [r for r in branch_reps if r.status == "stood_down"]
        convenor = convenors.get(branch.key)
        # the learners who climbed the whole ladder, in the first branches (learning support staff)
        pinned: dict[int, str] = {}
        if index < pinned_branches:
            ls = [i for i, c in enumerate(mine) if c == "learning_support"]
            kinds = ("full", "full_achieved", "level_2") if index % 2 == 0 else ("full", "full_achieved")
            pinned.update(zip(ls, kinds))
        for n, category in enumerate(mine):
            stage = "journey" if n in pinned else stage_of[n]
            if category == "non_school" or not foothold:
                workplace = rng.choice(services[branch.key])
                job = rng.choice(SERVICE_JOBS.get(workplace.service or "", ("Council officer",)))
            else:
                # mostly where the ULRs have a foothold; a few from other schools
                workplace = rng.choice(pool if rng.random() >= 0.85 and len(pool) > len(foothold) else foothold)
                job = _pick(rng, JOBS[category])
            name, email, gender = names.make()
            key = f"learner:{branch.key}:{n + 1}"
            if n in pinned:
                rep = next((r for r in in_post if r.user_email), in_post[0] if in_post else None)
            elif stood_down and n % 7 == 3:
                rep = stood_down[0]  # moved to another ULR when they stood down (apply: reassign_caseload)
            elif in_post and rng.random() < 0.95:
                rep = rng.choices(in_post, weights=weights)[0]
            else:
                rep = None
            recorded_by = rep.user_email if rep and rep.user_email and rng.random() < 0.75 else None
            if stage == "no_consent":
                out.append(LearnerPlan(key=key, branch_key=branch.key, workplace=_ref(workplace),
                                       staff_category=category, journey="no_consent", values=(("name", name),),
                                       recorded_by=recorded_by))
                continue
            contract = "term_time_only" if rng.random() < TERM_TIME[category] else "full_year"
            hours = "part_time" if job in PART_TIME_JOBS or rng.random() < PART_TIME[category] else "full_time"
            esol = rng.random() < ESOL_SHARE.get(category, 0.03)
            literacy = _pick(rng, START_LEVELS[category])
            numeracy = _pick(rng, START_LEVELS[category])
            if esol:
                literacy = rng.choice(("entry_1", "entry_2"))
            ict = rng.choice(("entry_3", "level_1", "level_1", "level_2")) if category != "site" else rng.choice(
                ("entry_2", "entry_3", "level_1"))
            journey_kind = pinned.get(n, stage)
            track: Optional[str] = None
            blocks: list[tuple[str, ...]] = []
            final = ""
            if journey_kind in ("full", "full_achieved", "level_2"):
                literacy = numeracy = "entry_3"
                esol = False
                blocks = ladder(category, literacy, numeracy, False, nvq=journeys.random() < 0.4)
                l3 = next(i for i, b in enumerate(blocks) if COURSE_INFO[b[0]][2] == "level_3")
                if journey_kind == "full":  # then HLTA status preparation
                    blocks, final = blocks[:l3 + 2], ("in_progress", "referred", "enrolled", "enquiry")[index % 4]
                    track = "green"
                elif journey_kind == "full_achieved":
                    blocks, final = blocks[:l3 + 1], "achieved"
                else:
                    blocks, final, track = blocks[:l3 + 1], "in_progress", ("amber", "red", "green")[index % 3]
            elif stage == "journey":
                full = ladder(category, literacy, numeracy, esol,
                              rtl=not (literacy in ("level_1", "level_2") and journeys.random() < 0.4),
                              nvq=journeys.random() < 0.4,
                              functional=category in ("administrative", "non_school") and journeys.random() < 0.5)
                k = int(_weighted(journeys, (("1", 38), ("2", 28), ("3", 17), ("4", 10), ("5", 7))))
                blocks = full[:min(k, len(full))]
            values: dict[str, Any] = {"name": name, "staff_category": category, "job_title": job, "contract": contract,
                                      "hours": hours, "consent_scope": CONSENT_SCOPE,
                                      "prior_level": _pick(rng, PRIOR_LEVELS[category]) if rng.random() < 0.8 else None}
            if rng.random() < 0.6:
                values["email"] = email
            out.append(_LearnerDraft(key=key, branch=branch, workplace=workplace, category=category, stage=journey_kind,
                                     values=values, rep=rep, recorded_by=recorded_by, convenor=convenor,
                                     region=region_of[branch.key], literacy=literacy, numeracy=numeracy, ict=ict,
                                     esol=esol, blocks=blocks, final=final, track=track, gender=gender,
                                     pinned=n in pinned))
    # the latest enrolments' statuses and the on-track colours, in the shares above
    drafts = [p for p in out if isinstance(p, _LearnerDraft)]
    open_ended = [p for p in drafts if p.blocks and not p.final]
    finals = quotas(FINAL_SHARES, len(open_ended))
    journeys.shuffle(finals)
    for p, final in zip(open_ended, finals):
        p.final = final
    live = [p for p in open_ended if p.final == "in_progress"]
    tracks = quotas(TRACK_SHARES, len(live))
    journeys.shuffle(tracks)
    for p, track in zip(live, tracks):
        p.track = track
    # not contacted for 90 days: learners whose learning has gone quiet (or stalled), not those just referred
    eligible = [p.key for p in drafts if not p.pinned and (p.stage == "assessed_only" or p.final in (
        "achieved", "completed", "withdrawn", "break_in_learning", "in_progress"))]
    stale = set(journeys.sample(eligible, round(STALE_SHARE * len(drafts))))
    return tuple(_finish(p, today, journeys, talk, by_email, stale=p.key in stale) if isinstance(p, _LearnerDraft)
                 else p for p in out)


@dataclass
class _LearnerDraft:
    key: str
    branch: BranchPlan
    workplace: WorkplacePlan
    category: str
    stage: str
    values: dict
    rep: Optional[RepPlan]
    recorded_by: Optional[str]
    convenor: Optional[UserPlan]
    region: str
    literacy: str
    numeracy: str
    ict: str
    esol: bool
    blocks: list
    final: str
    track: Optional[str]
    gender: str = "Female"
    pinned: bool = False


def _who(draft: _LearnerDraft, by_email: dict[str, UserPlan]) -> tuple[Optional[str], str]:
    """Who keeps in touch with the learner: their ULR (login or not), else the branch convenor."""
    if draft.rep is not None:
        if draft.rep.user_email:
            user = by_email[draft.rep.user_email]
            return user.email, f"{user.name} <{user.email}>"
        return None, f"{draft.rep.name} (ULR)"
    if draft.convenor is not None:
        return draft.convenor.email, f"{draft.convenor.name} <{draft.convenor.email}>"
    return None, "Branch education convenor"


def _follow_ups(enrolments: list[EnrolmentPlan], final: str, track: Optional[str], today: date,
                rng: random.Random) -> list[FollowUpPlan]:
    """The ULR's next steps with the learner, from where their latest enrolment has got to."""
    if not enrolments:
        return []
    last = enrolments[-1]
    course = last.course
    day = lambda name: date.fromisoformat(last.field(name)) if last.field(name) else None  # noqa: E731
    out: list[tuple[str, date]] = []
    if final == "in_progress" and track == "red":
        out.append((f"Ask the college why {course} has run past its planned end",
                    today - timedelta(days=rng.randint(1, 20))))
    elif final == "in_progress" and track == "amber":
        out.append((f"Check {course} will finish on time", day("planned_end_on") - timedelta(days=14)))
    elif final == "break_in_learning":
        out.append((f"Call about returning to {course}", day("return_on") - timedelta(days=7)))
    elif final in ("achieved", "completed"):
        done = day("achieved_on") or day("completed_on")
        out.append((f"Talk about the next step after {course}", done + timedelta(days=rng.choice((14, 21, 28, 150)))))
    elif final == "referred":
        out.append((f"Check the college has confirmed a place on {course}", day("referred_on") + timedelta(days=14)))
    elif final == "enquiry":
        out.append((f"Send the enrolment form for {course}", today + timedelta(days=rng.randint(-10, 14))))
    elif final == "withdrawn":
        out.append((f"Ask whether they want to go back to {course} next year",
                    today + timedelta(days=rng.randint(20, 90))))
    elif final == "enrolled" and day("started_on") and day("started_on") > today:
        out.append(("Check the time off for the first class is agreed", day("started_on") - timedelta(days=3)))
    plans = []
    for title, due in out:
        done_on = None
        if due < today and final not in ("in_progress", "break_in_learning") and rng.random() < 0.4:
            done_on = min(today, due + timedelta(days=rng.randint(-3, 4)))
        plans.append(FollowUpPlan(title=title, due_on=due.isoformat(), done_on=_iso(done_on)))
    return plans


def _finish(draft: _LearnerDraft, today: date, rng: random.Random, talk: random.Random,
            by_email: dict[str, UserPlan], *, stale: bool) -> LearnerPlan:
    """Consent, membership, equality, the needs analyses, enrolments, contacts and follow-ups."""
    ago = lambda n: today - timedelta(days=n)  # noqa: E731
    since = None if draft.pinned else today - timedelta(days=MAX_JOURNEY_DAYS)
    journey = _journey(draft.blocks, draft.final, draft.track, today, rng, since=since) if draft.blocks else None
    enrolments = journey.enrolments if journey else []
    dates = [date.fromisoformat(v) for e in enrolments for _k, v in
             list(e.opening) + [p for _s, data in e.steps for p in data] if isinstance(v, str) and v[:2] == "20"]
    earliest = min(dates + [journey.first_on] if journey else [ago(rng.randint(5, 200))])
    consent_on = earliest - timedelta(days=rng.randint(7, 30)) if journey else earliest
    consent_on = min(consent_on, ago(1))
    values = dict(draft.values)
    values["consent_on"] = consent_on.isoformat()
    # membership: most are members; some joined after their first course (recruitment through learning)
    if talk.random() < 0.72:
        values["membership"] = "member"
        first_start = journey.starts[0][0] if journey else None
        if first_start and talk.random() < 0.22 and first_start + timedelta(days=30) < today:
            joined = min(ago(1), first_start + timedelta(days=talk.randint(14, 120)))
        else:
            joined = consent_on - timedelta(days=talk.randint(200, 7000))
        values["joined_union_on"] = joined.isoformat()
    else:
        values["membership"] = "non_member"
    values = {k: v for k, v in values.items() if v is not None}
    equality: dict[str, str] = {}
    if talk.random() < 0.6:
        if talk.random() < 0.95:
            equality["gender"] = draft.gender if talk.random() < 0.97 else "Prefer not to say"
        if talk.random() < 0.8:
            equality["ethnicity"] = _pick(talk, ETHNICITY.get(draft.region, ETHNICITY[""]))
        if talk.random() < 0.75:
            equality["disability"] = _pick(talk, DISABILITY)
        if talk.random() < 0.9:
            equality["age_band"] = _pick(talk, AGE_BANDS)
    # needs analyses: the first before any course; a second one part way up a long ladder
    assessments: list[Pairs] = []
    if draft.stage != "consent_only":
        first_on = min(consent_on + timedelta(days=rng.randint(0, 5)), earliest if journey else ago(0), ago(0))
        first_on = max(first_on, consent_on)
        assessments.append((("assessed_on", first_on.isoformat()), ("literacy_level", draft.literacy),
                            ("numeracy_level", draft.numeracy), ("ict_level", draft.ict), ("esol_need", draft.esol),
                            ("barriers", tuple(_barriers(rng, draft.category, values.get("contract", "")))),
                            ("goals", rng.choice(GOALS[draft.category]))))
        if journey and len(journey.starts) >= 4:
            start, _block = journey.starts[len(journey.starts) // 2]
            again = max(first_on + timedelta(days=1), start - timedelta(days=rng.randint(3, 14)))
            literacy, numeracy = _reached(journey, draft.literacy, draft.numeracy, again)
            assessments.append((("assessed_on", again.isoformat()), ("literacy_level", literacy),
                                ("numeracy_level", numeracy), ("ict_level", draft.ict), ("esol_need", draft.esol),
                                ("barriers", tuple(_barriers(rng, draft.category, values.get("contract", ""))[:1])),
                                ("goals", "Review of progress: " + rng.choice(GOALS[draft.category]).lower())))
    # contacts
    by, label = _who(draft, by_email)
    where = "the staff room" if draft.workplace.kind == "school" else "the civic centre learning centre"
    events = [(consent_on, "meeting", f"Met at the ULR drop-in in {where}; talked about learning and recorded consent")]
    if assessments:
        events.append((date.fromisoformat(assessments[0][0][1]), "meeting", "Needs analysis done together"))
    events += journey.events if journey else []
    events = sorted({(d, k, t) for d, k, t in events if consent_on <= d <= today})
    stale = stale and consent_on <= ago(100)
    if stale:
        events = [e for e in events if e[0] < ago(90)] or [(consent_on, events[0][1], events[0][2])]
    elif events[-1][0] < ago(90):
        events.append((max(consent_on, ago(talk.randint(5, 80))), talk.choice(("call", "visit", "note")),
                       talk.choice(("Caught up in the staff room: thinking about a course in the new year",
                                    "Rang to check in; no change, will keep in touch",
                                    "Sent the new course list for next term"))))
    contacts = [ContactPlan(kind=k, happened_on=d.isoformat(), text=t, by=by, by_label=label)
                for d, k, t in events[-4:]]
    if talk.random() < (0.5 if stale else 0.25):  # the last contact planned the next (overdue if never made)
        last = date.fromisoformat(contacts[-1].happened_on)
        contacts[-1] = replace(contacts[-1], next_contact_on=(last + timedelta(days=talk.randint(14, 60))).isoformat())
    follow_ups = tuple(_follow_ups(enrolments, draft.final, draft.track, today, talk)) if talk.random() < 0.6 or (
        draft.final == "break_in_learning" or draft.track == "red") else ()
    return LearnerPlan(key=draft.key, branch_key=draft.branch.key, workplace=_ref(draft.workplace),
                       staff_category=draft.category, journey=draft.stage, values=tuple(values.items()),
                       rep_key=draft.rep.key if draft.rep else None, recorded_by=draft.recorded_by,
                       equality=tuple(equality.items()), assessments=tuple(assessments), enrolments=tuple(enrolments),
                       contacts=tuple(contacts), follow_ups=follow_ups)


# --- writing the plan -------------------------------------------------------------------------

def _log_contact(learner, contact: ContactPlan, world: "DemoWorld"):
    """A contact with a learner, through log_contact, by the person who made it."""
    from ..learners import services as learners

    by = world.users.get(contact.by) if contact.by else None
    data = {"kind": contact.kind, "happened_on": contact.happened_on, "text": contact.text}
    if contact.next_contact_on:
        data["next_contact_on"] = contact.next_contact_on
    activity = learners.log_contact(learner, data, actor=by)
    if by is None:  # a ULR without a login
        activity.by_label = contact.by_label[:300]
    return activity


def _learner_follow_up(learner, plan: FollowUpPlan, actor):
    """A next step with a learner (as log_contact plans one, with its own title); done, if it was."""
    from ..contacts.models import FollowUp
    from ..core import audit, timeline
    from ..extensions import db
    from ..learners import services as learners

    follow_up = FollowUp(learner_id=learner.id, title=plan.title[:200], due_on=date.fromisoformat(plan.due_on))
    db.session.add(follow_up)
    db.session.flush()
    audit.record(db.session, "create", follow_up, summary=f"Follow-up for learner {learner.name}",
                 changes=audit.snapshot(follow_up, ("learner_id", "title", "due_on")))
    timeline.add(db.session, learner, "follow_up", f"{plan.title}: planned for {plan.due_on}")
    if plan.done_on:
        learners.complete_learner_follow_up(follow_up, actor=actor, on=date.fromisoformat(plan.done_on))
    return follow_up


def apply_learners(plans: tuple[LearnerPlan, ...], world: "DemoWorld") -> None:
    """Each learner as their ULR (or the convenor) recorded them: the learner, then the convenor
    adds the equality monitoring; the needs analyses; each enrolment opened and moved along; the
    contacts and follow-ups. A ULR who stood down had their learners moved to a ULR in post."""
    from sqlalchemy import select

    from ..cases import services as case_services
    from ..core.errors import ServiceError
    from ..extensions import db
    from ..learners import catalogue
    from ..learners import services as learners
    from ..learners.models import Course

    if not plans:
        return
    catalogue.load_courses()  # `flask reference load` has done it; the demo needs the seed courses
    courses = dict(db.session.execute(select(Course.title, Course.id)).tuples().all())
    missing = sorted({e.course for p in plans for e in p.enrolments} - set(courses))
    if missing:
        raise ServiceError(f"The course catalogue has no course {missing[0]!r}: run `flask reference load`.")
    workplace_ids = _workplace_ids({p.workplace for p in plans}, world)
    convenors = _convenors(world)
    for p in plans:
        branch = world.branches[p.branch_key]
        convenor = convenors.get(branch.id)
        actor = world.users[p.recorded_by] if p.recorded_by else convenor
        data = {**dict(p.values), "workplace_id": workplace_ids[p.workplace]}
        if p.rep_key:
            data["rep_id"] = world.reps[p.rep_key].id
        equality = dict(p.equality)
        may_record = actor is None or actor.role != "learning_rep"
        learner = learners.create_learner({**data, **(equality if may_record else {})}, branch=branch, actor=actor)
        if equality and not may_record:
            learners.update_learner(learner, equality, actor=convenor, on=learner.consent_on)  # the same day, not the clock's
        for assessment in p.assessments:
            values = dict(assessment)
            learners.record_needs_assessment(learner, {**values, "barriers": list(values.get("barriers", ()))},
                                             actor=actor)
        for e in p.enrolments:
            enrolment = learners.enrol(learner, {**dict(e.opening), "course_id": courses[e.course]}, actor=actor)
            for status, step in e.steps:
                learners.change_enrolment_status(enrolment, status, dict(step), actor=actor)
        for contact in p.contacts:
            _log_contact(learner, contact, world)
        for follow_up in p.follow_ups:
            _learner_follow_up(learner, follow_up, actor)
        world.learners[p.key] = learner
    # ULRs who stood down: the convenor moved their learners to a ULR in post
    for key, rep in world.reps.items():
        if rep.stood_down_on is None or not any(p.rep_key == key for p in plans):
            continue
        to = next((r for r in world.reps.values() if r.branch_id == rep.branch_id and r.stood_down_on is None
                   and r.user_id), None)
        if to is not None:
            case_services.reassign_caseload(rep, to, actor=convenors.get(rep.branch_id))
    db.session.flush()
