"""Reminders from every part of the system, and which of them have been given already.

A *source* is a function ``source(today) -> iterable of Notice``, named in :data:`SOURCES` as
``"module:function"``. Each feature that has deadlines adds its own line (learning agreements,
ULR training deadlines, refused time off's tribunal deadlines, case and learner follow-ups). A notice's
``key`` names the event, not the day: the same review date gives the same key every day, so
``flask reminders`` (run daily by cron) tells the branch once; a new review date is a new key, so
a new reminder.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import import_module
from typing import Callable, Iterable

from sqlalchemy import select

from .timeline import ReminderSent

#: every reminder source, as "module:function"
SOURCES: list[str] = [
    "ulr_app.agreements.reminders:agreement_reminders",
    "ulr_app.reps.reminders:training_reminders",
    "ulr_app.timeoff.reminders:tribunal_deadline_reminders",
    "ulr_app.cases.reminders:follow_up_reminders",
]


@dataclass(frozen=True)
class Notice:
    """One thing a branch needs telling about."""

    key: str  # stable for the event (at most 200 characters): recorded once given
    branch_id: int  # whose convenors to tell
    kind: str  # e.g. review_due, review_overdue, stale_draft
    label: str  # the kind in words: "Review due"
    subject: str  # what it is about: the agreement's title
    subject_kind: str  # what sort of record: "learning agreement (formal learning partnership)"
    due_on: date
    message: str


def sources() -> list[Callable[[date], Iterable[Notice]]]:
    out = []
    for name in SOURCES:
        module, _, function = name.partition(":")
        out.append(getattr(import_module(module), function))
    return out


def due(today: date) -> list[Notice]:
    """Every source's notices for ``today``, by due date (sent or not)."""
    notices = [n for source in sources() for n in source(today)]
    return sorted(notices, key=lambda n: (n.due_on, n.branch_id, n.key))


def already_sent(session, keys: Iterable[str]) -> set[str]:
    keys = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(session.scalars(select(ReminderSent.key).where(ReminderSent.key.in_(keys[start:start + 500]))))
    return found


def record_sent(session, keys: Iterable[str]) -> None:
    session.add_all(ReminderSent(key=key) for key in dict.fromkeys(keys))
    session.flush()
