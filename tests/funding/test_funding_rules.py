"""The pure rules: quarters, labels, targets and money, what a re-profile is."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ulr_app.core import periods
from ulr_app.funding import rules
from ulr_app.funding.models import MEASURES


@pytest.mark.parametrize("start,end,codes", [
    (date(2026, 4, 1), date(2027, 3, 31), ["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"]),
    (date(2026, 5, 15), date(2026, 6, 1), ["FY2026-Q1"]),
    (date(2026, 12, 31), date(2027, 1, 1), ["FY2026-Q3", "FY2026-Q4"]),
    (date(2027, 3, 31), date(2027, 4, 1), ["FY2026-Q4", "FY2027-Q1"]),
    (date(2026, 6, 1), date(2026, 5, 1), []),
])
def test_quarters_between(start, end, codes):
    assert [q.code for q in rules.quarters_between(start, end)] == codes


@pytest.mark.parametrize("code,words", [
    ("FY2026-Q1", "Apr to Jun 2026 (FY2026-Q1)"),
    ("FY2026-Q3", "Oct to Dec 2026 (FY2026-Q3)"),
    ("FY2026-Q4", "Jan to Mar 2027 (FY2026-Q4)"),
])
def test_quarter_words(code, words):
    assert rules.quarter_words(periods.parse(code)) == words


ALLOWED = ["FY2026-Q1", "FY2026-Q2"]


@pytest.mark.parametrize("value,code,problem", [
    ("FY2026-Q1", "FY2026-Q1", None),
    (" fy2026-q2 ", "FY2026-Q2", None),
    ("FY2026-Q5", None, "is not a quarter"),
    ("2026-04", None, "is not a quarter"),
    ("FY2026", None, "is not a quarter"),
    ("", None, "Enter the period"),
    (None, None, "Enter the period"),
    (42, None, "Enter the period"),
    ("FY2027-Q1", None, "outside the project's quarters (FY2026-Q1 to FY2026-Q2)"),
])
def test_period_problem(value, code, problem):
    got, message = rules.period_problem(value, ALLOWED)
    assert got == code
    assert (message is None) if problem is None else (problem in message)


@pytest.mark.parametrize("value,expected,problem", [
    (0, 0, None), (40, 40, None), ("12", 12, None), (" 1,200 ", 1200, None),
    (-1, None, "negative"), ("-3", None, "negative"), (1.5, None, "whole number"), (40.0, None, "whole number"),
    ("1.5", None, "whole number"), ("ten", None, "whole number"), (True, None, "whole number"),
    (rules.MAX_TARGET + 1, None, "whole number"), ([], None, "whole number"),
])
def test_whole_number(value, expected, problem):
    got, message = rules.whole_number(value)
    assert got == expected
    assert (message is None) if problem is None else (problem in message)


@pytest.mark.parametrize("value,expected,problem", [
    ("1250", Decimal("1250.00"), None), ("£1,250.50", Decimal("1250.50"), None), (0, Decimal("0.00"), None),
    (99.5, Decimal("99.50"), None), ("-1", None, "negative"), ("1.234", None, "two decimals"),
    ("abc", None, "pounds"), ("NaN", None, "pounds"), (True, None, "pounds"), ("1e20", None, "up to"),
])
def test_money(value, expected, problem):
    got, message = rules.money(value)
    assert got == expected
    assert (message is None) if problem is None else (problem in message)


def test_check_targets_names_every_problem():
    rows = [{"period": "FY2026-Q1", "measure": "learners_engaged", "target": 40},
            {"period": "FY2026-Q5", "measure": "learners_engaged", "target": 1},
            {"period": "FY2026-Q2", "measure": "new_members", "target": 3},
            {"period": "FY2026-Q2", "measure": "learners_engaged", "target": -2},
            {"period": "FY2026-Q1", "measure": "learners_engaged", "target": 5},
            {"period": "FY2026-Q2", "measure": "learning_outcomes", "target": None},
            "nonsense",
            {"period": "FY2026-Q2", "measure": "needs_assessed", "target": 2, "colour": "red"}]
    clean, problems = rules.check_targets(rows, ALLOWED, ["learners_engaged", "learning_outcomes", "needs_assessed"],
                                          MEASURES)
    where = {(i, col) for i, col, _ in problems}
    assert where == {(1, "period"), (2, "measure"), (3, "target"), (4, "measure"), (6, "row"), (7, "colour")}
    assert "already given in row 1" in [m for i, c, m in problems if i == 4][0]
    assert clean == {("FY2026-Q1", "learners_engaged"): 40, ("FY2026-Q2", "needs_assessed"): 2}
    assert rules.check_targets({"a": 1}, ALLOWED, [], MEASURES)[1][0][1] == "rows"


def test_changed_cells_keep_only_what_changed():
    before = {("FY2026-Q1", "a"): 1, ("FY2026-Q1", "b"): 2, ("FY2026-Q2", "a"): 3}
    after = {("FY2026-Q1", "a"): 1, ("FY2026-Q1", "b"): 5, ("FY2026-Q3", "a"): Decimal("1.50")}
    old, new = rules.changed_cells(before, after)
    assert old == {"FY2026-Q1": {"b": 2}, "FY2026-Q2": {"a": 3}, "FY2026-Q3": {"a": None}}
    assert new == {"FY2026-Q1": {"b": 5}, "FY2026-Q2": {"a": None}, "FY2026-Q3": {"a": "1.50"}}
    assert rules.changed_cells(before, dict(before)) == ({}, {})


@pytest.mark.parametrize("today,had,expected", [
    (date(2026, 3, 31), True, False),   # before the first quarter
    (date(2026, 4, 1), True, True),     # the first quarter has started
    (date(2026, 12, 7), True, True),
    (date(2026, 12, 7), False, False),  # setting the first profile is not a re-profile
])
def test_is_reprofile(today, had, expected):
    assert rules.is_reprofile(periods.quarter(2026, 1), today, had) is expected
    assert rules.is_reprofile(None, today, had) is False
