"""The figures every report shows (domain.md section 6): one function per report, called by the
pages, the PDFs, CSVs and XLSX files, the frozen runs and the API alike.

Every count is an SQL aggregate over records the viewer may see (``core.permissions.visible``),
and each figure has a ``*_records`` statement for the list behind it, counted the same way, so a
figure and its list always agree. The number of SQL statements a report runs does not grow with
the data. Values are plain JSON: dates as ``YYYY-MM-DD`` strings, money as strings with two
decimals (``"1234.50"``), percentages as numbers with one decimal.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import Date, Select, String, and_, case, cast, exists, false, func, literal, or_, select, true, union_all
from werkzeug.exceptions import NotFound

from ..agreements import rules as agreement_rules
from ..agreements.models import SCHOOLS_SCOPES, Agreement, AgreementSchool
from ..core import periods
from ..core.query_shapes import in_subquery
from ..core.dates import add_months
from ..core.errors import NotAllowed, ValidationFailed
from ..core.periods import Period
from ..core.permissions import ADMIN, BRANCH_CONVENOR, REGIONAL_ORGANISER, visible, visible_ids
from ..core.validation import MAX_ID
from ..extensions import db
from ..funding.models import GO_AWARD_STANDARDS, MEASURES, GoAwardEvidence, GoAwardStandard, Project, ProjectSpend, ProjectTarget
from ..funding.queries import project_visible  # noqa: F401  (re-exported: the reports' project scope)
from ..learners import rules as learner_rules
from ..learners.models import CONTRACTS, STAFF_CATEGORIES, Course, Enrolment, Learner, NeedsAssessment
from ..organisation.models import Branch, Employer, Region, Workplace
from ..reps.models import Rep
from ..reps.rules import TRAINING_MONTHS
from ..timeoff import queries as timeoff_queries
from ..timeoff import rules as timeoff_rules
from ..timeoff.models import KINDS, PURPOSES, REFUSAL_REASONS, STATUSES, TimeOffRequest
from . import rules
from .models import ErasedLearnerCount, ErasedLearnerFigures

NOT_RECORDED = "not_recorded"
EQUALITY_DIMENSIONS = ("staff_category", "gender", "ethnicity", "disability", "age_band", "contract")
EQUALITY_READERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)
#: the equality dimensions an erasure takes off the learner's record (counted from ErasedLearnerFigures after)
ERASED_DIMENSIONS = ("gender", "ethnicity", "disability", "age_band")
GO_AWARD_SUBJECTS = ("literacy", "numeracy", "esol", "ict")
GO_AWARD_CATEGORIES = ("skills_for_life", "esol", "ict")
#: levels "below Level 2" for a needs analysis
BELOW_LEVEL_2 = tuple(level for level in learner_rules.LEVELS if learner_rules.RANK[level] < learner_rules.RANK["level_2"])
DECIDED = ("granted", "partly_granted", "refused")
COVERAGE_FIGURES = ("agreements", "included", "excluded", "silent", "silent_without_school_activity", "schools",
                    "schools_covered", "schools_with_ulr", "schools_without_ulr", "school_based_ulrs",
                    "learners_from_schools", "time_off_school", "time_off_other")


# --- shared pieces ---------------------------------------------------------------------------

def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _between(column: Any, start: Optional[date], end: Optional[date]) -> Any:
    conditions = [column.is_not(None)]
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column <= end)
    return and_(*conditions)


def _in_branches(column: Any, region_id: Optional[int], branch_id: Optional[int]) -> Any:
    if branch_id:
        return column == branch_id
    if region_id:
        # in_subquery: on PostgreSQL ``= ANY(ARRAY(region's branches))``, a filter on the row (and an index
        # condition) rather than one more join to branch that the planner, meeting it beside the viewer's
        # own region rule, estimated at one row and nested-looped over (schools coverage 820 ms -> see README)
        return in_subquery(column, select(Branch.id).where(Branch.region_id == region_id))
    return true()


def _in_project_scope(column: Any, project: Project) -> Any:
    """Records of the project's branch, or of every branch of its region."""
    return _in_branches(column, project.region_id, project.branch_id)


def active_between(start: date, end: date) -> Any:
    """An enrolment active at any time in [start, end]: started on or before the end, and its end
    (the earliest of completed_on, achieved_on and withdrawn_on) empty or not before the start.
    The earliest end is on or after ``start`` exactly when every end date recorded is."""
    return and_(Enrolment.started_on.is_not(None), Enrolment.started_on <= end,
                *[or_(col.is_(None), col >= start)
                  for col in (Enrolment.completed_on, Enrolment.achieved_on, Enrolment.withdrawn_on)])


def outcome_date() -> Any:
    """The SQL twin of learners.rules.outcome_on (used only with status completed or achieved)."""
    return case((Enrolment.completed_on.is_(None), Enrolment.achieved_on),
                (Enrolment.achieved_on.is_(None), Enrolment.completed_on),
                (Enrolment.completed_on <= Enrolment.achieved_on, Enrolment.completed_on),
                else_=Enrolment.achieved_on)


def _money(value: Any) -> Optional[str]:
    if value is None:
        return None
    return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"


def _as_id(value: Any) -> Optional[int]:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise NotFound()
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        number = int(value.strip())
    else:
        raise NotFound()
    if not 1 <= number <= MAX_ID:
        raise NotFound()
    return number


def scope_of(user, region_id: Any = None, branch_id: Any = None) -> tuple[Optional[int], Optional[int]]:
    """The (region_id, branch_id) a report covers, checked against the viewer's scope.

    An administrator may ask for any region or branch (or neither: everything); an organiser for
    their region (the default) or one of its branches; a convenor or ULR only their own branch (the
    default). A branch and region that do not match, a place that does not exist, or one outside
    the viewer's scope: werkzeug NotFound (404). When a branch is given its region is returned too."""
    region_id, branch_id = _as_id(region_id), _as_id(branch_id)
    branch = db.session.get(Branch, branch_id) if branch_id else None
    if branch_id and branch is None:
        raise NotFound()
    if region_id and db.session.get(Region, region_id) is None:
        raise NotFound()
    if branch is not None and region_id and branch.region_id != region_id:
        raise NotFound()
    role = getattr(user, "role", None)
    if role == ADMIN:
        return (branch.region_id if branch else region_id), branch_id
    if role == REGIONAL_ORGANISER:
        own = user.region_id
        if own is None or (branch is not None and branch.region_id != own) or (region_id and region_id != own):
            raise NotFound()
        return own, branch_id
    own_branch = db.session.get(Branch, user.branch_id) if getattr(user, "branch_id", None) else None
    if own_branch is None or (branch is not None and branch.id != own_branch.id) or (region_id and branch is None):
        raise NotFound()
    return own_branch.region_id, own_branch.id


