"""Learning agreements as a reminder source (see :mod:`ulr_app.core.reminders`): reviews due
within 60 days or overdue, drafts untouched for 90 days, by :func:`rules.reminders`."""
from __future__ import annotations

from datetime import date

from ..core.reminders import Notice
from . import queries, rules

LABELS = {"review_due": "Review due", "review_overdue": "Review overdue", "stale_draft": "Draft untouched"}
KIND_WORDS = {"short_term": "short-term learning agreement", "partnership": "learning partnership agreement"}


def agreement_reminders(today: date, branch_ids=None) -> list[Notice]:
    """Every agreement's reminders for ``today`` (all branches, or ``branch_ids``')."""
    # each agreement's branch and kind come with its facts: one statement whether or not any is due (issue 13)
    facts = {f.id: f for f in queries.reminder_facts(None, branch_ids=branch_ids)}
    return [Notice(key=r.key, branch_id=facts[r.agreement_id].branch_id, kind=r.kind,
                   label=LABELS.get(r.kind, r.kind.replace("_", " ").capitalize()),
                   subject=facts[r.agreement_id].title,
                   subject_kind=KIND_WORDS.get(facts[r.agreement_id].kind, "learning agreement"),
                   due_on=r.due_on, message=r.message, record=("agreement", r.agreement_id),
                   email_subject=facts[r.agreement_id].title)
            for r in rules.reminders(list(facts.values()), today)]
