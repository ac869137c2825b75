"""Read side for learners: scope rules, the learner list, equality visibility, the ladder."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, exists, func, literal, literal_column, or_, select, true
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..core import hooks
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    LEARNING_REP,
    REGIONAL_ORGANISER,
    scope_rule,
    visible,
)
from ..core.query_shapes import in_subquery
from ..core.validation import like_pattern
from ..extensions import db
from ..organisation import queries as org_queries
from ..organisation.models import Workplace, branch_employer
from ..reps import queries as rep_queries
from ..reps.models import Rep
from ..timeoff.models import TimeOffRequest
from . import rules
from .models import (
    BARRIERS,
    COURSE_CATEGORIES,
    Course,
    Enrolment,
    Learner,
    LearnerConsent,
    NeedsAssessment,
)


def learner_condition(user):
    if user.role == REGIONAL_ORGANISER:
        # IN (the region's branch ids, as constants), read once per request: not = ANY(ARRAY(SELECT ...)), whose
        # rows the planner cannot estimate (it then read a region's 52,000 learners by branch for a name search,
        # 26 ms), nor IN (SELECT ...), which probed the trigram index once per branch (organisation.queries)
        return Learner.branch_id.in_(org_queries.region_branch_ids(user.region_id))
    if user.role == LEARNING_REP:
        # a ULR's caseload: learners assigned to one of their appointments in post, or recorded by them and
        # assigned to nobody yet while they hold the role. Handed over (assigned to another ULR, or their
        # appointment stood down), a learner leaves it (issue 14 item 5). in_subquery: on PostgreSQL a
        # BitmapOr of the rep_id and created_by_id indexes, not a scan of every learner (core/query_shapes.py)
        return or_(in_subquery(Learner.rep_id, rep_queries.current_rep_ids(user)),
                   Learner.rep_id.is_(None) & (Learner.created_by_id == user.id)
                   & rep_queries.ulr_not_stood_down(user))
    return Learner.branch_id == user.branch_id


@scope_rule(Learner)
def _learners(user):
    return learner_condition(user)


@hooks.provide("timeoff.visible_learner_ids")
def _learner_ids(user):
    return select(Learner.id).where(learner_condition(user))


@scope_rule(NeedsAssessment)
def _needs_assessments(user):
    return NeedsAssessment.learner_id.in_(_learner_ids(user))


@scope_rule(Enrolment)
def _enrolments(user):
    return Enrolment.learner_id.in_(_learner_ids(user))


def visible_enrolments(user):
    """``visible(select(Enrolment), user)`` written for a list ordered by id: the learner ids of the scope are
    found once and become an index condition on ``enrolment.learner_id`` (core/query_shapes.py). The
    semi-join ``visible`` writes walked the enrolments in id order probing each one's learner: 194,000 probes
    for a national region's first 500 (280 ms -> 110 ms; issue 13)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role == ADMIN:
        return visible(select(Enrolment), user)
    return select(Enrolment).where(in_subquery(Enrolment.learner_id, _learner_ids(user)))


@scope_rule(Course)
def _courses(user):
    return true()  # the catalogue is reference data every signed-in user may read


@hooks.provide("timeoff.learner_in_branch")
def learner_in_branch(learner_id: int, branch_id: int) -> bool:
    """A learner-release request names a learner of its own branch (time off asks)."""
    return db.session.scalar(select(Learner.id).where(Learner.id == learner_id, Learner.branch_id == branch_id)) is not None


#: enrolment statuses still open: a learner-release request can name their course
OPEN_ENROLMENT = ("enquiry", "referred", "enrolled", "in_progress", "break_in_learning")


@hooks.provide("timeoff.branch_learners")
def branch_learners(branch_id: int, user, keep: int | None = None) -> list[tuple[int, str]]:
    """(id, "name, workplace") of the branch's current learners the user may see, by name, and the
    learner ``keep`` (a request's own) if it is of the branch (time off asks, for a learner release)."""
    stmt = (current_learners(visible(select(Learner), user)).where(Learner.branch_id == branch_id)
            .options(selectinload(Learner.workplace)).order_by(Learner.name, Learner.id))
    learners = list(db.session.scalars(stmt))
    if keep and keep not in {lr.id for lr in learners}:
        extra = db.session.get(Learner, keep)
        if extra is not None and extra.branch_id == branch_id:
            learners.append(extra)
    return [(lr.id, f"{lr.name}, {lr.workplace.name}" if lr.workplace else lr.name) for lr in learners]


