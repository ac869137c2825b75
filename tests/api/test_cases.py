"""/api/v1/cases: JSON per the contract, filters, scope, opening (and a dispute linked to its request),
changes with versions, status, activities, bad input; never a 500 for nonsense."""
from __future__ import annotations

from datetime import timedelta

import pytest

from ulr_app.cases import services
from ulr_app.cases.models import Activity, Case, FollowUp
from ulr_app.extensions import db
from ulr_app.timeoff.models import TimeOffRequest

from tests.cases.helpers import TODAY, ago, case, learner, refused_request, scoped_cases

from .helpers import agreements_of, assert_error, audit_entries, count, fresh, reps_of
from .test_robustness import BAD_BODIES, BAD_QUERIES

CONTRACT_FIELDS = {"id", "version", "branch_id", "kind", "status", "owner_id", "learner_id", "agreement_id",
                   "workplace_id", "time_off_request_id", "summary", "opened_on", "due_on", "closed_on"}


def _saved(case_id: int) -> Case:
    fresh()
    return db.session.get(Case, case_id)


# --- reading ------------------------------------------------------------------------------

def test_a_case_as_json(api_as, world):
    reps = reps_of(world)
    jo = learner(world)
    agreement = agreements_of(world).a1
    r = refused_request(world, reps.a1_other)
    made = case(world, "Cover refused", kind="time_off_dispute", learner_id=jo.id, agreement_id=agreement.id,
                workplace_id=world.workplaces.school_a1.id, time_off_request_id=r.id, opened_on=ago(3).isoformat(),
                due_on=(TODAY + timedelta(days=20)).isoformat(), details="Head says no")
    item = api_as("organiser_a").get(f"/cases/{made.id}").json
    assert CONTRACT_FIELDS <= set(item)
    assert {k: item[k] for k in CONTRACT_FIELDS} == {
        "id": made.id, "version": made.version, "branch_id": world.branches.a1.id, "kind": "time_off_dispute",
        "status": "open", "owner_id": world.users.convenor_a1.id, "learner_id": jo.id, "agreement_id": agreement.id,
        "workplace_id": world.workplaces.school_a1.id, "time_off_request_id": r.id, "summary": "Cover refused",
        "opened_on": ago(3).isoformat(), "due_on": (TODAY + timedelta(days=20)).isoformat(), "closed_on": None}
    assert item["details"] == "Head says no" and item["created_by_id"] == world.users.convenor_a1.id
    assert item["outcome"] is None


def test_list_filters_pages_and_scope(api_as, world):
    made = scoped_cases(world)
    survey = case(world, "Survey", kind="learning_survey", opened_on=ago(30).isoformat(), due_on=ago(1).isoformat())
    closed = case(world, "Closed", kind="other")
    services.change_status(closed, "closed", closed_on=TODAY)
    db.session.commit()
    api = api_as("admin")
    ids = lambda q="": sorted(i["id"] for i in api.get(f"/cases?{q}").json["items"])  # noqa: E731
    assert api.get("/cases").json["total"] == 6
    assert ids("status=closed") == [closed.id]
    assert ids("kind=learning_survey") == [survey.id]
    assert ids(f"owner_id={world.users.ulr_a1.id}") == [made.a1_ulr.id]
    assert ids(f"branch_id={world.branches.b1.id}") == [made.b1.id]
    assert ids("due=overdue") == [survey.id]
    assert ids(f"status=open&branch_id={world.branches.a1.id}&kind=learner_support") == sorted([made.a1.id, made.a1_ulr.id])
    seen = []
    for page in (1, 2, 3):
        body = api.get(f"/cases?per_page=2&page={page}").json
        assert body["total"] == 6 and len(body["items"]) == 2 and body["page"] == page
        seen += [i["id"] for i in body["items"]]
    assert len(set(seen)) == 6
    for query, name in (("kind=grievance", "kind"), ("status=lost", "status"), ("owner_id=x", "owner_id"),
                        ("branch_id=-1", "branch_id"), ("due=later", "due"), ("colour=red", "colour")):
        assert_error(api.get(f"/cases?{query}"), 400, "bad_request", fields=(name,))
    by_role = {key: sorted(i["id"] for i in api_as(key).get("/cases").json["items"])
               for key in ("organiser_a", "convenor_a1", "ulr_a1")}
    assert by_role == {"organiser_a": sorted([made.a1.id, made.a1_ulr.id, made.a2.id, survey.id, closed.id]),
                       "convenor_a1": sorted([made.a1.id, made.a1_ulr.id, survey.id, closed.id]),
                       "ulr_a1": [made.a1_ulr.id]}
    assert_error(api_as("ulr_a1").get(f"/cases/{made.a1.id}"), 404, "not_found")
    assert_error(api_as("convenor_a1").get(f"/cases/{made.a2.id}"), 404, "not_found")


