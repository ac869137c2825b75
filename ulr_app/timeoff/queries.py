"""Read side for time-off requests: scope, lists, computed notice and deadlines, facility time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..agreements import rules as agreement_rules
from ..agreements.models import Agreement
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
from ..core.validation import UK, like_pattern
from ..extensions import db
from ..organisation.models import Branch, Workplace
from ..reps import queries as rep_queries
from ..reps.models import Rep
from . import rules
from .models import TimeOffRequest


@scope_rule(TimeOffRequest)
def _requests(user):
    if user.role == REGIONAL_ORGANISER:
        return TimeOffRequest.branch_id.in_(select(Branch.id).where(Branch.region_id == user.region_id))
    if user.role == LEARNING_REP:
        # a ULR's own requests: as the ULR (their own time off stays theirs), or ones they recorded while they
        # hold the role; neither about a learner they no longer see (handed over: issue 14 item 5)
        # in_subquery: an index condition on rep_id on PostgreSQL (core/query_shapes.py)
        own = or_(in_subquery(TimeOffRequest.rep_id, select(Rep.id).where(Rep.user_id == user.id)),
                  (TimeOffRequest.created_by_id == user.id) & rep_queries.ulr_not_stood_down(user))
        learners = hooks.first("timeoff.visible_learner_ids", user)
        if learners is None:
            return own & TimeOffRequest.learner_id.is_(None)
        return own & (TimeOffRequest.learner_id.is_(None) | TimeOffRequest.learner_id.in_(learners))
    return TimeOffRequest.branch_id == user.branch_id


def can_record_decision(user, request: TimeOffRequest) -> bool:
    """Convenors record employers' decisions for their branch (admins anywhere)."""
    return user.role == ADMIN or (user.role == BRANCH_CONVENOR and request.branch_id == user.branch_id)


def can_edit(user, request: TimeOffRequest) -> bool:
    """Before a decision: the convenor, or the ULR who made it. After: convenor/admin only."""
    if can_record_decision(user, request):
        return True
    return (user.role == LEARNING_REP and request.status in ("draft", "submitted")
            and (request.created_by_id == user.id or (request.rep is not None and request.rep.user_id == user.id)))


def settings() -> dict:
    c = current_app.config
    return {"default_days": c["TIME_OFF_NOTICE_DAYS"], "training_days": c["TRAINING_NOTICE_DAYS"],
            "commencement_on": c["ERA_2025_COMMENCEMENT"]}


@dataclass(frozen=True)
class RequestState:
    notice_days: int | None
    notice_ok: bool | None
    deadline: rules.Deadline | None
    warnings: list[str]

    @property
    def tribunal_deadline(self) -> date | None:
        return self.deadline.last_day if self.deadline else None


def state(request: TimeOffRequest, *, agreement_member_access_paid: bool | None = None,
          today: date | None = None) -> RequestState:
    s = settings()
    starts = request.starts_at.astimezone(UK).date() if request.starts_at else None  # the UK calendar day
    days = rules.notice_days(request.requested_on, starts)
    refused = request.status in rules.REFUSALS
    deadline = rules.tribunal_deadline(kind=request.kind, failure_on=request.decided_on if refused else None,
                                       commencement_on=s["commencement_on"], ec_started_on=request.acas_ec_started_on,
                                       ec_certificate_on=request.acas_ec_certificate_on)
    warnings = rules.warnings(kind=request.kind, days=days, default_days=s["default_days"], training_days=s["training_days"],
                              rep_eligible=rep_queries.eligible(request.rep, today) if request.rep else None,
                              paid_expected=request.paid_requested, agreement_member_access_paid=agreement_member_access_paid)
    return RequestState(days, rules.notice_ok(request.kind, days, default_days=s["default_days"],
                                              training_days=s["training_days"]), deadline, warnings)