# --- the funding return ------------------------------------------------------------------------

def check_period(project: Project, period: Optional[Period]) -> list[Period]:
    """The project's quarters up to ``period``; ValidationFailed if it is not one of the project's quarters."""
    quarters = rules.project_quarters(project.starts_on, project.ends_on)
    first, last = quarters[0], quarters[-1]
    problem = (f"Choose a quarter of the project, from {first.code} to {last.code}" if first.code != last.code
               else f"Choose the project's quarter, {first.code}")
    if period is None or period.kind != "quarter" or not first.start <= period.start <= last.start:
        raise ValidationFailed(problem, {"period": [problem]})
    return [q for q in quarters if q.start <= period.start]


def _funding_range(project: Project, period: Period, cumulative: bool) -> tuple[date, date]:
    to_date = check_period(project, period)
    return (to_date[0].start if cumulative else period.start), period.end


def funding_records(project: Project, period: Period, measure: str, user, *, cumulative: bool = False) -> Select:
    """The records behind one measure of a return (the figure is their count): learners for
    learners_engaged and new_members, enrolments for learning_outcomes, needs analyses, ULR
    appointments (reps) or agreements. ``cumulative``: from the project's first quarter."""
    start, end = _funding_range(project, period, cumulative)
    if measure == "learners_engaged":
        engaged = select(Enrolment.learner_id).where(Enrolment.project_id == project.id, active_between(start, end))
        return visible(select(Learner), user).where(Learner.id.in_(engaged)).order_by(Learner.name, Learner.id)
    if measure == "learning_outcomes":
        return (visible(select(Enrolment), user)
                .where(Enrolment.project_id == project.id, Enrolment.status.in_(tuple(learner_rules.OUTCOMES)),
                       _between(outcome_date(), start, end))
                .order_by(Enrolment.id))
    if measure == "needs_assessed":
        in_scope = select(Learner.id).where(_in_project_scope(Learner.branch_id, project))
        return (visible(select(NeedsAssessment), user)
                .where(NeedsAssessment.learner_id.in_(in_scope), _between(NeedsAssessment.assessed_on, start, end))
                .order_by(NeedsAssessment.assessed_on, NeedsAssessment.id))
    if measure in ("ulrs_recruited", "ulrs_trained"):
        column = Rep.appointed_on if measure == "ulrs_recruited" else Rep.trained_on
        return (visible(select(Rep), user).where(_in_project_scope(Rep.branch_id, project), _between(column, start, end))
                .order_by(column, Rep.id))
    if measure == "agreements_signed":
        return (visible(select(Agreement), user)
                .where(_in_project_scope(Agreement.branch_id, project), _between(Agreement.signed_on, start, end),
                       Agreement.status.not_in(("draft", "negotiating")))
                .order_by(Agreement.signed_on, Agreement.id))
    if measure == "new_members":
        linked = select(Enrolment.learner_id).where(Enrolment.project_id == project.id)
        return (visible(select(Learner), user)
                .where(_in_project_scope(Learner.branch_id, project), Learner.merged_into_id.is_(None),
                       _between(Learner.joined_union_on, start, end), Learner.id.in_(linked))
                .order_by(Learner.name, Learner.id))
    raise NotFound()


def _erased(user) -> Any:
    """The anonymous figures of erased learners (ulr_app.dataprotection.erasure) the viewer's scope
    covers: those of the branches the viewer may see (report readers see a branch's learners whole)."""
    return ErasedLearnerFigures.branch_id.in_(visible_ids(Branch, user))


def _erased_counts(*conditions: Any) -> Any:
    return exists(select(ErasedLearnerCount.id).where(ErasedLearnerCount.figures_id == ErasedLearnerFigures.id,
                                                      *conditions))


def erased_new_members(project: Project, period: Period, user, *, cumulative: bool = False) -> int:
    """Erased learners counted by ``new_members``: their union join date left their record for the
    anonymous figures, which add them back (no list: they are nobody now)."""
    start, end = _funding_range(project, period, cumulative)
    return db.session.scalar(select(func.count()).select_from(ErasedLearnerFigures).where(
        _erased(user), _in_project_scope(ErasedLearnerFigures.branch_id, project),
        _between(ErasedLearnerFigures.joined_union_on, start, end),
        _erased_counts(ErasedLearnerCount.project_id == project.id))) or 0


def measure_actual(project: Project, period: Period, measure: str, user, *, cumulative: bool = False) -> int:
    """The actual figure of one measure: the count of its records (funding_records), and for
    ``new_members`` the erased learners who joined in the range too."""
    actual = _count(funding_records(project, period, measure, user, cumulative=cumulative))
    if measure == "new_members":
        actual += erased_new_members(project, period, user, cumulative=cumulative)
    return actual


def _outcome_split(project: Project, period: Period, user, cumulative: bool) -> dict[str, Any]:
    sub = funding_records(project, period, "learning_outcomes", user, cumulative=cumulative).order_by(None).subquery()
    rows = db.session.execute(select(Course.category, Course.level, func.count())
                              .join_from(sub, Course, Course.id == sub.c.course_id)
                              .group_by(Course.category, Course.level)).all()
    out: dict[str, Any] = {"skills_for_life": {}, "level_2": 0, "level_3": 0, "level_4_plus": 0, "informal": 0, "other": 0}
    for category, level, n in rows:  # one row per (category, level): a handful, whatever the data
        group = rules.outcome_group(category, level)
        if group == "skills_for_life":
            out[group][level] = out[group].get(level, 0) + n
        else:
            out[group] += n
    order = {code: i for i, code in enumerate(learner_rules.LEVELS + (learner_rules.UNLEVELLED,))}
    out["skills_for_life"] = dict(sorted(out["skills_for_life"].items(), key=lambda kv: order.get(kv[0], 99)))
    return out


