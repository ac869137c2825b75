"""API: learners, needs_assessments, courses and enrolments, through the same queries and services as the pages.

Scope is the pages' (``queries`` registers it with :func:`core.permissions.visible`): administrators
everything; branch convenors their branch (read and write); ULRs their caseload, the learners
assigned to their ULR appointment or recorded by them (read and write); regional organisers read
their region and write nothing (403). Needs analyses and enrolments follow their learner. The
course catalogue is read by everyone and changed by administrators only.

Equality monitoring (``gender``, ``ethnicity``, ``disability``, ``age_band``) is special-category
data: the keys are in the answers only for the roles :func:`queries.can_see_equality` allows
(convenors and above), and every answer that carries them is recorded in the audit trail
(``read_special``, :func:`services.audit_equality_read`): one entry per request naming the learners
shown (``changes["records"]``) and the fields (``changes["fields"]``). For ULRs the keys are absent;
``equality_recorded`` (true/false per field, no values) is there for everyone. A ULR who sends an
equality field gets 422 naming it, whatever the value (so the answer cannot be used to guess a
recorded value), and nothing is saved.

Enrolments move along their status flow by PATCH with ``status`` and the dates and reasons the
new status needs, all through :func:`services.change_enrolment_status`: a move the flow does not
allow answers 409 (a state rule), a missing date or reason 422.

Courses have no version column, so their ``version`` is worked out from the audit trail: 1 plus
the number of recorded changes to the course (:func:`services.update_course` records one entry
per change that changes something), which is what the column would hold.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask_login import current_user
from sqlalchemy import func, select

from ..organisation.queries import branch_for_new_record as branch_for_new
from ..api.common import (
    Field, Id, Resource, api_route, change, envelope, get_or_404, pagination, parse_body, plain, query_filters,
    resource,
)
from ..core.errors import Conflict, ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR, LEARNING_REP, visible
from ..extensions import db
from ..organisation.models import Branch
from ..reps import queries as rep_queries
from . import queries, rules, services
from .models import (BARRIERS, CONTRACTS, COURSE_CATEGORIES, HOURS, LEVEL_LABELS, MEMBERSHIP, STAFF_CATEGORIES,
                     SUBJECTS, Course, Enrolment, Learner, LearnerConsent, NeedsAssessment)

WRITERS = (ADMIN, BRANCH_CONVENOR, LEARNING_REP)
LEVELS = tuple(LEVEL_LABELS)
EQUALITY = services.EQUALITY_FIELDS
EQUALITY_NOTE = ("Equality monitoring (optional, special-category data). Present in answers only for branch "
                 "convenors, regional organisers and administrators, and each answer that includes it is recorded "
                 "in the learner's audit trail; the key is absent for ULRs, who may not send it (422).")
NO_EQUALITY = "Only branch convenors and above may see or record equality monitoring"
VERSION = Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1)


def _opt(type_: str, description: str = "", **kw: Any) -> Field:
    return Field(type_, description, nullable=True, writable=True, **kw)


def _actor() -> Any:
    return current_user._get_current_object()


def _refuse_fields(exc: ValidationFailed, names: tuple[str, ...], message: str) -> ValidationFailed:
    """The same 422, with a clearer message for fields this caller may not send."""
    for name in names:
        if name in exc.fields:
            exc.fields[name] = [message]
    return exc


def _learner_for(learner_id: Any) -> Learner:
    """The learner a new needs analysis or enrolment is for: one the user can see, not merged away (422)."""
    problem = None
    learner = None
    if learner_id is None:
        problem = "Choose the learner (learner_id)"
    else:
        learner = db.session.scalars(visible(select(Learner).where(Learner.id == learner_id), current_user)).first()
        if learner is None:
            problem = f"There is no learner with id {learner_id} that you can see"
        elif learner.merged_into_id is not None:
            problem = f"This learner was merged into learner {learner.merged_into_id}: use that record"
    if problem:
        raise ValidationFailed("Check the learner", {"learner_id": [problem]})
    return learner


# --- learners ----------------------------------------------------------------------------

LEARNERS = resource(Resource(
    name="learners", title="Learner", label="learner", model=Learner,
    fields={
        "id": Id(),
        "version": VERSION,
        "branch_id": Id("The branch (branches.id). Branch convenors: their own (may be left out); ULRs: their own "
                        "branch (may be left out); administrators must give it. Cannot change once created.",
                        writable=True),
        "employer_id": Id("The employer (employers.id): one the branch deals with. Filled in from the "
                          "workplace if left out.", nullable=True, writable=True),
        "workplace_id": Id("The workplace (workplaces.id): a school or service of the employer.", nullable=True,
                           writable=True),
        "name": Field("string", max_length=120, writable=True, required=True),
        "email": _opt("string", max_length=254),
        "staff_category": _opt("string", "School support staff category, or non_school.",
                               enum=tuple(STAFF_CATEGORIES)),
        "job_title": _opt("string", max_length=120),
        "contract": _opt("string", enum=tuple(CONTRACTS)),
        "hours": _opt("string", enum=tuple(HOURS)),
        "membership": _opt("string", "A learner need not be a union member.", enum=tuple(MEMBERSHIP)),
        "joined_union_on": _opt("date", "Not in the future."),
        "consent_on": _opt("date", "The date the learner consented to their record being kept (not in the future). "
                                   "Until consent_on and consent_scope are recorded only name, employer_id and "
                                   "workplace_id may be stored: any other field answers 422."),
        "consent_scope": _opt("string", "What the learner's consent covers: required with consent_on.",
                              max_length=2000),
        "prior_level": _opt("string", "The highest level reached before (a level code).", enum=LEVELS),
        "rep_id": Id("The assigned ULR (reps.id): a ULR of the learner's branch. A ULR recording a learner with "
                     "consent is assigned by default (their own current appointment).", nullable=True,
                     writable=True),
        "gender": _opt("string", EQUALITY_NOTE, max_length=60, in_every_answer=False),
        "ethnicity": _opt("string", EQUALITY_NOTE, max_length=120, in_every_answer=False),
        "disability": _opt("string", EQUALITY_NOTE, max_length=60, in_every_answer=False),
        "age_band": _opt("string", EQUALITY_NOTE, max_length=20, in_every_answer=False),
        "equality_recorded": Field("object", "For every role: which equality monitoring fields are recorded "
                                             "(age_band, disability, ethnicity, gender: true or false), without "
                                             "the values."),
        "consents": Field("array", "Read only: the learner's consents, oldest first, each an object with id, purpose "
                                   "(records | contact | equality | sharing), shared_with (the provider or funder, "
                                   "sharing only), given_on, method (paper_form | online | verbal | not_recorded: "
                                   "given before the consent history was kept), taken_by_id, taken_by_name, "
                                   "withdrawn_on (null while in force), withdrawn_by_id and note. consent_on and "
                                   "consent_scope record (or correct) the records and contact consents; consents are "
                                   "given and withdrawn on the learner's page. Equality fields sent after consent to "
                                   "equality monitoring was withdrawn answer 422.", items="object"),
        "merged_into_id": Field("integer", "Set when this record was merged into another (a duplicate): the "
                                           "learner to use instead. Merged learners are left out of the list, can "
                                           "still be read, and cannot be changed (409).", nullable=True),
        "created_by_id": Field("integer", "Who recorded the learner (users.id).", nullable=True),
        "reference": _opt("string", "The branch's own reference for the person: unique within the branch (422 "
                                    "naming the other learner otherwise); imports update by it.", max_length=60),
        "legal_hold_reason": _opt("string", "While set (a live tribunal claim, a grievance, a dispute...), the "
                                            "learner cannot be erased (POST /learners/{id}/erase answers 409 "
                                            "legal_hold). Only branch convenors and above may set or lift it (422).",
                                  max_length=2000),
        "erased_at": Field("datetime", "When the learner was erased by anonymisation (then read-only: PATCH "
                                       "answers 409), or null.", nullable=True),
        "not_duplicate": Field("boolean", "POST only: true to record the learner even though they match someone "
                                          "already recorded (the same name at the workplace, or the same e-mail). "
                                          "Without it such a learner answers 409 possible_duplicate naming the "
                                          "matching learners you can see.", writable=True, write_only=True),
    },
    filters={
        "branch_id": Id("Only this branch's learners."),
        "workplace_id": Id("Only learners at this workplace."),
        "rep_id": Id("Only learners assigned to this ULR (reps.id)."),
        "staff_category": Field("string", enum=tuple(STAFF_CATEGORIES)),
        "name": Field("string", "Search the name (case-insensitive, part of it).", max_length=200),
    },
    description="A learner. Organisers see their region's, convenors their branch's, a ULR their caseload (assigned "
                "to them or recorded by them). gender, ethnicity, disability and age_band are present only for "
                "branch convenors and above (see each field).",
))
LEARNERS.update_fields = tuple(k for k in LEARNERS.writable if k != "not_duplicate")  # POST only

LEARNER_COLUMNS = tuple(k for k in LEARNERS.answered if k not in ("equality_recorded", "consents"))
CONSENT_KEYS = ("id", "purpose", "shared_with", "given_on", "method", "taken_by_id", "taken_by_name", "withdrawn_on",
                "withdrawn_by_id", "note")


def _consents_by_learner(learners: list[Learner]) -> dict[int, list[dict[str, Any]]]:
    """Each learner's consents as answered (one query for the whole page)."""
    out: dict[int, list[dict[str, Any]]] = {lr.id: [] for lr in learners}
    if not out:
        return out
    rows = db.session.scalars(select(LearnerConsent).where(LearnerConsent.learner_id.in_(list(out)))
                              .order_by(LearnerConsent.given_on, LearnerConsent.id))
    for c in rows:
        out[c.learner_id].append({k: plain(getattr(c, k)) for k in CONSENT_KEYS})
    return out


