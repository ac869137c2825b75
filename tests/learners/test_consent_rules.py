"""The consent rules (learners/rules.py): which purposes are in force on a date, who may be contacted,
what each purpose covers, and what is wrong with a consent given or withdrawn. Table-driven."""
from __future__ import annotations

from datetime import date

import pytest

from ulr_app.learners import rules
from ulr_app.learners.rules import ConsentFacts as C

D = date(2026, 3, 1)
TODAY = date(2026, 6, 1)


@pytest.mark.parametrize("consent, on, expected", [
    (C("records", D), D, True),                                  # in force from the day it was given
    (C("records", D), date(2026, 2, 28), False),                 # not before
    (C("records", D, withdrawn_on=date(2026, 4, 1)), date(2026, 3, 31), True),
    (C("records", D, withdrawn_on=date(2026, 4, 1)), date(2026, 4, 1), False),  # a withdrawal takes effect on its date
    (C("records", D, withdrawn_on=D), D, False),                 # given and withdrawn the same day
])
def test_consent_in_force(consent, on, expected):
    assert rules.consent_in_force(consent, on) is expected


@pytest.mark.parametrize("consents, on, expected", [
    ([], TODAY, set()),
    ([C("records", D), C("contact", D)], TODAY, {"records", "contact"}),
    ([C("records", D), C("contact", D, withdrawn_on=date(2026, 5, 1))], TODAY, {"records"}),
    ([C("records", D), C("contact", D, withdrawn_on=date(2026, 5, 1))], date(2026, 4, 30), {"records", "contact"}),
    # nothing without consent to keep the record
    ([C("records", D, withdrawn_on=date(2026, 5, 1)), C("contact", D), C("equality", D)], TODAY, set()),
    ([C("contact", D), C("equality", D)], TODAY, set()),
    # withdrawn, then given again
    ([C("records", D), C("equality", D, withdrawn_on=date(2026, 4, 1)), C("equality", date(2026, 5, 1))], TODAY,
     {"records", "equality"}),
    ([C("records", D), C("sharing", D, shared_with="Acme College")], TODAY, {"records", "sharing"}),
])
def test_purposes_in_force(consents, on, expected):
    assert rules.purposes_in_force(consents, on) == frozenset(expected)


@pytest.mark.parametrize("consents, expected", [
    ([C("records", D), C("sharing", D, shared_with="Acme College"), C("sharing", D, shared_with="Funder Ltd",
                                                                      withdrawn_on=date(2026, 4, 1))], ["Acme College"]),
    ([C("records", D, withdrawn_on=date(2026, 4, 1)), C("sharing", D, shared_with="Acme College")], []),
    ([C("records", D)], []),
])
def test_shared_with_in_force(consents, expected):
    assert rules.shared_with_in_force(consents, TODAY) == expected


@pytest.mark.parametrize("consents, expected", [
    ([C("records", D), C("equality", D)], None),
    ([C("records", D), C("equality", D, withdrawn_on=date(2026, 4, 1))], date(2026, 4, 1)),
    ([C("records", D), C("equality", D, withdrawn_on=date(2026, 4, 1)), C("equality", date(2026, 5, 1))], None),
    ([C("records", D)], None),  # never given is not withdrawn
    ([C("records", D), C("equality", D, withdrawn_on=date(2026, 7, 1))], None),  # not yet
])
def test_ever_withdrawn(consents, expected):
    assert rules.ever_withdrawn(consents, "equality", TODAY) == expected


@pytest.mark.parametrize("consents, legacy, expected", [
    ([C("records", D), C("contact", D)], None, True),
    ([C("records", D), C("contact", D, withdrawn_on=date(2026, 5, 1))], None, False),
    ([C("records", D)], None, False),                                     # never agreed to be contacted
    ([C("records", D, withdrawn_on=date(2026, 5, 1)), C("contact", D)], None, False),
    ([], D, True),                                                        # from before the consent history
    ([], None, False),                                                    # no consent at all
    ([], date(2026, 7, 1), False),                                        # not yet
])
def test_may_contact(consents, legacy, expected):
    assert rules.may_contact(consents, TODAY, legacy_consent_on=legacy) is expected