@hooks.provide("timeoff.learner")
def learner_for_time_off(learner_id: int, user) -> dict | None:
    """The learner a learner-release request names: their name, whether the user may open their page,
    and the titles of the courses of their open enrolments (time off asks)."""
    learner = db.session.get(Learner, learner_id)
    if learner is None:
        return None
    may_see = db.session.scalar(visible(select(Learner.id).where(Learner.id == learner_id), user)) is not None
    titles = db.session.scalars(select(Course.title).join(Enrolment, Enrolment.course_id == Course.id)
                                .where(Enrolment.learner_id == learner_id, Enrolment.status.in_(OPEN_ENROLMENT))
                                .order_by(Enrolment.started_on.is_(None), Enrolment.started_on, Enrolment.id)).all() if may_see else []
    return {"id": learner.id, "name": learner.name, "visible": may_see, "courses": list(dict.fromkeys(titles))}


def contactable(today):
    """SQL condition: the learner may be contacted on ``today`` (e-mailed, reminded about, listed as due
    a contact): they consented, and neither their consent to keep the record nor to be contacted was
    withdrawn (rules.may_contact) without being given again. A learner with no consent rows at all
    (recorded before the consent history, e.g. bulk-loaded) is contactable on their consent date alone.

    Written as one NOT EXISTS with no OR, so that PostgreSQL probes the consents of each learner it is
    asked about by index; the OR of EXISTS it replaced was planned as a hash of every consent in the
    country (0.5 s on the national data set for a region's follow-ups; issue 13). The services keep a
    ``records`` and a ``contact`` consent for every learner with a consent date, so "one of them was
    withdrawn and not given again" is the same test as "not both in force"."""
    withdrawn = aliased(LearnerConsent)
    again = aliased(LearnerConsent)
    return Learner.consent_on.is_not(None) & ~exists().where(
        withdrawn.learner_id == Learner.id, withdrawn.purpose.in_(("records", "contact")),
        withdrawn.withdrawn_on.is_not(None), withdrawn.withdrawn_on <= today,
        ~exists().where(again.learner_id == withdrawn.learner_id, again.purpose == withdrawn.purpose,
                        again.withdrawn_on.is_(None) | (again.withdrawn_on > today)))


def can_see_equality(user) -> bool:
    """Equality monitoring fields: convenors and above only (others see recorded / not recorded)."""
    return user is not None and user.role in (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)


def equality_recorded(learner: Learner) -> dict[str, bool]:
    return {f: getattr(learner, f) is not None for f in sorted(Learner.__special_category__)}


def learner_list(user, *, name: str = "", workplace_id: int | None = None, rep_id: int | None = None,
                 staff_category: str = "", branch_id: int | None = None, workplace: str = "", rep: str = ""):
    """The learners the user can see, by name. ``name``, ``workplace`` and ``rep`` are typed words
    (part of the learner's, their workplace's or their ULR's name, any case); each is a
    ``lower(column) LIKE '%words%'`` the trigram indexes serve on PostgreSQL."""
    # each row's workplace and ULR joined (many-to-one) in the page's own statement, not two more (issue 13)
    stmt = visible(select(Learner), user)
    if name or user.role == LEARNING_REP:
        # by name, written ``name || ''`` so that it is not the name index's order: otherwise PostgreSQL walks
        # the whole name index looking for 25 rows that contain the words (8 ms for an administrator, 28 ms for
        # an organiser, on the national set), or that are in a ULR's caseload, instead of reading the few
        # thousand the trigram index finds (or the caseload's) and sorting them (issue 13). The same order:
        # appending nothing changes neither the text nor its collation. Sorted, the page's workplaces and ULRs
        # come in two small statements of their own: joined, they were joined to every row before the sort
        stmt = stmt.order_by(Learner.name.op("||")(literal_column("''")), Learner.id).options(
            selectinload(Learner.workplace), selectinload(Learner.rep))
    else:
        stmt = stmt.order_by(Learner.name, Learner.id).options(joinedload(Learner.workplace), joinedload(Learner.rep))
    if name:
        stmt = stmt.where(func.lower(Learner.name).like(like_pattern(name), escape="\\"))
    if workplace:
        stmt = stmt.where(Learner.workplace_id.in_(
            select(Workplace.id).where(func.lower(Workplace.name).like(like_pattern(workplace), escape="\\"))))
    if rep:
        stmt = stmt.where(Learner.rep_id.in_(
            select(Rep.id).where(func.lower(Rep.name).like(like_pattern(rep), escape="\\"))))
    if workplace_id:
        stmt = stmt.where(Learner.workplace_id == workplace_id)
    if rep_id:
        stmt = stmt.where(Learner.rep_id == rep_id)
    if staff_category:
        stmt = stmt.where(Learner.staff_category == staff_category)
    if branch_id:
        stmt = stmt.where(Learner.branch_id == branch_id)
    return stmt


