"""Read side for agreements: scope rule, lists with the schools-scope counts, coverage, reminders."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..core.permissions import ADMIN, BRANCH_CONVENOR, REGIONAL_ORGANISER, scope_rule, visible
from ..core.validation import like_pattern
from ..extensions import db
from ..organisation.models import Branch, Employer, Workplace
from . import rules
from .models import SCHOOLS_SCOPES, Agreement, AgreementSchool


@scope_rule(Agreement)
def _agreements(user):
    if user.role == REGIONAL_ORGANISER:
        return Agreement.branch_id.in_(select(Branch.id).where(Branch.region_id == user.region_id))
    return Agreement.branch_id == user.branch_id


def can_edit(user, agreement: Agreement) -> bool:
    """Convenors edit their own branch's agreements; administrators any. Others read."""
    return user.role == ADMIN or (user.role == BRANCH_CONVENOR and agreement.branch_id == user.branch_id)


def can_create(user) -> bool:
    return user.role in (ADMIN, BRANCH_CONVENOR)


def _filtered(user, *, q: str = "", branch_id: Optional[int] = None, employer_id: Optional[int] = None,
              status: str = "", schools_scope: str = "", employer: str = ""):
    stmt = visible(select(Agreement), user)
    if employer:  # typed words: part of the employer's name
        stmt = stmt.where(Agreement.employer_id.in_(
            select(Employer.id).where(func.lower(Employer.name).like(like_pattern(employer), escape="\\"))))
    if q:
        like = like_pattern(q)
        stmt = stmt.where(or_(func.lower(Agreement.title).like(like, escape="\\"),
                              Agreement.employer_id.in_(select(Employer.id).where(func.lower(Employer.name).like(like, escape="\\")))))
    if branch_id:
        stmt = stmt.where(Agreement.branch_id == branch_id)
    if employer_id:
        stmt = stmt.where(Agreement.employer_id == employer_id)
    if status:
        stmt = stmt.where(Agreement.status == status)
    if schools_scope:
        stmt = stmt.where(Agreement.schools_scope == schools_scope)
    return stmt


def agreement_list(user, **filters):
    return (_filtered(user, **filters)
            .options(selectinload(Agreement.employer), selectinload(Agreement.branch))
            .order_by(Agreement.updated_at.desc(), Agreement.id.desc()))


def schools_scope_counts(user, **filters) -> dict[str, int]:
    """How many of the listed agreements include, exclude or are silent on schools (the study's three numbers).

    Counted over every other filter but the schools scope itself, in one aggregate query."""
    filters = {k: v for k, v in filters.items() if k != "schools_scope"}
    sub = _filtered(user, **filters).with_only_columns(Agreement.schools_scope).subquery()
    rows = db.session.execute(select(sub.c.schools_scope, func.count()).group_by(sub.c.schools_scope)).all()
    counts = {scope: 0 for scope in SCHOOLS_SCOPES}
    counts.update({scope: n for scope, n in rows})
    return counts


def coverage(agreement: Agreement) -> list[tuple[Workplace, rules.Coverage]]:
    """Each of the employer's schools with whether the agreement covers it and why."""
    named = {s.workplace_id: s.inclusion for s in db.session.scalars(
        select(AgreementSchool).where(AgreementSchool.agreement_id == agreement.id))}
    schools = db.session.scalars(select(Workplace).where(Workplace.employer_id == agreement.employer_id,
                                                          Workplace.kind == "school").order_by(Workplace.name)).all()
    # schools of other employers can be named in (e.g. a VA school under its governing body)
    extra_ids = set(named) - {s.id for s in schools}
    if extra_ids:
        schools = list(schools) + list(db.session.scalars(select(Workplace).where(Workplace.id.in_(extra_ids)).order_by(Workplace.name)))
    council = agreement.employer.kind == "local_authority"
    return [(s, rules.school_coverage(schools_scope=agreement.schools_scope, employer_is_council=council,
                                      establishment_type=s.establishment_type, named=named.get(s.id))) for s in schools]


def coverage_bucket(c: rules.Coverage) -> str:
    """Which count of a coverage summary a school's coverage goes in."""
    return "covered" if c.covered else "unclear" if c.covered is None else "not_covered"


def coverage_summary(rows) -> dict[str, int]:
    out = {"covered": 0, "not_covered": 0, "unclear": 0}
    for _school, c in rows:
        out[coverage_bucket(c)] += 1
    return out


def reminder_facts(user=None, *, branch_ids=None) -> list[rules.AgreementFacts]:
    """The facts the reminder rules read, of the agreements that can have reminders, with each one's branch
    and kind (the reminders name them) from the same statement."""
    stmt = select(Agreement.id, Agreement.title, Agreement.status, Agreement.review_due_on, Agreement.last_activity_at,
                  Agreement.branch_id, Agreement.kind)
    if user is not None:
        stmt = stmt.where(Agreement.id.in_(visible(select(Agreement.id), user)))
    if branch_ids is not None:
        stmt = stmt.where(Agreement.branch_id.in_(list(branch_ids)))
    stmt = stmt.where(Agreement.status.in_(("draft", "signed", "under_review")))
    return [rules.AgreementFacts(i, t, s, r, la.date(), branch_id, kind)
            for i, t, s, r, la, branch_id, kind in db.session.execute(stmt)]


def reminders_for(user, today: date) -> list[rules.Reminder]:
    return rules.reminders(reminder_facts(user), today)


def employers_for_new_agreement(user):
    """Employers a user may make an agreement with: their branch's (convenor) or all (admin)."""
    stmt = visible(select(Employer), user).order_by(Employer.name)
    return db.session.scalars(stmt).all()


def schools_of(employer_id: int):
    return db.session.scalars(select(Workplace).where(Workplace.employer_id == employer_id, Workplace.kind == "school")
                              .order_by(Workplace.name)).all()


def list_filter_options(user) -> list[Branch]:
    """The branches to offer as a filter on the list: those with agreements the user can see (a region's
    few dozen; the employer is a typed box that suggests names from /employers/search.json, not a list
    of every employer with an agreement)."""
    seen = visible(select(Agreement.branch_id), user)
    branches = db.session.scalars(select(Branch).where(Branch.id.in_(seen)).order_by(Branch.name)).all()
    return list(branches)


def employer_name(user, employer_id: Optional[int]) -> str:
    """The name of the employer a list link filters by (``?employer_id=``), if the user can see it."""
    if not employer_id:
        return ""
    return db.session.scalar(visible(select(Employer.name), user).where(Employer.id == employer_id)) or ""
