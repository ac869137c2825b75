"""Proof that an erasure changes no report's figures (funding return and its records' totals, schools coverage,
time-off monitoring, Go Award, equality monitoring raw and suppressed) for any reader, and that a frozen run
(its stored figures, hash and files) is untouched."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import current_app

from ulr_app.core import periods
from ulr_app.dataprotection import erasure
from ulr_app.extensions import db
from ulr_app.reports import figures, services
from ulr_app.reports.models import ReportRun

from tests.reports import helpers as h

START, END = h.d("2026-04-01"), h.d("2027-03-31")
QUARTERS = ("FY2026-Q1", "FY2026-Q2", "FY2026-Q3")
READERS = ("admin", "organiser_a", "convenor_a1")


@pytest.fixture
def scene(world, programmes):
    """A branch project with learners of every kind, equality monitoring, union joiners, needs analyses,
    outcomes, ULRs and time-off requests; the learners and the ULR to erase are returned."""
    project = h.project(world, programmes["ulf"], name="Barnet project")
    sfl = h.course("skills_for_life", "literacy", "entry_3")
    nvq = h.course("vocational", "other", "level_2")
    ict = h.course("ict", "ict", "level_1")
    agreement = h.agreement(world, schools_scope="silent", learner_time_off="matched")
    assert agreement.id
    ulr = h.rep(world, appointed_on="2026-05-01", trained_on="2026-06-10")
    h.rep(world, workplace="service_a1", appointed_on="2026-04-20")
    people = []
    for i, (gender, ethnicity, disability, age_band, joined) in enumerate([
            ("Female", "White British", "No", "25-34", "2026-05-03"),
            ("Female", "Black Caribbean", "Yes", "35-44", None),
            ("Male", "White British", None, "50-64", "2026-08-15"),
            ("Female", None, "No", "25-34", "2026-04-02"),
            ("Non-binary", "Mixed", "No", "16-24", "2026-10-01"),
            (None, None, None, None, None),
            ("Female", "White British", "No", "35-44", "2025-12-01")]):
        who = h.learner(world, workplace="school_a1" if i % 3 else "service_a1",
                        staff_category=("learning_support", "site", "administrative")[i % 3],
                        contract=("term_time_only", "full_year")[i % 2], gender=gender, ethnicity=ethnicity,
                        disability=disability, age_band=age_band, membership="member" if joined else "non_member",
                        joined_union_on=h.d(joined) if joined else None, job_title="Teaching assistant",
                        email=f"person{i}@example.org")
        h.needs(who, assessed_on=f"2026-0{4 + i % 5}-10", literacy_level="entry_2", numeracy_level="level_2",
                ict_level="entry_3", esol_need=bool(i % 2))
        h.enrolment(who, sfl, project=project, status="achieved", started_on=f"2026-0{4 + i % 3}-05",
                    completed_on="2026-09-01", achieved_on="2026-09-20")
        h.enrolment(who, (nvq, ict)[i % 2], project=project if i % 2 else None, started_on=f"2026-1{i % 3}-01")
        h.request(world, kind="learner_release", learner=who, requested_on=f"2026-0{5 + i % 4}-02",
                  status=("granted", "refused", "partly_granted")[i % 3], decided_on="2026-09-10",
                  refusal_reason="cover" if i % 3 == 1 else None, hours_granted=2 if i % 3 == 2 else None,
                  paid=bool(i % 2))
        people.append(who)
    h.request(world, kind="ulr_training", rep=ulr, requested_on="2026-05-05", status="refused", decided_on="2026-05-20",
              refusal_reason="workload")
    merged = h.learner(world, gender="Female")
    h.enrolment(merged, sfl, project=project, started_on="2026-05-05")
    merged.merged_into_id = people[0].id
    db.session.commit()
    return {"project": project, "learners": [people[0], people[2], people[4], merged], "ulr": ulr}


def _all_figures(world, project):
    out = {}
    for key in READERS:
        user = h.user(world, key)
        scope = {"branch_id": world.branches.a1.id} if key == "convenor_a1" else {"region_id": world.regions.a.id}
        if key == "admin":
            scope = {}
        for code in QUARTERS:
            out[(key, "funding", code)] = figures.funding_return(project, periods.parse(code), user)
        out[(key, "coverage")] = figures.schools_coverage(user, **scope, as_of=h.d("2026-12-01"))
        out[(key, "time_off")] = figures.time_off(user, **scope, start=START, end=END, today=h.d("2026-12-01"))
        out[(key, "go_award")] = figures.go_award(user, world.employers.a1, today=h.d("2026-12-01"))
        out[(key, "go_award_range")] = figures.go_award(user, world.employers.a1, start=h.d("2026-05-01"),
                                                       end=h.d("2026-08-31"), today=h.d("2026-12-01"))
        for start, end in ((START, END), (h.d("2026-05-01"), h.d("2026-05-31")), (h.d("2026-10-01"), END)):
            out[(key, "equality_raw", start)] = figures.equality_raw(user, **scope, start=start, end=end)
            out[(key, "equality", start)] = figures.equality(user, **scope, start=start, end=end, threshold=3)
    return out


def _run_state(run_id):
    run = db.session.get(ReportRun, run_id)
    root = Path(current_app.instance_path)
    files = {fmt: (root / getattr(run, f"{fmt}_path")).read_bytes() for fmt in ("pdf", "csv", "xlsx")}
    return {c.name: getattr(run, c.name) for c in ReportRun.__table__.columns}, files


def test_an_erasure_changes_no_report_and_no_frozen_run(world, scene):
    project = scene["project"]
    before = _all_figures(world, project)
    # the figures do count what is erased: the scene is not trivially empty
    raw = before[("convenor_a1", "equality_raw", START)]
    assert raw["by"]["gender"]["Female"] == 4 and raw["by"]["ethnicity"]["White British"] == 3
    new_members = next(m for m in before[("convenor_a1", "funding", "FY2026-Q2")]["measures"] if m["code"] == "new_members")
    assert new_members["actual"] == 1 and new_members["cumulative_actual"] == 3
    ret = services.submit_return(project, periods.parse("FY2026-Q2"), user=world.users.organiser_a, version=None)
    db.session.commit()
    frozen = _run_state(ret.run_id)

    for learner in scene["learners"]:
        erasure.erase_learner(learner, by=world.users.convenor_a1, reason="Asked to be forgotten")
    erasure.erase_rep(scene["ulr"], by=world.users.convenor_a1, reason="Left")
    db.session.commit()
    db.session.expire_all()

    after = _all_figures(world, project)
    for key, value in before.items():
        assert after[key] == value, key
    assert _run_state(ret.run_id) == frozen


def test_the_erased_learners_are_no_longer_on_the_list_behind_new_members_but_still_counted(world, scene):
    """The list behind a figure holds records; an erased learner's join date left their record, so they
    are counted (anonymously) without being listed."""
    project, q2 = scene["project"], periods.parse("FY2026-Q2")
    user = world.users.convenor_a1
    listed = lambda: db.session.scalars(figures.funding_records(project, q2, "new_members", user)).all()  # noqa: E731
    assert [lr.id for lr in listed()] == [scene["learners"][1].id]
    erasure.erase_learner(scene["learners"][1], by=None, reason="Asked")
    db.session.commit()
    assert listed() == [] and figures.measure_actual(project, q2, "new_members", user) == 1
    # another branch's convenor sees neither the learner nor their anonymous figures
    assert figures.erased_new_members(project, q2, world.users.convenor_a2) == 0


def test_the_list_behind_new_members_says_how_many_erased_learners_it_counts(world, scene, login_as):
    project = scene["project"]
    erasure.erase_learner(scene["learners"][1], by=None, reason="Asked")
    db.session.commit()
    page = login_as("convenor_a1").get(f"/projects/{project.id}/returns/FY2026-Q2/new_members").get_data(as_text=True)
    assert "The records behind this figure that you can see: 0." in page
    assert "The figure also counts 1 learner whose records were erased: they are counted, but not listed." in page
