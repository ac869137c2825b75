"""The only code that changes agreements. Validates, applies, audits and adds to the timeline;
flushes, never commits."""
from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from flask import current_app
from sqlalchemy import func, select

from ..core import audit, timeline
from ..core import validation as v
from ..core.files import remove_on_rollback
from ..core.errors import Conflict, ValidationFailed
from ..core.models import utcnow
from ..extensions import db
from ..organisation.models import Branch, Workplace, branch_employer
from . import rules
from .models import (
    COURSE_CATEGORIES,
    FACILITIES,
    KINDS,
    LEARNER_TIME,
    MEETING_FREQUENCIES,
    SCHOOLS_SCOPES,
    STATUSES,
    Agreement,
    AgreementDocument,
    AgreementLearnerTime,
    AgreementSchool,
    AgreementUlrPlace,
)
from .models import AgreementDocument as Doc

TEXT_FIELDS = {  # field: (label, max length, required)
    "title": ("the title", 200, True),
    "other_unions": ("the other unions", 200, False),
    "services_covered": ("the services covered", 2000, False),
    "ulr_appointment": ("how ULRs are appointed", 2000, False),
    "learning_centre_details": ("the learning centre details", 2000, False),
    "disputes_route": ("the disputes route", 2000, False),
    "employer_signatory": ("who signed for the employer", 120, False),
    "employer_signatory_role": ("the employer signatory's role", 120, False),
    "union_signatory": ("who signed for the union", 120, False),
    "union_signatory_role": ("the union signatory's role", 120, False),
    "reference": ("the branch's reference", 60, False),
}
CHOICE_FIELDS = {"kind": KINDS, "schools_scope": SCHOOLS_SCOPES, "learner_time_off": LEARNER_TIME,
                 "partnership_meeting_frequency": MEETING_FREQUENCIES}
BOOL_FIELDS = ("whole_employer", "equal_access", "ulr_paid_time_off", "ulr_ad_hoc_time", "member_access",
               "member_access_paid", "partnership_group", "coordinator", "learning_centre",
               "needs_analysis_learning_only", "confidentiality", "not_substitute_for_bargaining",
               "grievances_existing_procedures")
INT_FIELDS = {"ulr_places": (0, 500), "partnership_employer_members": (0, 50), "partnership_union_members": (0, 50)}
DECIMAL_FIELDS = {"ulr_hours_per_month": (Decimal("0"), Decimal("200")), "coordinator_release_days": (Decimal("0"), Decimal("5"))}
DATE_FIELDS = ("starts_on", "signed_on", "review_due_on", "expires_on")
#: each date's label and kind for the one date rule (core.validation): a signature has happened; the rest are planned
DATE_KINDS = {"starts_on": ("the start date", v.PLANNED), "signed_on": ("the date it was signed", v.HAPPENED),
              "review_due_on": ("the review date", v.PLANNED), "expires_on": ("the expiry date", v.PLANNED)}
EDITABLE = tuple(TEXT_FIELDS) + tuple(CHOICE_FIELDS) + BOOL_FIELDS + tuple(INT_FIELDS) + tuple(DECIMAL_FIELDS) + DATE_FIELDS + (
    "ulr_facilities", "employer_id", "clause_set")
AUDITED = EDITABLE + ("status", "branch_id")


def _check_version(agreement: Agreement, version: Optional[int]) -> None:
    if version is not None and int(version) != agreement.version:
        raise Conflict("This learning agreement was changed by someone else. Reload it and try again.")


