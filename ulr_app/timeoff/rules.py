"""Time off under the Acas Code: notice, and the tribunal deadline for a refusal.

Pure functions: no database, no Flask.

Tribunal deadline (TULRCA 1992 s.168A, s.170, s.171): a complaint must be presented within three
months of the failure: the last day is the failure date + 3 months (clamped to the last day of a
shorter month) - 1 day. The Employment Rights Act 2025 makes it six months for failures on or
after its commencement (a setting). Early conciliation (s.292A): the days after Day A (the day it
started) up to and including Day B (the certificate date) do not count; and if the limit so
extended would end before one month after Day B, it ends one month after Day B. Early
conciliation only helps if it started on or before the original last day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Optional

from ..core.dates import add_months

STATUTORY_KINDS = frozenset({"ulr_duties", "ulr_training", "member_access"})
REFUSALS = frozenset({"refused", "partly_granted"})


def uk(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


@dataclass(frozen=True)
class Deadline:
    last_day: date
    months: int
    steps: list[str] = field(default_factory=list)


def tribunal_deadline(*, kind: str, failure_on: Optional[date], commencement_on: Optional[date],
                      ec_started_on: Optional[date] = None, ec_certificate_on: Optional[date] = None) -> Optional[Deadline]:
    """The last day to present a tribunal claim for a refused request, and how it was worked out.

    None for kinds with no statutory right (learner release) or without a failure date.
    """
    steps: list[str] = []
    worked = _work_out(kind, failure_on, commencement_on, ec_started_on, ec_certificate_on, steps)
    return None if worked is None else Deadline(worked[0], worked[1], steps)


def tribunal_last_day(*, kind: str, failure_on: Optional[date], commencement_on: Optional[date],
                      ec_started_on: Optional[date] = None, ec_certificate_on: Optional[date] = None) -> Optional[date]:
    """:func:`tribunal_deadline`'s last day alone, without the words of how it was worked out: for lists
    that only sort and count refusals by their deadline (the home pages, the reminders)."""
    worked = _work_out(kind, failure_on, commencement_on, ec_started_on, ec_certificate_on, None)
    return None if worked is None else worked[0]


def _work_out(kind: str, failure_on: Optional[date], commencement_on: Optional[date], ec_started_on: Optional[date],
              ec_certificate_on: Optional[date], steps: Optional[list[str]]) -> Optional[tuple[date, int]]:
    """(last day, months) of the tribunal deadline, with each step told in ``steps`` unless it is None."""
    if kind not in STATUTORY_KINDS or failure_on is None:
        return None
    say = steps.append if steps is not None else None
    new_regime = commencement_on is not None and failure_on >= commencement_on
    months = 6 if new_regime else 3
    plus = add_months(failure_on, months)
    last = plus - timedelta(days=1)
    if say:
        say(f"Refused on {uk(failure_on)}.")
        say(f"The failure is on or after {uk(commencement_on)}, when the Employment Rights Act 2025 limit began: "
            f"6 months." if new_regime else
            "Three months applies" + (f" (the failure was before {uk(commencement_on)})." if commencement_on else "."))
        say(f"{uk(failure_on)} + {months} months = {uk(plus)}"
            + (" (clamped to the end of the month)" if plus.day != failure_on.day else "") + f"; less 1 day = {uk(last)}.")
    if ec_started_on:
        if ec_started_on > last:
            if say:
                say(f"Acas early conciliation started on {uk(ec_started_on)}, after the last day, so it does not extend it.")
        elif ec_certificate_on is None:
            if say:
                say(f"Acas early conciliation started on {uk(ec_started_on)}: the clock stops until the certificate; "
                    "record its date to see the new last day.")
        elif ec_certificate_on < ec_started_on:
            if say:
                say("The early conciliation certificate date is before it started: check the dates.")
        else:
            paused = (ec_certificate_on - ec_started_on).days
            extended = last + timedelta(days=paused)
            if say:
                say(f"Acas early conciliation from {uk(ec_started_on)} to the certificate on {uk(ec_certificate_on)}: "
                    f"{paused} day{'s' if paused != 1 else ''} do not count, so {uk(last)} becomes {uk(extended)}.")
            floor = add_months(ec_certificate_on, 1)
            if extended < floor:
                if say:
                    say(f"That is less than a month after the certificate, so the last day is {uk(floor)}.")
                extended = floor
            last = extended
    if say:
        say(f"Last day to present a claim: {uk(last)}.")
    return last, months


def notice_days(requested_on: Optional[date], starts_on: Optional[date]) -> Optional[int]:
    if requested_on is None or starts_on is None:
        return None
    return (starts_on - requested_on).days


def required_notice(kind: str, *, default_days: int, training_days: int) -> int:
    return training_days if kind in ("ulr_training", "learner_release") else default_days


def notice_ok(kind: str, days: Optional[int], *, default_days: int = 7, training_days: int = 21) -> Optional[bool]:
    if days is None:
        return None
    return days >= required_notice(kind, default_days=default_days, training_days=training_days)


def warnings(*, kind: str, days: Optional[int], default_days: int, training_days: int,
             rep_eligible: Optional[bool], paid_expected: Optional[bool], agreement_member_access_paid: Optional[bool]) -> list[str]:
    """Plain-words warnings shown on a request."""
    out = []
    needed = required_notice(kind, default_days=default_days, training_days=training_days)
    if days is not None and days < needed:
        out.append(f"Short notice: {days} day{'s' if days != 1 else ''} given; the usual notice for this kind of request is {needed} days.")
    if kind in ("ulr_duties", "ulr_training") and rep_eligible is False:
        out.append("This ULR is not eligible for paid time off yet: the union has not given the written notice, "
                   "or the training condition does not hold.")
    if kind == "member_access" and paid_expected and agreement_member_access_paid is False:
        out.append("Paid time off is expected, but the learning agreement says members' access to a ULR is unpaid.")
    return out
