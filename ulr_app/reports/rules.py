"""Rules for the reports (domain.md section 6). Pure functions: no database, no Flask.

- variance of an actual against its profile, and when it needs a written explanation;
- the quarters a project runs over;
- the split of learning outcomes (Skills for Life by level, level 2, level 3, level 4+, informal, other);
- refusal rates;
- small-number suppression for equality monitoring, with an exact check that no suppressed
  count can be worked out from what is shown.
"""
from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping, Optional, Union

from ..core import periods
from ..core.periods import Period

Number = Union[int, float, Decimal]

#: the outcome groups of a funding return, in the order reports show them
OUTCOME_GROUPS = ("skills_for_life", "level_2", "level_3", "level_4_plus", "informal", "other")
SFL_CATEGORIES = frozenset({"skills_for_life", "esol"})
INFORMAL_CATEGORIES = frozenset({"union_course", "informal"})
LEVEL_4_PLUS = frozenset({f"level_{n}" for n in range(4, 9)})
#: a suppressed cell protecting another one
COMPLEMENTARY = "c"


def _decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def one_decimal(value: Decimal) -> float:
    """Rounded to one decimal place, halves away from zero (12.25 -> 12.3, -12.25 -> -12.3)."""
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def variance_pct(actual: Optional[Number], target: Optional[Number]) -> Optional[float]:
    """(actual - target) / target x 100, to one decimal; None where the target is 0 or missing
    (or there is no actual, e.g. spend not entered yet)."""
    if target is None or actual is None:
        return None
    t = _decimal(target)
    if t == 0:
        return None
    return one_decimal((_decimal(actual) - t) / t * 100)


def needs_explanation(variance: Optional[Number], threshold: Number) -> bool:
    """Does a variance need a written explanation: |variance| above the threshold (None never does)."""
    if variance is None:
        return False
    return abs(_decimal(variance)) > _decimal(threshold)


def rate_pct(part: int, whole: int) -> Optional[float]:
    """part / whole x 100 to one decimal (halves away from zero); None when whole is 0."""
    if not whole:
        return None
    return one_decimal(Decimal(part) * 100 / Decimal(whole))


def quarters_between(first: Period, last: Period) -> list[Period]:
    """The quarters from ``first`` to ``last``, both included ([] when last is before first)."""
    out: list[Period] = []
    q = periods.containing(first.start, "quarter")
    while q.start <= last.start:
        out.append(q)
        q = q.next()
    return out


def project_quarters(starts_on: date, ends_on: date) -> list[Period]:
    """The quarters a project touches: from the one it starts in to the one it ends in."""
    return quarters_between(periods.containing(starts_on, "quarter"), periods.containing(ends_on, "quarter"))


def outcome_group(category: Optional[str], level: Optional[str]) -> str:
    """Which group of the learning-outcome split an outcome on a course of this category and level counts in.

    - ``skills_for_life``: categories skills_for_life and esol, whatever the level (reports split it
      further by the course's level);
    - ``informal``: categories union_course and informal, whatever the level;
    - otherwise by level: ``level_2``, ``level_3``, ``level_4_plus`` (levels 4 to 8), so a level 2
      vocational (NVQ, SWiS), ICT or CPD course counts in ``level_2``;
    - ``other``: everything else (entry levels, level 1 and unlevelled courses outside Skills for Life).
    """
    if category in SFL_CATEGORIES:
        return "skills_for_life"
    if category in INFORMAL_CATEGORIES:
        return "informal"
    if level == "level_2":
        return "level_2"
    if level == "level_3":
        return "level_3"
    if level in LEVEL_4_PLUS:
        return "level_4_plus"
    return "other"


# --- small-number suppression --------------------------------------------------------------

Shown = Union[int, str]
INF = math.inf


def _cell_range(shown: Shown, threshold: int) -> tuple[float, float]:
    """What a reader knows of a cell from what is shown: [low, high]."""
    if isinstance(shown, int):
        return shown, shown
    if shown == COMPLEMENTARY:
        return 1, INF  # a suppressed cell is never zero (zero is shown as 0)
    return 1, threshold - 1  # "<5"