def enrolments_of(learner: Learner) -> list[Enrolment]:
    return list(db.session.scalars(select(Enrolment).where(Enrolment.learner_id == learner.id)
                                   .options(joinedload(Enrolment.course))
                                   .order_by(Enrolment.started_on.is_(None), Enrolment.started_on, Enrolment.id)))


def needs_assessments_of(learner: Learner) -> list[NeedsAssessment]:
    return list(db.session.scalars(select(NeedsAssessment).where(NeedsAssessment.learner_id == learner.id)
                                   .order_by(NeedsAssessment.assessed_on, NeedsAssessment.id)))


def facts(e: Enrolment) -> rules.EnrolmentFacts:
    return rules.EnrolmentFacts(id=e.id, level=e.course.level, status=e.status, started_on=e.started_on,
                                completed_on=e.completed_on, achieved_on=e.achieved_on)


def progressions_for(enrolments: list[Enrolment]) -> dict[int, int]:
    """outcome enrolment id -> the later higher-level enrolment that makes it a progression, for the
    learners of ``enrolments`` (one query, whatever their number)."""
    learner_ids = {e.learner_id for e in enrolments}
    if not learner_ids:
        return {}
    by_learner: dict[int, list[rules.EnrolmentFacts]] = {}
    for e in db.session.scalars(select(Enrolment).where(Enrolment.learner_id.in_(learner_ids))
                                .options(joinedload(Enrolment.course)).order_by(Enrolment.id)):
        by_learner.setdefault(e.learner_id, []).append(facts(e))
    return {a: b for items in by_learner.values() for a, b in rules.progressions(items)}


@dataclass(frozen=True)
class Ladder:
    reached: dict[str, str]
    enrolments: list[Enrolment]
    next_steps: list[str]
    progressions: list[tuple[int, int]]
    #: levels assessed in the latest needs analysis, and whether it recorded an ESOL need
    assessed: dict[str, str] = field(default_factory=dict)
    esol_need: bool = False
    #: subject -> the higher of reached and assessed, and which it is (rules.standings)
    standing: dict[str, rules.Standing] = field(default_factory=dict)


def latest_needs_assessment(learner: Learner) -> NeedsAssessment | None:
    return db.session.scalars(select(NeedsAssessment).where(NeedsAssessment.learner_id == learner.id)
                              .order_by(NeedsAssessment.assessed_on.desc(), NeedsAssessment.id.desc()).limit(1)).first()


def ladder(learner: Learner) -> Ladder:
    """Levels reached per subject (from outcomes), the levels assessed in the latest needs analysis,
    every enrolment, and the suggested next steps (which start from the higher of the two)."""
    enrolments = enrolments_of(learner)
    outcomes = [(e.course.subject, e.course.level) for e in enrolments
                if rules.outcome_on(e.status, e.completed_on, e.achieved_on) is not None]
    reached = rules.highest_by_subject(outcomes)
    latest = latest_needs_assessment(learner)
    assessed = rules.assessed_levels(latest.literacy_level, latest.numeracy_level, latest.ict_level) if latest else {}
    esol_need = bool(latest and latest.esol_need)
    return Ladder(reached=reached, enrolments=enrolments,
                  next_steps=rules.next_steps(reached, assessed=assessed, esol_need=esol_need),
                  progressions=rules.progressions(facts(e) for e in enrolments),
                  assessed=assessed, esol_need=esol_need, standing=rules.standings(reached, assessed))



# --- stages: where each learner has got to ------------------------------------------------------

#: a learner's stage, in the order of the journey: before any enrolment (with or without a needs
#: analysis), then the furthest status among their enrolments. Withdrawn is the stage only when
#: every enrolment was withdrawn.
STAGES = {
    "no_enrolment": "No enrolment yet",
    "needs_analysis": "Needs analysis done",
    "enquiry": "Enquiry",
    "referred": "Referred",
    "enrolled": "Enrolled",
    "in_progress": "In progress",
    "break_in_learning": "Break in learning",
    "completed": "Completed",
    "achieved": "Achieved",
    "withdrawn": "Withdrawn",
}
#: how far each enrolment status has got: the highest among a learner's enrolments is their stage
STAGE_RANK = {"withdrawn": 1, "enquiry": 2, "referred": 3, "enrolled": 4, "break_in_learning": 5, "in_progress": 6,
              "completed": 7, "achieved": 8}


