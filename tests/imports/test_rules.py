"""Each rule of ulr_app/imports/rules.py, table-driven (pure functions: no database, no app)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from ulr_app.imports import rules
from ulr_app.imports.rules import Problem

ZIP = b"PK\x03\x04" + b"rest of a zip"
CSV = b"reference,name\r\nR-1,Ann\r\n"


@pytest.mark.parametrize("filename, content, fmt, problem", [
    ("ulrs.csv", CSV, "csv", None),
    ("ULRS.CSV", CSV, "csv", None),
    ("export.txt", CSV, "csv", None),
    ("ulrs.xlsx", ZIP, "xlsx", None),
    ("ulrs.xlsx", CSV, None, "is not a real XLSX spreadsheet"),
    ("ulrs.csv", ZIP, None, "is not a CSV file"),
    ("ulrs.csv", b"%PDF-1.7", None, "is not a CSV file"),
    ("ulrs.csv", b"\xd0\xcf\x11\xe0old excel", None, "is not a CSV file"),
    ("ulrs.csv", b"a,b\x00,c", None, "is not a CSV file"),
    ("ulrs.xls", CSV, None, "Old Excel files (.xls) cannot be read"),
    ("ulrs.pdf", CSV, None, "must be a CSV or XLSX file"),
    ("ulrs", CSV, None, "must be a CSV or XLSX file"),
    ("ulrs.csv", b"", None, "The selected file is empty"),
    ("ul\x00rs.csv", CSV, None, "must not contain control characters"),
    ("ulrs\n.csv", CSV, None, "must not contain control characters"),
    ("", CSV, None, "Choose a CSV or XLSX file"),
    (None, CSV, None, "Choose a CSV or XLSX file"),
    ("big.csv", b"x" * 101, None, "The file must be smaller than 100 bytes"),
])
def test_file_format(filename, content, fmt, problem):
    found, message = rules.file_format(filename, content, max_bytes=100)
    assert found == fmt
    assert (message is None) if problem is None else (problem in message)


@pytest.mark.parametrize("content, text, problem", [
    ("name\r\nZoë\r\n".encode("utf-8"), "name\r\nZoë\r\n", None),
    ("\ufeffname\r\n".encode("utf-8"), "name\r\n", None),
    ("name\r\nZo\xeb\r\n".encode("latin-1"), None, "not saved as UTF-8"),
])
def test_decode_csv(content, text, problem):
    found, message = rules.decode_csv(content)
    assert found == text
    assert (message is None) if problem is None else (problem in message)


@pytest.mark.parametrize("raw, header, rows, header_row", [
    ([["reference", "name"], ["R-1", "Ann"]], ["reference", "name"], [(2, ["R-1", "Ann"])], 1),
    ([["# notes", ""], ["#more"], ["reference", "name"], ["R-1", "Ann"]], ["reference", "name"], [(4, ["R-1", "Ann"])], 3),
    ([[None, None], ["reference", "name", None, ""], ["", ""], ["R-1", "Ann"]], ["reference", "name"],
     [(4, ["R-1", "Ann"])], 2),
    ([[" reference ", "name"], ["R-1", "  "], ["#not a note once the header is read", "x"]], ["reference", "name"],
     [(2, ["R-1", "  "]), (3, ["#not a note once the header is read", "x"])], 1),
    ([], [], [], 0),
    ([["# only notes"]], [], [], 0),
])
def test_header_and_rows(raw, header, rows, header_row):
    assert rules.header_and_rows(raw) == (header, rows, header_row)


ALLOWED = ("reference", "name", "workplace_id", "workplace_urn", "email")


@pytest.mark.parametrize("header, problems", [
    (["reference", "name", "workplace_urn"], []),
    (["reference", "name", "workplace_id", "email"], []),
    (["name", "reference"], []),
    ([], [Problem(0, "", "The file has no header row: the first row must name the columns (download the template)")]),
    (["reference"], [Problem(0, "name", "This column is missing: add it (see the template)")]),
    (["reference", "name", "shoe_size"], [Problem(0, "shoe_size", "This is not a column of this import: check the "
                                                                  "spelling against the template, or delete the column")]),
    (["reference", "name", "Name"], [Problem(0, "Name", "This is not a column of this import: check the spelling "
                                                        "against the template, or delete the column")]),
    (["reference", "name", "name"], [Problem(0, "name", "This column is named twice: keep one")]),
    (["reference", "", "name"], [Problem(0, "column 2", "This column has no name in the header row: name it or "
                                                        "delete it")]),
])
def test_header_problems(header, problems):
    assert rules.header_problems(header, ALLOWED, ("reference", "name")) == problems


def test_a_stand_in_column_satisfies_a_required_one():
    assert rules.header_problems(["reference", "workplace_urn"], ALLOWED, ("reference", "workplace_id"),
                                 {"workplace_id": "workplace_urn"}) == []
    assert rules.header_problems(["reference"], ALLOWED, ("reference", "workplace_id"),
                                 {"workplace_id": "workplace_urn"}) == [
        Problem(0, "workplace_id", "This column is missing (or workplace_urn): add it (see the template)")]


@pytest.mark.parametrize("value, kind, expected", [
    (None, "string", None), ("", "string", None), ("   ", "date", None), (None, "boolean", None),
    ("Ann", "string", "Ann"),
    ("=SUM(A1:A9)", "string", "=SUM(A1:A9)"),  # a formula is text, as typed
    ("+44 20 7946 0000", "string", "+44 20 7946 0000"),
    ("@cmd", "string", "@cmd"),
    (1001, "string", "1001"), (1001.0, "string", "1001"), (10.5, "string", "10.5"),
    (True, "string", "yes"),
    (datetime(2024, 3, 1), "string", "2024-03-01"),
    (12, "integer", 12), (12.0, "integer", 12), ("12", "integer", 12), (" 12 ", "integer", 12),
    ("12.5", "integer", "12.5"), ("twelve", "integer", "twelve"), (12.5, "integer", "12.5"),
    ("99999999999", "integer", "99999999999"), (True, "integer", True),
    ("yes", "boolean", True), ("Y", "boolean", True), ("TRUE", "boolean", True), ("1", "boolean", True), (1, "boolean", True),
    ("no", "boolean", False), ("n", "boolean", False), ("False", "boolean", False), (0, "boolean", False),
    ("maybe", "boolean", "maybe"), (True, "boolean", True),
    (datetime(2024, 3, 1, 0, 0), "date", date(2024, 3, 1)), (date(2024, 3, 1), "date", date(2024, 3, 1)),
    ("2024-03-01", "date", "2024-03-01"), (" 1/3/2024 ", "date", "1/3/2024"), (45000, "date", "45000"),
    (2.5, "number", "2.5"), ("2.5", "number", "2.5"), (3, "number", "3"),
    ("room, phone;computer", "array", ["room", "phone", "computer"]), ("room", "array", ["room"]),
    (" , ", "array", []),
])
def test_cell_value(value, kind, expected):
    assert rules.cell_value(value, kind) == expected


@pytest.mark.parametrize("first, again, conflicts", [
    ({"name": "Ann", "email": "a@x.org"}, {"name": None, "email": None}, []),
    ({"name": "Ann", "email": "a@x.org"}, {"name": "Ann", "email": None}, []),
    ({"name": "Ann", "email": "a@x.org"}, {"name": "Anne", "email": None}, ["name"]),
    ({"name": "Ann", "email": None}, {"name": None, "email": "a@x.org"}, ["email"]),
    ({"name": "Ann"}, {"name": "Ann", "job_title": "TA"}, ["job_title"]),
])
def test_conflicting_repeat(first, again, conflicts):
    assert rules.conflicting_repeat(first, again) == conflicts


@pytest.mark.parametrize("done, total, expected", [
    (0, 100, 5), (50, 100, 50), (100, 100, 95), (150, 100, 95), (0, 0, 95), (1, 3, 35),
])
def test_percent(done, total, expected):
    assert rules.percent(done, total) == expected


@pytest.mark.parametrize("counts, kind, text", [
    ({"new": 2}, "reps", "2 new, 0 updated, 0 unchanged"),
    ({"new": 1, "updated": 2, "unchanged": 3}, "agreements", "1 new, 2 updated, 3 unchanged"),
    ({"new": 1}, "learners", "1 new, 0 updated, 0 unchanged"),
    ({"new": 1, "enrolments_new": 2, "enrolments_unchanged": 1}, "learners",
     "1 new, 0 updated, 0 unchanged; enrolments: 2 new, 0 updated, 1 unchanged"),
])
def test_counts_text(counts, kind, text):
    assert rules.counts_text(counts, kind) == text


@pytest.mark.parametrize("problem, text", [
    (Problem(3, "name", "Enter the name"), "Row 3, column name: Enter the name"),
    (Problem(0, "shoe_size", "Not a column"), "shoe_size: Not a column"),
    (Problem(0, "", "The file is empty"), "The file is empty"),
])
def test_problem_text(problem, text):
    assert str(problem) == text


@pytest.mark.parametrize("size, text", [
    (300, "The file must be smaller than 300 bytes"), (20 * 1024 * 1024, "The file must be smaller than 20 MB"),
])
def test_too_large(size, text):
    assert rules.too_large(size).startswith(text)