def _clean(data: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for field, value in data.items():
        if field in TEXT_FIELDS:
            label, max_len, required = TEXT_FIELDS[field]
            if value is not None and not isinstance(value, str):
                errors[field] = [f"Enter {label} as text"]
                continue
            value = (value or "").strip() or None
            if value is None and required:
                errors[field] = [f"Enter {label}"]
            elif value and len(value) > max_len:
                errors[field] = [f"{label[0].upper()}{label[1:]} must be {max_len} characters or fewer"]
            elif value and "\x00" in value:
                errors[field] = ["Remove the NUL character"]
            elif value and field == "reference" and v.text_problem(value, multiline=False):
                errors[field] = [v.text_problem(value, multiline=False)]
            clean[field] = value
        elif field in CHOICE_FIELDS:
            if value in (None, "") and field == "partnership_meeting_frequency":
                clean[field] = None
            elif value not in CHOICE_FIELDS[field]:
                errors[field] = [f"Choose one of: {', '.join(CHOICE_FIELDS[field].values())}"]
            else:
                clean[field] = value
        elif field in BOOL_FIELDS:
            if not isinstance(value, bool):
                errors[field] = ["Answer yes or no"]
            else:
                clean[field] = value
        elif field in INT_FIELDS:
            if value in (None, ""):
                clean[field] = None
                continue
            low, high = INT_FIELDS[field]
            try:
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                number = int(str(value).strip())
                if not low <= number <= high:
                    raise ValueError
                clean[field] = number
            except (TypeError, ValueError):
                errors[field] = [f"Enter a whole number from {low} to {high}"]
        elif field in DECIMAL_FIELDS:
            if value in (None, ""):
                clean[field] = None
                continue
            low, high = DECIMAL_FIELDS[field]
            try:
                if isinstance(value, bool):
                    raise InvalidOperation
                number = Decimal(str(value).strip())
                if not number.is_finite() or not low <= number <= high:
                    raise InvalidOperation
                clean[field] = number.quantize(Decimal("0.1") if field == "coordinator_release_days" else Decimal("0.01"))
            except (InvalidOperation, ValueError):
                errors[field] = [f"Enter a number from {low} to {high}"]
        elif field in DATE_FIELDS:
            if value in (None, ""):
                clean[field] = None
                continue
            label, kind = DATE_KINDS[field]
            parsed = v.day(data, errors, field, label, kind=kind)
            if parsed is not None:
                clean[field] = parsed
        elif field == "ulr_facilities":
            items = list(value or [])
            if any(i not in FACILITIES for i in items):
                errors[field] = ["Choose facilities from the list"]
            else:
                clean[field] = [f for f in FACILITIES if f in items]
        elif field == "employer_id":
            try:
                clean[field] = int(value)
            except (TypeError, ValueError):
                errors[field] = ["Choose the employer"]
        elif field == "clause_set":
            clean[field] = (value or None) if isinstance(value, (str, type(None))) else None
    return clean


def _check_employer(branch_id: int, employer_id: Optional[int], errors: dict) -> None:
    if employer_id is None or "employer_id" in errors:
        return
    linked = db.session.scalar(select(func.count()).select_from(branch_employer).where(
        branch_employer.c.branch_id == branch_id, branch_employer.c.employer_id == employer_id))
    if not linked:
        errors["employer_id"] = ["Choose one of the employers this branch deals with"]


def _check_reference(branch_id: int, reference: Optional[str], existing_id: Optional[int], errors: dict) -> None:
    """The branch's own reference is unique within the branch (imports update by it)."""
    if not reference or "reference" in errors:
        return
    taken = db.session.scalar(select(Agreement.id).where(Agreement.branch_id == branch_id,
                                                         Agreement.reference == reference,
                                                         Agreement.id != (existing_id or -1)))
    if taken is not None:
        errors["reference"] = [f"Another learning agreement of this branch has the reference {reference} "
                               f"(agreement {taken}): enter a different one"]


def _check_whole(agreement_values: Mapping[str, Any], errors: dict) -> None:
    """Rules that need the whole agreement: dates, and what a signed one must have."""
    for field, message in rules.date_problems(**{f: agreement_values.get(f) for f in DATE_FIELDS}).items():
        errors.setdefault(field, [message])
    if agreement_values.get("status") in rules.IN_FORCE:
        for field, message in rules.signed_problems(
                signed_on=agreement_values.get("signed_on"), employer_signatory=agreement_values.get("employer_signatory"),
                union_signatory=agreement_values.get("union_signatory"),
                review_due_on=agreement_values.get("review_due_on")).items():
            errors.setdefault(field, [message])
    if agreement_values.get("whole_employer") is False and not agreement_values.get("services_covered"):
        errors.setdefault("services_covered", ["Name the services or directorates the agreement covers"])


def check_agreement(data: Mapping[str, Any], *, branch_id: int, existing: Optional[Agreement] = None,
                    status: Optional[str] = None) -> dict[str, Any]:
    """The checks :func:`create_agreement` (``existing`` None) or :func:`update_agreement` run, with the same
    messages, saving nothing: the clean fields, or ValidationFailed. ``status``: for a new agreement the status it
    is recorded at (default draft); for an existing one, the status it then moves to (the lifecycle's rules,
    as :func:`change_status`: a forbidden move is a Conflict). (An import's preview checks every row with it.)"""
    errors: dict[str, list[str]] = {}
    if status is not None and status not in STATUSES:
        raise ValidationFailed("Check the agreement details", {"status": ["Choose a status: " + ", ".join(STATUSES)]})
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: [("This field is not part of an agreement" if existing is None
                                                       else "This field cannot be changed here")] for f in sorted(unknown)})
    if existing is None:
        clean = _clean({"title": None, **dict(data)}, errors)
        if "employer_id" not in data:
            errors["employer_id"] = ["Choose the employer"]
        _check_employer(branch_id, clean.get("employer_id"), errors)
        _check_reference(branch_id, clean.get("reference"), None, errors)
        defaults = {c.key: c.default.arg for c in Agreement.__table__.columns
                    if c.default is not None and not callable(c.default.arg)}
        whole = {**defaults, **clean, "status": status or "draft"}
    else:
        clean = _clean(dict(data), errors)
        if "employer_id" in clean and clean["employer_id"] != existing.employer_id:
            _check_employer(existing.branch_id, clean["employer_id"], errors)
        if clean.get("reference") and clean["reference"] != existing.reference:
            _check_reference(existing.branch_id, clean["reference"], existing.id, errors)
        whole = {c.key: getattr(existing, c.key) for c in Agreement.__table__.columns} | clean
    _check_whole(whole, errors)
    if errors:
        raise ValidationFailed("Check the agreement details", errors)
    if existing is not None and status is not None:
        problems = rules.transition_problems(existing.status, status, signed_on=whole.get("signed_on"),
                                             employer_signatory=whole.get("employer_signatory"),
                                             union_signatory=whole.get("union_signatory"),
                                             review_due_on=whole.get("review_due_on"))
        if "status" in problems:
            raise Conflict(problems["status"], {"status": [problems["status"]]})
        if problems:
            raise ValidationFailed("Before it can be marked " + STATUSES[status].lower() + ", record: "
                                   + "; ".join(problems.values()), {k: [m] for k, m in problems.items()})
    return clean


