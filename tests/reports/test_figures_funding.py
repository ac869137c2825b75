"""The quarterly funding return: every measure worked out by hand from hand-built records."""
from __future__ import annotations

import pytest

from ulr_app.core import periods
from ulr_app.core.errors import ValidationFailed
from ulr_app.extensions import db
from ulr_app.reports import figures

from . import helpers as h

Q1, Q2, Q3, Q4 = (periods.parse(f"FY2026-Q{n}") for n in (1, 2, 3, 4))


def measures(result) -> dict:
    return {m["code"]: m for m in result["measures"]}


def actuals(project, period, user, *, cumulative=False) -> dict:
    key = "cumulative_actual" if cumulative else "actual"
    return {code: m[key] for code, m in measures(figures.funding_return(project, period, user)).items()}


@pytest.fixture
def ulf(programmes):
    return programmes["ulf"]


def test_an_enrolment_spanning_quarters_is_engaged_in_each(world, ulf):
    p = h.project(world, ulf)
    c = h.course()
    h.enrolment(h.learner(world), c, project=p, started_on="2026-05-10")
    admin = world.users.admin
    assert [actuals(p, q, admin)["learners_engaged"] for q in (Q1, Q2, Q3, Q4)] == [1, 1, 1, 1]
    assert actuals(p, Q4, admin, cumulative=True)["learners_engaged"] == 1  # distinct, not a sum


def test_completed_and_achieved_in_different_quarters_is_one_outcome_on_the_earlier_date(world, ulf):
    p = h.project(world, ulf)
    e = h.enrolment(h.learner(world), h.course(), project=p, status="achieved", started_on="2026-06-01",
                    completed_on="2026-08-15", achieved_on="2026-10-02")
    admin = world.users.admin
    assert [actuals(p, q, admin)["learning_outcomes"] for q in (Q1, Q2, Q3)] == [0, 1, 0]
    assert actuals(p, Q3, admin, cumulative=True)["learning_outcomes"] == 1
    # engaged until the earlier end date (15 August): Q1 and Q2, not Q3
    assert [actuals(p, q, admin)["learners_engaged"] for q in (Q1, Q2, Q3)] == [1, 1, 0]
    rows = db.session.scalars(figures.funding_records(p, Q2, "learning_outcomes", admin)).all()
    assert [r.id for r in rows] == [e.id]


def test_only_completed_or_achieved_enrolments_are_outcomes(world, ulf):
    p = h.project(world, ulf)
    # a withdrawn enrolment with a stray completion date is no outcome
    h.enrolment(h.learner(world), h.course(), project=p, status="withdrawn", started_on="2026-04-10",
                completed_on="2026-05-01", withdrawn_on="2026-05-20")
    assert actuals(p, Q1, world.users.admin)["learning_outcomes"] == 0


def test_a_withdrawn_learner_is_engaged_until_the_withdrawal(world, ulf):
    p = h.project(world, ulf)
    h.enrolment(h.learner(world), h.course(), project=p, status="withdrawn", started_on="2026-05-01",
                withdrawn_on="2026-07-15")
    admin = world.users.admin
    assert [actuals(p, q, admin)["learners_engaged"] for q in (Q1, Q2, Q3)] == [1, 1, 0]


def test_quarter_boundaries_are_inclusive(world, ulf):
    p = h.project(world, ulf)
    c = h.course()
    # starts on the last day of Q1
    h.enrolment(h.learner(world), c, project=p, started_on="2026-06-30")
    # completes on the last day of Q1: engaged and an outcome in Q1 only
    h.enrolment(h.learner(world), c, project=p, status="completed", started_on="2026-04-01", completed_on="2026-06-30")
    # completes on the first day of Q2: engaged in Q1 and Q2, outcome in Q2
    h.enrolment(h.learner(world), c, project=p, status="completed", started_on="2026-04-01", completed_on="2026-07-01")
    # starts on the first day of Q3: not in Q2
    h.enrolment(h.learner(world), c, project=p, started_on="2026-10-01")
    admin = world.users.admin
    q1, q2, q3 = (actuals(p, q, admin) for q in (Q1, Q2, Q3))
    assert (q1["learners_engaged"], q1["learning_outcomes"]) == (3, 1)
    assert (q2["learners_engaged"], q2["learning_outcomes"]) == (2, 1)
    assert (q3["learners_engaged"], q3["learning_outcomes"]) == (2, 0)
    assert actuals(p, Q3, admin, cumulative=True)["learners_engaged"] == 4


