"""A :class:`~ulr_app.reports.document.ReportDocument` as a file (CSV, XLSX, PDF) or as page HTML.

Every rendering shows the same figures. No rendering ever writes a formula from data: the CSV goes
through :mod:`ulr_app.core.csvio` (a leading apostrophe on text that would start one), the XLSX
writes text with ``write_string`` only, and the PDF is an autoescaped template that fetches nothing.
"""
from __future__ import annotations

import io
import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..core import csvio
from ..core.pdf import render_pdf
from .document import ReportDocument, Table, format_value, is_number

#: format -> (file extension, content type)
FORMATS = {
    "pdf": ("pdf", "application/pdf"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("csv", "text/csv; charset=utf-8"),
}
FORMAT_LABELS = {"pdf": "PDF", "xlsx": "Spreadsheet (XLSX)", "csv": "CSV"}


def _about(doc: ReportDocument) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [("Report", doc.title), ("Scope", doc.scope_label), ("Period", doc.period_label),
                                   ("Generated", doc.generated_on)]
    if doc.run_hash:
        rows.append(("Frozen run, SHA-256", doc.run_hash))
    rows.extend(("Note", note) for note in doc.notes)
    return rows


def _plain(table: Table, column: int, value: Any) -> Any:
    """A value for a file: numbers stay numbers (percentages rounded to one decimal place)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if column in table.percent and is_number(value):
        return round(float(value), 1)
    return value


# --- CSV ---------------------------------------------------------------------------------------

def to_csv(doc: ReportDocument) -> bytes:
    """Title, scope, period and date first, then every table headed by its section and title."""
    rows: list[list[Any]] = [list(r) for r in _about(doc)[1:]]
    for section, table in doc.all_tables():
        rows.append([])
        rows.append([section.heading, table.title])
        if table.caption:
            rows.append([table.caption])
        rows.append(list(table.header))
        rows.extend([_plain(table, i, c.value) for i, c in enumerate(cells)] for cells in table.cells)
    return csvio.to_csv([doc.title], rows)


# --- XLSX --------------------------------------------------------------------------------------

_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_name(title: str, taken: set[str]) -> str:
    """A unique sheet name: at most 31 characters, none of []:*?/\\, not starting or ending with '."""
    base = _BAD_SHEET_CHARACTERS.sub(" ", title or "")
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip() or "Table"
    if base.lower() == "history":  # Excel keeps this name for itself
        base = "History table"
    name, n = base[:31].strip(), 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[:31 - len(suffix)].strip() + suffix
    taken.add(name.lower())
    return name


def _text_width(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def to_xlsx(doc: ReportDocument) -> bytes:
    """An "About" sheet, then one sheet per table: header bold, numbers as numbers, dates as dates."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False, "default_date_format": "d mmm yyyy"})
    book.set_properties({"title": doc.title, "subject": f"{doc.scope_label}, {doc.period_label}",
                         "comments": f"Generated {doc.generated_on.isoformat()}"})
    bold = book.add_format({"bold": True})
    title_format = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
    header_number = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "align": "right"})
    date_format = book.add_format({"num_format": "d mmm yyyy", "align": "left"})
    percent_format = book.add_format({"num_format": "0.0"})
    integer_format = book.add_format({"num_format": "#,##0"})
    decimal_format = book.add_format({"num_format": "#,##0.00"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    def write(sheet, row: int, col: int, value: Any, *, percent: bool = False) -> int:
        """Write one value; returns the width it needs."""
        if value is None:
            sheet.write_blank(row, col, None)
            return 0
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        if is_number(value):
            number = float(value)
            if not math.isfinite(number):
                sheet.write_blank(row, col, None)
                return 0
            if percent:
                sheet.write_number(row, col, round(number, 1), percent_format)
            elif isinstance(value, int):
                sheet.write_number(row, col, value, integer_format)
            elif isinstance(value, Decimal) and value == value.to_integral_value():
                sheet.write_number(row, col, number, integer_format)
            else:
                sheet.write_number(row, col, number, decimal_format)
            return len(format_value(value, percent=percent))
        if isinstance(value, (date, datetime)):
            sheet.write_datetime(row, col, value if isinstance(value, datetime) else
                                 datetime(value.year, value.month, value.day), date_format)
            return 12
        text = str(value)
        sheet.write_string(row, col, text)  # never a formula, whatever it starts with
        return _text_width(text)

    taken = {"about"}
    about = book.add_worksheet("About")
    about.write_string(0, 0, doc.title, title_format)
    widths = [12, len(doc.title)]
    for i, (label, value) in enumerate(_about(doc)[1:], start=2):
        about.write_string(i, 0, label, bold)
        widths[1] = max(widths[1], write(about, i, 1, value))
        widths[0] = max(widths[0], len(label))
    contents_row = len(_about(doc)) + 2
    about.write_string(contents_row, 0, "Sheets", bold)
    about.set_column(0, 0, min(widths[0] + 2, 30))
    about.set_column(1, 1, min(max(widths[1], 20) + 2, 90), wrap)

    for n, (section, table) in enumerate(doc.all_tables(), start=1):
        name = sheet_name(table.title or section.heading, taken)
        about.write_string(contents_row + n, 0, name)
        about.write_string(contents_row + n, 1, f"{section.heading}: {table.title}" if table.title else section.heading)
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, table.title or section.heading, title_format)
        sheet.write_string(1, 0, section.heading)
        first = 3
        if table.caption:
            sheet.write_string(2, 0, table.caption)
            first = 4
        col_widths = [8] * len(table.header)
        for c, heading in enumerate(table.header):
            sheet.write_string(first, c, str(heading), header_number if c in table.numeric else header)
            col_widths[c] = max(col_widths[c], min(_text_width(str(heading)), 30))
        for r, cells in enumerate(table.cells, start=first + 1):
            for c, cell in enumerate(cells[:len(table.header)]):
                col_widths[c] = max(col_widths[c], write(sheet, r, c, cell.value, percent=c in table.percent))
                if cell.note:
                    sheet.write_comment(r, c, cell.note)
        for c, width in enumerate(col_widths):
            sheet.set_column(c, c, min(width + 2, 60))
        sheet.freeze_panes(first + 1, 0)
    book.close()
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------------

def to_pdf(doc: ReportDocument) -> bytes:
    """A4, with the scope, period and date made on every page, and "Page N of M"."""
    from flask import render_template

    return render_pdf(render_template("pdf/report.html", doc=doc))


# --- page --------------------------------------------------------------------------------------

def html_fragment(doc: ReportDocument):
    """The document as HTML for a page (Markup), from ``templates/reports/_document.html``."""
    from flask import render_template_string
    from markupsafe import Markup

    html = render_template_string('{% from "reports/_document.html" import render_document %}'
                                  "{{ render_document(doc) }}", doc=doc)
    # the output of an autoescaping template: every value in it is escaped there (bandit B704 checked: safe)
    return Markup(html)  # nosec B704


def render(doc: ReportDocument, fmt: str) -> tuple[bytes, str, str]:
    """(content, file extension, content type) of ``doc`` in a format: "pdf", "xlsx" or "csv"."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    content = {"pdf": to_pdf, "xlsx": to_xlsx, "csv": to_csv}[fmt](doc)
    extension, content_type = FORMATS[fmt]
    return content, extension, content_type


def response(doc: ReportDocument, fmt: str):
    """A download of ``doc`` made now, in the request (for small reports; big ones go to a job)."""
    from flask import Response

    content, extension, content_type = render(doc, fmt)
    resp = Response(content, mimetype=content_type.split(";")[0])
    resp.headers["Content-Type"] = content_type
    resp.headers.set("Content-Disposition", "attachment", filename=csvio.safe_filename(doc.filename_stem,
                                                                                         extension=extension))
    return resp


__all__ = ["FORMATS", "FORMAT_LABELS", "html_fragment", "render", "response", "sheet_name", "to_csv", "to_pdf",
           "to_xlsx"]
