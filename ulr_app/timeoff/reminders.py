"""Tribunal deadlines of refused time off as a reminder source (see :mod:`ulr_app.core.reminders`):
an open refusal (a statutory kind, no claim presented yet) whose last day to present a tribunal
claim is within :data:`DAYS` days. The key names the request and its deadline, so recording Acas
early conciliation (which moves the deadline) gives a new reminder for the new date."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..core.reminders import Notice
from . import queries, rules
from .models import KINDS, TimeOffRequest

#: how close the deadline must be (the convenor's home page shows these in red)
DAYS = 14


def _near(today: date, branch_ids=None) -> list[tuple[date, int]]:
    """(deadline, request id) of the open refusals whose deadline falls within DAYS days, nearest first:
    every open refusal's deadline from five columns, no record loaded."""
    ids = select(TimeOffRequest.id)
    if branch_ids is not None:
        ids = ids.where(TimeOffRequest.branch_id.in_(list(branch_ids)))
    return [(last, ident) for last, ident in queries.refusal_deadlines(ids.where(TimeOffRequest.decided_on <= today), today)
            if last <= today + timedelta(days=DAYS)]


def tribunal_deadline_reminders(today: date, branch_ids=None) -> list[Notice]:
    """Every branch's (or ``branch_ids``') open refusals whose tribunal deadline falls within DAYS days
    of ``today``."""
    return _notices([ident for _last, ident in _near(today, branch_ids)], today)


def tribunal_deadline_reminders_page(today: date, branch_ids=None, limit: int = 20, *,
                                     refusal_deadlines: list[tuple[date, int]] | None = None,
                                     ) -> tuple[list[Notice], dict[str, int]]:
    """For a page: the ``limit`` nearest and how many there are; only those are loaded and made into notices
    (a national region has hundreds: 54 ms of the organiser's home page; issue 13). ``refusal_deadlines``:
    the open refusals' deadlines of exactly these branches, already worked out by the page
    (queries.refusal_deadlines), so they are not worked out twice. (They need not ask that the decision is
    not after today, as :func:`_near` does: a decision date is refused if it is in the future.)"""
    if refusal_deadlines is None:
        near = _near(today, branch_ids)
    else:
        near = [(last, ident) for last, ident in refusal_deadlines if today <= last <= today + timedelta(days=DAYS)]
    return _notices([ident for _last, ident in near[:limit]], today), ({"tribunal_deadline": len(near)} if near else {})


tribunal_deadline_reminders.page = tribunal_deadline_reminders_page  # type: ignore[attr-defined]  (core.reminders.due_for_page)


def _notices(ids: list[int], today: date) -> list[Notice]:
    if not ids:
        return []
    out = []
    for request in queries.requests_by_id(ids):
        deadline = queries.state(request, today=today).tribunal_deadline
        if deadline is None or not today <= deadline <= today + timedelta(days=DAYS):
            continue
        days = (deadline - today).days
        who = f"{request.rep.name}, " if request.rep else ""
        acas = ("" if request.acas_ec_started_on else
                "; Acas early conciliation must be started before then")
        subject = f"{KINDS[request.kind]} ({who}{request.workplace.name}), refused on {rules.uk(request.decided_on)}"
        out.append(Notice(
            key=f"time-off:{request.id}:tribunal-deadline:{deadline.isoformat()}", branch_id=request.branch_id,
            kind="tribunal_deadline", label="Tribunal deadline",
            subject=subject, email_subject=subject,
            subject_kind="time-off request", due_on=deadline,
            message=(f"The last day to present a tribunal claim is {rules.uk(deadline)} "
                     f"({days} day{'s' if days != 1 else ''} left){acas}"),
            record=("time_off_request", request.id)))
    return out