def test_leap_day_counts_in_fy2027_q4(world, ulf):
    p = h.project(world, ulf, starts_on="2027-04-01", ends_on="2028-03-31")
    who = h.learner(world, joined_union_on=h.d("2028-02-29"))
    h.enrolment(who, h.course(), project=p, status="completed", started_on="2028-02-29", completed_on="2028-02-29")
    h.needs(who, "2028-02-29")
    q4, q3 = periods.parse("FY2027-Q4"), periods.parse("FY2027-Q3")
    got = actuals(p, q4, world.users.admin)
    assert (got["learners_engaged"], got["learning_outcomes"], got["needs_assessed"], got["new_members"]) == (1, 1, 1, 1)
    assert actuals(p, q3, world.users.admin)["learners_engaged"] == 0


def test_a_learner_in_two_projects_counts_in_each_once(world, ulf):
    p1, p2 = h.project(world, ulf), h.project(world, ulf)
    who = h.learner(world)
    h.enrolment(who, h.course(), project=p1, started_on="2026-04-10")
    h.enrolment(who, h.course(), project=p1, started_on="2026-05-10")
    h.enrolment(who, h.course(), project=p2, started_on="2026-05-10")
    h.enrolment(h.learner(world), h.course(), started_on="2026-05-10")  # no project: counts nowhere
    admin = world.users.admin
    assert actuals(p1, Q1, admin)["learners_engaged"] == 1
    assert actuals(p2, Q1, admin)["learners_engaged"] == 1


def test_records_outside_the_viewers_scope_are_not_counted(world, ulf):
    p = h.project(world, ulf)  # branch a1
    c = h.course()
    h.enrolment(h.learner(world), c, project=p, status="completed", started_on="2026-04-10", completed_on="2026-05-01")
    # a Camden (a2) learner's enrolment linked to the Barnet project: Barnet's convenor cannot see it
    h.enrolment(h.learner(world, "a2", workplace="school_a2"), c, project=p, status="completed",
                started_on="2026-04-10", completed_on="2026-05-01")
    assert actuals(p, Q1, world.users.admin)["learning_outcomes"] == 2
    assert actuals(p, Q1, world.users.organiser_a)["learning_outcomes"] == 2
    assert actuals(p, Q1, world.users.convenor_a1)["learning_outcomes"] == 1
    assert actuals(p, Q1, world.users.convenor_a1)["learners_engaged"] == 1


def test_scope_measures_count_the_projects_branch_or_region(world, ulf):
    branch_project = h.project(world, ulf)
    region_project = h.project(world, ulf, branch=None)
    a1, a2 = h.learner(world), h.learner(world, "a2", workplace="school_a2")
    b1 = h.learner(world, "b1", workplace="school_b1")
    for who in (a1, a2, b1):
        h.needs(who, "2026-05-01")
    h.needs(a1, "2026-03-31")  # before Q1
    h.rep(world, appointed_on="2026-04-01", trained_on="2026-07-10", training_completion_notified_on="2026-07-11")
    h.rep(world, "a2", workplace="school_a2", appointed_on="2026-06-30")
    h.rep(world, "b1", workplace="school_b1", appointed_on="2026-05-01")
    h.agreement(world, signed_on="2026-05-05")
    h.agreement(world, "a2", signed_on="2026-06-01", status="under_review")
    h.agreement(world, signed_on="2026-05-05", status="draft")  # not signed
    h.agreement(world, "b1", signed_on="2026-05-05")
    admin = world.users.admin
    got = actuals(branch_project, Q1, admin)
    assert (got["needs_assessed"], got["ulrs_recruited"], got["ulrs_trained"], got["agreements_signed"]) == (1, 1, 0, 1)
    got = actuals(region_project, Q1, admin)
    assert (got["needs_assessed"], got["ulrs_recruited"], got["ulrs_trained"], got["agreements_signed"]) == (2, 2, 0, 2)
    assert actuals(region_project, Q2, admin)["ulrs_trained"] == 1