def request_list(user, *, kind: str = "", status: str = "", branch_id: int | None = None,
                 employer_id: int | None = None, workplace_kind: str = "", rep_id: int | None = None,
                 workplace_id: int | None = None, rep: str = ""):
    """The requests the user can see, latest start first. ``rep`` is typed words: part of the ULR's name (a
    ``lower(name) LIKE '%words%'`` the trigram index serves on PostgreSQL)."""
    # each request's ULR and workplace joined (many-to-one) in the page's own statement, not two more (issue 13)
    starts_at = TimeOffRequest.starts_at
    if user.role == LEARNING_REP:
        # a ULR's requests are few (102 for the busiest of the national set): sorted, not found by walking the
        # country's list-order index backwards past 13,000 others (13 ms); coalesce(x, x) is x, in another
        # order than the index's (issue 13)
        starts_at = func.coalesce(TimeOffRequest.starts_at, TimeOffRequest.starts_at)
    stmt = visible(select(TimeOffRequest), user).options(
        joinedload(TimeOffRequest.rep), joinedload(TimeOffRequest.workplace)).order_by(
        starts_at.desc(), TimeOffRequest.id.desc())
    if kind:
        stmt = stmt.where(TimeOffRequest.kind == kind)
    if status:
        stmt = stmt.where(TimeOffRequest.status == status)
    if branch_id:
        stmt = stmt.where(TimeOffRequest.branch_id == branch_id)
    if rep_id:
        stmt = stmt.where(TimeOffRequest.rep_id == rep_id)
    if rep:
        stmt = stmt.where(TimeOffRequest.rep_id.in_(
            select(Rep.id).where(func.lower(Rep.name).like(like_pattern(rep), escape="\\"))))
    if workplace_id:
        stmt = stmt.where(TimeOffRequest.workplace_id == workplace_id)
    if employer_id or workplace_kind:
        w = select(Workplace.id)
        if employer_id:
            w = w.where(Workplace.employer_id == employer_id)
        if workplace_kind:
            w = w.where(Workplace.kind == workplace_kind)
        stmt = stmt.where(TimeOffRequest.workplace_id.in_(w))
    return stmt


#: no tribunal deadline without Acas early conciliation is further than this after the refusal (6 months)
MAX_DEADLINE_DAYS = 186


def deadline_may_be_ahead(today: date):
    """SQL condition: a refusal whose tribunal deadline may still be on or after ``today``: refused at most
    :data:`MAX_DEADLINE_DAYS` ago, or with Acas early conciliation (which stops the clock). The rule
    (``state``) decides; this keeps the rows read few whatever the age of the records."""
    return or_(TimeOffRequest.decided_on >= today - timedelta(days=MAX_DEADLINE_DAYS),
               TimeOffRequest.acas_ec_started_on.is_not(None))


def _open_refusal_conditions(today: date) -> tuple:
    """Refusals of statutory kinds, decided, with no tribunal claim yet, whose deadline may be ahead."""
    return (TimeOffRequest.status.in_(tuple(rules.REFUSALS)), TimeOffRequest.kind.in_(tuple(rules.STATUTORY_KINDS)),
            TimeOffRequest.tribunal_claim_on.is_(None), TimeOffRequest.decided_on.is_not(None),
            deadline_may_be_ahead(today))


def refusal_deadlines(stmt, today: date) -> list[tuple[date, int]]:
    """(tribunal deadline, request id) of the open refusals ``stmt`` (a select of TimeOffRequest.id, possibly
    narrowed) finds whose deadline is today or later, nearest first. Reads five columns of each, never the
    records: the deadline is worked out in Python (rules.tribunal_last_day), where the rule lives."""
    commencement_on = settings()["commencement_on"]
    rows = db.session.execute(stmt.add_columns(
        TimeOffRequest.kind, TimeOffRequest.decided_on, TimeOffRequest.acas_ec_started_on,
        TimeOffRequest.acas_ec_certificate_on).where(*_open_refusal_conditions(today))).all()
    out = []
    for ident, kind, decided_on, ec_started_on, ec_certificate_on in rows:
        last = rules.tribunal_last_day(kind=kind, failure_on=decided_on, commencement_on=commencement_on,
                                       ec_started_on=ec_started_on, ec_certificate_on=ec_certificate_on)
        if last is not None and last >= today:
            out.append((last, ident))
    return sorted(out)


def requests_by_id(ids) -> list[TimeOffRequest]:
    """The requests of ``ids`` by id, with their ULR, the ULR's workplace and their own workplace loaded
    (``state`` and the lists read them): no query per request."""
    # joined (many-to-one each): one statement, where selectin sent three more (a home page loads two such
    # lists: six statements fewer; issue 13)
    return list(db.session.scalars(select(TimeOffRequest).options(
        joinedload(TimeOffRequest.rep).joinedload(Rep.workplace), joinedload(TimeOffRequest.workplace))
        .where(TimeOffRequest.id.in_(list(ids))).order_by(TimeOffRequest.id)))


