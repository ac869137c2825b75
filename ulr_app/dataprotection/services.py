"""The only code that changes subject access requests and the added bank holidays. Validates
everything before changing anything (nothing half-saved), keeps the stored due date in step with the
rule, audits every change and writes the request's timeline. Flushes, never commits."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Mapping, Optional

from flask import url_for
from sqlalchemy import select

from ..core import audit, timeline
from ..core import validation as v
from ..core.errors import Conflict, ValidationFailed
from ..core.jobs import Job, enqueue, path_of
from ..core.models import utcnow
from ..extensions import db
from ..learners.models import Learner
from ..organisation.models import Branch
from . import exports, queries, rules
from .models import BankHoliday, SubjectAccessExport, SubjectAccessRequest

FIELDS = ("person_name", "learner_id", "received_on", "identity_received_on", "extension_months", "extension_reason",
          "status", "answered_on")
#: the stored fields an audit entry records (the due date as well, which the rule works out)
AUDITED = FIELDS + ("due_on",)
PROBLEM = "Check the subject access request"
LABELS = {"person_name": "the person's name", "learner_id": "the learner", "received_on": "the date received",
          "identity_received_on": "the date proof of identity arrived", "extension_months": "the extension",
          "extension_reason": "the reason for the extension", "status": "the status", "answered_on": "the date answered",
          "due_on": "the due date"}


def _months(value: Any, errors: dict) -> Optional[int]:
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, str)) or isinstance(value, str) and not value.strip().isdigit():
        errors["extension_months"] = ["Choose no extension, 1 month or 2 months"]
        return None
    months = int(value)
    if not 0 <= months <= rules.MAX_EXTENSION_MONTHS:
        errors["extension_months"] = [f"The deadline can be extended by at most {rules.MAX_EXTENSION_MONTHS} further "
                                      "months (UK GDPR Art 12(3))"]
        return None
    return months


def _clean(data: Mapping[str, Any], branch_id: int, existing: Optional[SubjectAccessRequest],
           today: Optional[date] = None) -> dict[str, Any]:
    today = today or date.today()
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a subject access request"]
                                                  for f in sorted(unknown)})
    merged: dict[str, Any] = {f: getattr(existing, f) for f in FIELDS} if existing else {}
    merged.update(data)
    errors: dict[str, list[str]] = {}
    c: dict[str, Any] = {
        "person_name": v.text(merged, errors, "person_name", "the name of the person who asked", 120, required=True,
                              multiline=False),
        "extension_reason": v.text(merged, errors, "extension_reason", "the reason for the extension", 2000),
        "learner_id": v.ident(merged, errors, "learner_id", "Choose the learner", required=False),
        "received_on": v.day(merged, errors, "received_on", "the date the request was received", required=True,
                             kind=v.HAPPENED, today=today),
        "identity_received_on": v.day(merged, errors, "identity_received_on", "the date proof of identity arrived",
                                      kind=v.HAPPENED, today=today),
        "answered_on": v.day(merged, errors, "answered_on", "the date the request was answered", kind=v.HAPPENED,
                             today=today),
        "extension_months": _months(merged.get("extension_months"), errors),
        "status": v.choice({"status": "open" if merged.get("status") is None else merged["status"]}, errors,
                           "status", rules.STATUSES, "Choose open, answered or withdrawn"),
    }
    received = c["received_on"]
    if received and c["identity_received_on"] and c["identity_received_on"] < received:
        errors.setdefault("identity_received_on", ["Proof of identity cannot arrive before the request was received"])
    if received and c["answered_on"] and c["answered_on"] < received:
        errors.setdefault("answered_on", ["The request cannot be answered before it was received"])
    if c["status"] == "answered" and c["answered_on"] is None and "answered_on" not in errors:
        errors["answered_on"] = ["Enter the date the request was answered"]
    if c["status"] in ("open", "withdrawn") and c["answered_on"] is not None and "answered_on" not in errors:
        errors["answered_on"] = ["Leave the date answered empty unless the request has been answered"]
    if c["extension_months"] and not c["extension_reason"] and "extension_reason" not in errors:
        errors["extension_reason"] = ["Enter why the deadline is extended (the request is complex, or there are "
                                      "several from the same person)"]
    if c["extension_months"] == 0 and c["extension_reason"] and "extension_reason" not in errors:
        errors["extension_reason"] = ["Give a reason only when the deadline is extended, or choose an extension"]
    if c["learner_id"] and "learner_id" not in errors:
        learner = db.session.get(Learner, c["learner_id"])
        if learner is None or learner.branch_id != branch_id:
            errors["learner_id"] = ["Choose one of this branch's learners"]
    if errors:
        raise ValidationFailed(PROBLEM, errors)
    c["due_on"] = rules.due_on(received, c["identity_received_on"], c["extension_months"], queries.bank_holidays())
    if c["due_on"] <= received:  # the rule cannot give this; a last check that nothing before receipt is stored
        raise ValidationFailed(PROBLEM, {"due_on": ["The due date cannot be before the request was received"]})
    return c


def create_request(data: Mapping[str, Any], *, branch: Branch, today: Optional[date] = None) -> SubjectAccessRequest:
    clean = _clean(data, branch.id, None, today)
    sar = SubjectAccessRequest(branch_id=branch.id, **clean)
    db.session.add(sar)
    db.session.flush()
    audit.record(db.session, "create", sar, summary=f"Recorded a subject access request from {sar.person_name}",
                 changes=audit.snapshot(sar, AUDITED))
    timeline.add(db.session, sar, "created", f"Request received on {v.format_date(sar.received_on)}; the answer is "
                                             f"due by {v.format_date(sar.due_on)}")
    return sar


def update_request(sar: SubjectAccessRequest, data: Mapping[str, Any], *, version: Optional[int] = None,
                   today: Optional[date] = None) -> dict:
    if version is not None and int(version) != sar.version:
        raise Conflict("This subject access request was changed by someone else. Reload it and try again.")
    clean = _clean(data, sar.branch_id, sar, today)
    changes = audit.apply_changes(sar, clean, AUDITED)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", sar, summary=f"Changed the subject access request from {sar.person_name}",
                     changes=changes)
        _timeline(sar, changes)
    return changes


def _timeline(sar: SubjectAccessRequest, changes: Mapping[str, tuple[Any, Any]]) -> None:
    said = set()
    if "identity_received_on" in changes and sar.identity_received_on:
        timeline.add(db.session, sar, "milestone", f"Proof of identity arrived on {v.format_date(sar.identity_received_on)}")
        said.add("identity_received_on")
    if "extension_months" in changes and sar.extension_months:
        timeline.add(db.session, sar, "milestone", f"Deadline extended by {sar.extension_months} "
                                                   f"month{'s' if sar.extension_months > 1 else ''}: {sar.extension_reason}")
        said.update({"extension_months", "extension_reason"})
    if "status" in changes:
        words = {"answered": f"Answered on {v.format_date(sar.answered_on)}", "withdrawn": "Withdrawn by the person",
                 "open": "Opened again"}
        timeline.add(db.session, sar, "status_changed", words[sar.status])
        said.update({"status", "answered_on"})
    if "due_on" in changes:
        timeline.add(db.session, sar, "milestone", f"The answer is now due by {v.format_date(sar.due_on)}")
        said.add("due_on")
    other = [f for f in changes if f not in said]
    if other:
        timeline.add(db.session, sar, "edited", timeline.changed_text(other, LABELS))


# --- bank holidays ------------------------------------------------------------------------

def add_bank_holiday(data: Mapping[str, Any], *, today: Optional[date] = None) -> BankHoliday:
    """Add a bank holiday (a new year's list, or a one-off such as a coronation), then move the due date
    of every open request it falls on."""
    errors: dict[str, list[str]] = {}
    unknown = set(data) - {"holiday_on", "name", "notes"}
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a bank holiday"] for f in sorted(unknown)})
    on = v.day(data, errors, "holiday_on", "the date of the bank holiday", required=True, kind=v.PLANNED, today=today)
    name = v.text(data, errors, "name", "the name of the bank holiday", 120, required=True, multiline=False)
    notes = v.text(data, errors, "notes", "the notes", 2000)
    if on and "holiday_on" not in errors:
        if on.weekday() >= 5:
            errors["holiday_on"] = ["A bank holiday falls on a weekday: a Saturday or Sunday is never a working day anyway"]
        elif on in queries.bank_holidays():
            errors["holiday_on"] = [f"{v.format_date(on)} is already a bank holiday"]
    if errors:
        raise ValidationFailed("Check the bank holiday", errors)
    holiday = BankHoliday(holiday_on=on, name=name, notes=notes)
    db.session.add(holiday)
    db.session.flush()
    audit.record(db.session, "create", holiday, summary=f"Added the bank holiday {name} on {v.format_date(on)}",
                 changes=audit.snapshot(holiday, ("holiday_on", "name", "notes")))
    recompute_due_dates()
    return holiday


def recompute_due_dates() -> int:
    """Work out the due date of every open request again (after the bank holidays changed); returns how
    many moved. Each move is audited and put on the request's timeline."""
    holidays = queries.bank_holidays()
    moved = 0
    for sar in db.session.scalars(select(SubjectAccessRequest).where(SubjectAccessRequest.status == "open")):
        due = queries.due_on_for(sar, holidays)
        if due != sar.due_on:
            changes = audit.apply_changes(sar, {"due_on": due}, ("due_on",))
            db.session.flush()
            audit.record(db.session, "update", sar, summary=f"Moved the due date of the subject access request from "
                                                            f"{sar.person_name} (bank holidays changed)", changes=changes)
            timeline.add(db.session, sar, "milestone", f"The answer is now due by {v.format_date(due)}: the bank "
                                                       "holidays changed")
            moved += 1
    return moved


# --- exports --------------------------------------------------------------------------------

#: an export's file is deleted once downloaded, or after this many days
EXPORT_KEPT_DAYS = 30
#: at most this many redactions, each at most REDACTION_LENGTH characters
MAX_REDACTIONS = 200
REDACTION_LENGTH = 200


def redaction_terms(text: Any) -> list[str]:
    """The redactions as typed in the box (one per line), or as a list (the API's way)."""
    if isinstance(text, str):
        lines = text.splitlines()
    elif isinstance(text, (list, tuple)):
        lines = [t for t in text if isinstance(t, str)]
    else:
        lines = []
    return list(dict.fromkeys(t.strip() for t in lines if t and t.strip()))


def start_export(sar: SubjectAccessRequest, *, search: Mapping[str, Any], redactions: Any, user) -> Any:
    """Record an export (the search and the redactions) and queue the job that makes its file; it starts
    once the session commits. Flushes, never commits."""
    errors: dict[str, list[str]] = {}
    terms = redaction_terms(redactions)
    if len(terms) > MAX_REDACTIONS:
        errors["redactions"] = [f"Enter at most {MAX_REDACTIONS} names or details to redact"]
    elif any(len(t) > REDACTION_LENGTH for t in terms):
        errors["redactions"] = [f"Keep each line to {REDACTION_LENGTH} characters or fewer"]
    elif any(len(t) < 2 for t in terms):
        errors["redactions"] = ["Each thing to redact must be at least 2 characters long"]
    name = (search.get("name") or "").strip()[:200]
    email = (search.get("email") or "").strip()[:200]
    learner_id = search.get("learner_id")
    if not (name or email or learner_id):
        errors["name"] = ["Enter the name, e-mail address or learner record number to search for"]
    if errors:
        raise ValidationFailed("Check the export", errors)
    export = SubjectAccessExport(request_id=sar.id, search={"name": name, "email": email, "learner_id": learner_id},
                                 redactions=terms, created_by_id=getattr(user, "id", None))
    db.session.add(export)
    db.session.flush()
    job = enqueue(db.session, exports.KIND, {"export_id": export.id, "user_id": user.id,
                                             # the file is fetched only through the request's own download,
                                             # which audits it and deletes it (jobs.download sends people there)
                                             "download_url": url_for("dataprotection.download_export", sar_id=sar.id,
                                                                     export_id=export.id),
                                             "link_url": url_for("dataprotection.subject_access_request", sar_id=sar.id),
                                             "link_label": f"Back to the request from {sar.person_name}"},
                  title=f"Subject access request from {sar.person_name} (ZIP)", user_id=user.id)
    export.job_id = job.id
    audit.record(db.session, "create", export, summary=f"Prepared an export for the subject access request from "
                                                       f"{sar.person_name}, with {len(terms)} redaction"
                                                       f"{'' if len(terms) == 1 else 's'}",
                 changes={"search": (None, export.search), "redactions": (None, len(terms))})
    timeline.add(db.session, sar, "document_generated",
                 f"Export prepared with {len(terms)} redaction{'' if len(terms) == 1 else 's'} of third parties' details")
    return export


def export_file_gone(export, *, downloaded: bool) -> None:
    """Delete an export's file from disk (once downloaded, or when its time is up) and record it."""
    job = db.session.get(Job, export.job_id) if export.job_id else None
    if job is not None and job.result_path:
        try:
            path_of(job).unlink(missing_ok=True)
        except (OSError, FileNotFoundError):
            pass
    now = utcnow()
    if downloaded:
        export.downloaded_at = now
    export.deleted_at = now
    db.session.flush()
    sar = export.request
    if downloaded:
        audit.record(db.session, "export", export, summary=f"Downloaded the export for the subject access request "
                                                           f"from {sar.person_name} (the file is now deleted)")
        timeline.add(db.session, sar, "document_generated", "Export downloaded; the file was then deleted")
    else:
        audit.record(db.session, "delete", export, summary=f"Deleted the export for the subject access request from "
                                                           f"{sar.person_name} after {EXPORT_KEPT_DAYS} days")
        timeline.add(db.session, sar, "document_generated", f"Export deleted unread after {EXPORT_KEPT_DAYS} days")


def purge_exports(now=None) -> int:
    """Delete every export file older than EXPORT_KEPT_DAYS days that is still kept; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=EXPORT_KEPT_DAYS)
    old = list(db.session.scalars(select(SubjectAccessExport).where(SubjectAccessExport.deleted_at.is_(None),
                                                                    SubjectAccessExport.created_at < cutoff)))
    for export in old:
        export_file_gone(export, downloaded=False)
    return len(old)
