"""Read side for ULR appointments: scope rule, lists, and the computed state of each ULR."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    LEARNING_REP,
    REGIONAL_ORGANISER,
    scope_rule,
    visible,
)
from ..core.dates import add_months
from ..core.validation import like_pattern
from ..extensions import db
from ..organisation.models import Branch, Employer, Workplace, branch_employer
from . import rules
from .models import Rep


@scope_rule(Rep)
def _reps(user):
    if user.role == REGIONAL_ORGANISER:
        return Rep.branch_id.in_(select(Branch.id).where(Branch.region_id == user.region_id))
    if user.role == LEARNING_REP:
        return Rep.user_id == user.id  # a ULR sees their own appointment(s)
    return Rep.branch_id == user.branch_id


def can_edit(user, rep: Rep) -> bool:
    return user.role == ADMIN or (user.role == BRANCH_CONVENOR and rep.branch_id == user.branch_id)


def facts(rep: Rep) -> rules.RepFacts:
    return rules.RepFacts(appointed_on=rep.appointed_on, notice_given_on=rep.notice_given_on,
                          training_route=rep.training_route, will_train_notice_on=rep.will_train_notice_on,
                          trained_on=rep.trained_on, training_completion_notified_on=rep.training_completion_notified_on,
                          stood_down_on=rep.stood_down_on)


@dataclass(frozen=True)
class RepState:
    status: str
    eligible_for_paid_time_off: bool
    training_deadline: Optional[date]
    school_based: bool
    training_warning: bool
    days_left: Optional[int]

    @property
    def status_label(self) -> str:
        return rules.STATUSES[self.status]


def state(rep: Rep, today: Optional[date] = None) -> RepState:
    today = today or date.today()
    f = facts(rep)
    return RepState(status=rules.status(f, today), eligible_for_paid_time_off=rules.eligible_for_paid_time_off(f, today),
                    training_deadline=rules.deadline_for(f, today),
                    school_based=rules.school_based(rep.workplace.kind if rep.workplace else None),
                    training_warning=rules.training_warning(f, today), days_left=rules.days_left(f, today))


def rep_list(user, *, q: str = "", branch_id: Optional[int] = None, employer_id: Optional[int] = None,
             workplace_kind: str = ""):
    stmt = visible(select(Rep), user).options(selectinload(Rep.workplace), selectinload(Rep.employer),
                                              selectinload(Rep.branch)).order_by(Rep.name, Rep.id)
    if q:
        like = like_pattern(q)
        stmt = stmt.where(or_(func.lower(Rep.name).like(like, escape="\\"), func.lower(Rep.email).like(like, escape="\\")))
    if branch_id:
        stmt = stmt.where(Rep.branch_id == branch_id)
    if employer_id:
        stmt = stmt.where(Rep.employer_id == employer_id)
    if workplace_kind:
        stmt = stmt.where(Rep.workplace_id.in_(select(Workplace.id).where(Workplace.kind == workplace_kind)))
    return stmt


def with_status(reps, status: str = "", today: Optional[date] = None):
    """Filter loaded reps by their computed status (status depends on today, so it is not a column)."""
    today = today or date.today()
    rows = [(r, state(r, today)) for r in reps]
    return [(r, s) for r, s in rows if not status or s.status == status]


def eligible(rep: Optional[Rep], today: Optional[date] = None) -> Optional[bool]:
    return None if rep is None else state(rep, today).eligible_for_paid_time_off


def in_post(today: Optional[date] = None):
    """SQL condition: an appointment not stood down (stood_down_on empty, or still to come)."""
    return or_(Rep.stood_down_on.is_(None), Rep.stood_down_on > (today or date.today()))


def current_rep_ids(user, today: Optional[date] = None):
    """A SELECT of the ids of the ULR's appointments in post: their caseload is the learners assigned to
    these (issue 14 item 5: access ends when the role ends)."""
    return select(Rep.id).where(Rep.user_id == user.id, in_post(today))


def ulr_not_stood_down(user, today: Optional[date] = None):
    """SQL condition: the ULR ``user`` still holds a role: an appointment in post, or none yet (a login
    made before the appointment is recorded). False once every appointment of theirs is stood down: what
    they recorded and left unassigned, and the cases they work, are then no longer theirs to see."""
    return or_(exists(current_rep_ids(user, today)), ~exists(select(Rep.id).where(Rep.user_id == user.id)))


def reps_for_user(user):
    """The appointments of a signed-in ULR in post (to request time off as themselves)."""
    return db.session.scalars(select(Rep).where(Rep.user_id == user.id, in_post())).all()


def training_reminder_facts(today: date, *, branch_ids=None):
    """(rep, deadline) of every ULR in training (of ``branch_ids`` when given) whose deadline is within a
    month, for reminders."""
    # the employer each reminder names, joined: not one query per employer (nor statements that come and go
    # with the data: issue 13)
    # only notices whose six months can end within the month ahead (a superset: add_months clamps by a few
    # days; the rule below decides), not every ULR ever in training (issue 13)
    earliest = add_months(today, -rules.TRAINING_MONTHS) - timedelta(days=7)
    stmt = select(Rep).options(joinedload(Rep.employer)).where(
        Rep.training_route == "will_train", Rep.will_train_notice_on.is_not(None), Rep.stood_down_on.is_(None),
        Rep.will_train_notice_on >= earliest, Rep.will_train_notice_on <= today)
    if branch_ids is not None:
        stmt = stmt.where(Rep.branch_id.in_(list(branch_ids)))
    reps = db.session.scalars(stmt).all()
    return [(r, rules.deadline_for(facts(r), today)) for r in reps if rules.training_warning(facts(r), today)]




# --- for the pages: filter options and form choices -----------------------------------------

def list_filter_options(user):
    """The branches and employers to offer as filters: those with ULRs the user can see."""

    seen = visible(select(Rep.branch_id, Rep.employer_id), user).subquery()
    branches = db.session.scalars(select(Branch).where(Branch.id.in_(select(seen.c.branch_id))).order_by(Branch.name)).all()
    employers = db.session.scalars(select(Employer).where(Employer.id.in_(select(seen.c.employer_id)))
                                   .order_by(Employer.name)).all()
    return list(branches), list(employers)


def branch_employers(branch_id: int):
    """The employers a branch deals with (a ULR is appointed to one of them)."""

    return db.session.scalars(select(Employer).where(Employer.id.in_(
        select(branch_employer.c.employer_id).where(branch_employer.c.branch_id == branch_id))).order_by(Employer.name)).all()


def workplaces_of(employer_ids):
    ids = [i for i in employer_ids if i]
    if not ids:
        return []
    return db.session.scalars(select(Workplace).where(Workplace.employer_id.in_(ids))
                              .order_by(Workplace.name, Workplace.id)).all()


def branch_ulr_logins(branch_id: int, also_id: Optional[int] = None):
    """Logins of a branch with the ULR role (and the one already linked, whatever it is now)."""

    cond = (User.branch_id == branch_id) & (User.role == LEARNING_REP)
    if also_id:
        cond = cond | (User.id == also_id)
    return db.session.scalars(select(User).where(cond).order_by(User.name, User.id)).all()
