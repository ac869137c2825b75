"""CSV exports that open safely in Excel: UTF-8 with a byte-order mark, and no formulas.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return) as a formula, so a school or agreement name typed as
``=HYPERLINK(...)`` could run when someone opens the export ("CSV injection", OWASP). Every
text cell that starts with one of those characters gets a leading apostrophe, which the
spreadsheet shows as plain text. Numbers are written as they are (``-5`` is a number, not a
formula).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

from flask import Response

#: the characters that make a spreadsheet read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: Any) -> str:
    """One cell as text, with a leading apostrophe if the text would start a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The whole file: BOM, header, then rows, CRLF line ends (as Excel writes them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


def safe_filename(*parts: Any, extension: str = "csv") -> str:
    """``safe_filename("agreement", 12, "Barnet & Co")`` -> ``agreement-12-barnet-co.csv`` (ASCII only)."""
    ascii_parts = (unicodedata.normalize("NFKD", str(p)).encode("ascii", "ignore").decode("ascii") for p in parts)
    words = [re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in ascii_parts]
    stem = "-".join(w for w in words if w)[:120].strip("-") or "export"
    return f"{stem}.{extension}"


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A download: ``text/csv; charset=utf-8`` sent as an attachment named ``filename``."""
    response = Response(to_csv(header, rows), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response