def open_refusal_deadlines(user, today: date | None = None) -> list[tuple[date, int]]:
    """(tribunal deadline, request id) of every open refusal the user may see, nearest deadline first: enough
    to count them and to pick the ones a page shows."""
    return refusal_deadlines(visible(select(TimeOffRequest.id), user), today or date.today())


def open_refusals(user, today: date | None = None, *, limit: int | None = None,
                  deadlines: list[tuple[date, int]] | None = None) -> list[tuple[TimeOffRequest, RequestState]]:
    """Refusals of statutory kinds with no tribunal claim yet, nearest deadline first (the first ``limit``
    only, when given: only those are loaded). ``deadlines``: :func:`open_refusal_deadlines` already worked
    out for this user and day (a page that counts them too need not work them out twice)."""
    today = today or date.today()
    if deadlines is None:
        deadlines = open_refusal_deadlines(user, today)
    chosen = [ident for _last, ident in deadlines[:limit]]
    if not chosen:
        return []
    out = [(r, state(r, today=today)) for r in requests_by_id(chosen)]
    return sorted(out, key=lambda pair: (pair[1].deadline.last_day, pair[0].id))


def facility_time(user, *, start: date, end: date, rep_id: int | None = None):
    """Per ULR, hours requested, granted and refused for ULR duties and training in [start, end]."""
    granted = case((TimeOffRequest.status == "granted", TimeOffRequest.duration_hours),
                   (TimeOffRequest.status == "partly_granted", func.coalesce(TimeOffRequest.hours_granted, 0)), else_=0)
    refused = case((TimeOffRequest.status == "refused", TimeOffRequest.duration_hours),
                   (TimeOffRequest.status == "partly_granted",
                    TimeOffRequest.duration_hours - func.coalesce(TimeOffRequest.hours_granted, 0)), else_=0)
    ids = visible(select(TimeOffRequest.id), user)
    stmt = (select(Rep.id, Rep.name, func.sum(TimeOffRequest.duration_hours), func.sum(granted), func.sum(refused),
                   func.count(TimeOffRequest.id))
            .join(Rep, Rep.id == TimeOffRequest.rep_id)
            .where(TimeOffRequest.id.in_(ids), TimeOffRequest.kind.in_(("ulr_duties", "ulr_training")),
                   TimeOffRequest.status.not_in(("draft", "withdrawn")),
                   func.date(TimeOffRequest.starts_at) >= start, func.date(TimeOffRequest.starts_at) <= end)
            .group_by(Rep.id, Rep.name).order_by(Rep.name))
    if rep_id:
        stmt = stmt.where(TimeOffRequest.rep_id == rep_id)
    return [dict(rep_id=i, name=n, requested=Decimal(r or 0), granted=Decimal(g or 0), refused=Decimal(x or 0), requests=c)
            for i, n, r, g, x, c in db.session.execute(stmt)]


def agreement_in_force(request: TimeOffRequest):
    """The learning agreement in force (signed or under review) with the request's employer: the
    request's own branch's first, then the most recently signed."""

    employer_id = select(Workplace.employer_id).where(Workplace.id == request.workplace_id).scalar_subquery()
    return db.session.scalars(
        select(Agreement).options(selectinload(Agreement.learner_time_by_course))
        .where(Agreement.employer_id == employer_id, Agreement.status.in_(tuple(agreement_rules.IN_FORCE)))
        .order_by(case((Agreement.branch_id == request.branch_id, 0), else_=1), Agreement.signed_on.desc(),
                  Agreement.id.desc())).first()


def caseload(user, today: date | None = None, *, recent_days: int = 90) -> dict[str, list[TimeOffRequest]]:
    """A ULR's own requests: drafts, those waiting for the employer, and decisions of the last ``recent_days``."""
    from datetime import timedelta

    today = today or date.today()
    # joined, not selectin: the same statements whether the ULR has requests or not (issue 13)
    rows = db.session.scalars(visible(select(TimeOffRequest), user).options(
        joinedload(TimeOffRequest.rep), joinedload(TimeOffRequest.workplace)).where(
        or_(TimeOffRequest.status.in_(("draft", "submitted")), TimeOffRequest.decided_on >= today - timedelta(days=recent_days)))
        .order_by(TimeOffRequest.starts_at, TimeOffRequest.id)).all()
    return {"drafts": [r for r in rows if r.status == "draft"],
            "waiting": [r for r in rows if r.status == "submitted"],
            "decided": sorted((r for r in rows if r.status not in ("draft", "submitted")),
                              key=lambda r: (r.decided_on, r.id), reverse=True)}