def create_agreement(data: Mapping[str, Any], *, branch: Branch, status: str = "draft") -> Agreement:
    """A new agreement: a draft, or (imports of agreements made before the app: ``status``) one recorded at
    any status, which must then have what that status needs (signed: the date, both signatories, the review)."""
    clean = check_agreement(data, branch_id=branch.id, status=status)
    agreement = Agreement(branch_id=branch.id, status=status, ulr_facilities=[])
    for field, value in clean.items():
        setattr(agreement, field, value)
    agreement.last_activity_at = utcnow()
    db.session.add(agreement)
    db.session.flush()
    audit.record(db.session, "create", agreement, summary=f"Created learning agreement '{agreement.title}'",
                 changes=audit.snapshot(agreement, AUDITED))
    timeline.add(db.session, agreement, "created", "Agreement created as a draft" if status == "draft"
                 else f"Agreement recorded as {STATUSES[status].lower()}")
    return agreement


def update_agreement(agreement: Agreement, data: Mapping[str, Any], *, version: Optional[int] = None) -> dict:
    _check_version(agreement, version)
    clean = check_agreement(data, branch_id=agreement.branch_id, existing=agreement)
    changes = audit.apply_changes(agreement, clean, EDITABLE)
    if changes:
        if "employer_id" in changes:  # named schools belong to the old employer
            agreement.named_schools.clear()
        agreement.last_activity_at = utcnow()
        db.session.flush()
        audit.record(db.session, "update", agreement, summary=f"Changed learning agreement '{agreement.title}'", changes=changes)
        timeline.add(db.session, agreement, "edited", timeline.changed_text(changes))
    return changes


