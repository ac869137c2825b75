"""The Go Award evidence pack: standards, Skills for Life figures (schools vs the rest), learning
hours and partnership."""
from __future__ import annotations

import pytest

from ulr_app.reports import figures
from ulr_app.reps import queries as rep_queries

from . import helpers as h

START, END = h.d("2026-04-01"), h.d("2027-03-31")
TODAY = h.d("2026-12-07")


@pytest.fixture
def scene(world):
    s1 = h.learner(world)
    h.needs(s1, "2026-05-01", literacy_level="entry_3", numeracy_level="level_2")
    h.needs(s1, "2026-06-01", literacy_level="level_2", numeracy_level="entry_2")  # the latest counts
    h.enrolment(s1, h.course("skills_for_life", "literacy", "entry_3"), status="achieved", started_on="2026-05-10",
                completed_on="2026-06-20", achieved_on="2026-07-01")
    h.enrolment(s1, h.course("skills_for_life", "numeracy", "level_1"), started_on="2026-05-10")
    s2 = h.learner(world)
    h.needs(s2, "2026-05-01", esol_need=True, ict_level="entry_3")
    h.enrolment(s2, h.course("esol", "esol", "entry_2"), started_on="2026-04-15")
    h.enrolment(s2, h.course("vocational", "literacy", "level_2"), started_on="2026-04-15")  # not Skills for Life
    s3 = h.learner(world)
    h.needs(s3, "2025-01-01", literacy_level="entry_1")  # before the range
    r1 = h.learner(world, workplace="service_a1")
    h.needs(r1, "2026-05-01", literacy_level="level_1")
    h.enrolment(r1, h.course("skills_for_life", "literacy", "level_1"), status="achieved", started_on="2025-12-01",
                completed_on="2026-05-20", achieved_on="2026-06-01")
    other = h.learner(world, "a2", workplace="school_a2")  # another employer
    h.needs(other, "2026-05-01", literacy_level="entry_1")
    return s1, s2, s3, r1


def test_skills_for_life_school_and_rest(world, scene):
    got = figures.go_award(world.users.convenor_a1, world.employers.a1, start=START, end=END, today=TODAY)
    school, rest = got["skills_for_life"]["school"], got["skills_for_life"]["rest"]
    assert {s: school[s]["assessed"] for s in school} == {"literacy": 2, "numeracy": 2, "esol": 2, "ict": 2}
    assert {s: school[s]["needs_identified"] for s in school} == {"literacy": 0, "numeracy": 1, "esol": 1, "ict": 1}
    assert {s: school[s]["enrolled"] for s in school} == {"literacy": 1, "numeracy": 1, "esol": 1, "ict": 0}
    assert {s: school[s]["achieved"] for s in school} == {"literacy": 1, "numeracy": 0, "esol": 0, "ict": 0}
    assert school["literacy"]["by_level"] == {"entry_3": {"enrolled": 1, "achieved": 1}}
    assert school["esol"]["by_level"] == {"entry_2": {"enrolled": 1, "achieved": 0}}
    assert rest["literacy"] == {"assessed": 1, "needs_identified": 1, "enrolled": 0, "achieved": 1,
                                "by_level": {"level_1": {"enrolled": 0, "achieved": 1}}}


def test_without_a_range_every_date_counts(world, scene):
    got = figures.go_award(world.users.admin, world.employers.a1, today=TODAY)
    school = got["skills_for_life"]["school"]
    assert school["literacy"]["assessed"] == 3 and school["literacy"]["needs_identified"] == 1
    assert got["skills_for_life"]["rest"]["literacy"]["enrolled"] == 1


def test_a_ulr_counts_only_their_caseload(world, scene):
    got = figures.go_award(world.users.ulr_a1, world.employers.a1, start=START, end=END, today=TODAY)
    assert got["skills_for_life"]["school"]["literacy"]["assessed"] == 0


