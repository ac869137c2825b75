"""Reading an uploaded CSV or XLSX file into its header and rows (values only: nothing in a file is ever run)."""
from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from .rules import MAX_ROWS, MAX_UNPACKED_BYTES, Problem, decode_csv, header_and_rows


class UnreadableFile(Exception):
    """The file cannot be imported at all: ``problems`` say why (row 0: the file as a whole)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _fail(message: str, column: str = "") -> UnreadableFile:
    return UnreadableFile([Problem(0, column, message)])


def _csv_rows(content: bytes) -> list[list[Any]]:
    text, problem = decode_csv(content)
    if problem:
        raise _fail(problem)
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _fail(f"The CSV file cannot be read ({exc}): save it again as 'CSV UTF-8 (comma delimited)'") from None


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise _fail("The spreadsheet is too big once unpacked: split it into smaller files")
    except zipfile.BadZipFile:
        raise _fail("The selected file is not a real XLSX spreadsheet: save it from Excel as "
                    "'Excel Workbook (.xlsx)' and try again") from None
    from openpyxl import load_workbook

    try:
        # values only, as typed: a formula is read as its text (=SUM(A1)), never worked out
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise _fail("The spreadsheet cannot be read: open it in Excel, save it as 'Excel Workbook (.xlsx)' "
                    "and try again") from None
    try:
        sheet = book.worksheets[0]  # the first sheet is the import; others (Allowed values) are notes
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 50:
                break
        return rows
    finally:
        book.close()


def read(content: bytes, fmt: str) -> tuple[list[str], list[tuple[int, list[Any]]], int]:
    """(header, [(row number, cells)], header row number) of a CSV or XLSX file; UnreadableFile if it cannot be
    read, has no rows or has too many."""
    raw = _csv_rows(content) if fmt == "csv" else _xlsx_rows(content)
    header, rows, header_row = header_and_rows(raw)
    if not header:
        raise _fail("The file has no header row: the first row must name the columns (download the template)")
    if not rows:
        raise _fail("The file has a header row but no rows to import")
    if len(rows) > MAX_ROWS:
        raise _fail(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files")
    return header, rows, header_row


__all__ = ["UnreadableFile", "read"]
