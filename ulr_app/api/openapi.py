"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 description of every route on the API blueprint.

Built on each request from the app's URL map (so no route can be missing) and the descriptions
each resource module registered through :func:`ulr_app.api.common.api_route` (so the schemas are
the same field specs that check the requests).
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, jsonify

from ..core.permissions import ALL_ROLES
from . import bp
from .common import MAX_ID, OPERATIONS, PAGE_PARAMS, RESOURCES, Operation, Resource, api_route, operation_for

IGNORED_METHODS = {"HEAD", "OPTIONS"}
_VAR = re.compile(r"<(?:(?P<conv>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<args>[^)]*)\))?:)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)>")

ERROR_RESPONSES = {
    400: ("BadRequest", "Malformed request: body not a JSON object, or a query parameter that makes no sense."),
    401: ("Unauthorised", "No token, or the token is not valid (revoked, or its user disabled)."),
    403: ("Forbidden", "Your role may not do this."),
    404: ("NotFound", "No such record, or it is outside your scope (the two look the same)."),
    409: ("Conflict", "The version you sent is stale (someone changed the record), or a state rule forbids it. Nothing was changed."),
    413: ("TooLarge", "The request body is larger than the server accepts. Nothing was changed."),
    422: ("ValidationFailed", "Field validation failed; `fields` says which and why. Nothing was changed."),
    503: ("Unavailable", "The database cannot be reached for a moment (code `unavailable`, with a Retry-After "
                         "header). Nothing was changed: try again shortly."),
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """``/x/<int:id>`` -> ``/x/{id}`` and its path parameters."""
    params = []
    for m in _VAR.finditer(rule):
        conv = m.group("conv") or "default"
        schema: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": MAX_ID} if conv == "int" else (
            {"type": "number"} if conv == "float" else {"type": "string"})
        params.append({"name": m.group("name"), "in": "path", "required": True, "schema": schema})
    return _VAR.sub(lambda m: "{" + m.group("name") + "}", rule), params