def learner_item(learner: Learner, show_equality: bool, consents: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    out = {name: plain(getattr(learner, name)) for name in LEARNER_COLUMNS
           if show_equality or name not in EQUALITY}
    out["equality_recorded"] = queries.equality_recorded(learner)
    out["consents"] = consents if consents is not None else _consents_by_learner([learner])[learner.id]
    return {name: out[name] for name in LEARNERS.fields if name in out}


def _learner_answer(learner: Learner, where: str) -> dict[str, Any]:
    user = _actor()
    show = queries.can_see_equality(user)
    if show:
        services.audit_equality_read([learner], user, where)
    return learner_item(learner, show)


def _learner_body(**kw: Any) -> tuple[dict[str, Any], Optional[int]]:
    """parse_body for learners: a ULR may not send the equality fields (422 naming them)."""
    show = queries.can_see_equality(current_user)
    allowed = None if show else [k for k in LEARNERS.writable if k not in EQUALITY]
    try:
        return parse_body(LEARNERS, allowed=allowed, **kw)
    except ValidationFailed as exc:
        raise _refuse_fields(exc, () if show else EQUALITY, NO_EQUALITY) from None


@api_route("/learners", "GET", summary="List learners", resource=LEARNERS, action="list",
           description="Learners merged into another record are left out. For branch convenors and above each "
                       "learner on the page carries the equality monitoring fields; the read is recorded in the audit "
                       "trail as one entry naming the learners shown and the fields.")
def list_learners() -> Any:
    filters = query_filters(LEARNERS.filters)
    page, per_page = pagination()
    user = _actor()
    stmt = queries.learner_list(user, name=filters.get("name", ""), workplace_id=filters.get("workplace_id"),
                                rep_id=filters.get("rep_id"), staff_category=filters.get("staff_category", ""),
                                branch_id=filters.get("branch_id"))
    stmt = stmt.where(Learner.merged_into_id.is_(None)).order_by(None)
    answer = envelope(stmt, lambda learner: learner, page, per_page)
    show = queries.can_see_equality(user)
    if show:
        services.audit_equality_read(answer["items"], user, "API: learner list")
    consents = _consents_by_learner(answer["items"])
    answer["items"] = [learner_item(learner, show, consents[learner.id]) for learner in answer["items"]]
    return answer


@api_route("/learners/<int:learner_id>", "GET", summary="Get a learner", resource=LEARNERS, action="get",
           description="A merged learner is still answered, with merged_into_id.")
def get_learner(learner_id: int) -> Any:
    return _learner_answer(get_or_404(LEARNERS, learner_id), "API")


def _branch_for_new(branch_id: Optional[int]) -> Branch:
    def own() -> Optional[Branch]:  # a ULR without a branch of their own: their appointment's
        user = _actor()
        if user.branch is None and user.role == LEARNING_REP:
            appointments = rep_queries.reps_for_user(user)
            return appointments[0].branch if appointments else None
        return user.branch

    return branch_for_new(branch_id, problem="Check the learner's details", what="record learners", own=own,
                          only_own="You can record learners only for your own branch")


@api_route("/learners", "POST", summary="Record a learner", resource=LEARNERS, action="create", roles=WRITERS,
           responses={409: "possible_duplicate: the learner matches learners already recorded that you can see "
                           "(the same name at the workplace, or the same e-mail); the message names them. Send "
                           "not_duplicate: true to record them anyway."},
           description="Branch convenors record learners for their own branch and ULRs for theirs (branch_id may be "
                       "left out); administrators must give branch_id. A ULR's new learner with consent is assigned "
                       "to the ULR's own appointment unless rep_id says otherwise. Consent first: without consent_on "
                       "and consent_scope only name, employer_id and workplace_id may be sent (422 otherwise).")
def create_learner() -> Any:
    data, _ = _learner_body()
    not_duplicate = data.pop("not_duplicate", None)
    if not_duplicate is not None and not isinstance(not_duplicate, bool):
        raise ValidationFailed("Check the learner's details", {"not_duplicate": ["Send true or false"]})
    branch = _branch_for_new(data.pop("branch_id", None))
    user = _actor()
    if user.role == LEARNING_REP and "rep_id" not in data and data.get("consent_on") is not None:
        own = [r for r in rep_queries.reps_for_user(user) if r.branch_id == branch.id]
        if own:
            data["rep_id"] = own[0].id
    learner = services.create_learner(data, branch=branch, actor=user, not_duplicate=bool(not_duplicate))
    return _learner_answer(learner, "API"), 201


@api_route("/learners/<int:learner_id>", "PATCH", summary="Change a learner", resource=LEARNERS, action="update",
           roles=WRITERS, responses={409: "The version is stale, or the learner was merged into another record."},
           description="Branch convenors change their branch's learners, ULRs their caseload, administrators any. "
                       "A learner cannot move to another branch, and a merged learner cannot be changed (409).")
def update_learner(learner_id: int) -> Any:
    learner = get_or_404(LEARNERS, learner_id)
    data, version = _learner_body(path_id=learner_id, versioned=True)
    if data.get("branch_id", learner.branch_id) != learner.branch_id:
        raise ValidationFailed("Check the learner's details", {"branch_id": ["A learner cannot move to another branch"]})
    data.pop("branch_id", None)
    if learner.merged_into_id is not None:
        raise Conflict(f"This learner was merged into learner {learner.merged_into_id}: change that record instead.")
    if learner.erased_at is not None:
        raise Conflict(services.ERASED)
    change(services.update_learner, learner, data, version, actor=_actor())
    return _learner_answer(learner, "API")


# --- needs analyses ----------------------------------------------------------------------

NEEDS = resource(Resource(
    name="needs_assessments", title="NeedsAssessment", label="needs analysis", model=NeedsAssessment,
    fields={
        "id": Id(),
        "learner_id": Id("The learner (learners.id): one you can see, who has consented.", writable=True,
                         required=True),
        "assessed_on": Field("date", "Not in the future.", writable=True, required=True),
        "literacy_level": _opt("string", "Initial assessment (a level code).", enum=LEVELS),
        "numeracy_level": _opt("string", "Initial assessment (a level code).", enum=LEVELS),
        "ict_level": _opt("string", "Initial assessment (a level code).", enum=LEVELS),
        "esol_need": Field("boolean", "English for speakers of other languages is needed.", writable=True),
        "barriers": Field("array", "Barrier codes, each one of: " + ", ".join(BARRIERS) + ".", writable=True),
        "goals": _opt("string", max_length=5000),
        "assessed_by_id": Field("integer", "Who recorded it (users.id).", nullable=True),
    },
    filters={"learner_id": Id("Only this learner's needs analyses.")},
    description="A learner's needs analysis: initial levels, ESOL need, barriers and goals. Recorded once; not "
                "changed afterwards (record a new one). Scope follows the learner.",
))


def needs_item(na: NeedsAssessment) -> dict[str, Any]:
    out = {name: plain(getattr(na, name)) for name in NEEDS.fields}
    out["barriers"] = list(out["barriers"] or [])
    return out


@api_route("/needs_assessments", "GET", summary="List needs analyses", resource=NEEDS, action="list")
def list_needs_assessments() -> Any:
    filters = query_filters(NEEDS.filters)
    page, per_page = pagination()
    stmt = visible(select(NeedsAssessment), _actor())
    if filters.get("learner_id"):
        stmt = stmt.where(NeedsAssessment.learner_id == filters["learner_id"])
    return envelope(stmt, needs_item, page, per_page)


@api_route("/needs_assessments/<int:needs_assessment_id>", "GET", summary="Get a needs analysis", resource=NEEDS,
           action="get")
def get_needs_assessment(needs_assessment_id: int) -> Any:
    return needs_item(get_or_404(NEEDS, needs_assessment_id))


@api_route("/needs_assessments", "POST", summary="Record a needs analysis", resource=NEEDS, action="create",
           roles=WRITERS,
           description="For a learner you can see who has consented (422 on learner_id otherwise).")
def create_needs_assessment() -> Any:
    data, _ = parse_body(NEEDS)
    learner = _learner_for(data.pop("learner_id", None))
    barriers = data.get("barriers")
    if barriers is not None and not all(isinstance(b, str) for b in barriers):
        raise ValidationFailed("Check the needs analysis", {"barriers": ["Choose barriers from the list"]})
    return needs_item(services.record_needs_assessment(learner, data, actor=_actor())), 201


# --- the course catalogue ----------------------------------------------------------------

COURSES = resource(Resource(
    name="courses", title="Course", label="course", model=Course,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH (409 if stale).", minimum=1),
        "title": Field("string", "Unique (any case).", max_length=200, writable=True, required=True),
        "category": Field("string", enum=tuple(COURSE_CATEGORIES), writable=True, required=True),
        "subject": Field("string", "Default other.", enum=tuple(SUBJECTS), writable=True),
        "level": Field("string", "Default unlevelled.", enum=LEVELS + (rules.UNLEVELLED,), writable=True),
        "provider": _opt("string", max_length=200),
        "qualification": Field("boolean", "Leads to a qualification (default false).", writable=True),
        "active": Field("boolean", "Offered for new enrolments (default true).", writable=True),
    },
    filters={
        "category": Field("string", enum=tuple(COURSE_CATEGORIES)),
        "subject": Field("string", enum=tuple(SUBJECTS)),
        "level": Field("string", enum=LEVELS + (rules.UNLEVELLED,)),
        "active": Field("boolean", "true: only courses offered for new enrolments; false: only retired ones."),
    },
    description="The course catalogue: read by everyone, changed by administrators.",
))

