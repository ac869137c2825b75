"""The Go Award evidence pack's standards and evidence, per employer: the read side (scoped through
``core.permissions.visible()``) and the only code that changes them (validate, apply, audit, flush;
never commit).

Uploaded documents live in the instance folder under ``goaward/<employer id>/`` with their SHA-256.
Files follow the transaction they belong to: a file written for a new piece of evidence is removed
again if the transaction rolls back, and the file of removed evidence is deleted only once the
transaction that deleted its row has committed (see :func:`_files_follow_transaction`). So neither
a failed request nor a failed commit leaves an orphan file or a row without its file.
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path
from typing import Any, Iterable, Optional

from flask import current_app
from sqlalchemy import func, select

from ..agreements.models import Agreement
from ..core import audit
from ..core.files import remove_on_commit, remove_on_rollback
from ..core.errors import Conflict, ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR, REGIONAL_ORGANISER, visible
from ..core.validation import db_id
from ..extensions import db
from ..organisation.models import Employer, branch_employer
from ..reps.models import Rep
from .models import (
    GO_AWARD_STANDARDS,
    STANDARD_STATUSES,
    GoAwardEvidence,
    GoAwardStandard,
)

FOLDER = "goaward"
NOTES_MAX = 5000
TITLE_MAX = 200
FILE_NAME_MAX = 200

#: what may be uploaded: extension -> (kind, content type stored and sent back)
DOCUMENT_TYPES = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
}
#: the part an Office Open XML file's [Content_Types].xml must declare for each kind
_OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
KIND_NAMES = {"pdf": "a PDF", "docx": "a Word document (.docx)", "xlsx": "an Excel workbook (.xlsx)",
              "png": "a PNG image", "jpeg": "a JPEG image"}
ALLOWED_WORDS = "PDF, Word (.docx), Excel (.xlsx), PNG or JPEG"

#: records evidence may link to: link_type -> (model, words)
LINK_TYPES = {"agreement": (Agreement, "learning agreement"), "rep": (Rep, "ULR appointment")}

FILE_FIELD = "document"


# --- who may do what ------------------------------------------------------------------------

def can_change(user: Any, employer: Employer) -> bool:
    """Administrators; regional organisers of the employer's region; convenors of a branch that deals
    with the employer. ULRs (and everyone else) read only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == ADMIN:
        return True
    if user.role == REGIONAL_ORGANISER:
        return user.region_id is not None and employer.region_id == user.region_id
    if user.role == BRANCH_CONVENOR and user.branch_id is not None:
        return db.session.scalar(select(func.count()).select_from(branch_employer).where(
            branch_employer.c.branch_id == user.branch_id, branch_employer.c.employer_id == employer.id)) > 0
    return False


# --- read side ------------------------------------------------------------------------------

def standards_of(employer: Employer) -> list[dict[str, Any]]:
    """The eight standards in order, each ``{code, title, status, status_label, notes, version,
    evidence}``: a standard without a row is "not_started" with version 0; ``evidence`` is the list
    of its GoAwardEvidence rows, oldest first. Two queries, whatever the amount of evidence."""
    rows = {s.code: s for s in db.session.scalars(
        select(GoAwardStandard).where(GoAwardStandard.employer_id == employer.id))}
    evidence: dict[str, list[GoAwardEvidence]] = {code: [] for code in GO_AWARD_STANDARDS}
    for item in db.session.scalars(select(GoAwardEvidence).where(GoAwardEvidence.employer_id == employer.id)
                                   .order_by(GoAwardEvidence.created_at, GoAwardEvidence.id)):
        evidence.setdefault(item.standard_code, []).append(item)
    out = []
    for code, title in GO_AWARD_STANDARDS.items():
        row = rows.get(code)
        status = row.status if row else "not_started"
        out.append({"code": code, "title": title, "status": status, "status_label": STANDARD_STATUSES.get(status, status),
                    "notes": row.notes if row else None, "version": row.version if row else 0,
                    "evidence": evidence[code]})
    return out


