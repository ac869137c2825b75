"""The only code that changes time-off requests. Flushes, never commits."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Mapping, Optional

from sqlalchemy import func, select

from ..core import audit, hooks, timeline
from ..core import validation as v
from ..core.errors import Conflict, ValidationFailed
from ..extensions import db
from ..organisation.models import Branch, Workplace, branch_employer
from ..reps.models import Rep
from .models import DECISIONS, KIND_PURPOSES, KINDS, PURPOSES, REFUSAL_REASONS, STATUSES, TimeOffRequest

FIELDS = ("kind", "rep_id", "learner_id", "workplace_id", "purpose", "starts_at", "duration_hours", "location", "reason",
          "course", "requested_on", "paid_requested")
DECISION_FIELDS = ("status", "decided_on", "paid", "hours_granted", "refusal_reason", "refusal_details")
ACAS_FIELDS = ("acas_ec_started_on", "acas_ec_certificate_on", "tribunal_claim_on")
AUDITED = FIELDS + DECISION_FIELDS + ACAS_FIELDS + ("case_id",)


def _check_version(request: TimeOffRequest, version: Optional[int]) -> None:
    if version is not None and int(version) != request.version:
        raise Conflict("This time-off request was changed by someone else. Reload it and try again.")


#: the one answer for a learner the user cannot name: missing, of another branch and outside a ULR's caseload
#: read the same, so the answer never tells that a record exists
UNSEEN_LEARNER = "Choose one of your learners: there is no learner with that id that you can see"


class LearnerNotFound(ValidationFailed):
    """The request names a learner the user cannot see (a ULR: outside their caseload). A page shows it on
    the learner field; the API answers 404, as for any record outside the user's scope."""


def _clean(data: Mapping[str, Any], branch_id: int, existing: Optional[TimeOffRequest], user: Any = None) -> dict:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field cannot be set here"] for f in sorted(unknown)})
    m = {f: getattr(existing, f) for f in FIELDS} if existing else {}
    m.update(data)
    c: dict[str, Any] = {
        "kind": v.choice(m, errors, "kind", KINDS, "Choose what the time off is for"),
        "purpose": v.choice(m, errors, "purpose", PURPOSES, "Choose the purpose"),
        "rep_id": v.ident(m, errors, "rep_id", "Choose the ULR", required=False),
        "learner_id": v.ident(m, errors, "learner_id", "Choose the learner", required=False),
        "workplace_id": v.ident(m, errors, "workplace_id", "Choose the workplace"),
        "starts_at": v.moment(m, errors, "starts_at", "when it starts", required=True, kind=v.LEARNING_PLANNED),
        "duration_hours": v.number(m, errors, "duration_hours", "how many hours", Decimal("0.25"), Decimal("200"), required=True),
        "location": v.text(m, errors, "location", "where it takes place", 200, required=True),
        "reason": v.text(m, errors, "reason", "the reason", 5000),
        "course": v.text(m, errors, "course", "the course", 200),
        "requested_on": v.day(m, errors, "requested_on", "the date of the request", kind=v.LEARNING_HAPPENED),
        "paid_requested": v.flag(m, errors, "paid_requested"),
    }
    if c["kind"] and c["purpose"] and c["purpose"] not in KIND_PURPOSES[c["kind"]]:
        errors["purpose"] = ["Choose a purpose that fits: " + ", ".join(PURPOSES[p].lower() for p in KIND_PURPOSES[c["kind"]])]
    if c["kind"] in ("ulr_duties", "ulr_training", "member_access") and not c["rep_id"] and "rep_id" not in errors:
        errors["rep_id"] = ["Choose the ULR" if c["kind"] != "member_access" else "Choose the ULR the member will see"]
    if c["kind"] == "ulr_training" and not c["course"]:
        errors.setdefault("course", ["Enter the training course"])
    if c["kind"] == "learner_release" and not c["course"]:
        errors.setdefault("course", ["Enter the course the learner will attend"])
    if c["rep_id"] and "rep_id" not in errors:
        rep = db.session.get(Rep, c["rep_id"])
        if rep is None or rep.branch_id != branch_id:
            errors["rep_id"] = ["Choose a ULR of this branch"]
    if c["learner_id"] and "learner_id" not in errors and "learner_id" in data and (
            existing is None or c["learner_id"] != existing.learner_id):
        in_branch = hooks.first("timeoff.learner_in_branch", c["learner_id"], branch_id, default=False)
        if user is not None and getattr(user, "is_authenticated", False):
            found = hooks.first("timeoff.learner", c["learner_id"], user, default=None) if in_branch else None
            if found is None or not found.get("visible"):
                errors["learner_id"] = [UNSEEN_LEARNER]
        elif not in_branch:
            errors["learner_id"] = ["Choose a learner of this branch"]
    if c["workplace_id"] and "workplace_id" not in errors:
        ok = db.session.scalar(select(func.count()).select_from(Workplace).join(
            branch_employer, branch_employer.c.employer_id == Workplace.employer_id).where(
            Workplace.id == c["workplace_id"], branch_employer.c.branch_id == branch_id))
        if not ok:
            errors["workplace_id"] = ["Choose a workplace of an employer this branch deals with"]
    if errors:
        unseen = errors.get("learner_id") == [UNSEEN_LEARNER]
        raise (LearnerNotFound if unseen else ValidationFailed)("Check the request", errors)
    return {f: c[f] for f in FIELDS if f in data or existing is None}