def test_new_members_joined_in_the_period_with_an_enrolment_on_the_project(world, ulf):
    p = h.project(world, ulf)
    joined = h.learner(world, membership="member", joined_union_on=h.d("2026-05-01"))
    h.enrolment(joined, h.course(), project=p)
    h.learner(world, membership="member", joined_union_on=h.d("2026-05-01"))  # no enrolment on the project
    old = h.learner(world, membership="member", joined_union_on=h.d("2025-05-01"))
    h.enrolment(old, h.course(), project=p)
    assert actuals(p, Q1, world.users.admin)["new_members"] == 1


def test_a_merged_duplicate_is_not_counted_twice(world, ulf):
    p = h.project(world, ulf)
    keep = h.learner(world, joined_union_on=h.d("2026-05-01"))
    duplicate = h.learner(world, joined_union_on=h.d("2026-05-01"))
    h.enrolment(keep, h.course(), project=p)
    moved = h.enrolment(duplicate, h.course(), project=p)
    # what learners.services.merge_learners does: the enrolments move, the duplicate is marked merged
    moved.learner_id = keep.id
    duplicate.merged_into_id = keep.id
    db.session.commit()
    got = actuals(p, Q1, world.users.admin)
    assert (got["learners_engaged"], got["new_members"]) == (1, 1)


def test_targets_variance_and_explanations(world, ulf):
    p = h.project(world, ulf, targets={("FY2026-Q1", "learners_engaged"): 4, ("FY2026-Q2", "learners_engaged"): 2,
                                       ("FY2026-Q1", "learning_outcomes"): 0, ("FY2026-Q2", "needs_assessed"): 3})
    c = h.course()
    for _ in range(5):
        h.enrolment(h.learner(world), c, project=p, started_on="2026-05-01")
    q1 = measures(figures.funding_return(p, Q1, world.users.admin))
    assert q1["learners_engaged"]["target"] == 4 and q1["learners_engaged"]["actual"] == 5
    assert q1["learners_engaged"]["variance_pct"] == 25.0 and q1["learners_engaged"]["needs_explanation"] is True
    assert q1["learning_outcomes"]["target"] == 0 and q1["learning_outcomes"]["variance_pct"] is None
    assert q1["needs_assessed"]["target"] is None and q1["needs_assessed"]["variance_pct"] is None
    assert q1["needs_assessed"]["cumulative_target"] is None
    q2 = figures.funding_return(p, Q2, world.users.admin)
    m = measures(q2)
    assert m["learners_engaged"]["cumulative_target"] == 6 and m["learners_engaged"]["cumulative_actual"] == 5
    assert m["learners_engaged"]["cumulative_variance_pct"] == -16.7
    assert m["learners_engaged"]["variance_pct"] == 150.0
    assert m["needs_assessed"]["target"] == 3 and m["needs_assessed"]["variance_pct"] == -100.0
    assert q2["needs_explanation"] == ["learners_engaged", "needs_assessed"]
    assert q2["threshold"] == 20.0 and q2["period"] == "FY2026-Q2" and q2["project_id"] == p.id
    assert [x["code"] for x in q2["measures"]] == list(ulf.measures)


def test_a_variance_at_the_threshold_needs_no_explanation(world, ulf):
    p = h.project(world, ulf, targets={("FY2026-Q1", "learners_engaged"): 5})
    for _ in range(6):
        h.enrolment(h.learner(world), h.course(), project=p, started_on="2026-05-01")
    m = measures(figures.funding_return(p, Q1, world.users.admin))["learners_engaged"]
    assert m["variance_pct"] == 20.0 and m["needs_explanation"] is False


def test_spend(world, ulf):
    p = h.project(world, ulf, spend={"FY2026-Q1": ("1000.00", "1234.50"), "FY2026-Q2": ("1000", None),
                                     "FY2026-Q3": ("500", "400")})
    s1 = figures.funding_return(p, Q1, world.users.admin)["spend"]
    assert s1 == {"budget": "1000.00", "actual": "1234.50", "variance_pct": 23.5, "cumulative_budget": "1000.00",
                  "cumulative_actual": "1234.50", "cumulative_variance_pct": 23.5, "needs_explanation": True}
    s2 = figures.funding_return(p, Q2, world.users.admin)["spend"]
    assert s2["actual"] is None and s2["variance_pct"] is None and s2["needs_explanation"] is False
    assert s2["cumulative_budget"] == "2000.00" and s2["cumulative_actual"] == "1234.50"
    assert s2["cumulative_variance_pct"] == -38.3
    s3 = figures.funding_return(p, Q3, world.users.admin)["spend"]
    assert s3["variance_pct"] == -20.0 and s3["needs_explanation"] is False
    assert s3["cumulative_budget"] == "2500.00" and s3["cumulative_actual"] == "1634.50"
    assert figures.funding_return(p, Q4, world.users.admin)["spend"]["budget"] is None


