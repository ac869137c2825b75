"""Import schools from a DfE "Get Information about Schools" (GIAS) CSV extract.

Columns are found by their GIAS header names, in any order; unknown columns are ignored.
Workplaces are created or updated by URN, in the caller's transaction: this module flushes and
never commits (``flask schools import`` commits once at the end, or rolls back).

A file with any invalid row imports nothing (``ImportFailed``) unless ``skip_invalid`` is given,
in which case the valid rows are imported and the others reported. One audit entry records the
whole import, not one per row.
"""
from __future__ import annotations

import codecs
import csv
import os
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple, Optional

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..core import audit
from ..core.errors import ServiceError, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from .models import Employer, Workplace
from .services import WORKPLACE_FIELDS, validate_workplace

#: GIAS header -> Workplace field
COLUMNS = {
    "URN": "urn",
    "EstablishmentName": "name",
    "TypeOfEstablishment (name)": "establishment_type",
    "EstablishmentTypeGroup (name)": "establishment_type_group",
    "EstablishmentStatus (name)": "establishment_status",
    "PhaseOfEducation (name)": "phase",
    "LA (code)": "la_code",
    "Town": "town",
    "Postcode": "postcode",
}
LA_NAME = "LA (name)"
REQUIRED = ("URN", "EstablishmentName")
HEADER_OF = {f: h for h, f in COLUMNS.items()}
#: fields the import sets (employer_id and kind come from the options, not the file)
IMPORT_FIELDS = tuple(COLUMNS.values())

MAX_ERRORS_SHOWN = 50
MAX_LA_CODES_SHOWN = 20
CHUNK = 500  # URNs / ids per IN (...) query: well under SQLite's parameter limit
SNIFF_BYTES = 1 << 20


class RowError(NamedTuple):
    line: int
    urn: str
    message: str

    def __str__(self) -> str:
        where = f"URN {self.urn}" if self.urn else "no URN"
        return f"line {self.line} ({where}): {self.message}"


def _error_lines(errors: list[RowError]) -> list[str]:
    lines = [f"  {e}" for e in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        lines.append(f"  ... and {len(errors) - MAX_ERRORS_SHOWN} more")
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _missing_la_lines(missing_la: dict[str, list]) -> list[str]:
    """A summary of LA codes with no local-authority employer: what the user has to add."""
    if not missing_la:
        return []
    items = sorted(missing_la.items(), key=lambda kv: (-kv[1][1], kv[0]))
    shown = [f"{code} {name} ({_plural(n, 'row')})".replace("  ", " ") for code, (name, n) in items[:MAX_LA_CODES_SHOWN]]
    more = f", ... and {len(items) - MAX_LA_CODES_SHOWN} more" if len(items) > MAX_LA_CODES_SHOWN else ""
    return [
        f"No local-authority employer for {_plural(len(items), 'LA code')}: " + ", ".join(shown) + more + ".",
        "Add those councils as employers (kind local authority, with their LA code) and import again.",
    ]


class ImportFailed(ServiceError):
    """Nothing was imported: the file could not be read, or (without skip_invalid) rows were invalid."""

    status = 422
    code = "import_failed"

    def __init__(self, message: str, errors: Iterable[RowError] = (), *, rows: int = 0,
                 missing_la: Optional[dict[str, list]] = None):
        super().__init__(message)
        self.errors = list(errors)
        self.rows = rows
        self.missing_la = dict(missing_la or {})

    def report(self) -> str:
        lines = [f"Nothing was imported: {self.message}"]
        if self.errors:
            lines += _error_lines(self.errors)
            lines += _missing_la_lines(self.missing_la)
            lines.append("Correct these rows and import the file again, or use --skip-invalid "
                         "to import the valid rows and skip these.")
        return "\n".join(lines)


@dataclass
class ImportResult:
    path: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    missing_la: dict[str, list] = field(default_factory=dict)

    @property
    def skipped(self) -> int:
        return len(self.errors)

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "skipped": self.skipped}

    def summary(self) -> str:
        return (f"Read {_plural(self.rows, 'row')}: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.skipped} skipped.")

    def report(self) -> str:
        lines = [self.summary()]
        if self.errors:
            lines.append("Skipped rows:")
            lines += _error_lines(self.errors)
            lines += _missing_la_lines(self.missing_la)
        return "\n".join(lines)


