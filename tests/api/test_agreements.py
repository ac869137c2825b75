"""/api/v1/agreements: lists and filters, scope per role, create, change, status rules, audit."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ulr_app.agreements import queries, services
from ulr_app.agreements.api import coverage_summaries
from ulr_app.agreements.models import Agreement
from ulr_app.core.timeline import TimelineEntry
from ulr_app.extensions import db
from ulr_app.organisation import services as org

from .helpers import agreements_of, assert_error, audit_entries, fresh

CONTRACT_FIELDS = {"id", "version", "branch_id", "employer_id", "title", "kind", "status", "schools_scope", "signed_on",
                   "review_due_on", "expires_on", "learner_time_off", "member_access_paid", "coordinator_release_days",
                   "ulr_places", "employer_signatory", "union_signatory"}
SIGNATURES = {"signed_on": "2026-03-01", "employer_signatory": "Chief Executive", "union_signatory": "Branch Secretary",
              "review_due_on": "2027-03-01"}


def _post(api, **fields):
    body = {"title": "Barnet learning agreement", **fields}
    return api.post("/agreements", json=body)


def _saved(agreement_id: int) -> Agreement:
    fresh()
    return db.session.get(Agreement, agreement_id)


def _timeline(agreement_id: int) -> list[TimelineEntry]:
    fresh()
    return list(db.session.scalars(select(TimelineEntry).where(
        TimelineEntry.object_type == "agreement", TimelineEntry.object_id == agreement_id).order_by(TimelineEntry.id)))


# --- reading ------------------------------------------------------------------------------

def test_an_agreement_as_json(api_as, world):
    a = services.create_agreement({"title": "Barnet learning agreement", "employer_id": world.employers.a1.id,
                                   "schools_scope": "included", "coordinator_release_days": "1", "ulr_places": 10,
                                   "ulr_hours_per_month": "7.5", "ulr_facilities": ["phone", "room"]},
                                  branch=world.branches.a1)
    services.set_named_schools(a, [], [world.workplaces.school_a1.id])
    services.set_ulr_places(a, [("Housing", 2), ("Resources", 1)])
    services.set_learner_time(a, {"skills_for_life": "paid", "higher_education": "own_time"})
    db.session.commit()
    item = api_as("ulr_a1").get(f"/agreements/{a.id}").json
    assert CONTRACT_FIELDS <= set(item)
    assert {k: item[k] for k in CONTRACT_FIELDS} == {
        "id": a.id, "version": a.version, "branch_id": world.branches.a1.id, "employer_id": world.employers.a1.id,
        "title": "Barnet learning agreement", "kind": "partnership", "status": "draft", "schools_scope": "included",
        "signed_on": None, "review_due_on": None, "expires_on": None, "learner_time_off": "not_stated",
        "member_access_paid": False, "coordinator_release_days": 1, "ulr_places": 10, "employer_signatory": None,
        "union_signatory": None,
    }
    assert item["ulr_hours_per_month"] == 7.5 and isinstance(item["ulr_hours_per_month"], float)
    assert item["ulr_facilities"] == ["room", "phone"]
    assert item["named_schools"] == [{"workplace_id": world.workplaces.school_a1.id, "inclusion": "out"}]
    assert item["ulr_places_by_service"] == [{"service": "Housing", "places": 2}, {"service": "Resources", "places": 1}]
    assert item["learner_time_by_course"] == [{"course_category": "skills_for_life", "arrangement": "paid"},
                                              {"course_category": "higher_education", "arrangement": "own_time"}]
    assert item["schools_coverage"] == {"covered": 0, "not_covered": 1, "unclear": 0}
    assert item["last_activity_at"].endswith("+00:00")


def test_list_envelope_filters_and_pages(api_as, world):
    made = agreements_of(world)
    extra = services.create_agreement({"title": "Barnet schools catering", "employer_id": world.employers.a1.id,
                                       "schools_scope": "excluded", "kind": "short_term"}, branch=world.branches.a1)
    services.change_status(extra, "negotiating")
    db.session.commit()
    api = api_as("admin")
    body = api.get("/agreements").json
    assert set(body) == {"items", "page", "per_page", "total"} and body["total"] == 4 and body["per_page"] == 50
    ids = lambda q: sorted(i["id"] for i in api.get(f"/agreements?{q}").json["items"])  # noqa: E731
    assert ids(f"branch_id={world.branches.a1.id}") == sorted([made.a1.id, extra.id])
    assert ids(f"employer_id={world.employers.b1.id}") == [made.b1.id]
    assert ids("status=negotiating") == [extra.id]
    assert ids("schools_scope=excluded") == [extra.id]
    assert ids("schools_scope=silent&status=draft") == sorted([made.a1.id, made.a2.id, made.b1.id])
    assert ids("q=catering") == [extra.id]
    seen = []
    for page in (1, 2, 3):
        body = api.get(f"/agreements?per_page=2&page={page}").json
        assert body["total"] == 4 and body["page"] == page
        seen += [i["id"] for i in body["items"]]
    assert sorted(seen) == sorted([made.a1.id, made.a2.id, made.b1.id, extra.id]) and len(seen) == 4
    for query, name in (("status=sleeping", "status"), ("schools_scope=all", "schools_scope"), ("branch_id=x", "branch_id"),
                        ("colour=red", "colour"), ("per_page=501", "per_page")):
        assert_error(api.get(f"/agreements?{query}"), 400, "bad_request", fields=(name,))


def test_list_coverage_is_the_coverage_page_s(api_as, world):
    """The list works out every page's coverage in one query; it must agree with queries.coverage."""
    academy = org.create_workplace({"employer_id": world.employers.a1.id, "name": "Barnet Academy", "kind": "school",
                                    "urn": 136000, "establishment_type": "Academy converter", "phase": "Secondary"})
    scopes = {}
    for scope in ("included", "excluded", "silent"):
        scopes[scope] = services.create_agreement({"title": f"Barnet {scope}", "employer_id": world.employers.a1.id,
                                                   "schools_scope": scope}, branch=world.branches.a1)
    services.set_named_schools(scopes["silent"], [academy.id], [])
    db.session.commit()
    items = {i["id"]: i["schools_coverage"] for i in api_as("convenor_a1").get("/agreements").json["items"]}
    for a in scopes.values():
        assert items[a.id] == queries.coverage_summary(queries.coverage(a))
    assert items[scopes["included"].id] == {"covered": 1, "not_covered": 1, "unclear": 0}
    assert items[scopes["silent"].id] == {"covered": 1, "not_covered": 0, "unclear": 1}
    assert coverage_summaries([]) == {}


