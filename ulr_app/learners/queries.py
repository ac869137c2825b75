"""Read side for learners: scope rules, the learner list, equality visibility, the ladder."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import selectinload

from ..core.permissions import ADMIN, BRANCH_CONVENOR, LEARNING_REP, REGIONAL_ORGANISER, scope_rule, visible
from ..extensions import db
from ..organisation.models import Branch
from ..reps.models import Rep
from . import rules
from .models import Course, Enrolment, Learner, NeedsAssessment


def learner_condition(user):
    if user.role == REGIONAL_ORGANISER:
        return Learner.branch_id.in_(select(Branch.id).where(Branch.region_id == user.region_id))
    if user.role == LEARNING_REP:
        # a ULR's caseload: learners assigned to them, or recorded by them
        return or_(Learner.rep_id.in_(select(Rep.id).where(Rep.user_id == user.id)), Learner.created_by_id == user.id)
    return Learner.branch_id == user.branch_id


@scope_rule(Learner)
def _learners(user):
    return learner_condition(user)


def _learner_ids(user):
    return select(Learner.id).where(learner_condition(user))


@scope_rule(NeedsAssessment)
def _needs_assessments(user):
    return NeedsAssessment.learner_id.in_(_learner_ids(user))


@scope_rule(Enrolment)
def _enrolments(user):
    return Enrolment.learner_id.in_(_learner_ids(user))


@scope_rule(Course)
def _courses(user):
    return true()  # the catalogue is reference data every signed-in user may read


def can_see_equality(user) -> bool:
    """Equality monitoring fields: convenors and above only (others see recorded / not recorded)."""
    return user is not None and user.role in (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)


def equality_recorded(learner: Learner) -> dict[str, bool]:
    return {f: getattr(learner, f) is not None for f in sorted(Learner.__special_category__)}


def learner_list(user, *, name: str = "", workplace_id: Optional[int] = None, rep_id: Optional[int] = None,
                 staff_category: str = "", branch_id: Optional[int] = None):
    stmt = visible(select(Learner), user).options(selectinload(Learner.workplace), selectinload(Learner.rep)) \
        .order_by(Learner.name, Learner.id)
    if name:
        stmt = stmt.where(func.lower(Learner.name).like(f"%{name.strip().lower()}%"))
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
                                   .options(selectinload(Enrolment.course))
                                   .order_by(Enrolment.started_on.is_(None), Enrolment.started_on, Enrolment.id)))


def needs_assessments_of(learner: Learner) -> list[NeedsAssessment]:
    return list(db.session.scalars(select(NeedsAssessment).where(NeedsAssessment.learner_id == learner.id)
                                   .order_by(NeedsAssessment.assessed_on, NeedsAssessment.id)))


def facts(e: Enrolment) -> rules.EnrolmentFacts:
    return rules.EnrolmentFacts(id=e.id, level=e.course.level, status=e.status, started_on=e.started_on,
                                completed_on=e.completed_on, achieved_on=e.achieved_on)


@dataclass(frozen=True)
class Ladder:
    reached: dict[str, str]
    enrolments: list[Enrolment]
    next_steps: list[str]
    progressions: list[tuple[int, int]]


def ladder(learner: Learner) -> Ladder:
    """Levels reached per subject (from outcomes), every enrolment, and the suggested next steps."""
    enrolments = enrolments_of(learner)
    outcomes = [(e.course.subject, e.course.level) for e in enrolments
                if rules.outcome_on(e.status, e.completed_on, e.achieved_on) is not None]
    reached = rules.highest_by_subject(outcomes)
    return Ladder(reached=reached, enrolments=enrolments, next_steps=rules.next_steps(reached),
                  progressions=rules.progressions(facts(e) for e in enrolments))