# --- reading the file -------------------------------------------------------------------------

def _detect_encoding(path: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252, else Latin-1.

    Refuses files that are plainly not text (NUL bytes, zip/Excel files)."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise ImportFailed(f"there is no file at {path}.") from None
    except IsADirectoryError:
        raise ImportFailed(f"{path} is a folder, not a CSV file.") from None
    except OSError as exc:
        raise ImportFailed(f"{path} could not be opened ({exc.strerror or exc}).") from None
    with fh:
        head = fh.read(SNIFF_BYTES)
        if not head.strip():
            raise ImportFailed(f"{os.path.basename(path)} is empty. Choose a GIAS extract (CSV with a header row).")
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if head.startswith(b"PK\x03\x04"):
            raise ImportFailed(f"{os.path.basename(path)} is a zip or Excel file, not a CSV file. "
                               "Unzip it, or save the spreadsheet as 'CSV (comma delimited)', and import that.")
        utf8 = codecs.getincrementaldecoder("utf-8")()
        cp1252 = codecs.getincrementaldecoder("cp1252")()
        utf8_ok = cp1252_ok = True
        chunk = head
        while chunk:
            if b"\x00" in chunk:
                raise ImportFailed(f"{os.path.basename(path)} is not a CSV text file (it contains binary data). "
                                   "Choose the GIAS extract saved as CSV.")
            if utf8_ok:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            if cp1252_ok:
                try:
                    cp1252.decode(chunk)
                except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined
                    cp1252_ok = False
            chunk = fh.read(SNIFF_BYTES)
        if utf8_ok:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8_ok = False
    if utf8_ok:
        return "utf-8-sig"
    return "cp1252" if cp1252_ok else "latin-1"


def _delimiter(first_line: str) -> str:
    if "," not in first_line:
        for candidate in ("\t", ";"):
            if candidate in first_line:
                return candidate
    return ","


class _Row(NamedTuple):
    line: int
    urn_text: str
    la_name: str
    data: dict


def _read_rows(path: str, *, need_la: bool) -> tuple[dict[str, int], list[_Row]]:
    """Workplace field -> column index, and every non-blank data row as {field: text}."""
    encoding = _detect_encoding(path)
    name = os.path.basename(path)
    with open(path, encoding=encoding, newline="") as fh:
        first = fh.readline()
        fh.seek(0)
        reader = csv.reader(fh, delimiter=_delimiter(first))
        header: Optional[list[str]] = None
        positions: dict[str, int] = {}
        la_name_at: Optional[int] = None
        rows: list[_Row] = []
        try:
            while True:
                before = reader.line_num
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header = [c.replace("\ufeff", "").strip() for c in cells]
                    index: dict[str, int] = {}
                    for i, h in enumerate(header):
                        index.setdefault(h.lower(), i)  # a repeated column: the first one counts
                    positions = _positions(header, index, name, need_la=need_la)
                    la_name_at = index.get(LA_NAME.lower())
                    continue
                n = len(cells)
                data = {f: (cells[i] if i < n else "") for f, i in positions.items()}
                la_name = cells[la_name_at].strip() if la_name_at is not None and la_name_at < n else ""
                rows.append(_Row(before + 1, data["urn"].strip()[:20], la_name, data))
        except csv.Error as exc:
            raise ImportFailed(f"{name} could not be read as CSV at line {reader.line_num} ({exc}).") from None
        except UnicodeDecodeError:  # only possible for a broken UTF-16 file
            raise ImportFailed(f"{name} is not a readable text file.") from None
    if header is None:
        raise ImportFailed(f"{name} is empty. Choose a GIAS extract (CSV with a header row).")
    if not rows:
        raise ImportFailed(f"{name} has a header row but no schools.")
    return positions, rows


def _positions(header: list[str], index: dict[str, int], name: str, *, need_la: bool) -> dict[str, int]:
    """Workplace field -> column index, by GIAS header name (case and surrounding spaces ignored)."""
    required = REQUIRED + (("LA (code)",) if need_la else ())
    missing = [h for h in required if h.lower() not in index]
    if missing:
        names = ", ".join(f'"{h}"' for h in missing)
        looks_like_data = bool(header) and header[0].strip().isdigit()
        hint = (" The first row looks like data: the file must start with the GIAS header row."
                if looks_like_data else
                " Is this a GIAS establishment extract? Its first row must be the header row, "
                "with URN, EstablishmentName and the other GIAS column names.")
        why = " (needed by --match-la)" if need_la and missing == ["LA (code)"] else ""
        raise ImportFailed(f"{name} has no {names} {'column' if len(missing) == 1 else 'columns'}{why}.{hint}")
    return {f: index[h.lower()] for h, f in COLUMNS.items() if h.lower() in index}


# --- the import --------------------------------------------------------------------------------

def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _la_employers() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    q = select(Employer.id, Employer.la_code).where(Employer.kind == "local_authority", Employer.la_code.is_not(None))
    for emp_id, code in db.session.execute(q.order_by(Employer.id)):
        found.setdefault(code, []).append(emp_id)
    return found


def _update(params: list[dict], fields: tuple[str, ...], now) -> None:
    """UPDATE the changed workplaces in one executemany, bumping ``version`` as the ORM would and
    refusing (StaleDataError) if a row changed since it was read."""
    t = Workplace.__table__
    stmt = (
        update(t)
        .where(t.c.id == bindparam("b_id"), t.c.version == bindparam("b_version"))
        .values({**{f: bindparam(f"v_{f}") for f in fields},
                 "version": bindparam("b_new_version"), "updated_at": now})
    )
    for chunk in _chunks(params, 5000):
        done = db.session.execute(stmt, chunk).rowcount
        if done != len(chunk):
            raise StaleDataError(f"{len(chunk) - done} workplaces changed during the import")
    # objects already loaded in this session hold the old values and version: reload them on next use
    ids = {p["b_id"] for p in params}
    for key in list(db.session.identity_map.keys()):
        if key[0] is Workplace and key[1][0] in ids:
            obj = db.session.identity_map.get(key)
            if obj is not None:
                db.session.expire(obj)


def import_schools(path: str, *, employer_id: Optional[int] = None, match_la: bool = False,
                   skip_invalid: bool = False) -> ImportResult:
    """Create or update school workplaces by URN from the GIAS CSV at ``path``. Flushes; never commits."""
    path = os.fspath(path)
    name = os.path.basename(path)
    if bool(employer_id) == bool(match_la):
        raise ImportFailed("give either an employer (--employer-id) or --match-la, not both or neither.")
    la_employers: dict[str, list[int]] = {}
    if employer_id:
        if db.session.get(Employer, int(employer_id)) is None:
            raise ImportFailed(f"there is no employer with id {employer_id}.")
    else:
        la_employers = _la_employers()

    positions, rows = _read_rows(path, need_la=match_la)
    present = [f for f in IMPORT_FIELDS if f in positions]

    result = ImportResult(path=path, rows=len(rows))
    valid: dict[int, dict] = {}  # urn -> clean values, in file order
    first_line: dict[int, int] = {}
    for row in rows:
        problems: list[str] = []
        clean: dict = {}
        try:
            clean = validate_workplace({"kind": "school", **row.data}, check_urn_unique=False)
        except ValidationFailed as exc:
            for f, messages in exc.fields.items():
                for m in messages:
                    problems.append(m if f == "urn" else f"{m} ({HEADER_OF.get(f, f)})")
            clean = {}
        urn = clean.get("urn")
        if urn is None and row.urn_text.isdigit():
            urn = int(row.urn_text)  # other problems in the row: still count it for duplicates
        if urn is not None:
            if urn in first_line:
                problems.append(f"URN {urn} is also on line {first_line[urn]}; each school must appear once")
            else:
                first_line[urn] = row.line
        if match_la and not problems:
            code = clean.get("la_code")
            ids = la_employers.get(code or "", [])
            if not code:
                problems.append("no LA (code), so no local-authority employer can be matched")
            elif not ids:
                la = f" ({row.la_name})" if row.la_name else ""
                problems.append(f"no local-authority employer with LA code {code}{la}; add the council first")
                entry = result.missing_la.setdefault(code, [row.la_name, 0])
                entry[1] += 1
            elif len(ids) > 1:
                problems.append(f"{len(ids)} local-authority employers have LA code {code}; "
                                "import this LA's schools with --employer-id")
            else:
                clean["employer_id"] = ids[0]
        if problems:
            result.errors.append(RowError(row.line, row.urn_text, "; ".join(problems)))
            continue
        clean.setdefault("employer_id", employer_id)
        valid[clean["urn"]] = clean

    if result.errors and not skip_invalid:
        n = len(result.errors)
        raise ImportFailed(
            f"{_plural(n, 'row')} of {result.rows} in {name} {'is' if n == 1 else 'are'} not valid.",
            result.errors, rows=result.rows, missing_la=result.missing_la,
        )

    compared = ("employer_id", "kind", *present)
    existing: dict[int, tuple] = {}
    cols = [Workplace.id, Workplace.urn, Workplace.version, *(getattr(Workplace, f) for f in compared)]
    if len(valid) > CHUNK * 2:
        # a big file: one pass over the schools beats many IN (...) lists, whose plans go bad
        # (sequential scans) on PostgreSQL when the table's statistics are stale after a big import
        queries = [select(*cols).where(Workplace.urn.is_not(None))]
    else:
        queries = [select(*cols).where(Workplace.urn.in_(chunk)) for chunk in _chunks(list(valid))]
    for query in queries:
        for rec in db.session.execute(query):
            if rec.urn in valid:
                existing[rec.urn] = rec

    now = utcnow()
    new_rows: list[dict] = []
    changed: list[dict] = []  # executemany parameters for the UPDATE below
    for urn, clean in valid.items():
        rec = existing.get(urn)
        if rec is None:
            values = {f: None for f in WORKPLACE_FIELDS}
            values.update({f: clean.get(f) for f in compared})
            values.update(version=1, created_at=now, updated_at=now)
            new_rows.append(values)
        elif any(rec[3 + i] != clean.get(f) for i, f in enumerate(compared)):
            changed.append({"b_id": rec.id, "b_version": rec.version, "b_new_version": rec.version + 1,
                            **{f"v_{f}": clean.get(f) for f in compared}})
        else:
            result.unchanged += 1

    try:
        for chunk in _chunks(new_rows, 5000):
            db.session.execute(insert(Workplace), chunk)
        result.created = len(new_rows)
        if changed:
            _update(changed, compared, now)
        result.updated = len(changed)
        audit.record(
            db.session, "import", None, object_type="workplace",
            summary=f"Imported schools from {name}: {result.summary()}",
            changes={**result.counts(), "file": name,
                     **({"employer_id": int(employer_id)} if employer_id else {"match_la": True})},
        )
        db.session.flush()
    except (IntegrityError, StaleDataError) as exc:
        raise ImportFailed(f"the database refused the import, perhaps because someone else changed the same "
                           f"schools at the same time; try again ({type(exc).__name__}).") from None
    return result