def change_status(agreement: Agreement, target: str, *, version: Optional[int] = None, note: str = "") -> None:
    _check_version(agreement, version)
    if target not in STATUSES:
        raise ValidationFailed("Check the status", {"status": ["Choose a status"]})
    problems = rules.transition_problems(agreement.status, target, signed_on=agreement.signed_on,
                                         employer_signatory=agreement.employer_signatory,
                                         union_signatory=agreement.union_signatory, review_due_on=agreement.review_due_on)
    if "status" in problems:
        raise Conflict(problems["status"], {"status": [problems["status"]]})
    if problems:
        raise ValidationFailed("Before it can be marked " + STATUSES[target].lower() + ", record: "
                               + "; ".join(problems.values()), {k: [v] for k, v in problems.items()})
    if target == agreement.status:
        return
    old = agreement.status
    agreement.status = target
    agreement.last_activity_at = utcnow()
    db.session.flush()
    audit.record(db.session, "update", agreement, summary=f"'{agreement.title}' is now {STATUSES[target].lower()}",
                 changes={"status": (old, target)})
    text = f"Status changed from {STATUSES[old].lower()} to {STATUSES[target].lower()}"
    timeline.add(db.session, agreement, "status_changed", text + (f": {note.strip()}" if note and note.strip() else ""))


def set_named_schools(agreement: Agreement, included: Iterable[int], excluded: Iterable[int]) -> dict:
    included, excluded = {int(i) for i in included}, {int(i) for i in excluded}
    errors: dict[str, list[str]] = {}
    if included & excluded:
        errors["schools"] = ["A school cannot be both named in and named out"]
    wanted = included | excluded
    found = set(db.session.scalars(select(Workplace.id).where(Workplace.id.in_(wanted), Workplace.kind == "school",
                                                               Workplace.employer_id.in_(_employer_and_branch_employers(agreement)))))
    if wanted - found:
        errors["schools"] = ["Choose schools of this employer (or of employers the branch deals with)"]
    if errors:
        raise ValidationFailed("Check the named schools", errors)
    before = {s.workplace_id: s.inclusion for s in agreement.named_schools}
    after = {i: "in" for i in included} | {i: "out" for i in excluded}
    if before == after:
        return {}
    agreement.named_schools.clear()
    db.session.flush()
    for workplace_id, inclusion in sorted(after.items()):
        agreement.named_schools.append(AgreementSchool(workplace_id=workplace_id, inclusion=inclusion))
    agreement.last_activity_at = utcnow()
    db.session.flush()
    changes = {"named_schools": (sorted(before.items()), sorted(after.items()))}
    audit.record(db.session, "update", agreement, summary=f"Changed the schools named in '{agreement.title}'", changes=changes)
    timeline.add(db.session, agreement, "edited", f"Named schools: {len(included)} in, {len(excluded)} out")
    return changes


def _employer_and_branch_employers(agreement: Agreement):
    return select(branch_employer.c.employer_id).where(branch_employer.c.branch_id == agreement.branch_id)


def set_ulr_places(agreement: Agreement, places: Iterable[tuple[str, Any]]) -> None:
    rows, errors = [], {}
    for service, n in places:
        service = (service or "").strip()
        if not service and n in (None, ""):
            continue
        try:
            n = int(n)
            if not 0 < n <= 100:
                raise ValueError
        except (TypeError, ValueError):
            errors["ulr_places_by_service"] = [f"Enter the number of ULR places for {service or 'each service'} (1 to 100)"]
            continue
        if not service or len(service) > 120:
            errors["ulr_places_by_service"] = ["Name each service or directorate (up to 120 characters)"]
            continue
        rows.append((service, n))
    if len({s.lower() for s, _ in rows}) != len(rows):
        errors["ulr_places_by_service"] = ["Name each service only once"]
    if errors:
        raise ValidationFailed("Check the ULR places", errors)
    before = [(p.service, p.places) for p in agreement.ulr_places_by_service]
    if before == rows:
        return
    agreement.ulr_places_by_service.clear()
    db.session.flush()
    for service, n in rows:
        agreement.ulr_places_by_service.append(AgreementUlrPlace(service=service, places=n))
    agreement.last_activity_at = utcnow()
    db.session.flush()
    audit.record(db.session, "update", agreement, summary=f"Changed ULR places in '{agreement.title}'",
                 changes={"ulr_places_by_service": (before, rows)})


def set_learner_time(agreement: Agreement, by_course: Mapping[str, str]) -> None:
    errors = {}
    clean = {}
    for category, arrangement in by_course.items():
        if category not in COURSE_CATEGORIES or arrangement not in LEARNER_TIME:
            errors["learner_time_by_course"] = ["Choose an arrangement for each course type from the list"]
        elif arrangement != "not_stated":
            clean[category] = arrangement
    if errors:
        raise ValidationFailed("Check learners' time", errors)
    before = {r.course_category: r.arrangement for r in agreement.learner_time_by_course}
    if before == clean:
        return
    agreement.learner_time_by_course.clear()
    db.session.flush()
    for category in COURSE_CATEGORIES:
        if category in clean:
            agreement.learner_time_by_course.append(AgreementLearnerTime(course_category=category, arrangement=clean[category]))
    agreement.last_activity_at = utcnow()
    db.session.flush()
    audit.record(db.session, "update", agreement, summary=f"Changed learners' time in '{agreement.title}'",
                 changes={"learner_time_by_course": (before, clean)})


