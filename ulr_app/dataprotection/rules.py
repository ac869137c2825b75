"""Subject access requests: when the answer is due (ICO guidance on the right of access, UK GDPR Art 12(3)).

Pure functions: no database, no Flask. The bank holidays are passed in (``queries.bank_holidays()``
reads the shipped list and the ones an administrator added).

The ICO's rule, as the API contract writes it:
- the clock starts on the day the request is received, or, when proof of identity was asked for, the
  day it arrived (the later of the two), whether or not that is a working day;
- the answer is due on the corresponding calendar date one month later (received 3 September: due
  3 October); when the next month has no such date, the last day of that month (31 January: 28 or
  29 February);
- an extension adds up to two further months: the corresponding date 2 or 3 months after the start
  (counted from the start, not from the first due date: 31 January + 3 months is 30 April);
- a due date on a Saturday, Sunday or bank holiday in England and Wales moves to the next working day.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Collection, Optional

from ..core.dates import add_months
from ..core.validation import format_date as uk

STATUSES = {"open": "Open", "answered": "Answered", "withdrawn": "Withdrawn"}
#: how many further months the deadline may be extended by (Art 12(3): complex or numerous requests)
MAX_EXTENSION_MONTHS = 2
EXTENSIONS = {0: "No extension", 1: "Extended by 1 month", 2: "Extended by 2 months"}
#: an open request due within this many days is "due soon" (home page, reminders)
DUE_SOON_DAYS = 7


def clock_starts(received_on: date, identity_received_on: Optional[date] = None) -> date:
    """The day the time limit counts from: the later of receipt and the arrival of proof of identity."""
    if identity_received_on is not None and identity_received_on > received_on:
        return identity_received_on
    return received_on


def corresponding_date(start: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it has no such day."""
    return add_months(start, months)


def is_working_day(day: date, bank_holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in bank_holidays


def next_working_day(day: date, bank_holidays: Collection[date] = ()) -> date:
    """``day`` itself if it is a working day in England and Wales, otherwise the next one."""
    while not is_working_day(day, bank_holidays):
        day += timedelta(days=1)
    return day


def due_on(received_on: date, identity_received_on: Optional[date] = None, extension_months: int = 0,
           bank_holidays: Collection[date] = ()) -> date:
    """When the answer is due: the corresponding date 1 + ``extension_months`` months after the clock
    starts, moved to the next working day."""
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"extension_months must be 0 to {MAX_EXTENSION_MONTHS}")
    start = clock_starts(received_on, identity_received_on)
    return next_working_day(corresponding_date(start, 1 + extension_months), bank_holidays)


def explain(received_on: date, identity_received_on: Optional[date], extension_months: int,
            bank_holidays: Collection[date] = (), holiday_names: Optional[dict[date, str]] = None) -> list[str]:
    """How the due date was worked out, step by step, in plain words (for the request's page)."""
    start = clock_starts(received_on, identity_received_on)
    steps = []
    if start == received_on:
        steps.append(f"The clock starts on the day the request was received: {uk(start)}.")
    else:
        steps.append(f"The clock starts when the proof of identity arrived: {uk(start)} "
                     f"(the request was received on {uk(received_on)}).")
    months = 1 + extension_months
    plain = corresponding_date(start, months)
    line = f"{uk(start)} + {months} month{'s' if months > 1 else ''} = {uk(plain)}"
    if plain.day != start.day:
        line += " (that month has no such date, so its last day)"
    if extension_months:
        line += f", including the extension of {extension_months} month{'s' if extension_months > 1 else ''}"
    steps.append(line + ".")
    moved = next_working_day(plain, bank_holidays)
    if moved != plain:
        why = []
        day = plain
        names = holiday_names or {}
        while day < moved:
            why.append(f"{uk(day)} is a {'Saturday' if day.weekday() == 5 else 'Sunday' if day.weekday() == 6 else 'bank holiday'}"
                       + (f" ({names[day]})" if day in names and day.weekday() < 5 else ""))
            day += timedelta(days=1)
        steps.append("; ".join(why) + f": so the answer is due on the next working day, {uk(moved)}.")
    return steps


