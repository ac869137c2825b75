"""The OpenAPI 3.1 document describes every API route there is, and the answers match it."""
from __future__ import annotations

import re

import pytest

from ulr_app.api.openapi import openapi_path

IGNORED = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(anonymous, app):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.json


def test_it_looks_like_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["paths"]
    components = document["components"]
    assert components["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": components["securitySchemes"]["bearerAuth"]["description"]}
    assert document["security"] == [{"bearerAuth": []}]
    error = components["schemas"]["Error"]["properties"]["error"]
    assert set(error["required"]) == {"code", "message", "fields"}


def test_every_api_rule_is_in_the_document(app, document):
    missing = []
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")]
    assert len(rules) >= 19
    for rule in rules:
        path, _ = openapi_path(rule.rule)
        for method in rule.methods - IGNORED:
            if method.lower() not in document["paths"].get(path, {}):
                missing.append(f"{method} {rule.rule}")
    assert not missing, missing
    # and nothing in the document that is not a route
    described = {(p, m) for p, ops in document["paths"].items() for m in ops}
    routes = {(openapi_path(r.rule)[0], m.lower()) for r in rules for m in r.methods - IGNORED}
    assert described == routes


def test_paths_use_the_contract_names(document):
    for name in ("regions", "branches", "employers", "workplaces", "users"):
        assert f"/api/v1/{name}" in document["paths"]
        assert f"/api/v1/{name}/{{{name[:-1] if name != 'branches' else 'branch'}_id}}" in document["paths"]
    assert set(document["paths"]["/api/v1/employers"]) == {"get", "post"}
    assert set(document["paths"]["/api/v1/employers/{employer_id}"]) == {"get", "patch"}
    assert set(document["paths"]["/api/v1/regions"]) == {"get"}


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves(document):
    refs = set(_refs(document))
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        node = document
        for part in ref[2:].split("/"):
            assert part in node, f"{ref} does not resolve"
            node = node[part]


def test_operations_are_complete(document):
    ids = []
    for path, operations in document["paths"].items():
        template_vars = set(re.findall(r"{([^}]+)}", path))
        for method, op in operations.items():
            assert method in {"get", "post", "patch", "put", "delete"}
            ids.append(op["operationId"])
            assert op["summary"] and op["responses"]
            assert any(code.startswith("2") for code in op["responses"])
            params = [p for p in op.get("parameters", []) if "$ref" not in p]
            assert {p["name"] for p in params if p["in"] == "path"} == template_vars
            if op.get("security") != []:
                assert "401" in op["responses"]
            if method in ("post", "patch"):
                assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert {"400", "422"} <= set(op["responses"])
            if method == "patch":
                assert "409" in op["responses"]
    assert len(ids) == len(set(ids))
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_schemas_describe_the_resources(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["Employer"]["properties"]) >= {"id", "version", "name", "kind", "la_code", "region_id"}
    assert schemas["Employer"]["properties"]["kind"]["enum"] == [
        "local_authority", "school_governing_body", "academy_trust", "contractor", "other"]
    assert schemas["Employer"]["properties"]["la_code"]["type"] == ["string", "null"]
    assert schemas["Employer"]["properties"]["id"]["readOnly"] is True
    assert set(schemas["Workplace"]["properties"]) >= {
        "id", "employer_id", "name", "kind", "urn", "establishment_type", "phase", "service"}
    assert set(schemas["User"]["properties"]) >= {"id", "email", "name", "role", "region_id", "branch_id", "active"}
    assert "password_hash" not in schemas["User"]["properties"]
    assert set(schemas["Region"]["properties"]) >= {"id", "name", "code"}
    assert set(schemas["Branch"]["properties"]) >= {"id", "name", "region_id", "version"}
    assert schemas["BranchUpdate"]["required"] == ["version"]
    assert schemas["BranchCreate"]["additionalProperties"] is False
    assert set(schemas["EmployerList"]["required"]) == {"items", "page", "per_page", "total"}
    created = document["paths"]["/api/v1/users"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert "password" in created["allOf"][1]["properties"]
    listing = document["paths"]["/api/v1/workplaces"]["get"]
    names = {p.get("name") for p in listing["parameters"]} | {p.get("$ref", "").rsplit("/", 1)[-1] for p in listing["parameters"]}
    assert {"page", "per_page", "employer_id", "kind"} <= names


def test_answers_carry_what_the_schema_promises(api_as, world, document):
    """Every list item has exactly the properties its schema names (no more, no fewer)."""
    api = api_as("admin")
    schemas = document["components"]["schemas"]
    for resource, title in (("regions", "Region"), ("branches", "Branch"), ("employers", "Employer"),
                            ("workplaces", "Workplace"), ("users", "User")):
        for item in api.get(f"/{resource}").json["items"]:
            assert set(item) == set(schemas[title]["properties"]), resource


def test_the_document_does_not_need_a_token_but_accepts_one(api_as, world):
    assert api_as("ulr_a1").get("/openapi.json").status_code == 200


def test_the_document_passes_a_strict_validator(document):
    """Runs where openapi-spec-validator is installed (suggested for the test extras)."""
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)


