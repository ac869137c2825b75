"""The six-month training rule and the one-notice rule, exhaustively."""
from __future__ import annotations

from datetime import date

import pytest

from ulr_app.core.dates import add_months
from ulr_app.reps import rules
from ulr_app.reps.rules import RepFacts

T = date(2026, 11, 23)


@pytest.mark.parametrize("day,months,expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)), (date(2027, 8, 31), 6, date(2028, 2, 29)),
    (date(2026, 3, 10), 3, date(2026, 6, 10)), (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)), (date(2026, 5, 31), 1, date(2026, 6, 30)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def rep(**kw):
    base = dict(appointed_on=date(2026, 1, 5), notice_given_on=date(2026, 1, 10), training_route="will_train")
    return RepFacts(**{**base, **kw})


@pytest.mark.parametrize("facts,today,status,eligible", [
    # no written notice that they are a ULR: appointed, no paid time off
    (rep(notice_given_on=None, will_train_notice_on=date(2026, 1, 10)), T, "appointed", False),
    # notice dated in the future does not count yet
    (rep(notice_given_on=date(2026, 12, 1), will_train_notice_on=date(2026, 12, 1)), T, "appointed", False),
    # will be trained, inside six months: training due, eligible (condition 2)
    (rep(will_train_notice_on=date(2026, 6, 1)), T, "training_due", True),
    # the last day of the six months is still inside
    (rep(will_train_notice_on=date(2026, 5, 23)), T, "training_due", True),
    (rep(will_train_notice_on=date(2026, 5, 22)), T, "lapsed", False),
    # notice on 31 May: deadline 30 November (clamped)
    (rep(will_train_notice_on=date(2026, 5, 31)), date(2026, 11, 30), "training_due", True),
    (rep(will_train_notice_on=date(2026, 5, 31)), date(2026, 12, 1), "lapsed", False),
    # leap year: notice 31 Aug 2027 -> deadline 29 Feb 2028
    (rep(will_train_notice_on=date(2027, 8, 31)), date(2028, 2, 29), "training_due", True),
    (rep(will_train_notice_on=date(2027, 8, 31)), date(2028, 3, 1), "lapsed", False),
    # trained within six months and the union told the employer: active (condition 3)
    (rep(will_train_notice_on=date(2026, 1, 10), trained_on=date(2026, 5, 1), training_completion_notified_on=date(2026, 5, 8)), T, "active", True),
    # trained but the employer not yet told: still only the will-train notice counts
    (rep(will_train_notice_on=date(2026, 1, 10), trained_on=date(2026, 5, 1)), T, "lapsed", False),
    (rep(will_train_notice_on=date(2026, 8, 1), trained_on=date(2026, 9, 1)), T, "training_due", True),
    # lapsed, then trained and notified later: active again (condition 1)
    (rep(will_train_notice_on=date(2025, 1, 10), trained_on=date(2026, 9, 1), training_completion_notified_on=date(2026, 9, 2)), T, "active", True),
    # already trained and the employer told: active (condition 1)
    (rep(training_route="already_trained", trained_on=date(2019, 6, 1), training_completion_notified_on=date(2026, 1, 10)), T, "active", True),
    # already trained but the employer not told in writing: not yet
    (rep(training_route="already_trained", trained_on=date(2019, 6, 1)), T, "appointed", False),
    # no training route information at all
    (rep(), T, "appointed", False),
    # stood down wins over everything, from that day
    (rep(will_train_notice_on=date(2026, 6, 1), stood_down_on=T), T, "stood_down", False),
    (rep(will_train_notice_on=date(2026, 6, 1), stood_down_on=date(2026, 12, 1)), T, "training_due", True),
])
def test_status_and_eligibility(facts, today, status, eligible):
    assert rules.status(facts, today) == status
    assert rules.eligible_for_paid_time_off(facts, today) is eligible


@pytest.mark.parametrize("notice,deadline", [
    (date(2026, 3, 10), date(2026, 9, 10)), (date(2026, 8, 31), date(2027, 2, 28)), (date(2027, 8, 31), date(2028, 2, 29)),
    (None, None),
])
def test_training_deadline(notice, deadline):
    assert rules.training_deadline(notice) == deadline


@pytest.mark.parametrize("facts,today,warn", [
    (rep(will_train_notice_on=date(2026, 6, 1)), T, True),       # deadline 1 Dec: within a month
    (rep(will_train_notice_on=date(2026, 7, 1)), T, False),      # deadline 1 Jan: not yet
    (rep(will_train_notice_on=date(2026, 6, 23)), T, True),      # deadline 23 Dec: exactly a month
    (rep(will_train_notice_on=date(2026, 6, 24)), T, False),
    (rep(will_train_notice_on=date(2026, 1, 1)), T, False),      # already lapsed: no warning, lapsed status instead
    (rep(will_train_notice_on=date(2026, 6, 1), trained_on=date(2026, 9, 1), training_completion_notified_on=date(2026, 9, 1)), T, False),
])
def test_warning_a_month_before(facts, today, warn):
    assert rules.training_warning(facts, today) is warn


def test_deadline_shown_only_while_it_matters():
    assert rules.deadline_for(rep(will_train_notice_on=date(2026, 6, 1)), T) == date(2026, 12, 1)
    assert rules.deadline_for(rep(will_train_notice_on=date(2026, 1, 1)), T) == date(2026, 7, 1)  # lapsed: still shown
    trained = rep(will_train_notice_on=date(2026, 6, 1), trained_on=date(2026, 9, 1), training_completion_notified_on=date(2026, 9, 1))
    assert rules.deadline_for(trained, T) is None
    assert rules.deadline_for(rep(training_route="already_trained"), T) is None
    assert rules.days_left(rep(will_train_notice_on=date(2026, 6, 1)), T) == 8


@pytest.mark.parametrize("earlier,new,refused", [
    ([], date(2026, 1, 1), False),
    ([None], date(2026, 1, 1), False),
    ([date(2026, 1, 1)], date(2026, 1, 1), False),   # the same notice saved again
    ([date(2025, 1, 1)], date(2026, 1, 1), True),    # a second notice, even after lapsing
    ([date(2025, 1, 1)], None, False),
])
def test_one_will_be_trained_notice_per_person(earlier, new, refused):
    problem = rules.will_train_notice_problem(earlier, new)
    assert (problem is not None) is refused
    if refused:
        assert "only one 'will be trained' notice" in problem and "s.168A" not in problem


@pytest.mark.parametrize("kind,school", [("school", True), ("service", False), ("other", False), (None, False)])
def test_school_based(kind, school):
    assert rules.school_based(kind) is school
