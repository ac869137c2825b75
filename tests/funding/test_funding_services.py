"""Services: programmes, projects (scope of organisers), targets, spend, re-profiles and their audit."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import g
from sqlalchemy import func, select

from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import Conflict, NotAllowed, ValidationFailed
from ulr_app.extensions import db
from ulr_app.funding import queries, services
from ulr_app.funding.models import ProfileChange, Programme, Project, ProjectSpend, ProjectTarget

from .helpers import project

LATER = date(2026, 12, 7)
EARLY = date(2026, 3, 1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _fields(exc) -> set:
    return set(exc.value.fields)


# --- programmes ---------------------------------------------------------------------------------

def test_an_administrator_adds_and_changes_a_programme(world, programmes):
    g.audit_actor_label = "test"
    admin = world.users.admin
    p = services.create_programme({"code": "wales_ulf", "name": "Wales Union Learning Fund",
                                   "measures": ["new_members", "learners_engaged", "learners_engaged"]}, actor=admin)
    assert p.measures == ["learners_engaged", "new_members"]  # MEASURES order, no repeats
    assert p.variance_threshold == Decimal("20.0") and p.active and not p.built_in
    changes = services.update_programme(p, {"variance_threshold": "12.5", "active": False}, actor=admin)
    assert set(changes) == {"variance_threshold", "active"} and p.variance_threshold == Decimal("12.5")
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "programme",
                                                                 AuditEntry.object_id == p.id)).all()
    assert actions == ["create", "update"]


@pytest.mark.parametrize("data,fields", [
    ({"code": "Wales ULF", "name": "x", "measures": ["learners_engaged"]}, {"code"}),
    ({"code": "ulf", "name": "x", "measures": ["learners_engaged"]}, {"code"}),
    ({"code": "x1", "name": "", "measures": ["learners_engaged"]}, {"name"}),
    ({"code": "x1", "name": "x", "measures": []}, {"measures"}),
    ({"code": "x1", "name": "x", "measures": ["hugs"]}, {"measures"}),
    ({"code": "x1", "name": "x", "measures": "learners_engaged", "variance_threshold": 101}, {"variance_threshold"}),
    ({"code": "x1", "name": "x", "measures": [1]}, {"measures"}),
    ({"code": "x1", "name": "x", "measures": ["learners_engaged"], "active": "yes"}, {"active"}),
    ({"code": "x1", "name": "x", "measures": ["learners_engaged"], "colour": "red"}, {"colour"}),
])
def test_bad_programmes_are_refused_and_nothing_is_saved(world, programmes, data, fields):
    before = _count(Programme)
    with pytest.raises(ValidationFailed) as exc:
        services.create_programme(data, actor=world.users.admin)
    assert _fields(exc) == fields
    assert _count(Programme) == before


def test_built_in_programmes_keep_their_code_and_cannot_be_deleted(world, programmes):
    ulf = programmes["ulf"]
    with pytest.raises(ValidationFailed) as exc:
        services.update_programme(ulf, {"code": "ulf2"}, actor=world.users.admin)
    assert "built in" in exc.value.fields["code"][0]
    with pytest.raises(Conflict):
        services.delete_programme(ulf, actor=world.users.admin)
    with pytest.raises(NotAllowed):
        services.update_programme(ulf, {"name": "Mine"}, actor=world.users.organiser_a)
    assert services.update_programme(ulf, {"name": "Union Learning Fund (Wales)"}, actor=world.users.admin)


def test_a_programme_in_use_keeps_its_measures_and_cannot_be_deleted(world, programmes):
    p = services.create_programme({"code": "scheme", "name": "Scheme", "measures": ["learners_engaged", "new_members"]},
                                  actor=world.users.admin)
    pr = project(world, programmes, programme="ulf")
    pr.programme_id = p.id
    services.set_targets(pr, [{"period": "FY2026-Q1", "measure": "new_members", "target": 3}], today=EARLY)
    with pytest.raises(ValidationFailed) as exc:
        services.update_programme(p, {"measures": ["learners_engaged"]}, actor=world.users.admin)
    assert "New union members" in exc.value.fields["measures"][0]
    with pytest.raises(Conflict):
        services.delete_programme(p, actor=world.users.admin)
    spare = services.create_programme({"code": "spare", "name": "Spare", "measures": ["new_members"]})
    services.delete_programme(spare, actor=world.users.admin)
    assert db.session.get(Programme, spare.id) is None


# --- projects -----------------------------------------------------------------------------------

def test_an_organiser_adds_a_project_in_their_region(world, programmes):
    g.audit_actor_label = "test"
    o = world.users.organiser_a
    p = services.create_project({"programme_id": programmes["ulf"].id, "name": "Barnet schools",
                                 "branch_id": world.branches.a1.id, "starts_on": "2026-04-01", "ends_on": "2027-03-31",
                                 "budget": "25000", "lead_organiser_id": o.id}, user=o)
    assert (p.region_id, p.branch_id, p.budget, p.created_by_id) == (world.regions.a.id, world.branches.a1.id,
                                                                       Decimal("25000.00"), o.id)
    assert [q.code for q in queries.project_quarters(p)] == ["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"]
    whole = services.create_project({"programme_id": programmes["ulf"].id, "name": "London-wide",
                                     "starts_on": "2026-04-01", "ends_on": "2026-09-30"}, user=o)
    assert whole.branch_id is None and whole.region_id == world.regions.a.id
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "project",
                                                             AuditEntry.object_id == p.id)) == "create"


@pytest.mark.parametrize("change,fields", [
    ({"branch_id": "b1"}, {"branch_id"}),             # another region's branch
    ({"region_id": "b"}, {"region_id"}),              # another region
    ({"ends_on": "2026-03-01"}, {"ends_on"}),         # before the start
    ({"starts_on": "", "ends_on": "31/3/2027x"}, {"starts_on", "ends_on"}),
    ({"budget": "-5"}, {"budget"}),
    ({"budget": "12.345"}, {"budget"}),
    ({"lead_organiser_id": "organiser_b"}, {"lead_organiser_id"}),
    ({"lead_organiser_id": "convenor_a1"}, {"lead_organiser_id"}),
    ({"programme_id": 999999}, {"programme_id"}),
    ({"name": " "}, {"name"}),
    ({"branch_id": 999999}, {"branch_id"}),
])
def test_bad_projects_are_refused_and_nothing_is_saved(world, programmes, change, fields):
    ids = {"b1": world.branches.b1.id, "b": world.regions.b.id, "organiser_b": world.users.organiser_b.id,
           "convenor_a1": world.users.convenor_a1.id}
    data = {"programme_id": programmes["ulf"].id, "name": "P", "starts_on": "2026-04-01", "ends_on": "2027-03-31"}
    data.update({k: ids.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    before = _count(Project)
    with pytest.raises(ValidationFailed) as exc:
        services.create_project(data, user=world.users.organiser_a)
    assert _fields(exc) == fields
    assert _count(Project) == before


def test_an_administrator_names_the_region_or_a_branch(world, programmes):
    admin = world.users.admin
    base = {"programme_id": programmes["ulf"].id, "name": "P", "starts_on": "2026-04-01", "ends_on": "2027-03-31"}
    assert services.create_project({**base, "branch_id": world.branches.b1.id}, user=admin).region_id == world.regions.b.id
    with pytest.raises(ValidationFailed) as exc:
        services.create_project(base, user=admin)
    assert _fields(exc) == {"region_id"}
    with pytest.raises(ValidationFailed) as exc:
        services.create_project({**base, "region_id": world.regions.a.id, "branch_id": world.branches.b1.id}, user=admin)
    assert _fields(exc) == {"branch_id"}
    with pytest.raises(NotAllowed):
        services.create_project({**base, "branch_id": world.branches.a1.id}, user=world.users.convenor_a1)


def test_changing_a_project_checks_version_scope_and_profile(world, programmes):
    p = project(world, programmes)
    o = world.users.organiser_a
    with pytest.raises(Conflict):
        services.update_project(p, {"name": "New"}, user=o, version=p.version + 1)
    with pytest.raises(NotAllowed):
        services.update_project(p, {"name": "New"}, user=world.users.organiser_b)
    with pytest.raises(ValidationFailed) as exc:
        services.update_project(p, {"region_id": world.regions.b.id}, user=world.users.admin)
    assert _fields(exc) == {"region_id"}
    services.set_targets(p, [{"period": "FY2026-Q4", "measure": "learners_engaged", "target": 5}], today=EARLY)
    with pytest.raises(ValidationFailed) as exc:
        services.update_project(p, {"ends_on": "2026-09-30"}, user=o)
    assert "FY2026-Q4" in exc.value.fields["ends_on"][0]
    changes = services.update_project(p, {"name": "Renamed", "branch_id": world.branches.a2.id}, user=o,
                                      version=p.version)
    assert set(changes) == {"name", "branch_id"}


def test_scope_of_projects(world, programmes):
    a = project(world, programmes)
    a1 = project(world, programmes, branch=world.branches.a1)
    b1 = project(world, programmes, branch=world.branches.b1)
    u = world.users

    def seen(user):
        return {p.id for p in db.session.scalars(queries.project_list(user))}

    assert seen(u.admin) == {a.id, a1.id, b1.id}
    assert seen(u.organiser_a) == {a.id, a1.id}
    # convenors: their branch's projects and the region-wide ones covering their branch
    assert seen(u.convenor_a1) == {a.id, a1.id}
    assert seen(u.convenor_a2) == {a.id}
    assert seen(u.convenor_b1) == {b1.id}
    assert seen(u.ulr_a1) == set()
    for user in (u.admin, u.organiser_a, u.convenor_a1, u.convenor_a2, u.convenor_b1, u.ulr_a1, u.organiser_b):
        for p in (a, a1, b1):
            assert queries.project_visible(user, p) is (p.id in seen(user))
    assert queries.can_edit_project(u.organiser_a, a1) and not queries.can_edit_project(u.organiser_a, b1)
    assert not queries.can_edit_project(u.convenor_a1, a1) and queries.can_edit_project(u.admin, b1)


# --- targets and re-profiles -----------------------------------------------------------------------

ROWS = [{"period": "FY2026-Q1", "measure": "learners_engaged", "target": 40},
        {"period": "FY2026-Q2", "measure": "learners_engaged", "target": 45},
        {"period": "FY2026-Q1", "measure": "new_members", "target": 5}]


def test_targets_replace_the_profile(world, programmes):
    p = project(world, programmes)
    result = services.set_targets(p, ROWS, today=EARLY)
    assert queries.targets_of(p) == {("FY2026-Q1", "learners_engaged"): 40, ("FY2026-Q2", "learners_engaged"): 45,
                                     ("FY2026-Q1", "new_members"): 5}
    assert result["after"]["targets"]["FY2026-Q1"] == {"learners_engaged": 40, "new_members": 5}
    services.set_targets(p, ROWS[:1] + [{"period": "FY2026-Q3", "measure": "needs_assessed", "target": 0}], today=EARLY)
    assert queries.targets_of(p) == {("FY2026-Q1", "learners_engaged"): 40, ("FY2026-Q3", "needs_assessed"): 0}
    assert services.set_targets(p, ROWS[:1] + [{"period": "FY2026-Q3", "measure": "needs_assessed", "target": 0}],
                                today=EARLY) == {}
    assert _count(ProfileChange) == 0  # before the first quarter: no re-profile


@pytest.mark.parametrize("row,column", [
    ({"period": "FY2026-Q5", "measure": "learners_engaged", "target": 1}, "period"),
    ({"period": "FY2027-Q1", "measure": "learners_engaged", "target": 1}, "period"),
    ({"period": "FY2026-Q1", "measure": "ulrs_trained", "target": 1}, "measure"),  # go_award lacks it
    ({"period": "FY2026-Q1", "measure": "learners_engaged", "target": -1}, "target"),
    ({"period": "FY2026-Q1", "measure": "learners_engaged", "target": 2.5}, "target"),
    ({"period": "FY2026-Q2", "measure": "needs_assessed", "target": 1}, "measure"),  # a duplicate
])
def test_bad_targets_name_each_problem_and_save_nothing(world, programmes, row, column):
    p = project(world, programmes, programme="go_award")
    services.set_targets(p, [{"period": "FY2026-Q2", "measure": "needs_assessed", "target": 9}], today=EARLY)
    rows = [{"period": "FY2026-Q2", "measure": "needs_assessed", "target": 10}, row]
    with pytest.raises(ValidationFailed) as exc:
        services.set_targets(p, rows, today=EARLY)
    assert set(exc.value.fields) == {f"[1].{column}"}
    assert queries.targets_of(p) == {("FY2026-Q2", "needs_assessed"): 9}


def test_a_change_after_the_first_quarter_started_is_a_reprofile(world, programmes):
    p = project(world, programmes)
    services.set_targets(p, ROWS, today=LATER)  # the first profile: no reason needed, even late
    assert _count(ProfileChange) == 0
    changed = [dict(ROWS[0], target=30), ROWS[1]]
    with pytest.raises(ValidationFailed) as exc:
        services.set_targets(p, changed, today=LATER)
    assert set(exc.value.fields) == {"reason"}
    assert queries.targets_of(p)[("FY2026-Q1", "learners_engaged")] == 40
    services.set_targets(p, changed, reason="Courses started late", actor=world.users.organiser_a, today=LATER)
    change = db.session.scalars(select(ProfileChange)).one()
    assert change.reason == "Courses started late" and change.changed_by_id == world.users.organiser_a.id
    assert change.before == {"targets": {"FY2026-Q1": {"learners_engaged": 40, "new_members": 5}}}
    assert change.after == {"targets": {"FY2026-Q1": {"learners_engaged": 30, "new_members": None}}}
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "project",
                                                                 AuditEntry.object_id == p.id)).all()
    assert actions.count("reprofile") == 1 and actions.count("update") == 2


# --- spend --------------------------------------------------------------------------------------

def test_spend_budget_is_a_reprofile_but_actual_spend_is_not(world, programmes):
    p = project(world, programmes)
    services.set_spend(p, [{"period": "FY2026-Q1", "budget": "1000", "actual": None},
                           {"period": "FY2026-Q2", "budget": "£1,500.50"}], today=LATER)
    assert {k: (r.budget, r.actual) for k, r in queries.spend_of(p).items()} == {
        "FY2026-Q1": (Decimal("1000.00"), None), "FY2026-Q2": (Decimal("1500.50"), None)}
    services.set_spend(p, [{"period": "FY2026-Q1", "actual": "980.25"}], today=LATER)
    assert queries.spend_of(p)["FY2026-Q1"].actual == Decimal("980.25")
    assert _count(ProfileChange) == 0
    with pytest.raises(ValidationFailed) as exc:
        services.set_spend(p, [{"period": "FY2026-Q2", "budget": "1200"}], today=LATER)
    assert set(exc.value.fields) == {"reason"}
    services.set_spend(p, [{"period": "FY2026-Q2", "budget": "1200"}], reason="Venue cheaper", today=LATER)
    change = db.session.scalars(select(ProfileChange)).one()
    assert change.before == {"spend": {"FY2026-Q2": {"budget": "1500.50"}}}
    assert change.after == {"spend": {"FY2026-Q2": {"budget": "1200.00"}}}
    services.set_spend(p, [{"period": "FY2026-Q1", "budget": None, "actual": None}], reason="Moved", today=LATER)
    assert "FY2026-Q1" not in queries.spend_of(p)


@pytest.mark.parametrize("row,column", [
    ({"period": "FY2026-Q1", "budget": "-1"}, "budget"),
    ({"period": "FY2026-Q1", "actual": "1.005"}, "actual"),
    ({"period": "FY2026-Q9", "actual": "1"}, "period"),
    ({"period": "FY2026-Q1", "spent": "1"}, "spent"),
])
def test_bad_spend_saves_nothing(world, programmes, row, column):
    p = project(world, programmes)
    with pytest.raises(ValidationFailed) as exc:
        services.set_spend(p, [{"period": "FY2026-Q2", "budget": "5"}, row], today=EARLY)
    assert set(exc.value.fields) == {f"[1].{column}"}
    assert _count(ProjectSpend) == 0


# --- CSV ----------------------------------------------------------------------------------------

def test_a_csv_profile_is_all_or_nothing_with_every_problem_by_row_and_column(world, programmes):
    p = project(world, programmes)
    good = "\ufeffperiod,measure,target\r\nFY2026-Q1,learners_engaged,40\r\n\r\nFY2026-Q2,new_members,\r\n"
    services.upload_targets(p, good.encode("utf-8"))
    assert queries.targets_of(p) == {("FY2026-Q1", "learners_engaged"): 40}
    bad = "period,measure,target\nFY2026-Q5,learners_engaged,4\nFY2026-Q1,hugs,1\nFY2026-Q2,learners_engaged,-3\n"
    with pytest.raises(ValidationFailed) as exc:
        services.upload_targets(p, bad.encode("utf-8"))
    problems = exc.value.fields["file"]
    assert [m.split(":")[0] for m in problems] == ["Row 2, column period", "Row 3, column measure",
                                                   "Row 4, column target"]
    assert queries.targets_of(p) == {("FY2026-Q1", "learners_engaged"): 40}
    for raw, words in ((b"", "empty"), (b"a,b\n1,2\n", "header"), (b"\xff\xfe", "UTF-8")):
        with pytest.raises(ValidationFailed) as exc:
            services.upload_targets(p, raw)
        assert words in exc.value.fields["file"][0]
    assert _count(ProjectTarget) == 1
