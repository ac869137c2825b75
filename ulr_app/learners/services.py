"""The only code that changes learners, needs analyses, courses and enrolments. Flushes, never commits."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Optional

from sqlalchemy import func, or_, select

from ..contacts.models import Activity, FollowUp
from ..contacts.rules import ACTIVITY_KINDS
from ..core import audit, hooks, timeline
from ..core.timeline import TimelineEntry
from ..core import validation as v
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.permissions import LEARNING_REP, visible
from ..core.templating import uk_date
from ..extensions import db
from ..funding.models import Project
from ..funding.queries import project_visible
from ..organisation.models import Branch, Workplace, branch_employer
from ..reps.models import Rep
from ..timeoff.models import TimeOffRequest
from . import consent, rules
from .models import (BARRIERS, CONTRACTS, COURSE_CATEGORIES, ENROLMENT_STATUSES, HOURS, LEVEL_LABELS, MEMBERSHIP,
                     STAFF_CATEGORIES, SUBJECTS, Course, Enrolment, Learner, LearnerConsent, NeedsAssessment)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EQUALITY_FIELDS = ("gender", "ethnicity", "disability", "age_band")
FIELDS = ("employer_id", "workplace_id", "rep_id", "name", "email", "staff_category", "job_title", "contract", "hours",
          "membership", "joined_union_on", "consent_on", "consent_scope", "prior_level", *EQUALITY_FIELDS,
          "reference", "legal_hold_reason")
#: what may be saved before the learner has consented (the branch's reference and a legal hold are the
#: branch's own records about the person, not what the person consents to)
BEFORE_CONSENT = frozenset({"name", "employer_id", "workplace_id", "reference", "legal_hold_reason"})
#: who may set or lift a legal hold
LEGAL_HOLD_ROLES = EQUALITY_ROLES = ("admin", "regional_organiser", "branch_convenor")
ERASED = "This record was erased: it cannot be changed"
CONSENT_FIRST = ("Record the learner's consent (its date and what it covers) before saving anything "
                 "beyond their name and workplace")


@dataclass
class BranchFacts:
    """What the learner checks would otherwise ask the database once per learner, loaded once for a branch by
    :func:`branch_facts` (an import checks thousands of rows): the employers it deals with, its workplaces'
    employers, its ULR appointments (branch, login) and its learners' references. Kept up to date as learners are
    recorded through it."""

    branch_id: int
    employer_ids: set[int]
    workplace_employers: dict[int, int]
    reps: dict[int, tuple[int, Optional[int]]]
    references: dict[str, int] = field(default_factory=dict)


def branch_facts(branch_id: int) -> BranchFacts:
    employers = set(db.session.scalars(select(branch_employer.c.employer_id).where(
        branch_employer.c.branch_id == branch_id)))
    workplaces = dict(db.session.execute(select(Workplace.id, Workplace.employer_id).where(
        Workplace.employer_id.in_(employers))).all()) if employers else {}
    reps = {rid: (bid, uid) for rid, bid, uid in db.session.execute(
        select(Rep.id, Rep.branch_id, Rep.user_id).where(Rep.branch_id == branch_id))}
    references = dict(db.session.execute(select(Learner.reference, Learner.id).where(
        Learner.branch_id == branch_id, Learner.reference.is_not(None))).all())
    return BranchFacts(branch_id, employers, workplaces, reps, references)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- learners ---------------------------------------------------------------------------------

def _visible(model, ident: int, user) -> bool:
    return db.session.scalar(visible(select(model.id).where(model.id == ident), user)) is not None


def _clean_learner(data: Mapping[str, Any], branch_id: int, existing: Optional[Learner], actor,
                   known: Optional[BranchFacts] = None) -> dict:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a learner's record"] for f in sorted(unknown)})
    if actor is not None and actor.role not in EQUALITY_ROLES:
        for f in EQUALITY_FIELDS:
            if f in data and data[f] != (getattr(existing, f) if existing else None) and not (
                    existing is None and _empty(data[f])):
                errors[f] = ["Only branch convenors and above may record equality monitoring"]
        if "legal_hold_reason" in data and (data["legal_hold_reason"] or None) != (
                getattr(existing, "legal_hold_reason", None) if existing else None):
            errors["legal_hold_reason"] = ["Only branch convenors and above may set or lift a legal hold"]
    merged = {f: getattr(existing, f) for f in FIELDS} if existing else {}
    merged.update(data)
    c: dict[str, Any] = {
        "name": v.text(merged, errors, "name", "the learner's name", 120, required=True),
        "email": v.text(merged, errors, "email", "the e-mail address", 254),
        "job_title": v.text(merged, errors, "job_title", "the job title", 120),
        "consent_scope": v.text(merged, errors, "consent_scope", "what the consent covers", 2000),
        "reference": v.text(merged, errors, "reference", "the branch's reference", 60, multiline=False),
        "legal_hold_reason": v.text(merged, errors, "legal_hold_reason", "the reason for the legal hold", 2000),
        "gender": v.text(merged, errors, "gender", "the gender", 60),
        "ethnicity": v.text(merged, errors, "ethnicity", "the ethnicity", 120),
        "disability": v.text(merged, errors, "disability", "the disability", 60),
        "age_band": v.text(merged, errors, "age_band", "the age band", 20),
        "staff_category": v.choice(merged, errors, "staff_category", STAFF_CATEGORIES, "Choose a staff category",
                                   required=False),
        "contract": v.choice(merged, errors, "contract", CONTRACTS, "Choose full year or term-time only", required=False),
        "hours": v.choice(merged, errors, "hours", HOURS, "Choose full time or part time", required=False),
        "membership": v.choice(merged, errors, "membership", MEMBERSHIP, "Choose member or not a member", required=False),
        "prior_level": v.choice(merged, errors, "prior_level", LEVEL_LABELS, "Choose a level", required=False),
        "employer_id": v.ident(merged, errors, "employer_id", "Choose the employer", required=False),
        "workplace_id": v.ident(merged, errors, "workplace_id", "Choose the workplace", required=False),
        "rep_id": v.ident(merged, errors, "rep_id", "Choose the ULR", required=False),
        # the one date rule (core.validation): a union join date may be older than any learning record
        "joined_union_on": v.day(merged, errors, "joined_union_on", "the date they joined the union", kind=v.HAPPENED),
        "consent_on": v.day(merged, errors, "consent_on", "the date of consent", kind=v.LEARNING_HAPPENED),
    }
    # consent first: without it only the name and where they work may be saved
    if not c["consent_on"] and "consent_on" not in errors:
        for f in FIELDS:
            if f not in BEFORE_CONSENT and f != "consent_on" and c.get(f) is not None:
                errors.setdefault(f, [CONSENT_FIRST])
    if existing is not None and existing.consent_on and not c["consent_on"] and "consent_on" not in errors:
        # what was recorded under the consent stays: taking the consent away here would leave it unconsented
        errors["consent_on"] = ["Consent once recorded cannot be taken away here. If the learner withdraws it, "
                                "tell the branch convenor, who deals with their records"]
    if c["consent_on"] and not c["consent_scope"]:
        errors.setdefault("consent_scope", ["Enter what the learner's consent covers"])
    for f, messages in consent.equality_refused(existing, {f: c[f] for f in EQUALITY_FIELDS if f in data}).items():
        errors.setdefault(f, messages)
    if c["email"]:
        c["email"] = c["email"].lower()
        if not EMAIL.match(c["email"]):
            errors.setdefault("email", ["Enter an e-mail address in the correct format, like name@example.org"])
    derived = False
    known = known if known is not None and known.branch_id == branch_id else None
    if c["workplace_id"] and "workplace_id" not in errors:
        if known is not None and c["workplace_id"] in known.workplace_employers:
            workplace_employer: Optional[int] = known.workplace_employers[c["workplace_id"]]
        else:
            w = db.session.get(Workplace, c["workplace_id"])
            workplace_employer = w.employer_id if w is not None else None
        if workplace_employer is None:
            errors["workplace_id"] = ["Choose a workplace of this employer"]
        elif c["employer_id"] is None and "employer_id" not in errors:
            c["employer_id"], derived = workplace_employer, True
        elif workplace_employer != c["employer_id"]:
            errors["workplace_id"] = ["Choose a workplace of this employer"]
    if c["employer_id"] and "employer_id" not in errors:
        linked = (c["employer_id"] in known.employer_ids if known is not None else db.session.scalar(
            select(func.count()).select_from(branch_employer).where(
                branch_employer.c.branch_id == branch_id, branch_employer.c.employer_id == c["employer_id"])))
        if not linked:
            if derived:
                errors["workplace_id"] = ["Choose a workplace of an employer this branch deals with"]
            else:
                errors["employer_id"] = ["Choose one of the employers this branch deals with"]
    if c["rep_id"] and "rep_id" not in errors:
        if known is not None:
            rep_branch, rep_user = known.reps.get(c["rep_id"], (None, None))
        else:
            rep = db.session.get(Rep, c["rep_id"])
            rep_branch, rep_user = (rep.branch_id, rep.user_id) if rep is not None else (None, None)
        if rep_branch != branch_id:
            errors["rep_id"] = ["Choose a ULR of this branch"]
        elif (actor is not None and actor.role == LEARNING_REP and existing is not None and rep_user != actor.id
              and c["rep_id"] != existing.rep_id):  # a ULR may record a learner for a colleague, not hand one over
            errors["rep_id"] = ["Only the branch convenor moves a learner to another ULR"]
    if c["reference"] and "reference" not in errors:
        if known is not None:
            taken = known.references.get(c["reference"])
            taken = None if existing is not None and taken == existing.id else taken
        else:
            taken = db.session.scalar(select(Learner.id).where(
                Learner.branch_id == branch_id, Learner.reference == c["reference"],
                Learner.id != (existing.id if existing is not None else -1)))
        if taken is not None:
            errors["reference"] = [f"Another learner of this branch has the reference {c['reference']} "
                                   f"(learner {taken}): enter a different one"]
    if errors:
        raise ValidationFailed("Check the learner's details", errors)
    keep = set(data) | ({"employer_id"} if "workplace_id" in data else set())
    return {f: c[f] for f in FIELDS if f in keep or existing is None}


class PossibleDuplicate(Conflict):
    """A new learner matches learners already recorded (same name at the workplace, or same e-mail)."""

    code = "possible_duplicate"

    def __init__(self, matches: list[Learner]):
        numbers = ", ".join(str(m.id) for m in matches)
        super().__init__(f"This may be someone already recorded (learner {numbers}). Check, and if this is "
                         "someone else, confirm that a new record is wanted.",
                         {"not_duplicate": ["Check the records that may be the same person. If this is someone "
                                            "else, confirm to save a new record"]})
        self.matches = matches


def create_learner(data: Mapping[str, Any], *, branch: Branch, actor=None, not_duplicate: bool = False,
                   known: Optional[BranchFacts] = None) -> Learner:
    """Record a learner. Unless ``not_duplicate``, refuses (PossibleDuplicate) one who matches learners
    the actor can see: same name at the same workplace, or the same e-mail (merged records aside). ``known``: the
    branch's facts loaded once (:func:`branch_facts`), for many learners in a row."""
    clean = _clean_learner(data, branch.id, None, actor, known)
    if not not_duplicate:
        matches = [m for m in possible_duplicates(name=clean.get("name") or "", workplace_id=clean.get("workplace_id"),
                                                  email=clean.get("email"), user=actor) if m.merged_into_id is None]
        if matches:
            raise PossibleDuplicate(matches)
    created_by_id = actor.id if actor is not None else audit.current_actor()[0]
    learner = Learner(branch_id=branch.id, created_by_id=created_by_id, **clean)
    db.session.add(learner)
    db.session.flush()
    if known is not None and learner.reference:
        known.references[learner.reference] = learner.id
    audit.record(db.session, "create", learner, summary=f"Recorded learner {learner.name}",
                 changes=audit.snapshot(learner, FIELDS))
    consent.follow_learner(learner, audit.snapshot(learner, FIELDS), actor=actor, created=True)
    timeline.add(db.session, learner, "created", "Learner recorded"
                 + (f"; consent given on {uk_date(learner.consent_on)}" if learner.consent_on else ""))
    return learner