def course_item(course: Course) -> dict[str, Any]:
    return {name: plain(getattr(course, name)) for name in COURSES.fields}


@api_route("/courses", "GET", summary="List courses", resource=COURSES, action="list")
def list_courses() -> Any:
    filters = query_filters(COURSES.filters)
    page, per_page = pagination()
    stmt = visible(select(Course), _actor())
    for name in ("category", "subject", "level", "active"):
        if name in filters:
            stmt = stmt.where(getattr(Course, name) == filters[name])
    return envelope(stmt, course_item, page, per_page)


@api_route("/courses/<int:course_id>", "GET", summary="Get a course", resource=COURSES, action="get")
def get_course(course_id: int) -> Any:
    return course_item(get_or_404(COURSES, course_id))


@api_route("/courses", "POST", summary="Add a course", resource=COURSES, action="create", roles=(ADMIN,))
def create_course() -> Any:
    data, _ = parse_body(COURSES)
    return course_item(services.create_course(data, actor=_actor())), 201


@api_route("/courses/<int:course_id>", "PATCH", summary="Change a course", resource=COURSES, action="update",
           roles=(ADMIN,), description="Retire a course with active false: its enrolments stay.")
def update_course(course_id: int) -> Any:
    course = get_or_404(COURSES, course_id)
    data, version = parse_body(COURSES, path_id=course_id, versioned=True)
    change(services.update_course, course, data, version, actor=_actor())
    return course_item(course)


