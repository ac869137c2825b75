"""The report rules, table-driven; suppression against an independent brute-force check."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ulr_app.core import periods
from ulr_app.reports import rules


@pytest.mark.parametrize("actual, target, expected", [
    (50, 40, 25.0),
    (30, 40, -25.0),
    (40, 40, 0.0),
    (0, 40, -100.0),
    (5, 0, None),
    (5, None, None),
    (None, 10, None),
    (1, 3, -66.7),          # -66.666...
    (2, 3, -33.3),
    (49, 40, 22.5),
    (Decimal("100.25"), 100, 0.3),   # 0.25 rounds half away from zero
    (Decimal("99.75"), 100, -0.3),   # -0.25 too
    (Decimal("1234.50"), Decimal("1000.00"), 23.5),
    (7, 8, -12.5),
    (1, 8, -87.5),
    (9, 8, 12.5),
    (17, 16, 6.3),          # 6.25 -> 6.3
    (15, 16, -6.3),         # -6.25 -> -6.3
])
def test_variance_pct(actual, target, expected):
    assert rules.variance_pct(actual, target) == expected


@pytest.mark.parametrize("variance, threshold, expected", [
    (20.0, 20, False), (20.1, 20, True), (-20.1, Decimal("20.0"), True), (-20.0, 20, False),
    (None, 20, False), (0.0, 0, False), (0.1, 0, True), (35.5, Decimal("35.5"), False),
])
def test_needs_explanation(variance, threshold, expected):
    assert rules.needs_explanation(variance, threshold) is expected


@pytest.mark.parametrize("part, whole, expected", [
    (1, 3, 33.3), (2, 3, 66.7), (0, 5, 0.0), (0, 0, None), (1, 8, 12.5), (1, 16, 6.3), (5, 5, 100.0)])
def test_rate_pct(part, whole, expected):
    assert rules.rate_pct(part, whole) == expected


@pytest.mark.parametrize("first, last, codes", [
    ("FY2026-Q1", "FY2026-Q1", ["FY2026-Q1"]),
    ("FY2026-Q3", "FY2027-Q1", ["FY2026-Q3", "FY2026-Q4", "FY2027-Q1"]),
    ("FY2026-Q2", "FY2026-Q1", []),
])
def test_quarters_between(first, last, codes):
    got = rules.quarters_between(periods.parse(first), periods.parse(last))
    assert [q.code for q in got] == codes


@pytest.mark.parametrize("starts, ends, codes", [
    (date(2026, 4, 1), date(2026, 6, 30), ["FY2026-Q1"]),
    (date(2026, 6, 30), date(2026, 7, 1), ["FY2026-Q1", "FY2026-Q2"]),
    (date(2026, 5, 15), date(2027, 4, 2), ["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4", "FY2027-Q1"]),
    (date(2028, 1, 1), date(2028, 2, 29), ["FY2027-Q4"]),
])
def test_project_quarters(starts, ends, codes):
    assert [q.code for q in rules.project_quarters(starts, ends)] == codes


def test_leap_year_quarter_holds_29_february():
    q = periods.parse("FY2027-Q4")
    assert q.start == date(2028, 1, 1) and q.end == date(2028, 3, 31)
    assert q.start <= date(2028, 2, 29) <= q.end


@pytest.mark.parametrize("category, level, group", [
    ("skills_for_life", "entry_3", "skills_for_life"),
    ("skills_for_life", "level_2", "skills_for_life"),
    ("esol", "entry_1", "skills_for_life"),
    ("vocational", "level_2", "level_2"),
    ("ict", "level_2", "level_2"),
    ("vocational", "level_3", "level_3"),
    ("higher_education", "level_4", "level_4_plus"),
    ("higher_education", "level_8", "level_4_plus"),
    ("cpd", "level_5", "level_4_plus"),
    ("union_course", "unlevelled", "informal"),
    ("informal", "unlevelled", "informal"),
    ("union_course", "level_2", "informal"),
    ("ict", "level_1", "other"),
    ("vocational", "entry_3", "other"),
    ("cpd", "unlevelled", "other"),
    (None, None, "other"),
])
def test_outcome_group(category, level, group):
    assert rules.outcome_group(category, level) == group


# --- suppression ---------------------------------------------------------------------------

@pytest.mark.parametrize("total, by, expected_total, expected", [
    # nothing small: nothing hidden
    (20, {"g": {"f": 12, "m": 8, "nr": 0}}, 20, {"g": {"f": 12, "m": 8, "nr": 0}}),
    # one small cell: the next smallest is hidden too, so 3 cannot be had as 20 - 12 - 5
    (20, {"g": {"f": 12, "m": 5, "nr": 3}}, 20, {"g": {"f": 12, "m": "c", "nr": "<5"}}),
    # two small cells protect each other
    (20, {"g": {"f": 16, "m": 2, "nr": 2}}, 20, {"g": {"f": 16, "m": "<5", "nr": "<5"}}),
    # a single small count in a tiny table: the total goes
    (3, {"g": {"f": 3, "m": 0}}, "c", {"g": {"f": "<5", "m": 0}}),
])
def test_suppress_examples(total, by, expected_total, expected):
    assert rules.suppress(total, by) == (expected_total, expected)


def test_suppress_refuses_a_threshold_that_would_show_the_count():
    with pytest.raises(ValueError):
        rules.suppress(3, {"g": {"a": 1, "b": 2}}, threshold=2)


def _reachable(value_sets):
    """Every sum of one value from each set (explicit enumeration, no interval reasoning)."""
    sums = {0}
    for values in value_sets:
        sums = {s + v for s in sums for v in values}
    return sums


def brute_force_possible(total_shown, by_shown, threshold, bound):
    """Independent check: every value each suppressed count can take in SOME table consistent with
    what is shown (each dimension adds up to the total; "<t" is 1..t-1, "c" is 1..bound, a hidden
    total 0..bound). Returns ({(dim, key): set}, set of possible totals)."""
    def values(v):
        if isinstance(v, int):
            return {v}
        if v == "c":
            return set(range(1, bound + 1))
        return set(range(1, threshold))

    totals = {total_shown} if isinstance(total_shown, int) else set(range(0, bound + 1))
    for cells in by_shown.values():
        totals &= _reachable([values(v) for v in cells.values()])
    possible = {}
    for dim, cells in by_shown.items():
        keys = list(cells)
        for key in keys:
            if isinstance(cells[key], int):
                continue
            others = _reachable([values(cells[k]) for k in keys if k != key])
            possible[(dim, key)] = {v for v in values(cells[key]) if any(t - v in others for t in totals)}
    return possible, totals


@st.composite
def tables(draw):
    small = st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(0, 30))
    first = draw(st.lists(small, min_size=2, max_size=6))
    total = sum(first)
    by = {"d0": {f"v{i}": n for i, n in enumerate(first)}}
    for d in range(1, draw(st.integers(1, 4))):
        size = draw(st.integers(2, 6))
        left, cells = total, []
        for _ in range(size - 1):
            n = draw(st.integers(0, left)) if draw(st.booleans()) else draw(st.integers(0, min(left, 6)))
            cells.append(n)
            left -= n
        cells.append(left)
        by[f"d{d}"] = {f"v{i}": n for i, n in enumerate(draw(st.permutations(cells)))}
    threshold = draw(st.sampled_from([5, 5, 5, 3, 10]))
    return total, by, threshold


@settings(max_examples=200, deadline=None)
@given(tables())
def test_no_suppressed_count_can_be_worked_out(table):
    total, by, threshold = table
    total_shown, by_shown = rules.suppress(total, by, threshold)
    # the shape is kept; zeros and shown counts are the true ones; every small count is hidden
    assert set(by_shown) == set(by)
    for dim, cells in by.items():
        assert set(by_shown[dim]) == set(cells)
        for key, n in cells.items():
            shown = by_shown[dim][key]
            if n == 0:
                assert shown == 0
            elif n < threshold:
                assert shown in (f"<{threshold}", "c")
            else:
                assert shown == n or shown == "c"
            if shown == f"<{threshold}":
                assert 0 < n < threshold
    assert total_shown == total or total_shown == "c"
    # and no hidden count has only one possible value
    bound = total + 2
    possible, totals = brute_force_possible(total_shown, by_shown, threshold, bound)
    assert total in totals
    for (dim, key), values in possible.items():
        assert by[dim][key] in values
        assert len(values) >= 2, (dim, key, values, total_shown, by_shown)
    if total_shown == "c":
        assert len(totals) >= 2