# --- opening ------------------------------------------------------------------------------

def test_convenor_opens_a_case(api_as, world):
    api = api_as("convenor_a1")
    response = api.post("/cases", json={"kind": "learner_support", "summary": "Maths for Jo",
                                        "opened_on": ago(2).isoformat(), "owner_id": world.users.ulr_a1.id})
    assert response.status_code == 201, response.json
    item = response.json
    assert (item["branch_id"], item["status"], item["owner_id"], item["opened_on"], item["version"]) == (
        world.branches.a1.id, "open", world.users.ulr_a1.id, ago(2).isoformat(), 1)
    fresh()
    plans = db.session.query(FollowUp).filter_by(case_id=item["id"]).order_by(FollowUp.due_on).all()
    assert [(f.title, f.due_on) for f in plans] == [("Needs analysis", ago(2)), ("Referral follow-up", ago(2) + timedelta(days=14)),
                                                    ("Progress review", ago(2) + timedelta(days=90))]
    assert audit_entries("case_record", item["id"], "create")[0].actor_id == world.users.convenor_a1.id
    assert_error(api.post("/cases", json={"kind": "other", "summary": "Elsewhere", "branch_id": world.branches.a2.id}),
                 422, "validation_failed", fields=("branch_id",))


def test_a_ulr_opens_their_own_and_admins_name_the_branch(api_as, world):
    ulr = api_as("ulr_a1")
    item = ulr.post("/cases", json={"kind": "school_access", "summary": "Into the school"}).json
    assert item["owner_id"] == world.users.ulr_a1.id and item["created_by_id"] == world.users.ulr_a1.id
    assert_error(ulr.post("/cases", json={"kind": "other", "summary": "For the convenor",
                                          "owner_id": world.users.convenor_a1.id}), 422, "validation_failed",
                 fields=("owner_id",))
    admin = api_as("admin")
    assert_error(admin.post("/cases", json={"kind": "other", "summary": "Where?"}), 422, "validation_failed",
                 fields=("branch_id",))
    item = admin.post("/cases", json={"kind": "other", "summary": "Newcastle", "branch_id": world.branches.b1.id}).json
    assert item["branch_id"] == world.branches.b1.id and item["owner_id"] is None
    assert_error(api_as("organiser_a").post("/cases", json={"kind": "other", "summary": "No"}), 403, "forbidden")


def test_a_dispute_case_links_its_refused_request(api_as, world):
    r = refused_request(world, reps_of(world).a1_other)
    api = api_as("admin")
    item = api.post("/cases", json={"kind": "time_off_dispute", "summary": "Cover refused",
                                    "time_off_request_id": r.id}).json  # the branch comes from the request
    assert item["branch_id"] == world.branches.a1.id and item["time_off_request_id"] == r.id
    fresh()
    assert db.session.get(TimeOffRequest, r.id).case_id == item["id"]
    assert api.get(f"/time_off_requests/{r.id}").json["case_id"] == item["id"]
    error = assert_error(api.post("/cases", json={"kind": "time_off_dispute", "summary": "Again",
                                                  "time_off_request_id": r.id}), 422, "validation_failed",
                         fields=("time_off_request_id",))
    assert "already has a case" in error["fields"]["time_off_request_id"][0]