# --- enrolments --------------------------------------------------------------------------

ON_TRACK = ("red", "amber", "green")
#: what a new enrolment may carry, and what a PATCH may change (the services' own lists)
CREATE_FIELDS = ("learner_id", *services.ENROL_FIELDS)
PATCH_FIELDS = ("status", *services.STATUS_FIELDS)

ENROLMENTS = resource(Resource(
    name="enrolments", title="Enrolment", label="enrolment", model=Enrolment,
    fields={
        "id": Id(),
        "version": VERSION,
        "learner_id": Id("The learner (learners.id): one you can see, who has consented. Cannot change.",
                         writable=True, required=True),
        "course_id": Id("The course (courses.id): an active one. Cannot change.", writable=True, required=True),
        "project_id": Id("The funding project (projects.id) whose enrolment-based measures count this enrolment, "
                         "or null. It must be a project you can see that covers the learner's branch (that branch, "
                         "or its whole region); 422 otherwise. Cannot change.", nullable=True, writable=True),
        "status": Field("string", "New enrolments: enquiry (the default), referred (with referred_on) or enrolled "
                                  "(with started_on). On PATCH the status moves along enquiry -> referred -> "
                                  "enrolled -> in_progress -> completed -> achieved, or to withdrawn (with "
                                  "withdrawn_on and withdrawal_reason) or break_in_learning (with break_started_on, "
                                  "break_reason and return_on; back to in_progress after). A move the flow does not "
                                  "allow answers 409; the date a status needs, missing, answers 422.",
                        enum=rules.STATUSES, writable=True),
        "referred_on": _opt("date", "Not in the future."),
        "started_on": _opt("date", "Needed to be enrolled or in progress."),
        "planned_end_on": _opt("date", "When the course should end (not before started_on when enrolling); "
                                        "on_track is worked out from it."),
        "completed_on": _opt("date", "Needed to be completed (PATCH)."),
        "achieved_on": _opt("date", "Needed to be achieved (PATCH)."),
        "withdrawn_on": _opt("date", "Needed to be withdrawn (PATCH)."),
        "withdrawal_reason": _opt("string", "Needed to be withdrawn (PATCH).", max_length=2000),
        "break_started_on": _opt("date", "Needed for a break in learning (PATCH)."),
        "break_reason": _opt("string", "Needed for a break in learning (PATCH).", max_length=2000),
        "return_on": _opt("date", "A break in learning: the expected return, after break_started_on (PATCH)."),
        "time_off_request_id": Id("The learner-release time-off request it needed (same branch; this learner's "
                                  "or for no one in particular). Cannot change.", nullable=True, writable=True),
        "outcome_on": Field("date", "A learning outcome (completed or achieved): the earlier of completed_on and "
                                    "achieved_on; null otherwise.", nullable=True),
        "on_track": Field("string", "For a live enrolment with a planned end: green, amber (within 30 days of the "
                                    "planned end, or on a break) or red (past it); null otherwise.",
                          enum=ON_TRACK, nullable=True),
        "progressed_to_id": Field("integer", "For a learning outcome: the learner's later enrolment at a higher "
                                             "level that makes it a progression (its id); null otherwise.",
                                  nullable=True),
    },
    filters={
        "learner_id": Id("Only this learner's enrolments."),
        "status": Field("string", enum=rules.STATUSES),
        "course_id": Id("Only enrolments on this course."),
    },
    description="A learner's enrolment on a course and where it has got to. Scope follows the learner.",
))
ENROLMENTS.create_fields, ENROLMENTS.update_fields = CREATE_FIELDS, PATCH_FIELDS

