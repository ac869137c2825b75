"""Tribunal deadlines (both regimes, month ends, leap years, early conciliation) and notice."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from ulr_app.timeoff import rules

ERA_2025 = date(2026, 10, 1)


@pytest.mark.parametrize("kind,failure,last", [
    ("ulr_duties", date(2026, 3, 10), date(2026, 6, 9)),        # the domain's example
    ("ulr_training", date(2026, 1, 31), date(2026, 4, 29)),     # 31 Jan + 3 = 30 Apr (clamped) - 1
    ("member_access", date(2026, 5, 31), date(2026, 8, 30)),
    ("ulr_duties", date(2025, 11, 30), date(2026, 2, 27)),      # + 3 = 28 Feb (clamped) - 1
    ("ulr_duties", date(2023, 11, 30), date(2024, 2, 28)),      # leap year: + 3 = 29 Feb - 1
    ("ulr_duties", date(2026, 9, 30), date(2026, 12, 29)),      # the day before commencement: 3 months
    ("ulr_duties", date(2026, 10, 1), date(2027, 3, 31)),       # on commencement: 6 months
    ("ulr_duties", date(2026, 8, 31), date(2026, 11, 29)),      # 31 Aug + 3 = 30 Nov - 1
    ("ulr_training", date(2027, 8, 31), date(2028, 2, 28)),     # 6 months: 29 Feb 2028 - 1
    ("member_access", date(2026, 12, 31), date(2027, 6, 29)),   # 6 months: 30 Jun (clamped) - 1
])
def test_deadline_without_conciliation(kind, failure, last):
    deadline = rules.tribunal_deadline(kind=kind, failure_on=failure, commencement_on=ERA_2025)
    assert deadline.last_day == last
    assert deadline.months == (6 if failure >= ERA_2025 else 3)
    assert any("Last day" in s for s in deadline.steps)


def test_no_commencement_setting_means_three_months():
    assert rules.tribunal_deadline(kind="ulr_duties", failure_on=date(2027, 3, 10), commencement_on=None).last_day == date(2027, 6, 9)


@pytest.mark.parametrize("kind", ["learner_release", "something_else"])
def test_no_statutory_deadline_for_learner_release(kind):
    assert rules.tribunal_deadline(kind=kind, failure_on=date(2026, 3, 10), commencement_on=ERA_2025) is None


def test_no_deadline_without_a_failure_date():
    assert rules.tribunal_deadline(kind="ulr_duties", failure_on=None, commencement_on=ERA_2025) is None


@pytest.mark.parametrize("failure,day_a,day_b,last", [
    # 9 June limit; EC 1 May -> 15 May: 14 days do not count -> 23 June (after 15 June floor)
    (date(2026, 3, 10), date(2026, 5, 1), date(2026, 5, 15), date(2026, 6, 23)),
    # EC late in the period: 1 June -> 5 June: 4 days -> 13 June; floor 5 July wins
    (date(2026, 3, 10), date(2026, 6, 1), date(2026, 6, 5), date(2026, 7, 5)),
    # EC started on the last day itself still counts: 9 June -> 9 June: 0 days; floor 9 July
    (date(2026, 3, 10), date(2026, 6, 9), date(2026, 6, 9), date(2026, 7, 9)),
    # certificate on 31 Jan: one month after is 28 Feb (clamped)
    (date(2025, 11, 20), date(2026, 1, 10), date(2026, 1, 31), date(2026, 3, 12)),
    (date(2025, 12, 20), date(2026, 3, 18), date(2026, 3, 31), date(2026, 4, 30)),
    # new regime: 1 Oct 2026 -> 31 Mar 2027; EC 1 Feb -> 1 Mar 2027 (28 days) -> 28 Apr 2027
    (date(2026, 10, 1), date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 28)),
    # leap year pause across February
    # leap year: 1 Feb to 1 Mar 2028 is 29 days; 31 May 2028 + 29 = 29 June
    (date(2027, 12, 1), date(2028, 2, 1), date(2028, 3, 1), date(2028, 6, 29)),
])
def test_early_conciliation(failure, day_a, day_b, last):
    deadline = rules.tribunal_deadline(kind="ulr_duties", failure_on=failure, commencement_on=ERA_2025,
                                       ec_started_on=day_a, ec_certificate_on=day_b)
    assert deadline.last_day == last, deadline.steps


def test_conciliation_started_after_the_deadline_does_not_help():
    deadline = rules.tribunal_deadline(kind="ulr_duties", failure_on=date(2026, 3, 10), commencement_on=ERA_2025,
                                       ec_started_on=date(2026, 6, 10), ec_certificate_on=date(2026, 6, 20))
    assert deadline.last_day == date(2026, 6, 9)
    assert any("does not extend" in s for s in deadline.steps)


def test_conciliation_without_a_certificate_keeps_the_base_date_and_says_so():
    deadline = rules.tribunal_deadline(kind="ulr_duties", failure_on=date(2026, 3, 10), commencement_on=ERA_2025,
                                       ec_started_on=date(2026, 5, 1))
    assert deadline.last_day == date(2026, 6, 9)
    assert any("record its date" in s for s in deadline.steps)


def test_the_working_is_shown():
    steps = rules.tribunal_deadline(kind="ulr_duties", failure_on=date(2026, 1, 31), commencement_on=ERA_2025).steps
    assert steps[0] == "Refused on 31 January 2026."
    assert "clamped" in steps[2] and "29 April 2026" in steps[-1]


@pytest.mark.parametrize("kind,requested,starts,days,ok", [
    ("ulr_duties", date(2026, 3, 1), date(2026, 3, 8), 7, True),
    ("ulr_duties", date(2026, 3, 1), date(2026, 3, 7), 6, False),
    ("ulr_training", date(2026, 3, 1), date(2026, 3, 22), 21, True),
    ("ulr_training", date(2026, 3, 1), date(2026, 3, 21), 20, False),
    ("learner_release", date(2026, 3, 1), date(2026, 3, 10), 9, False),
    ("member_access", date(2026, 3, 1), date(2026, 3, 1), 0, False),
    ("member_access", None, date(2026, 3, 1), None, None),
])
def test_notice(kind, requested, starts, days, ok):
    assert rules.notice_days(requested, starts) == days
    assert rules.notice_ok(kind, days, default_days=7, training_days=21) is ok


def test_warnings():
    w = rules.warnings(kind="ulr_training", days=3, default_days=7, training_days=21, rep_eligible=False,
                       paid_expected=None, agreement_member_access_paid=None)
    assert len(w) == 2 and "Short notice: 3 days" in w[0] and "not eligible" in w[1]
    w = rules.warnings(kind="member_access", days=10, default_days=7, training_days=21, rep_eligible=True,
                       paid_expected=True, agreement_member_access_paid=False)
    assert w == ["Paid time off is expected, but the learning agreement says members' access to a ULR is unpaid."]
    assert rules.warnings(kind="member_access", days=10, default_days=7, training_days=21, rep_eligible=True,
                          paid_expected=True, agreement_member_access_paid=True) == []


@pytest.mark.parametrize("kind", ["ulr_duties", "ulr_training", "member_access", "learner_release"])
@pytest.mark.parametrize("failure", [None, date(2026, 1, 31), date(2026, 8, 30), date(2026, 9, 30), date(2026, 10, 1),
                                     date(2027, 2, 28)])
@pytest.mark.parametrize("ec", [(None, None), (0, None), (10, 40), (20, 15), (85, 100), (200, 230), (5, 6)])
def test_the_last_day_alone_is_the_deadline_worked_out_in_full(kind, failure, ec):
    """tribunal_last_day (the home pages and reminders sort and count by it) is the full rule's last day, for
    every kind, either side of the commencement, month ends, and each early conciliation case (none, not
    yet certified, certified, certificate before the start, started after the last day, the one-month floor)."""
    started = failure + timedelta(days=ec[0]) if failure and ec[0] is not None else None
    certified = failure + timedelta(days=ec[1]) if failure and ec[1] is not None else None
    args = dict(kind=kind, failure_on=failure, commencement_on=ERA_2025, ec_started_on=started,
                ec_certificate_on=certified)
    full = rules.tribunal_deadline(**args)
    assert rules.tribunal_last_day(**args) == (full.last_day if full else None)