def funding_return(project: Project, period: Period, user) -> dict[str, Any]:
    """The quarterly return of a project for one quarter: each measure's target, actual and
    variance, this quarter and to date, the outcome split and the spend. Money as strings with two
    decimals. needs_explanation (per measure and for spend) looks at this quarter's variance.
    A quarter outside the project: ValidationFailed naming its first and last quarter."""
    to_date = check_period(project, period)
    codes = [q.code for q in to_date]
    programme = project.programme
    threshold = float(programme.variance_threshold if programme.variance_threshold is not None else 20)
    targets = {m: (now, cum) for m, now, cum in db.session.execute(
        select(ProjectTarget.measure, func.sum(case((ProjectTarget.period == period.code, ProjectTarget.target))),
               func.sum(ProjectTarget.target))
        .where(ProjectTarget.project_id == project.id, ProjectTarget.period.in_(codes))
        .group_by(ProjectTarget.measure))}
    measures = []
    for code in programme.measures or []:
        target, cumulative_target = targets.get(code, (None, None))
        target = None if target is None else int(target)
        cumulative_target = None if cumulative_target is None else int(cumulative_target)
        actual = measure_actual(project, period, code, user)
        cumulative_actual = measure_actual(project, period, code, user, cumulative=True)
        variance = rules.variance_pct(actual, target)
        measures.append({
            "code": code, "label": MEASURES.get(code, code.replace("_", " ").capitalize()),
            "target": target, "actual": actual, "variance_pct": variance,
            "cumulative_target": cumulative_target, "cumulative_actual": cumulative_actual,
            "cumulative_variance_pct": rules.variance_pct(cumulative_actual, cumulative_target),
            "needs_explanation": rules.needs_explanation(variance, threshold),
        })
    budget, spent, cumulative_budget, cumulative_spent = db.session.execute(
        select(func.sum(case((ProjectSpend.period == period.code, ProjectSpend.budget))),
               func.sum(case((ProjectSpend.period == period.code, ProjectSpend.actual))),
               func.sum(ProjectSpend.budget), func.sum(ProjectSpend.actual))
        .where(ProjectSpend.project_id == project.id, ProjectSpend.period.in_(codes))).one()
    spend_variance = rules.variance_pct(None if spent is None else Decimal(str(spent)),
                                        None if budget is None else Decimal(str(budget)))
    spend = {
        "budget": _money(budget), "actual": _money(spent), "variance_pct": spend_variance,
        "cumulative_budget": _money(cumulative_budget), "cumulative_actual": _money(cumulative_spent),
        "cumulative_variance_pct": rules.variance_pct(None if cumulative_spent is None else Decimal(str(cumulative_spent)),
                                                      None if cumulative_budget is None else Decimal(str(cumulative_budget))),
        "needs_explanation": rules.needs_explanation(spend_variance, threshold),
    }
    return {
        "project_id": project.id, "period": period.code, "period_label": period.label, "threshold": threshold,
        "first_period": codes[0],
        "measures": measures,
        "needs_explanation": [m["code"] for m in measures if m["needs_explanation"]],
        "outcomes": {"period": _outcome_split(project, period, user, False),
                     "cumulative": _outcome_split(project, period, user, True)},
        "spend": spend,
    }


# --- schools coverage -------------------------------------------------------------------------

def twelve_months_to(as_of: date) -> tuple[date, date]:
    """The 12 months up to and including ``as_of``: (the day after the same date a year before, as_of)."""
    return add_months(as_of, -12) + timedelta(days=1), as_of


def _in_post(on: date) -> Any:
    return and_(Rep.appointed_on <= on, or_(Rep.stood_down_on.is_(None), Rep.stood_down_on > on))


def _agreements_in_force(user, region_id, branch_id, as_of: date) -> Select:
    """Agreements in force on the date: signed or under review, signed on or before it, not expired before it."""
    return visible(select(Agreement), user).where(
        _in_branches(Agreement.branch_id, region_id, branch_id), Agreement.status.in_(tuple(agreement_rules.IN_FORCE)),
        Agreement.signed_on.is_not(None), Agreement.signed_on <= as_of,
        or_(Agreement.expires_on.is_(None), Agreement.expires_on >= as_of))


def _counted_schools(user, region_id, branch_id, as_of: date) -> Select:
    """The schools of the employers with an agreement in force (that the viewer may see)."""
    employers = _agreements_in_force(user, region_id, branch_id, as_of).with_only_columns(Agreement.employer_id)
    return visible(select(Workplace), user).where(Workplace.kind == "school", Workplace.employer_id.in_(employers))


def _covered_schools(user, region_id, branch_id, as_of: date) -> Select:
    """Counted schools that an agreement in force covers (agreements.rules.school_coverage): the
    rule is applied to each distinct (schools scope, employer kind, school type, named in/out) and
    the matching schools are selected in SQL."""
    agreements = _agreements_in_force(user, region_id, branch_id, as_of).subquery()
    counted = _counted_schools(user, region_id, branch_id, as_of).with_only_columns(Workplace.id)
    pairs = (select(Workplace.id.label("workplace_id"), agreements.c.schools_scope.label("scope"),
                    Employer.kind.label("employer_kind"), Workplace.establishment_type.label("establishment_type"),
                    AgreementSchool.inclusion.label("inclusion"))
             .select_from(agreements)
             .join(Employer, Employer.id == agreements.c.employer_id)
             .join(Workplace, and_(Workplace.employer_id == agreements.c.employer_id, Workplace.kind == "school"))
             .outerjoin(AgreementSchool, and_(AgreementSchool.agreement_id == agreements.c.id,
                                              AgreementSchool.workplace_id == Workplace.id))
             .where(Workplace.id.in_(counted))).subquery()
    combos = db.session.execute(select(pairs.c.scope, pairs.c.employer_kind, pairs.c.establishment_type,
                                       pairs.c.inclusion).distinct()).all()

    def same(column: Any, value: Any) -> Any:
        return column.is_(None) if value is None else column == value

    covered = [and_(same(pairs.c.scope, s), same(pairs.c.employer_kind, k), same(pairs.c.establishment_type, t),
                    same(pairs.c.inclusion, i))
               for s, k, t, i in combos
               if agreement_rules.school_coverage(schools_scope=s, employer_is_council=k == "local_authority",
                                                  establishment_type=t, named=i).covered]
    chosen = select(pairs.c.workplace_id).where(or_(*covered) if covered else false())
    return visible(select(Workplace), user).where(Workplace.id.in_(chosen))