ENROLMENT_COLUMNS = tuple(k for k in ENROLMENTS.fields if k not in ("outcome_on", "on_track", "progressed_to_id"))


def enrolment_item(e: Enrolment, today: Optional[date] = None, progressions: Optional[dict[int, int]] = None
                   ) -> dict[str, Any]:
    """One enrolment as JSON; ``progressions`` from :func:`queries.progressions_for` (looked up if not given)."""
    out = {name: plain(getattr(e, name)) for name in ENROLMENT_COLUMNS}
    out["outcome_on"] = plain(rules.outcome_on(e.status, e.completed_on, e.achieved_on))
    out["on_track"] = rules.on_track(status=e.status, planned_end_on=e.planned_end_on, today=today or date.today())
    out["progressed_to_id"] = (queries.progressions_for([e]) if progressions is None else progressions).get(e.id)
    return out


@api_route("/enrolments", "GET", summary="List enrolments", resource=ENROLMENTS, action="list")
def list_enrolments() -> Any:
    filters = query_filters(ENROLMENTS.filters)
    page, per_page = pagination()
    stmt = queries.visible_enrolments(_actor())
    for name in ("learner_id", "status", "course_id"):
        if filters.get(name):
            stmt = stmt.where(getattr(Enrolment, name) == filters[name])
    today = date.today()
    progressions: dict[int, int] = {}
    return envelope(stmt, lambda e: enrolment_item(e, today, progressions), page, per_page,
                    prefetch=lambda items: progressions.update(queries.progressions_for(items)))


