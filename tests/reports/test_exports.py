"""A report document as CSV, XLSX and PDF: the same figures, no formulas, the scope on every page."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date, datetime

import pytest

from ulr_app.reports import exports
from ulr_app.reports.document import ReportDocument, Section, Table
from ulr_app.reports.exports import sheet_name, to_csv, to_pdf, to_xlsx

from .test_document import sample_document

HASH = "0123456789abcdef" * 4


# --- CSV ------------------------------------------------------------------------------------------

def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # a BOM, so Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_starts_with_what_the_report_is():
    rows = _csv_rows(to_csv(sample_document(run_hash=HASH)))
    assert rows[:6] == [["Quarterly return"], ["Scope", "Region: Eastern & North"],
                        ["Period", "FY2026-Q3 (October to December 2026)"], ["Generated", "2026-12-07"],
                        ["Frozen run, SHA-256", HASH], ["Note", "Counts below 5 are shown as <5."]]


def test_csv_has_every_table_headed_by_section_and_title():
    rows = _csv_rows(to_csv(sample_document()))
    heads = [i for i, r in enumerate(rows) if len(r) == 2 and r[0] in ("Learners", "Time off")]
    assert [rows[i] for i in heads] == [["Learners", "Learners engaged by quarter"], ["Learners", "Measures"],
                                       ["Time off", "Refusal rate by employer"], ["Time off", "Requests by outcome"]]
    assert all(rows[i - 1] == [] for i in heads)  # a blank line before each table
    first = heads[0]
    assert rows[first + 1] == ["", "Actual", "Target"] and rows[first + 2] == ["FY2026-Q1", "12", "15"]
    measures = heads[1]
    assert rows[measures + 1] == ["Variance is (actual - target) / target x 100."]
    assert rows[measures + 2] == ["Measure", "Target", "Actual", "Variance %", "Spend", "Signed on"]
    # numbers as numbers, percentages to one decimal place, dates as ISO dates, nothing as empty
    assert rows[measures + 3] == ["Measure 1", "10", "9", "-9.4", "1234.50", "2026-04-02"]


def test_csv_guards_against_formulas_but_keeps_negative_numbers():
    content = to_csv(sample_document())
    rows = _csv_rows(content)
    hostile = next(r for r in rows if r and "HYPERLINK" in r[0])
    assert hostile[0] == "'=HYPERLINK(\"http://evil.example/\",\"click\")"
    assert hostile[1] == "-5"  # a number, not text: no apostrophe
    assert hostile[2:] == ["", "", "0", ""]
    assert next(r for r in rows if r and r[0].endswith("=1+1"))[0] == "'=1+1"
    assert b"\r\n" in content


# --- XLSX -----------------------------------------------------------------------------------------

def _workbook(doc: ReportDocument):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(to_xlsx(doc)))


def test_xlsx_has_an_about_sheet_then_one_sheet_per_table():
    book = _workbook(sample_document(run_hash=HASH))
    assert book.sheetnames == ["About", "Learners engaged by quarter", "Measures", "Refusal rate by employer",
                               "Requests by outcome"]
    about = {row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert about["Scope"] == "Region: Eastern & North"
    assert about["Period"] == "FY2026-Q3 (October to December 2026)"
    assert about["Generated"] == datetime(2026, 12, 7)
    assert about["Frozen run, SHA-256"] == HASH
    assert book["About"]["A1"].value == "Quarterly return"


def test_xlsx_numbers_are_numbers_and_text_is_never_a_formula():
    book = _workbook(sample_document())
    sheet = book["Measures"]
    rows = list(sheet.iter_rows())
    header_row = next(i for i, r in enumerate(rows) if r[0].value == "Measure")
    header = rows[header_row]
    assert [c.value for c in header] == ["Measure", "Target", "Actual", "Variance %", "Spend", "Signed on"]
    assert all(c.font.b for c in header)
    first = rows[header_row + 1]
    assert first[1].value == 10 and first[1].data_type == "n"
    assert first[2].value == 9 and first[2].data_type == "n"
    assert first[3].value == -9.4 and first[3].number_format == "0.0"
    assert first[4].value == 1234.5 and first[4].data_type == "n"
    assert first[5].value == datetime(2026, 4, 2) and first[5].is_date
    hostile = next(r for r in rows if r[0].value and "HYPERLINK" in str(r[0].value))
    assert hostile[0].value == '=HYPERLINK("http://evil.example/","click")' and hostile[0].data_type == "s"
    assert hostile[1].value == -5 and hostile[1].data_type == "n"
    sums = next(r for r in rows if r[0].value == "=1+1")
    assert sums[0].data_type == "s"  # a string, not a formula
    assert sums[1].value == "<5" and sums[2].value == "c"  # suppressed counts stay as shown
    assert sums[3].value == 12.3
    # no formula anywhere in the workbook
    for ws in book.worksheets:
        for row in ws.iter_rows():
            assert not any(c.data_type == "f" for c in row)
    assert sheet.column_dimensions["A"].width > 10  # widths set for the content


def test_xlsx_comment_carries_a_cells_note():
    sheet = _workbook(sample_document())["Measures"]
    notes = [c.comment.text for row in sheet.iter_rows() for c in row if c.comment]
    assert any("Two enrolments of one learner" in n for n in notes)


@pytest.mark.parametrize("titles, names", [
    (["Measures", "Measures", "measures"], ["Measures", "Measures (2)", "measures (3)"]),
    (["A/B: [who]?*\\", "'quoted'", ""], ["A B who", "quoted", "Table"]),
    (["x" * 40, "x" * 40], ["x" * 31, "x" * 27 + " (2)"]),
    (["History", "About"], ["History table", "About (2)"]),
])
def test_sheet_names_are_valid_and_unique(titles, names):
    taken = {"about"}
    got = [sheet_name(t, taken) for t in titles]
    assert got == names
    for name in got:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_xlsx_with_clashing_long_titles_opens():
    long = "Time-off requests by employer and workplace kind: [schools]"
    doc = ReportDocument("R", "S", "P", date(2026, 12, 7),
                         [Section("One", tables=[Table(long, ["A"], [[1]]), Table(long, ["A"], [[2]])])], "r")
    book = _workbook(doc)
    assert len(book.sheetnames) == 3 and len(set(n.lower() for n in book.sheetnames)) == 3


# --- PDF ------------------------------------------------------------------------------------------

def _pdf_pages(content: bytes) -> list[str]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True).stdout
    return [p for p in text.decode("utf-8").split("\f") if p.strip()]


def test_pdf_has_scope_period_date_and_page_numbers_on_every_page(app):
    pdf = to_pdf(sample_document(rows=60))
    assert pdf.startswith(b"%PDF")
    pages = _pdf_pages(pdf)
    assert len(pages) >= 3  # long enough to turn pages
    for n, page in enumerate(pages, start=1):
        assert "Region: Eastern & North" in page, n
        assert "FY2026-Q3 (October to December 2026)" in page, n
        assert "Generated 7 December 2026" in page, n
        assert f"Page {n} of {len(pages)}" in page, n
        assert "Frozen run" not in page
    text = "\n".join(pages)
    assert "Measure 59" in text and "1,234.50" in text and '=HYPERLINK("http://evil.example/","click")' in text
    # the table's header row repeats on the pages it runs onto
    assert sum("Variance %" in p for p in pages) >= 2


def test_pdf_of_a_frozen_run_shows_its_hash_on_every_page(app):
    pages = _pdf_pages(to_pdf(sample_document(rows=60, run_hash=HASH)))
    for page in pages:
        assert f"Frozen run, SHA-256 {HASH}" in " ".join(page.split())


def test_render_picks_the_format(app):
    doc = sample_document()
    assert exports.render(doc, "csv")[1:] == ("csv", "text/csv; charset=utf-8")
    assert exports.render(doc, "xlsx")[0][:2] == b"PK"
    with pytest.raises(ValueError, match="format"):
        exports.render(doc, "docx")
