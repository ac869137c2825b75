"""API: programmes, projects and their targets and spend, with the bad inputs of the issue."""
from __future__ import annotations

from sqlalchemy import func, select

import pytest

from tests.api.helpers import Api, assert_error, fresh, new_token
from ulr_app.extensions import db
from ulr_app.funding import queries
from ulr_app.funding.models import ProfileChange, Project, ProjectTarget

from .helpers import project


@pytest.fixture
def api_as(make_client, world):
    """``api_as('convenor_a1')`` -> an API client with a new token of that world user."""
    return lambda key: Api(make_client(), new_token(getattr(world.users, key)))


def _count(model):
    fresh()
    return db.session.scalar(select(func.count()).select_from(model))


def _put(api, path, body):
    return api.open(path, "PUT", json=body)


def test_programmes_read_by_readers_written_by_administrators(api_as, world, programmes):
    listing = api_as("convenor_a1").get("/programmes")
    assert listing.status_code == 200 and {i["code"] for i in listing.json["items"]} == {"ulf", "go_award"}
    ulf = next(i for i in listing.json["items"] if i["code"] == "ulf")
    assert ulf["built_in"] is True and ulf["variance_threshold"] == 20 and ulf["version"] == 1
    assert_error(api_as("ulr_a1").get("/programmes"), 403, "forbidden")
    assert_error(api_as("organiser_a").post("/programmes", json={"code": "x", "name": "x", "measures": ["new_members"]}),
                 403, "forbidden")
    admin = api_as("admin")
    created = admin.post("/programmes", json={"code": "wales_ulf", "name": "Wales ULF", "measures": ["new_members"],
                                              "variance_threshold": 15})
    assert created.status_code == 201 and created.json["variance_threshold"] == 15
    pid = created.json["id"]
    changed = admin.patch(f"/programmes/{pid}", json={"version": 1, "active": False})
    assert changed.status_code == 200 and changed.json["version"] == 2 and changed.json["active"] is False
    assert_error(admin.patch(f"/programmes/{pid}", json={"version": 1, "name": "Old"}), 409, "conflict")
    assert_error(admin.patch(f"/programmes/{ulf['id']}", json={"version": 1, "code": "ulf2"}), 422,
                 "validation_failed", fields=("code",))
    assert_error(admin.post("/programmes", json={"code": "bad code", "name": "x", "measures": ["hugs"]}), 422,
                 "validation_failed", fields=("code", "measures"))
    assert [i["code"] for i in admin.get("/programmes?active=false").json["items"]] == ["wales_ulf"]


def test_projects_api_scope_create_and_change(api_as, world, programmes):
    ulf = programmes["ulf"].id
    api = api_as("organiser_a")
    created = api.post("/projects", json={"programme_id": ulf, "name": "Barnet schools", "branch_id": world.branches.a1.id,
                                          "starts_on": "2026-04-01", "ends_on": "2027-03-31", "budget": 25000.5})
    assert created.status_code == 201, created.json
    item = created.json
    assert (item["region_id"], item["budget"], item["version"]) == (world.regions.a.id, 25000.5, 1)
    before = _count(Project)
    # a branch of another region, another region, dates the wrong way round: 422, nothing saved
    for body, fields in (({"branch_id": world.branches.b1.id}, ("branch_id",)),
                         ({"region_id": world.regions.b.id}, ("region_id",)),
                         ({"ends_on": "2026-01-01"}, ("ends_on",)),
                         ({"budget": -1}, ("budget",)),
                         ({"starts_on": "1/4/2026"}, ("starts_on",)),
                         ({"colour": "red"}, ("colour",))):
        base = {"programme_id": ulf, "name": "P", "starts_on": "2026-04-01", "ends_on": "2027-03-31"}
        assert_error(api.post("/projects", json={**base, **body}), 422, "validation_failed", fields=fields)
    assert _count(Project) == before
    assert_error(api_as("convenor_a1").post("/projects", json={"programme_id": ulf}), 403, "forbidden")
    other = project(world, programmes, region=world.regions.b)
    assert_error(api.get(f"/projects/{other.id}"), 404, "not_found")
    assert_error(api.patch(f"/projects/{other.id}", json={"version": 1, "name": "Mine now"}), 404, "not_found")
    path = f"/projects/{item['id']}"
    assert api.patch(path, json={"version": 1, "name": "Barnet and Enfield"}).json["version"] == 2
    assert_error(api.patch(path, json={"version": 1, "name": "Stale"}), 409, "conflict")
    assert_error(api.patch(path, json={"name": "No version"}), 422, "validation_failed", fields=("version",))
    ids = {i["id"] for i in api_as("convenor_a1").get("/projects").json["items"]}
    assert ids == {item["id"]}
    assert api_as("admin").get(f"/projects?region_id={world.regions.b.id}").json["total"] == 1
    assert api.get(f"/projects?branch_id={world.branches.a1.id}&programme_id={ulf}").json["total"] == 1
    assert_error(api.get("/projects?colour=red"), 400, "bad_request")


