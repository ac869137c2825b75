"""Subject access requests as a reminder source (see :mod:`ulr_app.core.reminders`): every open request
due within a week, or overdue. One reminder per request and due date, and another once it is overdue."""
from __future__ import annotations

from datetime import date

from ..core.reminders import Notice
from ..core.templating import uk_date as uk
from . import queries, rules


def sar_reminders(today: date, branch_ids=None) -> list[Notice]:
    out = []
    for sar in queries.reminder_facts(today, branch_ids=branch_ids):
        days = (sar.due_on - today).days
        overdue = rules.urgency(sar.due_on, sar.status, today) == "overdue"
        if overdue:
            late = -days
            message = (f"The answer to {sar.person_name}'s subject access request was due by {uk(sar.due_on)}: "
                       f"{late} day{'s' if late != 1 else ''} late. Answer it now, or record that it was answered")
        else:
            left = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
            message = (f"The answer to {sar.person_name}'s subject access request is due by {uk(sar.due_on)} ({left})")
        out.append(Notice(
            key=f"subject_access_request:{sar.id}:{'overdue' if overdue else 'due'}:{sar.due_on.isoformat()}",
            branch_id=sar.branch_id, kind="sar_overdue" if overdue else "sar_due",
            label="Subject access request overdue" if overdue else "Subject access request due",
            subject=sar.person_name, subject_kind="subject access request", due_on=sar.due_on, message=message,
            record=("subject_access_request", sar.id), email_subject=sar.person_name))
    return out
