"""Read side for the organisation: scope rules and the lists behind the pages and the API."""
from __future__ import annotations

from typing import Any, Callable, Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from flask_login import current_user

from ..core.errors import NotAllowed, ValidationFailed
from ..core.permissions import BRANCH_CONVENOR, LEARNING_REP, REGIONAL_ORGANISER, scope_rule, visible
from ..core.validation import like_pattern
from ..extensions import db
from .models import Branch, Employer, Region, Workplace, branch_employer


def region_branch_ids(region_id: Optional[int]) -> list[int]:
    """The ids of the region's branches, read once per request (or app context) and then remembered.

    Scopes written as ``branch_id IN (<these ids>)`` instead of ``IN (SELECT id FROM branch WHERE
    region_id = ?)``: PostgreSQL can estimate a list of constants, and then ANDs a name search's trigram
    matches with the region's branches once; with the subquery it probed the trigram index once per branch
    (28 times for a national region, 17 ms) or walked the whole name index (28 ms) (issue 13)."""
    from flask import g

    known = g.setdefault("region_branch_ids", {})
    if region_id not in known:
        known[region_id] = list(db.session.scalars(select(Branch.id).where(Branch.region_id == region_id)
                                                   .order_by(Branch.id)))
    return known[region_id]


def _branch_employer_ids(user):
    return select(branch_employer.c.employer_id).where(branch_employer.c.branch_id == user.branch_id)


@scope_rule(Region)
def _regions(user):
    return Region.id == user.region_id


@scope_rule(Branch)
def _branches(user):
    if user.role == REGIONAL_ORGANISER:
        return Branch.region_id == user.region_id
    return Branch.id == user.branch_id


@scope_rule(Employer)
def _employers(user):
    if user.role == REGIONAL_ORGANISER:
        return Employer.region_id == user.region_id
    return Employer.id.in_(_branch_employer_ids(user))


@scope_rule(Workplace)
def _workplaces(user):
    if user.role == REGIONAL_ORGANISER:
        return Workplace.employer_id.in_(select(Employer.id).where(Employer.region_id == user.region_id))
    return Workplace.employer_id.in_(_branch_employer_ids(user))


def regions(user, q: str = ""):
    stmt = visible(select(Region), user).order_by(Region.name)
    if q:
        stmt = stmt.where(func.lower(Region.name).like(like_pattern(q), escape="\\"))
    return stmt


def branches(user, q: str = "", region_id: Optional[int] = None):
    stmt = visible(select(Branch), user).options(selectinload(Branch.region)).order_by(Branch.name)
    if q:
        stmt = stmt.where(func.lower(Branch.name).like(like_pattern(q), escape="\\"))
    if region_id:
        stmt = stmt.where(Branch.region_id == region_id)
    return stmt


def employers(user, q: str = "", kind: str = "", region_id: Optional[int] = None, branch_id: Optional[int] = None):
    stmt = visible(select(Employer), user).order_by(Employer.name)
    if q:
        stmt = stmt.where(or_(func.lower(Employer.name).like(like_pattern(q), escape="\\"), Employer.la_code == q.strip()))
    if kind:
        stmt = stmt.where(Employer.kind == kind)
    if region_id:
        stmt = stmt.where(Employer.region_id == region_id)
    if branch_id:
        stmt = stmt.where(Employer.id.in_(
            select(branch_employer.c.employer_id).where(branch_employer.c.branch_id == branch_id)))
    return stmt


def workplaces(user, q: str = "", kind: str = "", employer_id: Optional[int] = None, phase: str = ""):
    stmt = visible(select(Workplace), user).order_by(Workplace.name)
    if q:
        term = q.strip()
        pattern = like_pattern(term)
        cond = [func.lower(Workplace.name).like(pattern, escape="\\"),
                func.lower(Workplace.postcode).like(pattern, escape="\\")]
        if term.isdigit():
            cond.append(Workplace.urn == int(term))
        stmt = stmt.where(or_(*cond))
    if kind:
        stmt = stmt.where(Workplace.kind == kind)
    if employer_id:
        stmt = stmt.where(Workplace.employer_id == employer_id)
    if phase:
        stmt = stmt.where(Workplace.phase == phase)
    return stmt


def counts_by_employer(employer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Workplace counts by kind for several employers in one query."""
    out: dict[int, dict[str, int]] = {}
    if not employer_ids:
        return out
    rows = db.session.execute(
        select(Workplace.employer_id, Workplace.kind, func.count())
        .where(Workplace.employer_id.in_(employer_ids))
        .group_by(Workplace.employer_id, Workplace.kind)
    )
    for employer_id, kind, n in rows:
        out.setdefault(employer_id, {})[kind] = n
    return out


def region_summary(region_id: int) -> dict[str, int]:
    return {
        "branches": db.session.scalar(select(func.count()).select_from(Branch).where(Branch.region_id == region_id)) or 0,
        "employers": db.session.scalar(select(func.count()).select_from(Employer).where(Employer.region_id == region_id)) or 0,
    }


def editable_employer_ids(user):
    """Employers whose records this user may change (admins: all; convenors: their branch's)."""
    if user.role == "admin":
        return None
    if user.role == BRANCH_CONVENOR:
        return set(db.session.scalars(_branch_employer_ids(user)))
    return set()


def can_edit_employer(user, employer: Employer) -> bool:
    allowed = editable_employer_ids(user)
    return allowed is None or employer.id in allowed


def branch_for_new_record(branch_id: Optional[int], *, problem: str, what: str, only_own: str,
                          own: Optional[Callable[[], Any]] = None, fallback: Optional[Callable[[], Any]] = None,
                          choose: str = "Choose the branch") -> Any:
    """The branch a record created through the API belongs to.

    A branch member (convenor, or a ULR where the route lets them) uses their own branch (``own()``
    if given, else their user's), and may name no other (422 ``only_own``); without one, 403
    "cannot ``what``". Anyone else (administrators) names it with ``branch_id``, or lets
    ``fallback()`` work it out from what the record is about; else 422 ``choose``."""
    user = current_user._get_current_object()
    if user.role in (BRANCH_CONVENOR, LEARNING_REP):
        branch = own() if own is not None else user.branch
        if branch is None:
            raise NotAllowed(f"You do not belong to a branch, so you cannot {what}.")
        if branch_id not in (None, branch.id):
            raise ValidationFailed(problem, {"branch_id": [only_own]})
        return branch
    if branch_id is None and fallback is not None:
        found = fallback()
        if found is not None:
            return found
    branch = db.session.get(Branch, branch_id) if branch_id is not None else None
    if branch is None:
        raise ValidationFailed(problem, {"branch_id": [choose if branch_id is None
                                                       else f"There is no branch with id {branch_id}"]})
    return branch