def test_outcome_split(world, ulf):
    p = h.project(world, ulf)
    cases = [("skills_for_life", "entry_3"), ("esol", "entry_3"), ("skills_for_life", "level_1"), ("vocational", "level_2"),
             ("vocational", "level_3"), ("higher_education", "level_5"), ("union_course", "unlevelled"),
             ("informal", "unlevelled"), ("ict", "level_1")]
    for category, level in cases:
        h.enrolment(h.learner(world), h.course(category, "literacy" if category != "esol" else "esol", level), project=p,
                    status="completed", started_on="2026-04-10", completed_on="2026-05-10")
    h.enrolment(h.learner(world), h.course("vocational", "other", "level_2"), project=p, status="completed",
                started_on="2026-04-10", completed_on="2026-08-10")
    out = figures.funding_return(p, Q2, world.users.admin)["outcomes"]
    assert out["period"] == {"skills_for_life": {}, "level_2": 1, "level_3": 0, "level_4_plus": 0, "informal": 0, "other": 0}
    assert out["cumulative"] == {"skills_for_life": {"entry_3": 2, "level_1": 1}, "level_2": 2, "level_3": 1,
                                 "level_4_plus": 1, "informal": 2, "other": 1}


def test_a_period_outside_the_project_is_refused(world, ulf):
    p = h.project(world, ulf, starts_on="2026-05-15", ends_on="2026-11-30")
    with pytest.raises(ValidationFailed) as caught:
        figures.funding_return(p, periods.parse("FY2026-Q4"), world.users.admin)
    assert "FY2026-Q1" in caught.value.message and "FY2026-Q3" in caught.value.message
    assert "period" in caught.value.fields
    with pytest.raises(ValidationFailed):
        figures.funding_return(p, periods.parse("FY2025-Q4"), world.users.admin)
    with pytest.raises(ValidationFailed):
        figures.funding_return(p, periods.parse("2026-06"), world.users.admin)  # a month, not a quarter
    assert figures.funding_return(p, Q3, world.users.admin)["first_period"] == "FY2026-Q1"


def _everything(world, p, n):
    for i in range(n):
        who = h.learner(world, joined_union_on=h.d("2026-05-01"))
        h.enrolment(who, h.course(), project=p, status="completed", started_on="2026-04-10", completed_on="2026-05-20")
        h.needs(who, "2026-05-02")
        h.rep(world, appointed_on="2026-05-01", trained_on="2026-05-10", training_completion_notified_on="2026-05-11")
        h.agreement(world, signed_on="2026-05-05")


def test_records_behind_every_measure_match_the_figures(world, ulf):
    p = h.project(world, ulf)
    _everything(world, p, 3)
    h.enrolment(h.learner(world, "a2", workplace="school_a2"), h.course(), project=p, started_on="2026-05-10")
    for key in ("admin", "organiser_a", "convenor_a1"):
        user = getattr(world.users, key)
        for cumulative in (False, True):
            got = actuals(p, Q2, user, cumulative=cumulative)
            for code in ulf.measures:
                rows = db.session.scalars(figures.funding_records(p, Q2, code, user, cumulative=cumulative)).all()
                assert len(rows) == got[code], (key, code, cumulative)
    assert actuals(p, Q1, world.users.admin)["learners_engaged"] == 4


def test_the_number_of_statements_does_not_grow_with_the_data(world, ulf, count_queries):
    p = h.project(world, ulf, targets={("FY2026-Q1", "learners_engaged"): 4}, spend={"FY2026-Q1": ("10", "12")})
    _everything(world, p, 1)
    db.session.expire_all()
    with count_queries() as small:
        figures.funding_return(p, Q1, world.users.convenor_a1)
    _everything(world, p, 10)
    db.session.expire_all()
    with count_queries() as big:
        result = figures.funding_return(p, Q1, world.users.convenor_a1)
    assert measures(result)["learners_engaged"]["actual"] == 11
    assert small.count == big.count
