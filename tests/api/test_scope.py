"""Who sees and changes what through the API: the same roles and scope as the pages.

``EXPECTED`` holds a decision for every API route; a new route without one fails the suite.
Out-of-scope records answer 404 exactly as missing ones do.
"""
from __future__ import annotations

import pytest

from .helpers import agreements_of, assert_error, reps_of, requests_of

ROLES = ("admin", "organiser_a", "convenor_a1", "ulr_a1")
ROLE_OF = {"admin": "admin", "organiser_a": "regional_organiser", "convenor_a1": "branch_convenor",
           "ulr_a1": "learning_rep"}
ALL = frozenset(ROLE_OF.values())
ADMIN = frozenset({"admin"})
EDITORS = frozenset({"admin", "branch_convenor"})
WRITERS = frozenset({"admin", "branch_convenor", "learning_rep"})


def _ids(kind):
    """(in-scope id, out-of-scope id or None) for each role key."""

    def resolve(w, key):
        table = {
            "region": {"admin": (w.regions.b, None), "organiser_a": (w.regions.a, w.regions.b),
                       "convenor_a1": (w.regions.a, w.regions.b), "ulr_a1": (w.regions.a, w.regions.b)},
            "branch": {"admin": (w.branches.b1, None), "organiser_a": (w.branches.a2, w.branches.b1),
                       "convenor_a1": (w.branches.a1, w.branches.a2), "ulr_a1": (w.branches.a1, w.branches.b1)},
            "employer": {"admin": (w.employers.b1, None), "organiser_a": (w.employers.a2, w.employers.b1),
                         "convenor_a1": (w.employers.a1, w.employers.a2), "ulr_a1": (w.employers.a1, w.employers.b1)},
            "workplace": {"admin": (w.workplaces.school_b1, None),
                          "organiser_a": (w.workplaces.school_a2, w.workplaces.school_b1),
                          "convenor_a1": (w.workplaces.school_a1, w.workplaces.school_a2),
                          "ulr_a1": (w.workplaces.service_a1, w.workplaces.school_b1)},
            "user": {k: (w.users.ulr_b1, None) for k in ROLES},
            "agreement": {} if kind != "agreement" else {
                "admin": (agreements_of(w).b1, None), "organiser_a": (agreements_of(w).a2, agreements_of(w).b1),
                "convenor_a1": (agreements_of(w).a1, agreements_of(w).a2),
                "ulr_a1": (agreements_of(w).a1, agreements_of(w).b1)},
            # a ULR sees only their own appointment and requests, even in their own branch
            "rep": {} if kind != "rep" else {
                "admin": (reps_of(w).b1, None), "organiser_a": (reps_of(w).a2, reps_of(w).b1),
                "convenor_a1": (reps_of(w).a1_other, reps_of(w).a2), "ulr_a1": (reps_of(w).a1, reps_of(w).a1_other)},
            "time_off_request": {} if kind != "time_off_request" else {
                "admin": (requests_of(w).b1, None), "organiser_a": (requests_of(w).a2, requests_of(w).b1),
                "convenor_a1": (requests_of(w).a1_other, requests_of(w).a2),
                "ulr_a1": (requests_of(w).a1, requests_of(w).a1_other)},
        }[kind][key]
        return table[0].id, (table[1].id if table[1] is not None else None)

    return resolve


# endpoint -> (roles allowed, id resolver for the rule's one path variable, or None)
EXPECTED = {
    "api.openapi_document": (ALL, None),
    "api.list_regions": (ALL, None),
    "api.get_region": (ALL, _ids("region")),
    "api.list_branches": (ALL, None),
    "api.get_branch": (ALL, _ids("branch")),
    "api.create_branch": (ADMIN, None),
    "api.update_branch": (ADMIN, _ids("branch")),
    "api.list_employers": (ALL, None),
    "api.get_employer": (ALL, _ids("employer")),
    "api.create_employer": (EDITORS, None),
    "api.update_employer": (EDITORS, _ids("employer")),
    "api.list_workplaces": (ALL, None),
    "api.get_workplace": (ALL, _ids("workplace")),
    "api.create_workplace": (EDITORS, None),
    "api.update_workplace": (EDITORS, _ids("workplace")),
    "api.list_users": (ADMIN, None),
    "api.get_user": (ADMIN, _ids("user")),
    "api.create_user": (ADMIN, None),
    "api.update_user": (ADMIN, _ids("user")),
    "api.list_agreements": (ALL, None),
    "api.get_agreement": (ALL, _ids("agreement")),
    "api.create_agreement": (EDITORS, None),
    "api.update_agreement": (EDITORS, _ids("agreement")),
    "api.list_reps": (ALL, None),
    "api.get_rep": (ALL, _ids("rep")),
    "api.create_rep": (EDITORS, None),
    "api.update_rep": (EDITORS, _ids("rep")),
    "api.list_time_off_requests": (ALL, None),
    "api.get_time_off_request": (ALL, _ids("time_off_request")),
    "api.create_time_off_request": (WRITERS, None),
    "api.update_time_off_request": (WRITERS, _ids("time_off_request")),
}

# learners and cases keep their entries in their own files, in the same shape:
# endpoint -> (roles allowed, resolver(world, role_key) -> (in-scope id, out-of-scope id or None), or None)
from .scope_cases import EXPECTED as _CASES  # noqa: E402
from .scope_funding import EXPECTED as _FUNDING  # noqa: E402
from .scope_learners import EXPECTED as _LEARNERS  # noqa: E402

