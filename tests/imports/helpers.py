"""Files for the import tests, made in the test (CSV text or XLSX bytes)."""
from __future__ import annotations

import csv
import io
from typing import Any, Sequence


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]], *, notes: Sequence[str] = ()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for note in notes:
        writer.writerow([note])
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class Formula(str):
    """A cell written as a real spreadsheet formula (not text that looks like one)."""


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("Import")
    for c, name in enumerate(header):
        sheet.write_string(0, c, name)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Formula):
                sheet.write_formula(r, c, str(value), None, 42)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


LEARNER_HEADER = ("reference", "name", "workplace_urn", "email", "staff_category", "membership", "consent_on",
                  "consent_scope", "course_title", "status", "started_on", "completed_on", "achieved_on")

