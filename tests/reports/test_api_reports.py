"""The five report endpoints: the same numbers as the figure functions, scope, roles, bad input."""
from __future__ import annotations

from datetime import date

import pytest

from tests.api.conftest import anonymous, api_as, token_for  # noqa: F401  (the API fixtures)
from tests.api.helpers import assert_error
from ulr_app.core import periods
from ulr_app.extensions import db
from ulr_app.reports import figures

from . import helpers as h


@pytest.fixture
def project(world, programmes):
    p = h.project(world, programmes["ulf"], targets={("FY2026-Q1", "learners_engaged"): 1})
    h.enrolment(h.learner(world), h.course(), project=p, status="completed", started_on="2026-04-10",
                completed_on="2026-05-01")
    h.enrolment(h.learner(world), h.course(), project=p, started_on="2026-05-10")
    return p


def test_funding_answers_the_figures(api_as, world, project):
    response = api_as("convenor_a1").get(f"/reports/funding?project_id={project.id}&period=FY2026-Q1")
    assert response.status_code == 200, response.json
    db.session.expire_all()
    expected = figures.funding_return(project, periods.parse("FY2026-Q1"), world.users.convenor_a1)
    assert response.json == expected
    m = {x["code"]: x for x in response.json["measures"]}
    assert m["learners_engaged"]["actual"] == 2 and m["learners_engaged"]["variance_pct"] == 100.0
    assert response.json["needs_explanation"] == ["learners_engaged"]
    for key in ("code", "target", "actual", "variance_pct", "cumulative_target", "cumulative_actual"):
        assert key in response.json["measures"][0]


@pytest.mark.parametrize("query, field", [
    ("period=FY2026-Q5", "period"), ("period=2026-10", "period"), ("period=", "period"),
    ("period=FY2027-Q2", "period"),  # outside the project
    ("period=FY2026-Q1&project_id=abc", "project_id"),
])
def test_funding_bad_input(api_as, project, query, field):
    if "project_id" not in query:
        query += f"&project_id={project.id}"
    assert_error(api_as("admin").get(f"/reports/funding?{query}"), 422, "validation_failed", fields=(field,))


def test_funding_scope_and_roles(api_as, world, project, programmes):
    url = f"/reports/funding?project_id={project.id}&period=FY2026-Q1"
    assert_error(api_as("convenor_a2").get(url), 404, "not_found")
    assert_error(api_as("organiser_b").get(url), 404, "not_found")
    assert api_as("organiser_a").get(url).status_code == 200
    assert_error(api_as("ulr_a1").get(url), 403, "forbidden")
    assert_error(api_as("admin").get("/reports/funding?project_id=999999&period=FY2026-Q1"), 404, "not_found")
    assert_error(api_as("admin").get(url + "&colour=red"), 400, "bad_request", fields=("colour",))
    assert_error(api_as("admin").get("/reports/funding?period=FY2026-Q1"), 422, "validation_failed",
                 fields=("project_id",))


def test_schools_coverage(api_as, world):
    h.agreement(world, schools_scope="silent")
    h.agreement(world, "a2", schools_scope="included")
    response = api_as("organiser_a").get(f"/reports/schools-coverage?region_id={world.regions.a.id}&as_of=2026-12-07")
    assert response.status_code == 200
    expected = figures.schools_coverage(world.users.organiser_a, region_id=world.regions.a.id, as_of=date(2026, 12, 7))
    assert response.json == expected
    assert response.json["agreements"]["silent"] == 1 and response.json["agreements"]["included"] == 1
    own = api_as("convenor_a1").get("/reports/schools-coverage")
    assert own.status_code == 200 and own.json["agreements"]["included"] == 0 and own.json["as_of"] == date.today().isoformat()
    assert api_as("ulr_a1").get("/reports/schools-coverage").status_code == 200
    assert_error(api_as("convenor_a1").get(f"/reports/schools-coverage?region_id={world.regions.a.id}"), 404, "not_found")
    assert_error(api_as("convenor_a1").get(f"/reports/schools-coverage?branch_id={world.branches.a2.id}"), 404, "not_found")
    assert_error(api_as("organiser_a").get(f"/reports/schools-coverage?branch_id={world.branches.b1.id}"), 404, "not_found")
    assert_error(api_as("admin").get("/reports/schools-coverage?branch_id=99999"), 404, "not_found")
    assert_error(api_as("admin").get(f"/reports/schools-coverage?region_id={world.regions.a.id}&branch_id={world.branches.b1.id}"),
                 404, "not_found")
    assert_error(api_as("admin").get("/reports/schools-coverage?as_of=2026-02-30"), 422, "validation_failed", fields=("as_of",))
    assert_error(api_as("admin").get("/reports/schools-coverage?branch_id=x"), 422, "validation_failed", fields=("branch_id",))