EXPECTED.update(_LEARNERS)
EXPECTED.update(_CASES)
EXPECTED.update(_FUNDING)
from tests.dataprotection.scope import EXPECTED as _DATAPROTECTION; EXPECTED.update(_DATAPROTECTION)  # noqa: E402,E702


def api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]


def test_every_api_rule_has_an_expectation(app):
    missing = sorted({r.endpoint for r in api_rules(app)} - set(EXPECTED))
    assert not missing, f"add these endpoints to EXPECTED in {__file__}: {missing}"


def _fill(rule, ident):
    return rule.rule.replace(f"<int:{next(iter(rule.arguments))}>", str(ident)) if rule.arguments else rule.rule


@pytest.mark.parametrize("role_key", ROLES)
def test_role_by_api_route(app, world, api_as, role_key):
    """Each role walks every API rule: allowed roles are never refused; others get 403; out of scope 404.

    Writes send an empty JSON object, so an allowed role gets 422 (or 409/400) and nothing changes.
    """
    api = api_as(role_key)
    role = ROLE_OF[role_key]
    problems = []
    for rule in api_rules(app):
        allowed, resolver = EXPECTED[rule.endpoint]
        inside, outside = resolver(world, role_key) if resolver else (None, None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            body = {"json": {}} if method in ("POST", "PATCH") else {}
            response = api.open(_fill(rule, inside), method, **body)
            got = response.status_code
            if role in allowed:
                ok = got not in (401, 403, 404) and got < 500
                want = "allowed"
            else:
                ok, want = got == 403, "403"
            if not ok:
                problems.append(f"{method} {rule.rule} as {role_key}: got {got}, want {want}")
            if got >= 400:
                assert response.json["error"]["code"]
            if outside is not None and role in allowed:
                got = api.open(_fill(rule, outside), method, **body).status_code
                if got != 404:
                    problems.append(f"{method} {rule.rule} out of scope as {role_key}: got {got}, want 404")
            if resolver is not None and role in allowed:
                for missing in (999999, 2**31, 10**30):
                    got = api.open(_fill(rule, missing), method, **body).status_code
                    if got != 404:
                        problems.append(f"{method} {rule.rule} missing id {missing} as {role_key}: got {got}, want 404")
    assert not problems, "\n".join(problems)


def test_organiser_sees_only_their_region(api_as, world):
    api = api_as("organiser_a")
    ids = lambda r: sorted(i["id"] for i in api.get(f"/{r}").json["items"])  # noqa: E731
    assert ids("regions") == [world.regions.a.id]
    assert ids("branches") == sorted([world.branches.a1.id, world.branches.a2.id])
    assert ids("employers") == sorted([world.employers.a1.id, world.employers.a2.id])
    w = world.workplaces
    assert ids("workplaces") == sorted([w.school_a1.id, w.service_a1.id, w.school_a2.id])
    assert api.get(f"/employers/{world.employers.b1.id}").status_code == 404
    assert api.get(f"/employers/{world.employers.a2.id}").status_code == 200


def test_convenor_sees_their_branchs_employers(api_as, world):
    api = api_as("convenor_a1")
    ids = lambda r: sorted(i["id"] for i in api.get(f"/{r}").json["items"])  # noqa: E731
    assert ids("branches") == [world.branches.a1.id]
    assert ids("employers") == [world.employers.a1.id]
    assert ids("workplaces") == sorted([world.workplaces.school_a1.id, world.workplaces.service_a1.id])
    out_of_scope = assert_error(api.get(f"/employers/{world.employers.a2.id}"), 404, "not_found")
    missing = assert_error(api.get("/employers/987654"), 404, "not_found")
    assert out_of_scope["fields"] == missing["fields"] == {}  # indistinguishable but for the id
    assert api.get(f"/workplaces/{world.workplaces.school_a2.id}").status_code == 404


def test_learning_rep_reads_their_branch(api_as, world):
    api = api_as("ulr_a1")
    assert [e["id"] for e in api.get("/employers").json["items"]] == [world.employers.a1.id]
    assert api.get(f"/employers/{world.employers.b1.id}").status_code == 404


def test_admin_sees_everything(api_as, world):
    api = api_as("admin")
    assert api.get("/employers").json["total"] == 3
    assert api.get("/workplaces").json["total"] == 4
    assert api.get("/users").json["total"] == 8


@pytest.mark.parametrize("role_key", ["organiser_a", "convenor_a1", "ulr_a1"])
def test_users_are_for_admins_only(api_as, world, role_key):
    api = api_as(role_key)
    me = getattr(world.users, role_key)
    assert_error(api.get("/users"), 403, "forbidden")
    assert_error(api.get(f"/users/{me.id}"), 403, "forbidden")  # not even oneself
    assert_error(api.get("/users/999999"), 403, "forbidden")  # role first: no probing for ids
    assert_error(api.post("/users", json={"email": "x@example.org", "name": "X", "role": "admin"}), 403, "forbidden")
    assert_error(api.patch(f"/users/{me.id}", json={"version": 1, "role": "admin"}), 403, "forbidden")


def test_organiser_cannot_change_employers_they_can_see(api_as, world):
    api = api_as("organiser_a")
    employer = api.get(f"/employers/{world.employers.a1.id}").json
    assert_error(api.patch(f"/employers/{employer['id']}", json={"version": employer["version"], "name": "X"}),
                 403, "forbidden")
    assert_error(api.post("/employers", json={"name": "X", "kind": "other", "region_id": world.regions.a.id}),
                 403, "forbidden")
