from datetime import date

import pytest

from ulr_app.cases import rules

D = date(2026, 3, 1)


@pytest.mark.parametrize("kind,expected", [
    ("learner_support", [("Needs analysis", D), ("Referral follow-up", date(2026, 3, 15)), ("Progress review", date(2026, 5, 30))]),
    ("time_off_dispute", [("Raise with the partnership group", date(2026, 3, 8)), ("Decide on Acas early conciliation", date(2026, 3, 22))]),
    ("other", []), ("unknown", []),
])
def test_templates(kind, expected):
    assert rules.planned_follow_ups(kind, D) == expected


@pytest.mark.parametrize("target,closed_on,fields", [
    ("open", None, set()), ("waiting", None, set()), ("closed", None, {"closed_on"}), ("closed", D, set()), ("gone", None, {"status"}),
])
def test_status(target, closed_on, fields):
    assert set(rules.status_problems("open", target, closed_on=closed_on)) == fields


@pytest.mark.parametrize("due,done,state", [(date(2026, 2, 1), False, "overdue"), (D, False, "due"),
                                            (date(2026, 4, 1), False, "planned"), (date(2026, 2, 1), True, "done")])
def test_follow_up_state(due, done, state):
    assert rules.follow_up_state(due, done, D) == state
