"""Read side for funding: who sees which projects and programmes, the lists, a project's quarters,
profile (targets), spend and re-profiles."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import false, func, select, true
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core.periods import Period
from ..core.permissions import ADMIN, BRANCH_CONVENOR, REGIONAL_ORGANISER, scope_rule, visible
from ..core.validation import like_pattern
from ..extensions import db
from ..organisation.models import Branch
from . import rules
from .models import MEASURES, ProfileChange, Programme, Project, ProjectSpend, ProjectTarget

#: who reads programmes and projects (ULRs see none)
READERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)
#: who creates and changes projects (organisers in their own region)
EDITORS = (ADMIN, REGIONAL_ORGANISER)


def project_condition(user) -> Any:
    if user.role == REGIONAL_ORGANISER:
        return Project.region_id == user.region_id
    if user.role == BRANCH_CONVENOR:
        # their branch's projects, and the region-wide ones that cover their branch too (so they can link
        # their learners' enrolments to them); the figures they see stay within their branch
        if not user.branch_id:
            return false()
        region_of_branch = select(Branch.region_id).where(Branch.id == user.branch_id).scalar_subquery()
        return (Project.branch_id == user.branch_id) | (Project.branch_id.is_(None) & (Project.region_id == region_of_branch))
    return false()


@scope_rule(Project)
def _projects(user):
    return project_condition(user)


@scope_rule(Programme)
def _programmes(user):
    return true() if user.role in READERS else false()


def _visible_project_ids(user):
    return select(Project.id).where(project_condition(user))


@scope_rule(ProjectTarget)
def _targets(user):
    return ProjectTarget.project_id.in_(_visible_project_ids(user))


@scope_rule(ProjectSpend)
def _spend(user):
    return ProjectSpend.project_id.in_(_visible_project_ids(user))


@scope_rule(ProfileChange)
def _changes(user):
    return ProfileChange.project_id.in_(_visible_project_ids(user))


def project_visible(user, project: Project) -> bool:
    """Whether ``user`` may see ``project`` (the same rule as every list)."""
    if user is None or not getattr(user, "is_authenticated", False) or project is None:
        return False
    if user.role == ADMIN:
        return True
    if user.role == REGIONAL_ORGANISER:
        return project.region_id == user.region_id
    if user.role == BRANCH_CONVENOR:
        if user.branch_id is None:
            return False
        if project.branch_id is not None:
            return project.branch_id == user.branch_id
        return db.session.scalar(select(Branch.region_id).where(Branch.id == user.branch_id)) == project.region_id
    return False


def can_edit_project(user, project: Optional[Project] = None) -> bool:
    """Organisers of the project's region, and administrators (without a project: may they add one?)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == ADMIN:
        return True
    if user.role != REGIONAL_ORGANISER or user.region_id is None:
        return False
    return project is None or project.region_id == user.region_id


def project_quarters(project: Project) -> list[Period]:
    """The financial-year quarters the project runs through, first to last."""
    return rules.quarters_between(project.starts_on, project.ends_on)


def measures_of(project: Project) -> list[str]:
    """The programme's measures, in the order of MEASURES (known codes only)."""
    own = list(project.programme.measures or [])
    return [m for m in MEASURES if m in own]


def targets_of(project: Project) -> dict[tuple[str, str], int]:
    """(period code, measure) -> target."""
    rows = db.session.execute(select(ProjectTarget.period, ProjectTarget.measure, ProjectTarget.target)
                              .where(ProjectTarget.project_id == project.id))
    return {(p, m): t for p, m, t in rows}


def spend_of(project: Project) -> dict[str, ProjectSpend]:
    """period code -> the spend row (budget profile and actual)."""
    rows = db.session.scalars(select(ProjectSpend).where(ProjectSpend.project_id == project.id))
    return {r.period: r for r in rows}


def profile_changes_of(project: Project) -> list[ProfileChange]:
    """The re-profiles, newest first."""
    return list(db.session.scalars(select(ProfileChange).where(ProfileChange.project_id == project.id)
                                   .order_by(ProfileChange.changed_at.desc(), ProfileChange.id.desc())))


def project_list(user, *, name: str = "", programme_id: Optional[int] = None, branch_id: Optional[int] = None,
                 region_id: Optional[int] = None):
    stmt = visible(select(Project), user).options(selectinload(Project.programme), selectinload(Project.branch),
                                                  selectinload(Project.region)) \
        .order_by(Project.starts_on.desc(), Project.name, Project.id)
    if name:
        stmt = stmt.where(func.lower(Project.name).like(like_pattern(name), escape="\\"))
    if programme_id:
        stmt = stmt.where(Project.programme_id == programme_id)
    if branch_id:
        stmt = stmt.where(Project.branch_id == branch_id)
    if region_id:
        stmt = stmt.where(Project.region_id == region_id)
    return stmt


def programme_list(*, active_only: bool = False):
    stmt = select(Programme).order_by(Programme.built_in.desc(), Programme.name, Programme.id)
    if active_only:
        stmt = stmt.where(Programme.active.is_(True))
    return stmt


def programmes_for_choice(keep: Optional[int] = None) -> list[Programme]:
    """Active programmes (and ``keep``, the project's own, even if no longer active)."""
    stmt = select(Programme).where((Programme.active.is_(True)) | (Programme.id == (keep or 0))) \
        .order_by(Programme.name, Programme.id)
    return list(db.session.scalars(stmt))


def branches_for(user, region_id: Optional[int] = None) -> list[Branch]:
    """The branches a project may be limited to: those of the user's region (administrators: every
    branch, or those of ``region_id``)."""
    stmt = visible(select(Branch), user).options(selectinload(Branch.region)).order_by(Branch.name, Branch.id)
    if user.role == REGIONAL_ORGANISER:
        stmt = select(Branch).where(Branch.region_id == user.region_id).order_by(Branch.name, Branch.id)
    if region_id:
        stmt = stmt.where(Branch.region_id == region_id)
    return list(db.session.scalars(stmt))


def organisers_of(region_id: Optional[int]) -> list[User]:
    """The active regional organisers of a region (a project's possible leads)."""
    stmt = select(User).where(User.role == REGIONAL_ORGANISER, User.active.is_(True)).order_by(User.name, User.id)
    if region_id:
        stmt = stmt.where(User.region_id == region_id)
    return list(db.session.scalars(stmt))


def projects_for_learner(learner, user) -> list[Project]:
    """The projects an enrolment of ``learner`` may be linked to: visible to ``user``, covering the
    learner's branch (that branch, or its whole region)."""
    branch = db.session.get(Branch, learner.branch_id)
    if branch is None:
        return []
    stmt = visible(select(Project), user).where(
        (Project.branch_id == branch.id) | ((Project.branch_id.is_(None)) & (Project.region_id == branch.region_id))
    ).order_by(Project.name, Project.id)
    return list(db.session.scalars(stmt))
