"""CSV exports: formula injection guard, BOM for Excel, filenames, the download response."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from ulr_app.core import csvio


@pytest.mark.parametrize("value,cell", [
    ("=1+2", "'=1+2"),
    ("+44 20 7121 5555", "'+44 20 7121 5555"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=cmd", "'\t=cmd"),
    ("\r=cmd", "'\r=cmd"),
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("Brunswick Park Primary School", "Brunswick Park Primary School"),
    ("a=b", "a=b"),  # only the first character matters
    (" =1", " =1"),
    ("'quoted", "'quoted"),
    ("Ståhl Academy", "Ståhl Academy"),
    ("", ""),
    (None, ""),
    (True, "Yes"),
    (False, "No"),
    (-5, "-5"),  # numbers are numbers, not formulas
    (101309, "101309"),
    (Decimal("-7.50"), "-7.50"),
    (2.5, "2.5"),
    (date(2026, 3, 31), "2026-03-31"),
    (datetime(2026, 3, 31, 9, 30, tzinfo=timezone.utc), "2026-03-31T09:30:00+00:00"),
])
def test_safe_cell(value, cell):
    assert csvio.safe_cell(value) == cell


def test_to_csv_has_a_bom_crlf_and_quotes():
    body = csvio.to_csv(["Name", "Note"], [["=1+2", 'He said "hi", then left'], ["Line\nbreak", -1]])
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["Name", "Note"], ["'=1+2", 'He said "hi", then left'], ["Line\nbreak", "-1"]]


def test_header_cells_are_guarded_too():
    assert csvio.to_csv(["=Name"], []).decode("utf-8-sig").startswith("'=Name")


@pytest.mark.parametrize("parts,extension,name", [
    (("schools-coverage", 12, "Barnet & Co: 2026"), "csv", "schools-coverage-12-barnet-co-2026.csv"),
    (("Ståhl", "draft", 1), "pdf", "stahl-draft-1.pdf"),
    (("../../etc/passwd",), "csv", "etc-passwd.csv"),
    (("", "!!!"), "csv", "export.csv"),
])
def test_safe_filename(parts, extension, name):
    assert csvio.safe_filename(*parts, extension=extension) == name


def test_csv_response(app):
    with app.test_request_context():
        response = csvio.csv_response("schools.csv", ["A"], [["@x"]])
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=schools.csv"
    assert response.get_data().decode("utf-8-sig") == "A\r\n'@x\r\n"
