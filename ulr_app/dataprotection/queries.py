"""Read side for data protection: the scope of the register, the bank holidays, lists, reminders and
"find everything about this person" (each list limited, each through the owning domain's scope)."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

from sqlalchemy import false, func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from ..cases.models import Activity, Case
from ..core.audit_models import AuditEntry, AuditRecord
from ..core.jobs_models import Job
from ..core.permissions import (
    ADMIN,
    BRANCH_CONVENOR,
    REGIONAL_ORGANISER,
    scope_rule,
    visible,
)
from ..core.validation import like_pattern
from ..extensions import db
from ..learners.models import Learner
from ..organisation.models import Branch
from ..reps.models import Rep
from ..timeoff.models import TimeOffRequest
from . import rules
from .models import BankHoliday, SubjectAccessExport, SubjectAccessRequest

SHIPPED_CSV = "bank_holidays_england_wales.csv"
#: at most this many records of each kind on the "find everything" page
FIND_LIMIT = 50


@scope_rule(SubjectAccessRequest)
def _requests(user):
    if user.role == REGIONAL_ORGANISER:
        return SubjectAccessRequest.branch_id.in_(select(Branch.id).where(Branch.region_id == user.region_id))
    if user.role == BRANCH_CONVENOR:
        return SubjectAccessRequest.branch_id == user.branch_id
    return false()  # ULRs keep no register


def can_edit(user, sar: SubjectAccessRequest) -> bool:
    return user.role == ADMIN or (user.role == BRANCH_CONVENOR and sar.branch_id == user.branch_id)


# --- bank holidays ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def shipped_bank_holidays() -> dict[date, str]:
    """The list shipped with the product (2020 to 2030): date -> name."""
    text = resources.files("ulr_app.data").joinpath(SHIPPED_CSV).read_text(encoding="utf-8")
    return {date.fromisoformat(row["date"]): row["name"] for row in csv.DictReader(text.splitlines())}


def added_bank_holidays() -> list[BankHoliday]:
    return list(db.session.scalars(select(BankHoliday).order_by(BankHoliday.holiday_on)))


def bank_holidays() -> dict[date, str]:
    """Every bank holiday in England and Wales the due dates know: the shipped ones and the added ones."""
    out = dict(shipped_bank_holidays())
    out.update(db.session.execute(select(BankHoliday.holiday_on, BankHoliday.name)).tuples().all())
    return out


def due_on_for(sar_like: Any, holidays: Optional[dict[date, str]] = None) -> date:
    """``rules.due_on`` for a request (or anything with its three fields)."""
    return rules.due_on(sar_like.received_on, sar_like.identity_received_on, sar_like.extension_months or 0,
                        holidays if holidays is not None else bank_holidays())


# --- lists --------------------------------------------------------------------------------

def request_list(user, *, status: str = "", branch_id: Optional[int] = None, due: str = "",
                 today: Optional[date] = None):
    """The register, soonest due first; ``due`` is ``overdue`` or ``due_soon`` (open requests only)."""
    today = today or date.today()
    stmt = visible(select(SubjectAccessRequest), user).options(
        selectinload(SubjectAccessRequest.branch), selectinload(SubjectAccessRequest.learner))
    if status:
        stmt = stmt.where(SubjectAccessRequest.status == status)
    if branch_id:
        stmt = stmt.where(SubjectAccessRequest.branch_id == branch_id)
    if due == "overdue":
        stmt = stmt.where(SubjectAccessRequest.status == "open", SubjectAccessRequest.due_on < today)
    elif due == "due_soon":
        stmt = stmt.where(SubjectAccessRequest.status == "open", SubjectAccessRequest.due_on >= today,
                          SubjectAccessRequest.due_on <= today + timedelta(days=rules.DUE_SOON_DAYS))
    return stmt.order_by(SubjectAccessRequest.due_on, SubjectAccessRequest.id)


def branch_options(user) -> list[Branch]:
    """The branches whose register the user may read (for the filter)."""
    if user.role == ADMIN:
        return list(db.session.scalars(select(Branch).order_by(Branch.name)))
    return list(db.session.scalars(visible(select(Branch), user).order_by(Branch.name)))


def branch_learners(branch_id: int, user, *, also_id: Optional[int] = None) -> list[tuple[int, str]]:
    """The branch's learners the user may see, as (id, label), for the form's drop-down."""
    cond = Learner.branch_id == branch_id
    if also_id:
        cond = or_(cond, Learner.id == also_id)
    rows = db.session.execute(visible(select(Learner), user).where(cond, Learner.merged_into_id.is_(None))
                              .with_only_columns(Learner.id, Learner.name, Learner.email)
                              .order_by(Learner.name, Learner.id)).all()
    return [(i, f"{name} ({email})" if email else name) for i, name, email in rows]


def reminder_facts(today: date, *, branch_ids=None) -> list[SubjectAccessRequest]:
    """Open requests due within DUE_SOON_DAYS days or overdue (of ``branch_ids`` when given)."""
    stmt = select(SubjectAccessRequest).where(
        SubjectAccessRequest.status == "open",
        SubjectAccessRequest.due_on <= today + timedelta(days=rules.DUE_SOON_DAYS))
    if branch_ids is not None:
        stmt = stmt.where(SubjectAccessRequest.branch_id.in_(list(branch_ids)))
    return list(db.session.scalars(stmt.order_by(SubjectAccessRequest.due_on, SubjectAccessRequest.id)))


# --- find everything about a person -------------------------------------------------------

@dataclass
class Found:
    """What the search found, each list at most FIND_LIMIT long (``more``: kinds that had more)."""

    learners: list = field(default_factory=list)
    reps: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    time_off_requests: list = field(default_factory=list)
    audit_entries: list = field(default_factory=list)
    more: set = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(len(getattr(self, k)) for k in ("learners", "reps", "cases", "activities", "time_off_requests",
                                                   "audit_entries"))


def _limited(found: Found, kind: str, stmt) -> list:
    rows = list(db.session.scalars(stmt.limit(FIND_LIMIT + 1)))
    if len(rows) > FIND_LIMIT:
        found.more.add(kind)
    return rows[:FIND_LIMIT]


def find_person(user, *, name: str = "", email: str = "", learner_id: Optional[int] = None) -> Found:
    """Every record about a person the user may see: learners and ULR records matching the name or
    e-mail (part of it, any case) or the learner id; the cases about those learners or whose summary,
    details or outcome name them; the activities on those cases and learners, or whose text names
    them; time-off requests for those learners or by those ULRs, or whose reason names them; and the
    audit entries about any of these records (administrators: also any entry whose summary names
    them). Each list is limited to FIND_LIMIT, so the page costs the same whatever the data."""
    found = Found()
    name = (name or "").strip()
    email = (email or "").strip().lower()
    if not (name or email or learner_id):
        return found

    def like(column, text):
        return func.lower(column).like(like_pattern(text), escape="\\")

    learner_cond = []
    if name:
        learner_cond.append(like(Learner.name, name))
    if email:
        learner_cond.append(func.lower(Learner.email) == email)
    if learner_id:
        learner_cond.append(Learner.id == learner_id)
    found.learners = _limited(found, "learners", visible(select(Learner), user).where(or_(*learner_cond))
                              .options(selectinload(Learner.branch)).order_by(Learner.name, Learner.id))
    learner_ids = [x.id for x in found.learners]

    rep_cond = []
    if name:
        rep_cond.append(like(Rep.name, name))
    if email:
        rep_cond.append(func.lower(Rep.email) == email)
    if rep_cond:
        found.reps = _limited(found, "reps", visible(select(Rep), user).where(or_(*rep_cond))
                              .options(selectinload(Rep.branch)).order_by(Rep.name, Rep.id))
    rep_ids = [r.id for r in found.reps]

    case_cond = [Case.learner_id.in_(learner_ids)] if learner_ids else []
    if name:
        case_cond += [like(Case.summary, name), like(Case.details, name), like(Case.outcome, name)]
    if case_cond:
        found.cases = _limited(found, "cases", visible(select(Case), user).where(or_(*case_cond))
                               .order_by(Case.opened_on.desc(), Case.id.desc()))
    case_ids = [c.id for c in found.cases]

    activity_cond = []
    if case_ids:
        activity_cond.append(Activity.case_id.in_(case_ids))
    if learner_ids:
        activity_cond.append(Activity.learner_id.in_(learner_ids))
    if name:
        activity_cond.append(like(Activity.text, name))
    if activity_cond:
        found.activities = _limited(found, "activities", visible(select(Activity), user).where(or_(*activity_cond))
                                    .order_by(Activity.happened_on.desc(), Activity.id.desc()))

    request_cond = []
    if learner_ids:
        request_cond.append(TimeOffRequest.learner_id.in_(learner_ids))
    if rep_ids:
        request_cond.append(TimeOffRequest.rep_id.in_(rep_ids))
    if name:
        request_cond.append(like(TimeOffRequest.reason, name))
    if request_cond:
        found.time_off_requests = _limited(found, "time_off_requests", visible(select(TimeOffRequest), user)
                                           .where(or_(*request_cond)).options(selectinload(TimeOffRequest.rep))
                                           .order_by(TimeOffRequest.starts_at.desc(), TimeOffRequest.id.desc()))

    about = ([("learner", i) for i in learner_ids] + [("rep", i) for i in rep_ids] + [("case_record", i) for i in case_ids]
             + [("time_off_request", r.id) for r in found.time_off_requests])
    audit_cond = []
    if about:
        audit_cond.append(tuple_(AuditEntry.object_type, AuditEntry.object_id).in_(about))
        # and the entries about several records that include one of these (a read of a list's special-category
        # data, an export): who saw what of the person
        audit_cond.append(AuditEntry.id.in_(select(AuditRecord.entry_id).where(
            tuple_(AuditRecord.record_type, AuditRecord.record_id).in_(about))))
    if user.role == ADMIN and name:
        audit_cond.append(like(AuditEntry.summary, name))
    if audit_cond:
        found.audit_entries = _limited(found, "audit_entries", select(AuditEntry).where(or_(*audit_cond))
                                       .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    return found


def exports_of(sar: SubjectAccessRequest) -> list[tuple[SubjectAccessExport, Any]]:
    """The request's exports, newest first, each with its job (or None)."""
    rows = db.session.execute(select(SubjectAccessExport, Job).outerjoin(Job, Job.id == SubjectAccessExport.job_id)
                              .where(SubjectAccessExport.request_id == sar.id)
                              .order_by(SubjectAccessExport.created_at.desc(), SubjectAccessExport.id.desc())).all()
    return [(e, j) for e, j in rows]
