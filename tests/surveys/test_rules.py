"""The survey rules, table-driven: moves between statuses, when a survey takes answers, the checks on an
answer and on contact details, the small-number rule and the response rate."""
from __future__ import annotations

import pytest

from ulr_app.surveys import rules

ALL = tuple(q.key for q in rules.QUESTION_SET)


@pytest.mark.parametrize("old,new,ok", [
    ("draft", "open", True), ("draft", "closed", False), ("open", "closed", True), ("open", "draft", False),
    ("closed", "open", True), ("closed", "draft", False), ("open", "open", False), ("nonsense", "open", False),
])
def test_moves(old, new, ok):
    assert rules.can_move(old, new) is ok


@pytest.mark.parametrize("status,responses,cap,why", [
    ("draft", 0, 10, "not_open"), ("open", 0, 10, None), ("open", 9, 10, None), ("open", 10, 10, "full"),
    ("open", 11, 10, "full"), ("closed", 0, 10, "closed"),
])
def test_takes_answers(status, responses, cap, why):
    assert rules.takes_answers(status, responses, cap) == why


@pytest.mark.parametrize("data,clean_part,errors", [
    ({"staff_category": "site"}, {"staff_category": "site"}, {}),
    ({"staff_category": "astronaut"}, {}, {"staff_category": ["Choose one of the answers"]}),
    ({"staff_category": ["site"]}, {}, {"staff_category": ["Choose one of the answers"]}),
    ({"barriers": ["cost", "cover"]}, {"barriers": ["cover", "cost"]}, {}),  # the set's order
    ({"barriers": "cover"}, {"barriers": ["cover"]}, {}),
    ({"barriers": ["cover", "cover", "cover"] * 10}, {}, {"barriers": ["Choose from the answers given"]}),
    ({"barriers": ["cover", "<script>"]}, {}, {"barriers": ["Choose from the answers given"]}),
    ({"comments": "  Evening courses please  "}, {"comments": "Evening courses please"}, {}),
    ({"comments": "x" * 2001}, {}, {"comments": ["Your answer must be 2000 characters or fewer (it has 2001)"]}),
    ({"comments": "x" * 2000}, {"comments": "x" * 2000}, {}),
    ({"job_role": "Cook\x00"}, {}, {"job_role": ["Remove the NUL character: text cannot hold one"]}),
    ({"job_role": "Cook\nand cleaner"}, {}, {"job_role": ["Keep this to one line, without tabs or line breaks"]}),
    ({"comments": "Line one\nline two"}, {"comments": "Line one\nline two"}, {}),
    ({"job_role": 42}, {}, {"job_role": ["Enter your answer as text"]}),
    ({}, {}, {"_form": ["Answer at least one question before you send the survey"]}),
    ({"barriers": [], "comments": "   "}, {}, {"_form": ["Answer at least one question before you send the survey"]}),
])
def test_check_answers(data, clean_part, errors):
    clean, got = rules.check_answers(data, ALL)
    assert got == errors
    for key, value in clean_part.items():
        assert clean[key] == value


def test_questions_not_asked_are_ignored():
    clean, errors = rules.check_answers({"staff_category": "site", "barriers": ["nonsense"]}, ("staff_category",))
    assert errors == {} and clean == {"staff_category": "site"}


@pytest.mark.parametrize("consent,data,errors", [
    (False, {}, {}),
    (False, {"contact_name": "Sam"}, {"consent": ["Tick the box if you want us to contact you, or leave your contact "
                                                   "details empty"]}),
    (True, {"contact_name": "Sam", "contact_email": "sam@example.org"}, {}),
    (True, {"contact_name": "Sam", "contact_phone": "07700 900982"}, {}),
    (True, {"contact_email": "sam@example.org"}, {"contact_name": ["Enter your name, so that the learning rep knows "
                                                                    "who to ask for"]}),
    (True, {"contact_name": "Sam"}, {"contact_email": ["Enter an e-mail address or a phone number, so that we can "
                                                        "contact you"]}),
    (True, {"contact_name": "Sam", "contact_email": "not an address"},
     {"contact_email": ["Enter an e-mail address in the correct format, like name@example.org"]}),
    (True, {"contact_name": "Sam", "contact_phone": "call me"}, {"contact_phone": ["Enter a phone number, like 07700 900 982"]}),
    (True, {"contact_name": "S" * 121, "contact_phone": "07700 900982"},
     {"contact_name": ["This must be 120 characters or fewer"]}),
    (True, {"contact_name": "Sam\x07", "contact_phone": "07700 900982"},
     {"contact_name": ["Remove the control character (an invisible character such as NUL): text cannot hold one"]}),
])
def test_check_contact(consent, data, errors):
    clean, got = rules.check_contact(consent, data)
    assert got == errors
    if not consent:
        assert clean == {f: None for f in rules.CONTACT_FIELDS}  # nothing kept without consent


@pytest.mark.parametrize("count,threshold,shown", [(0, 5, 0), (1, 5, "<5"), (4, 5, "<5"), (5, 5, 5), (120, 5, 120),
                                                   (9, 10, "<10")])
def test_small(count, threshold, shown):
    assert rules.small(count, threshold) == shown


def test_small_refuses_a_threshold_that_shows_the_count():
    with pytest.raises(ValueError):
        rules.small(1, 2)


@pytest.mark.parametrize("responses,staff,rate", [(10, 40, 25.0), (1, 3, 33.3), (5, None, None), (5, 0, None),
                                                   (0, 20, 0.0), (30, 20, 150.0)])
def test_response_rate(responses, staff, rate):
    assert rules.response_rate(responses, staff) == rate


@pytest.mark.parametrize("key,wording,text", [
    ("barriers", {}, "What stops you, or might stop you, from learning?"),
    ("barriers", {"barriers": "What gets in the way?"}, "What gets in the way?"),
    ("barriers", {"barriers": ""}, "What stops you, or might stop you, from learning?"),
])
def test_wording_of(key, wording, text):
    assert rules.wording_of(key, wording) == text


def test_the_set_uses_the_domain_vocabularies():
    from ulr_app.learners.models import BARRIERS, CONTRACTS, COURSE_CATEGORIES, HOURS, STAFF_CATEGORIES

    assert rules.QUESTIONS["barriers"].options is BARRIERS
    assert rules.QUESTIONS["staff_category"].options is STAFF_CATEGORIES
    assert rules.QUESTIONS["contract"].options is CONTRACTS and rules.QUESTIONS["hours"].options is HOURS
    assert rules.QUESTIONS["course_types"].options is COURSE_CATEGORIES