@pytest.mark.parametrize("scope", ["included", "excluded", "silent"])
def test_list_coverage_counts_named_workplaces_as_the_coverage_page_does(api_as, world, scope):
    """Schools counted by type in SQL, named ones moved or added: the same as queries.coverage, with a
    school of the employer named out, another employer's school named in, a service named in, several
    schools of one type."""
    from ulr_app.agreements.models import AgreementSchool

    for n in range(3):
        org.create_workplace({"employer_id": world.employers.a1.id, "name": f"Barnet Infant {n}", "kind": "school",
                              "urn": 137000 + n, "establishment_type": "Community school", "phase": "Primary"})
    academy = org.create_workplace({"employer_id": world.employers.a1.id, "name": "Barnet Academy", "kind": "school",
                                    "urn": 136000, "establishment_type": "Academy converter", "phase": "Secondary"})
    a = services.create_agreement({"title": f"Barnet {scope}", "employer_id": world.employers.a1.id,
                                   "schools_scope": scope}, branch=world.branches.a1)
    db.session.flush()
    for workplace, inclusion in ((world.workplaces.school_a1, "out"), (academy, "in"), (world.workplaces.school_a2, "in"),
                                 (world.workplaces.service_a1, "in")):
        db.session.add(AgreementSchool(agreement_id=a.id, workplace_id=workplace.id, inclusion=inclusion))
    db.session.commit()
    expected = queries.coverage_summary(queries.coverage(db.session.get(Agreement, a.id)))
    assert coverage_summaries([db.session.get(Agreement, a.id)])[a.id] == expected
    assert sum(expected.values()) >= 7  # the employer's schools and the named workplaces were all counted