# --- issue 13: every answer described; bodies list only what they accept; required text not empty ----------

def test_every_answer_the_api_gives_is_described(document):
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            if op.get("security") != []:
                assert "503" in codes, (method, path)  # the database down: a JSON 503, never a 500
            if method in ("post", "patch", "put"):
                assert {"400", "413", "422"} <= codes, (method, path)
            assert "500" not in codes, (method, path)
    create = document["paths"]["/api/v1/learners"]["post"]["responses"]
    assert "possible_duplicate" in create["409"]["description"]
    codes = document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
    assert {"possible_duplicate", "unavailable", "too_large", "validation_failed", "not_found"} <= set(codes)


def test_required_text_has_a_minimum_length(document):
    schemas = document["components"]["schemas"]
    checked = 0
    for name, schema in schemas.items():
        if not name.endswith(("Create", "Update")):
            continue
        required = set(schema.get("required", ()))
        for field, prop in schema["properties"].items():
            kinds = prop.get("type") if isinstance(prop.get("type"), list) else [prop.get("type")]
            if field in required and "string" in kinds and "enum" not in prop and "format" not in prop:
                assert prop.get("minLength") == 1, (name, field)
                checked += 1
    assert checked >= 10
    assert schemas["LearnerCreate"]["properties"]["name"] == {
        **schemas["LearnerCreate"]["properties"]["name"], "minLength": 1, "maxLength": 120}
    assert schemas["LearnerUpdate"]["properties"]["name"]["minLength"] == 1  # not required on PATCH, never empty


def test_create_and_update_list_only_what_they_accept(document):
    from ulr_app.learners.api import CREATE_FIELDS, PATCH_FIELDS
    from ulr_app.timeoff import services as time_off

    schemas = document["components"]["schemas"]
    for name in ("decided_on", "paid", "hours_granted", "refusal_reason", "refusal_details", *time_off.ACAS_FIELDS):
        assert name not in schemas["TimeOffRequestCreate"]["properties"], name
        assert name in schemas["TimeOffRequestUpdate"]["properties"], name
    assert {"closed_on", "outcome"}.isdisjoint(schemas["CaseCreate"]["properties"])
    assert {"closed_on", "outcome"} <= set(schemas["CaseUpdate"]["properties"])
    assert set(schemas["EnrolmentCreate"]["properties"]) == set(CREATE_FIELDS)
    assert set(schemas["EnrolmentUpdate"]["properties"]) == set(PATCH_FIELDS) | {"version", "id"}
    assert "not_duplicate" in schemas["LearnerCreate"]["properties"]
    assert "not_duplicate" not in schemas["LearnerUpdate"]["properties"]
    # the equality fields are only in some roles' answers: described, never promised
    assert "gender" in schemas["Learner"]["properties"] and "gender" not in schemas["Learner"]["required"]


def test_create_refuses_what_its_schema_leaves_out(api_as, world):
    """What the document leaves out of a create body is refused by the API (so the document is not too narrow
    either way)."""
    from .helpers import assert_error

    api = api_as("convenor_a1")
    assert_error(api.post("/cases", json={"kind": "other", "summary": "Closed at birth", "closed_on": "2026-01-02"}),
                 422, "validation_failed", fields=("closed_on",))
    rep_id = None
    from .helpers import reps_of

    rep_id = reps_of(world).a1.id
    body = {"kind": "ulr_duties", "rep_id": rep_id, "workplace_id": world.workplaces.service_a1.id,
            "purpose": "promoting_learning", "starts_at": "2026-12-01T09:00:00Z", "duration_hours": 2,
            "location": "Staff room", "decided_on": "2026-11-01"}
    assert_error(api.post("/time_off_requests", json=body), 422, "validation_failed", fields=("decided_on",))