def evidence_counts(employer_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``{employer_id: {standard_code: count}}`` with all eight codes (zeros included) for every id
    asked for, in one query. The caller has already checked the user may see these employers."""
    ids = sorted({int(i) for i in employer_ids})
    out = {i: {code: 0 for code in GO_AWARD_STANDARDS} for i in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(GoAwardEvidence.employer_id, GoAwardEvidence.standard_code, func.count())
        .where(GoAwardEvidence.employer_id.in_(ids))
        .group_by(GoAwardEvidence.employer_id, GoAwardEvidence.standard_code))
    for employer_id, code, n in rows:
        if code in out[employer_id]:
            out[employer_id][code] = n
    return out


def evidence_of(employer: Employer, evidence_id: Any) -> Optional[GoAwardEvidence]:
    """One piece of the employer's evidence, or None (the employer was loaded through its scope)."""

    try:
        ident = db_id(evidence_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalars(select(GoAwardEvidence).where(GoAwardEvidence.id == ident,
                                                            GoAwardEvidence.employer_id == employer.id)).first()


def linkable_records(employer: Employer, user: Any) -> dict[str, list[Any]]:
    """The employer's learning agreements and ULR appointments this user may see (for the link form)."""
    agreements = db.session.scalars(visible(select(Agreement), user).where(Agreement.employer_id == employer.id)
                                    .order_by(Agreement.title, Agreement.id)).all()
    reps = db.session.scalars(visible(select(Rep), user).where(Rep.employer_id == employer.id)
                              .order_by(Rep.name, Rep.id)).all()
    return {"agreement": list(agreements), "rep": list(reps)}


def link_targets(evidence: Iterable[GoAwardEvidence], user: Any) -> dict[tuple[str, int], Any]:
    """The linked records this user may open, ``{(link_type, id): record}``: one query per type."""
    wanted: dict[str, set[int]] = {}
    for item in evidence:
        if item.kind == "link" and item.link_type in LINK_TYPES and item.link_id is not None:
            wanted.setdefault(item.link_type, set()).add(item.link_id)
    out: dict[tuple[str, int], Any] = {}
    for link_type, ids in wanted.items():
        model = LINK_TYPES[link_type][0]
        for record in db.session.scalars(visible(select(model), user).where(model.id.in_(ids))):
            out[(link_type, record.id)] = record
    return out


def record_label(link_type: str, record: Any) -> str:
    if link_type == "agreement":
        return f"Learning agreement: {record.title}"
    return f"ULR appointment: {record.name}"


# --- standards ------------------------------------------------------------------------------

def _standard_code(code: Any) -> str:
    if not isinstance(code, str) or code not in GO_AWARD_STANDARDS:
        raise ValidationFailed("Check the standard", {"standard": ["Choose one of the eight Go Award standards"]})
    return code


def set_standard(employer: Employer, code: str, data: dict[str, Any], *, version: Optional[int] = None) -> GoAwardStandard:
    """Change a standard's status and notes; the row is created on the first change. ``version`` is
    the one the change was made from (0: there was no row yet); a stale one is a Conflict."""
    code = _standard_code(code)
    errors: dict[str, list[str]] = {}
    status = data.get("status")
    if not isinstance(status, str) or status not in STANDARD_STATUSES:
        errors["status"] = ["Choose the standard's status: not started, in progress or met"]
    notes = data.get("notes")
    if notes is not None and not isinstance(notes, str):
        errors["notes"] = ["Enter the notes as text"]
        notes = None
    notes = (notes or "").strip() or None
    if notes and len(notes) > NOTES_MAX:
        errors["notes"] = [f"Notes must be {NOTES_MAX} characters or fewer"]
    if notes and "\x00" in notes:
        errors["notes"] = ["Notes must not contain NUL characters"]
    if errors:
        raise ValidationFailed("Check the standard", errors)
    row = db.session.scalars(select(GoAwardStandard).where(GoAwardStandard.employer_id == employer.id,
                                                           GoAwardStandard.code == code)).first()
    if version is not None and int(version) != (row.version if row else 0):
        raise Conflict("Someone else changed this standard first. Reload the page and try again.")
    title = GO_AWARD_STANDARDS[code]
    if row is None:
        row = GoAwardStandard(employer_id=employer.id, code=code, status=status, notes=notes)
        db.session.add(row)
        db.session.flush()
        audit.record(db.session, "create", row, summary=f"Go Award standard '{title}' for {employer.name}: {STANDARD_STATUSES[status]}",
                     changes={"code": (None, code), "status": ("not_started", status), "notes": (None, notes)})
        return row
    changes = audit.apply_changes(row, {"status": status, "notes": notes}, ("status", "notes"))
    if changes:
        db.session.flush()
        audit.record(db.session, "update", row, summary=f"Changed Go Award standard '{title}' for {employer.name}",
                     changes=changes)
    return row


# --- documents ------------------------------------------------------------------------------

def max_upload_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))