def test_scope_per_role(api_as, world):
    made = agreements_of(world)
    ids = lambda key: sorted(i["id"] for i in api_as(key).get("/agreements").json["items"])  # noqa: E731
    assert ids("admin") == sorted([made.a1.id, made.a2.id, made.b1.id])
    assert ids("organiser_a") == sorted([made.a1.id, made.a2.id])
    assert ids("organiser_b") == [made.b1.id]
    assert ids("convenor_a1") == ids("ulr_a1") == [made.a1.id]
    assert ids("convenor_a2") == [made.a2.id]
    # another branch's agreement looks exactly like a missing one, even when filtered for
    api = api_as("convenor_a1")
    out_of_scope = assert_error(api.get(f"/agreements/{made.a2.id}"), 404, "not_found")
    assert out_of_scope["fields"] == assert_error(api.get("/agreements/987654"), 404, "not_found")["fields"] == {}
    assert api.get(f"/agreements?branch_id={world.branches.a2.id}").json["total"] == 0
    assert_error(api.patch(f"/agreements/{made.a2.id}", json={"version": 1, "title": "Mine now"}), 404, "not_found")
    assert_error(api_as("ulr_a1").get(f"/agreements/{made.b1.id}"), 404, "not_found")
    assert api_as("organiser_a").get(f"/agreements/{made.a2.id}").status_code == 200


@pytest.mark.parametrize("role_key", ["organiser_a", "ulr_a1"])
def test_organisers_and_ulrs_only_read(api_as, world, role_key):
    made = agreements_of(world)
    api = api_as(role_key)
    assert api.get(f"/agreements/{made.a1.id}").status_code == 200
    assert_error(_post(api, employer_id=world.employers.a1.id, branch_id=world.branches.a1.id), 403, "forbidden")
    assert_error(api.patch(f"/agreements/{made.a1.id}", json={"version": 1, "title": "X"}), 403, "forbidden")
    assert _saved(made.a1.id).title == "Barnet learning agreement"


# --- creating -----------------------------------------------------------------------------

def test_convenor_creates_for_their_own_branch(api_as, world):
    api = api_as("convenor_a1")
    response = _post(api, employer_id=world.employers.a1.id, schools_scope="included", coordinator_release_days=0.5,
                     ulr_places_by_service=[{"service": "Housing", "places": 2}])
    assert response.status_code == 201, response.json
    item = response.json
    assert item["branch_id"] == world.branches.a1.id and item["status"] == "draft" and item["version"] >= 1
    assert item["coordinator_release_days"] == 0.5 and item["ulr_places_by_service"] == [{"service": "Housing", "places": 2}]
    assert _post(api, employer_id=world.employers.a1.id, branch_id=world.branches.a1.id).status_code == 201
    entries = audit_entries("agreement", item["id"])
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[0].actor_id == world.users.convenor_a1.id and entries[0].changes["schools_scope"] == [None, "included"]
    assert [t.kind for t in _timeline(item["id"])] == ["created"]

    error = assert_error(_post(api, employer_id=world.employers.a1.id, branch_id=world.branches.a2.id), 422,
                         "validation_failed", fields=("branch_id",))
    assert "your own branch" in error["fields"]["branch_id"][0]
    assert_error(_post(api, employer_id=world.employers.a2.id), 422, "validation_failed", fields=("employer_id",))
    assert_error(_post(api, employer_id=world.employers.a1.id, status="signed"), 422, "validation_failed",
                 fields=("status",))
    assert _post(api, employer_id=world.employers.a1.id, status="draft").status_code == 201
    fresh()
    assert db.session.scalar(select(db.func.count()).select_from(Agreement)) == 3


