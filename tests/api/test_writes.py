"""POST and PATCH: the pages' services, validation and audit trail; versions; role rules on writes."""
from __future__ import annotations

from sqlalchemy import select

from ulr_app.accounts.models import User
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.organisation.models import Branch, Employer, Workplace, branch_employer

from .helpers import assert_error, audit_entries, count, fresh


def _entry(e: AuditEntry, name: str) -> dict:
    """An audit entry with the record's own name and id taken out, for page/API comparison."""
    changes = {k: v for k, v in (e.changes or {}).items() if k != "name"}
    return {"action": e.action, "object_type": e.object_type, "actor_id": e.actor_id, "actor_label": e.actor_label,
            "summary": e.summary.replace(name, "<name>"), "changes": changes,
            "changed_name": "name" in (e.changes or {})}


# --- the same audit trail as the pages --------------------------------------------------

def test_convenor_adds_an_employer_as_the_page_does(login_as, api_as, world):
    page = login_as("convenor_a1")
    response = page.submit("/employers/new", {"name": "Barnet Academies Trust", "kind": "academy_trust", "la_code": "",
                                              "region_id": world.regions.a.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    api = api_as("convenor_a1")
    response = api.post("/employers", json={"name": "Barnet Catering Ltd", "kind": "academy_trust"})
    assert response.status_code == 201, response.json
    item = response.json
    assert item["region_id"] == world.regions.a.id and item["version"] == 1 and item["la_code"] is None
    assert response.headers.get("Location") is None or item["id"]

    fresh()
    by_page = db.session.scalars(select(Employer).where(Employer.name == "Barnet Academies Trust")).one()
    by_api = db.session.get(Employer, item["id"])
    for employer in (by_page, by_api):  # both linked to the convenor's branch, so the convenor can see them
        assert [b.id for b in employer.branches] == [world.branches.a1.id]
    page_entries = [_entry(e, by_page.name) for e in audit_entries("employer", by_page.id)]
    api_entries = [_entry(e, by_api.name) for e in audit_entries("employer", by_api.id)]
    assert page_entries == api_entries and [e["action"] for e in api_entries] == ["create"]
    assert api_entries[0]["actor_id"] == world.users.convenor_a1.id
    assert api.get(f"/employers/{item['id']}").status_code == 200


def test_editing_a_workplace_audits_as_the_page_does(login_as, api_as, world):
    a, b = world.workplaces.school_a1, world.workplaces.school_a2
    page = login_as("admin")
    form = {"employer_id": b.employer_id, "name": b.name, "kind": "school", "urn": str(b.urn),
            "establishment_type": "Community school", "phase": "Secondary", "service": "", "town": "", "postcode": "",
            "version": "1"}
    response = page.submit(f"/workplaces/{b.id}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    api = api_as("admin")
    response = api.patch(f"/workplaces/{a.id}", json={"version": 1, "phase": "Secondary"})
    assert response.status_code == 200, response.json
    assert response.json["phase"] == "Secondary" and response.json["version"] == 2
    page_update = [_entry(e, b.name) for e in audit_entries("workplace", b.id, "update")]
    api_update = [_entry(e, a.name) for e in audit_entries("workplace", a.id, "update")]
    assert api_update == page_update
    assert api_update[0]["changes"] == {"phase": ["Primary", "Secondary"]}


def test_create_and_change_a_branch(api_as, world):
    api = api_as("admin")
    response = api.post("/branches", json={"name": "  Enfield ", "region_id": world.regions.a.id})
    assert response.status_code == 201, response.json
    branch = response.json
    assert branch["name"] == "Enfield" and branch["version"] == 1
    response = api.patch(f"/branches/{branch['id']}", json={"version": 1, "name": "Enfield and Haringey"})
    assert response.status_code == 200 and response.json["version"] == 2
    entries = audit_entries("branch", branch["id"])
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[0].changes == {"name": [None, "Enfield"], "region_id": [None, world.regions.a.id]}
    assert entries[1].changes == {"name": ["Enfield", "Enfield and Haringey"]}
    # a PATCH that changes nothing: no new version, no audit entry
    response = api.patch(f"/branches/{branch['id']}", json={"version": 2, "name": "Enfield and Haringey", "id": branch["id"]})
    assert response.status_code == 200 and response.json["version"] == 2
    assert len(audit_entries("branch", branch["id"])) == 2


# --- versions -----------------------------------------------------------------------------

def test_stale_version_is_409_and_nothing_changes(api_as, world):
    api = api_as("admin")
    employer = world.employers.a1
    first = api.patch(f"/employers/{employer.id}", json={"version": 1, "name": "LB Barnet"})
    assert first.status_code == 200 and first.json["version"] == 2
    before = len(audit_entries("employer", employer.id))
    stale = api.patch(f"/employers/{employer.id}", json={"version": 1, "name": "Someone else's name", "la_code": "999"})
    assert_error(stale, 409, "conflict")
    fresh()
    saved = db.session.get(Employer, employer.id)
    assert (saved.name, saved.la_code, saved.version) == ("LB Barnet", "302", 2)
    assert len(audit_entries("employer", employer.id)) == before


def test_a_version_from_the_future_is_409_too(api_as, world):
    assert_error(api_as("admin").patch(f"/branches/{world.branches.a1.id}", json={"version": 7, "name": "X"}),
                 409, "conflict")


def test_patch_without_version_is_422(api_as, world):
    api = api_as("admin")
    error = assert_error(api.patch(f"/branches/{world.branches.a1.id}", json={"name": "X"}), 422, "validation_failed",
                         fields=("version",))
    assert "version is required" in error["fields"]["version"][0]
    for bad in ("1", 1.5, True, 0, -3, None, [1]):
        assert_error(api.patch(f"/branches/{world.branches.a1.id}", json={"version": bad, "name": "X"}),
                     422, "validation_failed", fields=("version",))
    fresh()
    assert db.session.get(Branch, world.branches.a1.id).name == "Barnet"


# --- validation: 422 with fields ----------------------------------------------------------

def test_service_validation_is_422_with_fields(api_as, world):
    api = api_as("admin")
    error = assert_error(api.post("/branches", json={}), 422, "validation_failed", fields=("name", "region_id"))
    assert error["fields"]["name"] == ["Enter the branch name"]
    assert_error(api.post("/branches", json={"name": "Barnet", "region_id": world.regions.a.id}), 422,
                 "validation_failed", fields=("name",))  # already exists in the region
    assert_error(api.post("/branches", json={"name": "X" * 121, "region_id": world.regions.a.id}), 422,
                 "validation_failed", fields=("name",))
    assert_error(api.post("/branches", json={"name": "New", "region_id": 999999}), 422, "validation_failed",
                 fields=("region_id",))
    assert_error(api.post("/employers", json={"name": "X", "kind": "castle", "la_code": "12",
                                              "region_id": world.regions.a.id}),
                 422, "validation_failed", fields=("kind", "la_code"))
    assert_error(api.post("/workplaces", json={"employer_id": world.employers.a1.id, "name": "A school", "kind": "school"}),
                 422, "validation_failed", fields=("urn",))
    assert_error(api.post("/workplaces", json={"employer_id": world.employers.a1.id, "name": "Dup", "kind": "school",
                                               "urn": 101309}), 422, "validation_failed", fields=("urn",))
    assert count(Workplace) == 4 and count(Branch) == 3


def test_wrong_json_types_are_422_not_500(api_as, world):
    api = api_as("admin")
    cases = [
        ("/branches", {"name": 5, "region_id": world.regions.a.id}, "name"),
        ("/branches", {"name": "X", "region_id": "abc"}, "region_id"),
        ("/branches", {"name": "X", "region_id": True}, "region_id"),
        ("/branches", {"name": "X", "region_id": 1.0}, "region_id"),
        ("/branches", {"name": "X", "region_id": 10**20}, "region_id"),
        ("/branches", {"name": ["X"], "region_id": world.regions.a.id}, "name"),
        ("/branches", {"name": "a\u0000b", "region_id": world.regions.a.id}, "name"),
        ("/employers", {"name": "X", "kind": ["other"], "region_id": world.regions.a.id}, "kind"),
        ("/employers", {"name": "X", "kind": {"a": 1}, "region_id": world.regions.a.id}, "kind"),
        ("/employers", {"name": "X", "kind": "other", "la_code": 302, "region_id": world.regions.a.id}, "la_code"),
        ("/workplaces", {"employer_id": "abc", "name": "X", "kind": "other"}, "employer_id"),
        ("/workplaces", {"employer_id": str(world.employers.a1.id), "name": "X", "kind": "other"}, "employer_id"),
        ("/workplaces", {"employer_id": world.employers.a1.id, "name": "X", "kind": "school", "urn": "101999"}, "urn"),
        ("/workplaces", {"employer_id": world.employers.a1.id, "name": "X", "kind": "school", "urn": 10**40}, "urn"),
        ("/workplaces", {"employer_id": world.employers.a1.id, "name": None, "kind": "other"}, "name"),
        ("/users", {"email": 5, "name": "X", "role": "admin"}, "email"),
        ("/users", {"email": "x@example.org", "name": "X", "role": "admin", "active": "yes"}, "active"),
        ("/users", {"email": "x@example.org", "name": "X", "role": "admin", "active": None}, "active"),
        ("/users", {"email": "x@example.org", "name": "X", "role": 1}, "role"),
    ]
    for path, body, field in cases:
        assert_error(api.post(path, json=body), 422, "validation_failed", fields=(field,))
    assert count(Branch) == 3 and count(Employer) == 3 and count(Workplace) == 4 and count(User) == 8


def test_unknown_and_read_only_fields_are_422_listing_them(api_as, world):
    api = api_as("admin")
    error = assert_error(api.post("/branches", json={"name": "X", "region_id": world.regions.a.id, "colour": "red",
                                                     "code": 1, "id": 5, "version": 1}),
                         422, "validation_failed", fields=("colour", "code", "id", "version"))
    assert "colour" in error["message"] and "code" in error["message"]
    assert error["fields"]["id"] == ["This field is read-only"]
    assert_error(api.patch(f"/workplaces/{world.workplaces.school_a1.id}",
                           json={"version": 1, "la_code": "302", "id": world.workplaces.school_a2.id}),
                 422, "validation_failed", fields=("la_code", "id"))
    assert count(Branch) == 3


# --- malformed bodies: 400 ------------------------------------------------------------------

def test_malformed_bodies_are_400(api_as, world):
    api = api_as("admin")
    path = "/branches"
    json_type = {"Content-Type": "application/json"}
    cases = [
        dict(data="{not json", headers=json_type),
        dict(data="[1, 2]", headers=json_type),
        dict(data='"a string"', headers=json_type),
        dict(data="null", headers=json_type),
        dict(data="42", headers=json_type),
        dict(data="", headers=json_type),
        dict(data='{"name": NaN}', headers=json_type),
        dict(data='{"name": Infinity}', headers=json_type),
        dict(data=b'{"name": "\xff\xfe"}', headers=json_type),
        dict(data="[" * 100000 + "]" * 100000, headers=json_type),
        dict(data={"name": "X"}),  # a form post
        dict(data='{"name": "X"}', headers={"Content-Type": "text/plain"}),
        dict(data='{"name": "X"}'),  # no content type at all
    ]
    for kw in cases:
        assert_error(api.post(path, **kw), 400, "bad_request")
        assert_error(api.patch(f"/branches/{world.branches.a1.id}", **kw), 400, "bad_request")
    assert count(Branch) == 3


# --- role rules on writes -------------------------------------------------------------------

def test_convenor_employer_rules(api_as, world):
    api = api_as("convenor_a1")
    mine = api.get(f"/employers/{world.employers.a1.id}").json
    response = api.patch(f"/employers/{mine['id']}", json={"version": mine["version"], "la_code": None})
    assert response.status_code == 200 and response.json["la_code"] is None
    # may not move it to another region (the pages do not even offer it)
    error = assert_error(api.patch(f"/employers/{mine['id']}", json={"version": 2, "region_id": world.regions.b.id}),
                         403, "forbidden", fields=("region_id",))
    assert "administrator" in error["message"]
    # sending the region it already has is fine
    assert api.patch(f"/employers/{mine['id']}", json={"version": 2, "region_id": world.regions.a.id}).status_code == 200
    # another branch's employer is out of scope
    assert_error(api.patch(f"/employers/{world.employers.a2.id}", json={"version": 1, "name": "X"}), 404, "not_found")
    # a new employer is in the branch's region
    assert_error(api.post("/employers", json={"name": "Elsewhere Ltd", "kind": "contractor",
                                              "region_id": world.regions.b.id}),
                 422, "validation_failed", fields=("region_id",))
    fresh()
    assert db.session.get(Employer, world.employers.a1.id).region_id == world.regions.a.id


def test_convenor_workplace_rules(api_as, world):
    api = api_as("convenor_a1")
    created = api.post("/workplaces", json={"employer_id": world.employers.a1.id, "name": "Barnet Depot", "kind": "other"})
    assert created.status_code == 201, created.json
    # not on another branch's employer, nor moved to one
    assert_error(api.post("/workplaces", json={"employer_id": world.employers.a2.id, "name": "X", "kind": "other"}),
                 422, "validation_failed", fields=("employer_id",))
    assert_error(api.patch(f"/workplaces/{created.json['id']}", json={"version": 1, "employer_id": world.employers.b1.id}),
                 422, "validation_failed", fields=("employer_id",))
    assert_error(api.patch(f"/workplaces/{world.workplaces.school_a2.id}", json={"version": 1, "name": "X"}),
                 404, "not_found")
    fresh()
    assert db.session.get(Workplace, created.json["id"]).employer_id == world.employers.a1.id
    link = db.session.execute(select(branch_employer).where(branch_employer.c.employer_id == world.employers.a2.id)).all()
    assert len(link) == 1


# --- users ------------------------------------------------------------------------------------

def test_admin_creates_a_user_with_a_password_shown_once(api_as, make_client, world):
    api = api_as("admin")
    response = api.post("/users", json={"email": "New.Convenor@Example.org", "name": "Nia New", "role": "branch_convenor",
                                        "branch_id": world.branches.b1.id})
    assert response.status_code == 201, response.json
    body = response.json
    password = body.pop("password")
    assert len(password) >= 12
    assert body == {"id": body["id"], "version": 1, "email": "new.convenor@example.org", "name": "Nia New",
                    "role": "branch_convenor", "region_id": world.regions.b.id, "branch_id": world.branches.b1.id,
                    "active": True}
    assert "password" not in api.get(f"/users/{body['id']}").json
    entries = audit_entries("user_account", body["id"])
    assert [e.action for e in entries] == ["create"] and entries[0].actor_id == world.users.admin.id
    assert "password_hash" not in (entries[0].changes or {})
    make_client().login("new.convenor@example.org", password)  # the password works


def test_user_validation(api_as, world):
    api = api_as("admin")
    assert_error(api.post("/users", json={}), 422, "validation_failed", fields=("email", "name", "role"))
    assert_error(api.post("/users", json={"email": world.users.ulr_a1.email.upper(), "name": "Dup", "role": "admin"}),
                 422, "validation_failed", fields=("email",))
    assert_error(api.post("/users", json={"email": "o@example.org", "name": "O", "role": "regional_organiser"}),
                 422, "validation_failed", fields=("region_id",))
    assert_error(api.post("/users", json={"email": "o@example.org", "name": "O", "role": "learning_rep",
                                          "branch_id": 999999}), 422, "validation_failed", fields=("branch_id",))
    assert count(User) == 8


def test_admin_changes_a_user(api_as, world):
    api = api_as("admin")
    ulr = api.get(f"/users/{world.users.ulr_a1.id}").json
    response = api.patch(f"/users/{ulr['id']}", json={"version": ulr["version"], "role": "branch_convenor",
                                                      "name": "Uma Convenor"})
    assert response.status_code == 200, response.json
    assert response.json["role"] == "branch_convenor" and response.json["version"] == ulr["version"] + 1
    entries = audit_entries("user_account", ulr["id"], "update")
    assert entries[-1].changes["role"] == ["learning_rep", "branch_convenor"]
    assert_error(api.patch(f"/users/{ulr['id']}", json={"version": ulr["version"], "name": "Stale"}), 409, "conflict")


def test_admin_cannot_disable_themselves(api_as, world):
    api = api_as("admin")
    me = api.get(f"/users/{world.users.admin.id}").json
    assert_error(api.patch(f"/users/{me['id']}", json={"version": me["version"], "active": False}),
                 422, "validation_failed", fields=("active",))
    assert api.get("/regions").status_code == 200