@pytest.mark.parametrize("body,fields", [
    ({}, ("kind", "summary")),
    ({"kind": "grievance", "summary": "x"}, ("kind",)),
    ({"kind": "other", "summary": "x" * 301}, ("summary",)),
    ({"kind": "other", "summary": 5}, ("summary",)),
    ({"kind": "other", "summary": "x", "opened_on": "2026-02-30"}, ("opened_on",)),
    ({"kind": "other", "summary": "x", "opened_on": (TODAY + timedelta(days=1)).isoformat()}, ("opened_on",)),
    ({"kind": "other", "summary": "x", "opened_on": ago(1).isoformat(), "due_on": ago(2).isoformat()}, ("due_on",)),
    ({"kind": "other", "summary": "x", "learner_id": 999999}, ("learner_id",)),
    ({"kind": "other", "summary": "x", "owner_id": True}, ("owner_id",)),
    ({"kind": "other", "summary": "x", "status": "closed", "closed_on": "2026-01-01"}, ("status", "closed_on")),
    ({"kind": "other", "summary": "x", "id": 5, "created_by_id": 1}, ("id", "created_by_id")),
    ({"kind": "other", "summary": "x", "colour": "red"}, ("colour",)),
])
def test_bad_new_cases(api_as, world, body, fields):
    before = count(Case)
    assert_error(api_as("convenor_a1").post("/cases", json=body), 422, "validation_failed", fields=fields)
    assert count(Case) == before


# --- changing -----------------------------------------------------------------------------

def test_patch_fields_status_and_versions(api_as, world):
    made = case(world, "Old", opened_on=ago(5).isoformat())
    api = api_as("convenor_a1")
    url = f"/cases/{made.id}"
    item = api.patch(url, json={"version": 1, "summary": "New", "due_on": (TODAY + timedelta(days=5)).isoformat()}).json
    assert (item["summary"], item["version"]) == ("New", 2)
    assert audit_entries("case_record", made.id, "update")[-1].changes == {
        "summary": ["Old", "New"], "due_on": [None, (TODAY + timedelta(days=5)).isoformat()]}
    # stale: 409 and nothing changed
    assert_error(api.patch(url, json={"version": 1, "summary": "Stale"}), 409, "conflict")
    assert _saved(made.id).summary == "New"
    assert_error(api.patch(url, json={"summary": "No version"}), 422, "validation_failed", fields=("version",))
    # closing needs closed_on; all or nothing
    assert_error(api.patch(url, json={"version": 2, "summary": "Half", "status": "closed"}), 422, "validation_failed",
                 fields=("closed_on",))
    assert _saved(made.id).summary == "New"
    item = api.patch(url, json={"version": 2, "status": "closed", "closed_on": ago(1).isoformat(),
                                "outcome": "Sorted"}).json
    assert (item["status"], item["closed_on"], item["outcome"], item["version"]) == ("closed", ago(1).isoformat(), "Sorted", 3)
    assert_error(api.patch(url, json={"version": 3, "closed_on": ago(1).isoformat(), "status": "open"}), 422,
                 "validation_failed", fields=("closed_on",))
    item = api.patch(url, json={"version": 3, "status": "waiting"}).json
    assert (item["status"], item["closed_on"], item["outcome"]) == ("waiting", None, None)  # reopened, as on the page
    assert_error(api.patch(url, json={"version": item["version"], "status": "shut"}), 422, "validation_failed",
                 fields=("status",))
    assert_error(api.patch(url, json={"version": item["version"], "branch_id": world.branches.a2.id}), 422,
                 "validation_failed", fields=("branch_id",))
    assert_error(api.patch(url, json={"version": item["version"], "created_by_id": 1}), 422, "validation_failed",
                 fields=("created_by_id",))


def test_who_may_patch(api_as, world):
    made = scoped_cases(world)
    assert_error(api_as("ulr_a1").patch(f"/cases/{made.a1_ulr.id}", json={"version": 1, "summary": "Mine"}), 403,
                 "forbidden")
    assert_error(api_as("organiser_a").patch(f"/cases/{made.a1.id}", json={"version": 1, "summary": "No"}), 403,
                 "forbidden")
    assert_error(api_as("convenor_a1").patch(f"/cases/{made.a2.id}", json={"version": 1, "summary": "No"}), 404,
                 "not_found")
    assert _saved(made.a1_ulr.id).summary == "Barnet ULR's own case"


# --- activities ---------------------------------------------------------------------------

