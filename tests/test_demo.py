"""`flask demo-data`: the deterministic demo world."""
from __future__ import annotations

import csv
from importlib import resources

import pytest
from sqlalchemy import delete, func, select

from ulr_app import demo
from ulr_app.accounts.models import User
from ulr_app.accounts.passwords import password_problems
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import ServiceError
from ulr_app.extensions import db
from ulr_app.organisation.models import Branch, Employer, LocalAuthority, Region, Workplace

ROLES = ["admin", "regional_organiser", "branch_convenor", "learning_rep"]


def shipped_schools() -> list[dict]:
    with resources.as_file(resources.files("ulr_app.data").joinpath("demo_schools.csv")) as path:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))


def logins_from(output: str) -> list[tuple[str, str, str]]:
    lines = output.split("Demo logins (role, e-mail, password):\n", 1)[1].strip().splitlines()
    return [tuple(line.split()) for line in lines]


def run_small(runner, *args):
    result = runner.invoke(args=["demo-data", "--scale", "small", *args])
    assert result.exit_code == 0, result.output
    return result


def test_shipped_schools_file_is_small_real_and_open():
    rows = shipped_schools()
    assert 50 <= len(rows) <= 400
    assert {r["LA (code)"] for r in rows} == {"302", "202", "391", "390"}
    assert all(r["EstablishmentStatus (name)"].startswith("Open") for r in rows)
    assert len({r["URN"] for r in rows}) == len(rows)
    readme = resources.files("ulr_app.data").joinpath("README.md").read_text(encoding="utf-8")
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in readme


def test_small_world(app, runner):
    result = run_small(runner)
    logins = logins_from(result.output)
    assert [role for role, _e, _p in logins] == sorted((r for r, _e, _p in logins), key=ROLES.index)
    assert {role for role, _e, _p in logins} == set(ROLES)

    branches = db.session.scalars(select(Branch).order_by(Branch.id)).all()
    assert [b.name for b in branches] == ["Barnet", "Camden", "Newcastle City", "Gateshead"]
    assert {b.region.code for b in branches} == {"greater_london", "northern"}

    councils = {e.la_code: e for e in db.session.scalars(select(Employer).where(Employer.kind == "local_authority"))}
    assert set(councils) == {"302", "202", "391", "390"}
    for branch, code in zip(branches, ["302", "202", "391", "390"]):
        assert [b.id for b in councils[code].branches] == [branch.id]
        assert councils[code].region_id == branch.region_id
    kinds = {e.kind for e in db.session.scalars(select(Employer))}
    assert {"academy_trust", "contractor"} <= kinds

    schools = db.session.scalars(select(Workplace).where(Workplace.kind == "school")).all()
    shipped = {int(r["URN"]): r for r in shipped_schools()}
    assert len(schools) >= 50
    assert {s.urn for s in schools} <= set(shipped)
    for school in schools:
        row = shipped[school.urn]
        assert school.name == row["EstablishmentName"] and school.postcode == row["Postcode"]
        assert school.la_code == row["LA (code)"] and school.phase and school.establishment_type
        if school.establishment_type_group == "Academies":
            assert school.employer.kind == "academy_trust"
        else:
            assert school.employer.kind == "local_authority" and school.employer.la_code == school.la_code
    assert any(s.establishment_type_group == "Academies" for s in schools)
    services = db.session.scalars(select(Workplace).where(Workplace.kind == "service")).all()
    assert {s.service for s in services} >= {"Housing", "Environment", "Children's services", "Adult social care", "Resources"}
    assert {s.employer.kind for s in services} == {"local_authority"}

    users = db.session.scalars(select(User)).all()
    assert sorted(u.role for u in users) == sorted(["admin"] + ["regional_organiser"] * 2
                                                  + ["branch_convenor"] * 4 + ["learning_rep"] * 8)
    assert {u.email for u in users} == {email for _r, email, _p in logins}
    assert all(u.email.endswith("@example.org") for u in users)
    convenors = [u for u in users if u.role == "branch_convenor"]
    assert sorted(u.branch_id for u in convenors) == sorted(b.id for b in branches)

    # everything is in the audit trail, as the demo data
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "create")).all()
    assert {e.actor_label for e in entries} == {"demo data"}
    assert {e.object_id for e in entries if e.object_type == "workplace"} == {s.id for s in schools} | {
        w.id for w in db.session.scalars(select(Workplace).where(Workplace.kind != "school"))}


def test_every_demo_login_signs_in(app, runner, make_client):
    logins = logins_from(run_small(runner).output)
    assert len(logins) == 15
    for _role, email, password in logins:
        assert not password_problems(password, email=email)
        make_client().login(email, password)


def test_if_empty_does_nothing_the_second_time(app, runner):
    run_small(runner, "--if-empty")
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Branch, Workplace)]
    second = run_small(runner, "--if-empty")
    assert "Demo data not loaded" in second.output
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Branch, Workplace)] == counts


def test_refuses_a_database_that_has_an_organisation(app, runner):
    run_small(runner)
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 1
    assert "already has branches" in again.output
    assert db.session.scalar(select(func.count()).select_from(Branch)) == 4


