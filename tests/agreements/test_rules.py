"""Table-driven tests of the agreement rules."""
from __future__ import annotations

from datetime import date

import pytest

from ulr_app.agreements import rules

D = date(2026, 3, 1)
SIGNED_OK = dict(signed_on=D, employer_signatory="Jo Bloggs", union_signatory="Sam Shah", review_due_on=date(2027, 3, 1))


@pytest.mark.parametrize("current,target,ok", [
    ("draft", "negotiating", True), ("draft", "signed", False), ("draft", "terminated", True), ("draft", "expired", False),
    ("negotiating", "signed", True), ("negotiating", "draft", True), ("negotiating", "under_review", False),
    ("signed", "under_review", True), ("signed", "expired", True), ("signed", "terminated", True), ("signed", "draft", False),
    ("under_review", "signed", True), ("under_review", "expired", True), ("under_review", "negotiating", False),
    ("expired", "signed", False), ("terminated", "draft", False), ("draft", "draft", True), ("draft", "nonsense", False),
])
def test_transitions(current, target, ok):
    assert (rules.transition_problems(current, target, **SIGNED_OK) == {}) is ok


@pytest.mark.parametrize("missing,field", [
    ({"signed_on": None}, "signed_on"), ({"employer_signatory": ""}, "employer_signatory"),
    ({"union_signatory": "  "}, "union_signatory"), ({"review_due_on": None}, "review_due_on"),
])
def test_signing_needs_date_both_signatories_and_a_review_date(missing, field):
    for current, target in (("negotiating", "signed"), ("under_review", "signed"), ("signed", "under_review")):
        problems = rules.transition_problems(current, target, **{**SIGNED_OK, **missing})
        assert set(problems) == {field}, (current, target, problems)


def test_terminating_needs_no_signature():
    assert rules.transition_problems("draft", "terminated", signed_on=None, employer_signatory=None,
                                     union_signatory=None, review_due_on=None) == {}


def test_a_final_status_explains_itself():
    assert "cannot change status" in rules.transition_problems("expired", "signed", **SIGNED_OK)["status"]
    assert "it can go to negotiating, terminated" in rules.transition_problems("draft", "signed", **SIGNED_OK)["status"]


@pytest.mark.parametrize("values,field", [
    (dict(starts_on=None, signed_on=D, review_due_on=D, expires_on=None), "review_due_on"),
    (dict(starts_on=None, signed_on=D, review_due_on=date(2026, 2, 1), expires_on=None), "review_due_on"),
    (dict(starts_on=D, signed_on=None, review_due_on=None, expires_on=D), "expires_on"),
    (dict(starts_on=None, signed_on=D, review_due_on=date(2028, 1, 1), expires_on=date(2027, 1, 1)), "review_due_on"),
    (dict(starts_on=D, signed_on=D, review_due_on=date(2027, 1, 1), expires_on=date(2028, 1, 1)), None),
])
def test_date_problems(values, field):
    problems = rules.date_problems(**values)
    assert (set(problems) == {field}) if field else problems == {}


@pytest.mark.parametrize("establishment_type,who", [
    ("Community school", "la"), ("Voluntary controlled school", "la"), ("Community special school", "la"),
    ("Local authority nursery school", "la"), ("Pupil referral unit", "la"),
    ("Voluntary aided school", "governing_body"), ("Foundation school", "governing_body"),
    ("Foundation special school", "governing_body"),
    ("Academy converter", "trust"), ("Academy sponsor led", "trust"), ("Free schools", "trust"),
    ("Studio schools", "trust"), ("University technical college", "trust"),
    ("Other independent school", "other"), (None, "other"), ("", "other"),
])
def test_who_employs_school_staff(establishment_type, who):
    assert rules.school_employer(establishment_type) == who


@pytest.mark.parametrize("scope,council,etype,named,covered", [
    ("included", True, "Community school", None, True),
    ("included", True, "Voluntary aided school", None, True),
    ("included", True, "Foundation school", None, True),
    ("included", True, "Academy converter", None, False),
    ("included", True, "Other independent school", None, False),
    ("included", False, "Academy converter", None, True),
    ("excluded", True, "Community school", None, False),
    ("excluded", True, "Community school", "in", True),
    ("included", True, "Community school", "out", False),
    ("silent", True, "Community school", None, None),
    ("silent", True, "Community school", "in", True),
    ("silent", True, "Academy converter", "in", True),
    ("", True, "Community school", None, None),
])
def test_school_coverage(scope, council, etype, named, covered):
    result = rules.school_coverage(schools_scope=scope, employer_is_council=council, establishment_type=etype, named=named)
    assert result.covered is covered
    assert result.reason


def test_named_academy_reason_mentions_the_trust():
    r = rules.school_coverage(schools_scope="silent", employer_is_council=True, establishment_type="Academy converter", named="in")
    assert "trust must agree" in r.reason


TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("status,review,last,kind", [
    ("signed", date(2027, 1, 22), TODAY, "review_due"),          # 60 days: due
    ("signed", date(2027, 1, 23), TODAY, None),                  # 61 days: not yet
    ("under_review", date(2026, 11, 23), TODAY, "review_due"),   # today
    ("signed", date(2026, 11, 22), TODAY, "review_overdue"),
    ("expired", date(2026, 11, 22), TODAY, None),
    ("negotiating", date(2026, 11, 22), date(2026, 1, 1), None),
    ("draft", None, date(2026, 8, 25), "stale_draft"),           # 90 days
    ("draft", None, date(2026, 8, 26), None),                    # 89 days
    ("signed", None, date(2020, 1, 1), None),
])
def test_reminders(status, review, last, kind):
    found = rules.reminders([rules.AgreementFacts(7, "Barnet", status, review, last)], TODAY)
    assert [r.kind for r in found] == ([kind] if kind else [])


def test_reminder_keys_are_stable_and_change_with_the_date():
    a = rules.AgreementFacts(7, "Barnet", "signed", date(2026, 12, 1), TODAY)
    k1 = rules.reminders([a], TODAY)[0].key
    assert k1 == rules.reminders([a], date(2026, 11, 30))[0].key
    b = rules.AgreementFacts(7, "Barnet", "signed", date(2026, 12, 2), TODAY)
    assert rules.reminders([b], TODAY)[0].key != k1
