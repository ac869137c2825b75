"""Linking an enrolment to a funding project from the enrol page: the projects offered are the ones the
user may see that cover the learner's branch (the branch's own, or a region-wide one); others are refused."""
from __future__ import annotations

from sqlalchemy import select

from ulr_app.extensions import db
from ulr_app.learners.models import Enrolment
from tests.learners.helpers import course, learner
from tests.reports import helpers as h


def test_the_enrol_page_offers_branch_and_region_wide_projects_and_links_one(world, login_as, programmes):
    branch_project = h.project(world, programmes["ulf"], name="Barnet project")
    region_project = h.project(world, programmes["ulf"], branch=None, name="London-wide project")
    other_branch = h.project(world, programmes["ulf"], branch="a2", name="Camden project")
    other_region = h.project(world, programmes["ulf"], branch="b1", region="b", name="Newcastle project")
    sam = learner(world)
    c = course("Literacy for funding tests")
    convenor = login_as("convenor_a1")
    url = f"/learners/{sam.id}/enrol"
    page = convenor.get(url).get_data(as_text=True)
    assert "Funding project (optional)" in page
    assert "Barnet project" in page and "London-wide project" in page
    assert "Camden project" not in page and "Newcastle project" not in page
    response = convenor.submit(url, {"course_id": c.id, "status": "enrolled", "referred_on": "1/5/2026",
                                     "started_on": "10/5/2026", "project_id": region_project.id})
    assert response.status_code == 302
    assert db.session.scalars(select(Enrolment)).one().project_id == region_project.id
    for project in (other_branch, other_region):
        response = convenor.submit(url, {"course_id": c.id, "status": "enquiry", "project_id": project.id})
        assert response.status_code == 400
        assert "Choose a funding project you can see" in response.get_data(as_text=True)
    assert db.session.scalar(select(Enrolment.id).where(Enrolment.project_id != region_project.id)) is None
    assert branch_project.id  # offered, not chosen


def test_no_projects_no_question(world, login_as):
    sam = learner(world)
    course("Literacy for funding tests")
    assert "Funding project (optional)" not in login_as("convenor_a1").get(f"/learners/{sam.id}/enrol").get_data(as_text=True)