def stage_of(statuses, assessed: bool) -> str:
    """The stage from a learner's enrolment statuses and whether they had a needs analysis (pure)."""
    ranked = [s for s in statuses if s in STAGE_RANK]
    if ranked:
        return max(ranked, key=STAGE_RANK.__getitem__)
    return "needs_analysis" if assessed else "no_enrolment"


def stage_column():
    """The learner's stage as a SQL expression on ``Learner``: the same rule as ``stage_of``. Reads use the
    stage the learner row keeps (``Learner.stage``); this is what keeps it (standing.refresh).

    Correlated subqueries on the learner's own enrolments and needs analyses (both indexed by
    learner_id), so the database works out the stage of the rows it returns only, never an
    aggregate of the whole enrolment table: a page of 50 costs 50 small lookups whatever the scope."""
    rank = (select(func.max(case(STAGE_RANK, value=Enrolment.status, else_=0)))
            .where(Enrolment.learner_id == Learner.id).correlate(Learner).scalar_subquery())
    assessed = exists().where(NeedsAssessment.learner_id == Learner.id).correlate(Learner)
    by_rank = case({r: literal(status) for status, r in STAGE_RANK.items()}, value=rank)
    return func.coalesce(by_rank, case((assessed, literal("needs_analysis")), else_=literal("no_enrolment")))


def current_learners(stmt):
    """Leave out the records merged into another learner (their history lives on the kept one)."""
    return stmt.where(Learner.merged_into_id.is_(None))


def learners_page_list(user, *, stage: str = "", **filters):
    """The learner list of the pages: ``learner_list`` without merged records, optionally at one stage."""
    stmt = current_learners(learner_list(user, **filters))
    if stage in STAGES:
        stmt = stmt.where(Learner.stage == stage)  # the stage the row keeps (standing.py)
    return stmt


def stage_counts(user) -> dict[str, int]:
    """stage -> how many learners the user can see are at it (merged records left out; one query)."""
    sub = current_learners(visible(select(Learner.id, Learner.stage), user)).subquery()
    rows = db.session.execute(select(sub.c.stage, func.count()).group_by(sub.c.stage))
    return {stage: count for stage, count in rows}


# --- the learner page -----------------------------------------------------------------------------

#: subjects on the ladder, and the rungs each shows at least (more appear as the learner climbs)
LADDER_SUBJECTS = (("literacy", "English (literacy)", "entry_1", "level_2"),
                   ("numeracy", "Maths (numeracy)", "entry_1", "level_2"),
                   ("esol", "ESOL", "entry_1", "level_2"),
                   ("ict", "ICT", "entry_3", "level_2"),
                   ("other", "Vocational and higher education", "level_2", "level_5"))
LIVE = ("enquiry", "referred", "enrolled", "in_progress", "break_in_learning")
RUNG_STATES = {"reached": "Reached", "assessed": "Assessed", "working": "Working towards", "next": "Next step",
               "not_yet": "Not yet"}


@dataclass(frozen=True)
class Rung:
    level: str
    state: str
    courses: tuple[str, ...]


@dataclass(frozen=True)
class SubjectLadder:
    subject: str
    title: str
    reached: str | None
    rungs: list[Rung]  # top rung first, as a ladder is drawn
    #: the level the learner stands at ("achieved" or "assessed", see rules.standings), if any
    standing: rules.Standing | None = None


def ladder_rungs(lad: Ladder) -> list[SubjectLadder]:
    """Each subject's ladder: the rungs reached (by outcomes) or assessed (in the latest needs analysis),
    being worked towards, the next one and the rest (pure). ESOL has a next step only where the latest
    needs analysis recorded an ESOL need."""
    out = []
    for subject, title, low, high in LADDER_SUBJECTS:
        reached = lad.reached.get(subject)
        standing = lad.standing.get(subject) if lad.standing else (
            rules.Standing(reached, "achieved") if reached else None)
        at = standing.level if standing else None
        working: dict[str, list[str]] = {}
        done: dict[str, list[str]] = {}
        for e in lad.enrolments:
            if e.course.subject != subject or rules.level_rank(e.course.level) is None:
                continue
            if e.status in LIVE:
                working.setdefault(e.course.level, []).append(e.course.title)
            elif rules.outcome_on(e.status, e.completed_on, e.achieved_on) is not None:
                done.setdefault(e.course.level, []).append(e.course.title)
        nxt = low if at is None else rules.next_level(at)
        if subject == "esol" and not lad.esol_need:
            nxt = None
        top = max([rules.RANK[high]] + [rules.RANK[lv] for lv in (at, nxt, *working) if lv])
        bottom = min([rules.RANK[low]] + [rules.RANK[lv] for lv in (at, nxt, *working, *done) if lv])
        rungs = []
        for rank in range(top, bottom - 1, -1):
            level = rules.LEVELS[rank]
            if reached is not None and rank <= rules.RANK[reached]:
                state = "reached"
            elif level in working:
                state = "working"
            elif at is not None and rank <= rules.RANK[at]:
                state = "assessed"
            elif level == nxt:
                state = "next"
            else:
                state = "not_yet"
            rungs.append(Rung(level=level, state=state, courses=tuple(done.get(level, []) + working.get(level, []))))
        out.append(SubjectLadder(subject=subject, title=title, reached=reached, rungs=rungs, standing=standing))
    return out


