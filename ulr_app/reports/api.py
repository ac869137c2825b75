"""API routes (registered on the shared api blueprint): the five reports of the contract, each
answering the same figures as the pages (ulr_app/reports/figures.py).

Who may ask: funding (admins, organisers, convenors: a ULR sees no projects) and equality
(admins, organisers, convenors: special-category data) answer 403 to ULRs; schools coverage,
time off and the Go Award are open to every role, counted over what the user may see (a ULR:
their own branch, their own requests and caseload). Unknown query parameters answer 400; a
malformed period, id or date, or ``from`` after ``to``, 422 naming the field; a project,
employer, region or branch out of scope 404.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask import current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..api.common import BadRequest, RecordNotFound, api_route, parse_date, parse_int
from ..core.errors import ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR, REGIONAL_ORGANISER, visible
from ..core.validation import MAX_ID
from ..extensions import db
from ..funding.models import Project
from ..funding.queries import project_visible
from ..organisation.models import Employer
from . import figures

READERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)

# --- answer schemas (for the OpenAPI document) ----------------------------------------------

_INT = {"type": "integer"}
_PCT = {"type": ["number", "null"], "description": "Percent, one decimal; null where it cannot be worked out"}
_COUNTS = {"type": "object", "additionalProperties": _INT}
_RATE = {"type": "object", "properties": {"decided": _INT, "refused": _INT, "rate_pct": _PCT}}
_MONEY = {"type": ["string", "null"], "description": "Money, with two decimals"}
_SHOWN = {"type": ["integer", "string"], "description": "A count, or \"<5\" / \"c\" where suppressed"}

FUNDING_SCHEMA = {
    "type": "object", "required": ["project_id", "period", "measures", "needs_explanation"],
    "properties": {
        "project_id": _INT, "period": {"type": "string"}, "period_label": {"type": "string"}, "threshold": {"type": "number"},
        "measures": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "label": {"type": "string"}, "target": {"type": ["integer", "null"]},
            "actual": _INT, "variance_pct": _PCT, "cumulative_target": {"type": ["integer", "null"]},
            "cumulative_actual": _INT, "cumulative_variance_pct": _PCT, "needs_explanation": {"type": "boolean"}}}},
        "needs_explanation": {"type": "array", "items": {"type": "string"}},
        "outcomes": {"type": "object"},
        "spend": {"type": "object", "properties": {"budget": _MONEY, "actual": _MONEY, "variance_pct": _PCT,
                                                   "cumulative_budget": _MONEY, "cumulative_actual": _MONEY,
                                                   "cumulative_variance_pct": _PCT,
                                                   "needs_explanation": {"type": "boolean"}}},
    }}
COVERAGE_SCHEMA = {
    "type": "object",
    "required": ["agreements", "schools", "schools_covered", "schools_with_ulr", "school_based_ulrs",
                 "learners_from_schools", "time_off"],
    "properties": {
        "as_of": {"type": "string", "format": "date"},
        "agreements": {"type": "object", "properties": {k: _INT for k in (
            "included", "excluded", "silent", "silent_without_school_activity")}},
        "schools": _INT, "schools_covered": _INT, "schools_with_ulr": _INT, "school_based_ulrs": _INT,
        "learners_from_schools": _COUNTS,
        "time_off": {"type": "object", "properties": {k: {"type": "object", "properties": {
            "requests": _INT, "refused": _INT}} for k in ("school", "other")}},
    }}
TIME_OFF_SCHEMA = {
    "type": "object",
    "required": ["by_kind", "by_purpose", "by_status", "by_refusal_reason", "refusal_rate_by_employer",
                 "refusal_rate_by_workplace_kind", "open_refusals"],
    "properties": {
        "by_kind": _COUNTS, "by_purpose": _COUNTS, "by_status": _COUNTS, "by_refusal_reason": _COUNTS,
        "refusal_rate_by_employer": {"type": "array", "items": {"type": "object", "properties": {
            "employer_id": _INT, "employer_name": {"type": "string"}, **_RATE["properties"]}}},
        "refusal_rate_by_workplace_kind": {"type": "object", "properties": {k: _RATE for k in ("school", "service", "other")}},
        "notice": {"type": "object", "properties": {"given_ok": _INT, "short": _INT, "unknown": _INT}},
        "open_refusals": {"type": "array", "items": {"type": "object", "properties": {
            "id": _INT, "tribunal_deadline": {"type": "string", "format": "date"}}}},
    }}
_SUBJECT = {"type": "object", "properties": {"assessed": _INT, "needs_identified": _INT, "enrolled": _INT, "achieved": _INT,
                                             "by_level": {"type": "object", "additionalProperties": {
                                                 "type": "object", "properties": {"enrolled": _INT, "achieved": _INT}}}}}
_SIDE = {"type": "object", "properties": {s: _SUBJECT for s in figures.GO_AWARD_SUBJECTS}}
GO_AWARD_SCHEMA = {
    "type": "object", "required": ["employer_id", "standards", "skills_for_life", "learning_hours", "partnership"],
    "properties": {
        "employer_id": _INT,
        "standards": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "string", "enum": ["not_started", "in_progress", "met"]}, "evidence_count": _INT}}},
        "skills_for_life": {"type": "object", "properties": {"school": _SIDE, "rest": _SIDE}},
        "learning_hours": {"type": "object", "properties": {"paid": {"type": "number"}, "matched": {"type": "number"}}},
        "partnership": {"type": "object", "properties": {"agreement_status": {"type": ["string", "null"]},
                                                         "ulrs_active": _INT}},
    }}
EQUALITY_SCHEMA = {
    "type": "object", "required": ["total", "by"],
    "properties": {"total": _SHOWN, "threshold": _INT,
                   "by": {"type": "object", "properties": {d: {"type": "object", "additionalProperties": _SHOWN}
                                                           for d in figures.EQUALITY_DIMENSIONS}}}}

SCOPE_TEXT = ("Query: region_id or branch_id (default: your own region or branch; a branch convenor or ULR may only "
              "ask for their branch).")


# --- query parameters ---------------------------------------------------------------------

def _params(allowed: dict[str, str]) -> dict[str, Any]:
    """The query string: kinds id | date | text. Unknown or repeated parameters 400; bad values 422."""
    unknown = sorted(k for k in request.args if k not in allowed)
    if unknown:
        raise BadRequest(f"Unknown query parameter: {', '.join(unknown)}; this report accepts {', '.join(sorted(allowed))}",
                         {k: ["Unknown query parameter"] for k in unknown})
    repeated = sorted(k for k in request.args if len(request.args.getlist(k)) > 1)
    if repeated:
        raise BadRequest("Give each query parameter once", {k: ["Give this parameter once"] for k in repeated})
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, kind in allowed.items():
        raw = request.args.get(name)
        if raw is None or raw == "":
            values[name] = None
            continue
        try:
            if kind == "id":
                values[name] = parse_int(raw, minimum=1, maximum=MAX_ID)
            elif kind == "date":
                values[name] = parse_date(raw)
            else:
                if "\x00" in raw or len(raw) > 40:
                    raise ValueError
                values[name] = raw
        except ValueError:
            errors[name] = [f"{name} must be a whole number, 1 or more" if kind == "id"
                            else f"{name} must be a real date as YYYY-MM-DD" if kind == "date" else f"{name} is not valid"]
    if errors:
        raise ValidationFailed("Check the query parameters: " + ", ".join(sorted(errors)), errors)
    return values


def _range(values: dict[str, Any], *, required: bool) -> tuple[Optional[date], Optional[date]]:
    start, end = values.get("from"), values.get("to")
    errors: dict[str, list[str]] = {}
    if required:
        for name in ("from", "to"):
            if values.get(name) is None:
                errors[name] = [f"Give {name} as a date, YYYY-MM-DD"]
    if start and end and start > end:
        errors["to"] = ["to must be on or after from"]
    if errors:
        raise ValidationFailed("Give the dates of the report: from on or before to", errors)
    return start, end


def _scope(values: dict[str, Any]) -> tuple[Optional[int], Optional[int]]:
    try:
        return figures.scope_of(current_user, values.get("region_id"), values.get("branch_id"))
    except NotFound:
        raise RecordNotFound("There is no region or branch with that id that you can report on.") from None


# --- the reports --------------------------------------------------------------------------

@api_route("/reports/funding", "GET", summary="The quarterly funding return of a project", roles=READERS,
           description="Query: project_id (required), period (a quarter like FY2026-Q1, one of the project's).",
           responses={404: "No such project that you can see", 422: "A bad or missing project_id or period"},
           response_schema=FUNDING_SCHEMA)
def report_funding() -> Any:
    values = _params({"project_id": "id", "period": "text"})
    if values["project_id"] is None:
        raise ValidationFailed("Give the project_id", {"project_id": ["Give the id of the project"]})
    period = figures.parse_period(values["period"])
    if period is None:
        problem = "Give the period as a quarter like FY2026-Q1 (April to June 2026)"
        raise ValidationFailed(problem, {"period": [problem]})
    project = db.session.get(Project, values["project_id"])
    if project is None or not project_visible(current_user, project):
        raise RecordNotFound(f"There is no funding project with id {values['project_id']} that you can see.")
    return jsonify(figures.funding_return(project, period, current_user))


@api_route("/reports/schools-coverage", "GET", summary="Schools coverage as of a date",
           description=SCOPE_TEXT + " as_of: a date (default today).",
           responses={404: "No such region or branch that you can report on", 422: "A bad id or date"},
           response_schema=COVERAGE_SCHEMA)
def report_schools_coverage() -> Any:
    values = _params({"region_id": "id", "branch_id": "id", "as_of": "date"})
    region_id, branch_id = _scope(values)
    return jsonify(figures.schools_coverage(current_user, region_id=region_id, branch_id=branch_id,
                                            as_of=values["as_of"] or date.today()))


@api_route("/reports/time-off", "GET", summary="Time-off monitoring: requests made in a date range",
           description=SCOPE_TEXT + " from, to: the range of requested_on (required).",
           responses={404: "No such region or branch that you can report on", 422: "A bad id or date, or from after to"},
           response_schema=TIME_OFF_SCHEMA)
def report_time_off() -> Any:
    values = _params({"region_id": "id", "branch_id": "id", "from": "date", "to": "date"})
    start, end = _range(values, required=True)
    region_id, branch_id = _scope(values)
    return jsonify(figures.time_off(current_user, region_id=region_id, branch_id=branch_id, start=start, end=end))


@api_route("/reports/go-award", "GET", summary="The Go Award evidence pack of an employer",
           description="Query: employer_id (required); from, to (optional dates).",
           responses={404: "No such employer that you can see", 422: "A bad id or date, or from after to"},
           response_schema=GO_AWARD_SCHEMA)
def report_go_award() -> Any:
    values = _params({"employer_id": "id", "from": "date", "to": "date"})
    if values["employer_id"] is None:
        raise ValidationFailed("Give the employer_id", {"employer_id": ["Give the id of the employer"]})
    start, end = _range(values, required=False)
    employer = db.session.scalars(visible(select(Employer).where(Employer.id == values["employer_id"]),
                                          current_user)).first()
    if employer is None:
        raise RecordNotFound(f"There is no employer with id {values['employer_id']} that you can see.")
    return jsonify(figures.go_award(current_user, employer, start=start, end=end))


@api_route("/reports/equality", "GET", summary="Equality monitoring of learners, small counts suppressed", roles=READERS,
           description=SCOPE_TEXT + " from, to: learners with an enrolment started in the range (required).",
           responses={404: "No such region or branch that you can report on", 422: "A bad id or date, or from after to"},
           response_schema=EQUALITY_SCHEMA)
def report_equality() -> Any:
    values = _params({"region_id": "id", "branch_id": "id", "from": "date", "to": "date"})
    start, end = _range(values, required=True)
    region_id, branch_id = _scope(values)
    threshold = int(current_app.config.get("SUPPRESSION_THRESHOLD") or 5)
    return jsonify(figures.equality(current_user, region_id=region_id, branch_id=branch_id, start=start, end=end,
                                    threshold=threshold))