def create_request(data: Mapping[str, Any], *, branch: Branch, created_by=None) -> TimeOffRequest:
    clean = _clean(data, branch.id, None, created_by)
    request = TimeOffRequest(branch_id=branch.id, status="draft", created_by_id=getattr(created_by, "id", None), **clean)
    db.session.add(request)
    db.session.flush()
    audit.record(db.session, "create", request, summary=f"Recorded a time-off request ({KINDS[request.kind].lower()})",
                 changes=audit.snapshot(request, AUDITED))
    timeline.add(db.session, request, "created", "Request recorded as a draft")
    return request


def update_request(request: TimeOffRequest, data: Mapping[str, Any], *, version: Optional[int] = None,
                   user: Any = None) -> dict:
    """Change a draft or submitted request; ``user`` (who changes it) may name only a learner they can see."""
    _check_version(request, version)
    if request.status not in ("draft", "submitted"):
        raise Conflict("A request the employer has decided cannot be changed; record the decision or the Acas dates instead.")
    clean = _clean(data, request.branch_id, request, user)
    changes = audit.apply_changes(request, clean, FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", request, summary="Changed a time-off request", changes=changes)
        timeline.add(db.session, request, "edited", timeline.changed_text(changes))
    return changes


def submit(request: TimeOffRequest, *, requested_on: Optional[date] = None, version: Optional[int] = None) -> None:
    _check_version(request, version)
    if request.status != "draft":
        raise Conflict("Only a draft request can be sent to the employer.")
    on = requested_on or request.requested_on or date.today()
    date_errors: dict[str, list[str]] = {}
    v.check_date(date_errors, "requested_on", on, v.LEARNING_HAPPENED)
    if date_errors:
        raise ValidationFailed("Check the request", date_errors)
    old = (request.status, request.requested_on)
    request.status, request.requested_on = "submitted", on
    db.session.flush()
    audit.record(db.session, "update", request, summary="Time-off request sent to the employer",
                 changes={"status": (old[0], "submitted"), "requested_on": (old[1], on)})
    timeline.add(db.session, request, "status_changed", f"Sent to the employer on {v.format_date(on)}")


def record_decision(request: TimeOffRequest, data: Mapping[str, Any], *, version: Optional[int] = None) -> dict:
    """The employer's answer: granted / partly granted / refused, or the request withdrawn."""
    _check_version(request, version)
    errors: dict[str, list[str]] = {}
    status = v.choice(data, errors, "status", {k: STATUSES[k] for k in DECISIONS}, "Choose the employer's decision")
    decided_on = v.day(data, errors, "decided_on", "the date of the decision", required=True, kind=v.LEARNING_HAPPENED)
    paid = v.flag(data, errors, "paid")
    hours = v.number(data, errors, "hours_granted", "the hours granted", Decimal("0"), Decimal("200"))
    reason = v.choice(data, errors, "refusal_reason", REFUSAL_REASONS, "Choose the reason the employer gave", required=False)
    details = v.text(data, errors, "refusal_details", "the details", 5000)
    if request.status not in ("draft", "submitted") and request.status != status:
        raise Conflict(f"This request is already {STATUSES[request.status].lower()}; it cannot be decided again.")
    if status in ("refused", "partly_granted") and not reason and "refusal_reason" not in errors:
        errors["refusal_reason"] = ["Choose the reason the employer gave for refusing"]
    if status == "partly_granted":
        if hours is None and "hours_granted" not in errors:
            errors["hours_granted"] = ["Enter how many hours were granted"]
        elif hours is not None and not (0 < hours < request.duration_hours):
            errors["hours_granted"] = [f"Partly granted means more than 0 and fewer than {request.duration_hours} hours"]
    if status in ("granted", "partly_granted") and paid is None and "paid" not in errors:
        errors["paid"] = ["Say whether the time off is paid"]
    if decided_on and "decided_on" not in errors:
        if request.requested_on and decided_on < request.requested_on:
            errors.setdefault("decided_on", ["The decision cannot be before the request"])
    if errors:
        raise ValidationFailed("Check the decision", errors)
    values = {"status": status, "decided_on": decided_on,
              "paid": paid if status in ("granted", "partly_granted") else (False if status == "refused" else None),
              "hours_granted": hours if status == "partly_granted" else None,
              "refusal_reason": reason if status in ("refused", "partly_granted") else None,
              "refusal_details": details}
    changes = audit.apply_changes(request, values, DECISION_FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", request, summary=f"Employer's decision recorded: {STATUSES[status].lower()}",
                     changes=changes)
        timeline.add(db.session, request, "decision", f"{STATUSES[status]} on {v.format_date(decided_on)}"
                     + (f" ({REFUSAL_REASONS[reason].lower()})" if reason else ""))
    return changes


def record_acas(request: TimeOffRequest, data: Mapping[str, Any], *, version: Optional[int] = None) -> dict:
    _check_version(request, version)
    errors: dict[str, list[str]] = {}
    values = {
        "acas_ec_started_on": v.day(data, errors, "acas_ec_started_on", "the day early conciliation started",
                                    kind=v.LEARNING_HAPPENED),
        "acas_ec_certificate_on": v.day(data, errors, "acas_ec_certificate_on", "the certificate date",
                                        kind=v.LEARNING_HAPPENED),
        "tribunal_claim_on": v.day(data, errors, "tribunal_claim_on", "the day the claim was presented",
                                   kind=v.LEARNING_HAPPENED),
    }
    if request.status not in ("refused", "partly_granted"):
        raise Conflict("Acas and tribunal dates are for refused (or partly refused) requests.")
    if values["acas_ec_certificate_on"] and not values["acas_ec_started_on"]:
        errors.setdefault("acas_ec_started_on", ["Enter when early conciliation started"])
    if values["acas_ec_started_on"] and values["acas_ec_certificate_on"] and values["acas_ec_certificate_on"] < values["acas_ec_started_on"]:
        errors.setdefault("acas_ec_certificate_on", ["The certificate cannot be before early conciliation started"])
    if values["acas_ec_started_on"] and request.decided_on and values["acas_ec_started_on"] < request.decided_on:
        errors.setdefault("acas_ec_started_on", ["Early conciliation cannot start before the refusal"])
    if errors:
        raise ValidationFailed("Check the dates", errors)
    changes = audit.apply_changes(request, {k: val for k, val in values.items() if k in data}, ACAS_FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", request, summary="Acas / tribunal dates recorded", changes=changes)
        words = {"acas_ec_started_on": "Acas early conciliation started", "acas_ec_certificate_on": "early conciliation "
                 "certificate issued", "tribunal_claim_on": "tribunal claim presented"}
        text = "; ".join(f"{words[f]} on {v.format_date(new)}" if new else f"{words[f]}: date removed"
                         for f, (_old, new) in changes.items())
        timeline.add(db.session, request, "acas", text[0].upper() + text[1:])
    return changes


def link_case(request: TimeOffRequest, case_id: int) -> None:
    """Kept ready for the cases issue: a refusal's time_off_dispute case."""
    old = request.case_id
    request.case_id = case_id
    db.session.flush()
    audit.record(db.session, "update", request, summary="Linked a dispute case", changes={"case_id": (old, case_id)})
