"""API: programmes, projects and their profiles (targets and spend), through the same queries and
services as the pages.

Programmes are read by administrators, regional organisers and branch convenors, and changed by
administrators (built-in ones keep their code). Projects: organisers read and write their region's,
convenors read their branch's, administrators everything; ULRs see none (403). A project outside the
caller's scope answers 404.

``PUT /api/v1/projects/<id>/targets`` replaces the whole profile of targets with a list of
``{"period", "measure", "target"}`` rows; a bad row answers 422 naming every problem (keys like
``[2].target``) and nothing is saved. Once the project's first quarter has started, changing an
existing profile is a re-profile: send ``{"targets": [...], "reason": "..."}`` instead of the bare list
(422 on ``reason`` otherwise). ``/spend`` works the same way with ``{"period", "budget", "actual"}``.

Programmes have no version column, so their ``version`` is worked out from the audit trail: 1 plus the
number of recorded changes (what the column would hold).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from flask import request
from flask_login import current_user
from sqlalchemy import func, select

from ..api.common import (
    BadRequest,
    Field,
    Id,
    Resource,
    api_route,
    change,
    envelope,
    get_or_404,
    list_response,
    pagination,
    parse_body,
    plain,
    query_filters,
    resource,
)
from ..core.audit_models import AuditEntry
from ..core.errors import NotAllowed, ValidationFailed
from ..core.permissions import ADMIN, visible
from ..extensions import db
from . import queries, services
from .models import MEASURES, Programme, Project

READERS = queries.READERS
EDITORS = queries.EDITORS
VERSION = Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1)


def _actor() -> Any:
    return current_user._get_current_object()


# --- programmes ----------------------------------------------------------------------------

PROGRAMMES = resource(Resource(
    name="programmes", title="Programme", label="funding programme", model=Programme,
    fields={
        "id": Id(),
        "version": VERSION,
        "code": Field("string", "Lowercase letters, digits and underscores; unique. Built-in programmes (ulf, "
                                "go_award) keep theirs.", max_length=40, writable=True, required=True),
        "name": Field("string", max_length=200, writable=True, required=True),
        "measures": Field("array", "The measure codes the funder counts (at least one): "
                                   + ", ".join(MEASURES) + ".", items="string", writable=True, required=True),
        "variance_threshold": Field("number", "Percent, 0 to 100 (default 20): a return whose variance is "
                                              "further from 0 needs a written explanation.", writable=True),
        "description": Field("string", nullable=True, max_length=5000, writable=True),
        "built_in": Field("boolean", "Shipped with the app: cannot be deleted, its code cannot change."),
        "active": Field("boolean", "false: kept for its projects' history, not offered for new projects.",
                        writable=True),
    },
    filters={"active": Field("boolean", "true: only programmes in use; false: only those no longer in use.")},
    description="A funder's scheme: its measures and its variance threshold.",
))
PROGRAMME_COLUMNS = tuple(k for k in PROGRAMMES.fields if k != "version")


def _programme_versions(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(select(AuditEntry.object_id, func.count()).where(
        AuditEntry.object_type == Programme.__tablename__, AuditEntry.action == "update",
        AuditEntry.object_id.in_(ids)).group_by(AuditEntry.object_id))
    changed = {object_id: n for object_id, n in rows}
    return {i: 1 + changed.get(i, 0) for i in ids}


def programme_item(p: Programme, version: Optional[int] = None) -> dict[str, Any]:
    out = {"id": p.id, "version": version or _programme_versions([p.id])[p.id]}
    out.update({name: plain(getattr(p, name)) for name in PROGRAMME_COLUMNS})
    return {name: out[name] for name in PROGRAMMES.fields}


@api_route("/programmes", "GET", summary="List funding programmes", resource=PROGRAMMES, action="list", roles=READERS)
def list_programmes() -> Any:
    filters = query_filters(PROGRAMMES.filters)
    page, per_page = pagination()
    stmt = visible(select(Programme), _actor())
    if "active" in filters:
        stmt = stmt.where(Programme.active.is_(filters["active"]))
    answer = envelope(stmt, lambda p: p, page, per_page)
    versions = _programme_versions([p.id for p in answer["items"]])
    answer["items"] = [programme_item(p, versions[p.id]) for p in answer["items"]]
    return answer


@api_route("/programmes/<int:programme_id>", "GET", summary="Get a funding programme", resource=PROGRAMMES,
           action="get", roles=READERS)
def get_programme(programme_id: int) -> Any:
    return programme_item(get_or_404(PROGRAMMES, programme_id))


@api_route("/programmes", "POST", summary="Add a funding programme", resource=PROGRAMMES, action="create",
           roles=(ADMIN,))
def create_programme() -> Any:
    data, _ = parse_body(PROGRAMMES)
    return programme_item(services.create_programme(data, actor=_actor())), 201


@api_route("/programmes/<int:programme_id>", "PATCH", summary="Change a funding programme", resource=PROGRAMMES,
           action="update", roles=(ADMIN,),
           description="A built-in programme's code cannot change; a measure with targets in a project cannot be "
                       "removed (422).")
def update_programme(programme_id: int) -> Any:
    programme = get_or_404(PROGRAMMES, programme_id)
    data, version = parse_body(PROGRAMMES, path_id=programme_id, versioned=True)
    services.update_programme(programme, data, actor=_actor(), version=version,
                              current_version=_programme_versions([programme.id])[programme.id])
    return programme_item(programme)


# --- projects ------------------------------------------------------------------------------

PROJECTS = resource(Resource(
    name="projects", title="Project", label="funding project", model=Project,
    fields={
        "id": Id(),
        "version": VERSION,
        "programme_id": Id("The programme (programmes.id): one in use.", writable=True, required=True),
        "name": Field("string", max_length=200, writable=True, required=True),
        "region_id": Id("The region (regions.id). Regional organisers: their own (may be left out). "
                        "Administrators: give it, or a branch_id whose region it is. Cannot change.",
                        writable=True),
        "branch_id": Id("One branch of the region (branches.id), or null for the whole region.", nullable=True,
                        writable=True),
        "starts_on": Field("date", writable=True, required=True),
        "ends_on": Field("date", "After starts_on. The project's quarters run from the one holding starts_on to "
                                 "the one holding ends_on.", writable=True, required=True),
        "budget": Field("number", "Pounds, 0 or more, at most two decimals.", nullable=True, writable=True),
        "lead_organiser_id": Id("A regional organiser of the project's region (users.id).", nullable=True,
                                writable=True),
        "notes": Field("string", nullable=True, max_length=5000, writable=True),
    },
    filters={"programme_id": Id("Only this programme's projects."), "region_id": Id("Only this region's projects."),
             "branch_id": Id("Only projects limited to this branch.")},
    description="A funded project in one region, or one branch of it, with its profile of targets per quarter.",
))


def _project_stmt(filters: dict[str, Any]):
    return queries.project_list(_actor(), programme_id=filters.get("programme_id"), region_id=filters.get("region_id"),
                                branch_id=filters.get("branch_id"))


@api_route("/projects", "GET", summary="List funding projects", resource=PROJECTS, action="list", roles=READERS)
def list_projects() -> Any:
    return list_response(PROJECTS, _project_stmt)


@api_route("/projects/<int:project_id>", "GET", summary="Get a funding project", resource=PROJECTS, action="get",
           roles=READERS)
def get_project(project_id: int) -> Any:
    return PROJECTS.item(get_or_404(PROJECTS, project_id))


@api_route("/projects", "POST", summary="Add a funding project", resource=PROJECTS, action="create", roles=EDITORS,
           description="Regional organisers add projects in their own region; a branch of another region answers 422.")
def create_project() -> Any:
    data, _ = parse_body(PROJECTS)
    return PROJECTS.item(services.create_project(data, user=_actor())), 201


@api_route("/projects/<int:project_id>", "PATCH", summary="Change a funding project", resource=PROJECTS,
           action="update", roles=EDITORS)
def update_project(project_id: int) -> Any:
    project = get_or_404(PROJECTS, project_id)
    data, version = parse_body(PROJECTS, path_id=project_id, versioned=True)
    change(services.update_project, project, data, version, user=_actor())
    return PROJECTS.item(project)


# --- profiles ------------------------------------------------------------------------------

TARGET_ROW = {"type": "object", "properties": {
    "period": {"type": "string", "description": "A quarter of the project, like FY2026-Q1"},
    "measure": {"type": "string", "enum": list(MEASURES)},
    "target": {"type": "integer", "minimum": 0}}, "required": ["period", "measure", "target"]}
SPEND_ROW = {"type": "object", "properties": {
    "period": {"type": "string", "description": "A quarter of the project, like FY2026-Q1"},
    "budget": {"type": ["number", "null"], "minimum": 0}, "actual": {"type": ["number", "null"], "minimum": 0}},
    "required": ["period"]}


def _rows_body(key: str) -> tuple[Any, Optional[str]]:
    """A PUT body: a JSON list of rows, or ``{key: [...], "reason": "..."}``."""
    if not request.is_json:
        raise BadRequest("Send JSON with the header Content-Type: application/json.")
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("The request body is empty: send a JSON list of rows.")

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        body = json.loads(raw, parse_constant=no_constants)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}"[:300]) from None
    if isinstance(body, list):
        return body, None
    if isinstance(body, dict) and isinstance(body.get(key), list) and set(body) <= {key, "reason"}:
        reason = body.get("reason")
        if reason is not None and not isinstance(reason, str):

            raise ValidationFailed("Check the reason", {"reason": ["Must be text"]})
        return body[key], reason
    raise BadRequest(f"Send a JSON list of rows, or an object with {key} (the list) and reason.")


def _editable(project_id: int) -> Project:
    project = get_or_404(PROJECTS, project_id)
    if not queries.can_edit_project(_actor(), project):
        raise NotAllowed("Only the region's organisers and administrators change this project's profile.")
    return project


def _targets_list(project: Project) -> list[dict[str, Any]]:
    saved = queries.targets_of(project)
    order = {q.code: i for i, q in enumerate(queries.project_quarters(project))}
    measures = {m: i for i, m in enumerate(MEASURES)}
    return [{"period": p, "measure": m, "target": t}
            for (p, m), t in sorted(saved.items(), key=lambda kv: (order.get(kv[0][0], 99), measures.get(kv[0][1], 99)))]


def _spend_list(project: Project) -> list[dict[str, Any]]:
    saved = queries.spend_of(project)
    return [{"period": q.code, "budget": plain(saved[q.code].budget), "actual": plain(saved[q.code].actual)}
            for q in queries.project_quarters(project) if q.code in saved]


@api_route("/projects/<int:project_id>/targets", "GET", summary="A project's targets per quarter", roles=READERS,
           response_schema={"type": "array", "items": TARGET_ROW})
def get_project_targets(project_id: int) -> Any:
    from flask import jsonify

    return jsonify(_targets_list(get_or_404(PROJECTS, project_id)))


@api_route("/projects/<int:project_id>/targets", "PUT", summary="Replace a project's targets", roles=EDITORS,
           responses={400: "Not a JSON list of rows", 422: "A row has a problem (each named); nothing was saved"},
           response_schema={"type": "array", "items": TARGET_ROW},
           description="Body: a list of {period, measure, target} (the whole profile; a quarter and measure left out "
                       "has no target), or {targets: [...], reason: text} when the change is a re-profile (after "
                       "the first quarter has started).")
def put_project_targets(project_id: int) -> Any:
    from flask import jsonify

    project = _editable(project_id)
    rows, reason = _rows_body("targets")
    services.set_targets(project, rows, reason=reason, actor=_actor())
    return jsonify(_targets_list(project))


@api_route("/projects/<int:project_id>/spend", "GET", summary="A project's budget profile and spend per quarter",
           roles=READERS, response_schema={"type": "array", "items": SPEND_ROW})
def get_project_spend(project_id: int) -> Any:
    from flask import jsonify

    return jsonify(_spend_list(get_or_404(PROJECTS, project_id)))


@api_route("/projects/<int:project_id>/spend", "PUT", summary="Set a project's budget profile and spend",
           roles=EDITORS, responses={400: "Not a JSON list of rows", 422: "A row has a problem; nothing was saved"},
           response_schema={"type": "array", "items": SPEND_ROW},
           description="Body: a list of {period, budget, actual} for the quarters to change (a column left out is "
                       "unchanged; null clears it), or {spend: [...], reason: text} when the budget profile changes "
                       "after the first quarter has started (a re-profile). Actual spend is not a re-profile.")
def put_project_spend(project_id: int) -> Any:
    from flask import jsonify

    project = _editable(project_id)
    rows, reason = _rows_body("spend")
    services.set_spend(project, rows, reason=reason, actor=_actor())
    return jsonify(_spend_list(project))
