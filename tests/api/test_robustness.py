"""Never a 500 for bad input: every API route, sent nonsense, answers an error in the contract's shape."""
from __future__ import annotations

import pytest

from ulr_app.accounts.models import User
from ulr_app.agreements.models import Agreement
from ulr_app.organisation.models import Branch, Employer, Workplace
from ulr_app.reps.models import Rep
from ulr_app.timeoff.models import TimeOffRequest

from tests.cases.helpers import scoped_cases

from .helpers import agreements_of, count, reps_of, requests_of
from .learner_helpers import courses_of, enrolments_of, learners_of, needs_of

BAD_BODIES = [
    {"json": []},
    {"json": "text"},
    {"json": 0},
    {"json": {"version": "x", "name": {"deep": [1, 2]}}},
    {"json": {"version": 1, "name": "", "kind": None, "region_id": -1, "employer_id": 10**30, "urn": -5,
              "email": [], "role": {}, "active": 3, "branch_id": 1.5, "la_code": True, "service": 7}},
    {"json": {"version": 2**70, "name": "\u0000", "phase": "x" * 10000}},
    {"json": {"": 1, "\u0000": 2}},
    {"data": "{", "headers": {"Content-Type": "application/json"}},
    {"data": "\xff", "headers": {"Content-Type": "application/json; charset=latin-1"}},
    {"data": "name=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
]
BAD_QUERIES = ["page=%FF", "per_page=1%00", "kind=%00", "q=%00", "employer_id=-1", "region_id=1e9", "branch_id=0x10",
               "active=%00", "role=%25", "q=%25_%5C", "page=1&page=2", "%00=1", "status=%00", "rep_id=99999999999",
               "workplace_kind=%C3", "status=training_due&page=99999999999"]


def _funding_ids(world):
    from tests.reports.permissions import make_project
    from ulr_app.extensions import db

    project = make_project(world, branch=world.branches.a1)
    db.session.commit()
    return {"programme_id": project.programme_id, "project_id": project.id}


def _urls(app, world):
    ids = {"region_id": world.regions.a.id, "branch_id": world.branches.a1.id, "employer_id": world.employers.a1.id,
           "workplace_id": world.workplaces.school_a1.id, "user_id": world.users.ulr_a1.id,
           "agreement_id": agreements_of(world).a1.id, "rep_id": reps_of(world).a1.id,
           "time_off_request_id": requests_of(world).a1.id,
           "learner_id": learners_of(world).a1.id, "needs_assessment_id": needs_of(world).a1.id,
           "course_id": courses_of(world).literacy.id, "enrolment_id": enrolments_of(world).a1.id,
           "case_id": scoped_cases(world).a1.id, **_funding_ids(world)}
    from tests.dataprotection.helpers import scoped_sars

    ids["subject_access_request_id"] = scoped_sars(world, "convenor_a1")[0].id  # data protection (committed)
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(ids[arg]))
        yield url, rule.methods - {"HEAD", "OPTIONS"}


@pytest.mark.parametrize("role_key", ["admin", "convenor_a1"])
def test_nonsense_never_gets_a_500(app, world, api_as, role_key):
    api = api_as(role_key)
    agreements_of(world)
    requests_of(world)
    models = (Branch, Employer, Workplace, User, Agreement, Rep, TimeOffRequest)
    before = tuple(count(m) for m in models)
    for url, methods in _urls(app, world):
        for method in methods:
            attempts = BAD_BODIES if method in ("POST", "PATCH", "PUT") else [{}]
            for kw in attempts:
                response = api.open(url, method, **kw)
                assert response.status_code < 500, (method, url, kw, response.status_code)
                if response.status_code >= 400:
                    assert response.json["error"]["code"], (method, url, kw)
            if method == "GET":
                for query in BAD_QUERIES:
                    response = api.open(f"{url}?{query}", method)
                    assert response.status_code < 500, (url, query)
                    if response.status_code >= 400:
                        assert response.json["error"]["code"]
    assert tuple(count(m) for m in models) == before


@pytest.mark.parametrize("path", ["/api/v1/employers/abc", "/api/v1/employers/-1", "/api/v1/employers/1.5",
                                  "/api/v1/nothing", "/api/v1/"])
def test_odd_paths_are_json_404(api_as, world, path):
    response = api_as("admin").get(path)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(api_as, world):
    response = api_as("admin").open("/regions", "DELETE")
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"