def max_upload_words() -> str:
    size = max_upload_bytes()
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{max(1, size // 1024)} KB"


def too_large_message() -> str:
    return f"The file must be {max_upload_words()} or smaller"


def _bad_file(message: str) -> ValidationFailed:
    return ValidationFailed("Check the file", {FILE_FIELD: [message]})


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_file_name(filename: Any) -> tuple[str, str]:
    """(the name as given, its extension) or ValidationFailed: no folders, no control characters
    (NUL above all), no hidden files, one of the allowed extensions."""
    if not isinstance(filename, str) or not filename.strip():
        raise _bad_file("Choose a file to upload")
    name = unicodedata.normalize("NFC", filename).strip()
    if _CONTROL.search(name):
        raise _bad_file("The file name must not contain control characters. Rename the file and try again")
    if "/" in name or "\\" in name or name.startswith("."):
        raise _bad_file("The file name must be a plain name, without folders or a dot at the start. Rename the file and try again")
    if len(name) > FILE_NAME_MAX:
        raise _bad_file(f"The file name must be {FILE_NAME_MAX} characters or fewer. Rename the file and try again")
    stem, dot, extension = name.rpartition(".")
    extension = extension.lower()
    if not dot or not stem or extension not in DOCUMENT_TYPES:
        raise _bad_file(f"The file must be a {ALLOWED_WORDS} file")
    return name, extension


def sniff(content: bytes) -> Optional[str]:
    """What the content really is, from its first bytes (and, for Office files, their
    [Content_Types].xml part): 'pdf', 'docx', 'xlsx', 'png', 'jpeg', or None."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > 1024 * 1024:  # a real one is a few KB; refuse a zip bomb
                    return None
                types = archive.read(info).decode("utf-8", "replace")
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, NotImplementedError, EOFError):
            return None
        for kind, main in _OOXML_MAIN.items():
            if main in types:
                return kind
    return None


def _folder() -> Path:
    return Path(current_app.instance_path) / FOLDER


def evidence_path(evidence: GoAwardEvidence) -> Path:
    """Where a document's file is; FileNotFoundError for a stored path outside the evidence folder."""
    if not evidence.stored_as:
        raise FileNotFoundError("no file")
    root = _folder().resolve()
    path = (Path(current_app.instance_path) / evidence.stored_as).resolve()
    if root not in path.parents:
        raise FileNotFoundError(evidence.stored_as)
    return path


def _title(value: Any, default: str) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed("Check the title", {"title": ["Enter the title as text"]})
    title = " ".join((value or "").split()) or default
    if len(title) > TITLE_MAX:
        raise ValidationFailed("Check the title", {"title": [f"The title must be {TITLE_MAX} characters or fewer"]})
    return title


def add_document(employer: Employer, code: str, content: bytes, filename: Any, *, title: Any = None,
                 created_by_id: Optional[int] = None) -> GoAwardEvidence:
    """Keep an uploaded document as evidence for a standard. Checks the name, the size and that the
    content is what its extension says; writes the file (removed again on rollback)."""
    code = _standard_code(code)
    name, extension = clean_file_name(filename)
    if not content:
        raise _bad_file("The selected file is empty")
    if len(content) > max_upload_bytes():
        raise _bad_file(too_large_message())
    kind, content_type = DOCUMENT_TYPES[extension]
    found = sniff(content)
    if found != kind:
        raise _bad_file(f"The file is not really {KIND_NAMES[kind]}: its contents do not match its name. "
                        f"Upload a {ALLOWED_WORDS} file")
    title = _title(title, name.rpartition(".")[0])
    digest = hashlib.sha256(content).hexdigest()
    relative = Path(FOLDER) / str(employer.id) / f"{code}-{secrets.token_hex(8)}-{digest[:12]}.{extension}"
    target = Path(current_app.instance_path) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_on_rollback(target)  # registered first, so a failure from here on leaves nothing behind
    try:
        target.write_bytes(content)
    except OSError:
        target.unlink(missing_ok=True)
        raise
    evidence = GoAwardEvidence(employer_id=employer.id, standard_code=code, kind="document", title=title,
                               stored_as=relative.as_posix(), original_name=name, content_type=content_type,
                               size_bytes=len(content), sha256=digest, created_by_id=created_by_id)
    db.session.add(evidence)
    db.session.flush()
    audit.record(db.session, "create", evidence,
                 summary=f"Added Go Award evidence '{title}' ({name}) to '{GO_AWARD_STANDARDS[code]}' for {employer.name}",
                 changes={"standard_code": (None, code), "original_name": (None, name), "sha256": (None, digest),
                          "size_bytes": (None, len(content))})
    return evidence


# --- links ----------------------------------------------------------------------------------

def add_link(employer: Employer, code: str, link_type: Any, link_id: Any, user: Any, *, title: Any = None,
             created_by_id: Optional[int] = None) -> GoAwardEvidence:
    """Link a record of the app as evidence: one of the employer's learning agreements or ULR
    appointments that ``user`` may see. Anything else (another employer's record, one out of
    scope, a missing one) is refused the same way."""

    code = _standard_code(code)
    refused = ValidationFailed("Check the record", {"record": [
        "Choose one of this employer's learning agreements or ULR appointments from the list"]})
    if not isinstance(link_type, str) or link_type not in LINK_TYPES:
        raise refused
    try:
        ident = db_id(link_id)
    except (TypeError, ValueError):
        raise refused from None
    model = LINK_TYPES[link_type][0]
    record = db.session.scalars(visible(select(model).where(model.id == ident), user)).first()
    if record is None or record.employer_id != employer.id:
        raise refused
    already = db.session.scalar(select(func.count()).select_from(GoAwardEvidence).where(
        GoAwardEvidence.employer_id == employer.id, GoAwardEvidence.standard_code == code,
        GoAwardEvidence.kind == "link", GoAwardEvidence.link_type == link_type, GoAwardEvidence.link_id == record.id))
    if already:
        raise ValidationFailed("Check the record", {"record": ["That record is already evidence for this standard"]})
    title = _title(title, record_label(link_type, record)[:TITLE_MAX])
    evidence = GoAwardEvidence(employer_id=employer.id, standard_code=code, kind="link", title=title,
                               link_type=link_type, link_id=record.id, created_by_id=created_by_id)
    db.session.add(evidence)
    db.session.flush()
    audit.record(db.session, "create", evidence,
                 summary=f"Linked {LINK_TYPES[link_type][1]} '{title}' as Go Award evidence for "
                         f"'{GO_AWARD_STANDARDS[code]}' for {employer.name}",
                 changes={"standard_code": (None, code), "link_type": (None, link_type), "link_id": (None, record.id)})
    return evidence


# --- removal --------------------------------------------------------------------------------

def remove_evidence(evidence: GoAwardEvidence) -> None:
    """Delete a piece of evidence and audit it. A document's file is deleted once the transaction
    commits (never before: a rolled-back removal keeps its file)."""
    employer = db.session.get(Employer, evidence.employer_id)
    changes: dict[str, tuple[Any, Any]] = {"standard_code": (evidence.standard_code, None), "title": (evidence.title, None)}
    if evidence.kind == "document":
        changes.update({"original_name": (evidence.original_name, None), "sha256": (evidence.sha256, None)})
        try:
            remove_on_commit(evidence_path(evidence))
        except FileNotFoundError:
            pass
    else:
        changes.update({"link_type": (evidence.link_type, None), "link_id": (evidence.link_id, None)})
    audit.record(db.session, "delete", evidence,
                 summary=f"Removed Go Award evidence '{evidence.title}' from '{GO_AWARD_STANDARDS.get(evidence.standard_code, evidence.standard_code)}'"
                         f" for {employer.name if employer else 'employer ' + str(evidence.employer_id)}",
                 changes=changes)
    db.session.delete(evidence)
    db.session.flush()
