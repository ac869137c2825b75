"""One report, five renderings, the same numbers: the page, the CSV, the XLSX, the PDF (read back with
pdftotext) and the API answer agree figure by figure (the quarterly return and equality monitoring)."""
from __future__ import annotations

import csv
import html
import io
import os
import re
import shutil
import subprocess

import pytest

from tests.api.conftest import anonymous, api_as, token_for  # noqa: F401  (the API fixtures)
from ulr_app.funding.models import MEASURES
from ulr_app.reports import builders, exports

from . import helpers as h

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("ULR_REQUIRE_PDFTOTEXT"),
                                     reason="pdftotext not installed (apt-get install poppler-utils)")


@pytest.fixture
def project(world, programmes):
    p = h.project(world, programmes["ulf"], name="Formats project",
                  targets={("FY2026-Q1", "learners_engaged"): 4, ("FY2026-Q1", "learning_outcomes"): 3,
                           ("FY2026-Q1", "needs_assessed"): 2, ("FY2026-Q2", "learners_engaged"): 5})
    c = h.course()
    for n in range(3):
        who = h.learner(world, name=f"Learner {n}", staff_category="site" if n else "administrative")
        h.enrolment(who, c, project=p, status="achieved" if n else "in_progress", started_on="2026-04-10",
                    completed_on="2026-05-20" if n else None, achieved_on="2026-06-01" if n else None)
        h.needs(who, assessed_on="2026-05-01")
    return p


def _page_rows(text: str) -> dict[str, list[str]]:
    """Table rows of a page as {first cell: the other cells' text}."""
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", text, re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if cells and len(cells) - 1 > len(rows.get(cells[0], [])):  # the full table, not the chart's figures
            rows[cells[0]] = cells[1:]
    return rows


def test_the_quarterly_return_agrees_in_every_format(world, login_as, api_as, project):
    api = api_as("organiser_a").get(f"/reports/funding?project_id={project.id}&period=FY2026-Q1").json
    expected = {MEASURES[m["code"]]: (m["target"], m["actual"], m["cumulative_target"], m["cumulative_actual"])
                for m in api["measures"]}
    assert expected["Learners engaged"] == (4, 3, 4, 3) and expected["Learning outcomes"] == (3, 2, 3, 2)

    def as_numbers(values):
        return tuple(None if v in ("", "–", "-", None) else int(v) for v in values)

    organiser = login_as("organiser_a")
    page = _page_rows(organiser.get(f"/projects/{project.id}/returns/FY2026-Q1").get_data(as_text=True))
    csv_rows: dict = {}
    for r in csv.reader(io.StringIO(organiser.get(f"/projects/{project.id}/returns/FY2026-Q1?format=csv")
                                    .get_data(as_text=True).lstrip("\ufeff"))):
        if r and len(r) - 1 > len(csv_rows.get(r[0], [])):
            csv_rows[r[0]] = r[1:]
    doc = builders.build("funding", {"project_id": project.id, "period": "FY2026-Q1"}, world.users.organiser_a)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exports.to_xlsx(doc)))
    xlsx_rows = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            if row and isinstance(row[0], str) and len(row) - 1 > len(xlsx_rows.get(row[0], [])):
                xlsx_rows[row[0]] = list(row[1:])
    for label, (target, actual, cum_target, cum_actual) in expected.items():
        want = (target, actual, cum_target, cum_actual)
        p = page[label]
        assert as_numbers((p[0], p[1], p[3], p[4])) == want, label
        c = csv_rows[label]
        assert as_numbers((c[0], c[1], c[3], c[4])) == want, label
        x = xlsx_rows[label]
        assert (x[0], x[1], x[3], x[4]) == want, label
        assert all(v is None or isinstance(v, int) for v in (x[0], x[1], x[3], x[4]))  # numbers, not text


@needs_pdftotext
def test_the_pdf_shows_the_same_figures(world, project, tmp_path):
    doc = builders.build("funding", {"project_id": project.id, "period": "FY2026-Q1"}, world.users.organiser_a)
    path = tmp_path / "return.pdf"
    path.write_bytes(exports.to_pdf(doc))
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8")
    assert re.search(r"Learners engaged\s+4\s+3\s+-25\.0%\s+4\s+3", text), text
    assert re.search(r"Learning outcomes\s+3\s+2\s+-33\.3%\s+3\s+2", text), text


def test_equality_agrees_between_api_and_csv(world, login_as, api_as, project):
    api = api_as("convenor_a1").get(f"/reports/equality?branch_id={world.branches.a1.id}"
                                    f"&from=2026-04-01&to=2027-03-31").json
    assert api["by"]["staff_category"]["site"] == "<5"  # 2 site learners: suppressed
    rows = list(csv.reader(io.StringIO(login_as("convenor_a1").get(
        "/reports/equality?period=FY2026&format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    shown = {r[0]: r[1] for r in rows if len(r) == 2}
    assert shown["Site"] == api["by"]["staff_category"]["site"]
    assert shown["Administrative"] == str(api["by"]["staff_category"]["administrative"])