def _silent_without_activity(user, region_id, branch_id, as_of: date) -> Select:
    start, end = twelve_months_to(as_of)
    ulr = (select(Rep.id).join(Workplace, Workplace.id == Rep.workplace_id)
           .where(Workplace.employer_id == Agreement.employer_id, Workplace.kind == "school",
                  Rep.appointed_on <= end, or_(Rep.stood_down_on.is_(None), Rep.stood_down_on >= start)))
    learning = (select(Enrolment.id).join(Learner, Learner.id == Enrolment.learner_id)
                .join(Workplace, Workplace.id == Learner.workplace_id)
                .where(Workplace.employer_id == Agreement.employer_id, Workplace.kind == "school",
                       active_between(start, end)))
    return (_agreements_in_force(user, region_id, branch_id, as_of)
            .where(Agreement.schools_scope == "silent", ~exists(ulr), ~exists(learning)))


def _learners_from_schools(user, region_id, branch_id, as_of: date) -> Select:
    start, end = twelve_months_to(as_of)
    counted = _counted_schools(user, region_id, branch_id, as_of).with_only_columns(Workplace.id)
    learning = select(Enrolment.learner_id).where(active_between(start, end))
    return visible(select(Learner), user).where(
        _in_branches(Learner.branch_id, region_id, branch_id), Learner.merged_into_id.is_(None),
        Learner.workplace_id.in_(counted), Learner.id.in_(learning))


def _with_ulr(as_of: date) -> Any:
    """A workplace with a ULR in post on the date."""
    return exists(select(Rep.id).where(Rep.workplace_id == Workplace.id, _in_post(as_of)))


def _coverage_time_off(user, region_id, branch_id, as_of: date) -> Select:
    start, end = twelve_months_to(as_of)
    return visible(select(TimeOffRequest), user).where(
        _in_branches(TimeOffRequest.branch_id, region_id, branch_id), _between(TimeOffRequest.requested_on, start, end))


def schools_coverage_records(user, figure: str, *, region_id: Optional[int] = None, branch_id: Optional[int] = None,
                             as_of: date) -> Select:
    """The records behind a schools-coverage figure: agreements for "agreements", "included",
    "excluded", "silent" and "silent_without_school_activity"; workplaces for "schools",
    "schools_covered", "schools_with_ulr" and "schools_without_ulr"; reps for "school_based_ulrs";
    learners for "learners_from_schools"; time-off requests for "time_off_school" and
    "time_off_other". Anything else: NotFound."""
    args = (user, region_id, branch_id, as_of)
    if figure == "agreements":
        return _agreements_in_force(*args).order_by(Agreement.title, Agreement.id)
    if figure in SCHOOLS_SCOPES:
        return _agreements_in_force(*args).where(Agreement.schools_scope == figure).order_by(Agreement.title, Agreement.id)
    if figure == "silent_without_school_activity":
        return _silent_without_activity(*args).order_by(Agreement.title, Agreement.id)
    if figure == "schools":
        return _counted_schools(*args).order_by(Workplace.name, Workplace.id)
    if figure == "schools_covered":
        return _covered_schools(*args).order_by(Workplace.name, Workplace.id)
    if figure in ("schools_with_ulr", "schools_without_ulr"):
        with_ulr = _with_ulr(as_of)
        return (_counted_schools(*args).where(with_ulr if figure == "schools_with_ulr" else ~with_ulr)
                .order_by(Workplace.name, Workplace.id))
    if figure == "school_based_ulrs":
        counted = _counted_schools(*args).with_only_columns(Workplace.id)
        return (visible(select(Rep), user).where(_in_branches(Rep.branch_id, region_id, branch_id), _in_post(as_of),
                                                 Rep.workplace_id.in_(counted)).order_by(Rep.name, Rep.id))
    if figure == "learners_from_schools":
        return _learners_from_schools(*args).order_by(Learner.name, Learner.id)
    if figure in ("time_off_school", "time_off_other"):
        schools = select(Workplace.id).where(Workplace.kind == "school")
        where = TimeOffRequest.workplace_id.in_(schools)
        return (_coverage_time_off(*args).where(where if figure == "time_off_school" else ~where)
                .order_by(TimeOffRequest.requested_on, TimeOffRequest.id))
    raise NotFound()


def schools_coverage(user, *, region_id: Optional[int] = None, branch_id: Optional[int] = None, as_of: date) -> dict[str, Any]:
    """The schools-coverage figures as of a date (see the API contract), for a region or branch
    already checked with :func:`scope_of`. "In the 12 months" = the 12 months up to and including
    ``as_of``. Learners from schools: learners at the counted schools with an enrolment active in
    those 12 months, by staff category. Whether an agreement silent on schools had school
    activity looks at every ULR and learner at the employer's schools (not only those the viewer sees)."""
    args = (user, region_id, branch_id, as_of)
    # the agreements by schools scope, the counted schools and those with a ULR: the headline's one statement
    headline = schools_coverage_headline(user, region_id=region_id, branch_id=branch_id, as_of=as_of)
    learners = _learners_from_schools(*args).order_by(None).subquery()
    category = func.coalesce(learners.c.staff_category, NOT_RECORDED)
    by_category = dict(db.session.execute(select(category, func.count()).group_by(category)).all())
    requests = _coverage_time_off(*args).order_by(None).subquery()
    side = case((Workplace.kind == "school", "school"), else_="other")
    time_off = {"school": {"requests": 0, "refused": 0}, "other": {"requests": 0, "refused": 0}}
    for where, n, refused in db.session.execute(
            select(side, func.count(), func.coalesce(func.sum(case((requests.c.status == "refused", 1), else_=0)), 0))
            .join_from(requests, Workplace, Workplace.id == requests.c.workplace_id).group_by(side)):
        time_off[where] = {"requests": n, "refused": int(refused)}
    figure = lambda name: _count(schools_coverage_records(user, name, region_id=region_id, branch_id=branch_id,  # noqa: E731
                                                          as_of=as_of))
    return {
        "as_of": as_of.isoformat(),
        "agreements": headline["agreements"],
        "schools": headline["schools"],
        "schools_covered": figure("schools_covered"),
        "schools_with_ulr": headline["schools_with_ulr"],
        "school_based_ulrs": figure("school_based_ulrs"),
        "learners_from_schools": {**{k: by_category.get(k, 0) for k in STAFF_CATEGORIES},
                                  NOT_RECORDED: by_category.get(NOT_RECORDED, 0)},
        "time_off": time_off,
    }


