"""The answer to a subject access request as a file, made by a background job (``sar_export``): a ZIP
holding the records found about the person as JSON (machine-readable) and as a readable PDF, after the
redactions the convenor recorded (third parties' names and details in free text) are applied to every
text. The job runs as the user who asked, so it finds only what they may see, as the search page does.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from flask import current_app, g, has_request_context, render_template
from sqlalchemy import select

from ..accounts.models import User
from ..core.errors import ServiceError
from ..core.jobs import JobResult, job_kind
from ..core.pdf import render_pdf
from ..core.permissions import visible
from ..extensions import db
from . import queries
from .models import SubjectAccessExport, SubjectAccessRequest

KIND = "sar_export"
REDACTED = "[redacted]"
#: the sections of the export, in order: (key in queries.Found, heading)
SECTIONS = (("learners", "Learner records"), ("reps", "ULR records"), ("cases", "Cases"),
            ("activities", "Activities on cases and learners"), ("time_off_requests", "Time-off requests"),
            ("audit_entries", "Audit trail entries"))


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record_fields(obj: Any) -> dict[str, Any]:
    """Every stored field of a record (never secrets such as password hashes), as JSON values."""
    secret = getattr(type(obj), "__secret_fields__", frozenset())
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in secret}


def redactor(terms: Iterable[str]):
    """A function that replaces each term (any case) in every text of a JSON structure with [redacted];
    longer terms first, so 'Jo Bloggs' goes before 'Jo'."""
    words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None

    def redact(value: Any) -> Any:
        if pattern is None:
            return value
        if isinstance(value, str):
            return pattern.sub(REDACTED, value)
        if isinstance(value, list):
            return [redact(v) for v in value]
        if isinstance(value, dict):
            return {k: redact(v) for k, v in value.items()}
        return value

    return redact


def build(export: SubjectAccessExport, user) -> dict[str, Any]:
    """What the export holds, redacted: the request and each kind of record found."""
    sar = export.request
    search = dict(export.search or {})
    found = queries.find_person(user, name=search.get("name") or "", email=search.get("email") or "",
                                learner_id=search.get("learner_id"))
    redact = redactor(export.redactions or [])
    data: dict[str, Any] = {
        "subject_access_request": {k: _plain(getattr(sar, k)) for k in (
            "id", "branch_id", "person_name", "learner_id", "received_on", "identity_received_on", "extension_months",
            "status", "due_on")},
        "search": search,
        "made_on": date.today().isoformat(),
        "redactions": len(export.redactions or []),
        "limited_to": queries.FIND_LIMIT,
        "more_than_shown": sorted(found.more),
    }
    for key, _heading in SECTIONS:
        data[key] = [redact(record_fields(obj)) for obj in getattr(found, key)]
    return data


def zip_bytes(data: dict[str, Any], pdf: bytes, stem: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{stem}/records.json", json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))
        z.writestr(f"{stem}/records.pdf", pdf)
    return out.getvalue()


def _make(params: dict[str, Any], user: User, progress) -> JobResult:
    export = db.session.get(SubjectAccessExport, params.get("export_id") or 0)
    if export is None or export.deleted_at is not None:
        raise ServiceError("This export no longer exists, so its file was not made.")
    sar = db.session.scalars(visible(select(SubjectAccessRequest).where(SubjectAccessRequest.id == export.request_id),
                                     user)).first()
    if sar is None or not queries.can_edit(user, sar):
        raise ServiceError("You can no longer see this subject access request, so its export was not made.")
    data = build(export, user)
    progress(50)
    html = render_template("dataprotection/export_pdf.html", data=data, sections=SECTIONS, sar=sar)
    pdf = render_pdf(html)
    progress(90)
    stem = f"subject-access-request-{sar.id}"
    return JobResult(zip_bytes(data, pdf, stem), f"{stem}.zip", "application/zip")


@job_kind(KIND)
def sar_export(params: dict[str, Any], progress) -> JobResult:
    user = db.session.get(User, params.get("user_id") or 0)
    if user is None or not getattr(user, "active", True):
        raise ServiceError("The person who asked for this file can no longer sign in, so it was not made.")
    g.audit_actor = user
    progress(10)
    if has_request_context():
        return _make(params, user, progress)
    with current_app.test_request_context("/"):
        g.audit_actor = user
        return _make(params, user, progress)


__all__ = ["KIND", "REDACTED", "build", "record_fields", "redactor", "sar_export"]