def test_time_off(api_as, world):
    h.request(world, requested_on="2026-05-01", status="refused", decided_on="2026-05-10")
    h.request(world, requested_on="2026-05-01", status="partly_granted", decided_on="2026-05-10")
    url = f"/reports/time-off?branch_id={world.branches.a1.id}&from=2026-04-01&to=2026-09-30"
    response = api_as("convenor_a1").get(url)
    assert response.status_code == 200
    assert response.json == figures.time_off(world.users.convenor_a1, region_id=world.regions.a.id,
                                             branch_id=world.branches.a1.id, start=date(2026, 4, 1), end=date(2026, 9, 30))
    assert response.json["refusal_rate_by_workplace_kind"]["school"] == {"decided": 2, "refused": 1, "rate_pct": 50.0}
    assert_error(api_as("convenor_a1").get("/reports/time-off?from=2026-09-30&to=2026-04-01"), 422, "validation_failed",
                 fields=("to",))
    assert_error(api_as("convenor_a1").get("/reports/time-off?from=2026-04-01"), 422, "validation_failed", fields=("to",))
    assert_error(api_as("convenor_a1").get("/reports/time-off?from=1/4/2026&to=2026-09-30"), 422, "validation_failed",
                 fields=("from",))
    assert api_as("ulr_a1").get("/reports/time-off?from=2026-04-01&to=2026-09-30").json["by_status"]["refused"] == 0


def test_go_award(api_as, world):
    who = h.learner(world)
    h.needs(who, "2026-05-01", literacy_level="entry_2")
    response = api_as("convenor_a1").get(f"/reports/go-award?employer_id={world.employers.a1.id}&from=2026-04-01&to=2027-03-31")
    assert response.status_code == 200
    assert response.json == figures.go_award(world.users.convenor_a1, world.employers.a1, start=date(2026, 4, 1),
                                             end=date(2027, 3, 31))
    assert response.json["skills_for_life"]["school"]["literacy"]["needs_identified"] == 1
    assert len(response.json["standards"]) == 8
    assert api_as("convenor_a1").get(f"/reports/go-award?employer_id={world.employers.a1.id}").status_code == 200
    assert_error(api_as("convenor_a1").get(f"/reports/go-award?employer_id={world.employers.a2.id}"), 404, "not_found")
    assert_error(api_as("convenor_a1").get("/reports/go-award"), 422, "validation_failed", fields=("employer_id",))
    assert_error(api_as("convenor_a1").get(f"/reports/go-award?employer_id={world.employers.a1.id}&from=2027-01-01&to=2026-01-01"),
                 422, "validation_failed", fields=("to",))


def test_equality(api_as, world, app):
    c = h.course()
    for _ in range(7):
        h.enrolment(h.learner(world, staff_category="learning_support"), c, started_on="2026-05-01")
    h.enrolment(h.learner(world, staff_category="site"), c, started_on="2026-05-01")
    url = "/reports/equality?from=2026-04-01&to=2026-09-30"
    response = api_as("convenor_a1").get(url)
    assert response.status_code == 200
    assert response.json["total"] == 8
    assert response.json["by"]["staff_category"]["site"] == "<5"
    assert response.json["by"]["staff_category"]["learning_support"] == "c"
    assert response.json == figures.equality(world.users.convenor_a1, region_id=world.regions.a.id,
                                             branch_id=world.branches.a1.id, start=date(2026, 4, 1), end=date(2026, 9, 30),
                                             threshold=app.config["SUPPRESSION_THRESHOLD"])
    assert_error(api_as("ulr_a1").get(url), 403, "forbidden")
    assert_error(api_as("convenor_a1").get("/reports/equality?from=2026-04-01&to=x"), 422, "validation_failed", fields=("to",))
    assert_error(api_as("convenor_b1").get(url + f"&branch_id={world.branches.a1.id}"), 404, "not_found")


def test_the_reports_are_in_the_openapi_document(anonymous):
    paths = anonymous.get("/openapi.json").json["paths"]
    for name in ("funding", "schools-coverage", "time-off", "go-award", "equality"):
        op = paths[f"/api/v1/reports/{name}"]["get"]
        assert op["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "object"
    assert "403" in paths["/api/v1/reports/equality"]["get"]["responses"]
