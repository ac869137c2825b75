"""Pure rules for funding projects: their quarters, labels in words, checking a profile of targets or
spend, and what counts as a re-profile. No database, no Flask."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping, Optional

from ..core import periods
from ..core.periods import Period

CODE = re.compile(r"^[a-z0-9_]{1,40}$")
MAX_TARGET = 1_000_000
MAX_MONEY = Decimal("9999999999.99")
PERIOD_EXAMPLE = "a quarter like FY2026-Q1 (April to June 2026)"


def quarters_between(start: date, end: date) -> list[Period]:
    """The financial-year quarters from the one holding ``start`` to the one holding ``end``."""
    if end < start:
        return []
    out = [periods.containing(start, "quarter")]
    last = periods.containing(end, "quarter")
    while out[-1].code != last.code:
        out.append(out[-1].next())
    return out


def quarter_words(period: Period) -> str:
    """``Apr to Jun 2026 (FY2026-Q1)``: the months first, the code after."""
    if period.start.year == period.end.year:
        span = f"{period.start:%b} to {period.end:%b %Y}"
    else:
        span = f"{period.start:%b %Y} to {period.end:%b %Y}"
    return f"{span} ({period.code})"


def period_problem(value: Any, allowed: Iterable[str]) -> tuple[Optional[str], Optional[str]]:
    """(the quarter's code, or None; the problem with ``value``, or None)."""
    if not isinstance(value, str) or not value.strip():
        return None, f"Enter the period as {PERIOD_EXAMPLE}"
    parsed = periods.parse(value)
    if parsed is None or parsed.kind != "quarter":
        return None, f"{str(value)[:20]} is not a quarter: enter the period as {PERIOD_EXAMPLE}"
    allowed = list(allowed)
    if parsed.code not in allowed:
        span = f"{allowed[0]} to {allowed[-1]}" if allowed else "none"
        return None, f"{parsed.code} is outside the project's quarters ({span})"
    return parsed.code, None


def whole_number(value: Any) -> tuple[Optional[int], Optional[str]]:
    """A target: a whole number from 0; (value, None) or (None, problem). Text of digits is accepted (CSV, forms)."""
    problem = f"Enter a whole number from 0 to {MAX_TARGET:,}"
    if isinstance(value, bool):
        return None, problem
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if re.fullmatch(r"-\d+", text):
            return None, "A target cannot be negative"
        if not re.fullmatch(r"\d{1,9}", text):
            return None, problem
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        return None, problem  # JSON 40.0: say so rather than guess
    if not isinstance(value, int):
        return None, problem
    if value < 0:
        return None, "A target cannot be negative"
    if value > MAX_TARGET:
        return None, problem
    return value, None


def money(value: Any) -> tuple[Optional[Decimal], Optional[str]]:
    """An amount in pounds, 0 or more with at most two decimals; '£1,250.50' is read as 1250.50."""
    problem = "Enter an amount in pounds, 0 or more, like 1250.00"
    if isinstance(value, bool) or value is None:
        return None, problem
    if isinstance(value, str):
        value = value.strip().replace(",", "").removeprefix("£").strip()
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None, problem
    if not number.is_finite():
        return None, problem
    if number < 0:
        return None, "An amount cannot be negative"
    if number > MAX_MONEY:
        return None, f"Enter an amount up to {MAX_MONEY:,}"
    if number != number.quantize(Decimal("0.01")):
        return None, "Enter pounds and pence with at most two decimals, like 1250.50"
    return number.quantize(Decimal("0.01")), None


def check_targets(rows: Any, quarters: Iterable[str], measures: Iterable[str],
                  measure_labels: Mapping[str, str]) -> tuple[dict[tuple[str, str], int], list[tuple[int, str, str]]]:
    """A whole profile of targets: ({(period, measure): target}, [(row index, column, problem)]).

    Each row is ``{"period", "measure", "target"}``; a missing or null target means no target. The same
    period and measure twice is a problem on the later row."""
    quarters, measures = list(quarters), list(measures)
    clean: dict[tuple[str, str], int] = {}
    problems: list[tuple[int, str, str]] = []
    if not isinstance(rows, list):
        return {}, [(-1, "rows", "Send a list of rows, each with period, measure and target")]
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            problems.append((i, "row", "Each row must be an object with period, measure and target"))
            continue
        unknown = sorted(set(row) - {"period", "measure", "target"})
        for name in unknown:
            problems.append((i, str(name)[:40], "Unknown column: a row has period, measure and target"))
        period, problem = period_problem(row.get("period"), quarters)
        if problem:
            problems.append((i, "period", problem))
        measure = row.get("measure")
        if not isinstance(measure, str) or measure.strip() not in measures:
            names = ", ".join(measures)
            problems.append((i, "measure", f"{str(measure)[:40] if measure not in (None, '') else 'A blank'} is not "
                                           f"a measure of this programme: use one of {names}"))
            measure = None
        else:
            measure = measure.strip()
        raw = row.get("target")
        target = None
        if raw is not None and raw != "":
            target, problem = whole_number(raw)
            if problem:
                problems.append((i, "target", problem))
        if period and measure:
            key = (period, measure)
            if key in seen:
                problems.append((i, "measure", f"{measure_labels.get(measure, measure)} for {period} is already given "
                                               f"in row {seen[key] + 1}"))
            else:
                seen[key] = i
                if target is not None:
                    clean[key] = target
    return clean, problems


def changed_cells(before: Mapping[tuple[str, str], Any], after: Mapping[tuple[str, str], Any]
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Only the cells that differ, as {row: {column: value}} before and after (None: no value)."""
    old: dict[str, dict[str, Any]] = {}
    new: dict[str, dict[str, Any]] = {}
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a != b:
            row, column = key
            old.setdefault(row, {})[column] = str(a) if isinstance(a, Decimal) else a
            new.setdefault(row, {})[column] = str(b) if isinstance(b, Decimal) else b
    return old, new


def is_reprofile(first_quarter: Optional[Period], today: date, had_profile: bool) -> bool:
    """Changing a profile that exists once the first quarter has started is a re-profile (needs a reason).
    Setting the first profile, or any change before the project's first quarter starts, is not."""
    return bool(had_profile and first_quarter is not None and today >= first_quarter.start)