def schools_coverage_headline(user, *, region_id: Optional[int] = None, branch_id: Optional[int] = None,
                              as_of: date) -> dict[str, Any]:
    """The schools-coverage figures an organiser's home page shows (and the report takes from here), in
    one statement: agreements in force by schools scope (and
    those silent with no school activity), the counted schools and those with a ULR in post. The
    home page left out the report's costliest figures (learners from schools, covered schools,
    time off) and still ran all 13 of its statements (issue 13)."""
    args = (user, region_id, branch_id, as_of)

    def count_of(stmt: Select) -> Any:
        return select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery()

    with_ulr = _with_ulr(as_of)
    columns = {scope: count_of(_agreements_in_force(*args).with_only_columns(Agreement.id)
                               .where(Agreement.schools_scope == scope)) for scope in SCHOOLS_SCOPES}
    columns["silent_without_school_activity"] = count_of(_silent_without_activity(*args).with_only_columns(Agreement.id))
    columns["schools"] = count_of(_counted_schools(*args).with_only_columns(Workplace.id))
    columns["schools_with_ulr"] = count_of(_counted_schools(*args).with_only_columns(Workplace.id).where(with_ulr))
    row = db.session.execute(select(*(c.label(name) for name, c in columns.items()))).one()._mapping
    agreements = {name: int(row[name]) for name in (*SCHOOLS_SCOPES, "silent_without_school_activity")}
    return {"as_of": as_of.isoformat(), "agreements": agreements, "schools": int(row["schools"]),
            "schools_with_ulr": int(row["schools_with_ulr"])}


# --- time-off monitoring ----------------------------------------------------------------------