def _resource_schemas(res: Resource) -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {name: spec.schema() for name, spec in res.answered.items()},
        "required": [name for name, spec in res.answered.items() if spec.in_every_answer],
    }
    if res.description:
        item["description"] = res.description
    creatable = {name: spec.schema(for_write=True) for name, spec in res.creatable.items()}
    create = {"type": "object", "properties": creatable, "additionalProperties": False,
              "required": [n for n, s in res.creatable.items() if s.required]}
    update = {
        "type": "object",
        "properties": {
            **{name: spec.schema(for_write=True) for name, spec in res.updatable.items()},
            "version": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                        "description": "The version you read. A stale one answers 409."},
            "id": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                   "description": "Optional; if sent, must be this record's id."},
        },
        "required": ["version"],
        "additionalProperties": False,
        "description": "Send only the fields to change, with the version you read.",
    }
    listing = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("schemas", res.title)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 500},
            "total": {"type": "integer", "minimum": 0},
        },
        "required": ["items", "page", "per_page", "total"],
    }
    return {res.title: item, f"{res.title}Create": create, f"{res.title}Update": update, f"{res.title}List": listing}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(rule: Any, method: str, op: Operation | None, path_params: list[dict[str, Any]]) -> dict[str, Any]:
    name = rule.endpoint.split(".", 1)[1]
    out: dict[str, Any] = {"operationId": name if len(rule.methods - IGNORED_METHODS) == 1 else f"{name}_{method.lower()}"}
    res = op.resource if op else None
    out["summary"] = op.summary if op else name.replace("_", " ").capitalize()
    description = op.description if op else ""
    roles = tuple(op.roles) if op else ALL_ROLES
    if op and not op.public and set(roles) != set(ALL_ROLES):
        description = (description + "\n\n" if description else "") + "Roles: " + ", ".join(roles) + "."
    if description:
        out["description"] = description
    out["tags"] = [res.name] if res else ["meta"]
    params = list(path_params)
    action = op.action if op else "other"
    if action == "list" and res is not None:
        params += [_ref("parameters", "page"), _ref("parameters", "per_page")]
        for fname, spec in res.filters.items():
            params.append({"name": fname, "in": "query", "required": False, "schema": spec.schema(for_write=True),
                           **({"description": spec.description} if spec.description else {})})
    if params:
        out["parameters"] = params
    if res is not None and action in ("create", "update"):
        schema_name = f"{res.title}{'Create' if action == 'create' else 'Update'}"
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref("schemas", schema_name)}}}
    elif op and op.request_schema is not None:
        out["requestBody"] = {"required": False,
                              "content": {"application/json": {"schema": _ref("schemas", op.request_schema[0])}}}

    responses: dict[str, Any] = {}
    if res is not None and action == "list":
        responses["200"] = _json(_ref("schemas", f"{res.title}List"), f"A page of {res.name}")
    elif res is not None and action in ("get", "create", "update"):
        schema: dict[str, Any] = _ref("schemas", res.title)
        if op and op.extra_response:
            schema = {"allOf": [schema, {"type": "object",
                                         "properties": {k: v.schema() for k, v in op.extra_response.items()},
                                         "required": list(op.extra_response)}]}
        code = "201" if action == "create" else "200"
        responses[code] = _json(schema, {"get": f"The {res.label}", "create": f"The new {res.label}",
                                         "update": f"The {res.label} as changed"}[action])
    else:
        responses["200"] = _json((op.response_schema if op and op.response_schema else {"type": "object"}), "OK")
    errors = set()
    if action in ("list", "create", "update"):
        errors.add(400)
    if not (op and op.public):
        errors.add(401)
    if set(roles) != set(ALL_ROLES):
        errors.add(403)
    if path_params:
        errors.add(404)
    if action == "update":
        errors.update((409, 422))
    if action == "create":
        errors.add(422)
    if out.get("requestBody") or method in ("POST", "PUT", "PATCH"):
        errors.update((400, 413, 422))  # not JSON, too big, or a field the checks refuse
    if not (op and op.public):
        errors.add(503)  # every answer that needs the database: while it is down
    if op:
        errors.update(op.responses)
    for code in sorted(errors):
        said = op.responses.get(code) if op else None
        if code in ERROR_RESPONSES and not said:
            responses[str(code)] = _ref("responses", ERROR_RESPONSES[code][0])
        else:
            responses[str(code)] = _json(_ref("schemas", "Error"), said or "Error")
    out["responses"] = responses
    if op and op.public:
        out["security"] = []
    return out


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(bp.name + "."):
            continue
        path, path_params = openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule, method, operation_for(rule.endpoint, method), path_params)

    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "enum": ["bad_request", "unauthorised", "forbidden", "not_found",
                                                             "method_not_allowed", "conflict", "possible_duplicate",
                                                             "legal_hold",
                                                             "too_large", "validation_failed", "too_many_requests",
                                                             "unavailable", "server_error"]},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                   "description": "Field name -> problems with it (empty unless fields are at fault)."},
                    },
                    "required": ["code", "message", "fields"],
                }
            },
            "required": ["error"],
        }
    }
    for res in sorted(RESOURCES.values(), key=lambda r: r.name):
        schemas.update(_resource_schemas(res))
    for by_method in OPERATIONS.values():  # the request bodies of actions other than create and update
        for op in by_method.values():
            if op.request_schema is not None:
                schemas[op.request_schema[0]] = op.request_schema[1]
    responses = {name: _json(_ref("schemas", "Error"), text) for name, text in ERROR_RESPONSES.values()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ULR Case Manager API",
            "version": "1",
            "description": (
                "Every resource the pages manage, with the same permissions, validation and audit trail. "
                "Authenticate with `Authorization: Bearer <token>` (create a token on your profile page or with "
                "`flask --app ulr_app users token EMAIL`). Lists answer `{items, page, per_page, total}`; "
                "`per_page` is at most 500. A PATCH must send the `version` it read."
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": "meta"}] + [{"name": r.name} for r in sorted(RESOURCES.values(), key=lambda r: r.name)],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token from your profile page."}},
            "schemas": schemas,
            "responses": responses,
            "parameters": {
                name: {"name": name, "in": "query", "required": False, "schema": spec.schema(for_write=True),
                       "description": spec.description}
                for name, spec in PAGE_PARAMS.items()
            },
        },
    }


@api_route("/openapi.json", "GET", summary="This OpenAPI 3.1 document", public=True,
           response_schema={"type": "object", "description": "An OpenAPI 3.1 document"})
def openapi_document() -> Any:
    return jsonify(build_document(current_app))