def test_put_targets_replaces_the_profile(api_as, world, programmes):
    p = project(world, programmes, starts_on="2027-04-01", ends_on="2028-03-31")
    api = api_as("organiser_a")
    rows = [{"period": "FY2027-Q1", "measure": "learners_engaged", "target": 40},
            {"period": "FY2027-Q2", "measure": "learners_engaged", "target": 45}]
    response = _put(api, f"/projects/{p.id}/targets", rows)
    assert response.status_code == 200 and response.json == rows
    # a region-wide project covers convenor A1's branch: they read its profile, and convenor B1 does not
    assert api_as("convenor_a1").get(f"/projects/{p.id}/targets").json == rows
    assert api_as("convenor_b1").get(f"/projects/{p.id}/targets").status_code == 404
    assert api.get(f"/projects/{p.id}/targets").json == rows
    assert_error(_put(api_as("convenor_a1"), f"/projects/{p.id}/targets", rows), 403, "forbidden")


def test_bad_targets_are_422_naming_each_problem(api_as, world, programmes):
    p = project(world, programmes, programme="go_award", starts_on="2027-04-01", ends_on="2028-03-31")
    api = api_as("organiser_a")
    path = f"/projects/{p.id}/targets"
    _put(api, path, [{"period": "FY2027-Q1", "measure": "learners_engaged", "target": 1}])
    rows = [{"period": "FY2026-Q5", "measure": "learners_engaged", "target": 1},
            {"period": "FY2026-Q1", "measure": "learners_engaged", "target": 1},
            {"period": "FY2027-Q1", "measure": "new_members", "target": 1},
            {"period": "FY2027-Q1", "measure": "needs_assessed", "target": -4},
            {"period": "FY2027-Q2", "measure": "needs_assessed", "target": 2.5},
            {"period": "FY2027-Q2", "measure": "needs_assessed", "target": 3}]
    response = _put(api, path, rows)
    assert_error(response, 422, "validation_failed",
                 fields=("[0].period", "[1].period", "[2].measure", "[3].target", "[4].target", "[5].measure"))
    fields = response.json["error"]["fields"]
    assert "not a quarter" in fields["[0].period"][0] and "outside the project's quarters" in fields["[1].period"][0]
    assert "negative" in fields["[3].target"][0]
    assert queries.targets_of(p) == {("FY2027-Q1", "learners_engaged"): 1}
    assert_error(api.open(path, "PUT", data="{", headers={"Content-Type": "application/json"}), 400, "bad_request")
    assert_error(_put(api, path, {"rows": []}), 400, "bad_request")
    other = project(world, programmes, region=world.regions.b)
    assert_error(_put(api, f"/projects/{other.id}/targets", []), 404, "not_found")


def test_a_reprofile_through_the_api_needs_a_reason(api_as, world, programmes):
    p = project(world, programmes)  # FY2026: started
    api = api_as("admin")
    path = f"/projects/{p.id}/targets"
    first = [{"period": "FY2026-Q3", "measure": "learners_engaged", "target": 10}]
    assert _put(api, path, first).status_code == 200
    second = [{"period": "FY2026-Q3", "measure": "learners_engaged", "target": 8}]
    assert_error(_put(api, path, second), 422, "validation_failed", fields=("reason",))
    assert _put(api, path, {"targets": second, "reason": "Fewer courses"}).status_code == 200
    assert _count(ProfileChange) == 1 and _count(ProjectTarget) == 1


def test_spend_through_the_api(api_as, world, programmes):
    p = project(world, programmes, starts_on="2027-04-01", ends_on="2027-09-30")
    api = api_as("organiser_a")
    path = f"/projects/{p.id}/spend"
    ok = _put(api, path, [{"period": "FY2027-Q1", "budget": 1000, "actual": 250.5}])
    assert ok.status_code == 200 and ok.json == [{"period": "FY2027-Q1", "budget": 1000, "actual": 250.5}]
    assert_error(_put(api, path, [{"period": "FY2027-Q2", "budget": -1}]), 422, "validation_failed",
                 fields=("[0].budget",))


def test_the_openapi_document_describes_funding(api_as, world):
    doc = api_as("admin").get("/openapi.json").json
    assert {"get", "put"} == set(doc["paths"]["/api/v1/projects/{project_id}/targets"])
    assert set(doc["components"]["schemas"]["Project"]["properties"]) >= {
        "id", "version", "programme_id", "name", "region_id", "branch_id", "starts_on", "ends_on"}
    assert set(doc["components"]["schemas"]["Programme"]["properties"]) >= {"id", "code", "name", "measures"}
