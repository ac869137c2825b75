"""The time-off requests list as a CSV / XLSX download (:mod:`ulr_app.core.listexport`).

As on the page, a learner released for a course is "A learner" (their name is on the learner's
record, which the requester may not see), and a ULR sees "You" on their own requests."""
from __future__ import annotations

from typing import Any, Callable, Collection, Mapping, Optional

from sqlalchemy.orm import selectinload

from ..core import listexport
from ..core.listexport import columns
from .models import KINDS, PURPOSES, REFUSAL_REASONS, STATUSES, TimeOffRequest


def _who(r: TimeOffRequest, mine: Collection[int]) -> str:
    if r.rep is not None and r.rep.id in mine:
        return "A learner (you asked)" if r.learner_id else "You"
    if r.rep is not None:
        return r.rep.name
    return "A learner" if r.learner_id else "No ULR"


def request_columns(mine: Collection[int], deadline: Callable[[TimeOffRequest], Any]) -> list[listexport.Column]:
    def last_day(r: TimeOffRequest) -> Optional[Any]:
        d = deadline(r)
        return d.last_day if d is not None else None

    return columns(
        ("Kind", lambda r: KINDS.get(r.kind, r.kind)),
        ("Who for" if mine else "ULR or learner", lambda r: _who(r, mine)),
        ("Workplace", lambda r: r.workplace.name),
        ("Starts", lambda r: r.starts_at),
        ("Hours", lambda r: r.duration_hours),
        ("Status", lambda r: STATUSES.get(r.status, r.status)),
        ("Tribunal deadline", last_day),
        ("Purpose", lambda r: PURPOSES.get(r.purpose, r.purpose)),
        ("Location", lambda r: r.location),
        ("Course", lambda r: r.course),
        ("Requested on", lambda r: r.requested_on),
        ("Paid time off asked for", lambda r: r.paid_requested),
        ("Decided on", lambda r: r.decided_on),
        ("Paid", lambda r: r.paid),
        ("Hours granted", lambda r: r.hours_granted),
        ("Refusal reason", lambda r: REFUSAL_REASONS.get(r.refusal_reason or "", r.refusal_reason)),
        ("Tribunal claim presented on", lambda r: r.tribunal_claim_on),
        ("Branch", lambda r: r.branch.name),
        ("Request number", lambda r: r.id),
    )


def requests(fmt: str, stmt, filters: Mapping[str, Any], *, mine: Collection[int],
             deadline: Callable[[TimeOffRequest], Any]):
    stmt = stmt.options(selectinload(TimeOffRequest.branch))
    return listexport.export(fmt, stmt, request_columns(mine, deadline), title="time-off requests",
                             object_type="time_off_request", filters=filters)