def informal_outcomes(lad: Ladder) -> list[Enrolment]:
    """Completed courses without a level (Return to Learn and other union courses): first steps, off the ladder."""
    return [e for e in lad.enrolments if rules.level_rank(e.course.level) is None
            and rules.outcome_on(e.status, e.completed_on, e.achieved_on) is not None]


def barriers_over_time(assessments: list[NeedsAssessment]) -> tuple[list[str], list[NeedsAssessment]]:
    """The barriers named in any of the needs analyses (in the vocabulary's order) and the analyses, oldest first."""

    named = {b for na in assessments for b in (na.barriers or [])}
    return [b for b in BARRIERS if b in named], sorted(assessments, key=lambda na: (na.assessed_on, na.id))


def learner_release_requests(learner: Learner, user):
    """The learner-release time-off requests of this learner the user can see (to link an enrolment)."""

    return db.session.scalars(visible(select(TimeOffRequest), user).where(
        TimeOffRequest.learner_id == learner.id, TimeOffRequest.kind == "learner_release")
        .order_by(TimeOffRequest.starts_at.desc(), TimeOffRequest.id.desc())).all()


def courses_for_enrolment():
    """The active catalogue, in the order of the ladder: by category, then level, then title."""

    order = {c: i for i, c in enumerate(COURSE_CATEGORIES)}
    rows = db.session.scalars(select(Course).where(Course.active.is_(True))).all()
    return sorted(rows, key=lambda c: (order.get(c.category, 99), rules.RANK.get(c.level, -1), c.title.lower()))


def course_list(*, q: str = "", category: str = "", include_inactive: bool = True):
    stmt = select(Course).order_by(Course.category, Course.title)
    if q:
        stmt = stmt.where(func.lower(Course.title).like(like_pattern(q), escape="\\"))
    if category:
        stmt = stmt.where(Course.category == category)
    if not include_inactive:
        stmt = stmt.where(Course.active.is_(True))
    return stmt


# --- choosers on the forms --------------------------------------------------------------------------

def branch_workplaces(branch_id: int):
    """The workplaces of the employers a branch deals with (a learner works at one of them)."""

    return db.session.scalars(select(Workplace).join(branch_employer, branch_employer.c.employer_id == Workplace.employer_id)
                              .options(selectinload(Workplace.employer))
                              .where(branch_employer.c.branch_id == branch_id).order_by(Workplace.name, Workplace.id)).all()


def branch_reps(branch_id: int, keep: int | None = None):
    """The branch's ULRs still in post (and ``keep``, the learner's own ULR, even if stood down since)."""
    stmt = (select(Rep).where(Rep.branch_id == branch_id, or_(Rep.stood_down_on.is_(None), Rep.id == (keep or 0)))
            .options(selectinload(Rep.workplace), selectinload(Rep.employer)).order_by(Rep.name, Rep.id))
    return db.session.scalars(stmt).all()


def filter_names(user, *, workplace_id: int | None = None, rep_id: int | None = None) -> dict[str, str]:
    """The names of the workplace and ULR a learner-list link filters by (``?workplace_id=``, ``?rep_id=``),
    if the user can see them, to show in the filter boxes: at most one query each, whatever the scope.
    (The boxes themselves search on the server as you type: no list of every workplace or ULR.)"""
    out: dict[str, str] = {}
    if workplace_id:
        found = db.session.scalar(visible(select(Workplace.name), user).where(Workplace.id == workplace_id))
        if found:
            out["workplace"] = found
    if rep_id:
        found = db.session.scalar(visible(select(Rep.name), user).where(Rep.id == rep_id))
        if found:
            out["rep"] = found
    return out