@api_route("/enrolments/<int:enrolment_id>", "GET", summary="Get an enrolment", resource=ENROLMENTS, action="get")
def get_enrolment(enrolment_id: int) -> Any:
    return enrolment_item(get_or_404(ENROLMENTS, enrolment_id))


@api_route("/enrolments", "POST", summary="Enrol a learner", resource=ENROLMENTS, action="create", roles=WRITERS,
           description="Opens an enrolment at enquiry, referred or enrolled, for a learner you can see who has "
                       "consented. Later statuses and their dates are recorded by PATCH.")
def create_enrolment() -> Any:
    later = tuple(k for k in ENROLMENTS.writable if k not in CREATE_FIELDS)
    try:
        data, _ = parse_body(ENROLMENTS, allowed=CREATE_FIELDS)
    except ValidationFailed as exc:
        raise _refuse_fields(exc, later, "Create the enrolment first, then record this with a PATCH that moves "
                                         "its status") from None
    learner = _learner_for(data.pop("learner_id", None))
    return enrolment_item(services.enrol(learner, data, actor=_actor())), 201


def _move(enrolment: Enrolment, data: dict[str, Any], *, version: int, status: str) -> Any:
    return services.change_enrolment_status(enrolment, status, data, version=version, actor=_actor())


@api_route("/enrolments/<int:enrolment_id>", "PATCH", summary="Change an enrolment", resource=ENROLMENTS,
           action="update", roles=WRITERS,
           responses={409: "The version is stale, or the status flow does not allow this move (the message says "
                           "where it can go)."},
           description="Moves the status (with the dates and reasons it needs, in the same body) or corrects the "
                       "dates and reasons of the current status. learner_id, course_id, project_id and "
                       "time_off_request_id cannot change (422).")
def update_enrolment(enrolment_id: int) -> Any:
    enrolment = get_or_404(ENROLMENTS, enrolment_id)
    fixed = tuple(k for k in ENROLMENTS.writable if k not in PATCH_FIELDS)
    try:
        data, version = parse_body(ENROLMENTS, allowed=PATCH_FIELDS, path_id=enrolment_id, versioned=True)
    except ValidationFailed as exc:
        raise _refuse_fields(exc, fixed, "This cannot change once the enrolment is recorded") from None
    if version != enrolment.version:
        raise Conflict("This enrolment was changed by someone else. Reload it and try again.")
    status = data.pop("status", enrolment.status)
    if status in rules.STATUSES:
        not_allowed = rules.transition_problems(enrolment.status, status, {}).get("status")
        if not_allowed:
            raise Conflict(not_allowed, {"status": [not_allowed]})
    change(_move, enrolment, data, version, status=status)
    return enrolment_item(enrolment)
