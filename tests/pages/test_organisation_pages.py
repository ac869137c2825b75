"""Organisation pages: lists with search and pagination, details, forms with bad input."""
from __future__ import annotations

from sqlalchemy import select

from ulr_app.extensions import db
from ulr_app.organisation import services
from ulr_app.organisation.models import Employer, Workplace


def _many_schools(employer_id: int, n: int) -> None:
    for i in range(n):
        services.create_workplace({"employer_id": employer_id, "name": f"School {i:03d}", "kind": "school",
                                   "urn": 200000 + i, "phase": "Primary"})
    db.session.commit()


def test_workplace_list_paginates_and_searches(login_as, world):
    _many_schools(world.employers.a1.id, 30)
    c = login_as("convenor_a1")
    page1 = c.get("/workplaces").get_data(as_text=True)
    assert "Showing 1 to 25 of 32 workplaces" in page1
    page2 = c.get("/workplaces?page=2").get_data(as_text=True)
    assert "Showing 26 to 32 of 32 workplaces" in page2
    found = c.get("/workplaces?q=School+007").get_data(as_text=True)
    assert "School 007" in found and "School 008" not in found
    by_urn = c.get("/workplaces?q=200011").get_data(as_text=True)
    assert "School 011" in by_urn and "School 012" not in by_urn
    services_only = c.get("/workplaces?kind=service").get_data(as_text=True)
    assert "Barnet Housing" in services_only and "School 001" not in services_only
    empty = c.get("/workplaces?q=nothing-like-this").get_data(as_text=True)
    assert "No workplaces match your search" in empty
    assert c.get("/workplaces?page=99").status_code == 200


def test_lists_only_show_what_is_in_scope(login_as, world):
    c = login_as("organiser_a")
    page = c.get("/employers").get_data(as_text=True)
    assert "London Borough of Barnet" in page and "London Borough of Camden" in page
    assert "Newcastle" not in page
    page = login_as("convenor_a1").get("/branches").get_data(as_text=True)
    assert "Barnet" in page and "Camden" not in page


def test_list_pages_have_a_fixed_number_of_queries(login_as, world, count_queries):
    c = login_as("admin")
    c.get("/employers")
    with count_queries() as few:
        c.get("/employers")
    for i in range(20):
        e = services.create_employer({"name": f"Trust {i}", "kind": "academy_trust", "region_id": world.regions.a.id})
        services.create_workplace({"employer_id": e.id, "name": f"Academy {i}", "kind": "school", "urn": 300000 + i})
    db.session.commit()
    with count_queries() as many:
        c.get("/employers")
    assert many.count == few.count, many.statements
    _many_schools(world.employers.a1.id, 20)
    with count_queries() as q1:
        c.get("/workplaces")
    _many_schools(world.employers.a2.id, 0)
    assert q1.count <= few.count + 2


def test_convenor_adds_an_employer_linked_to_their_branch(login_as, world):
    c = login_as("convenor_a1")
    response = c.submit("/employers/new", {"name": "Barnet Schools Catering Ltd", "kind": "contractor", "la_code": "",
                                          "region_id": world.regions.b.id})
    assert response.status_code == 302
    employer = db.session.scalars(select(Employer).where(Employer.name == "Barnet Schools Catering Ltd")).one()
    assert [b.id for b in employer.branches] == [world.branches.a1.id]
    assert employer.region_id == world.regions.a.id  # the branch's region, whatever was posted
    assert "Barnet Schools Catering Ltd" in c.get(f"/employers/{employer.id}").get_data(as_text=True)


def test_employer_form_bad_input(login_as, world):
    c = login_as("admin")
    before = db.session.scalar(select(db.func.count()).select_from(Employer))
    for data, message in [
        ({"name": "", "kind": "local_authority", "region_id": world.regions.a.id}, "Enter the employer"),
        ({"name": "Somewhere Council", "kind": "", "region_id": world.regions.a.id}, "Choose what kind of employer"),
        ({"name": "Somewhere Council", "kind": "local_authority", "la_code": "12a", "region_id": world.regions.a.id}, "3 digits"),
        ({"name": "Somewhere Council", "kind": "local_authority", "region_id": ""}, "Choose the region"),
        ({"name": "Somewhere Council", "kind": "local_authority", "region_id": "99999"}, "Choose the region"),
        ({"name": "x" * 201, "kind": "local_authority", "region_id": world.regions.a.id}, "200 characters"),
    ]:
        response = c.submit("/employers/new", data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert message in page and "There is a problem" in page, (data, message)
        if data["name"] and len(data["name"]) < 50:
            assert data["name"] in page
    assert db.session.scalar(select(db.func.count()).select_from(Employer)) == before


def test_workplace_form_bad_input(login_as, world):
    c = login_as("convenor_a1")
    before = db.session.scalar(select(db.func.count()).select_from(Workplace))
    for data, message in [
        ({"employer_id": world.employers.a1.id, "name": "New School", "kind": "school", "urn": ""}, "Enter the school"),
        ({"employer_id": world.employers.a1.id, "name": "New School", "kind": "school", "urn": "12"}, "6-digit"),
        ({"employer_id": world.employers.a1.id, "name": "New School", "kind": "school", "urn": "101309"}, "already recorded"),
        ({"employer_id": world.employers.a1.id, "name": "Parks", "kind": "service", "service": ""}, "Enter the service"),
        ({"employer_id": world.employers.a2.id, "name": "Not mine", "kind": "other"}, "Choose one of your branch"),
        ({"employer_id": "", "name": "Nowhere", "kind": "other"}, "Choose the employer"),
    ]:
        response = c.submit("/workplaces/new", data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert message in page, (data, message)
    assert db.session.scalar(select(db.func.count()).select_from(Workplace)) == before


def test_edit_workplace_with_stale_version_is_refused(login_as, world):
    c = login_as("admin")
    wid = world.workplaces.school_a1.id
    response = c.submit(f"/workplaces/{wid}/edit", {"employer_id": world.employers.a1.id, "name": "Renamed", "kind": "school",
                                                    "urn": "101309", "version": "0"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Workplace, wid).name == "Brunswick Park Primary School"


def test_edit_workplace_records_the_diff(login_as, world):
    from ulr_app.core.audit_models import AuditEntry

    c = login_as("convenor_a1")
    wid = world.workplaces.school_a1.id
    response = c.submit(f"/workplaces/{wid}/edit", {"employer_id": world.employers.a1.id, "name": "Brunswick Park Primary",
                                                    "kind": "school", "urn": "101309", "version": "1",
                                                    "phase": "Primary", "establishment_type": "Community school"})
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "workplace", AuditEntry.action == "update")).one()
    assert entry.changes == {"name": ["Brunswick Park Primary School", "Brunswick Park Primary"]}
    assert entry.actor_id == world.users.convenor_a1.id


def test_branch_admin(login_as, world):
    c = login_as("admin")
    response = c.submit("/branches/new", {"name": "Barnet", "region_id": world.regions.a.id})
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    response = c.submit("/branches/new", {"name": "Enfield", "region_id": world.regions.a.id})
    assert response.status_code == 302
    assert "Enfield" in c.get("/branches?q=enf").get_data(as_text=True)


def test_home_pages_show_counts_in_scope(login_as, world):
    page = login_as("convenor_a1").get("/").get_data(as_text=True)
    assert "Welcome" in page and "Nothing needs your attention yet" in page
    page = login_as("ulr_a1").get("/").get_data(as_text=True)
    assert "You have no learners yet" in page
