"""Reminders from every part of the system, and which of them have been given already.

A *source* is a function ``source(today, branch_ids=None) -> iterable of Notice`` (``branch_ids``:
only those branches' notices, as a convenor's or organiser's home page asks), named in :data:`SOURCES` as
``"module:function"``. Each feature that has deadlines adds its own line (learning agreements,
ULR training deadlines, refused time off's tribunal deadlines, case and learner follow-ups). A notice's
``key`` names the event, not the day: the same review date gives the same key every day, so
``flask reminders`` (run daily by cron) tells the branch once; a new review date is a new key, so
a new reminder.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import date
from importlib import import_module
from typing import Any, Callable, Iterable, Optional

from sqlalchemy import select

from .timeline import ReminderSent

#: every reminder source, as "module:function"
SOURCES: list[str] = [
    "ulr_app.agreements.reminders:agreement_reminders",
    "ulr_app.reps.reminders:training_reminders",
    "ulr_app.timeoff.reminders:tribunal_deadline_reminders",
    "ulr_app.cases.reminders:follow_up_reminders",
    "ulr_app.dataprotection.reminders:sar_reminders",
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
    message: str  # made from recorded facts (dates, names), never from free text: e-mails carry it too
    #: the record it is about, as (kind, id): agreement, rep, time_off_request, case or learner
    record: Optional[tuple[str, int]] = None
    #: what a reminder e-mail may say it is about, beside ``subject_kind``: a name or title, never free text
    #: that may hold personal details (a case's summary, a follow-up's title); None: ``subject_kind`` only
    email_subject: Optional[str] = None


#: a notice's record kind -> (endpoint of its page, the page's id argument): the home page's links and the
#: e-mails' links
RECORD_PAGES = {"agreement": ("agreements.agreement", "agreement_id"), "rep": ("reps.rep", "rep_id"),
                "time_off_request": ("timeoff.time_off_request", "request_id"), "case": ("cases.case", "case_id"),
                "learner": ("learners.learner", "learner_id"),
                "subject_access_request": ("dataprotection.subject_access_request", "sar_id")}


def sources() -> list[Callable[..., Iterable[Notice]]]:
    out = []
    for name in SOURCES:
        module, _, function = name.partition(":")
        out.append(getattr(import_module(module), function))
    return out


def due(today: date, branch_ids: Optional[Iterable[int]] = None) -> list[Notice]:
    """Every source's notices for ``today`` (only ``branch_ids``' when given), by due date, sent or not.
    The home pages and ``flask reminders`` both read this, so they cannot disagree."""
    wanted = None if branch_ids is None else sorted(set(branch_ids))
    notices: list[Notice] = []
    for source in sources():
        if wanted is None:
            notices.extend(source(today))
        elif "branch_ids" in inspect.signature(source).parameters:
            notices.extend(source(today, branch_ids=wanted))  # the source narrows its own query
        else:
            notices.extend(n for n in source(today) if n.branch_id in wanted)
    return sorted(notices, key=lambda n: (n.due_on, n.branch_id, n.key))


def due_for_page(today: date, branch_ids: Iterable[int], per_kind: int, **known: Any) -> tuple[list[Notice], dict[str, int]]:
    """For a page that lists at most ``per_kind`` notices of each kind and says how many there are: those
    notices (by due date) and the count of each kind. A source with many notices (follow-ups) answers
    through its ``page`` function, which counts in SQL and makes only the notices shown (issue 13).
    ``known``: what the page has already worked out for these branches, handed to each ``page`` function
    that takes it by name (the open refusals' deadlines: not worked out twice)."""
    wanted = sorted(set(branch_ids))
    shown: list[Notice] = []
    counts: dict[str, int] = {}
    for source in sources():
        page = getattr(source, "page", None)
        if page is not None:
            takes = inspect.signature(page).parameters
            found, found_counts = page(today, branch_ids=wanted, limit=per_kind,
                                       **{name: value for name, value in known.items() if name in takes})
        else:
            if "branch_ids" in inspect.signature(source).parameters:
                every = list(source(today, branch_ids=wanted))
            else:
                every = [n for n in source(today) if n.branch_id in wanted]
            every.sort(key=lambda n: (n.due_on, n.branch_id, n.key))
            found_counts, found = {}, []
            for n in every:
                found_counts[n.kind] = found_counts.get(n.kind, 0) + 1
                if found_counts[n.kind] <= per_kind:
                    found.append(n)
        shown.extend(found)
        for kind, n in found_counts.items():
            counts[kind] = counts.get(kind, 0) + n
    return sorted(shown, key=lambda n: (n.due_on, n.branch_id, n.key)), counts


def already_sent(session, keys: Iterable[str]) -> set[str]:
    keys = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(session.scalars(select(ReminderSent.key).where(ReminderSent.key.in_(keys[start:start + 500]))))
    return found


def record_sent(session, keys: Iterable[str]) -> None:
    session.add_all(ReminderSent(key=key) for key in dict.fromkeys(keys))
    session.flush()