def test_activities(api_as, world):
    made = scoped_cases(world)
    ulr = api_as("ulr_a1")
    response = ulr.post(f"/cases/{made.a1_ulr.id}/activities",
                        json={"kind": "meeting", "happened_on": ago(1).isoformat(), "text": "Met the head"})
    assert response.status_code == 201, response.json
    item = response.json
    assert {k: item[k] for k in ("case_id", "kind", "happened_on", "text", "by_id")} == {
        "case_id": made.a1_ulr.id, "kind": "meeting", "happened_on": ago(1).isoformat(), "text": "Met the head",
        "by_id": world.users.ulr_a1.id}
    assert item["by_label"] == "Ulr Barnet <ulr.barnet@example.org>" and item["id"] and item["created_at"]
    assert audit_entries("activity", item["id"], "create")
    before = count(Activity)
    for body, fields in (({}, ("kind", "happened_on", "text")),
                         ({"kind": "fax", "happened_on": TODAY.isoformat(), "text": "x"}, ("kind",)),
                         ({"kind": "note", "happened_on": (TODAY + timedelta(days=1)).isoformat(), "text": "x"},
                          ("happened_on",)),
                         ({"kind": "note", "happened_on": "yesterday", "text": "x"}, ("happened_on",)),
                         ({"kind": "note", "happened_on": TODAY.isoformat(), "text": "x" * 5001}, ("text",)),
                         ({"kind": "note", "happened_on": TODAY.isoformat(), "text": "x", "case_id": 1}, ("case_id",))):
        assert_error(ulr.post(f"/cases/{made.a1_ulr.id}/activities", json=body), 422, "validation_failed", fields=fields)
    assert count(Activity) == before
    good = {"kind": "note", "happened_on": TODAY.isoformat(), "text": "x"}
    assert_error(ulr.post(f"/cases/{made.a1.id}/activities", json=good), 404, "not_found")
    assert_error(api_as("organiser_a").post(f"/cases/{made.a1.id}/activities", json=good), 403, "forbidden")
    assert api_as("convenor_a1").post(f"/cases/{made.a1_ulr.id}/activities", json=good).status_code == 201
    assert_error(ulr.post(f"/cases/{made.a1_ulr.id}/activities", data="{", headers={"Content-Type": "application/json"}),
                 400, "bad_request")


def test_the_document_describes_cases(api_as, world):
    document = api_as("admin").get("/openapi.json").json
    schema = document["components"]["schemas"]["Case"]
    assert CONTRACT_FIELDS <= set(schema["properties"])
    assert schema["properties"]["status"]["enum"] == ["open", "waiting", "closed"]
    assert set(document["paths"]["/api/v1/cases"]) == {"get", "post"}
    assert set(document["paths"]["/api/v1/cases/{case_id}"]) == {"get", "patch"}
    post = document["paths"]["/api/v1/cases/{case_id}/activities"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CaseActivityCreate")
    assert "201" in post["responses"]
    made = case(world, "Listed")
    item = api_as("admin").get(f"/cases/{made.id}").json
    assert set(item) == set(schema["properties"])


# --- nonsense -----------------------------------------------------------------------------

@pytest.mark.parametrize("role_key", ["admin", "convenor_a1"])
def test_nonsense_never_gets_a_500(app, world, api_as, role_key):
    """tests/api/test_robustness.py's walk, over the case routes (it needs a case_id for them)."""
    api = api_as(role_key)
    made = case(world, "Robust", kind="learner_support")
    before = (count(Case), count(Activity), count(FollowUp))
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or "case" not in rule.rule:
            continue
        url = rule.rule.replace("<int:case_id>", str(made.id))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for kw in (BAD_BODIES if method in ("POST", "PATCH") else [{}]):
                response = api.open(url, method, **kw)
                assert response.status_code < 500, (method, url, kw, response.status_code)
                if response.status_code >= 400:
                    assert response.json["error"]["code"], (method, url, kw)
            if method == "GET":
                for query in BAD_QUERIES + ["due=%00", "owner_id=1e9", "kind=%C3"]:
                    response = api.open(f"{url}?{query}", method)
                    assert response.status_code < 500, (url, query)
                    if response.status_code >= 400:
                        assert response.json["error"]["code"]
    assert (count(Case), count(Activity), count(FollowUp)) == before
    assert _saved(made.id).summary == "Robust"


def test_missing_cases_answer_404(api_as, world):
    api = api_as("admin")
    for path in ("/cases/999999", "/cases/2147483648"):
        assert_error(api.get(path), 404, "not_found")
        assert_error(api.patch(path, json={"version": 1}), 404, "not_found")
        assert_error(api.post(f"{path}/activities", json={}), 404, "not_found")
