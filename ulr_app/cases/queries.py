"""Read side for cases, activities and follow-ups: the scope rules and lookups."""
from __future__ import annotations

from sqlalchemy import or_, select

from ..core.permissions import LEARNING_REP, REGIONAL_ORGANISER, scope_rule
from ..learners.queries import learner_condition
from ..learners.models import Learner
from ..organisation.models import Branch
from .models import Activity, Case, FollowUp


def case_condition(user):
    if user.role == REGIONAL_ORGANISER:
        return Case.branch_id.in_(select(Branch.id).where(Branch.region_id == user.region_id))
    if user.role == LEARNING_REP:
        # a ULR's own cases: those they work, or recorded
        return or_(Case.owner_id == user.id, Case.created_by_id == user.id)
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
    return or_(FollowUp.case_id.in_(_case_ids(user)), FollowUp.learner_id.in_(_learner_ids(user)))