def check_learner(data: Mapping[str, Any], *, branch_id: int, existing: Optional[Learner] = None, actor=None,
                  known: Optional[BranchFacts] = None) -> dict:
    """The checks :func:`create_learner` (``existing`` None) or :func:`update_learner` run, with the same messages,
    saving nothing: the clean fields, or ValidationFailed / Conflict. (An import's preview checks every row with it,
    with the branch's facts loaded once: ``known``.)"""
    if existing is not None and existing.erased_at is not None:
        raise Conflict(ERASED)
    return _clean_learner(data, branch_id, existing, actor, known)


def update_learner(learner: Learner, data: Mapping[str, Any], *, version: Optional[int] = None, actor=None,
                   known: Optional[BranchFacts] = None, on: Optional[date] = None) -> dict:
    """Change a learner's details. ``on``: the day the change is made (default: today), which dates a consent to
    equality monitoring recorded by it."""
    if version is not None and int(version) != learner.version:
        raise Conflict("This learner was changed by someone else. Reload it and try again.")
    if learner.erased_at is not None:
        raise Conflict(ERASED)
    clean = _clean_learner(data, learner.branch_id, learner, actor, known)
    changes = audit.apply_changes(learner, clean, FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", learner, summary=f"Changed learner {learner.name}", changes=changes)
        consent.follow_learner(learner, changes, actor=actor, on=on)
        if "consent_on" in changes and learner.consent_on:
            timeline.add(db.session, learner, "milestone", f"Consent given on {uk_date(learner.consent_on)}")
        if "rep_id" in changes:
            timeline.add(db.session, learner, "assigned",
                         f"Assigned to ULR {learner.rep.name}" if learner.rep else "No longer assigned to a ULR")
        other = [f for f in changes if f not in ("consent_on", "rep_id")]
        if other:
            words = ["equality monitoring" if f in EQUALITY_FIELDS else f.replace("_", " ") for f in other]
            timeline.add(db.session, learner, "edited", "Changed " + ", ".join(dict.fromkeys(words)))
    return changes


def possible_duplicates(*, name: str, workplace_id: Optional[int] = None, email: Optional[str] = None,
                        exclude_id: Optional[int] = None, user=None) -> list[Learner]:
    """Learners who may be the same person: same workplace and name (any case), or same e-mail."""
    conds = []
    if name and workplace_id:
        conds.append((Learner.workplace_id == workplace_id) & (func.lower(Learner.name) == name.strip().lower()))
    if email and email.strip():
        conds.append(func.lower(Learner.email) == email.strip().lower())
    if not conds:
        return []
    stmt = select(Learner).where(or_(*conds)).order_by(Learner.name, Learner.id)
    if exclude_id is not None:
        stmt = stmt.where(Learner.id != exclude_id)
    if user is not None:
        stmt = visible(stmt, user)
    return list(db.session.scalars(stmt))


def audit_equality_read(learners, user, where: str) -> None:
    """Record that ``user`` was shown the equality monitoring of ``learners`` (special-category data).

    Call it wherever the values themselves are shown (a page, the API, an export), for the learners
    whose values were shown. Users who may not see them get "recorded" / "not recorded" instead, which
    is not a read of the data and is not recorded. The reads of a request are written as one audit
    entry naming every learner shown and the fields (:func:`audit.record_read`), not one per learner.
    """
    if user is None or getattr(user, "role", None) not in EQUALITY_ROLES:
        return
    audit.record_read(db.session, Learner.__tablename__,
                      ((lr.id, lr.name) for lr in learners if lr is not None),
                      fields=sorted(Learner.__special_category__), where=where, what="the equality monitoring")


def _needs_consent(learner: Learner, what: str) -> None:
    if learner.erased_at is not None:
        raise Conflict(ERASED)
    if not learner.consent_on:
        raise ValidationFailed("The learner has not consented", {"learner_id": [
            f"Record the learner's consent (its date and what it covers) before {what}"]})
    withdrawn = consent.withdrawn_on(learner, "records")
    if withdrawn is not None:
        raise ValidationFailed("The learner withdrew their consent", {"learner_id": [
            f"Consent to keep this record was withdrawn on {uk_date(withdrawn)}: nothing more may be recorded "
            "about the learner, and the record must now be erased"]})


# --- needs analysis -----------------------------------------------------------------------------

NA_FIELDS = ("assessed_on", "literacy_level", "numeracy_level", "ict_level", "esol_need", "barriers", "goals")


def record_needs_assessment(learner: Learner, data: Mapping[str, Any], *, actor=None) -> NeedsAssessment:
    _needs_consent(learner, "recording a needs analysis")
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(NA_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a needs analysis"] for f in sorted(unknown)})
    c: dict[str, Any] = {
        "assessed_on": v.day(data, errors, "assessed_on", "the date of the assessment", required=True,
                             kind=v.LEARNING_HAPPENED),
        "goals": v.text(data, errors, "goals", "the goals", 5000),
        "esol_need": v.flag(data, errors, "esol_need"),
    }
    for f, what in (("literacy_level", "literacy"), ("numeracy_level", "numeracy"), ("ict_level", "ICT")):
        c[f] = v.choice(data, errors, f, LEVEL_LABELS, f"Choose the {what} level", required=False)
    barriers = data.get("barriers") or []
    if not isinstance(barriers, (list, tuple)) or any(b not in BARRIERS for b in barriers):
        errors["barriers"] = ["Choose barriers from the list"]
        barriers = []
    c["barriers"] = list(dict.fromkeys(barriers))
    c["esol_need"] = bool(c["esol_need"])
    if errors:
        raise ValidationFailed("Check the needs analysis", errors)
    assessed_by_id = actor.id if actor is not None else audit.current_actor()[0]
    na = NeedsAssessment(learner_id=learner.id, assessed_by_id=assessed_by_id, **c)
    db.session.add(na)
    db.session.flush()
    audit.record(db.session, "create", na, summary=f"Needs analysis for {learner.name}", changes=audit.snapshot(na, NA_FIELDS))
    levels = ", ".join(f"{w} {LEVEL_LABELS[c[f]]}" for f, w in (("literacy_level", "literacy"),
                                                                  ("numeracy_level", "numeracy"), ("ict_level", "ICT")) if c[f])
    barrier_words = ", ".join(BARRIERS[b].lower() for b in c["barriers"])
    timeline.add(db.session, learner, "needs_analysis",
                 f"Needs analysis on {uk_date(c['assessed_on'])}" + (f": {levels}" if levels else "")
                 + ("; ESOL need" if c["esol_need"] else "") + (f"; barriers: {barrier_words}" if barrier_words else ""))
    return na


# --- the course catalogue (admins) ---------------------------------------------------------------

COURSE_FIELDS = ("title", "category", "subject", "level", "provider", "qualification", "active")


def _clean_course(data: Mapping[str, Any], existing: Optional[Course]) -> dict:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(COURSE_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a course"] for f in sorted(unknown)})
    merged = {"subject": "other", "level": "unlevelled", "qualification": False, "active": True}
    if existing:
        merged.update({f: getattr(existing, f) for f in COURSE_FIELDS})
    merged.update(data)
    c = {
        "title": v.text(merged, errors, "title", "the course title", 200, required=True),
        "provider": v.text(merged, errors, "provider", "the provider", 200),
        "category": v.choice(merged, errors, "category", COURSE_CATEGORIES, "Choose a course category"),
        "subject": v.choice(merged, errors, "subject", SUBJECTS, "Choose a subject"),
        "level": v.choice(merged, errors, "level", LEVEL_LABELS, "Choose a level"),
        "qualification": v.flag(merged, errors, "qualification", allow_none=False),
        "active": v.flag(merged, errors, "active", allow_none=False),
    }
    if c["title"] and "title" not in errors:
        q = select(Course.id).where(func.lower(Course.title) == c["title"].lower())
        if existing is not None:
            q = q.where(Course.id != existing.id)
        if db.session.scalar(q) is not None:
            errors["title"] = ["There is already a course with this title"]
    if errors:
        raise ValidationFailed("Check the course", errors)
    return {f: c[f] for f in COURSE_FIELDS if f in data or existing is None}


def _admin_only(actor) -> None:
    if actor is not None and actor.role != "admin":
        raise NotAllowed("Only administrators may change the course catalogue")


def create_course(data: Mapping[str, Any], *, actor=None) -> Course:
    _admin_only(actor)
    course = Course(**_clean_course(data, None))
    db.session.add(course)
    db.session.flush()
    audit.record(db.session, "create", course, summary=f"Added course {course.title}",
                 changes=audit.snapshot(course, COURSE_FIELDS))
    return course


def update_course(course: Course, data: Mapping[str, Any], *, version: Optional[int] = None, actor=None) -> dict:
    _admin_only(actor)
    if version is not None and int(version) != course.version:
        raise Conflict("This course was changed by someone else. Reload it and try again.")
    changes = audit.apply_changes(course, _clean_course(data, course), COURSE_FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", course, summary=f"Changed course {course.title}", changes=changes)
    return changes


# --- enrolments ---------------------------------------------------------------------------------

DATE_FIELDS = ("referred_on", "started_on", "planned_end_on", "completed_on", "achieved_on", "withdrawn_on",
               "break_started_on", "return_on")
DATE_LABELS = {**rules.LABELS, "planned_end_on": "the planned end date", "return_on": "the expected return date"}
ENROL_FIELDS = ("course_id", "project_id", "status", "time_off_request_id", "referred_on", "started_on", "planned_end_on")
STATUS_FIELDS = (*DATE_FIELDS, "withdrawal_reason", "break_reason")
OPENING_STATUSES = ("enquiry", "referred", "enrolled")


#: what each enrolment date is for the one date rule (core.validation): what has happened cannot be in the future
#: (a start logged as it happens has happened; only a new enrolment may have a start date ahead)
DATE_KINDS = {f: v.LEARNING_HAPPENED for f in DATE_FIELDS} | {
    "planned_end_on": v.LEARNING_PLANNED, "return_on": v.LEARNING_PLANNED}


def _dates(data: Mapping[str, Any], errors: dict, fields, learner: Optional[Learner] = None, **kinds: str) -> dict:
    """The enrolment dates sent, each checked by the date rule (``kinds`` overrides DATE_KINDS); none may be
    before the learner's consent."""
    kinds = {**DATE_KINDS, **kinds}
    dates = {f: v.day(data, errors, f, DATE_LABELS[f], kind=kinds[f]) for f in fields if f in data}
    consent = learner.consent_on if learner is not None else None
    for f, value in dates.items():
        if consent and value and value < consent and f not in errors:
            errors[f] = [f"This date cannot be before the learner's consent ({v.format_date(consent)})"]
    return dates


def _raise(message: str, errors: dict, problems: Mapping[str, str]) -> None:
    for f, p in problems.items():
        errors.setdefault(f, [p])
    if errors:
        raise ValidationFailed(message, errors)


def _project_problem(learner: Learner, project_id: int, actor) -> Optional[str]:
    """Why an enrolment of ``learner`` cannot count for funding project ``project_id`` (None if it can):
    the project must exist, be one the actor may see, and cover the learner's branch (that branch, or
    its whole region)."""
    project = db.session.get(Project, project_id)
    if project is None or (actor is not None and not project_visible(actor, project)):
        return "Choose a funding project you can see"
    branch = db.session.get(Branch, learner.branch_id)
    if project.branch_id is not None:
        covers = project.branch_id == learner.branch_id
    else:
        covers = branch is not None and branch.region_id == project.region_id
    if not covers:
        return "Choose a funding project that covers the learner's branch (that branch, or its whole region)"
    return None


def enrol(learner: Learner, data: Mapping[str, Any], *, actor=None) -> Enrolment:
    """Open an enrolment at enquiry, referred or enrolled, with the dates that status needs."""
    _needs_consent(learner, "enrolling them")
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(ENROL_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of an enrolment"] for f in sorted(unknown)})
    status = data.get("status") or "enquiry"
    if status not in OPENING_STATUSES:
        errors["status"] = ["A new enrolment starts as an enquiry, a referral or enrolled"]
    course_id = v.ident(data, errors, "course_id", "Choose a course")
    project_id = v.ident(data, errors, "project_id", "Choose a funding project", required=False)
    if project_id is not None and "project_id" not in errors:
        problem = _project_problem(learner, project_id, actor)
        if problem:
            errors["project_id"] = [problem]
    tor_id = v.ident(data, errors, "time_off_request_id", "Choose a time-off request", required=False)
    dates = _dates(data, errors, ("referred_on", "started_on", "planned_end_on"), learner, started_on=v.LEARNING_PLANNED)
    course = db.session.get(Course, course_id) if course_id else None
    if course_id and "course_id" not in errors and (course is None or not course.active):
        errors["course_id"] = ["Choose a course from the catalogue"]
    if tor_id and "time_off_request_id" not in errors:
        tor = db.session.get(TimeOffRequest, tor_id)
        if (tor is None or tor.branch_id != learner.branch_id or tor.learner_id not in (None, learner.id)
                or tor.kind != "learner_release" or (actor is not None and not _visible(TimeOffRequest, tor.id, actor))):
            errors["time_off_request_id"] = ["Choose a learner-release time-off request for this learner"]
    if dates.get("planned_end_on") and dates.get("started_on") and dates["planned_end_on"] < dates["started_on"]:
        errors.setdefault("planned_end_on", ["The planned end cannot be before the start date"])
    problems = rules.transition_problems(None, status, dates) if "status" not in errors else {}
    _raise("Check the enrolment", errors, problems)
    e = Enrolment(learner_id=learner.id, course_id=course.id, project_id=project_id, status=status,
                  time_off_request_id=tor_id, **dates)
    db.session.add(e)
    db.session.flush()
    audit.record(db.session, "create", e, summary=f"Enrolment of {learner.name} on {course.title}",
                 changes=audit.snapshot(e, ("course_id", "project_id", "status", "time_off_request_id", *DATE_FIELDS)))
    timeline.add(db.session, learner, "enrolment", f"{course.title}: {ENROLMENT_STATUSES[status]}")
    return e


def change_enrolment_status(enrolment: Enrolment, status: str, data: Optional[Mapping[str, Any]] = None, *,
                            version: Optional[int] = None, actor=None) -> dict:
    """Move an enrolment along the status flow (rules.TRANSITIONS) with the dates and reasons it needs."""
    data = dict(data or {})
    if version is not None and int(version) != enrolment.version:
        raise Conflict("This enrolment was changed by someone else. Reload it and try again.")
    if enrolment.learner.erased_at is not None:
        raise Conflict(ERASED)
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(STATUS_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of an enrolment"] for f in sorted(unknown)})
    clean: dict[str, Any] = _dates(data, errors, DATE_FIELDS, enrolment.learner)
    for f, label in (("withdrawal_reason", "why the learner withdrew"), ("break_reason", "the reason for the break")):
        if f in data:
            clean[f] = v.text(data, errors, f, label, 2000)
    merged = {f: getattr(enrolment, f) for f in STATUS_FIELDS}
    merged.update(clean)
    problems = rules.transition_problems(enrolment.status, status, {f: merged[f] for f in DATE_FIELDS},
                                         withdrawal_reason=merged["withdrawal_reason"],
                                         break_reason=merged["break_reason"], return_on=merged["return_on"])
    if "status" not in problems:
        sent = [f for f in clean if clean[f] not in (None, "") and clean[f] != getattr(enrolment, f)]
        for name, message in rules.out_of_place(status, sent).items():
            problems.setdefault(name, message)
    _raise("Check the enrolment", errors, problems)
    old_status = enrolment.status
    changes = audit.apply_changes(enrolment, {**clean, "status": status}, ("status", *STATUS_FIELDS))
    if changes:
        db.session.flush()
        learner = enrolment.learner
        audit.record(db.session, "update", enrolment,
                     summary=f"Enrolment of {learner.name} on {enrolment.course.title}: {status.replace('_', ' ')}",
                     changes=changes)
        if "status" in changes:
            when = merged.get(rules.DATE_FOR.get(status, ""), None)
            text = (f"{enrolment.course.title}: {ENROLMENT_STATUSES[old_status]} to {ENROLMENT_STATUSES[status]}"
                    + (f" on {uk_date(when)}" if when else ""))
            if status == "withdrawn":
                text += f" ({merged['withdrawal_reason']})"
            elif status == "break_in_learning":
                text += f" ({merged['break_reason']}; expected back {uk_date(merged['return_on'])})"
            timeline.add(db.session, learner, "enrolment", text)
        else:
            timeline.add(db.session, learner, "edited", f"{enrolment.course.title}: dates changed")
    return changes


# --- enrolment history (imports) --------------------------------------------------------------------

HISTORY_FIELDS = ("course_id", "status", "referred_on", "started_on", "completed_on", "achieved_on", "withdrawn_on",
                  "withdrawal_reason")
HISTORY_DATES = ("referred_on", "started_on", "completed_on", "achieved_on", "withdrawn_on")
#: a break in learning needs a planned return, which is not history: record it on the learner's page
HISTORY_STATUSES = tuple(s for s in rules.STATUSES if s != "break_in_learning")


def check_enrolment_history(learner: Optional[Learner], data: Mapping[str, Any], *,
                            consent_on: Optional[date] = None) -> tuple[dict[str, Any], Course]:
    """The checks :func:`record_enrolment_history` runs, with the same messages, saving nothing: (the enrolment's
    values, its course), or ValidationFailed. ``learner`` None is a learner about to be recorded, who consented
    on ``consent_on`` (an import's preview)."""
    if learner is not None:
        _needs_consent(learner, "recording their enrolments")
        consent_on = learner.consent_on
    elif not consent_on:
        raise ValidationFailed("The learner has not consented", {"learner_id": [
            "Record the learner's consent (its date and what it covers) before recording their enrolments"]})
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(HISTORY_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of an enrolment"] for f in sorted(unknown)})
    status = data.get("status")
    if status not in HISTORY_STATUSES:
        errors["status"] = ["Choose a status: " + ", ".join(HISTORY_STATUSES)]
    course_id = v.ident(data, errors, "course_id", "Choose a course from the catalogue")
    course = db.session.get(Course, course_id) if course_id and "course_id" not in errors else None
    if course_id and "course_id" not in errors and course is None:
        errors["course_id"] = ["Choose a course from the catalogue"]
    dates = _dates(data, errors, HISTORY_DATES, _Consented(consent_on))
    reason = v.text(data, errors, "withdrawal_reason", "why the learner withdrew", 2000)
    if "status" not in errors:
        sent = [f for f in (*HISTORY_DATES, "withdrawal_reason")
                if (dates.get(f) if f != "withdrawal_reason" else reason) is not None]
        for f, message in rules.out_of_place(status, sent).items():
            errors.setdefault(f, [message])
        _raise("Check the enrolment", errors, rules.transition_problems(None, status, dates, withdrawal_reason=reason))
    _raise("Check the enrolment", errors, {})
    values = {"course_id": course.id, "status": status, "withdrawal_reason": reason,
              **{f: dates.get(f) for f in HISTORY_DATES}}
    return values, course


class _Consented:
    """What the date checks read of a learner: when they consented."""

    def __init__(self, consent_on: Optional[date]):
        self.consent_on = consent_on


def record_enrolment_history(learner: Learner, data: Mapping[str, Any], *, existing: Optional[Enrolment] = None,
                             actor=None) -> tuple[Enrolment, dict]:
    """Record an enrolment as it already stands (an import of a branch's records): at any status but a break,
    with the dates that status needs, in order (referred, started, then completed, achieved or withdrawn), none
    in the future and none before the learner's consent. Unlike :func:`enrol` and
    :func:`change_enrolment_status` it is not walked through today's status flow: a course completed in 2024
    is recorded as completed. ``existing`` (the learner's enrolment on the same course) is brought up to date
    instead of a new one being made. Returns (the enrolment, the changes: {} when nothing changed)."""
    values, course = check_enrolment_history(learner, data)
    if existing is not None:
        if existing.learner_id != learner.id:
            raise ValidationFailed("Check the enrolment", {"course_id": ["This enrolment is another learner's"]})
        changes = audit.apply_changes(existing, values, HISTORY_FIELDS)
        if changes:
            db.session.flush()
            audit.record(db.session, "update", existing, changes=changes,
                         summary=f"Enrolment of {learner.name} on {course.title} brought up to date from an import")
            timeline.add(db.session, learner, "enrolment",
                         f"{course.title}: recorded as {ENROLMENT_STATUSES[values['status']].lower()} (import)")
        return existing, changes
    e = Enrolment(learner_id=learner.id, **values)
    db.session.add(e)
    db.session.flush()
    audit.record(db.session, "create", e, summary=f"Enrolment of {learner.name} on {course.title} (import)",
                 changes=audit.snapshot(e, HISTORY_FIELDS))
    timeline.add(db.session, learner, "enrolment", f"{course.title}: {ENROLMENT_STATUSES[values['status']]} (import)")
    return e, audit.snapshot(e, HISTORY_FIELDS)


# --- contacts and follow-ups ----------------------------------------------------------------------

CONTACT_FIELDS = ("kind", "happened_on", "text", "next_contact_on")
CONTACT_TEXT_MAX = 5000


def log_contact(learner: Learner, data: Mapping[str, Any], *, actor=None):
    """Record a contact with the learner (an activity with no case) and, if a next contact date is
    given, the follow-up that plans it. Returns the activity (its ``follow_up`` attribute holds the
    follow-up or None)."""
    _needs_consent(learner, "logging a contact with them")
    if learner.merged_into_id is not None:
        raise Conflict("This learner was merged into another record: log the contact there.")
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a contact"] for f in sorted(unknown)})
    kind = v.choice(data, errors, "kind", ACTIVITY_KINDS, "Choose what kind of contact it was")
    happened_on = v.day(data, errors, "happened_on", "the date of the contact", required=True, kind=v.LEARNING_HAPPENED)
    text = v.text(data, errors, "text", "what was said or done", CONTACT_TEXT_MAX, required=True)
    next_on = v.day(data, errors, "next_contact_on", "the date of the next contact", kind=v.LEARNING_PLANNED)
    if next_on and happened_on and next_on <= happened_on and "next_contact_on" not in errors:
        errors["next_contact_on"] = ["The next contact must be after this one"]
    if errors:
        raise ValidationFailed("Check the contact", errors)
    by_id, by_label = (actor.id, f"{actor.name} <{actor.email}>") if actor is not None else audit.current_actor()
    activity = Activity(learner_id=learner.id, kind=kind, happened_on=happened_on, text=text, by_id=by_id,
                        by_label=by_label[:300])
    db.session.add(activity)
    db.session.flush()
    audit.record(db.session, "create", activity, summary=f"{ACTIVITY_KINDS[kind]} with learner {learner.name}",
                 changes=audit.snapshot(activity, ("learner_id", "kind", "happened_on", "text")))
    timeline.add(db.session, learner, "contact", f"{ACTIVITY_KINDS[kind]} on {uk_date(happened_on)} logged")
    follow_up = None
    if next_on:
        follow_up = FollowUp(learner_id=learner.id, title=f"Next contact with {learner.name}"[:200], due_on=next_on)
        db.session.add(follow_up)
        db.session.flush()
        audit.record(db.session, "create", follow_up, summary=f"Follow-up for learner {learner.name}",
                     changes=audit.snapshot(follow_up, ("learner_id", "title", "due_on")))
        timeline.add(db.session, learner, "follow_up", f"Next contact planned for {uk_date(next_on)}")
    activity.follow_up = follow_up
    return activity


def complete_learner_follow_up(follow_up, *, actor=None, on: Optional[date] = None) -> bool:
    """Mark a learner's follow-up done (today unless ``on`` is given). False if it was already done."""
    if follow_up.learner_id is None:
        raise ValidationFailed("Not a learner's follow-up", {"follow_up_id": ["Choose a follow-up of this learner"]})
    if follow_up.done_on is not None:
        return False
    on = on or date.today()
    date_errors: dict[str, list[str]] = {}
    v.check_date(date_errors, "done_on", on, v.LEARNING_HAPPENED)
    if date_errors:
        raise ValidationFailed("Check the date", date_errors)
    done_by_id = actor.id if actor is not None else audit.current_actor()[0]
    changes = audit.apply_changes(follow_up, {"done_on": on, "done_by_id": done_by_id}, ("done_on", "done_by_id"))
    db.session.flush()
    audit.record(db.session, "update", follow_up, summary=f"Follow-up done: {follow_up.title}", changes=changes)
    timeline.add(db.session, follow_up.learner, "follow_up", f"Follow-up done: {follow_up.title}")
    return True


# --- merging duplicates ---------------------------------------------------------------------------

#: fields filled on the kept learner from the duplicate when empty, in pairs that go together
MERGE_GROUPS = (("consent_on", "consent_scope"), ("employer_id", "workplace_id"), ("email",), ("staff_category",),
                ("job_title",), ("contract",), ("hours",), ("membership", "joined_union_on"), ("prior_level",),
                ("rep_id",), *((f,) for f in EQUALITY_FIELDS))


def merge_problem(keep: Learner, duplicate: Learner) -> Optional[str]:
    """Why these two records cannot be merged (None if they can)."""
    if keep.id == duplicate.id:
        return "Choose another learner: a record cannot be merged with itself"
    if duplicate.merged_into_id is not None:
        return f"Learner {duplicate.id} was already merged into another record"
    if keep.merged_into_id is not None:
        return f"Learner {keep.id} was already merged into another record"
    if keep.erased_at is not None or duplicate.erased_at is not None:
        return "An erased record cannot be merged"
    if keep.branch_id != duplicate.branch_id:
        return "Only learners of the same branch can be merged"
    return None


def _merge_fill(keep: Learner, duplicate: Learner) -> dict[str, Any]:
    fill: dict[str, Any] = {}
    for group in MERGE_GROUPS:
        if group == ("employer_id", "workplace_id"):
            if keep.workplace_id is None and duplicate.workplace_id is not None and keep.employer_id in (
                    None, duplicate.employer_id):
                fill.update(employer_id=duplicate.employer_id, workplace_id=duplicate.workplace_id)
            elif keep.employer_id is None and duplicate.employer_id is not None:
                fill["employer_id"] = duplicate.employer_id
            continue
        lead = group[0]
        if getattr(keep, lead) is None and getattr(duplicate, lead) is not None:
            for f in group:
                if getattr(keep, f) is None:
                    fill[f] = getattr(duplicate, f)
    return fill


#: what follows a learner merged into another, in the order the summary names it: (position, label, model)
MERGE_MOVERS = ((10, "needs analyses", NeedsAssessment), (20, "enrolments", Enrolment), (30, "contacts", Activity),
                (40, "follow-ups", FollowUp), (60, "time-off requests", TimeOffRequest),
                (70, "consents", LearnerConsent))


def merge_movers() -> list[tuple[int, str, type]]:
    """This domain's records, and those higher domains add through the ``learner.merge_movers`` hook."""
    return sorted([*MERGE_MOVERS, *(m for found in hooks.call_all("learner.merge_movers") for m in found)],
                  key=lambda m: m[0])


def merge_learners(keep: Learner, duplicate: Learner, *, actor=None, keep_version: Optional[int] = None,
                   duplicate_version: Optional[int] = None) -> dict[str, int]:
    """Merge ``duplicate`` into ``keep``: move its needs analyses, enrolments, contacts, follow-ups,
    cases, time-off requests and timeline to the kept learner, fill the kept learner's empty fields
    from it, and mark it merged. Nothing is deleted. Returns how many records of each kind moved."""
    if actor is not None and actor.role not in ("admin", "branch_convenor"):
        raise NotAllowed("Only branch convenors and administrators may merge learners")
    if keep_version is not None and int(keep_version) != keep.version:
        raise Conflict("This learner was changed by someone else. Reload it and try again.")
    if duplicate_version is not None and int(duplicate_version) != duplicate.version:
        raise Conflict("The other learner was changed by someone else. Reload it and try again.")
    problem = merge_problem(keep, duplicate)
    if problem:
        raise ValidationFailed("These learners cannot be merged", {"duplicate_id": [problem]})
    # equality monitoring withdrawn on either record is not brought back from the other
    equality_withdrawn = any(consent.withdrawn_on(r, "equality") for r in (keep, duplicate))
    moved: dict[str, int] = {}
    for _position, label, model in merge_movers():
        rows = db.session.scalars(select(model).where(model.learner_id == duplicate.id)).all()
        for row in rows:
            row.learner_id = keep.id  # through the ORM, so versioned records count a change
        moved[label] = len(rows)
    entries = db.session.scalars(select(TimelineEntry).where(TimelineEntry.object_type == Learner.__tablename__,
                                                             TimelineEntry.object_id == duplicate.id)).all()
    for entry in entries:
        entry.object_id = keep.id
    moved["timeline entries"] = len(entries)
    fill = _merge_fill(keep, duplicate)
    if equality_withdrawn:
        fill = {f: value for f, value in fill.items() if f not in EQUALITY_FIELDS}
    changes = audit.apply_changes(keep, fill, FIELDS)
    duplicate.merged_into_id = keep.id
    db.session.flush()
    if equality_withdrawn and "equality" in consent.in_force(keep):  # the same person withdrew it: it holds for both
        consent.withdraw(keep, {"purpose": "equality", "withdrawn_on": date.today().isoformat(),
                                "note": f"Withdrawn on the merged record (learner {duplicate.id})"}, actor=actor)
    what = ", ".join(f"{n} {label}" for label, n in moved.items() if n) or "no other records"
    audit.record(db.session, "merge", keep, changes=changes or None,
                 summary=f"Merged learner {duplicate.name} (learner {duplicate.id}) into learner {keep.name}: moved {what}")
    audit.record(db.session, "merge", duplicate, changes={"merged_into_id": (None, keep.id)},
                 summary=f"Merged into learner {keep.name} (learner {keep.id}); its records moved there")
    filled = ["equality monitoring" if f in EQUALITY_FIELDS else f.replace("_", " ") for f in changes]
    timeline.add(db.session, keep, "merged", f"Merged with {duplicate.name} (learner {duplicate.id})"
                 + (f"; filled in from it: {', '.join(dict.fromkeys(filled))}" if filled else ""))
    timeline.add(db.session, duplicate, "merged", f"Merged into {keep.name} (learner {keep.id}): its history moved there")
    return moved
