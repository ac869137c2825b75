"""Property tests of the services' validation (issue 13, item 8): whatever text and dates are typed into a new
learner or a new case, the service either saves the record or raises its own validation error (a
ServiceError naming fields), never anything else; what it saves holds no control or broken character and no
date the date rule refuses."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ulr_app.cases import services as case_services
from ulr_app.core import validation as v
from ulr_app.core.errors import ServiceError
from ulr_app.extensions import db
from ulr_app.learners import services as learner_services

SETTINGS = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))

#: any text at all, lone surrogates and control characters included, and some that look like the real thing
TEXT = st.one_of(st.none(), st.text(max_size=40), st.text(st.characters(codec=None), max_size=300),
                 st.sampled_from(["", " ", "Jo Bloggs", "a\x00b", "\ud800", "=HYPERLINK(\"x\")", "x" * 5001]))
#: dates as a client might send them: real ones near and far, and text that is or is not a date
DAY = st.one_of(st.none(), st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
                st.dates().map(lambda d: f"{d.day} {d.month} {d.year}"), st.text(max_size=12),
                st.sampled_from(["0001-01-01", "1899-12-31", "1990-01-01", "2026-02-30", "31 3 2026"]))
ANY = st.one_of(TEXT, st.integers(), st.booleans(), st.floats(allow_nan=True), st.lists(st.integers(), max_size=2))


def _stored_text_is_clean(obj, names) -> None:
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str):
            assert v.text_problem(value) is None, (name, value)
            assert value == value.strip() and value, (name, value)


def _dates_are_believable(obj, names) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None:
            assert value.year >= v.EARLIEST_YEAR and value <= v.latest_planned(), (name, value)


@pytest.fixture
def place(world):
    return world


def test_new_learners_save_or_refuse(app, place):
    world = place

    @SETTINGS
    @given(name=TEXT, email=TEXT, job_title=TEXT, consent_scope=TEXT, joined=DAY, consent=DAY, gender=ANY,
           workplace=st.sampled_from([world.workplaces.service_a1.id, None, 0, -1, 2**40, "x"]))
    def attempt(name, email, job_title, consent_scope, joined, consent, gender, workplace):
        data = {"name": name, "email": email, "job_title": job_title, "consent_scope": consent_scope,
                "joined_union_on": joined, "consent_on": consent, "gender": gender, "workplace_id": workplace}
        try:
            learner = learner_services.create_learner(data, branch=world.branches.a1, actor=world.users.convenor_a1,
                                                      not_duplicate=True)
            db.session.flush()
        except ServiceError as exc:
            assert exc.status in (409, 422) and exc.message
            assert isinstance(exc.fields, dict)
        else:
            _stored_text_is_clean(learner, ("name", "email", "job_title", "consent_scope"))
            _dates_are_believable(learner, ("joined_union_on", "consent_on"))
            assert learner.consent_on is None or learner.consent_on <= date.today()
        finally:
            db.session.rollback()

    attempt()


def test_new_cases_save_or_refuse(app, place):
    world = place

    @SETTINGS
    @given(summary=TEXT, details=TEXT, opened=DAY, due=DAY, kind=st.one_of(st.sampled_from(["other", "learner_support"]), ANY))
    def attempt(summary, details, opened, due, kind):
        data = {"kind": kind, "summary": summary, "details": details, "opened_on": opened, "due_on": due}
        try:
            case = case_services.create_case(data, world.branches.a1, actor=world.users.convenor_a1)
            db.session.flush()
        except ServiceError as exc:
            assert exc.status in (409, 422) and exc.message
        else:
            _stored_text_is_clean(case, ("summary", "details"))
            _dates_are_believable(case, ("opened_on", "due_on"))
        finally:
            db.session.rollback()

    attempt()


@SETTINGS
@given(value=st.text(st.characters(codec=None), max_size=50), multiline=st.booleans())
def test_text_problem_is_the_one_rule(value, multiline):
    """Text is refused exactly when it holds a C0 or C1 control character (tab, line feed and carriage return
    allowed only in multi-line text), DEL, a lone surrogate or a non-character U+FFFE / U+FFFF."""
    allowed = "\t\n\r" if multiline else ""

    def bad(ch: str) -> bool:
        return ((ord(ch) < 0x20 and ch not in allowed) or 0x7F <= ord(ch) <= 0x9F or 0xD800 <= ord(ch) <= 0xDFFF
                or ch in "\ufffe\uffff")

    assert (v.text_problem(value, multiline=multiline) is not None) == any(bad(ch) for ch in value)


@SETTINGS
@given(day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
       kind=st.sampled_from(sorted(v.DATE_KINDS)))
def test_the_date_rule(day, kind):
    today = date(2026, 6, 15)
    problem = v.date_problem(day, kind, today=today)
    earliest, may_be_ahead = v.DATE_KINDS[kind]
    expected_ok = day.year >= earliest and (may_be_ahead or day <= today) and day <= v.latest_planned(today)
    assert (problem is None) == expected_ok