def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def _uk_date(column: Any, years: range) -> Any:
    """The UK calendar day of a stored UTC datetime, in SQL. PostgreSQL converts with the time zone
    database; SQLite adds an hour inside British Summer Time (last Sunday of March to last Sunday
    of October, 01:00 UTC) for the years given, and takes the UTC day otherwise."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("Europe/London", column), Date)
    windows = [column.between(datetime.combine(_last_sunday(y, 3), datetime.min.time(), timezone.utc) + timedelta(hours=1),
                              datetime.combine(_last_sunday(y, 10), datetime.min.time(), timezone.utc)
                              + timedelta(hours=1) - timedelta(microseconds=1)) for y in years]
    return case((or_(*windows), func.date(column, "+1 hour")), else_=func.date(column)) if windows else func.date(column)


def _plus_days(column: Any, days: int) -> Any:
    if db.engine.dialect.name == "postgresql":
        return column + literal(days)
    return func.date(column, f"+{int(days)} days")


def _time_off_requests(user, region_id, branch_id, start: date, end: date, *columns: Any) -> Select:
    """The requests made in the range that the user may see in the region or branch (``columns``: only those,
    instead of the records)."""
    return visible(select(*columns) if columns else select(TimeOffRequest), user).where(
        _in_branches(TimeOffRequest.branch_id, region_id, branch_id), _between(TimeOffRequest.requested_on, start, end))


def _rates(decided: int, refused: int) -> dict[str, Any]:
    return {"decided": decided, "refused": refused, "rate_pct": rules.rate_pct(refused, decided)}


def time_off(user, *, region_id: Optional[int] = None, branch_id: Optional[int] = None, start: date, end: date,
             today: Optional[date] = None) -> dict[str, Any]:
    """Time-off monitoring over the requests made (requested_on) from ``start`` to ``end``: by kind,
    purpose, outcome and refusal reason; refusal rates by employer and kind of workplace (decided =
    granted + partly granted + refused; rate_pct None when nothing was decided); notice given
    (enough, short, not known: timeoff.rules.notice_ok with the app's notice settings); and the
    refusals still open (no tribunal claim, deadline not passed on ``today``), nearest deadline first."""
    today = today or date.today()
    # One statement for every count: the requests are found once (a CTE), then counted by each grouping
    # (UNION ALL of small GROUP BYs over it, the shape of the equality report); a statement per grouping
    # found them eight times (issue 13). Each part's row: (part, key, employer name, count, decided, refused).
    # only the columns counted, with the workplace's employer and kind read once here (the employer and
    # workplace-kind groupings each joined every workplace in the country to the requests: 2 x 11 ms of 60 on
    # a national region; issue 13)
    r = (_time_off_requests(user, region_id, branch_id, start, end,
                            TimeOffRequest.kind, TimeOffRequest.purpose, TimeOffRequest.status,
                            TimeOffRequest.refusal_reason, TimeOffRequest.requested_on, TimeOffRequest.starts_at,
                            Workplace.employer_id.label("employer_id"), Workplace.kind.label("place"))
         .outerjoin(Workplace, Workplace.id == TimeOffRequest.workplace_id).cte("counted"))
    decided = func.coalesce(func.sum(case((r.c.status.in_(DECIDED), 1), else_=0)), 0)
    refused = func.coalesce(func.sum(case((r.c.status == "refused", 1), else_=0)), 0)
    none = literal(0)

    def part(name: str, key: Any, *where: Any, by: Any = None, label: Any = None, rates: bool = False) -> Select:
        by = key if by is None else by
        return (select(literal(name).label("part"), cast(key, String).label("key"),
                       (label if label is not None else literal("")).label("label"), func.count().label("n"),
                       (decided if rates else none).label("decided"), (refused if rates else none).label("refused"))
                .select_from(r).where(*where).group_by(*(by if isinstance(by, tuple) else (by,))))

    s = timeoff_queries.settings()
    training = ("ulr_training", "learner_release")
    required = case((r.c.kind.in_(training), _plus_days(r.c.requested_on, s["training_days"])),
                    else_=_plus_days(r.c.requested_on, s["default_days"]))
    starts = _uk_date(r.c.starts_at, range(start.year - 1, end.year + 3))
    notice = case((r.c.requested_on.is_(None), "unknown"), (starts >= required, "given_ok"), else_="short")
    parts = [
        part("kind", r.c.kind), part("purpose", r.c.purpose), part("status", r.c.status),
        part("refusal_reason", r.c.refusal_reason, r.c.refusal_reason.is_not(None)),
        part("notice", notice),
        part("employer", r.c.employer_id, by=(r.c.employer_id, Employer.name), label=Employer.name, rates=True)
        .join(Employer, Employer.id == r.c.employer_id),
        part("workplace_kind", r.c.place, r.c.place.is_not(None), rates=True),
    ]
    found: dict[str, dict[str, tuple[str, int, int, int]]] = {}
    for name, key, label, n, d, x in db.session.execute(union_all(*parts)).all():
        found.setdefault(name, {})[key] = (label, int(n), int(d), int(x))

    def grouped(name: str, labels: dict[str, str]) -> dict[str, int]:
        return {k: found.get(name, {}).get(k, ("", 0))[1] for k in labels}

    by_employer = sorted(({"employer_id": int(i), "employer_name": label, **_rates(d, x)}
                          for i, (label, _n, d, x) in found.get("employer", {}).items()),
                         key=lambda row: (row["employer_name"], row["employer_id"]))
    kinds = {k: (d, x) for k, (_label, _n, d, x) in found.get("workplace_kind", {}).items()}
    notices = grouped("notice", {"given_ok": "", "short": "", "unknown": ""})
    total = sum(notices.values())
    # the open refusals: five columns of those whose deadline may be ahead, the rule applied in Python
    # (timeoff.queries.refusal_deadlines, as the home pages do), not every refusal's worked-out steps
    open_refusals = timeoff_queries.refusal_deadlines(
        _time_off_requests(user, region_id, branch_id, start, end).with_only_columns(TimeOffRequest.id).order_by(None),
        today)
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "requests": total,
        "by_kind": grouped("kind", KINDS),
        "by_purpose": grouped("purpose", PURPOSES),
        "by_status": grouped("status", STATUSES),
        "by_refusal_reason": grouped("refusal_reason", REFUSAL_REASONS),
        "refusal_rate_by_employer": by_employer,
        "refusal_rate_by_workplace_kind": {k: _rates(*kinds.get(k, (0, 0))) for k in ("school", "service", "other")},
        "notice": notices,
        "open_refusals": [{"id": i, "tribunal_deadline": d.isoformat()} for d, i in open_refusals],
    }


def time_off_records(user, *, region_id: Optional[int] = None, branch_id: Optional[int] = None, start: date,
                     end: date) -> Select:
    """The requests the time-off figures count."""
    return _time_off_requests(user, region_id, branch_id, start, end).order_by(TimeOffRequest.requested_on,
                                                                              TimeOffRequest.id)


# --- the Go Award evidence pack ---------------------------------------------------------------

def _earliest_notice_still_due(today: date) -> date:
    """The earliest 'will be trained' notice date whose six-month deadline is today or later
    (add_months is monotonic, so every later notice is due too)."""
    day = add_months(today, -TRAINING_MONTHS)
    while add_months(day - timedelta(days=1), TRAINING_MONTHS) >= today:
        day -= timedelta(days=1)
    while add_months(day, TRAINING_MONTHS) < today:
        day += timedelta(days=1)
    return day


def rep_status_in(statuses: tuple[str, ...], today: date) -> Any:
    """SQL for reps.rules.status(rep, today) in ``statuses`` (active, training_due)."""
    not_stood_down = or_(Rep.stood_down_on.is_(None), Rep.stood_down_on > today)
    noticed = and_(Rep.notice_given_on.is_not(None), Rep.notice_given_on <= today)
    active = and_(Rep.trained_on.is_not(None), Rep.trained_on <= today,
                  Rep.training_completion_notified_on.is_not(None), Rep.training_completion_notified_on <= today)
    due = and_(~active, Rep.training_route == "will_train", Rep.will_train_notice_on.is_not(None),
               Rep.will_train_notice_on <= today, Rep.will_train_notice_on >= _earliest_notice_still_due(today))
    wanted = [c for s, c in (("active", active), ("training_due", due)) if s in statuses]
    return and_(not_stood_down, noticed, or_(*wanted) if wanted else false())


def go_award(user, employer: Employer, *, start: Optional[date] = None, end: Optional[date] = None,
             today: Optional[date] = None) -> dict[str, Any]:
    """The Go Award evidence pack of an employer (see the API contract).

    Learners: those the viewer may see (merged duplicates left out) whose workplace is one of the
    employer's: "school" its schools, "rest" its other workplaces (and its learners with no
    workplace recorded). Without a range every date counts. achieved: learners with an enrolment on
    a course of the subject (categories skills_for_life, esol, ict) achieved in the range, whenever it
    started. learning_hours: hours granted (hours_granted; or the whole duration when fully granted
    without hours recorded) on learner-release requests at the employer's workplaces decided in the
    range: "paid" where paid is true; "matched" where paid is false and an agreement with the
    employer in force on the decision day (signed or under review, signed by then, not expired)
    gives learners matched time. partnership: the status of the employer's most recently recorded
    agreement the viewer may see, and its ULRs in post today with status active or training due."""
    today = today or date.today()
    # One statement: every figure is a part of a UNION ALL, each row (figure, a, b, c, n), over the employer's
    # learners (a CTE), the latest needs analysis of each, and their Skills for Life enrolments; eleven
    # statements cost four times a hand-written query giving the same figures (issue 13).
    employer_workplaces = select(Workplace.id).where(Workplace.employer_id == employer.id)
    side = case((Workplace.kind == "school", "school"), else_="rest")
    people = (visible(select(Learner.id.label("learner_id"), side.label("side")), user)
              .outerjoin(Workplace, Workplace.id == Learner.workplace_id)
              # a learner's employer is their workplace's (the services refuse anything else), so the employer's
              # learners are found by the employer_id index; the OR of the two columns alone read every learner
              # in the viewer's scope (a region: 50,000 on the national data set; issue 13)
              .where(Learner.merged_into_id.is_(None), Learner.employer_id == employer.id,
                     or_(Learner.workplace_id.is_(None), Learner.workplace_id.in_(employer_workplaces)))).cte("people")
    latest = (select(NeedsAssessment.learner_id, NeedsAssessment.literacy_level, NeedsAssessment.numeracy_level,
                     NeedsAssessment.ict_level, NeedsAssessment.esol_need,
                     func.row_number().over(partition_by=NeedsAssessment.learner_id,
                                            order_by=(NeedsAssessment.assessed_on.desc(), NeedsAssessment.id.desc()))
                     .label("rn"))
              .where(_between(NeedsAssessment.assessed_on, start, end),
                     # the latest of the employer's learners only, not of every learner in the country
                     NeedsAssessment.learner_id.in_(select(people.c.learner_id)))).cte("latest")
    sfl = (select(people.c.side, people.c.learner_id, Course.subject, Course.level, Enrolment.id.label("enrolment_id"),
                  Enrolment.started_on, Enrolment.achieved_on, Enrolment.status)
           .join(Enrolment, Enrolment.learner_id == people.c.learner_id).join(Course, Course.id == Enrolment.course_id)
           .where(Course.category.in_(GO_AWARD_CATEGORIES), Course.subject.in_(GO_AWARD_SUBJECTS))).cte("sfl")

    def part(figure: str, a: Any = "", b: Any = "", c: Any = "", n: Any = 0) -> Select:
        def text_of(value: Any) -> Any:
            return literal(value) if isinstance(value, str) else cast(value, String)
        return select(literal(figure).label("figure"), text_of(a).label("a"), text_of(b).label("b"),
                      text_of(c).label("c"), (literal(n) if isinstance(n, int) else n).label("n"))

    def below(column: Any) -> Any:
        return func.coalesce(func.sum(case((column.in_(BELOW_LEVEL_2), 1), else_=0)), 0)

    needs_columns = {"literacy": below(latest.c.literacy_level), "numeracy": below(latest.c.numeracy_level),
                     "ict": below(latest.c.ict_level),
                     "esol": func.coalesce(func.sum(case((latest.c.esol_need.is_(True), 1), else_=0)), 0)}
    enrolled = _between(sfl.c.started_on, start, end)
    achieved = and_(_between(sfl.c.achieved_on, start, end), sfl.c.status == "achieved")
    hours = case((and_(TimeOffRequest.status == "granted", TimeOffRequest.hours_granted.is_(None)),
                  TimeOffRequest.duration_hours), else_=func.coalesce(TimeOffRequest.hours_granted, 0))
    decided_on = TimeOffRequest.decided_on
    matched_agreement = exists(select(Agreement.id).where(
        Agreement.employer_id == employer.id, Agreement.status.in_(tuple(agreement_rules.IN_FORCE)),
        Agreement.learner_time_off == "matched", Agreement.signed_on.is_not(None), Agreement.signed_on <= decided_on,
        or_(Agreement.expires_on.is_(None), Agreement.expires_on >= decided_on)))
    released = (TimeOffRequest.id.in_(visible(select(TimeOffRequest.id), user)), TimeOffRequest.kind == "learner_release",
                TimeOffRequest.status.in_(("granted", "partly_granted")),
                TimeOffRequest.workplace_id.in_(employer_workplaces), _between(decided_on, start, end))
    agreement_status = (visible(select(Agreement.status), user).where(Agreement.employer_id == employer.id)
                        .order_by(Agreement.id.desc()).limit(1).scalar_subquery())
    ulrs = visible(select(Rep.id), user).where(Rep.employer_id == employer.id, Rep.appointed_on <= today,
                                               rep_status_in(("active", "training_due"), today)).subquery()
    parts = [
        part("standard", GoAwardStandard.code, GoAwardStandard.status).where(GoAwardStandard.employer_id == employer.id),
        part("evidence", GoAwardEvidence.standard_code, n=func.count())
        .where(GoAwardEvidence.employer_id == employer.id).group_by(GoAwardEvidence.standard_code),
        part("assessed", people.c.side, n=func.count(func.distinct(people.c.learner_id)))
        .join(NeedsAssessment, NeedsAssessment.learner_id == people.c.learner_id)
        .where(_between(NeedsAssessment.assessed_on, start, end)).group_by(people.c.side),
        *(part("needs", people.c.side, subject, n=column).join(latest, latest.c.learner_id == people.c.learner_id)
          .where(latest.c.rn == 1).group_by(people.c.side) for subject, column in needs_columns.items()),
        part("enrolled", sfl.c.side, sfl.c.subject, n=func.count(func.distinct(sfl.c.learner_id)))
        .where(enrolled).group_by(sfl.c.side, sfl.c.subject),
        part("enrolled_level", sfl.c.side, sfl.c.subject, sfl.c.level, n=func.count(sfl.c.enrolment_id))
        .where(enrolled).group_by(sfl.c.side, sfl.c.subject, sfl.c.level),
        part("achieved", sfl.c.side, sfl.c.subject, n=func.count(func.distinct(sfl.c.learner_id)))
        .where(achieved).group_by(sfl.c.side, sfl.c.subject),
        part("achieved_level", sfl.c.side, sfl.c.subject, sfl.c.level, n=func.count(sfl.c.enrolment_id))
        .where(achieved).group_by(sfl.c.side, sfl.c.subject, sfl.c.level),
        part("hours", "paid", n=func.coalesce(func.sum(case((TimeOffRequest.paid.is_(True), hours), else_=0)), 0))
        .select_from(TimeOffRequest).where(*released),
        part("hours", "matched", n=func.coalesce(func.sum(
            case((and_(TimeOffRequest.paid.is_(False), matched_agreement), hours), else_=0)), 0))
        .select_from(TimeOffRequest).where(*released),
        part("agreement", func.coalesce(agreement_status, "")),
        part("ulrs_active", n=select(func.count()).select_from(ulrs).scalar_subquery()),
    ]
    got: dict[str, dict[tuple[str, str, str], Any]] = {}
    for figure, a, b, c, n in db.session.execute(union_all(*parts)).all():
        got.setdefault(figure, {})[(a or "", b or "", c or "")] = n
    standards = {a: b for (a, b, _c) in got.get("standard", {})}
    evidence = {a: int(n) for (a, _b, _c), n in got.get("evidence", {}).items()}
    order = {code: i for i, code in enumerate(learner_rules.LEVELS + (learner_rules.UNLEVELLED,))}

    def n(figure: str, where: str, subject: str = "", level: str = "") -> int:
        return int(got.get(figure, {}).get((where, subject, level), 0))

    sfl_figures: dict[str, Any] = {}
    for where in ("school", "rest"):
        sfl_figures[where] = {}
        for subject in GO_AWARD_SUBJECTS:
            levels = sorted({c for figure in ("enrolled_level", "achieved_level")
                             for (a, b, c) in got.get(figure, {}) if a == where and b == subject},
                            key=lambda lvl: order.get(lvl, 99))
            sfl_figures[where][subject] = {
                "assessed": n("assessed", where),
                "needs_identified": n("needs", where, subject),
                "enrolled": n("enrolled", where, subject),
                "achieved": n("achieved", where, subject),
                "by_level": {lvl: {"enrolled": n("enrolled_level", where, subject, lvl),
                                   "achieved": n("achieved_level", where, subject, lvl)} for lvl in levels},
            }
    paid = got.get("hours", {}).get(("paid", "", ""), 0)
    matched = got.get("hours", {}).get(("matched", "", ""), 0)
    agreement_status = next(iter(got.get("agreement", {})), ("",))[0] or None
    ulrs_active = n("ulrs_active", "")
    return {
        "employer_id": employer.id,
        "employer_name": employer.name,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "standards": [{"code": code, "title": title, "status": standards.get(code, "not_started"),
                       "evidence_count": int(evidence.get(code, 0))} for code, title in GO_AWARD_STANDARDS.items()],
        "skills_for_life": sfl_figures,
        "learning_hours": {"paid": float(Decimal(str(paid)).quantize(Decimal("0.01"))),
                           "matched": float(Decimal(str(matched)).quantize(Decimal("0.01")))},
        "partnership": {"agreement_status": agreement_status, "ulrs_active": ulrs_active},
    }


# --- equality monitoring ----------------------------------------------------------------------

def equality_records(user, *, region_id: Optional[int] = None, branch_id: Optional[int] = None, start: date,
                     end: date) -> Select:
    """The learners equality monitoring counts: those with an enrolment started in the range
    (merged duplicates left out)."""
    started = select(Enrolment.learner_id).where(_between(Enrolment.started_on, start, end))
    return visible(select(Learner), user).where(_in_branches(Learner.branch_id, region_id, branch_id),
                                                Learner.merged_into_id.is_(None), Learner.id.in_(started))


def equality_raw(user, *, region_id: Optional[int] = None, branch_id: Optional[int] = None, start: date,
                 end: date) -> dict[str, Any]:
    """The counts before suppression: for tests and the frozen-run check only, never shown."""
    if getattr(user, "role", None) not in EQUALITY_READERS:
        raise NotAllowed("Only branch convenors, regional organisers and administrators can see equality monitoring.")
    # One statement: the learners counted are found once (a CTE), then counted by each dimension and in all
    # (UNION ALL of small GROUP BYs over it); a statement per dimension found them seven times (issue 13).
    learners = (equality_records(user, region_id=region_id, branch_id=branch_id, start=start, end=end)
                .with_only_columns(Learner.id, Learner.erased_at, *(Learner.__table__.c[d] for d in EQUALITY_DIMENSIONS))
                .cte("counted"))
    # an erased learner's equality monitoring is in the anonymous figures, no longer on their record
    erased = (select(ErasedLearnerFigures)
              .where(_erased(user), _in_branches(ErasedLearnerFigures.branch_id, region_id, branch_id),
                     _erased_counts(_between(ErasedLearnerCount.started_on, start, end)))).cte("erased_counted")

    def counts(source, dim: Optional[str], *where: Any):
        if dim is None:
            return select(literal("").label("dim"), literal("").label("value"), func.count()).select_from(source)
        column = source.c[dim]
        value = case((or_(column.is_(None), func.trim(column) == ""), NOT_RECORDED), else_=column)
        return (select(literal(dim).label("dim"), value.label("value"), func.count()).select_from(source)
                .where(*where).group_by(value))

    parts = [counts(learners, None)]
    for dim in EQUALITY_DIMENSIONS:
        if dim not in ERASED_DIMENSIONS:
            parts.append(counts(learners, dim))
        else:
            parts += [counts(learners, dim, learners.c.erased_at.is_(None)), counts(erased, dim)]
    total = 0
    found_by: dict[str, dict[str, int]] = {dim: {} for dim in EQUALITY_DIMENSIONS}
    for dim, key, n in db.session.execute(union_all(*parts)).all():
        if not dim:
            total = int(n)
        else:
            found_by[dim][key] = found_by[dim].get(key, 0) + int(n)
    by: dict[str, dict[str, int]] = {}
    for dim in EQUALITY_DIMENSIONS:
        found = found_by[dim]
        known = {"staff_category": STAFF_CATEGORIES, "contract": CONTRACTS}.get(dim)
        cells = {k: found.pop(k, 0) for k in known} if known else {}
        recorded = found.pop(NOT_RECORDED, 0)
        cells.update(sorted(found.items()))
        cells[NOT_RECORDED] = recorded
        by[dim] = cells
    return {"total": total, "by": by}


def equality(user, *, region_id: Optional[int] = None, branch_id: Optional[int] = None, start: date, end: date,
             threshold: int = 5) -> dict[str, Any]:
    """Equality monitoring, with small counts suppressed (rules.suppress): {"total", "by", "threshold"}."""
    raw = equality_raw(user, region_id=region_id, branch_id=branch_id, start=start, end=end)
    total, by = rules.suppress(raw["total"], raw["by"], threshold)
    return {"from": start.isoformat(), "to": end.isoformat(), "threshold": threshold, "total": total, "by": by}


def parse_period(text: Optional[str]) -> Optional[Period]:
    """A quarter like FY2026-Q1 (None for anything else)."""
    period = periods.parse(text)
    return period if period is not None and period.kind == "quarter" else None
