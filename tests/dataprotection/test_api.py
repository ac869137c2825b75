"""The subject_access_requests API: list with filters, get, create, patch with version and 409, bad input
(422 with each field), out of scope (404), due_on read-only and worked out by the rule, audit."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.api.helpers import Api, assert_error, audit_entries, fresh, new_token
from ulr_app.dataprotection.models import SubjectAccessRequest
from ulr_app.extensions import db

from .helpers import make_sar


@pytest.fixture
def api_as(make_client, world):
    return lambda key: Api(make_client(), new_token(getattr(world.users, key)))


def _count() -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(SubjectAccessRequest))


def test_create_get_list_and_patch(api_as, world):
    api = api_as("convenor_a1")
    response = api.post("/subject_access_requests", json={"person_name": "Pat Example", "received_on": "2026-11-25"})
    assert response.status_code == 201, response.json
    item = response.json
    assert item["branch_id"] == world.branches.a1.id and item["due_on"] == "2026-12-29"
    assert (item["status"], item["extension_months"], item["version"]) == ("open", 0, 1)
    assert set(item) == {"id", "version", "branch_id", "person_name", "learner_id", "received_on",
                         "identity_received_on", "extension_months", "extension_reason", "status", "answered_on", "due_on"}
    assert api.get(f"/subject_access_requests/{item['id']}").json == item
    listing = api.get("/subject_access_requests?status=open").json
    assert listing["total"] == 1 and listing["items"][0]["id"] == item["id"]
    assert api.get("/subject_access_requests?status=answered").json["total"] == 0
    response = api.patch(f"/subject_access_requests/{item['id']}", json={
        "version": 1, "extension_months": 2, "extension_reason": "Several requests from the same person"})
    assert response.status_code == 200, response.json
    assert response.json["due_on"] == "2027-02-25" and response.json["version"] == 2
    # a stale version: 409, nothing changed
    response = api.patch(f"/subject_access_requests/{item['id']}", json={"version": 1, "person_name": "Someone else"})
    assert_error(response, 409, "conflict")
    assert api.get(f"/subject_access_requests/{item['id']}").json["person_name"] == "Pat Example"
    actions = [e.action for e in audit_entries("subject_access_request", item["id"])]
    assert actions == ["create", "update"]


def test_bad_input_answers_422_and_changes_nothing(api_as, world):
    api = api_as("convenor_a1")
    # a due date cannot be sent, so none before the receipt can be stored
    response = api.post("/subject_access_requests", json={"person_name": "Pat", "received_on": "2026-11-25",
                                                          "due_on": "2026-11-01"})
    assert_error(response, 422, "validation_failed", fields=("due_on",))
    assert response.json["error"]["fields"]["due_on"] == ["This field is read-only"]
    response = api.post("/subject_access_requests", json={"person_name": "Pat", "received_on": "2026-11-25",
                                                          "extension_months": 3})
    assert_error(response, 422, "validation_failed", fields=("extension_months",))
    response = api.post("/subject_access_requests", json={"person_name": "Pat", "received_on": "2026-11-25",
                                                          "status": "answered", "answered_on": "2026-11-20"})
    body = assert_error(response, 422, "validation_failed", fields=("answered_on",))
    assert body["fields"]["answered_on"] == ["The request cannot be answered before it was received"]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = api.post("/subject_access_requests", json={"person_name": "Pat", "received_on": tomorrow})
    assert_error(response, 422, "validation_failed", fields=("received_on",))
    response = api.post("/subject_access_requests", json={"person_name": "Pat", "received_on": "2026-11-25",
                                                          "branch_id": world.branches.a2.id})
    assert_error(response, 422, "validation_failed", fields=("branch_id",))
    assert _count() == 0
    sar = make_sar(world.branches.a1, received_on="2026-11-02")
    db.session.commit()
    response = api.patch(f"/subject_access_requests/{sar.id}", json={"version": sar.version, "extension_months": 1})
    assert_error(response, 422, "validation_failed", fields=("extension_reason",))
    response = api.patch(f"/subject_access_requests/{sar.id}", json={"version": sar.version, "due_on": "2026-10-01"})
    assert_error(response, 422, "validation_failed", fields=("due_on",))
    fresh()
    again = db.session.get(SubjectAccessRequest, sar.id)
    assert (again.version, again.extension_months, again.due_on) == (1, 0, date(2026, 12, 2))


def test_scope(api_as, world):
    mine = make_sar(world.branches.a1)
    camden = make_sar(world.branches.a2)
    newcastle = make_sar(world.branches.b1)
    db.session.commit()
    convenor = api_as("convenor_a1")
    assert [i["id"] for i in convenor.get("/subject_access_requests").json["items"]] == [mine.id]
    assert_error(convenor.get(f"/subject_access_requests/{camden.id}"), 404, "not_found")
    assert_error(convenor.patch(f"/subject_access_requests/{camden.id}", json={"version": 1, "person_name": "X"}),
                 404, "not_found")
    organiser = api_as("organiser_a")
    assert {i["id"] for i in organiser.get("/subject_access_requests").json["items"]} == {mine.id, camden.id}
    assert [i["id"] for i in organiser.get(
        f"/subject_access_requests?branch_id={world.branches.a2.id}").json["items"]] == [camden.id]
    assert_error(organiser.patch(f"/subject_access_requests/{mine.id}", json={"version": 1}), 403, "forbidden")
    assert_error(organiser.get(f"/subject_access_requests/{newcastle.id}"), 404, "not_found")
    assert_error(api_as("ulr_a1").get("/subject_access_requests"), 403, "forbidden")
    admin = api_as("admin")
    assert admin.get("/subject_access_requests").json["total"] == 3
    response = admin.post("/subject_access_requests", json={"person_name": "Pat", "received_on": "2026-11-25"})
    assert_error(response, 422, "validation_failed", fields=("branch_id",))
    response = admin.post("/subject_access_requests", json={"person_name": "Pat", "received_on": "2026-11-25",
                                                            "branch_id": world.branches.b1.id})
    assert response.status_code == 201


def test_openapi_describes_the_resource(api_as):
    doc = api_as("admin").get("/openapi.json").json
    assert "/api/v1/subject_access_requests" in doc["paths"] or "/subject_access_requests" in doc["paths"]
    schema = doc["components"]["schemas"]["SubjectAccessRequest"]
    assert schema["properties"]["due_on"]["readOnly"] is True
    assert schema["properties"]["extension_months"]["maximum"] == 2