def test_standards_hours_and_partnership(world):
    e = world.employers.a1
    h.standard(e, "sfl_strategy", "met")
    h.evidence(e, "sfl_strategy")
    h.evidence(e, "sfl_strategy")
    h.evidence(e, "whole_council")
    h.agreement(world, learner_time_off="matched", signed_on="2025-06-01")
    who = h.learner(world)
    h.request(world, kind="learner_release", learner=who, status="granted", paid=True, duration_hours="3",
              decided_on="2026-05-10")
    h.request(world, kind="learner_release", learner=who, status="partly_granted", paid=False, duration_hours="3",
              hours_granted="1.5", decided_on="2026-05-10")
    h.request(world, kind="learner_release", learner=who, status="granted", paid=False, duration_hours="2",
              decided_on="2026-05-11")
    h.request(world, kind="learner_release", learner=who, status="granted", paid=False, duration_hours="2",
              decided_on="2025-05-11")  # before the agreement was signed, and outside the range
    h.request(world, kind="learner_release", learner=who, status="refused", paid=True, decided_on="2026-05-10")
    h.request(world, kind="ulr_duties", status="granted", paid=True, decided_on="2026-05-10")
    h.request(world, "a2", workplace="school_a2", kind="learner_release", status="granted", paid=True,
              decided_on="2026-05-10")
    reps = [h.rep(world, training_route="already_trained", trained_on="2026-01-01", training_completion_notified_on="2026-01-02"),
            h.rep(world, training_route="will_train", will_train_notice_on="2026-06-07"),  # deadline today: due
            h.rep(world, training_route="will_train", will_train_notice_on="2026-06-06"),  # lapsed yesterday
            h.rep(world, training_route="will_train", will_train_notice_on="2026-07-01"),
            h.rep(world, notice_given_on=None),
            h.rep(world, trained_on="2026-01-01", training_completion_notified_on="2026-01-02", stood_down_on="2026-12-07"),
            h.rep(world, workplace="service_a1", trained_on="2026-01-01", training_completion_notified_on="2026-01-02")]
    expected = sum(1 for r in reps if rep_queries.state(r, TODAY).status in ("active", "training_due"))
    got = figures.go_award(world.users.convenor_a1, e, start=START, end=END, today=TODAY)
    assert len(got["standards"]) == 8
    by_code = {s["code"]: s for s in got["standards"]}
    assert by_code["sfl_strategy"] == {"code": "sfl_strategy", "title": "A council Skills for Life strategy",
                                       "status": "met", "evidence_count": 2}
    assert by_code["whole_council"]["status"] == "not_started" and by_code["whole_council"]["evidence_count"] == 1
    assert got["learning_hours"] == {"paid": 3.0, "matched": 3.5}
    assert got["partnership"] == {"agreement_status": "signed", "ulrs_active": expected}
    assert expected == 4
    h.agreement(world, status="draft", signed_on=None)
    assert figures.go_award(world.users.convenor_a1, e, today=TODAY)["partnership"]["agreement_status"] == "draft"


def test_statements_do_not_grow(world, count_queries):
    def add():
        who = h.learner(world)
        h.needs(who, "2026-05-01", literacy_level="entry_1")
        h.enrolment(who, h.course(), started_on="2026-05-01")
        h.rep(world)
        h.request(world, kind="learner_release", learner=who, status="granted", paid=True, decided_on="2026-05-10")

    add()
    world.employers.a1.name, world.users.convenor_a1.role  # loaded again after the commit, before counting
    with count_queries() as small:
        figures.go_award(world.users.convenor_a1, world.employers.a1, start=START, end=END, today=TODAY)
    for _ in range(10):
        add()
    world.employers.a1.name, world.users.convenor_a1.role  # loaded again after the commits, before counting
    with count_queries() as big:
        got = figures.go_award(world.users.convenor_a1, world.employers.a1, start=START, end=END, today=TODAY)
    assert got["skills_for_life"]["school"]["literacy"]["enrolled"] == 11
    assert small.count == big.count
    assert big.count == 1, big.statements  # every figure in one statement (issue 13: it was eleven)


def test_a_learner_with_the_employer_but_no_workplace_counts_with_the_rest(world):
    """Learners of the employer with no workplace recorded are on the "rest" side; those of another employer
    with no workplace are not counted at all."""
    mine = h.learner(world, workplace=None, employer_id=world.employers.a1.id)
    h.needs(mine, "2026-05-01", literacy_level="entry_2")
    h.enrolment(mine, h.course("skills_for_life", "literacy", "entry_3"), started_on="2026-05-10")
    theirs = h.learner(world, "a2", workplace=None, employer_id=world.employers.a2.id)
    h.needs(theirs, "2026-05-01", literacy_level="entry_1")
    got = figures.go_award(world.users.admin, world.employers.a1, start=START, end=END, today=TODAY)
    rest, school = got["skills_for_life"]["rest"]["literacy"], got["skills_for_life"]["school"]["literacy"]
    assert (rest["assessed"], rest["needs_identified"], rest["enrolled"]) == (1, 1, 1)
    assert (school["assessed"], school["needs_identified"], school["enrolled"]) == (0, 0, 0)
