"""Case and learner follow-ups as a reminder source (see :mod:`ulr_app.core.reminders`): every
follow-up not yet done that is overdue or due within :data:`DAYS` days, on a case still open or
waiting (or on a learner). The key names the follow-up and its due date, so each is told once while
due and once more when it becomes overdue (the overdue key ends ":overdue"); a follow-up moved to a new
date is a new reminder."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from ..core.pagination import count_up_to
from ..core.reminders import Notice
from ..extensions import db
from ..learners import queries as learner_queries
from ..learners.models import Learner
from .models import Case, FollowUp
from .rules import KINDS

#: how far ahead a follow-up is reminded of
DAYS = 7


def _uk(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _due(today: date, branch_ids=None):
    """SQL: the follow-ups not done, overdue or due within DAYS days, on an open case or on a learner who
    may be contacted (``branch_ids``: only those branches')."""
    # an open case: asked of each candidate follow-up's own case (EXISTS by primary key, OFFSET 0 as below), not
    # by hashing every open case of the branches first (11,873 for a national region: 4 ms of each of the
    # three statements of the organiser's What needs doing; issue 13)
    open_cases = select(Case.id).where(Case.id == FollowUp.case_id, Case.status != "closed")
    # a learner's follow-up only while they may be contacted (consent to contact not withdrawn): asked of
    # each candidate follow-up's own learner (an EXISTS by primary key), never of every learner in the
    # country (the IN (...) form read the whole learner table: 2 s on the national data set; issue 13)
    learner = select(Learner.id).where(Learner.id == FollowUp.learner_id, learner_queries.contactable(today))
    if branch_ids is not None:
        branch_ids = list(branch_ids)
        open_cases = open_cases.where(Case.branch_id.in_(branch_ids))
        learner = learner.where(Learner.branch_id.in_(branch_ids))
    # OFFSET 0: PostgreSQL then asks this EXISTS of each learner follow-up on its own (a few dozen) instead of
    # hashing every contactable learner of the branches first (50,000 for a national region: 20 ms; issue 13)
    learners = FollowUp.case_id.is_(None) & FollowUp.learner_id.is_not(None) & learner.offset(0).exists()
    conditions = (FollowUp.done_on.is_(None), FollowUp.due_on <= today + timedelta(days=DAYS),
                  or_(FollowUp.case_id.is_not(None) & open_cases.offset(0).exists(), learners))
    if branch_ids is not None:
        # the follow-up's copy of its branch: an index condition (ix_follow_up_open_branch_due_on), so only the
        # branches' own open follow-ups are read, not every one in the country (issue 13); the conditions
        # above still check the case's or learner's own branch
        conditions = (FollowUp.branch_id.in_(branch_ids), *conditions)
    return conditions


def _rows(today: date, conditions, limit=None) -> list[FollowUp]:
    # joined (many-to-one), not selectin: one statement however many follow-ups are due (selectin sent one more
    # per 500 cases, so the organiser's home page ran more statements as the region grew; issue 13)
    stmt = (select(FollowUp).options(joinedload(FollowUp.case), joinedload(FollowUp.learner)).where(*conditions)
            .order_by(FollowUp.due_on, FollowUp.id))
    return db.session.scalars(stmt if limit is None else stmt.limit(limit)).all()


def follow_up_reminders(today: date, branch_ids=None) -> list[Notice]:
    return [n for n in (_notice(f, today) for f in _rows(today, _due(today, branch_ids))) if n is not None]


def follow_up_reminders_page(today: date, branch_ids=None, limit: int = 20, *, count_cap: int | None = None,
                             ) -> tuple[list[Notice], dict[str, int]]:
    """For a page: the first ``limit`` overdue and the first ``limit`` due follow-ups, and how many of each
    there are (a national organiser's region has thousands: making a notice of each took seconds; issue 13).
    ``count_cap``: count each only up to that many and one more (a count above the cap means "more than"):
    a national region has 7,500 follow-ups due, and counting them all cost the same as the rest of the page."""
    conditions = _due(today, branch_ids)
    overdue = FollowUp.due_on < today
    rows = [*_rows(today, (*conditions, overdue), limit), *_rows(today, (*conditions, ~overdue), limit)]
    if count_cap is None:
        kind = case((overdue, "follow_up_overdue"), else_="follow_up_due")
        counts = {k: n for k, n in db.session.execute(select(kind, func.count()).where(*conditions).group_by(kind))}
    else:
        found = db.session.execute(select(*(
            count_up_to(select(FollowUp.id).where(*conditions, when), count_cap).scalar_subquery().label(k)
            for k, when in (("follow_up_overdue", overdue), ("follow_up_due", ~overdue))))).one()._mapping
        counts = {k: n for k, n in found.items() if n}
    return [n for n in (_notice(f, today) for f in rows) if n is not None], counts


follow_up_reminders.page = follow_up_reminders_page  # type: ignore[attr-defined]  (core.reminders.due_for_page)


def _notice(f: FollowUp, today: date) -> Notice | None:
    if f.case is not None:
        branch_id = f.case.branch_id
        subject = f"{f.title}: {f.case.summary}"
        subject_kind = f"{KINDS.get(f.case.kind, f.case.kind).lower()} case {f.case.id}"
        record = ("case", f.case.id)
        email_subject = None  # the summary and the follow-up's title are free text: not in e-mails
    elif f.learner is not None:
        branch_id = f.learner.branch_id
        subject, subject_kind = f"{f.title}: {f.learner.name}", "learner"
        record = ("learner", f.learner.id)
        email_subject = f.learner.name
    else:
        return None
    days = (f.due_on - today).days
    if days < 0:
        kind, label, stage = "follow_up_overdue", "Follow-up overdue", ":overdue"
        message = f"It was due on {_uk(f.due_on)} ({-days} day{'s' if days != -1 else ''} ago) and is not marked done"
    else:
        kind, label, stage = "follow_up_due", "Follow-up due", ""
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        message = f"It is due on {_uk(f.due_on)} ({when})"
    return Notice(key=f"follow-up:{f.id}:{f.due_on.isoformat()}{stage}", branch_id=branch_id, kind=kind, label=label,
                  subject=subject[:300], subject_kind=subject_kind, due_on=f.due_on, message=message,
                  record=record, email_subject=email_subject)