def possible_ranges(total_shown: Shown, by_shown: Mapping[str, Mapping[str, Shown]], threshold: int
                    ) -> tuple[tuple[float, float], dict[tuple[str, str], tuple[float, float]]]:
    """Every value a reader could still give the total and each suppressed cell, knowing that each
    dimension's cells add up to the total, "<t" cells lie in 1..t-1 and "c" cells are 1 or more.

    Exact: each dimension's possible sums form an interval, so the possible totals are the
    intersection of those intervals, and each suppressed cell's possible values an interval too.
    Returns ((total low, high), {(dimension, value): (low, high)}) for the suppressed ones."""
    if isinstance(total_shown, int):
        t_lo, t_hi = float(total_shown), float(total_shown)
    else:
        t_lo, t_hi = 0.0, INF
    info = {}
    for dim, cells in by_shown.items():
        known = sum(v for v in cells.values() if isinstance(v, int))
        ranges = {k: _cell_range(v, threshold) for k, v in cells.items() if not isinstance(v, int)}
        lo = known + sum(r[0] for r in ranges.values())
        hi = known + sum(r[1] for r in ranges.values())
        info[dim] = (known, ranges)
        t_lo, t_hi = max(t_lo, lo), min(t_hi, hi)
    cells_out: dict[tuple[str, str], tuple[float, float]] = {}
    for dim, (known, ranges) in info.items():
        sum_lo = sum(r[0] for r in ranges.values())
        finite_hi = sum(r[1] for r in ranges.values() if r[1] != INF)
        infinite = sum(1 for r in ranges.values() if r[1] == INF)
        for key, (lo, hi) in ranges.items():
            others_lo = sum_lo - lo
            others_inf = infinite - (1 if hi == INF else 0)
            others_hi = INF if others_inf else finite_hi - (hi if hi != INF else 0)
            low = max(lo, t_lo - known - others_hi)
            high = min(hi, t_hi - known - others_lo)
            cells_out[(dim, key)] = (low, high)
    return (t_lo, t_hi), cells_out


def determinable(total_shown: Shown, by_shown: Mapping[str, Mapping[str, Shown]], threshold: int) -> list[tuple[str, str]]:
    """The suppressed counts a reader could work out exactly: (dimension, value) pairs, and
    ("", "total") for a suppressed total. [] means the table is safe."""
    (t_lo, t_hi), cells = possible_ranges(total_shown, by_shown, threshold)
    out = [key for key, (lo, hi) in cells.items() if lo == hi]
    if not isinstance(total_shown, int) and t_lo == t_hi:
        out.append(("", "total"))
    return out


def suppress(total: int, by: Mapping[str, Mapping[str, int]], threshold: int = 5
             ) -> tuple[Shown, dict[str, dict[str, Shown]]]:
    """Small-number suppression for the equality report: (total shown, cells shown).

    Counts from 1 to threshold - 1 are shown as "<threshold" (e.g. "<5"); zero stays 0. Then, while
    a reader could work out any suppressed count exactly (see :func:`determinable`), one more count
    is suppressed as "c": the smallest shown non-zero cell of the dimension that gives it away; if
    that dimension has none left, the total; then the smallest shown cell of the dimension whose
    possible sums are narrowest. Should even that not protect every count (tiny tables, where the
    "<5" cells alone pin the total down), the whole table is withheld: the total and every non-zero
    cell are "c". Each dimension's cells must add up to the total.
    """
    if threshold < 3:
        raise ValueError("The suppression threshold must be 3 or more: '<2' would show the count.")
    small = f"<{threshold}"
    shown: dict[str, dict[str, Shown]] = {
        dim: {k: (small if 0 < v < threshold else v) for k, v in cells.items()} for dim, cells in by.items()}
    total_shown: Shown = total

    def smallest_shown(dim: str) -> Optional[str]:
        candidates = [(v, k) for k, v in shown[dim].items() if isinstance(v, int) and v > 0]
        return min(candidates)[1] if candidates else None

    for _ in range(sum(len(c) for c in by.values()) + 2):
        found = determinable(total_shown, shown, threshold)
        if not found:
            return total_shown, shown
        dim = next((d for d, _k in found if d), None)
        if dim is not None and smallest_shown(dim) is not None:
            shown[dim][smallest_shown(dim)] = COMPLEMENTARY
            continue
        if isinstance(total_shown, int):
            total_shown = COMPLEMENTARY
            continue
        # the total is pinned by the other dimensions: widen the narrowest one that still shows a count
        _total, cells = possible_ranges(total_shown, shown, threshold)
        widths = []
        for d in shown:
            key = smallest_shown(d)
            if key is not None:
                known = sum(v for v in shown[d].values() if isinstance(v, int))
                hi = known + sum(_cell_range(v, threshold)[1] for v in shown[d].values() if not isinstance(v, int))
                lo = known + sum(_cell_range(v, threshold)[0] for v in shown[d].values() if not isinstance(v, int))
                widths.append((hi - lo, d, key))
        if not widths:
            break
        _w, d, key = min(widths)
        shown[d][key] = COMPLEMENTARY
    if not determinable(total_shown, shown, threshold):
        return total_shown, shown
    withheld = {dim: {k: (COMPLEMENTARY if v else 0) for k, v in cells.items()} for dim, cells in by.items()}
    return (COMPLEMENTARY if total else 0), withheld


def is_suppressed(value: Any) -> bool:
    return isinstance(value, str)