def test_refuses_without_reference_data(app, runner):
    db.session.execute(delete(Region))
    with pytest.raises(ServiceError, match="reference load"):
        demo.check_reference_data()
    result = runner.invoke(args=["demo-data"])  # the command rolls back: the regions come back
    assert result.exit_code == 1
    assert "Reference data has not been loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Region)) == 12
    assert db.session.scalar(select(func.count()).select_from(Branch)) == 0


def test_plan_is_deterministic_for_a_seed():
    plan = demo.plan_small(2008)
    assert plan == demo.plan_small(2008)
    assert plan.fingerprint() == demo.plan_small(2008).fingerprint()
    other = demo.plan_small(1)
    assert other != plan and other.fingerprint() != plan.fingerprint()
    # the seed changes the people, not the organisation
    assert [w.urn for w in other.workplaces] == [w.urn for w in plan.workplaces]
    assert [u.email for u in other.users] != [u.email for u in plan.users]
    emails = [u.email for u in plan.users]
    assert len(set(emails)) == len(emails)
    assert all(not password_problems(u.password, email=u.email) for u in plan.users)


def test_built_world_matches_the_plan(app, runner):
    run_small(runner, "--seed", "7")
    plan = demo.plan_small(7)
    users = db.session.scalars(select(User)).all()
    assert sorted((u.email, u.name, u.role) for u in users) == sorted((p.email, p.name, p.role) for p in plan.users)
    urns = set(db.session.scalars(select(Workplace.urn).where(Workplace.urn.is_not(None))))
    assert urns == {w.urn for w in plan.workplaces if w.urn}


def write_fake_national(path):
    rows = shipped_schools()
    header = list(rows[0])
    keep = []
    for code in ("302", "391"):
        of_la = [r for r in rows if r["LA (code)"] == code]
        keep += of_la[:12] + of_la[-8:]  # the newest URNs are academies
    assert {r["EstablishmentTypeGroup (name)"] for r in keep} >= {"Academies", "Local authority maintained schools"}
    extra = [
        dict(keep[0], URN="999001", EstablishmentName="Closed Primary School", **{"EstablishmentStatus (name)": "Closed"}),
        dict(keep[0], URN="999002", EstablishmentName="Fee Paying School",
             **{"TypeOfEstablishment (name)": "Other independent school", "EstablishmentTypeGroup (name)": "Independent schools"}),
        dict(keep[0], URN="999003", EstablishmentName="School Abroad", **{"LA (code)": "704", "LA (name)": ""}),
        dict(keep[0], URN="999004", EstablishmentName="Hartlepool Primary School", **{"LA (code)": "805"}),
    ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(keep + extra)
    return keep


def test_national_scale_from_the_configured_file(app, runner, tmp_path, monkeypatch):
    path = tmp_path / "schools.csv"
    keep = write_fake_national(path)
    monkeypatch.setenv("ULR_SCHOOLS_CSV", str(path))
    result = runner.invoke(args=["demo-data", "--scale", "national"])
    assert result.exit_code == 0, result.output
    logins = logins_from(result.output)
    assert [r for r, _e, _p in logins] == ["admin"] + ["regional_organiser"] * 2 + ["branch_convenor"] * 3 + ["learning_rep"] * 6

    branches = db.session.scalars(select(Branch).order_by(Branch.id)).all()
    assert [b.name for b in branches] == ["Barnet", "Hartlepool", "Newcastle City"]
    councils = db.session.scalars(select(Employer).where(Employer.kind == "local_authority")).all()
    assert sorted(e.la_code for e in councils) == ["302", "391", "805"]
    urns = set(db.session.scalars(select(Workplace.urn).where(Workplace.kind == "school")))
    assert urns == {int(r["URN"]) for r in keep} | {999004}
    academies = db.session.scalars(select(Workplace).where(Workplace.establishment_type_group == "Academies")).all()
    assert academies and {a.employer.kind for a in academies} == {"academy_trust"}
    hartlepool = db.session.scalars(select(Workplace).where(Workplace.urn == 999004)).one()
    la = db.session.scalars(select(LocalAuthority).where(LocalAuthority.la_code == "805")).first()
    assert hartlepool.employer.region.ons_code == la.ons_region_code


def test_national_scale_without_the_file_says_where_to_put_it(app, runner, tmp_path, monkeypatch):
    monkeypatch.delenv("ULR_SCHOOLS_CSV", raising=False)
    monkeypatch.setattr(demo, "NATIONAL_SCHOOLS_FILE", tmp_path / "schools_england_2018.csv")
    result = runner.invoke(args=["demo-data", "--scale", "national"])
    assert result.exit_code == 1
    assert "ULR_SCHOOLS_CSV" in result.output and "schools_england_2018.csv" in result.output
    monkeypatch.setenv("ULR_SCHOOLS_CSV", str(tmp_path / "nowhere.csv"))
    with pytest.raises(ServiceError, match="no file there"):
        demo.national_schools_path()
    assert db.session.scalar(select(func.count()).select_from(Branch)) == 0


def test_demo_passwords_are_not_derived_from_the_seed():
    from ulr_app.demo import plan_small

    first, second = plan_small(2008), plan_small(2008)
    assert first == second and first.fingerprint() == second.fingerprint()
    assert [u.password for u in first.users] != [u.password for u in second.users]
