"""The report pages in Chromium: every report page for an organiser and a convenor, at 1280 px and on a
375 px phone, screenshotted and checked with axe; nothing is wider than the phone."""
from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, fits_phone, sign_in
from tests.reports import helpers as h


@pytest.fixture
def report_world(world, programmes):
    p = h.project(world, programmes["ulf"], name="Barnet learning project",
                  targets={("FY2026-Q1", "learners_engaged"): 10, ("FY2026-Q1", "learning_outcomes"): 2,
                           ("FY2026-Q1", "needs_assessed"): 3},
                  spend={"FY2026-Q1": (4000, 5200)})
    c = h.course()
    for name in ("Pat Example", "Sam Okafor", "Jo Bloggs"):
        learner = h.learner(world, name=name, staff_category="learning_support", gender="Woman")
        h.enrolment(learner, c, project=p, status="achieved", started_on="2026-04-10", completed_on="2026-05-20",
                    achieved_on="2026-06-01")
        h.needs(learner, assessed_on="2026-05-02", literacy_level="entry_3")
    h.agreement(world, schools_scope="silent")
    h.request(world, status="refused", decided_on="2026-05-05", refusal_reason="cover")
    return p


@pytest.mark.parametrize("viewport", ("desktop", "phone"))
def test_every_report_page_as_organiser_and_convenor(report_world, world, new_page, live_server, visit, viewport):
    p = report_world
    pages = [("reports", "/reports", "Reports"),
             ("return", f"/projects/{p.id}/returns/FY2026-Q1", "Quarterly return"),
             ("records", f"/projects/{p.id}/returns/FY2026-Q1/learners_engaged", "Learners engaged"),
             ("summary", f"/projects/{p.id}/summary", "End-of-project summary"),
             ("coverage", "/reports/schools-coverage", "Schools coverage"),
             ("time-off", "/reports/time-off?period=FY2026", "Time-off monitoring"),
             ("equality", "/reports/equality?period=FY2026", "Equality monitoring"),
             ("go-award", f"/reports/go-award/{world.employers.a1.id}", "Go Award")]
    for role in ("organiser_a", "convenor_a1"):
        page = new_page(DESKTOP if viewport == "desktop" else PHONE)
        sign_in(page, live_server, getattr(world.users, role).email)
        if role == "organiser_a":
            visit(page, f"{role}-{viewport}", "home", "/")
            if viewport == "phone":
                fits_phone(page, f"{role} home")
        for name, path, heading in pages:
            visit(page, f"{role}-{viewport}", name, path, heading=heading)
            if viewport == "phone":
                fits_phone(page, f"{role} {name}")


def test_organiser_sets_targets_convenor_explains_organiser_submits_and_downloads(
        world, programmes, new_page, live_server, check_page):
    from sqlalchemy import select

    from ulr_app.extensions import db
    from ulr_app.reports.models import FundingReturn

    p = h.project(world, programmes["ulf"], name="Barnet learning project")
    h.enrolment(h.learner(world, name="Pat Example"), h.course(), project=p, started_on="2026-04-10")
    role = "return-journey"

    # the organiser enters the profile on the grid (desktop)
    organiser = new_page(DESKTOP)
    sign_in(organiser, live_server, world.users.organiser_a.email)
    organiser.goto(f"{live_server}/projects/{p.id}/targets")
    check_page(organiser, role, "targets-grid")
    organiser.get_by_label("Learners engaged, Apr to Jun 2026 (FY2026-Q1)", exact=True).fill("10")
    organiser.get_by_role("button", name="Save targets").click()
    organiser.wait_for_load_state("load")
    check_page(organiser, role, "targets-saved")

    # the branch convenor drafts the explanation on a phone
    convenor = new_page(PHONE)
    sign_in(convenor, live_server, world.users.convenor_a1.email)
    convenor.goto(f"{live_server}/projects/{p.id}/returns/FY2026-Q1")
    assert "Needs an explanation" in convenor.locator("main").inner_text()
    check_page(convenor, role, "return-draft-phone")
    fits_phone(convenor, "return draft")
    assert convenor.get_by_role("button", name="Submit the return").count() == 0
    convenor.get_by_label("Learners engaged Needs an explanation").fill("Two schools closed for building work.")
    convenor.get_by_role("button", name="Save the explanations").click()
    convenor.wait_for_load_state("load")
    assert "Explanations saved." in convenor.locator("main").inner_text()
    check_page(convenor, role, "return-explained-phone")
    fits_phone(convenor, "return explained")

    # the organiser submits and downloads the frozen PDF
    organiser.goto(f"{live_server}/projects/{p.id}/returns/FY2026-Q1")
    organiser.get_by_role("button", name="Submit the return").click()
    organiser.wait_for_load_state("load")
    assert "Submitted" in organiser.locator("#return-status").inner_text()
    check_page(organiser, role, "return-submitted")
    with organiser.expect_download() as download:
        organiser.locator("#frozen-run").get_by_role("link", name="PDF", exact=True).click()
    path = download.value.path()
    from pathlib import Path

    content = Path(path).read_bytes()
    assert content.startswith(b"%PDF")
    ret = db.session.scalars(select(FundingReturn)).one()
    import hashlib

    assert hashlib.sha256(content).hexdigest() == ret.run.pdf_sha256
