"""The quarterly return's workflow on its page: explanations drafted by the branch convenor, submitted by
the organiser (refused while a measure beyond the threshold is unexplained), frozen as a report run
with its PDF, CSV and XLSX and their SHA-256, unchanged by later edits, reopened only with a reason."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.reports import services
from ulr_app.reports.models import FundingReturn, ReportRun

from . import helpers as h

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("ULR_REQUIRE_PDFTOTEXT"),
                                     reason="pdftotext not installed (apt-get install poppler-utils)")


@pytest.fixture
def missed(world, programmes):
    """A branch project whose FY2026-Q1 target of 10 learners engaged was missed (1 engaged: -90%)."""
    p = h.project(world, programmes["ulf"], name="Barnet learning project",
                  targets={("FY2026-Q1", "learners_engaged"): 10, ("FY2026-Q1", "learning_outcomes"): 1},
                  spend={"FY2026-Q1": (1000, 1000)})
    c = h.course()
    h.enrolment(h.learner(world, name="Pat Example"), c, project=p, status="achieved", started_on="2026-04-10",
                completed_on="2026-05-20", achieved_on="2026-06-01")
    return p


def url(p, period="FY2026-Q1"):
    return f"/projects/{p.id}/returns/{period}"


def test_submit_is_refused_until_the_missed_measure_is_explained(world, login_as, missed):
    organiser = login_as("organiser_a")
    page = organiser.get(url(missed))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Needs an explanation" in text and "-90.0%" in text
    response = organiser.submit(url(missed), {"action": "submit", "version": "0"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'href="#explanation-learners_engaged"' in body and "Learners engaged: explain why" in body
    assert db.session.scalar(select(func.count()).select_from(ReportRun)) == 0
    assert db.session.scalar(select(func.count()).select_from(FundingReturn)) == 0


def test_the_convenor_drafts_and_the_organiser_submits_a_frozen_run(world, login_as, missed, make_client):
    convenor = login_as("convenor_a1")
    text = "Two schools closed for refurbishment; courses moved to the autumn."
    response = convenor.submit(url(missed), {"action": "save", "version": "0", "explanation-learners_engaged": text})
    assert response.status_code == 302
    ret = db.session.scalars(select(FundingReturn)).one()
    assert ret.explanations == {"learners_engaged": text} and ret.status == "draft"
    # the convenor cannot submit
    assert convenor.submit(url(missed), {"action": "submit", "version": str(ret.version)}).status_code == 403

    organiser = login_as("organiser_a")
    response = organiser.submit(url(missed), {"action": "submit", "version": str(ret.version)})
    assert response.status_code == 302
    db.session.expire_all()
    ret = db.session.scalars(select(FundingReturn)).one()
    run = ret.run
    assert ret.status == "submitted" and run is not None and run.figures["explanations"]["learners_engaged"] == text
    assert {m["code"]: m["actual"] for m in run.figures["measures"]}["learners_engaged"] == 1
    assert run.sha256 == services.canonical_hash(run.params, run.figures)
    for fmt in ("pdf", "csv", "xlsx"):
        path = Path(current_app.instance_path) / getattr(run, f"{fmt}_path")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == getattr(run, f"{fmt}_sha256")
        download = organiser.get(f"/reports/runs/{run.id}/{fmt}")
        assert download.status_code == 200 and download.data == path.read_bytes()
    # another region's organiser: not found
    other = make_client()
    other.login(world.users.organiser_b.email)
    assert other.get(f"/reports/runs/{run.id}/pdf").status_code == 404
    assert other.get(url(missed)).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "submit")) == 1


def _submit(world, login_as, p):
    convenor = login_as("convenor_a1")
    convenor.submit(url(p), {"action": "save", "version": "0", "explanation-learners_engaged": "Schools closed."})
    ret = db.session.scalars(select(FundingReturn)).one()
    organiser = login_as("organiser_a")
    assert organiser.submit(url(p), {"action": "submit", "version": str(ret.version)}).status_code == 302
    db.session.expire_all()
    return organiser, db.session.scalars(select(FundingReturn)).one()


def test_later_edits_never_change_the_frozen_run_and_the_page_shows_the_difference(world, login_as, missed):
    organiser, ret = _submit(world, login_as, missed)
    frozen = dict(ret.run.figures)
    pdf = (Path(current_app.instance_path) / ret.run.pdf_path).read_bytes()
    assert "Today's records give the same figures" in organiser.get(url(missed)).get_data(as_text=True)
    h.enrolment(h.learner(world, name="Late Entry"), h.course(), project=missed, started_on="2026-05-01")
    page = organiser.get(url(missed)).get_data(as_text=True)
    assert "Changed since it was submitted" in page and 'id="changed-since"' in page
    db.session.expire_all()
    run = db.session.get(ReportRun, ret.run_id)
    assert run.figures == frozen
    assert (Path(current_app.instance_path) / run.pdf_path).read_bytes() == pdf
    # the convenor cannot change the explanations of a submitted return
    convenor = login_as("convenor_a1")
    response = convenor.submit(url(missed), {"action": "save", "version": str(ret.version),
                                             "explanation-learners_engaged": "Changed"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(FundingReturn, ret.id).explanations == {"learners_engaged": "Schools closed."}


def test_only_an_organiser_reopens_and_only_with_a_reason(world, login_as, missed):
    organiser, ret = _submit(world, login_as, missed)
    reopen = f"{url(missed)}/reopen"
    assert login_as("convenor_a1").get(reopen).status_code == 403
    response = organiser.submit(reopen, {"reason": "  ", "version": str(ret.version)})
    assert response.status_code == 400 and "Enter why the return is reopened" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FundingReturn, ret.id).status == "submitted"
    response = organiser.submit(reopen, {"reason": "The funder asked for a correction", "version": str(ret.version)})
    assert response.status_code == 302
    db.session.expire_all()
    ret = db.session.get(FundingReturn, ret.id)
    assert ret.status == "draft" and ret.reopened_reason == "The funder asked for a correction"
    assert ret.run.superseded is True
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reopen")).one()
    assert "The funder asked for a correction" in entry.summary
    # a stale page (the old version) is refused, nothing changes
    response = organiser.submit(url(missed), {"action": "save", "version": "1", "explanation-spend": "x"})
    assert response.status_code == 409


@needs_pdftotext
def test_the_frozen_pdf_carries_the_hash_scope_and_period_on_every_page(world, login_as, missed, tmp_path):
    _organiser, ret = _submit(world, login_as, missed)
    path = Path(current_app.instance_path) / ret.run.pdf_path
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60)
    pages = out.stdout.decode("utf-8").split("\f")
    pages = [p for p in pages if p.strip()]
    assert pages
    for text in pages:
        assert ret.run.sha256[:16] in text.replace("\n", "")
        assert "Barnet learning project" in text
        assert "FY2026-Q1" in text
    assert "Schools closed." in "".join(pages)


def test_the_page_csv_and_the_records_behind_a_figure_agree(world, login_as, missed):
    organiser = login_as("organiser_a")
    csv_text = organiser.get(url(missed) + "?format=csv").get_data(as_text=True)
    assert "Learners engaged" in csv_text
    records = organiser.get(f"{url(missed)}/learners_engaged").get_data(as_text=True)
    assert "Pat Example" in records and "The records behind this figure that you can see: 1." in records
    assert organiser.get(f"{url(missed)}/not_a_measure").status_code == 404
    assert organiser.get(url(missed, "FY2026-Q5")).status_code == 404
    assert organiser.get(url(missed, "FY2030-Q1")).status_code == 404  # outside the project's quarters


def test_report_pages_render_for_an_organiser(world, login_as, missed):
    organiser = login_as("organiser_a")
    for page in ("/reports", "/reports/schools-coverage", "/reports/time-off?period=FY2026",
                 "/reports/equality?period=FY2026-Q1", f"/reports/go-award/{world.employers.a1.id}",
                 f"/projects/{missed.id}/summary", "/"):
        response = organiser.get(page)
        assert response.status_code == 200, page
        assert "<img" in response.get_data(as_text=True) or page in ("/reports", "/"), page
    assert organiser.get("/reports/time-off?period=FY2026-Q5").status_code == 404
    assert organiser.get(f"/reports/schools-coverage?region_id={world.regions.b.id}").status_code == 404
    home = organiser.get("/").get_data(as_text=True)
    assert 'id="schools-coverage-headline"' in home


def test_time_off_and_equality_figures_link_to_their_records(world, login_as, programmes):
    h.request(world, status="refused", decided_on="2026-05-05", refusal_reason="cover", requested_on="2026-05-01")
    h.request(world, status="granted", decided_on="2026-05-06", requested_on="2026-05-02",
              workplace="service_a1")
    c = h.course()
    for n in range(6):
        h.enrolment(h.learner(world, name=f"Site Worker {n}", staff_category="site", ethnicity="White British"), c,
                    started_on="2026-05-01")
    for category, n in (("learning_support", 8), ("administrative", 2), ("pupil_welfare", 3)):
        for i in range(n):
            h.enrolment(h.learner(world, name=f"{category} {i}", staff_category=category, ethnicity="White British"), c,
                        started_on="2026-05-01")
    convenor = login_as("convenor_a1")
    page = convenor.get("/reports/time-off?period=FY2026").get_data(as_text=True)
    assert "/reports/time-off/records?" in page and "status=refused" in page
    refused = convenor.get(f"/reports/time-off/records?branch_id={world.branches.a1.id}&from=2026-04-01&to=2027-03-31"
                           "&status=refused").get_data(as_text=True)
    assert "The records behind this figure that you can see: 1." in refused
    schools = convenor.get(f"/reports/time-off/records?from=2026-04-01&to=2027-03-31&workplace_kind=school&decided=1")
    assert "The records behind this figure that you can see: 1." in schools.get_data(as_text=True)
    page = convenor.get("/reports/equality?period=FY2026").get_data(as_text=True)
    assert "dimension=staff_category" in page and "dimension=ethnicity" not in page
    site = convenor.get("/reports/equality/records?from=2026-04-01&to=2027-03-31&dimension=staff_category&value=site")
    assert site.status_code == 200 and "Site Worker 0" in site.get_data(as_text=True)
    # a suppressed group (two administrative learners) has no list, and special-category groups none at all
    assert convenor.get("/reports/equality/records?from=2026-04-01&to=2027-03-31&dimension=staff_category"
                        "&value=administrative").status_code == 404
    assert convenor.get("/reports/equality/records?from=2026-04-01&to=2027-03-31&dimension=ethnicity"
                        "&value=White%20British").status_code == 404
    assert login_as("ulr_a1").get("/reports/equality/records?dimension=staff_category&value=site").status_code == 403