def test_admin_must_say_which_branch(api_as, world):
    api = api_as("admin")
    assert_error(_post(api, employer_id=world.employers.b1.id), 422, "validation_failed", fields=("branch_id",))
    assert_error(_post(api, employer_id=world.employers.b1.id, branch_id=999999), 422, "validation_failed",
                 fields=("branch_id",))
    assert_error(_post(api, employer_id=world.employers.b1.id, branch_id=world.branches.a1.id), 422,
                 "validation_failed", fields=("employer_id",))
    response = _post(api, employer_id=world.employers.b1.id, branch_id=world.branches.b1.id)
    assert response.status_code == 201 and response.json["branch_id"] == world.branches.b1.id
    assert audit_entries("agreement", response.json["id"])[0].actor_id == world.users.admin.id


def test_create_reports_every_field_problem(api_as, world):
    api = api_as("convenor_a1")
    error = assert_error(api.post("/agreements", json={"schools_scope": "sometimes", "ulr_places": -1,
                                                       "coordinator_release_days": 9, "review_due_on": "2026-02-30",
                                                       "member_access_paid": "yes"}),
                         422, "validation_failed", fields=("ulr_places", "review_due_on", "member_access_paid"))
    error = assert_error(api.post("/agreements", json={"schools_scope": "sometimes", "coordinator_release_days": 9}),
                         422, "validation_failed",
                         fields=("title", "employer_id", "schools_scope", "coordinator_release_days"))
    assert error["fields"]["title"] == ["Enter the title"]
    assert_error(api.post("/agreements", json={"title": "X", "employer_id": world.employers.a1.id, "id": 5}), 422,
                 "validation_failed", fields=("id",))
    assert_error(api.post("/agreements", json={"title": "X", "employer_id": world.employers.a1.id,
                                               "schools_coverage": {}}), 422, "validation_failed",
                 fields=("schools_coverage",))
    fresh()
    assert db.session.scalar(select(db.func.count()).select_from(Agreement)) == 0


# --- changing -------------------------------------------------------------------------------

def test_patch_fields_and_version(api_as, world):
    a = agreements_of(world).a1
    api = api_as("convenor_a1")
    response = api.patch(f"/agreements/{a.id}", json={"version": 1, "id": a.id, "title": "Barnet and UNISON learning "
                                                      "partnership", "schools_scope": "included", "ulr_places": 10})
    assert response.status_code == 200, response.json
    assert response.json["version"] == 2 and response.json["schools_scope"] == "included"
    entries = audit_entries("agreement", a.id, "update")
    assert entries[-1].changes == {"title": ["Barnet learning agreement", "Barnet and UNISON learning partnership"],
                                   "schools_scope": ["silent", "included"], "ulr_places": [None, 10]}
    assert entries[-1].actor_id == world.users.convenor_a1.id
    # stale: 409, nothing changed, no audit entry
    stale = api.patch(f"/agreements/{a.id}", json={"version": 1, "title": "Someone else's", "status": "negotiating"})
    assert_error(stale, 409, "conflict")
    saved = _saved(a.id)
    assert (saved.title, saved.status, saved.version) == ("Barnet and UNISON learning partnership", "draft", 2)
    assert len(audit_entries("agreement", a.id)) == 2
    # unchanged: same version, no entry
    same = api.patch(f"/agreements/{a.id}", json={"version": 2, "ulr_places": 10, "branch_id": world.branches.a1.id})
    assert same.status_code == 200 and same.json["version"] == 2
    assert len(audit_entries("agreement", a.id)) == 2
    assert_error(api.patch(f"/agreements/{a.id}", json={"title": "X"}), 422, "validation_failed", fields=("version",))
    assert_error(api.patch(f"/agreements/{a.id}", json={"version": 2, "branch_id": world.branches.a2.id}), 422,
                 "validation_failed", fields=("branch_id",))
    assert_error(api.patch(f"/agreements/{a.id}", json={"version": 2, "schools_coverage": {"covered": 9}}), 422,
                 "validation_failed", fields=("schools_coverage",))


