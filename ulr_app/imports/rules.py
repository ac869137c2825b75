"""Rules for importing a spreadsheet. Pure functions: no database, no Flask.

- which file is acceptable (its name, its type, its size, its header);
- how a cell becomes the value the services take (the API's types: text, dates, whole numbers, yes or no);
- how the rows of one learner (their enrolment history) belong together.

A cell is only ever read as a value: a cell that looks like a formula (``=SUM(A1)``, ``+44...``, ``@x``) is
text like any other and is stored as typed, never worked out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Optional, Sequence

from ..core.validation import text_problem

KINDS = {"learners": "Learners (with their enrolment history)", "reps": "ULR appointments",
         "agreements": "Learning agreements"}
FORMATS = {"csv": "CSV", "xlsx": "Excel (XLSX)"}
#: the largest file accepted (a 10,000-row learners file is about 2 MB as CSV)
MAX_BYTES = 20 * 1024 * 1024
#: the most rows one file may hold (split a bigger file)
MAX_ROWS = 50_000
#: an XLSX file is a ZIP: what it may unpack to at most (a "ZIP bomb" is refused)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: a school may be named by its URN instead of its id
WORKPLACE_URN = "workplace_urn"
#: a course of the catalogue may be named by its title instead of its id (learners' enrolment history)
COURSE_TITLE = "course_title"
#: the enrolment history columns of a learners file (the enrolments API's field names)
ENROLMENT_COLUMNS = ("course_id", COURSE_TITLE, "status", "referred_on", "started_on", "completed_on", "achieved_on",
                     "withdrawn_on", "withdrawal_reason")
ENROLMENT_DATES = ("referred_on", "started_on", "completed_on", "achieved_on", "withdrawn_on")
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})
#: what an empty cell is: nothing
BLANK = (None, "")


@dataclass(frozen=True)
class Problem:
    """One problem, where the user will find it: the spreadsheet's row number (the header is row 1, or the
    first row after the notes) and the column's name; row 0 is the file as a whole."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        if self.row == 0:
            return f"{self.column}: {self.message}" if self.column else self.message
        return f"Row {self.row}, column {self.column or '(none)'}: {self.message}"


# --- the file -----------------------------------------------------------------------------------

def file_format(filename: Any, content: bytes, max_bytes: int = MAX_BYTES) -> tuple[Optional[str], Optional[str]]:
    """(csv | xlsx, None), or (None, what is wrong with the file as an import), from its name and first bytes:
    a NUL or other control character in the name, an empty file, a file too big, or a file of another type
    (a PDF renamed .csv, an old .xls)."""
    if not isinstance(filename, str) or not filename.strip():
        return None, "Choose a CSV or XLSX file to import"
    if text_problem(filename, multiline=False):
        return None, "The file name must not contain control characters (such as NUL). Rename the file and try again"
    if len(content) == 0:
        return None, "The selected file is empty"
    if len(content) > max_bytes:
        return None, too_large(max_bytes)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    is_zip = content.startswith(b"PK\x03\x04")
    if extension == "xlsx":
        return ("xlsx", None) if is_zip else (None, "The selected file is not a real XLSX spreadsheet: save it "
                                                    "from Excel as 'Excel Workbook (.xlsx)' and try again")
    if extension in ("csv", "txt"):
        if is_zip or b"\x00" in content[:4096] or content.startswith((b"%PDF", b"\xd0\xcf\x11\xe0")):
            return None, "The selected file is not a CSV file: save it as 'CSV UTF-8 (comma delimited)' and try again"
        return "csv", None
    if extension == "xls":
        return None, "Old Excel files (.xls) cannot be read: save it as 'Excel Workbook (.xlsx)' or CSV and try again"
    return None, "The selected file must be a CSV or XLSX file"


def too_large(max_bytes: int) -> str:
    size = f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes:,} bytes"
    return f"The file must be smaller than {size}: split it into smaller files"


def decode_csv(content: bytes) -> tuple[Optional[str], Optional[str]]:
    """The text of a CSV file (UTF-8, with or without a byte-order mark), or (None, what is wrong)."""
    try:
        return content.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, ("The file is not saved as UTF-8 text: in Excel choose 'Save as', then "
                      "'CSV UTF-8 (comma delimited)', and try again")


