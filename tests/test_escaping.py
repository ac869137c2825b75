"""Free text is shown as text everywhere (issue 13, item 8): a learner's name, a case's summary, an agreement's
title and notes, a school's, employer's and branch's names holding markup or a spreadsheet formula are escaped in
pages, guarded in CSV (a leading apostrophe) and written as text (never a formula) in XLSX, and read literally
in PDFs."""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from datetime import date

import pytest

from ulr_app.extensions import db

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/x","Click")'
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, FORMULA, ATTRIBUTE)

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("ULR_REQUIRE_PDFTOTEXT"),
                                     reason="pdftotext not installed (apt-get install poppler-utils)")


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60)
    return " ".join(out.stdout.decode("utf-8").split())


def _assert_escaped(page: str, where: str) -> None:
    assert SCRIPT not in page and "<img src=x" not in page, where
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, where


@pytest.fixture
def hostile(world):
    """Records whose free text is hostile, made through the services."""
    from flask import g

    from tests.api.helpers import agreements_of, reps_of
    from ulr_app.agreements import services as agreement_services
    from ulr_app.cases import services as case_services
    from ulr_app.learners import services as learner_services

    g.audit_actor_label = "test set-up"
    reps = reps_of(world)
    learner = learner_services.create_learner(
        {"name": f"{SCRIPT} {ATTRIBUTE}", "workplace_id": world.workplaces.service_a1.id, "rep_id": reps.a1.id,
         "job_title": FORMULA, "consent_on": date.today().isoformat(), "consent_scope": SCRIPT},
        branch=world.branches.a1, not_duplicate=True)
    case = case_services.create_case({"kind": "other", "summary": f"{SCRIPT}{ATTRIBUTE}", "details": FORMULA,
                                      "learner_id": learner.id}, world.branches.a1, actor=world.users.convenor_a1)
    agreement = agreements_of(world).a1
    agreement_services.update_agreement(agreement, {"title": f"{SCRIPT} agreement",
                                                    "learning_centre": True,
                                                    "learning_centre_details": f"{ATTRIBUTE} {FORMULA}",
                                                    "employer_signatory": FORMULA}, version=agreement.version)
    world.workplaces.school_a1.name = FORMULA
    world.branches.a1.name = FORMULA
    db.session.commit()
    return {"learner": learner, "case": case, "agreement": agreement}


def test_pages_escape_it(login_as, world, hostile):
    c = login_as("convenor_a1")
    learner, case, agreement = hostile["learner"], hostile["case"], hostile["agreement"]
    for url in ("/learners", f"/learners/{learner.id}", "/cases", f"/cases/{case.id}", "/agreements",
                f"/agreements/{agreement.id}", f"/agreements/{agreement.id}/draft", f"/agreements/{agreement.id}/coverage",
                f"/learners?name={SCRIPT}"):
        response = c.get(url)
        assert response.status_code == 200, url
        _assert_escaped(response.get_data(as_text=True), url)
    # a search that holds it is escaped where it is shown back
    page = c.get("/learners", query_string={"name": ATTRIBUTE}).get_data(as_text=True)
    assert '"><img' not in page


def test_csv_cells_are_guarded(login_as, world, hostile):
    c = login_as("convenor_a1")
    agreement = hostile["agreement"]
    response = c.get(f"/agreements/{agreement.id}/coverage.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells if cell and not cell[1:2].isdigit())
    report = c.get(f"/reports/schools-coverage?format=csv&as_of={date.today().isoformat()}")
    assert report.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))) for cell in row]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells), cells[:12]
    assert not any(cell.startswith("=") for cell in cells)


def test_xlsx_cells_are_text_never_formulas(world, hostile):
    from openpyxl import load_workbook

    from ulr_app.reports import builders, exports

    doc = builders.build("schools_coverage", {"branch_id": world.branches.a1.id, "as_of": date.today()},
                         world.users.convenor_a1)
    book = load_workbook(io.BytesIO(exports.to_xlsx(doc)))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                    found.append(cell)
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    assert found and all(cell.data_type == "s" for cell in found)


def test_the_csv_guard_itself():
    from ulr_app.core.csvio import safe_cell, to_csv

    for text in (FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(text).startswith("'"), text
    assert safe_cell(-5) == "-5" and safe_cell(SCRIPT) == SCRIPT
    assert b"'=HYPERLINK" in to_csv(["h"], [[FORMULA]])


@needs_pdftotext
def test_pdfs_show_it_literally(world, hostile, tmp_path):
    from ulr_app.agreements.documents import draft_pdf
    from ulr_app.reports import builders, exports

    agreement = hostile["agreement"]
    db.session.refresh(agreement)
    pdf, _document = draft_pdf(agreement, "unison-model-2026")
    text = _pdf_text(pdf, tmp_path)
    assert f"{SCRIPT} agreement" in text
    assert FORMULA in text and ATTRIBUTE in text
    doc = builders.build("schools_coverage", {"branch_id": world.branches.a1.id, "as_of": date.today()},
                         world.users.convenor_a1)
    report_text = _pdf_text(exports.to_pdf(doc), tmp_path)
    assert FORMULA in report_text
