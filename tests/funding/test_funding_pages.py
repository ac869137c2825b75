"""Pages: programmes, the project list, adding and changing projects, the targets grid, CSV upload, spend."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from ulr_app.extensions import db
from ulr_app.funding import queries
from ulr_app.funding.models import ProfileChange, Programme, Project

from .helpers import project


def _count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_programmes_are_listed_for_readers_and_changed_by_administrators(login_as, world, programmes):
    page = login_as("convenor_a1").get("/programmes")
    assert page.status_code == 200 and "Union Learning Fund" in page.get_data(as_text=True)
    assert "Add a programme" not in page.get_data(as_text=True)
    admin = login_as("admin")
    bad = admin.submit("/programmes/new", {"name": "Wales ULF", "code": "Wales ULF", "variance_threshold": "150",
                                           "active": "yes"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "There is a problem" in text
    assert "Use lowercase letters" in text and "Choose at least one measure" in text and "from 0 to 100" in text
    assert 'value="Wales ULF"' in text  # what was typed is kept
    assert _count(Programme) == 2
    ok = admin.submit("/programmes/new", {"name": "Wales ULF", "code": "wales_ulf", "measures": ["learners_engaged",
                                          "new_members"], "variance_threshold": "15", "active": "yes"})
    assert ok.status_code == 302
    ulf = programmes["ulf"]
    renamed = admin.submit(f"/programmes/{ulf.id}/edit", {"name": "ULF", "code": "other", "measures": ["new_members"],
                                                           "variance_threshold": "20", "active": "yes"})
    assert renamed.status_code == 400 and "built in" in renamed.get_data(as_text=True)


def test_the_project_list_searches_filters_and_pages(login_as, world, programmes):
    empty = login_as("organiser_a").get("/projects").get_data(as_text=True)
    assert "There are no funding projects yet" in empty and "Add a project" in empty
    mine = project(world, programmes, name="Barnet schools", branch=world.branches.a1)
    other = project(world, programmes, name="Camden learning", branch=world.branches.a2, programme="go_award")
    project(world, programmes, name="Newcastle", region=world.regions.b)
    organiser = login_as("organiser_a")
    text = organiser.get("/projects").get_data(as_text=True)
    assert "Barnet schools" in text and "Camden learning" in text and "Newcastle" not in text
    searched = organiser.get("/projects?q=barnet").get_data(as_text=True)
    assert "Barnet schools" in searched and "Camden learning" not in searched
    filtered = organiser.get(f"/projects?programme_id={programmes['go_award'].id}").get_data(as_text=True)
    assert "Camden learning" in filtered and "Barnet schools" not in filtered
    by_branch = organiser.get(f"/projects?branch_id={world.branches.a1.id}").get_data(as_text=True)
    assert "Barnet schools" in by_branch and "Camden learning" not in by_branch
    assert "No projects match" in organiser.get("/projects?q=zzz").get_data(as_text=True)
    assert "Showing 1 to 1 of 2" in organiser.get("/projects?per_page=1").get_data(as_text=True)
    convenor = login_as("convenor_a1").get("/projects").get_data(as_text=True)
    assert "Barnet schools" in convenor and "Camden learning" not in convenor and "Add a project" not in convenor
    assert login_as("ulr_a1").get("/projects").status_code == 403
    assert mine.id and other.id


def test_an_organiser_adds_a_project_and_bad_input_keeps_what_was_typed(login_as, world, programmes):
    c = login_as("organiser_a")
    form = c.get("/projects/new").get_data(as_text=True)
    assert "Newcastle" not in form and "Barnet" in form and "The whole region" in form
    bad = c.submit("/projects/new", {"programme_id": str(programmes["ulf"].id), "name": "Barnet schools",
                                     "branch_id": str(world.branches.b1.id), "starts_on": "1/4/2026",
                                     "ends_on": "1/3/2026", "budget": "-10"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Choose a branch of your own region" in text and "The end date must be after the start date" in text
    assert "cannot be negative" in text and 'value="Barnet schools"' in text and 'value="1/4/2026"' in text
    assert '<a href="#branch_id">' in text  # the error summary links to the field
    assert _count(Project) == 0
    ok = c.submit("/projects/new", {"programme_id": str(programmes["ulf"].id), "name": "Barnet schools",
                                    "branch_id": str(world.branches.a1.id), "starts_on": "1/4/2026",
                                    "ends_on": "31/3/2027", "budget": "25000",
                                    "lead_organiser_id": str(world.users.organiser_a.id)})
    assert ok.status_code == 302
    p = db.session.scalars(select(Project)).one()
    assert (p.branch_id, p.region_id, str(p.budget)) == (world.branches.a1.id, world.regions.a.id, "25000.00")
    page = c.get(ok.headers["Location"]).get_data(as_text=True)
    assert "Apr to Jun 2026 (FY2026-Q1)" in page and f"/projects/{p.id}/returns/FY2026-Q4" in page
    assert "No targets have been set yet" in page
    stale = c.submit(f"/projects/{p.id}/edit", {"programme_id": str(p.programme_id), "name": "Renamed",
                                                "starts_on": "1/4/2026", "ends_on": "31/3/2027", "version": "99"})
    assert stale.status_code == 409


def test_the_targets_grid(login_as, world, programmes):
    p = project(world, programmes, programme="go_award", starts_on="2027-04-01", ends_on="2027-09-30")
    c = login_as("organiser_a")
    grid = c.get(f"/projects/{p.id}/targets").get_data(as_text=True)
    assert "Apr to Jun 2027 (FY2027-Q1)" in grid and "Jul to Sep 2027 (FY2027-Q2)" in grid
    assert "New union members" not in grid  # go_award does not count it
    assert 'for="target-FY2027-Q1-learners_engaged"' in grid  # every cell has a label
    bad = c.submit(f"/projects/{p.id}/targets", {"target-FY2027-Q1-learners_engaged": "-4",
                                                 "target-FY2027-Q2-learners_engaged": "ten",
                                                 "target-FY2027-Q1-needs_assessed": "7"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "There is a problem" in text
    assert "Learners engaged, Apr to Jun 2027 (FY2027-Q1): A target cannot be negative" in text
    assert 'href="#target-FY2027-Q2-learners_engaged"' in text and 'value="ten"' in text and 'value="7"' in text
    assert queries.targets_of(p) == {}
    ok = c.submit(f"/projects/{p.id}/targets", {"target-FY2027-Q1-learners_engaged": "40",
                                                "target-FY2027-Q2-learners_engaged": "45",
                                                "target-FY2027-Q1-needs_assessed": ""})
    assert ok.status_code == 302
    db.session.rollback()
    assert queries.targets_of(p) == {("FY2027-Q1", "learners_engaged"): 40, ("FY2027-Q2", "learners_engaged"): 45}
    page = c.get(f"/projects/{p.id}").get_data(as_text=True)
    assert "<strong>85</strong>" in page  # the row total
    assert login_as("convenor_a1").get(f"/projects/{p.id}/targets").status_code == 403


def test_a_late_change_to_the_grid_needs_a_reason_and_shows_in_the_history(login_as, world, programmes):
    p = project(world, programmes, programme="go_award")  # FY2026: its first quarter has started
    c = login_as("organiser_a")
    assert c.submit(f"/projects/{p.id}/targets", {"target-FY2026-Q1-learners_engaged": "40"}).status_code == 302
    page = c.get(f"/projects/{p.id}/targets").get_data(as_text=True)
    assert "is a re-profile" in page
    refused = c.submit(f"/projects/{p.id}/targets", {"target-FY2026-Q1-learners_engaged": "30"})
    assert refused.status_code == 400 and "say why" in refused.get_data(as_text=True)
    assert _count(ProfileChange) == 0
    done = c.submit(f"/projects/{p.id}/targets", {"target-FY2026-Q1-learners_engaged": "30",
                                                  "reason": "The council delayed the courses"})
    assert done.status_code == 302
    history = c.get(f"/projects/{p.id}").get_data(as_text=True)
    assert "The council delayed the courses" in history and "Learners engaged, FY2026-Q1: 40 to 30" in history


def test_targets_upload_and_template(login_as, world, programmes):
    p = project(world, programmes, programme="go_award", starts_on="2027-04-01", ends_on="2027-06-30")
    c = login_as("organiser_a")
    template = c.get(f"/projects/{p.id}/targets/template.csv")
    assert template.status_code == 200 and template.headers["Content-Type"].startswith("text/csv")
    lines = template.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "period,measure,target" and "FY2027-Q1,learners_engaged," in lines
    token = c.token(f"/projects/{p.id}/targets")
    bad = b"period,measure,target\nFY2027-Q5,learners_engaged,4\nFY2027-Q1,new_members,1\n"
    response = c.post(f"/projects/{p.id}/targets/upload", data={"csrf_token": token, "reason": "",
                                                                "file": (io.BytesIO(bad), "targets.csv")},
                      content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was saved" in text
    assert "Row 2, column period" in text and "Row 3, column measure" in text
    assert queries.targets_of(p) == {}
    good = b"period,measure,target\nFY2027-Q1,learners_engaged,12\n"
    response = c.post(f"/projects/{p.id}/targets/upload", data={"csrf_token": token, "reason": "",
                                                                "file": (io.BytesIO(good), "targets.csv")},
                      content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.rollback()
    assert queries.targets_of(p) == {("FY2027-Q1", "learners_engaged"): 12}
    missing = c.post(f"/projects/{p.id}/targets/upload", data={"csrf_token": token}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose the CSV file" in missing.get_data(as_text=True)


def test_the_spend_grid(login_as, world, programmes):
    p = project(world, programmes, starts_on="2027-04-01", ends_on="2027-09-30")
    c = login_as("admin")
    bad = c.submit(f"/projects/{p.id}/spend", {"budget-FY2027-Q1": "-5", "actual-FY2027-Q2": "1.234"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Budget, Apr to Jun 2027 (FY2027-Q1): An amount cannot be negative" in text
    assert 'value="1.234"' in text and queries.spend_of(p) == {}
    ok = c.submit(f"/projects/{p.id}/spend", {"budget-FY2027-Q1": "1,000", "actual-FY2027-Q1": "250.5"})
    assert ok.status_code == 302
    page = c.get(f"/projects/{p.id}").get_data(as_text=True)
    assert "£1,000.00" in page and "£250.50" in page


def test_the_menu_shows_funding_projects_to_readers_only(login_as, world):
    for key in ("admin", "organiser_a", "convenor_a1"):
        assert re.search(r'href="/projects"[^>]*>\s*(<strong[^>]*>)?Funding projects', login_as(key).get("/").get_data(as_text=True)), key
    assert "Funding projects" not in login_as("ulr_a1").get("/").get_data(as_text=True)
