"""ULR training deadlines as a reminder source (see :mod:`ulr_app.core.reminders`): a ULR with a
'will be trained' notice whose six months end within a month (the domain's "warn a month before"),
from :func:`queries.training_reminder_facts`. One reminder per ULR and deadline."""
from __future__ import annotations

from datetime import date

from ..core.reminders import Notice
from ..core.templating import uk_date as uk
from . import queries


def training_reminders(today: date, branch_ids=None) -> list[Notice]:
    """Every branch's (or ``branch_ids``') ULRs whose training deadline is within a month of ``today``."""
    out = []
    for rep, deadline in queries.training_reminder_facts(today, branch_ids=branch_ids):
        days = (deadline - today).days
        out.append(Notice(
            key=f"rep:{rep.id}:training-deadline:{deadline.isoformat()}", branch_id=rep.branch_id,
            kind="training_deadline", label="ULR training deadline", subject=rep.name, subject_kind="ULR appointment",
            due_on=deadline,
            message=(f"{rep.name} must complete their ULR training, and the union tell {rep.employer.name} in writing, "
                     f"by {uk(deadline)} ({days} day{'s' if days != 1 else ''} left), or their paid time off lapses: "
                     "the law allows no second 'will be trained' notice"),
            record=("rep", rep.id), email_subject=rep.name))
    return out
