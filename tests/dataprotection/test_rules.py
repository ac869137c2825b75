"""The due date of a subject access request (ICO guidance on the right of access), table-driven, with the
shipped England and Wales bank holidays."""
from __future__ import annotations

from datetime import date

import pytest

from ulr_app.dataprotection import rules
from ulr_app.dataprotection.queries import shipped_bank_holidays

HOLIDAYS = shipped_bank_holidays()
D = date

# (received_on, identity_received_on, extension_months, due_on, why)
CASES = [
    (D(2025, 9, 3), None, 0, D(2025, 10, 3), "the corresponding date next month (ICO's own example)"),
    (D(2025, 1, 31), None, 0, D(2025, 2, 28), "31 January: no 31 February, so the last day of February"),
    (D(2024, 1, 31), None, 0, D(2024, 2, 29), "leap year: 29 February"),
    (D(2028, 1, 30), None, 0, D(2028, 2, 29), "leap year: 30 January -> 29 February"),
    (D(2026, 1, 31), None, 0, D(2026, 3, 2), "28 February 2026 is a Saturday: Monday 2 March"),
    (D(2025, 12, 31), None, 0, D(2026, 2, 2), "31 January 2026 is a Saturday: Monday 2 February"),
    (D(2024, 2, 29), None, 0, D(2024, 4, 2), "29 March 2024 is Good Friday, then the weekend and Easter Monday"),
    (D(2026, 3, 3), None, 0, D(2026, 4, 7), "3 April 2026 is Good Friday; 6 April Easter Monday"),
    (D(2026, 11, 25), None, 0, D(2026, 12, 29), "Christmas on a Friday; Boxing Day substitute Monday 28th"),
    (D(2021, 11, 25), None, 0, D(2021, 12, 29), "Christmas on a Saturday: substitute days 27th and 28th"),
    (D(2022, 11, 26), None, 0, D(2022, 12, 28), "Christmas on a Sunday: Boxing Day 26th, substitute 27th"),
    (D(2022, 12, 2), None, 0, D(2023, 1, 3), "New Year's Day on a Sunday: substitute Monday 2 January"),
    (D(2020, 4, 8), None, 0, D(2020, 5, 11), "2020: the early May bank holiday moved to VE day, Friday 8 May"),
    (D(2022, 5, 2), None, 0, D(2022, 6, 6), "2022: Spring bank holiday 2 June and the Jubilee 3 June"),
    (D(2022, 8, 19), None, 0, D(2022, 9, 20), "2022: the Queen's state funeral, 19 September"),
    (D(2023, 4, 8), None, 0, D(2023, 5, 9), "2023: the coronation bank holiday, 8 May"),
    (D(2025, 3, 1), None, 0, D(2025, 4, 1), "received on a Saturday: the clock still starts that day"),
    (D(2025, 3, 1), D(2025, 3, 10), 0, D(2025, 4, 10), "the clock starts when proof of identity arrives"),
    (D(2025, 3, 10), D(2025, 3, 10), 0, D(2025, 4, 10), "identity on the same day"),
    (D(2025, 3, 10), D(2025, 3, 1), 0, D(2025, 4, 10), "identity 'before' receipt: the later date (receipt) counts"),
    (D(2025, 1, 31), None, 1, D(2025, 3, 31), "extended by 1 month: 31 March"),
    (D(2025, 1, 31), None, 2, D(2025, 4, 30), "extended by 2 months: no 31 April, so 30 April"),
    (D(2023, 2, 8), None, 2, D(2023, 5, 9), "extended by 2 months onto the coronation bank holiday"),
    (D(2025, 11, 30), None, 2, D(2026, 3, 2), "extended by 2 months: 28 February 2026 (no 30th) is a Saturday"),
    (D(2025, 2, 28), None, 0, D(2025, 3, 28), "28 February -> 28 March (not the last day of March)"),
]


@pytest.mark.parametrize(("received", "identity", "extension", "due", "why"), CASES, ids=[c[4] for c in CASES])
def test_due_on(received, identity, extension, due, why):
    assert rules.due_on(received, identity, extension, HOLIDAYS) == due
    assert due.weekday() < 5 and due not in HOLIDAYS


