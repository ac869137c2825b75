"""/api/v1/reps: ULR appointments as JSON, computed status, filters, scope, create, change, the one-notice rule."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ulr_app.core.dates import add_months
from ulr_app.extensions import db
from ulr_app.reps import services
from ulr_app.reps.models import Rep

from .helpers import assert_error, audit_entries, fresh, reps_of

CONTRACT_FIELDS = {"id", "version", "branch_id", "employer_id", "workplace_id", "user_id", "name", "email",
                   "appointed_on", "notice_given_on", "training_route", "will_train_notice_on", "trained_on",
                   "training_completion_notified_on", "stood_down_on", "status", "eligible_for_paid_time_off",
                   "training_deadline", "school_based"}
TODAY = date.today()


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def _saved(rep_id: int) -> Rep:
    fresh()
    return db.session.get(Rep, rep_id)


def _body(world, **kw):
    return {"name": "Pat Jones", "email": "pat.jones@example.org", "employer_id": world.employers.a1.id,
            "workplace_id": world.workplaces.school_a1.id, "appointed_on": ago(40), "notice_given_on": ago(39),
            "training_route": "will_train", "will_train_notice_on": ago(39), **kw}


@pytest.fixture
def every_status(world):
    """One Barnet ULR in each status (today), and the ULR whose deadline is in under a month."""
    a1 = world.branches.a1
    housing, school = world.workplaces.service_a1.id, world.workplaces.school_a1.id
    made = {}
    for key, workplace, extra in (
            ("appointed", housing, {"notice_given_on": None, "will_train_notice_on": None}),
            ("active", housing, {"training_route": "already_trained", "will_train_notice_on": None,
                                 "trained_on": ago(300), "training_completion_notified_on": ago(299)}),
            ("training_due", school, {}),
            ("warning", housing, {"appointed_on": ago(170), "notice_given_on": ago(165),
                                  "will_train_notice_on": ago(165)}),
            ("lapsed", school, {"appointed_on": ago(400), "notice_given_on": ago(390),
                                "will_train_notice_on": ago(390)}),
            ("stood_down", housing, {"appointed_on": ago(400), "notice_given_on": ago(390),
                                     "will_train_notice_on": ago(390), "stood_down_on": ago(10)})):
        made[key] = services.create_rep(_body(world, name=f"Rep {key}", email=f"{key}@example.org",
                                              workplace_id=workplace, **extra), branch=a1)
    db.session.commit()
    return made


# --- reading ------------------------------------------------------------------------------

def test_a_rep_as_json(api_as, world, every_status):
    rep = every_status["training_due"]
    item = api_as("convenor_a1").get(f"/reps/{rep.id}").json
    assert CONTRACT_FIELDS <= set(item)
    notice = TODAY - timedelta(days=39)
    assert {k: item[k] for k in CONTRACT_FIELDS} == {
        "id": rep.id, "version": 1, "branch_id": world.branches.a1.id, "employer_id": world.employers.a1.id,
        "workplace_id": world.workplaces.school_a1.id, "user_id": None, "name": "Rep training_due",
        "email": "training_due@example.org", "appointed_on": ago(40), "notice_given_on": ago(39),
        "training_route": "will_train", "will_train_notice_on": ago(39), "trained_on": None,
        "training_completion_notified_on": None, "stood_down_on": None, "status": "training_due",
        "eligible_for_paid_time_off": True, "training_deadline": add_months(notice, 6).isoformat(),
        "school_based": True,
    }
    assert item["training_warning"] is False


def test_every_status_is_computed(api_as, world, every_status):
    api = api_as("admin")
    got = {key: api.get(f"/reps/{rep.id}").json for key, rep in every_status.items()}
    assert {k: v["status"] for k, v in got.items()} == {
        "appointed": "appointed", "active": "active", "training_due": "training_due", "warning": "training_due",
        "lapsed": "lapsed", "stood_down": "stood_down"}
    assert {k for k, v in got.items() if v["eligible_for_paid_time_off"]} == {"active", "training_due", "warning"}
    assert got["warning"]["training_warning"] is True and got["training_due"]["training_warning"] is False
    assert got["active"]["training_deadline"] is None and got["stood_down"]["training_deadline"] is None
    assert got["lapsed"]["training_deadline"] == add_months(TODAY - timedelta(days=390), 6).isoformat()
    assert {k for k, v in got.items() if v["school_based"]} == {"training_due", "lapsed"}


def test_list_filters_and_pages_by_computed_status(api_as, world, every_status):
    theirs = reps_of(world)
    api = api_as("admin")
    ids = lambda q: sorted(i["id"] for i in api.get(f"/reps?{q}").json["items"])  # noqa: E731
    body = api.get("/reps").json
    assert set(body) == {"items", "page", "per_page", "total"} and body["total"] == 10
    assert ids("status=training_due") == sorted([every_status["training_due"].id, every_status["warning"].id]
                                                + [r.id for r in vars(theirs).values()])
    assert ids("status=lapsed") == [every_status["lapsed"].id]
    assert ids("status=stood_down&employer_id=" + str(world.employers.a1.id)) == [every_status["stood_down"].id]
    assert ids(f"branch_id={world.branches.b1.id}") == [theirs.b1.id]
    assert ids(f"employer_id={world.employers.a2.id}") == [theirs.a2.id]
    assert ids(f"branch_id={world.branches.a2.id}&status=active") == []
    assert ids("workplace_kind=service&status=appointed") == [every_status["appointed"].id]
    assert ids("q=rep%20lap") == [every_status["lapsed"].id]
    # the status filter pages in Python: the same total and no repeats
    seen = []
    for page in (1, 2, 3, 4):
        body = api.get(f"/reps?status=training_due&per_page=2&page={page}").json
        assert body["total"] == 6 and body["page"] == page and body["per_page"] == 2
        seen += [i["id"] for i in body["items"]]
    assert len(seen) == len(set(seen)) == 6
    assert api.get("/reps?status=training_due&page=9").json == {"items": [], "page": 9, "per_page": 50, "total": 6}
    for query, name in (("status=asleep", "status"), ("branch_id=x", "branch_id"), ("colour=red", "colour"),
                        ("workplace_kind=castle", "workplace_kind")):
        assert_error(api.get(f"/reps?{query}"), 400, "bad_request", fields=(name,))


def test_scope_per_role(api_as, world):
    reps = reps_of(world)
    ids = lambda key: sorted(i["id"] for i in api_as(key).get("/reps").json["items"])  # noqa: E731
    assert ids("admin") == sorted(r.id for r in vars(reps).values())
    assert ids("organiser_a") == sorted([reps.a1.id, reps.a1_other.id, reps.a2.id])
    assert ids("organiser_b") == [reps.b1.id]
    assert ids("convenor_a1") == sorted([reps.a1.id, reps.a1_other.id])
    assert ids("ulr_a1") == [reps.a1.id]  # a ULR sees their own appointment only
    api = api_as("convenor_a1")
    out = assert_error(api.get(f"/reps/{reps.a2.id}"), 404, "not_found")
    assert out["fields"] == assert_error(api.get("/reps/987654"), 404, "not_found")["fields"] == {}
    assert api.get(f"/reps?branch_id={world.branches.a2.id}").json["total"] == 0
    assert_error(api.patch(f"/reps/{reps.a2.id}", json={"version": 1, "name": "Mine"}), 404, "not_found")
    assert_error(api_as("ulr_a1").get(f"/reps/{reps.a1_other.id}"), 404, "not_found")


@pytest.mark.parametrize("role_key", ["organiser_a", "ulr_a1"])
def test_organisers_and_ulrs_only_read(api_as, world, role_key):
    rep = reps_of(world).a1
    api = api_as(role_key)
    assert api.get(f"/reps/{rep.id}").status_code == 200
    assert_error(api.post("/reps", json={**_body(world), "branch_id": world.branches.a1.id}), 403, "forbidden")
    assert_error(api.patch(f"/reps/{rep.id}", json={"version": 1, "name": "X"}), 403, "forbidden")
    assert _saved(rep.id).name == "Ulr Barnet"


# --- creating -----------------------------------------------------------------------------

def test_convenor_appoints_for_their_own_branch(api_as, world):
    api = api_as("convenor_a1")
    response = api.post("/reps", json=_body(world, user_id=world.users.ulr_a1.id))
    assert response.status_code == 201, response.json
    item = response.json
    assert item["branch_id"] == world.branches.a1.id and item["status"] == "training_due"
    assert item["user_id"] == world.users.ulr_a1.id and item["school_based"] is True
    entries = audit_entries("rep", item["id"])
    assert [e.action for e in entries] == ["create"] and entries[0].actor_id == world.users.convenor_a1.id
    # the same person cannot be given a second 'will be trained' notice (s.168A(5))
    error = assert_error(api.post("/reps", json=_body(world, will_train_notice_on=ago(5), appointed_on=ago(6),
                                                      notice_given_on=ago(6))),
                         422, "validation_failed", fields=("will_train_notice_on",))
    assert "only one 'will be trained' notice" in error["fields"]["will_train_notice_on"][0]
    assert_error(api.post("/reps", json=_body(world, email="x@example.org", branch_id=world.branches.a2.id)), 422,
                 "validation_failed", fields=("branch_id",))
    assert_error(api.post("/reps", json=_body(world, email="y@example.org", employer_id=world.employers.a2.id,
                                              workplace_id=None)), 422, "validation_failed", fields=("employer_id",))
    assert_error(api.post("/reps", json=_body(world, email="z@example.org", user_id=world.users.ulr_b1.id)), 422,
                 "validation_failed", fields=("user_id",))
    assert_error(api.post("/reps", json=_body(world, email="w@example.org", status="active")), 422,
                 "validation_failed", fields=("status",))
    error = assert_error(api.post("/reps", json={"training_route": "sometimes", "appointed_on": "2026-02-30"}), 422,
                         "validation_failed", fields=("appointed_on",))
    error = assert_error(api.post("/reps", json={"training_route": "sometimes", "appointed_on": ago(1)}), 422,
                         "validation_failed", fields=("name", "employer_id", "training_route"))
    assert_error(api.post("/reps", json=_body(world, email="v@example.org", appointed_on=(TODAY + timedelta(days=3))
                                              .isoformat())), 422, "validation_failed", fields=("appointed_on",))
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Rep)) == 1


def test_admin_must_say_which_branch(api_as, world):
    api = api_as("admin")
    body = _body(world, employer_id=world.employers.b1.id, workplace_id=world.workplaces.school_b1.id)
    assert_error(api.post("/reps", json=body), 422, "validation_failed", fields=("branch_id",))
    assert_error(api.post("/reps", json={**body, "branch_id": 999999}), 422, "validation_failed", fields=("branch_id",))
    response = api.post("/reps", json={**body, "branch_id": world.branches.b1.id})
    assert response.status_code == 201 and response.json["branch_id"] == world.branches.b1.id
    assert audit_entries("rep", response.json["id"])[0].actor_id == world.users.admin.id


# --- changing -------------------------------------------------------------------------------

def test_patch_fields_version_and_milestones(api_as, world):
    rep = reps_of(world).a1_other
    api = api_as("convenor_a1")
    response = api.patch(f"/reps/{rep.id}", json={"version": 1, "id": rep.id, "trained_on": ago(3),
                                                  "training_course": "ULR stage 1",
                                                  "training_completion_notified_on": ago(2)})
    assert response.status_code == 200, response.json
    item = response.json
    assert item["version"] == 2 and item["status"] == "active" and item["training_deadline"] is None
    assert audit_entries("rep", rep.id, "update")[-1].actor_id == world.users.convenor_a1.id
    # stale: 409, nothing changed
    assert_error(api.patch(f"/reps/{rep.id}", json={"version": 1, "name": "Someone else's"}), 409, "conflict")
    assert _saved(rep.id).name == "Sam Other"
    # unchanged: same version
    assert api.patch(f"/reps/{rep.id}", json={"version": 2, "name": "Sam Other"}).json["version"] == 2
    assert_error(api.patch(f"/reps/{rep.id}", json={"name": "X"}), 422, "validation_failed", fields=("version",))
    assert_error(api.patch(f"/reps/{rep.id}", json={"version": 2, "branch_id": world.branches.a2.id}), 422,
                 "validation_failed", fields=("branch_id",))
    assert_error(api.patch(f"/reps/{rep.id}", json={"version": 2, "training_deadline": "2027-01-01"}), 422,
                 "validation_failed", fields=("training_deadline",))
    stood = api.patch(f"/reps/{rep.id}", json={"version": 2, "stood_down_on": ago(0)})
    assert stood.status_code == 200 and stood.json["status"] == "stood_down"


def test_the_one_notice_rule_and_an_admin_s_correction(api_as, world):
    rep = reps_of(world).a1
    error = assert_error(api_as("convenor_a1").patch(f"/reps/{rep.id}", json={
        "version": 1, "will_train_notice_on": ago(20), "name": "Renamed"}), 422, "validation_failed",
        fields=("will_train_notice_on",))
    assert "only one 'will be trained' notice" in error["fields"]["will_train_notice_on"][0]
    assert "administrator" in error["fields"]["will_train_notice_on"][0]
    saved = _saved(rep.id)
    assert (saved.will_train_notice_on, saved.name, saved.version) == (TODAY - timedelta(days=59), "Ulr Barnet", 1)
    response = api_as("admin").patch(f"/reps/{rep.id}", json={"version": 1, "will_train_notice_on": ago(20)})
    assert response.status_code == 200, response.json
    assert response.json["training_deadline"] == add_months(TODAY - timedelta(days=20), 6).isoformat()
    entry = audit_entries("rep", rep.id, "update")[-1]
    assert entry.actor_id == world.users.admin.id and entry.changes["will_train_notice_on"] == [ago(59), ago(20)]


NONSENSE = [
    {"version": 1, "name": None}, {"version": 1, "name": ["x"]}, {"version": 1, "name": "x" * 5000},
    {"version": 1, "name": "\u0000"}, {"version": 1, "training_route": 7}, {"version": 1, "status": "active"},
    {"version": 1, "appointed_on": "yesterday"}, {"version": 1, "appointed_on": 20260301},
    {"version": 1, "appointed_on": None}, {"version": 1, "employer_id": 0}, {"version": 1, "employer_id": 2**31},
    {"version": 1, "workplace_id": "a1"}, {"version": 1, "user_id": True}, {"version": 1, "email": "nope"},
    {"version": 1, "stood_down_on": "0001-01-01"}, {"version": 1, "trained_on": "9999-12-31"},
    {"version": 1, "will_train_notice_on": "0001-01-01"}, {"version": "1"}, {"version": 0}, {"version": 2**40},
]


@pytest.mark.parametrize("body", NONSENSE)
def test_nonsense_is_an_error_never_a_500(api_as, world, body):
    rep = reps_of(world).a1_other
    api = api_as("convenor_a1")
    response = api.patch(f"/reps/{rep.id}", json=body)
    assert 400 <= response.status_code < 500, (body, response.status_code, response.get_data(as_text=True))
    assert response.json["error"]["code"] and isinstance(response.json["error"]["fields"], dict)
    no_version = {k: v for k, v in body.items() if k != "version"}
    response = api.post("/reps", json={**_body(world, email="n@example.org"), **no_version})
    assert response.status_code < 500, (body, response.status_code)
    saved = _saved(rep.id)
    assert (saved.version, saved.name) == (1, "Sam Other")


def test_document_describes_reps(api_as, world):
    reps_of(world)
    document = api_as("admin").get("/openapi.json").json
    paths = document["paths"]
    assert set(paths["/api/v1/reps"]) == {"get", "post"}
    assert set(paths["/api/v1/reps/{rep_id}"]) == {"get", "patch"}
    schema = document["components"]["schemas"]["Rep"]
    assert CONTRACT_FIELDS <= set(schema["properties"])
    assert schema["properties"]["status"]["enum"] == ["appointed", "active", "training_due", "lapsed", "stood_down"]
    for name in ("status", "eligible_for_paid_time_off", "training_deadline", "school_based"):
        assert schema["properties"][name]["readOnly"] is True
    assert "status" not in document["components"]["schemas"]["RepCreate"]["properties"]
    names = {p.get("name") for p in paths["/api/v1/reps"]["get"]["parameters"]}
    assert {"branch_id", "employer_id", "status"} <= names
    for item in api_as("admin").get("/reps").json["items"]:
        assert set(item) == set(schema["properties"])
