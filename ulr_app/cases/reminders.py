"""Case and learner follow-ups as a reminder source (see :mod:`ulr_app.core.reminders`): every
follow-up not yet done that is overdue or due within :data:`DAYS` days, on a case still open or
waiting (or on a learner). The key names the follow-up and its due date, so each is told once while
due and once more when it becomes overdue (the overdue key ends ":overdue"); a follow-up moved to a new
date is a new reminder."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

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


def follow_up_reminders(today: date, branch_ids=None) -> list[Notice]:
    open_cases = select(Case.id).where(Case.status != "closed")
    # a learner's follow-up only while they may be contacted (consent to contact not withdrawn)
    learners = (FollowUp.case_id.is_(None) & FollowUp.learner_id.is_not(None)
                & FollowUp.learner_id.in_(select(Learner.id).where(learner_queries.contactable(today))))
    if branch_ids is not None:
        branch_ids = list(branch_ids)
        open_cases = open_cases.where(Case.branch_id.in_(branch_ids))
        learners = learners & FollowUp.learner_id.in_(select(Learner.id).where(Learner.branch_id.in_(branch_ids)))
    # joined (many-to-one), not selectin: one statement however many follow-ups are due (selectin sent one more
    # per 500 cases, so the organiser's home page ran more statements as the region grew; issue 13)
    rows = db.session.scalars(select(FollowUp).options(joinedload(FollowUp.case), joinedload(FollowUp.learner)).where(
        FollowUp.done_on.is_(None), FollowUp.due_on <= today + timedelta(days=DAYS),
        or_(FollowUp.case_id.in_(open_cases), learners))
        .order_by(FollowUp.due_on, FollowUp.id)).all()
    out = []
    for f in rows:
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
            continue
        days = (f.due_on - today).days
        if days < 0:
            kind, label, stage = "follow_up_overdue", "Follow-up overdue", ":overdue"
            message = f"It was due on {_uk(f.due_on)} ({-days} day{'s' if days != -1 else ''} ago) and is not marked done"
        else:
            kind, label, stage = "follow_up_due", "Follow-up due", ""
            when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
            message = f"It is due on {_uk(f.due_on)} ({when})"
        out.append(Notice(key=f"follow-up:{f.id}:{f.due_on.isoformat()}{stage}", branch_id=branch_id, kind=kind, label=label,
                          subject=subject[:300], subject_kind=subject_kind, due_on=f.due_on, message=message,
                          record=record, email_subject=email_subject))
    return out