def test_status_transitions_409_and_422(api_as, world):
    a = agreements_of(world).a1
    api = api_as("convenor_a1")
    version = lambda: api.get(f"/agreements/{a.id}").json["version"]  # noqa: E731

    # a move the lifecycle forbids: 409 with the status field, nothing else changed either
    error = assert_error(api.patch(f"/agreements/{a.id}", json={"version": 1, "status": "signed", "title": "Signed!"}),
                         409, "conflict", fields=("status",))
    assert "from draft it can go to negotiating, terminated" in error["message"]
    assert _saved(a.id).title == "Barnet learning agreement"

    response = api.patch(f"/agreements/{a.id}", json={"version": 1, "status": "negotiating"})
    assert response.status_code == 200 and response.json["status"] == "negotiating"

    # signing without the signatures: 422 naming each missing field; the title change is rolled back too
    error = assert_error(api.patch(f"/agreements/{a.id}", json={"version": version(), "status": "signed",
                                                                "title": "Renamed", "signed_on": "2026-03-01"}),
                         422, "validation_failed", fields=("employer_signatory", "union_signatory", "review_due_on"))
    assert "signed_on" not in error["fields"]
    saved = _saved(a.id)
    assert (saved.status, saved.title, saved.signed_on) == ("negotiating", "Barnet learning agreement", None)

    # one PATCH: record the signatures and sign it
    response = api.patch(f"/agreements/{a.id}", json={"version": version(), "status": "signed", **SIGNATURES})
    assert response.status_code == 200, response.json
    item = response.json
    assert item["status"] == "signed" and item["signed_on"] == "2026-03-01" and item["union_signatory"] == "Branch Secretary"
    last = audit_entries("agreement", a.id, "update")[-2:]
    assert last[0].changes["employer_signatory"] == [None, "Chief Executive"]
    assert last[1].changes == {"status": ["negotiating", "signed"]}
    assert [t.kind for t in _timeline(a.id)][-3:] == ["status_changed", "edited", "status_changed"]

    # a signed agreement keeps its signatures (422), and cannot go back to draft (409)
    assert_error(api.patch(f"/agreements/{a.id}", json={"version": item["version"], "union_signatory": None}), 422,
                 "validation_failed", fields=("union_signatory",))
    assert_error(api.patch(f"/agreements/{a.id}", json={"version": item["version"], "status": "draft"}), 409, "conflict")
    assert_error(api.patch(f"/agreements/{a.id}", json={"version": item["version"], "status": "sleeping"}), 422,
                 "validation_failed", fields=("status",))
    for target in ("under_review", "signed", "expired"):
        response = api.patch(f"/agreements/{a.id}", json={"version": version(), "status": target})
        assert response.status_code == 200 and response.json["status"] == target
    error = assert_error(api.patch(f"/agreements/{a.id}", json={"version": version(), "status": "signed"}), 409,
                         "conflict")
    assert "cannot change status" in error["message"]
    assert _saved(a.id).status == "expired"


