"""Read side for cases, activities and follow-ups: the scope rules and lookups."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from sqlalchemy import func, literal_column, or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core import hooks
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    LEARNING_REP,
    REGIONAL_ORGANISER,
    scope_rule,
    visible,
)
from ..core.pagination import count_up_to
from ..core.query_shapes import in_subquery
from ..core.validation import like_pattern
from ..extensions import db
from ..learners.models import Learner
from ..learners.queries import learner_condition
from ..organisation.models import Branch
from ..reps import queries as rep_queries
from ..reps.models import Rep
from . import rules
from .models import Activity, Case, FollowUp


def case_condition(user):
    if user.role == REGIONAL_ORGANISER:
        return Case.branch_id.in_(select(Branch.id).where(Branch.region_id == user.region_id))
    if user.role == LEARNING_REP:
        # a ULR's own cases: those they work, or recorded with nobody working them, while they hold the role;
        # not once reassigned to someone else, nor about a learner handed over (issue 14 item 5)
        return (or_(Case.owner_id == user.id, Case.owner_id.is_(None) & (Case.created_by_id == user.id))
                & rep_queries.ulr_not_stood_down(user)
                & (Case.learner_id.is_(None) | Case.learner_id.in_(_learner_ids(user))))
    return Case.branch_id == user.branch_id


@scope_rule(Case)
def _cases(user):
    return case_condition(user)


def _case_ids(user):
    return select(Case.id).where(case_condition(user))


def _learner_ids(user):
    return select(Learner.id).where(learner_condition(user))


@scope_rule(Activity)
def _activities(user):
    return or_(Activity.case_id.in_(_case_ids(user)), Activity.learner_id.in_(_learner_ids(user)))


@scope_rule(FollowUp)
def _follow_ups(user):
    if user.role == LEARNING_REP:
        # a ULR's few cases and learners as two arrays: a BitmapOr of the case_id and learner_id indexes,
        # instead of reading every overdue follow-up in the country and hashing the ULR's ids to filter them
        # (the home page's overdue list, 21 ms on the national set; core/query_shapes.py)
        return or_(in_subquery(FollowUp.case_id, _case_ids(user)), in_subquery(FollowUp.learner_id, _learner_ids(user)))
    return or_(FollowUp.case_id.in_(_case_ids(user)), FollowUp.learner_id.in_(_learner_ids(user)))


# --- lists and details --------------------------------------------------------------------

#: the "due" filter of the case list
DUE_FILTERS = {"overdue": "Overdue", "this_week": "Due in the next 7 days"}
#: how far ahead a follow-up counts as coming up (home page, reminders)
SOON_DAYS = 7


#: the case list's order, written exactly as the expression index ix_case_record_list_sort (migration
#: e4f5a6b7c8d9) is: 'closed' inline, not a bound parameter, so the planner can read pages off the index
LIST_ORDER = (Case.status == literal_column("'closed'"), Case.due_on.is_(None), Case.due_on, Case.id.desc())


def case_list(user, *, status: str = "", owner_id: Optional[int] = None, kind: str = "", due: str = "", q: str = "",
              branch_id: Optional[int] = None, today: Optional[date] = None, owner: str = ""):
    """The cases ``user`` may see, filtered: live ones first, each group by due date (undated last),
    then newest first. ``owner`` is typed words: part of the name of who works the case."""
    today = today or date.today()
    stmt = visible(select(Case), user).options(selectinload(Case.owner), selectinload(Case.branch)).order_by(*LIST_ORDER)
    if status == "active":
        stmt = stmt.where(Case.status != "closed")
    elif status:
        stmt = stmt.where(Case.status == status)
    if owner_id:
        stmt = stmt.where(Case.owner_id == owner_id)
    if owner and owner.strip():
        stmt = stmt.where(Case.owner_id.in_(select(User.id).where(User.name.ilike(like_pattern(owner), escape="\\"))))
    if kind:
        stmt = stmt.where(Case.kind == kind)
    if branch_id:
        stmt = stmt.where(Case.branch_id == branch_id)
    if due == "overdue":
        stmt = stmt.where(Case.status != "closed", Case.due_on < today)
    elif due == "this_week":
        stmt = stmt.where(Case.status != "closed", Case.due_on >= today, Case.due_on <= today + timedelta(days=SOON_DAYS))
    if q and q.strip():
        stmt = stmt.where(func.lower(Case.summary).like(like_pattern(q), escape="\\"))
    return stmt


def status_counts(user, cap: Optional[int] = None) -> dict[str, int]:
    """How many cases ``user`` may see in each status (one query), each counted only up to ``cap`` + 1
    when a cap is given (more than ``cap``: the page says "more than"), so the count costs the same
    whatever the size of the scope (issue 13)."""
    if cap is None:
        rows = db.session.execute(visible(select(Case.status, func.count()), user).group_by(Case.status)).all()
        counts = {s: 0 for s in rules.STATUSES}
        counts.update({s: n for s, n in rows})
        return counts
    columns = [count_up_to(visible(select(Case.id), user).where(Case.status == s), cap).scalar_subquery().label(s)
               for s in rules.STATUSES]
    return dict(db.session.execute(select(*columns)).one()._mapping)


def next_follow_ups(case_ids: list[int]) -> dict[int, date]:
    """The earliest not-done follow-up date of each case (one query)."""
    if not case_ids:
        return {}
    return dict(db.session.execute(select(FollowUp.case_id, func.min(FollowUp.due_on)).where(
        FollowUp.case_id.in_(case_ids), FollowUp.done_on.is_(None)).group_by(FollowUp.case_id)).all())


def owners_seen(user, q: str = "", *, limit: int = 20) -> list:
    """Up to ``limit`` of the people working the cases ``user`` may see whose name holds ``q`` (the
    list's "Worked by" box suggests them as you type): one query, never the whole list of owners."""

    seen = visible(select(Case.owner_id), user).where(Case.owner_id.is_not(None))
    stmt = select(User).where(User.id.in_(seen)).order_by(User.name, User.id).limit(limit)
    if q.strip():
        stmt = stmt.where(User.name.ilike(like_pattern(q), escape="\\"))
    return list(db.session.scalars(stmt))


def owner_name(user, owner_id: Optional[int]) -> str:
    """The name of the person a list link filters by (``?owner_id=``), if they work a case ``user`` may see."""
    if not owner_id:
        return ""
    seen = visible(select(Case.owner_id), user).where(Case.owner_id == owner_id)
    return db.session.scalar(select(User.name).where(User.id.in_(seen))) or ""


def possible_owners(branch_id: int, keep: Optional[int] = None) -> list:
    """Who may work a case of the branch: its active convenors and ULRs (and the current owner)."""

    stmt = select(User).where(User.branch_id == branch_id, User.role.in_(("branch_convenor", "learning_rep")))
    stmt = stmt.where(or_(User.active.is_(True), User.id == keep)) if keep else stmt.where(User.active.is_(True))
    return list(db.session.scalars(stmt.order_by(User.name, User.id)))


def activities_of(case: Case) -> list[Activity]:
    """The case's activities, newest first."""
    return list(db.session.scalars(select(Activity).where(Activity.case_id == case.id).order_by(
        Activity.happened_on.desc(), Activity.id.desc())))


@dataclass(frozen=True)
class FollowUpRow:
    follow_up: FollowUp
    state: str  # planned | due | overdue | done


def follow_ups_of(case: Case, today: Optional[date] = None) -> list[FollowUpRow]:
    """The case's follow-ups by due date, each with its state today."""
    today = today or date.today()
    rows = db.session.scalars(select(FollowUp).where(FollowUp.case_id == case.id).order_by(
        FollowUp.due_on, FollowUp.id)).all()
    return [FollowUpRow(f, rules.follow_up_state(f.due_on, f.done_on is not None, today)) for f in rows]


def follow_ups_due(user, today: Optional[date] = None, *, days: int = SOON_DAYS, limit: Optional[int] = None):
    """Not-done follow-ups ``user`` may see that are overdue or due within ``days`` days, earliest
    first, on open cases (or on learners), each with its state. For home pages."""
    today = today or date.today()
    open_cases = select(Case.id).where(Case.status != "closed")
    stmt = visible(select(FollowUp), user).options(selectinload(FollowUp.case), selectinload(FollowUp.learner)).where(
        FollowUp.done_on.is_(None), FollowUp.due_on <= today + timedelta(days=days),
        or_(FollowUp.case_id.in_(open_cases), FollowUp.case_id.is_(None))).order_by(FollowUp.due_on, FollowUp.id)
    if limit:
        stmt = stmt.limit(limit)
    return [FollowUpRow(f, rules.follow_up_state(f.due_on, False, today)) for f in db.session.scalars(stmt)]


def is_visible(model, ident: Optional[int], user) -> bool:
    if not ident:
        return False
    return db.session.scalar(visible(select(model.id).where(model.id == ident), user)) is not None


def can_edit(user, case: Case) -> bool:
    """Convenors (their branch) and administrators change cases, their status and move caseloads."""
    return user.role == ADMIN or (user.role == BRANCH_CONVENOR and case.branch_id == user.branch_id)


def can_work(user, case: Case) -> bool:
    """Who logs activities and follow-ups: editors, and a ULR on their own cases (owned or recorded)."""
    if can_edit(user, case):
        return True
    return user.role == LEARNING_REP and (case.owner_id == user.id
                                          or (case.owner_id is None and case.created_by_id == user.id))


def branch_reps(branch_id: int) -> list:
    """The branch's ULR appointments, for reassigning (in post first, then by name)."""

    return list(db.session.scalars(select(Rep).where(Rep.branch_id == branch_id).order_by(
        Rep.stood_down_on.is_not(None), Rep.name, Rep.id)))


def caseload_of(rep) -> tuple[list[Case], list]:
    """What a reassignment of ``rep`` would move: their caseload in the branch (domain: what is
    assigned to them, or recorded by them and nobody else's): open and waiting cases they work or
    opened with nobody working them, and learners assigned to them or recorded by them unassigned."""
    cases: list[Case] = []
    own_learners = Learner.rep_id == rep.id
    if rep.user_id is not None:
        cases = list(db.session.scalars(select(Case).where(
            or_(Case.owner_id == rep.user_id, Case.owner_id.is_(None) & (Case.created_by_id == rep.user_id)),
            Case.branch_id == rep.branch_id, Case.status != "closed").order_by(Case.id)))
        own_learners = or_(own_learners, Learner.rep_id.is_(None) & (Learner.created_by_id == rep.user_id))
    learners = list(db.session.scalars(select(Learner).where(
        own_learners, Learner.branch_id == rep.branch_id, Learner.merged_into_id.is_(None))
        .order_by(Learner.name, Learner.id)))
    return cases, learners


# --- what lower domains show of cases (core.hooks) ------------------------------------------

@hooks.provide("learner.cases")
def cases_about(learner, user) -> list[Case]:
    """The cases about a learner that ``user`` may see, newest first (on the learner's page)."""
    return list(db.session.scalars(visible(select(Case), user).where(Case.learner_id == learner.id)
                                   .order_by(Case.opened_on.desc(), Case.id.desc())))


@hooks.provide("learner.merge_movers")
def _merge_movers() -> list[tuple[int, str, type]]:
    """A learner's cases follow them when they are merged into another record."""
    return [(50, "cases", Case)]


@hooks.provide("timeoff.case_visible")
def _case_visible(case_id: Optional[int], user) -> bool:
    """Whether a refusal's dispute case is one ``user`` may see (the refusal page links it only then)."""
    return is_visible(Case, case_id, user)
