"""Every list page as a download: CSV or XLSX, with the page's filters and the viewer's scope.

A list view builds its select as usual (filtered by the query string, scoped by
:func:`~ulr_app.core.permissions.visible`), and when the query string asks for ``format=csv`` or
``format=xlsx`` hands it to :func:`export` with its columns instead of paginating it. The file has
every row of the list (no pages), read from the database in batches (``yield_per``) so a national
list of 20,000 learners is never all in memory; the CSV is streamed as it is read, the XLSX written
row by row (XlsxWriter's ``constant_memory``) to a temporary file.

No cell is ever a formula: CSV text goes through :func:`~ulr_app.core.csvio.safe_cell` (a leading
apostrophe on text that would start one), and XLSX text goes through the same guard and is written
with ``write_string`` (numbers with ``write_number``, dates with ``write_datetime``). Every export is
audited (action ``export``), naming the list, the number of rows, the filters and the format.
"""
from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence

from flask import Response, render_template, request, stream_with_context
from sqlalchemy import Select, func, select

from ..extensions import db
from . import audit, csvio

#: ``?format=`` value -> (file extension, content type, name in the audit summary)
FORMATS = {
    "csv": ("csv", "text/csv; charset=utf-8", "CSV"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
}
#: the audit action of a list export
EXPORT = "export"
#: rows read from the database (and turned into cells) at a time
BATCH = 500


@dataclass(frozen=True)
class Column:
    """One column of an export: its heading (plain words) and how to get its value from a row."""

    heading: str
    get: Callable[[Any], Any]


def columns(*pairs: tuple[str, Callable[[Any], Any]]) -> list[Column]:
    """``columns(("Name", lambda l: l.name), ...)``: a column spec from (heading, getter) pairs."""
    return [Column(h, g) for h, g in pairs]


def requested_format() -> Optional[str]:
    """The format the query string asks for: None for the page itself (no ``format`` or empty),
    "csv" or "xlsx", or "" for one that is not offered (the view answers :func:`bad_format`)."""
    fmt = request.args.get("format")
    if fmt is None or fmt.strip() == "":
        return None
    fmt = fmt.strip().lower()
    return fmt if fmt in FORMATS else ""


def bad_format():
    """400: a page saying which formats there are (not a 500, not an empty file)."""
    return render_template("errors/error.html", code=400, title="That download format is not offered",
                           advice="Lists can be downloaded as CSV or XLSX only. Go back to the list and choose "
                                  "Download CSV or Download XLSX."), 400


def filters_label(filters: Mapping[str, Any]) -> str:
    """The filters in force, for the audit summary: ``q=smith, stage=enrolled``, or ``none``."""
    shown = [f"{k}={v}" for k, v in filters.items() if v not in (None, "", False)]
    return ", ".join(shown) or "none"


def count_rows(stmt: Select) -> int:
    """How many rows ``stmt`` answers (one COUNT query, whatever its order)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _batches(rows: Select | Iterable[Any]) -> Iterator[list[Any]]:
    """The rows in lists of at most :data:`BATCH`: a select read with ``yield_per`` (one entity per
    row when it selects one, otherwise the row tuples), anything else chunked as it is."""
    if isinstance(rows, Select):
        result = db.session.execute(rows.execution_options(yield_per=BATCH))
        if len(rows.column_descriptions) == 1:
            result = result.scalars()
        for part in result.partitions(BATCH):
            yield list(part)
        return
    it = iter(rows)
    while part := list(islice(it, BATCH)):
        yield part


def _items(rows: Select | Iterable[Any], prepare: Optional[Callable[[list[Any]], Iterable[Any]]]) -> Iterator[Any]:
    for part in _batches(rows):
        yield from (prepare(part) if prepare else part)


# --- CSV ---------------------------------------------------------------------------------------

def _csv_lines(cols: Sequence[Column], items: Iterable[Any]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow([csvio.safe_cell(c.heading) for c in cols])
    yield csvio.BOM + flush()
    for n, item in enumerate(items, start=1):
        writer.writerow([csvio.safe_cell(c.get(item)) for c in cols])
        if n % BATCH == 0:
            yield flush()
    yield flush()


def csv_stream(cols: Sequence[Column], items: Iterable[Any]) -> Iterator[bytes]:
    """The CSV file in pieces: BOM and header first, then the rows as they are read."""
    for text in _csv_lines(cols, items):
        if text:
            yield text.encode("utf-8")


# --- XLSX --------------------------------------------------------------------------------------

def write_xlsx(target, cols: Sequence[Column], items: Iterable[Any], *, title: str) -> None:
    """One sheet: bold headings, frozen; text as text (guarded), numbers as numbers, dates as dates."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False,
                                        "default_date_format": "d mmm yyyy"})
    book.set_properties({"title": title})
    sheet = book.add_worksheet("List")
    heading = book.add_format({"bold": True, "bottom": 1})
    date_format = book.add_format({"num_format": "d mmm yyyy", "align": "left"})
    time_format = book.add_format({"num_format": "d mmm yyyy hh:mm", "align": "left"})
    widths = [min(max(len(c.heading), 8), 40) for c in cols]
    for c, col in enumerate(cols):
        sheet.write_string(0, c, col.heading, heading)
        sheet.set_column(c, c, widths[c] + 2)
    sheet.freeze_panes(1, 0)
    for r, item in enumerate(items, start=1):
        for c, col in enumerate(cols):
            value = col.get(item)
            if value is None or value == "":
                continue  # constant_memory: nothing to write for an empty cell
            if isinstance(value, bool):
                sheet.write_string(r, c, "Yes" if value else "No")
            elif isinstance(value, (int, float, Decimal)):
                sheet.write_number(r, c, float(value))
            elif isinstance(value, datetime):
                sheet.write_datetime(r, c, value.replace(tzinfo=None), time_format)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), date_format)
            else:
                sheet.write_string(r, c, csvio.safe_cell(value))  # never a formula, whatever it starts with
    book.close()