def header_and_rows(raw_rows: Iterable[Sequence[Any]]) -> tuple[list[str], list[tuple[int, list[Any]]], int]:
    """Split what a sheet holds into (header, [(row number, cells)], header row number). Notes at the top (rows whose
    first cell starts with ``#``, as the templates have) and empty rows are skipped; row numbers are the sheet's
    own, so that "row 7" is row 7 in the spreadsheet."""
    header: Optional[list[str]] = None
    header_row = 0
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(raw_rows, start=1):
        cells = list(cells)
        if all(c in BLANK or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if header is None:
            first = cells[0] if cells else None
            if isinstance(first, str) and first.lstrip().startswith("#"):
                continue
            header = ["" if c is None else str(c).strip() for c in cells]
            while header and not header[-1]:
                header.pop()
            header_row = number
            continue
        rows.append((number, cells))
    return header or [], rows, header_row


def header_problems(header: Sequence[str], allowed: Sequence[str], required: Iterable[str],
                    either: Mapping[str, str] | None = None) -> list[Problem]:
    """What is wrong with the header row: no header at all, a column with no name, a column named twice, a column
    that is not one of ``allowed`` (the API's field names) and a ``required`` one missing. ``either`` maps a column
    to the one that may stand in for it (``workplace_id`` -> ``workplace_urn``)."""
    problems: list[Problem] = []
    if not header:
        return [Problem(0, "", "The file has no header row: the first row must name the columns "
                               "(download the template)")]
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(Problem(0, f"column {position}", "This column has no name in the header row: name it or "
                                                              "delete it"))
        elif name in seen:
            problems.append(Problem(0, name, "This column is named twice: keep one"))
        elif name not in allowed:
            problems.append(Problem(0, name, "This is not a column of this import: check the spelling against the "
                                             "template, or delete the column"))
        seen.add(name)
    stand_ins = dict(either or {})
    for name in required:
        if name not in seen and stand_ins.get(name) not in seen:
            alternative = f" (or {stand_ins[name]})" if name in stand_ins else ""
            problems.append(Problem(0, name, f"This column is missing{alternative}: add it (see the template)"))
    return problems


# --- cells ---------------------------------------------------------------------------------------

def cell_text(value: Any) -> Optional[str]:
    """A cell as text (a whole number typed in a text column, such as a reference 1001, without '.0'); None if
    empty. Text is kept as typed: a formula-like cell is text."""
    if value in BLANK:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def cell_value(value: Any, kind: str) -> Any:
    """A cell as the services take the API field of type ``kind`` (integer, number, boolean, date, array,
    string): None for an empty cell; a value that cannot be converted is passed on as text, for the service to
    refuse with the same message as the pages and the API."""
    if value in BLANK or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "integer":
        if isinstance(value, bool):
            return value  # (the service refuses it with its own message)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        return int(text) if text.isdigit() and len(text) <= 10 else text
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = cell_text(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        return text
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        return cell_text(value).strip()
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return cell_text(value).strip()
    if kind == "array":
        return [part.strip() for part in cell_text(value).replace(";", ",").split(",") if part.strip()]
    return cell_text(value)


def conflicting_repeat(first: Mapping[str, Any], again: Mapping[str, Any]) -> list[str]:
    """The learner columns of a later row of the same learner (same reference) that say something else than the
    learner's first row (empty cells on the later rows are fine: they repeat nothing)."""
    return [k for k, value in again.items() if value is not None and value != first.get(k)]


def percent(done: int, total: int, start: int = 5, end: int = 95) -> int:
    """How far a job is, from ``start`` to ``end`` percent, after ``done`` of ``total`` rows."""
    if total <= 0:
        return end
    return start + (end - start) * min(done, total) // total


def counts_text(counts: Mapping[str, int], kind: str) -> str:
    """'3 new, 2 updated, 5 unchanged' (and the enrolments, for learners)."""
    text = f"{counts.get('new', 0)} new, {counts.get('updated', 0)} updated, {counts.get('unchanged', 0)} unchanged"
    if kind == "learners" and any(counts.get(f"enrolments_{k}") for k in ("new", "updated", "unchanged")):
        text += (f"; enrolments: {counts.get('enrolments_new', 0)} new, {counts.get('enrolments_updated', 0)} updated, "
                 f"{counts.get('enrolments_unchanged', 0)} unchanged")
    return text


__all__ = ["BLANK", "COURSE_TITLE", "ENROLMENT_COLUMNS", "ENROLMENT_DATES", "FORMATS", "KINDS", "MAX_BYTES", "MAX_ROWS",
           "MAX_UNPACKED_BYTES", "Problem", "WORKPLACE_URN", "cell_text", "cell_value", "conflicting_repeat", "too_large",
           "counts_text", "decode_csv", "file_format", "header_and_rows", "header_problems", "percent"]