def urgency(due: Optional[date], status: str, today: date) -> Optional[str]:
    """``overdue`` (open, the due date has passed), ``due_soon`` (open, due within DUE_SOON_DAYS days) or None."""
    if status != "open" or due is None:
        return None
    if due < today:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return None


# --- erasure: the legal hold ---------------------------------------------------------------------

#: words that stand in for erased free text
ERASED_TEXT = "[erased]"


def legal_hold(recorded: Optional[str], open_dispute_cases: Collection[int] = (),
               live_tribunal_claims: Collection[tuple[int, date]] = ()) -> Optional[str]:
    """Why a person's record cannot be erased now, in plain words, or None when it can.

    ``recorded``: the record's own ``legal_hold_reason`` (a live tribunal claim, a grievance...);
    ``open_dispute_cases``: the ids of the time-off dispute cases linked to the person that are not
    closed; ``live_tribunal_claims``: (time-off request id, date the claim was made) for the person's
    time-off requests with a tribunal claim whose dispute is not closed. Every reason that applies is
    named, the recorded one first."""
    reasons = []
    if recorded is not None and recorded.strip():
        reasons.append(recorded.strip())
    for request_id, claimed_on in sorted(live_tribunal_claims):
        reasons.append(f"A tribunal claim made on {uk(claimed_on)} about time-off request {request_id} is still live")
    cases = sorted(set(open_dispute_cases))
    if len(cases) == 1:
        reasons.append(f"Time-off dispute case {cases[0]} is still open")
    elif cases:
        reasons.append("Time-off dispute cases " + ", ".join(str(c) for c in cases[:-1]) + f" and {cases[-1]} are still open")
    return "; ".join(reasons) or None


# --- retention (issue 14 item 4) ------------------------------------------------------------

#: how long each kind of record is kept, in years, unless a setting (RETENTION_YEARS) says otherwise
RETENTION_DEFAULTS = {
    "learners": 6,          # after the learner's last activity
    "closed_cases": 6,      # after the case was closed
    "refused_time_off": 1,  # after the tribunal deadline of the refusal
    "audit_entries": 7,     # after the entry was written
    "sign_in_records": 1,   # sessions and sign-in entries, after they were made
    "generated_files": 1,   # report files and other made files, after they were made
}
RETENTION_LABELS = {
    "learners": "Learners with no activity",
    "closed_cases": "Closed cases",
    "refused_time_off": "Refused time-off requests",
    "audit_entries": "Audit entries",
    "sign_in_records": "Sign-in records",
    "generated_files": "Generated files",
}


def retention_years(settings: Optional[dict] = None) -> dict[str, int]:
    """The years each record type is kept: the defaults with the setting's values laid over them.

    Raises ValueError naming the record type when a setting is unknown or not a whole number of at
    least 1 (a retention of 0 years would delete everything at once)."""
    years = dict(RETENTION_DEFAULTS)
    for key, value in (settings or {}).items():
        if key not in RETENTION_DEFAULTS:
            raise ValueError(f"Unknown record type in the retention setting: {key!r} "
                             f"(known: {', '.join(RETENTION_DEFAULTS)})")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"The retention of {key} must be a whole number of years, at least 1 (not {value!r})")
        years[key] = value
    return years


def years_before(day: date, years: int) -> date:
    """The same date ``years`` earlier (29 February becomes 28 February in a year with no 29th)."""
    return add_months(day, -12 * years)


def kept_until(start: Optional[date], years: int) -> Optional[date]:
    """The last day a record whose retention clock started on ``start`` is kept; None when the clock
    has not started (an open case, a refusal with no tribunal deadline yet)."""
    if start is None:
        return None
    return add_months(start, 12 * years)


def past_retention(start: Optional[date], years: int, today: date) -> bool:
    """The record's time is up: ``today`` is after the last day it is kept."""
    until = kept_until(start, years)
    return until is not None and today > until