def test_nested_lists_replace_and_are_checked(api_as, world):
    a = agreements_of(world).a1
    api = api_as("admin")
    school, other = world.workplaces.school_a1, world.workplaces.school_b1
    response = api.patch(f"/agreements/{a.id}", json={
        "version": 1, "schools_scope": "excluded", "named_schools": [{"workplace_id": school.id, "inclusion": "in"}],
        "ulr_places_by_service": [{"service": "Housing", "places": 2}, {"service": "Environment", "places": 2}],
        "learner_time_by_course": [{"course_category": "skills_for_life", "arrangement": "paid"}]})
    assert response.status_code == 200, response.json
    item = response.json
    assert item["named_schools"] == [{"workplace_id": school.id, "inclusion": "in"}]
    assert item["schools_coverage"] == {"covered": 1, "not_covered": 0, "unclear": 0}
    assert [p["places"] for p in item["ulr_places_by_service"]] == [2, 2]
    bad = [
        ({"named_schools": [{"workplace_id": other.id, "inclusion": "in"}]}, "named_schools"),  # another branch's school
        ({"named_schools": [{"workplace_id": world.workplaces.service_a1.id, "inclusion": "out"}]}, "named_schools"),
        ({"named_schools": [{"workplace_id": school.id, "inclusion": "in"},
                            {"workplace_id": school.id, "inclusion": "out"}]}, "named_schools"),
        ({"named_schools": [{"workplace_id": school.id, "inclusion": "maybe"}]}, "named_schools"),
        ({"named_schools": [{"workplace_id": "1", "inclusion": "in"}]}, "named_schools"),
        ({"named_schools": [{"workplace_id": 10**30, "inclusion": "in"}]}, "named_schools"),
        ({"named_schools": [school.id]}, "named_schools"),
        ({"named_schools": {"workplace_id": school.id}}, "named_schools"),
        ({"ulr_places_by_service": [{"service": "Housing", "places": 0}]}, "ulr_places_by_service"),
        ({"ulr_places_by_service": [{"service": "Housing", "places": 2.5}]}, "ulr_places_by_service"),
        ({"ulr_places_by_service": [{"service": "Housing", "places": 1}, {"service": "housing", "places": 1}]},
         "ulr_places_by_service"),
        ({"ulr_places_by_service": [{"service": "Housing"}]}, "ulr_places_by_service"),
        ({"learner_time_by_course": [{"course_category": "yoga", "arrangement": "paid"}]}, "learner_time_by_course"),
        ({"learner_time_by_course": [{"course_category": ["esol"], "arrangement": "paid"}]}, "learner_time_by_course"),
        ({"learner_time_by_course": [{"course_category": "esol", "arrangement": "paid"},
                                     {"course_category": "esol", "arrangement": "matched"}]}, "learner_time_by_course"),
        ({"ulr_facilities": [{"room": True}]}, "ulr_facilities"),
        ({"ulr_facilities": ["jacuzzi"]}, "ulr_facilities"),
    ]
    for body, name in bad:
        assert_error(api.patch(f"/agreements/{a.id}", json={"version": item["version"], "title": "Changed", **body}),
                     422, "validation_failed", fields=(name,))
    saved = _saved(a.id)
    assert saved.title == "Barnet learning agreement" and saved.version == item["version"]
    assert [(s.workplace_id, s.inclusion) for s in saved.named_schools] == [(school.id, "in")]
    # empty lists clear them
    response = api.patch(f"/agreements/{a.id}", json={"version": item["version"], "named_schools": [],
                                                      "ulr_places_by_service": [], "learner_time_by_course": []})
    assert response.status_code == 200
    assert (response.json["named_schools"], response.json["ulr_places_by_service"],
            response.json["learner_time_by_course"]) == ([], [], [])


def test_changing_the_employer_clears_named_schools(api_as, world):
    org.link_branch(world.employers.a2, world.branches.a1)
    a = agreements_of(world).a1
    services.set_named_schools(a, [world.workplaces.school_a1.id], [])
    db.session.commit()
    api = api_as("convenor_a1")
    item = api.get(f"/agreements/{a.id}").json
    response = api.patch(f"/agreements/{a.id}", json={"version": item["version"], "employer_id": world.employers.a2.id})
    assert response.status_code == 200 and response.json["named_schools"] == []


