"""Lists: the envelope, pagination, the filters the contract names, and 400 for nonsense."""
from __future__ import annotations

import pytest

from ulr_app.organisation import services as org
from ulr_app.extensions import db

from .helpers import assert_error

RESOURCES = ("regions", "branches", "employers", "workplaces", "users")


@pytest.mark.parametrize("resource", RESOURCES)
def test_envelope(api_as, world, resource):
    response = api_as("admin").get(f"/{resource}")
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"items", "page", "per_page", "total"}
    assert body["page"] == 1 and body["per_page"] == 50
    assert body["total"] == len(body["items"]) > 0
    ids = [item["id"] for item in body["items"]]
    assert len(ids) == len(set(ids))


def test_items_carry_the_contract_fields(api_as, world):
    api = api_as("admin")
    first = lambda r: api.get(f"/{r}").json["items"][0]  # noqa: E731
    assert {"id", "name", "code"} <= set(first("regions"))
    assert {"id", "version", "name", "region_id"} <= set(first("branches"))
    assert {"id", "version", "name", "kind", "la_code", "region_id"} <= set(first("employers"))
    assert {"id", "version", "employer_id", "name", "kind", "urn", "establishment_type", "phase", "service"} <= set(first("workplaces"))
    user = first("users")
    assert {"id", "version", "email", "name", "role", "region_id", "branch_id", "active"} <= set(user)
    assert "password_hash" not in user and "password" not in user


def test_a_school_as_json(api_as, world):
    school = world.workplaces.school_a1
    item = api_as("admin").get(f"/workplaces/{school.id}").json
    assert item == {
        "id": school.id, "version": 1, "employer_id": world.employers.a1.id, "name": "Brunswick Park Primary School",
        "kind": "school", "urn": 101309, "establishment_type": "Community school", "establishment_type_group": None,
        "establishment_status": None, "phase": "Primary", "la_code": None, "service": None, "town": None,
        "postcode": None, "contact_name": None, "contact_role": None,
    }


def test_pagination_walks_every_item_once(api_as, world):
    api = api_as("admin")
    for i in range(7):
        org.create_workplace({"employer_id": world.employers.b1.id, "name": f"Depot {i}", "kind": "other"})
    db.session.commit()
    total = api.get("/workplaces").json["total"]
    assert total == 11
    seen = []
    for page in (1, 2, 3, 4):
        body = api.get(f"/workplaces?per_page=3&page={page}").json
        assert body["page"] == page and body["per_page"] == 3 and body["total"] == total
        seen += [w["id"] for w in body["items"]]
    assert len(seen) == len(set(seen)) == total
    assert api.get("/workplaces?per_page=3&page=5").json["items"] == []


def test_a_page_far_beyond_the_end_is_empty_not_an_error(api_as, world):
    body = api_as("admin").get("/regions?page=999999999999&per_page=500").json
    assert body["items"] == [] and body["page"] == 999999999999 and body["total"] > 0


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"), ("page=1e3", "page"),
    ("page=", "page"), ("page=%00", "page"), ("page=" + "9" * 40, "page"),
    ("per_page=0", "per_page"), ("per_page=501", "per_page"), ("per_page=" + "9" * 30, "per_page"),
    ("per_page=x", "per_page"), ("per_page=-5", "per_page"),
])
def test_bad_pagination_is_400(api_as, world, query, field):
    response = api_as("admin").get(f"/employers?{query}")
    error = assert_error(response, 400, "bad_request", fields=(field,))
    assert field in error["message"]


def test_per_page_500_is_allowed(api_as, world):
    assert api_as("admin").get("/users?per_page=500").json["per_page"] == 500


@pytest.mark.parametrize("query, field", [
    ("employer_id=abc", "employer_id"), ("employer_id=0", "employer_id"), ("employer_id=99999999999999", "employer_id"),
    ("kind=castle", "kind"), ("employerid=1", "employerid"), ("kind=school&kind=service", "kind"),
    ("q=%00", "q"), ("q=" + "x" * 201, "q"),
])
def test_bad_filters_are_400(api_as, world, query, field):
    assert_error(api_as("admin").get(f"/workplaces?{query}"), 400, "bad_request", fields=(field,))


def test_workplace_filters(api_as, world):
    api = api_as("admin")
    ids = lambda q: sorted(w["id"] for w in api.get(f"/workplaces?{q}").json["items"])  # noqa: E731
    w = world.workplaces
    assert ids(f"employer_id={world.employers.a1.id}") == sorted([w.school_a1.id, w.service_a1.id])
    assert ids("kind=service") == [w.service_a1.id]
    assert ids(f"kind=school&employer_id={world.employers.a1.id}") == [w.school_a1.id]
    assert ids("kind=other") == []
    assert ids("q=argyle") == [w.school_a2.id]
    assert ids("q=108495") == [w.school_b1.id]
    assert ids("employer_id=") == sorted(x.id for x in vars(w).values())  # empty filter: ignored


def test_employer_filters(api_as, world):
    api = api_as("admin")
    ids = lambda q: sorted(e["id"] for e in api.get(f"/employers?{q}").json["items"])  # noqa: E731
    e = world.employers
    assert ids(f"region_id={world.regions.a.id}") == sorted([e.a1.id, e.a2.id])
    assert ids(f"region_id={world.regions.b.id}") == [e.b1.id]
    assert ids("kind=local_authority") == sorted([e.a1.id, e.a2.id, e.b1.id])
    assert ids("kind=academy_trust") == []
    assert ids(f"branch_id={world.branches.a2.id}") == [e.a2.id]
    assert ids("q=302") == [e.a1.id]
    assert_error(api.get("/employers?kind=council"), 400, "bad_request", fields=("kind",))


def test_branch_filters(api_as, world):
    api = api_as("admin")
    ids = lambda q: sorted(b["id"] for b in api.get(f"/branches?{q}").json["items"])  # noqa: E731
    assert ids(f"region_id={world.regions.a.id}") == sorted([world.branches.a1.id, world.branches.a2.id])
    assert ids(f"region_id={world.regions.b.id}") == [world.branches.b1.id]
    assert ids("q=camden") == [world.branches.a2.id]


def test_user_filters(api_as, world):
    api = api_as("admin")
    emails = lambda q: sorted(u["email"] for u in api.get(f"/users?{q}").json["items"])  # noqa: E731
    assert emails("role=regional_organiser") == sorted([world.users.organiser_a.email, world.users.organiser_b.email])
    assert len(emails("active=true")) == 8 and emails("active=false") == []
    assert emails("q=newcastle") == sorted([world.users.convenor_b1.email, world.users.ulr_b1.email])
    assert_error(api.get("/users?active=maybe"), 400, "bad_request", fields=("active",))
    assert_error(api.get("/users?role=king"), 400, "bad_request", fields=("role",))


def test_a_filter_outside_your_scope_finds_nothing(api_as, world):
    api = api_as("organiser_a")
    body = api.get(f"/employers?region_id={world.regions.b.id}").json
    assert body["items"] == [] and body["total"] == 0