def test_what_each_purpose_covers():
    assert set(rules.COVERS) == set(rules.PURPOSES) == set(rules.WITHDRAWAL_EFFECTS)
    assert rules.COVERS["equality"] == ("gender", "ethnicity", "disability", "age_band")
    assert rules.withdrawn_with("records") == tuple(rules.PURPOSES)
    assert rules.withdrawn_with("all") == tuple(rules.PURPOSES)
    assert rules.withdrawn_with("contact") == ("contact",)
    assert rules.withdrawn_with("nonsense") == ()


OK = {"purpose": "contact", "method": "paper_form", "given_on": TODAY, "today": TODAY, "in_force": [C("records", D)]}


@pytest.mark.parametrize("changes, expected", [
    ({}, {}),
    ({"purpose": "marketing"}, {"purpose": "Choose what the learner is consenting to"}),
    ({"purpose": None}, {"purpose": "Choose what the learner is consenting to"}),
    ({"method": "not_recorded"}, {"method": "Choose how the learner gave their consent"}),
    ({"method": None}, {"method": "Choose how the learner gave their consent"}),
    ({"given_on": None}, {"given_on": "Enter the date the consent was given"}),
    ({"given_on": date(2026, 6, 2)}, {"given_on": "The date the consent was given cannot be in the future"}),
    ({"purpose": "sharing"}, {"shared_with": "Enter the provider or funder the record may be shared with"}),
    ({"purpose": "sharing", "shared_with": "Acme College"}, {}),
    ({"shared_with": "Acme College"}, {"shared_with": "Only a consent to sharing names a provider or funder: leave it out"}),
    ({"method": "verbal"}, {"taken_by_name": "Enter who the learner told (the ULR who took their consent)"}),
    ({"method": "verbal", "taken_by": "Pat Jones"}, {}),
    ({"in_force": []}, {"purpose": "Record consent to keep their record first: the other consents need it"}),
    ({"in_force": [C("records", D, withdrawn_on=date(2026, 5, 1))]},
     {"purpose": "Record consent to keep their record first: the other consents need it"}),
    ({"purpose": "records", "in_force": []}, {}),
    ({"in_force": [C("records", D), C("contact", D)]}, {"purpose": "This consent is already in force on that date"}),
    ({"in_force": [C("records", D), C("contact", D, withdrawn_on=date(2026, 5, 1))]}, {}),  # given again
    ({"purpose": "sharing", "shared_with": "acme college ", "in_force": [C("records", D), C("sharing", D, shared_with="Acme College")]},
     {"purpose": "This consent is already in force on that date"}),
    ({"purpose": "sharing", "shared_with": "Funder Ltd", "in_force": [C("records", D), C("sharing", D, shared_with="Acme College")]},
     {}),
])
def test_give_problems(changes, expected):
    assert rules.give_problems(**{**OK, **changes}) == expected


@pytest.mark.parametrize("withdrawn_on, already, expected", [
    (TODAY, None, {}),
    (D, None, {}),                                  # the day it was given
    (None, None, {"withdrawn_on": "Enter the date the learner withdrew their consent"}),
    (date(2026, 2, 28), None, {"withdrawn_on": "The date of withdrawal cannot be before the consent was given"}),
    (date(2026, 6, 2), None, {"withdrawn_on": "The date of withdrawal cannot be in the future"}),
    (TODAY, date(2026, 5, 1), {"purpose": "This consent was already withdrawn"}),
])
def test_withdraw_problems(withdrawn_on, already, expected):
    assert rules.withdraw_problems(given_on=D, withdrawn_on=withdrawn_on, today=TODAY,
                                   already_withdrawn_on=already) == expected