def test_due_on_without_bank_holidays_only_skips_weekends():
    assert rules.due_on(D(2026, 3, 3), None, 0) == D(2026, 4, 3)  # Good Friday is a working day without the list
    assert rules.due_on(D(2026, 1, 31), None, 0) == D(2026, 3, 2)


@pytest.mark.parametrize("extension", (-1, 3, 12))
def test_extension_beyond_two_months_is_refused(extension):
    with pytest.raises(ValueError):
        rules.due_on(D(2025, 1, 1), None, extension, HOLIDAYS)


@pytest.mark.parametrize(("day", "expected"), [
    (D(2026, 12, 24), D(2026, 12, 24)),  # Thursday
    (D(2026, 12, 25), D(2026, 12, 29)),
    (D(2026, 12, 26), D(2026, 12, 29)),
    (D(2027, 1, 1), D(2027, 1, 4)),      # New Year's Day on a Friday
    (D(2030, 4, 19), D(2030, 4, 23)),    # Good Friday 2030, Easter Monday 22nd
])
def test_next_working_day(day, expected):
    assert rules.next_working_day(day, HOLIDAYS) == expected


@pytest.mark.parametrize(("due", "status", "today", "expected"), [
    (D(2026, 5, 1), "open", D(2026, 5, 2), "overdue"),
    (D(2026, 5, 1), "open", D(2026, 5, 1), "due_soon"),
    (D(2026, 5, 8), "open", D(2026, 5, 1), "due_soon"),
    (D(2026, 5, 9), "open", D(2026, 5, 1), None),
    (D(2026, 5, 1), "answered", D(2026, 6, 1), None),
    (D(2026, 5, 1), "withdrawn", D(2026, 6, 1), None),
])
def test_urgency(due, status, today, expected):
    assert rules.urgency(due, status, today) == expected


def test_explain_says_each_step():
    steps = rules.explain(D(2026, 11, 25), None, 0, HOLIDAYS, HOLIDAYS)
    assert steps[0] == "The clock starts on the day the request was received: 25 November 2026."
    assert steps[1] == "25 November 2026 + 1 month = 25 December 2026."
    assert "25 December 2026 is a bank holiday (Christmas Day)" in steps[2]
    assert "26 December 2026 is a Saturday" in steps[2]
    assert "28 December 2026 is a bank holiday (Boxing Day (substitute day))" in steps[2]
    assert steps[2].endswith("so the answer is due on the next working day, 29 December 2026.")
    steps = rules.explain(D(2025, 1, 31), D(2025, 1, 31), 2, HOLIDAYS)
    assert steps[1] == ("31 January 2025 + 3 months = 30 April 2025 (that month has no such date, so its last day), "
                        "including the extension of 2 months.")
    steps = rules.explain(D(2025, 3, 1), D(2025, 3, 10), 0, HOLIDAYS)
    assert steps[0].startswith("The clock starts when the proof of identity arrived: 10 March 2025")


def test_shipped_bank_holidays():
    assert min(HOLIDAYS).year == 2020 and max(HOLIDAYS).year == 2030
    assert all(d.weekday() < 5 for d in HOLIDAYS)
    for year in range(2020, 2031):
        assert sum(1 for d in HOLIDAYS if d.year == year) >= 8, year
    expected = {
        D(2020, 5, 8): "VE day", D(2020, 12, 28): "Boxing Day (substitute day)",
        D(2021, 12, 27): "Christmas Day (substitute day)", D(2021, 12, 28): "Boxing Day (substitute day)",
        D(2022, 1, 3): "New Year's Day (substitute day)", D(2022, 6, 2): "Spring bank holiday",
        D(2022, 6, 3): "Jubilee", D(2022, 9, 19): "State Funeral", D(2022, 12, 27): "Christmas Day (substitute day)",
        D(2023, 5, 8): "coronation", D(2026, 4, 3): "Good Friday", D(2026, 4, 6): "Easter Monday",
        D(2026, 12, 28): "Boxing Day (substitute day)",
    }
    for day, words in expected.items():
        assert words in HOLIDAYS[day], day
    assert D(2020, 5, 4) not in HOLIDAYS  # moved to VE day
    assert D(2022, 5, 30) not in HOLIDAYS  # moved to 2 June for the Jubilee