# --- documents --------------------------------------------------------------------------

def documents_folder() -> Path:
    return Path(current_app.instance_path) / "agreements"


def _store(agreement: Agreement, kind: str, content: bytes, *, original_name: Optional[str] = None,
           clause_set: Optional[str] = None, flagged: Optional[list] = None) -> AgreementDocument:
    digest = hashlib.sha256(content).hexdigest()
    number = (db.session.scalar(select(func.max(AgreementDocument.number)).where(
        AgreementDocument.agreement_id == agreement.id, AgreementDocument.kind == kind)) or 0) + 1
    relative = Path("agreements") / str(agreement.id) / f"{kind}-{number}-{digest[:12]}.pdf"
    target = Path(current_app.instance_path) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_on_rollback(target)  # a failure from here on (or a later one in the request) leaves no file behind
    target.write_bytes(content)
    from flask_login import current_user

    document = Doc(agreement_id=agreement.id, kind=kind, number=number, sha256=digest, stored_as=str(relative),
                   original_name=original_name, size_bytes=len(content), clause_set=clause_set, flagged_clauses=flagged,
                   created_by_id=getattr(current_user, "id", None) if current_user and current_user.is_authenticated else None)
    db.session.add(document)
    agreement.last_activity_at = utcnow()
    db.session.flush()
    return document


def record_generated(agreement: Agreement, pdf: bytes, *, clause_set: str, flagged: list,
                     set_version: Optional[str] = None) -> AgreementDocument:
    """Store a generated PDF with the clause set's version and the agreement's status (after signing
    it is a copy, not a draft)."""
    document = _store(agreement, "generated", pdf, clause_set=clause_set, flagged=flagged)
    document.clause_set_version = set_version
    document.agreement_status = agreement.status
    word = "copy" if agreement.status == "signed" else "draft"
    if agreement.clause_set != clause_set:
        agreement.clause_set = clause_set
    audit.record(db.session, "create", document, summary=f"Generated {word} {document.number} of '{agreement.title}'",
                 changes={"sha256": (None, document.sha256)})
    timeline.add(db.session, agreement, "document_generated",
                 ("Copy" if word == "copy" else "Draft document") + f" {document.number} generated from {clause_set}"
                 + (f", version {set_version}" if set_version else "")
                 + (f" ({len(flagged)} items still to agree)" if flagged else ""))
    return document


def max_upload_bytes() -> int:
    return int(current_app.config.get("AGREEMENT_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def upload_signed(agreement: Agreement, content: bytes, filename: str) -> AgreementDocument:
    problem = v.upload_name_problem(filename or "signed.pdf")
    if problem:
        raise ValidationFailed("Check the file", {"signed_copy": [problem]})
    name = Path(filename or "signed.pdf").name[:200]
    if not content:
        raise ValidationFailed("Check the file", {"signed_copy": ["The selected file is empty"]})
    if len(content) > max_upload_bytes():
        raise ValidationFailed("Check the file", {"signed_copy": [f"The file must be smaller than {max_upload_bytes() // (1024 * 1024)} MB"]})
    if not content.startswith(b"%PDF-"):
        raise ValidationFailed("Check the file", {"signed_copy": ["The selected file must be a PDF"]})
    document = _store(agreement, "signed", content, original_name=name)
    audit.record(db.session, "create", document, summary=f"Uploaded the signed copy of '{agreement.title}'",
                 changes={"sha256": (None, document.sha256), "original_name": (None, name)})
    timeline.add(db.session, agreement, "document_uploaded", f"Signed copy uploaded ({name})")
    return document


def document_path(document: AgreementDocument) -> Path:
    path = (Path(current_app.instance_path) / document.stored_as).resolve()
    root = (Path(current_app.instance_path) / "agreements").resolve()
    if root not in path.parents:
        raise FileNotFoundError(document.stored_as)
    return path


