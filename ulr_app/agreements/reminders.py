"""Learning agreements as a reminder source (see :mod:`ulr_app.core.reminders`): reviews due
within 60 days or overdue, drafts untouched for 90 days, by :func:`rules.reminders`."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..core.reminders import Notice
from ..extensions import db
from . import queries, rules
from .models import Agreement

LABELS = {"review_due": "Review due", "review_overdue": "Review overdue", "stale_draft": "Draft untouched"}
KIND_WORDS = {"short_term": "short-term learning agreement", "partnership": "learning partnership agreement"}


def agreement_reminders(today: date, branch_ids=None) -> list[Notice]:
    """Every agreement's reminders for ``today`` (all branches, or ``branch_ids``')."""
    reminders = rules.reminders(queries.reminder_facts(None, branch_ids=branch_ids), today)
    if not reminders:
        return []
    ids = {r.agreement_id for r in reminders}
    agreements = {a.id: a for a in db.session.scalars(select(Agreement).where(Agreement.id.in_(ids)))}
    return [Notice(key=r.key, branch_id=agreements[r.agreement_id].branch_id, kind=r.kind,
                   label=LABELS.get(r.kind, r.kind.replace("_", " ").capitalize()),
                   subject=agreements[r.agreement_id].title,
                   subject_kind=KIND_WORDS.get(agreements[r.agreement_id].kind, "learning agreement"),
                   due_on=r.due_on, message=r.message, record=("agreement", r.agreement_id),
                   email_subject=agreements[r.agreement_id].title)
            for r in reminders]
