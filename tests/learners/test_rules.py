from datetime import date

import pytest

from ulr_app.learners import rules
from ulr_app.learners.rules import EnrolmentFacts

D = date(2026, 3, 1)


@pytest.mark.parametrize("a,b,result", [
    ("level_2", "level_1", True), ("level_1", "level_2", False), ("entry_3", "entry_2", True),
    ("level_1", "entry_3", True), ("level_1", "unlevelled", True), ("unlevelled", "pre_entry", False),
    ("level_2", None, True), (None, "level_1", False), ("level_2", "level_2", False),
])
def test_higher(a, b, result):
    assert rules.higher(a, b) is result


@pytest.mark.parametrize("current,target,dates,extra,fields", [
    (None, "enquiry", {}, {}, set()),
    ("enquiry", "referred", {}, {}, {"referred_on"}),
    ("enquiry", "referred", {"referred_on": D}, {}, set()),
    ("referred", "enrolled", {"started_on": D}, {}, set()),
    ("enrolled", "completed", {"started_on": D, "completed_on": D}, {}, {"status"}),
    ("in_progress", "completed", {"started_on": D}, {}, {"completed_on"}),
    ("in_progress", "achieved", {"started_on": D, "achieved_on": date(2026, 2, 1)}, {}, {"achieved_on"}),
    ("in_progress", "withdrawn", {"withdrawn_on": D}, {}, {"withdrawal_reason"}),
    ("in_progress", "withdrawn", {"withdrawn_on": D}, {"withdrawal_reason": "moved job"}, set()),
    ("in_progress", "break_in_learning", {"break_started_on": D}, {"break_reason": "illness"}, {"return_on"}),
    ("in_progress", "break_in_learning", {"break_started_on": D}, {"break_reason": "illness", "return_on": D}, {"return_on"}),
    ("in_progress", "break_in_learning", {"break_started_on": D}, {"break_reason": "illness", "return_on": date(2026, 4, 1)}, set()),
    ("break_in_learning", "in_progress", {"started_on": D}, {}, set()),
    ("completed", "achieved", {"achieved_on": D}, {}, set()),
    ("achieved", "in_progress", {"started_on": D}, {}, {"status"}),
    ("withdrawn", "enrolled", {"started_on": D}, {}, {"status"}),
    ("enquiry", "flying", {}, {}, {"status"}),
    # dates in order: a break cannot start before the course did, nor a withdrawal come before the referral
    ("in_progress", "break_in_learning", {"started_on": D, "break_started_on": date(2026, 2, 1)},
     {"break_reason": "illness", "return_on": date(2026, 4, 1)}, {"break_started_on"}),
    ("referred", "withdrawn", {"referred_on": D, "withdrawn_on": date(2026, 2, 1)}, {"withdrawal_reason": "moved"},
     {"withdrawn_on"}),
])
def test_transitions(current, target, dates, extra, fields):
    assert set(rules.transition_problems(current, target, dates, **extra)) == fields


@pytest.mark.parametrize("status,completed,achieved,outcome", [
    ("completed", D, None, D), ("achieved", date(2026, 2, 1), D, date(2026, 2, 1)), ("achieved", None, D, D),
    ("in_progress", None, None, None), ("withdrawn", None, None, None),
    # a date on an enrolment that is not completed or achieved makes no outcome
    ("in_progress", D, None, None), ("withdrawn", None, D, None), ("break_in_learning", D, D, None),
])
def test_outcome_counted_once_on_the_earlier_date(status, completed, achieved, outcome):
    assert rules.outcome_on(status, completed, achieved) == outcome


def test_progression():
    rtl = EnrolmentFacts(1, "unlevelled", "completed", date(2025, 1, 1), date(2025, 3, 1), None)
    sfl = EnrolmentFacts(2, "entry_3", "achieved", date(2025, 4, 1), None, date(2025, 7, 1))
    nvq = EnrolmentFacts(3, "level_2", "in_progress", date(2025, 9, 1), None, None)
    same = EnrolmentFacts(4, "entry_3", "enrolled", date(2025, 8, 1), None, None)
    assert rules.progressions([rtl, sfl, nvq, same]) == [(1, 2), (2, 3)]
    assert rules.progressions([nvq]) == []


@pytest.mark.parametrize("status,end,state", [
    ("in_progress", date(2026, 5, 1), "green"), ("in_progress", date(2026, 3, 31), "amber"),
    ("in_progress", date(2026, 2, 28), "red"), ("enrolled", D, "amber"), ("completed", date(2026, 2, 1), None),
    ("break_in_learning", date(2026, 5, 1), "amber"), ("break_in_learning", date(2026, 2, 1), "red"),
    ("in_progress", None, None),
])
def test_on_track(status, end, state):
    assert rules.on_track(status=status, planned_end_on=end, today=D) == state


def test_ladder_and_next_steps():
    reached = rules.highest_by_subject([("literacy", "entry_3"), ("literacy", "level_1"), ("numeracy", "level_2"),
                                        ("other", "unlevelled")])
    assert reached == {"literacy": "level_1", "numeracy": "level_2"}
    steps = rules.next_steps(reached)
    assert "Skills for Life English at Level 2" in steps and "HLTA status needs Level 2 English and maths" in steps
    assert "HLTA status preparation (Level 2 English and maths reached)" in rules.next_steps({"literacy": "level_2", "numeracy": "level_2"})
    assert rules.next_steps({})[0].startswith("An initial assessment")


@pytest.mark.parametrize("target,sent,refused", [
    ("completed", {"completed_on"}, set()),
    ("achieved", {"completed_on", "achieved_on"}, set()),
    ("in_progress", {"started_on"}, set()),
    ("in_progress", {"completed_on"}, {"completed_on"}),                 # still in progress: no completion date
    ("withdrawn", {"withdrawn_on", "withdrawal_reason", "achieved_on"}, {"achieved_on"}),
    ("break_in_learning", {"break_started_on", "break_reason", "return_on"}, set()),
    ("in_progress", {"return_on", "break_reason"}, {"return_on", "break_reason"}),
    ("enquiry", {"referred_on"}, {"referred_on"}),
    ("referred", {"referred_on", "started_on"}, {"started_on"}),
    ("completed", {"withdrawn_on"}, {"withdrawn_on"}),
])
def test_dates_belong_with_their_status(target, sent, refused):
    assert set(rules.out_of_place(target, sent)) == refused
