"""The one date rule (core.validation): how dates are typed, and which dates are believable."""
from __future__ import annotations

from datetime import date

import pytest

from ulr_app.core import validation as v
from ulr_app.core.forms import date_hint, iso_date_text

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize("typed,expected", [
    ("31 3 2026", date(2026, 3, 31)),
    ("31/3/2026", date(2026, 3, 31)),
    ("31-03-2026", date(2026, 3, 31)),
    ("31.3.2026", date(2026, 3, 31)),
    (" 31  March 2026 ", date(2026, 3, 31)),
    ("31 mar 2026", date(2026, 3, 31)),
    ("3 Sept 2026", date(2026, 9, 3)),
    ("2026-03-31", date(2026, 3, 31)),
    ("31/2/2026", None),
    ("1 13 2026", None),
    ("next Tuesday", None),
    ("2026-3-31", None),
    ("31 3 26", None),
    ("", None),
    (None, None),
    (20260331, None),
])
def test_parse_date(typed, expected):
    assert v.parse_date(typed) == expected


@pytest.mark.parametrize("value,kind,problem", [
    (date(1900, 1, 1), v.HAPPENED, None),
    (date(1899, 12, 31), v.HAPPENED, "This date must be in 1900 or later"),
    (date(1899, 12, 31), v.PLANNED, "This date must be in 1900 or later"),
    (date(1975, 6, 1), v.HAPPENED, None),                     # a union join date may be old
    (date(1989, 12, 31), v.LEARNING_HAPPENED, "This date must be in 1990 or later"),
    (date(1989, 12, 31), v.LEARNING_PLANNED, "This date must be in 1990 or later"),
    (date(1990, 1, 1), v.LEARNING_HAPPENED, None),
    (TODAY, v.HAPPENED, None),
    (TODAY, v.LEARNING_HAPPENED, None),
    (date(2026, 12, 8), v.HAPPENED, "This date cannot be in the future"),
    (date(2026, 12, 8), v.LEARNING_HAPPENED, "This date cannot be in the future"),
    (date(2026, 12, 8), v.PLANNED, None),
    (date(2036, 12, 7), v.PLANNED, None),                     # exactly ten years ahead
    (date(2036, 12, 8), v.PLANNED, "This date cannot be more than 10 years ahead (after 7 December 2036)"),
    (date(2036, 12, 8), v.LEARNING_PLANNED, "This date cannot be more than 10 years ahead (after 7 December 2036)"),
])
def test_date_problem(value, kind, problem):
    assert v.date_problem(value, kind, today=TODAY) == problem


def test_ten_years_from_29_february():
    assert v.latest_planned(date(2028, 2, 29)) == date(2038, 2, 28)


@pytest.mark.parametrize("data,errors", [
    ({"d": "31 3 2026"}, {}),
    ({"d": ""}, {}),
    ({"d": "31/2/2026"}, {"d": ["Enter the date as a real date, for example 31 3 2026"]}),
    ({"d": "1 1 1985"}, {"d": ["This date must be in 1990 or later"]}),
    ({"d": "8 12 2026"}, {"d": ["This date cannot be in the future"]}),
])
def test_day_applies_the_rule_and_keeps_one_message_per_field(data, errors):
    found: dict = {}
    v.day(data, found, "d", "the date", kind=v.LEARNING_HAPPENED, today=TODAY)
    assert found == errors


def test_moment_reads_uk_and_iso_and_checks_the_date():
    errors: dict = {}
    assert v.moment({"m": "31 3 2026 09:30"}, errors, "m", "when").hour == 9
    assert v.moment({"m": "2026-03-31T09:30"}, errors, "m", "when").minute == 30
    assert errors == {}
    v.moment({"m": "1 1 1985 09:30"}, errors, "m", "when", kind=v.LEARNING_PLANNED)
    assert errors == {"m": ["This date must be in 1990 or later"]}
    errors.clear()
    v.moment({"m": "soon"}, errors, "m", "when it starts")
    assert errors == {"m": ["Enter when it starts as a date and time, for example 31 3 2026 09:30"]}


def test_one_way_to_write_dates():
    assert v.DATE_HINT == "For example, 31 3 2026"
    assert date_hint("Leave blank for today.") == "Leave blank for today. For example, 31 3 2026"
    assert v.date_input(date(2026, 3, 1)) == "1 3 2026" and v.date_input(None) == ""
    assert v.format_date(date(2026, 9, 13)) == "13 September 2026"
    assert iso_date_text("13 9 2026") == "2026-09-13" and iso_date_text(" rubbish ") == "rubbish"


def test_every_date_hint_on_every_form_is_the_one_example():
    """No form keeps an old example (31/3/2026, 2026-03-31, 1/4/2026)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "ulr_app"
    for path in root.glob("*/forms.py"):
        source = path.read_text()
        assert not re.search(r"For example, \d{1,4}[/-]\d", source), path
