"""The downloadable templates: for each kind, the header row and what each column takes (the allowed values).

CSV: notes at the top (rows starting with ``#``, which the import skips), then the header row. XLSX: the
"Import" sheet with the header row, and an "Allowed values" sheet (the import reads only the first sheet).
"""
from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from ..agreements.api import AGREEMENTS
from ..extensions import db
from ..learners.api import LEARNERS
from ..learners.models import Course
from ..learners.services import HISTORY_STATUSES
from ..reps.api import REPS
from . import rules
from .services import KINDS

RESOURCES = {"learners": LEARNERS, "reps": REPS, "agreements": AGREEMENTS}
TYPE_WORDS = {"date": "a date: 2026-03-31 or 31/3/2026", "boolean": "yes or no", "integer": "a whole number",
              "number": "a number", "string": "text", "array": "a list, separated by commas"}
INTRO = {
    "learners": ("One row per learner. A learner with several enrolments takes one row per enrolment, with the same "
                 "reference: fill in the learner's columns on their first row (later rows may leave them empty). "
                 "Leave the course columns empty for a learner with no enrolment. Enrolments are recorded as they "
                 "stand (a course completed in 2024 is recorded as completed), with the dates their status needs, "
                 "in order, none in the future and none before the learner's consent."),
    "reps": "One row per ULR appointment.",
    "agreements": ("One row per learning agreement. status may be any status: a signed agreement needs signed_on, "
                   "employer_signatory, union_signatory and review_due_on."),
}
COMMON = ("reference is the branch's own reference: importing the same file again updates the records with these "
          "references and never adds them twice. Columns left out are not changed; an empty cell empties the field. "
          "Every row is checked first: if any row has a problem, nothing is imported.")


def _describe(kind: str, name: str, type_: str) -> tuple[str, str]:
    """(what the column takes, its allowed values) for the notes."""
    if name == rules.WORKPLACE_URN:
        return "the school's URN, instead of workplace_id", "the URN of a school of an employer the branch deals with"
    if name == rules.COURSE_TITLE:
        titles = db.session.scalars(select(Course.title).where(Course.active.is_(True)).order_by(Course.title)).all()
        return "the course's title in the catalogue (or give course_id)", "; ".join(titles)
    if kind == "learners" and name == "status":
        return "the enrolment's status", ", ".join(HISTORY_STATUSES)
    if kind == "learners" and name in ("course_id", "withdrawal_reason", *rules.ENROLMENT_DATES):
        return f"enrolment: {TYPE_WORDS.get(type_, 'text')}", ""
    spec = RESOURCES[kind].fields.get(name)
    what = (spec.description if spec is not None and spec.description else TYPE_WORDS.get(type_, "text"))
    allowed = ", ".join(str(v) for v in spec.enum) if spec is not None and spec.enum else TYPE_WORDS.get(type_, "")
    if name == "ulr_facilities":
        from ..agreements.models import FACILITIES

        allowed = ", ".join(FACILITIES)
    return what, allowed


def rows_for(kind: str) -> list[tuple[str, bool, str, str]]:
    """(column, required, what it takes, allowed values) for every column of ``kind``."""
    spec = KINDS[kind]
    out = []
    columns = [*spec.columns.items(), *spec.history.items()]
    # the required columns first (reference, name...), then the others in the API's order
    columns.sort(key=lambda c: spec.required.index(c[0]) if c[0] in spec.required else len(spec.required))
    for name, type_ in columns:
        what, allowed = _describe(kind, name, type_)
        out.append((name, name in spec.required, what, allowed))
    return out


def csv_template(kind: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"# {rules.KINDS[kind]}: {INTRO[kind]}"])
    writer.writerow([f"# {COMMON} These lines starting with # are notes: the import skips them."])
    for name, required, what, allowed in rows_for(kind):
        writer.writerow([f"# {name}{' (required)' if required else ''}: {what}"
                         + (f". Allowed values: {allowed}" if allowed else "")])
    writer.writerow([name for name, *_ in rows_for(kind)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_template(kind: str) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("Import")
    columns = rows_for(kind)
    for position, (name, *_rest) in enumerate(columns):
        sheet.write_string(0, position, name, bold)
        sheet.set_column(position, position, max(12, len(name) + 2))
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet("Allowed values")
    notes.write_string(0, 0, f"{rules.KINDS[kind]}: {INTRO[kind]} {COMMON}", wrap)
    for position, title in enumerate(("Column", "Required", "What it takes", "Allowed values")):
        notes.write_string(2, position, title, bold)
    for row, (name, required, what, allowed) in enumerate(columns, start=3):
        for position, value in enumerate((name, "yes" if required else "no", what, allowed)):
            notes.write_string(row, position, value, wrap)
    notes.set_column(0, 0, 28)
    notes.set_column(1, 1, 10)
    notes.set_column(2, 3, 60)
    book.close()
    return buffer.getvalue()


def template(kind: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the ``fmt`` template for ``kind``."""
    if fmt == "csv":
        return csv_template(kind), f"{kind}-import-template.csv", "text/csv; charset=utf-8"
    return (xlsx_template(kind), f"{kind}-import-template.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


__all__: list[Any] = ["csv_template", "rows_for", "template", "xlsx_template"]