NONSENSE = [
    {"version": 1, "title": None}, {"version": 1, "title": ["x"]}, {"version": 1, "title": "x" * 5000},
    {"version": 1, "title": "\u0000"}, {"version": 1, "kind": 7}, {"version": 1, "status": None},
    {"version": 1, "status": ["signed"]}, {"version": 1, "signed_on": "yesterday"}, {"version": 1, "signed_on": 20260301},
    {"version": 1, "coordinator_release_days": "1.5"}, {"version": 1, "coordinator_release_days": 1e308},
    {"version": 1, "coordinator_release_days": -0.0001}, {"version": 1, "ulr_places": 10**20},
    {"version": 1, "ulr_hours_per_month": True}, {"version": 1, "employer_id": None}, {"version": 1, "employer_id": 0},
    {"version": 1, "employer_id": 2**31}, {"version": 1, "branch_id": "a1"}, {"version": 1, "ulr_facilities": "room"},
    {"version": 1, "ulr_facilities": [None]}, {"version": 1, "named_schools": None}, {"version": 1, "named_schools": [[]]},
    {"version": 1, "partnership_meeting_frequency": {}}, {"version": 1, "expires_on": "2026-01-01",
                                                           "starts_on": "2026-06-01"},
    {"version": 1, "whole_employer": False}, {"version": 1, "last_activity_at": "2026-01-01T00:00:00+00:00"},
]


@pytest.mark.parametrize("body", NONSENSE)
def test_nonsense_is_an_error_never_a_500(api_as, world, body):
    a = agreements_of(world).a1
    api = api_as("convenor_a1")
    response = api.patch(f"/agreements/{a.id}", json=body)
    assert 400 <= response.status_code < 500, (body, response.status_code, response.get_data(as_text=True))
    assert response.json["error"]["code"] and isinstance(response.json["error"]["fields"], dict)
    no_version = {k: v for k, v in body.items() if k != "version"}
    response = api.post("/agreements", json={"title": "X", "employer_id": world.employers.a1.id, **no_version})
    assert response.status_code < 500, (body, response.status_code)
    saved = _saved(a.id)
    assert (saved.version, saved.title) == (1, "Barnet learning agreement")


def test_document_describes_agreements(api_as, world):
    agreements_of(world)
    document = api_as("admin").get("/openapi.json").json
    paths = document["paths"]
    assert set(paths["/api/v1/agreements"]) == {"get", "post"}
    assert set(paths["/api/v1/agreements/{agreement_id}"]) == {"get", "patch"}
    schema = document["components"]["schemas"]["Agreement"]
    assert CONTRACT_FIELDS <= set(schema["properties"])
    assert schema["properties"]["coordinator_release_days"]["type"] == ["number", "null"]
    assert schema["properties"]["status"]["enum"] == ["draft", "negotiating", "signed", "under_review", "expired",
                                                      "terminated"]
    assert schema["properties"]["named_schools"]["items"]["properties"]["inclusion"]["enum"] == ["in", "out"]
    assert schema["properties"]["schools_coverage"]["readOnly"] is True
    names = {p.get("name") for p in paths["/api/v1/agreements"]["get"]["parameters"]}
    assert {"branch_id", "employer_id", "status", "schools_scope"} <= names
    for item in api_as("admin").get("/agreements").json["items"]:
        assert set(item) == set(schema["properties"])


def test_dates_in_the_future_and_past_are_kept_exactly(api_as, world):
    a = agreements_of(world).a1
    response = api_as("convenor_a1").patch(f"/agreements/{a.id}", json={
        "version": 1, "starts_on": "2026-04-01", "expires_on": "2029-03-31", "review_due_on": "2027-04-01"})
    assert response.status_code == 200
    saved = _saved(a.id)
    assert (saved.starts_on, saved.review_due_on, saved.expires_on) == (date(2026, 4, 1), date(2027, 4, 1),
                                                                        date(2029, 3, 31))