# --- the download --------------------------------------------------------------------------------

def export(fmt: str, rows: Select | Sequence[Any], cols: Sequence[Column], *, title: str, object_type: str,
           filters: Mapping[str, Any], prepare: Optional[Callable[[list[Any]], Iterable[Any]]] = None,
           special: Optional[Callable[[], None]] = None):
    """The list as a download in ``fmt`` ("csv" or "xlsx"; anything else: the 400 page).

    ``rows`` is the list page's filtered, scoped select (not paginated) or, for a list filtered in
    memory, the list itself. ``prepare`` turns each batch of rows into the items the columns read
    (e.g. (learner, stage) pairs, one query per batch). ``title`` names the list in the file name,
    the audit and the XLSX ("learners"). ``special``, if given, records the read of the
    special-category data the file holds (:func:`~ulr_app.core.audit.record_read`)."""
    if fmt not in FORMATS:
        return bad_format()
    extension, content_type, label = FORMATS[fmt]
    total = count_rows(rows) if isinstance(rows, Select) else len(rows)
    audit.record(db.session, EXPORT, object_type=object_type,
                 summary=f"Exported the {title} list ({total} row{'' if total == 1 else 's'}, "
                         f"filters: {filters_label(filters)}) as {label}")
    if special is not None:
        special()
    filename = csvio.safe_filename(title, date.today().isoformat(), extension=extension)
    items = _items(rows, prepare)
    if fmt == "csv":
        response = Response(stream_with_context(csv_stream(cols, items)), mimetype="text/csv")
        response.headers["Content-Type"] = content_type
        response.headers.set("Content-Disposition", "attachment", filename=filename)
        return response
    # the rows go to the sheet one by one (constant_memory: XlsxWriter keeps one row in memory and the
    # sheet in a temporary file); only the finished, zipped file is held to send
    with tempfile.TemporaryFile() as spool:
        write_xlsx(spool, cols, items, title=f"{title[:1].upper()}{title[1:]}")
        spool.seek(0)
        content = spool.read()
    response = Response(content, mimetype=content_type)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


__all__ = ["BATCH", "EXPORT", "FORMATS", "Column", "bad_format", "columns", "count_rows", "csv_stream", "export",
           "filters_label", "requested_format", "write_xlsx"]
