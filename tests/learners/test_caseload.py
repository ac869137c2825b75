"""A ULR's caseload on their home page: learners by stage (linked to the filtered list), overdue
follow-ups on cases and learners, learners with no contact for 90 days (never contacted too, merged
records left out), one-click "log a contact", and a query count that does not grow with the caseload."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from ulr_app.cases.models import Activity, Case, FollowUp
from ulr_app.extensions import db
from ulr_app.learners import caseload, queries, services
from ulr_app.learners.models import Learner
from tests.learners.helpers import TODAY, course, empty_catalogue, enrolment, learner, plain, rep, text


@pytest.fixture(autouse=True)
def _own_catalogue(app):
    empty_catalogue()


def _contact(who, days_ago: int, text_: str = "Chat"):
    db.session.add(Activity(learner_id=who.id, kind="call", happened_on=TODAY - timedelta(days=days_ago), text=text_,
                            by_label="test"))
    db.session.commit()


@pytest.mark.parametrize("statuses,assessed,stage", [
    ([], False, "no_enrolment"), ([], True, "needs_analysis"), (["withdrawn"], True, "withdrawn"),
    (["withdrawn", "enquiry"], False, "enquiry"), (["referred", "enrolled"], False, "enrolled"),
    (["break_in_learning", "in_progress"], False, "in_progress"), (["enrolled", "break_in_learning"], False, "break_in_learning"),
    (["completed", "in_progress"], False, "completed"), (["achieved", "completed", "withdrawn"], False, "achieved"),
])
def test_stage_rule(statuses, assessed, stage):
    assert queries.stage_of(statuses, assessed) == stage


def test_stage_in_sql_matches_the_rule(world):
    pairs = {
        "no_enrolment": [], "needs_analysis": [], "enquiry": ["enquiry", "withdrawn"], "in_progress": ["in_progress", "enrolled"],
        "achieved": ["achieved", "in_progress"], "withdrawn": ["withdrawn"], "break_in_learning": ["break_in_learning"],
    }
    made = {}
    for i, (want, statuses) in enumerate(pairs.items()):
        who = learner(world, name=f"Learner {i}")
        if want == "needs_analysis":
            services.record_needs_assessment(who, {"assessed_on": "2026-02-01"})
        for j, status in enumerate(statuses):
            enrolment(who, course(f"Course {i}-{j}"), status)
        made[who.id] = want
    db.session.commit()
    assert {i: db.session.get(Learner, i).stage for i in made} == made
    counts = queries.stage_counts(world.users.convenor_a1)
    assert counts == {stage: 1 for stage in pairs}
    for stage in pairs:
        found = db.session.scalars(queries.learners_page_list(world.users.convenor_a1, stage=stage)).all()
        assert [made[x.id] for x in found] == [stage]


def test_ulr_home_shows_their_caseload(login_as, world):
    mine = rep(world, user=world.users.ulr_a1)
    quiet = learner(world, name="Quiet Person", rep=mine)
    never = learner(world, name="Never Contacted", rep=mine)
    recent = learner(world, name="Recent Contact", rep=mine)
    merged = learner(world, name="Merged Away", rep=mine)
    services.merge_learners(recent, merged)
    someone_elses = learner(world, name="Not Mine")
    _contact(quiet, 120)
    _contact(recent, 10)
    _contact(someone_elses, 200)
    enrolment(recent, course(), "in_progress")
    services.record_needs_assessment(never, {"assessed_on": "2026-02-01"})
    late = FollowUp(learner_id=quiet.id, title="Call Quiet Person", due_on=TODAY - timedelta(days=3))
    done = FollowUp(learner_id=quiet.id, title="Done already", due_on=TODAY - timedelta(days=9), done_on=TODAY)
    later = FollowUp(learner_id=never.id, title="Not yet due", due_on=TODAY + timedelta(days=2))
    not_mine = FollowUp(learner_id=someone_elses.id, title="Other ULR's follow-up", due_on=TODAY - timedelta(days=5))
    case = Case(branch_id=world.branches.a1.id, kind="learner_support", summary="Support for Quiet Person", opened_on=TODAY,
                owner_id=world.users.ulr_a1.id)
    db.session.add_all([late, done, later, not_mine, case])
    db.session.flush()
    case_late = FollowUp(case_id=case.id, title="Referral follow-up", due_on=TODAY - timedelta(days=1))
    db.session.add(case_late)
    db.session.commit()

    response = login_as("ulr_a1").get("/")
    page = text(response)
    assert response.status_code == 200
    # by stage, each a link to the filtered list
    stages = page[page.index('id="learner-stages"'):]
    stages = stages[:stages.index("</div>")]
    cards = dict(re.findall(r'href="/learners\?stage=(\w+)"><span class="app-card__number">(\d+)</span>', stages))
    assert cards == {"no_enrolment": "1", "needs_analysis": "1", "in_progress": "1"}
    # overdue follow-ups: the learner's and the case's, not the done, future or someone else's
    overdue = page[page.index('id="overdue-follow-ups"'):]
    overdue = overdue[:overdue.index("</ul>")]
    assert "Call Quiet Person" in overdue and "Referral follow-up" in overdue
    assert "Done already" not in overdue and "Not yet due" not in overdue and "Other ULR" not in overdue
    assert overdue.index("Call Quiet Person") < overdue.index("Referral follow-up")  # oldest first
    assert f'href="/learners/{quiet.id}#log-contact"' in overdue
    # no contact for 90 days: never contacted first, then the longest silence; merged and recent left out
    silent = page[page.index('id="no-recent-contact"'):]
    silent = silent[:silent.index("</ul>")]
    names = re.findall(r'href="/learners/\d+">([^<]+)</a>', silent)
    assert names == ["Never Contacted", "Quiet Person"]
    assert f'href="/learners/{never.id}#log-contact"' in silent and "never contacted" in silent
    assert f"last contact {(TODAY - timedelta(days=120)).day}" in silent
    # the link takes the ULR to the form on the learner's page
    c = login_as("ulr_a1")
    assert 'id="log-contact"' in text(c.get(f"/learners/{quiet.id}"))
    page = text(c.get("/learners?stage=no_enrolment"))
    assert f'/learners/{quiet.id}"' in page and f'/learners/{never.id}"' not in page


def test_ulr_home_without_learners_says_so(login_as, world):
    page = plain(login_as("ulr_a1").get("/"))
    assert "You have no learners yet" in page and "Overdue follow-ups None." in page


def test_no_contact_list_is_capped_with_a_link_to_the_rest(login_as, world, monkeypatch):
    monkeypatch.setattr(caseload, "NO_CONTACT_SHOWN", 2)
    mine = rep(world, user=world.users.ulr_a1)
    for i in range(3):
        learner(world, name=f"Learner {i}", rep=mine)
    found, total = caseload.no_recent_contact(world.users.ulr_a1, limit=2)
    assert len(found) == 2 and total == 3
    c = login_as("ulr_a1")
    page = text(c.get("/"))
    assert 'href="/learners?no_contact=1"' not in page  # the default limit (20) shows all three
    page = plain(c.get("/learners?no_contact=1"))
    assert "Showing only learners with no contact in the last 90 days" in page
    assert all(f"Learner {i}" in page for i in range(3))


def test_ulr_home_query_count_does_not_grow_with_the_caseload(login_as, world, count_queries):
    mine = rep(world, user=world.users.ulr_a1)
    c = login_as("ulr_a1")

    def add(n, start):
        for i in range(start, start + n):
            who = learner(world, name=f"Learner {i}", rep=mine, workplace="service_a1" if i % 2 else "school_a1")
            db.session.add(FollowUp(learner_id=who.id, title=f"Call {i}", due_on=TODAY - timedelta(days=1 + i)))
            if i % 3:
                _contact(who, 100 + i)
            if i % 2:
                enrolment(who, course(f"Course {i}"), "enquiry")
        db.session.commit()

    add(2, 0)
    with count_queries() as few:
        assert c.get("/").status_code == 200
    add(12, 2)
    with count_queries() as many:
        response = c.get("/")
    assert response.status_code == 200 and "Call 13" in text(response)
    assert many.count == few.count, many.statements
    assert db.session.scalar(select(Learner.id).where(Learner.name == "Learner 13")) is not None


def test_no_contact_for_90_days_counts_from_consent(world):
    mine = rep(world, user=world.users.ulr_a1)
    old = learner(world, name="Consented long ago", rep=mine, consent_on=(TODAY - timedelta(days=100)).isoformat())
    learner(world, name="Consented today", rep=mine, consent_on=TODAY.isoformat())
    services.create_learner({"name": "Not consented", "workplace_id": world.workplaces.school_a1.id},
                            branch=world.branches.a1, actor=world.users.ulr_a1)
    contacted = learner(world, name="Rung lately", rep=mine, consent_on=(TODAY - timedelta(days=200)).isoformat())
    _contact(contacted, 10)
    db.session.commit()
    quiet, total = caseload.no_recent_contact(world.users.ulr_a1, TODAY)
    assert [q.learner.id for q in quiet] == [old.id] and total == 1
