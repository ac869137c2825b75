"""The API for learners, needs_assessments, courses and enrolments: the pages' services, scope and rules."""
from __future__ import annotations

import pytest

from ulr_app.extensions import db
from ulr_app.learners.models import Course, Enrolment, Learner, NeedsAssessment

from .helpers import assert_error, audit_entries, count, fresh, reps_of
from .learner_helpers import CONSENT, EQUALITY, LITERACY_TITLE, courses_of, day, enrolments_of, learners_of, needs_of
from .test_robustness import BAD_BODIES, BAD_QUERIES

EQUALITY_KEYS = set(EQUALITY)
NO_EQUALITY = "Only branch convenors and above may see or record equality monitoring"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(i["id"] for i in response.json["items"])


def reads(learner_id: int) -> list:
    """The reads of the learner's equality monitoring: one entry per request, naming every learner shown."""
    return [e for e in audit_entries("learner", action="read_special")
            if e.object_id == learner_id or learner_id in (e.changes or {}).get("records", [])]


def saved(model, ident):
    fresh()
    return db.session.get(model, ident)


# --- learners: reading, scope, equality ----------------------------------------------------

def test_convenor_lists_their_branch_with_equality_and_every_read_is_audited(api_as, world):
    ls = learners_of(world)
    response = api_as("convenor_a1").get("/learners")
    assert ids(response) == sorted([ls.a1.id, ls.a1_other.id])
    assert set(response.json) == {"items", "page", "per_page", "total"}
    assert (response.json["page"], response.json["per_page"], response.json["total"]) == (1, 50, 2)
    by_id = {i["id"]: i for i in response.json["items"]}
    asha = by_id[ls.a1.id]
    assert {k: asha[k] for k in EQUALITY_KEYS} == EQUALITY
    assert asha["equality_recorded"] == {"age_band": True, "disability": True, "ethnicity": True, "gender": True}
    assert by_id[ls.a1_other.id]["gender"] is None
    assert by_id[ls.a1_other.id]["equality_recorded"]["gender"] is False
    for learner in (ls.a1, ls.a1_other):
        entries = reads(learner.id)
        assert len(entries) == 1 and entries[0].actor_id == world.users.convenor_a1.id
        assert "API" in entries[0].summary
    assert reads(ls.a2.id) == []


def test_ulr_sees_their_caseload_without_equality_and_no_read_is_audited(api_as, world):
    ls, reps = learners_of(world), reps_of(world)
    api = api_as("ulr_a1")
    # recorded by the ULR and not assigned to anyone: in their caseload
    response = api.post("/learners", json={"name": "Eve Own", "workplace_id": world.workplaces.school_a1.id,
                                           **CONSENT})
    assert response.status_code == 201, response.json
    mine = response.json["id"]
    # recorded by the ULR but assigned to another ULR: handed over, so no longer theirs (issue 14 item 5)
    response = api.post("/learners", json={"name": "Eve Passed", "workplace_id": world.workplaces.school_a1.id,
                                           "rep_id": reps.a1_other.id, **CONSENT})
    assert response.status_code == 201, response.json
    handed_over = response.json["id"]
    listing = api.get("/learners")
    assert ids(listing) == sorted([ls.a1.id, mine])
    assert_error(api.get(f"/learners/{handed_over}"), 404, "not_found")
    for item in listing.json["items"]:
        assert not EQUALITY_KEYS & set(item)
        assert set(item["equality_recorded"]) == EQUALITY_KEYS
    one = api.get(f"/learners/{ls.a1.id}")
    assert one.status_code == 200 and not EQUALITY_KEYS & set(one.json)
    assert one.json["equality_recorded"]["gender"] is True
    assert audit_entries("learner", action="read_special") == []
    assert_error(api.get(f"/learners/{ls.a1_other.id}"), 404, "not_found")
    assert_error(api.get(f"/learners/{ls.b1.id}"), 404, "not_found")


def test_organiser_reads_their_region_with_equality(api_as, world):
    ls = learners_of(world)
    api = api_as("organiser_a")
    assert ids(api.get("/learners")) == sorted([ls.a1.id, ls.a1_other.id, ls.a2.id])
    one = api.get(f"/learners/{ls.a2.id}")
    assert one.status_code == 200 and one.json["gender"] == "female"
    assert [e.actor_id for e in reads(ls.a2.id)] == [world.users.organiser_a.id] * 2  # the list, then the item
    assert_error(api.get(f"/learners/{ls.b1.id}"), 404, "not_found")


def test_get_one_audits_the_equality_read_for_convenors_only(api_as, world):
    ls = learners_of(world)
    response = api_as("convenor_a1").get(f"/learners/{ls.a1.id}")
    assert response.status_code == 200
    item = response.json
    assert item["name"] == "Asha Barnet" and item["branch_id"] == world.branches.a1.id
    assert item["employer_id"] == world.employers.a1.id and item["consent_on"] == CONSENT["consent_on"]
    assert item["merged_into_id"] is None and item["version"] == 1
    assert item["ethnicity"] == "Black British"
    assert len(reads(ls.a1.id)) == 1
    assert api_as("ulr_a1").get(f"/learners/{ls.a1.id}").status_code == 200
    assert len(reads(ls.a1.id)) == 1  # the ULR's read saw no values: nothing to audit
    assert_error(api_as("convenor_a1").get(f"/learners/{ls.a2.id}"), 404, "not_found")


def test_the_items_carry_what_the_schema_promises(api_as, world, anonymous):
    learners_of(world), needs_of(world), enrolments_of(world)
    schemas = anonymous.get("/openapi.json").json["components"]["schemas"]
    for role in ("admin", "convenor_a1"):
        api = api_as(role)
        for resource, title in (("learners", "Learner"), ("needs_assessments", "NeedsAssessment"),
                                ("courses", "Course"), ("enrolments", "Enrolment")):
            items = api.get(f"/{resource}").json["items"]
            assert items, resource
            for item in items:
                assert set(item) == set(schemas[title]["properties"]), resource
    for item in api_as("ulr_a1").get("/learners").json["items"]:
        assert set(item) == set(schemas["Learner"]["properties"]) - EQUALITY_KEYS


def test_learner_filters_and_pages(api_as, world):
    ls = learners_of(world)
    api = api_as("admin")
    assert ids(api.get("/learners")) == sorted(getattr(ls, k).id for k in ("a1", "a1_other", "a2", "b1"))
    assert ids(api.get(f"/learners?branch_id={world.branches.a1.id}")) == sorted([ls.a1.id, ls.a1_other.id])
    assert ids(api.get(f"/learners?workplace_id={world.workplaces.school_a2.id}")) == [ls.a2.id]
    assert ids(api.get(f"/learners?rep_id={ls.b1.rep_id}")) == [ls.b1.id]
    assert ids(api.get("/learners?staff_category=non_school")) == [ls.a1.id]
    assert ids(api.get("/learners?name=barnet")) == sorted([ls.a1.id, ls.a1_other.id])
    page = api.get("/learners?per_page=3&page=2").json
    assert (page["page"], page["per_page"], page["total"], len(page["items"])) == (2, 3, 4, 1)
    assert api.get("/learners?page=9").json["items"] == []
    for query in ("per_page=501", "page=0", "staff_category=teacher", "branch_id=x", "colour=red"):
        assert_error(api.get(f"/learners?{query}"), 400, "bad_request")


def test_merged_learners_are_left_out_of_lists_but_still_read_and_not_changed(api_as, world):
    ls = learners_of(world)
    fresh()
    db.session.get(Learner, ls.a1_other.id).merged_into_id = ls.a1.id
    db.session.commit()
    api = api_as("convenor_a1")
    assert ids(api.get("/learners")) == [ls.a1.id]
    one = api.get(f"/learners/{ls.a1_other.id}")
    assert one.status_code == 200 and one.json["merged_into_id"] == ls.a1.id
    error = assert_error(api.patch(f"/learners/{ls.a1_other.id}", json={"version": one.json["version"],
                                                                      "job_title": "Caretaker"}), 409, "conflict")
    assert str(ls.a1.id) in error["message"]
    assert saved(Learner, ls.a1_other.id).job_title is None
    assert_error(api.post("/needs_assessments", json={"learner_id": ls.a1_other.id, "assessed_on": day(1)}),
                 422, "validation_failed", fields=("learner_id",))


# --- learners: writing --------------------------------------------------------------------

def test_convenor_records_a_learner_for_their_branch(api_as, world):
    api = api_as("convenor_a1")
    response = api.post("/learners", json={
        "name": "Fay Green", "workplace_id": world.workplaces.school_a1.id, "email": "Fay@Example.org",
        "staff_category": "learning_support", "contract": "term_time_only", "hours": "part_time",
        "membership": "member", "joined_union_on": day(400), "prior_level": "entry_3", "job_title": "TA",
        **CONSENT, **EQUALITY})
    assert response.status_code == 201, response.json
    item = response.json
    assert item["branch_id"] == world.branches.a1.id and item["employer_id"] == world.employers.a1.id
    assert item["email"] == "fay@example.org" and item["version"] == 1 and item["rep_id"] is None
    assert item["created_by_id"] == world.users.convenor_a1.id
    assert {k: item[k] for k in EQUALITY_KEYS} == EQUALITY
    created = audit_entries("learner", item["id"], "create")
    assert len(created) == 1 and created[0].actor_id == world.users.convenor_a1.id
    assert created[0].changes["gender"] != ["female", "female"] and "female" not in str(created[0].changes)
    assert len(reads(item["id"])) == 1  # the answer showed the values
    assert api.get(f"/learners/{item['id']}").status_code == 200


def test_branch_for_a_new_learner_by_role(api_as, world):
    body = {"name": "Gil Hart", "workplace_id": world.workplaces.school_a1.id}
    admin = api_as("admin")
    assert_error(admin.post("/learners", json=body), 422, "validation_failed", fields=("branch_id",))
    assert_error(admin.post("/learners", json={**body, "branch_id": 999999}), 422, "validation_failed",
                 fields=("branch_id",))
    response = admin.post("/learners", json={**body, "branch_id": world.branches.a1.id})
    assert response.status_code == 201 and response.json["branch_id"] == world.branches.a1.id
    convenor = api_as("convenor_a1")
    assert_error(convenor.post("/learners", json={**body, "branch_id": world.branches.a2.id}), 422,
                 "validation_failed", fields=("branch_id",))
    # the workplace must belong to an employer the branch deals with
    assert_error(convenor.post("/learners", json={**body, "workplace_id": world.workplaces.school_a2.id}), 422,
                 "validation_failed", fields=("workplace_id",))
    assert_error(api_as("organiser_a").post("/learners", json=body), 403, "forbidden")
    assert count(Learner) == 1


def test_a_ulrs_new_learner_is_assigned_to_them_once_consented(api_as, world):
    reps = reps_of(world)
    api = api_as("ulr_a1")
    consented = api.post("/learners", json={"name": "Hal Ives", "workplace_id": world.workplaces.service_a1.id,
                                            **CONSENT})
    assert consented.status_code == 201, consented.json
    assert consented.json["rep_id"] == reps.a1.id and consented.json["branch_id"] == world.branches.a1.id
    # before consent only the name and workplace are kept: no assignment, but still theirs (recorded by them)
    early = api.post("/learners", json={"name": "Ida Jones", "workplace_id": world.workplaces.service_a1.id})
    assert early.status_code == 201 and early.json["rep_id"] is None
    assert api.get(f"/learners/{early.json['id']}").status_code == 200
    assert_error(api.post("/learners", json={"name": "X", "branch_id": world.branches.b1.id}), 422,
                 "validation_failed", fields=("branch_id",))


@pytest.mark.parametrize("value", ["female", None, ""])
def test_a_ulr_may_not_send_equality_fields(api_as, world, value):
    ls = learners_of(world)
    api = api_as("ulr_a1")
    before = count(Learner)
    error = assert_error(api.post("/learners", json={"name": "Jo King", **CONSENT, "gender": value}), 422,
                         "validation_failed", fields=("gender",))
    assert error["fields"]["gender"] == [NO_EQUALITY]
    assert count(Learner) == before
    # the same answer whatever is recorded: no guessing by PATCH (Asha's gender is "female")
    error = assert_error(api.patch(f"/learners/{ls.a1.id}", json={"version": 1, "gender": value,
                                                                  "job_title": "Housing officer"}),
                         422, "validation_failed", fields=("gender",))
    assert error["fields"]["gender"] == [NO_EQUALITY]
    learner = saved(Learner, ls.a1.id)
    assert (learner.gender, learner.job_title, learner.version) == ("female", None, 1)


def test_consent_comes_first(api_as, world):
    api = api_as("convenor_a1")
    error = assert_error(api.post("/learners", json={"name": "Kim Lee", "workplace_id": world.workplaces.school_a1.id,
                                                     "staff_category": "site", "email": "kim@example.org"}),
                         422, "validation_failed", fields=("staff_category", "email"))
    assert "consent" in error["fields"]["staff_category"][0]
    assert_error(api.post("/learners", json={"name": "Kim Lee", "consent_on": day(1)}), 422, "validation_failed",
                 fields=("consent_scope",))
    assert count(Learner) == 0
    response = api.post("/learners", json={"name": "Kim Lee", "workplace_id": world.workplaces.school_a1.id})
    assert response.status_code == 201
    learner_id = response.json["id"]
    assert_error(api.patch(f"/learners/{learner_id}", json={"version": 1, "hours": "part_time"}), 422,
                 "validation_failed", fields=("hours",))
    response = api.patch(f"/learners/{learner_id}", json={"version": 1, "hours": "part_time", **CONSENT})
    assert response.status_code == 200 and response.json["hours"] == "part_time" and response.json["version"] == 2


def test_bad_learner_bodies_are_422_with_fields_or_400(api_as, world):
    api = api_as("convenor_a1")
    error = assert_error(api.post("/learners", json={"name": 5, "consent_on": "2026-02-30", "rep_id": "x",
                                                     "shoe_size": 9, "joined_union_on": "yesterday",
                                                     "id": 3, "version": 1, "equality_recorded": {}}),
                         422, "validation_failed",
                         fields=("name", "consent_on", "rep_id", "shoe_size", "joined_union_on", "id", "version",
                                 "equality_recorded"))
    assert error["fields"]["shoe_size"] == ["Unknown field"]
    assert_error(api.post("/learners", json={"name": "Lou", **CONSENT, "hours": "weekly", "prior_level": "level_9",
                                             "consent_on": day(-3)}),
                 422, "validation_failed", fields=("hours", "prior_level", "consent_on"))
    assert_error(api.post("/learners", data="{", headers={"Content-Type": "application/json"}), 400, "bad_request")
    assert_error(api.post("/learners", json=["name"]), 400, "bad_request")
    assert_error(api.post("/learners", data="name=x"), 400, "bad_request")
    assert count(Learner) == 0


def test_patch_a_learner_with_versions(api_as, world):
    ls = learners_of(world)
    api = api_as("convenor_a1")
    response = api.patch(f"/learners/{ls.a1_other.id}", json={"version": 1, "id": ls.a1_other.id,
                                                               "job_title": "Caretaker", "disability": "yes"})
    assert response.status_code == 200, response.json
    assert (response.json["job_title"], response.json["disability"], response.json["version"]) == ("Caretaker", "yes", 2)
    updates = audit_entries("learner", ls.a1_other.id, "update")
    assert len(updates) == 1 and updates[0].changes["job_title"] == [None, "Caretaker"]
    assert "yes" not in str(updates[0].changes["disability"])  # special category: masked
    stale = api.patch(f"/learners/{ls.a1_other.id}", json={"version": 1, "job_title": "Cleaner"})
    assert_error(stale, 409, "conflict")
    learner = saved(Learner, ls.a1_other.id)
    assert (learner.job_title, learner.version) == ("Caretaker", 2)
    assert_error(api.patch(f"/learners/{ls.a1_other.id}", json={"job_title": "Cleaner"}), 422, "validation_failed",
                 fields=("version",))
    assert_error(api.patch(f"/learners/{ls.a1_other.id}", json={"version": 2, "branch_id": world.branches.a2.id}),
                 422, "validation_failed", fields=("branch_id",))
    # all or nothing: a good field and a bad one save neither
    assert_error(api.patch(f"/learners/{ls.a1_other.id}", json={"version": 2, "job_title": "Cleaner",
                                                                 "hours": "weekly"}),
                 422, "validation_failed", fields=("hours",))
    assert_error(api.patch(f"/learners/{ls.a1_other.id}", json={"version": 2, "rep_id": ls.a2.rep_id}),
                 422, "validation_failed", fields=("rep_id",))
    learner = saved(Learner, ls.a1_other.id)
    assert (learner.job_title, learner.hours, learner.version) == ("Caretaker", None, 2)
    assert len(audit_entries("learner", ls.a1_other.id, "update")) == 1
    assert_error(api.patch(f"/learners/{ls.a2.id}", json={"version": 1, "job_title": "X"}), 404, "not_found")


def test_a_ulr_changes_their_caseload_and_an_organiser_nothing(api_as, world):
    ls = learners_of(world)
    ulr = api_as("ulr_a1")
    response = ulr.patch(f"/learners/{ls.a1.id}", json={"version": 1, "job_title": "Housing officer"})
    assert response.status_code == 200 and response.json["job_title"] == "Housing officer"
    assert not EQUALITY_KEYS & set(response.json)
    assert_error(ulr.patch(f"/learners/{ls.a1_other.id}", json={"version": 1, "job_title": "X"}), 404, "not_found")
    organiser = api_as("organiser_a")
    assert_error(organiser.patch(f"/learners/{ls.a1.id}", json={"version": 2, "job_title": "X"}), 403, "forbidden")
    assert saved(Learner, ls.a1.id).job_title == "Housing officer"


# --- needs analyses -----------------------------------------------------------------------

def test_needs_assessments_list_get_and_scope(api_as, world):
    needs, ls = needs_of(world), learners_of(world)
    convenor = api_as("convenor_a1")
    assert ids(convenor.get("/needs_assessments")) == sorted([needs.a1.id, needs.a1_other.id])
    assert ids(convenor.get(f"/needs_assessments?learner_id={ls.a1.id}")) == [needs.a1.id]
    assert ids(convenor.get(f"/needs_assessments?learner_id={ls.a2.id}")) == []
    assert ids(api_as("ulr_a1").get("/needs_assessments")) == [needs.a1.id]
    item = convenor.get(f"/needs_assessments/{needs.a1.id}").json
    assert item == {"id": needs.a1.id, "learner_id": ls.a1.id, "assessed_on": day(20), "literacy_level": "entry_2",
                    "numeracy_level": None, "ict_level": None, "esol_need": False, "barriers": ["cover", "confidence"],
                    "goals": None, "assessed_by_id": None}
    assert_error(convenor.get(f"/needs_assessments/{needs.a2.id}"), 404, "not_found")
    assert_error(api_as("ulr_a1").get(f"/needs_assessments/{needs.a1_other.id}"), 404, "not_found")
    assert_error(convenor.get("/needs_assessments?learner_id=abc"), 400, "bad_request")


def test_record_a_needs_assessment(api_as, world):
    ls = learners_of(world)
    api = api_as("ulr_a1")
    response = api.post("/needs_assessments", json={
        "learner_id": ls.a1.id, "assessed_on": day(2), "literacy_level": "entry_3", "numeracy_level": "level_1",
        "ict_level": "pre_entry", "esol_need": True, "barriers": ["time_release", "cover", "cover"],
        "goals": "Level 2 maths for HLTA"})
    assert response.status_code == 201, response.json
    item = response.json
    assert item["barriers"] == ["time_release", "cover"] and item["esol_need"] is True
    assert item["assessed_by_id"] == world.users.ulr_a1.id
    assert [e.action for e in audit_entries("needs_assessment", item["id"])] == ["create"]
    assert api.get(f"/needs_assessments/{item['id']}").json == item


def test_needs_assessment_rules_and_bad_input(api_as, world):
    ls = learners_of(world)
    api = api_as("convenor_a1")
    unconsented = api.post("/learners", json={"name": "No Consent", "workplace_id": world.workplaces.school_a1.id})
    assert unconsented.status_code == 201
    error = assert_error(api.post("/needs_assessments", json={"learner_id": unconsented.json["id"],
                                                              "assessed_on": day(1)}),
                         422, "validation_failed", fields=("learner_id",))
    assert "consent" in error["fields"]["learner_id"][0]
    for body, fields in (
            ({"learner_id": ls.a2.id, "assessed_on": day(1)}, ("learner_id",)),  # out of scope
            ({"assessed_on": day(1)}, ("learner_id",)),
            ({"learner_id": ls.a1.id}, ("assessed_on",)),
            ({"learner_id": ls.a1.id, "assessed_on": day(-2)}, ("assessed_on",)),
            ({"learner_id": ls.a1.id, "assessed_on": "2026-02-30"}, ("assessed_on",)),
            ({"learner_id": ls.a1.id, "assessed_on": day(1), "barriers": ["flying"]}, ("barriers",)),
            ({"learner_id": ls.a1.id, "assessed_on": day(1), "barriers": [{}]}, ("barriers",)),
            ({"learner_id": ls.a1.id, "assessed_on": day(1), "barriers": "cover"}, ("barriers",)),
            ({"learner_id": ls.a1.id, "assessed_on": day(1), "esol_need": "yes", "literacy_level": 3},
             ("esol_need", "literacy_level")),
            ({"learner_id": ls.a1.id, "assessed_on": day(1), "numeracy_level": "level_12"}, ("numeracy_level",)),
            ({"learner_id": ls.a1.id, "assessed_on": day(1), "id": 5, "mood": "good"}, ("id", "mood"))):
        assert_error(api.post("/needs_assessments", json=body), 422, "validation_failed", fields=fields)
    assert_error(api.post("/needs_assessments", data="[", headers={"Content-Type": "application/json"}), 400,
                 "bad_request")
    assert_error(api_as("organiser_a").post("/needs_assessments", json={"learner_id": ls.a1.id,
                                                                        "assessed_on": day(1)}), 403, "forbidden")
    assert count(NeedsAssessment) == 0


# --- courses ------------------------------------------------------------------------------

def test_courses_are_read_by_everyone_with_filters(api_as, world):
    cs = courses_of(world)
    mine = {cs.literacy.id, cs.numeracy.id, cs.retired.id}
    ours = lambda response: sorted(set(ids(response)) & mine)  # noqa: E731 (the seed catalogue may be there too)
    for role in ("admin", "organiser_a", "convenor_a1", "ulr_a1"):
        assert ours(api_as(role).get("/courses?per_page=500")) == sorted(mine)
    api = api_as("ulr_a1")
    assert ours(api.get("/courses?subject=numeracy&per_page=500")) == [cs.numeracy.id]
    assert ours(api.get("/courses?level=entry_3")) == [cs.literacy.id]
    assert ours(api.get("/courses?category=union_course")) == [cs.retired.id]
    assert ours(api.get("/courses?active=false")) == [cs.retired.id]
    assert ours(api.get("/courses?active=true&category=skills_for_life&per_page=500")) == sorted(
        [cs.literacy.id, cs.numeracy.id])
    assert {i["subject"] for i in api.get("/courses?subject=numeracy&per_page=500").json["items"]} == {"numeracy"}
    assert {i["active"] for i in api.get("/courses?active=false&per_page=500").json["items"]} == {False}
    item = api.get(f"/courses/{cs.literacy.id}").json
    assert item == {"id": cs.literacy.id, "version": 1, "title": LITERACY_TITLE,
                    "category": "skills_for_life", "subject": "literacy", "level": "entry_3", "provider": None,
                    "qualification": True, "active": True}
    for query in ("active=maybe", "level=level_9", "subject=art"):
        assert_error(api.get(f"/courses?{query}"), 400, "bad_request")


def test_only_admins_change_the_catalogue(api_as, world):
    cs = courses_of(world)
    before = count(Course)
    for role in ("organiser_a", "convenor_a1", "ulr_a1"):
        api = api_as(role)
        assert_error(api.post("/courses", json={"title": "Welsh", "category": "informal"}), 403, "forbidden")
        assert_error(api.patch(f"/courses/{cs.literacy.id}", json={"version": 1, "active": False}), 403, "forbidden")
    admin = api_as("admin")
    response = admin.post("/courses", json={"title": "API test Certificate in Supporting Teaching and Learning",
                                            "category": "vocational", "level": "level_2", "qualification": True,
                                            "provider": "Local college"})
    assert response.status_code == 201, response.json
    new = response.json
    assert new["subject"] == "other" and new["active"] is True and new["version"] == 1
    assert_error(admin.post("/courses", json={"title": LITERACY_TITLE.upper(), "category": "esol"}),
                 422, "validation_failed", fields=("title",))
    assert_error(admin.post("/courses", json={"title": "X", "category": "knitting", "level": "level_9",
                                              "qualification": "yes"}),
                 422, "validation_failed", fields=("qualification",))  # types first, then the service
    assert_error(admin.post("/courses", json={"title": "X", "category": "knitting", "level": "level_9"}),
                 422, "validation_failed", fields=("category", "level"))
    assert count(Course) == before + 1
    changed = admin.patch(f"/courses/{new['id']}", json={"version": 1, "active": False})
    assert changed.status_code == 200 and changed.json["active"] is False and changed.json["version"] == 2
    assert_error(admin.patch(f"/courses/{new['id']}", json={"version": 1, "provider": "Elsewhere"}), 409, "conflict")
    same = admin.patch(f"/courses/{new['id']}", json={"version": 2, "active": False})
    assert same.status_code == 200 and same.json["version"] == 2  # nothing changed
    assert_error(admin.patch(f"/courses/{new['id']}", json={"version": 2, "title": LITERACY_TITLE,
                                                            "provider": "Elsewhere"}),
                 422, "validation_failed", fields=("title",))
    assert_error(admin.patch(f"/courses/{new['id']}", json={"active": True}), 422, "validation_failed",
                 fields=("version",))
    course = saved(Course, new["id"])
    assert (course.provider, course.active) == ("Local college", False)
    assert [e.action for e in audit_entries("course", new["id"])] == ["create", "update"]
    listed = {i["id"]: i for i in admin.get("/courses?active=false&per_page=500").json["items"]}
    assert listed[new["id"]]["version"] == 2 and listed[cs.retired.id]["version"] == 1


# --- enrolments ---------------------------------------------------------------------------

def test_enrolment_list_get_filters_and_scope(api_as, world):
    es, ls = enrolments_of(world), learners_of(world)
    convenor = api_as("convenor_a1")
    assert ids(convenor.get("/enrolments")) == sorted([es.a1.id, es.a1_other.id])
    assert ids(convenor.get(f"/enrolments?learner_id={ls.a1.id}")) == [es.a1.id]
    assert ids(convenor.get("/enrolments?status=enquiry")) == sorted([es.a1.id, es.a1_other.id])
    assert ids(convenor.get("/enrolments?status=enrolled")) == []
    assert ids(api_as("ulr_a1").get("/enrolments")) == [es.a1.id]
    assert ids(api_as("organiser_a").get("/enrolments")) == sorted([es.a1.id, es.a1_other.id, es.a2.id])
    item = convenor.get(f"/enrolments/{es.a1.id}").json
    assert item["status"] == "enquiry" and item["version"] == 1 and item["learner_id"] == ls.a1.id
    assert item["outcome_on"] is None and item["on_track"] is None
    assert_error(convenor.get(f"/enrolments/{es.a2.id}"), 404, "not_found")
    assert_error(api_as("ulr_a1").get(f"/enrolments/{es.a1_other.id}"), 404, "not_found")
    assert_error(convenor.get("/enrolments?status=finished"), 400, "bad_request")


def test_an_outcome_followed_by_a_higher_level_is_a_progression(api_as, world, count_queries):
    from tests.learners.helpers import course, enrolment, learner

    api = api_as("convenor_a1")
    entry3 = course("Literacy Entry 3", level="entry_3")
    level1 = course("Literacy Level 1", level="level_1")
    people = [learner(world, name=f"Learner {n}") for n in range(4)]
    pairs = []
    for who in people:
        done = enrolment(who, entry3, "achieved", started_on="2026-01-20", achieved_on="2026-03-02")
        later = enrolment(who, level1, "enrolled", referred_on="2026-03-05", started_on="2026-04-01")
        pairs.append((done.id, later.id))
    same_level = enrolment(people[0], course("Another Entry 3", level="entry_3"), "enrolled", started_on="2026-05-01")
    assert api.get(f"/enrolments/{pairs[0][0]}").json["progressed_to_id"] == pairs[0][1]
    assert api.get(f"/enrolments/{pairs[0][1]}").json["progressed_to_id"] is None  # not an outcome
    assert api.get(f"/enrolments/{same_level.id}").json["progressed_to_id"] is None
    listed = {i["id"]: i["progressed_to_id"] for i in api.get("/enrolments?per_page=500").json["items"]}
    assert all(listed[a] == b and listed[b] is None for a, b in pairs)
    # worked out for the whole page in one go: more learners on the page, no more queries
    with count_queries() as few:
        api.get("/enrolments?per_page=2")
    with count_queries() as many:
        api.get("/enrolments?per_page=500")
    assert many.count == few.count


def test_enrol_a_learner(api_as, world):
    ls, cs = learners_of(world), courses_of(world)
    api = api_as("ulr_a1")
    response = api.post("/enrolments", json={"learner_id": ls.a1.id, "course_id": cs.numeracy.id, "status": "enrolled",
                                             "started_on": day(5), "planned_end_on": day(-10), "project_id": None})
    assert response.status_code == 201, response.json
    item = response.json
    assert (item["status"], item["started_on"], item["project_id"], item["version"]) == ("enrolled", day(5), None, 1)
    assert item["on_track"] == "amber" and item["outcome_on"] is None
    assert [e.action for e in audit_entries("enrolment", item["id"])] == ["create"]
    referred = api.post("/enrolments", json={"learner_id": ls.a1.id, "course_id": cs.literacy.id,
                                             "status": "referred", "referred_on": day(1)})
    assert referred.status_code == 201 and referred.json["referred_on"] == day(1)


def test_an_enrolment_names_a_funding_project_covering_the_learners_branch(api_as, world, programmes):
    from ulr_app.funding import services as funding_services

    ls, cs = learners_of(world), courses_of(world)
    dates = {"starts_on": "2026-04-01", "ends_on": "2027-03-31", "programme_id": programmes["ulf"].id}
    organiser = world.users.organiser_a
    branch_a1 = funding_services.create_project({"name": "Barnet project", "branch_id": world.branches.a1.id,
                                                 **dates}, user=organiser)
    branch_a2 = funding_services.create_project({"name": "Camden project", "branch_id": world.branches.a2.id,
                                                 **dates}, user=organiser)
    region_b = funding_services.create_project({"name": "Northern project", **dates}, user=world.users.organiser_b)
    db.session.commit()
    base = {"learner_id": ls.a1.id, "course_id": cs.literacy.id}
    api = api_as("convenor_a1")
    ok = api.post("/enrolments", json={**base, "project_id": branch_a1.id})
    assert ok.status_code == 201, ok.json
    assert ok.json["project_id"] == branch_a1.id
    assert db.session.get(Enrolment, ok.json["id"]).project_id == branch_a1.id
    before = count(Enrolment)
    # another branch's project, a project the convenor cannot see, one that does not exist: clear 422s
    for project_id in (branch_a2.id, region_b.id, 999999):
        response = api.post("/enrolments", json={**base, "project_id": project_id})
        assert_error(response, 422, "validation_failed", fields=("project_id",))
    assert count(Enrolment) == before
    # an organiser's region-wide project covers every branch of the region (for an administrator)
    region_a = funding_services.create_project({"name": "London-wide", **dates}, user=organiser)
    db.session.commit()
    admin = api_as("admin")
    assert admin.post("/enrolments", json={**base, "project_id": region_a.id}).status_code == 201
    wrong = admin.post("/enrolments", json={"learner_id": ls.b1.id, "course_id": cs.literacy.id,
                                            "project_id": region_a.id})
    assert_error(wrong, 422, "validation_failed", fields=("project_id",))
    assert "covers the learner's branch" in wrong.json["error"]["fields"]["project_id"][0]


def test_bad_new_enrolments_are_422_and_nothing_is_saved(api_as, world):
    ls, cs = learners_of(world), courses_of(world)
    api = api_as("convenor_a1")
    base = {"learner_id": ls.a1.id, "course_id": cs.literacy.id}
    unconsented = api.post("/learners", json={"name": "No Consent", "workplace_id": world.workplaces.school_a1.id})
    before = count(Enrolment)
    for body, fields in (
            ({**base, "status": "referred"}, ("referred_on",)),
            ({**base, "status": "enrolled"}, ("started_on",)),
            ({**base, "status": "in_progress", "started_on": day(3)}, ("status",)),
            ({**base, "status": "finished"}, ("status",)),
            ({**base, "completed_on": day(1)}, ("completed_on",)),
            ({**base, "course_id": cs.retired.id}, ("course_id",)),
            ({**base, "course_id": 999999}, ("course_id",)),
            ({**base, "learner_id": ls.a2.id}, ("learner_id",)),
            ({**base, "learner_id": unconsented.json["id"]}, ("learner_id",)),
            ({"course_id": cs.literacy.id}, ("learner_id",)),
            ({**base, "started_on": day(5), "planned_end_on": day(6), "status": "enrolled"}, ("planned_end_on",)),
            ({**base, "referred_on": "31/12/2025", "course_id": "1", "project_id": 0}, ("referred_on", "course_id",
                                                                                      "project_id")),
            ({**base, "project_id": 7}, ("project_id",)),  # no such funding project
            ({**base, "version": 1, "on_track": "green"}, ("version", "on_track"))):
        assert_error(api.post("/enrolments", json=body), 422, "validation_failed", fields=fields)
    assert count(Enrolment) == before
    assert_error(api_as("organiser_a").post("/enrolments", json=base), 403, "forbidden")
    assert_error(api.post("/enrolments", data="{", headers={"Content-Type": "application/json"}), 400, "bad_request")


def test_an_enrolment_moves_along_its_status_flow(api_as, world):
    es = enrolments_of(world)
    api = api_as("convenor_a1")
    path = f"/enrolments/{es.a1.id}"
    steps = [({"status": "referred", "referred_on": day(30)}, "referred"),  # not before their consent
             ({"status": "enrolled", "started_on": day(30), "planned_end_on": day(-60)}, "enrolled"),
             ({"status": "in_progress"}, "in_progress"),
             ({"status": "completed", "completed_on": day(4)}, "completed"),
             ({"status": "achieved", "achieved_on": day(2)}, "achieved")]
    version = 1
    for body, status in steps:
        response = api.patch(path, json={"version": version, **body})
        assert response.status_code == 200, (body, response.json)
        version += 1
        assert response.json["status"] == status and response.json["version"] == version
        if status == "enrolled":
            assert response.json["on_track"] == "green"
    assert response.json["outcome_on"] == day(4) and response.json["on_track"] is None
    assert len(audit_entries("enrolment", es.a1.id, "update")) == 5
    # final: any move is a state rule (409), with the message of the flow
    error = assert_error(api.patch(path, json={"version": version, "status": "withdrawn", "withdrawn_on": day(1),
                                               "withdrawal_reason": "Moved away"}), 409, "conflict")
    assert "nothing" in error["message"]


def test_enrolment_patch_rules(api_as, world):
    es = enrolments_of(world)
    api = api_as("ulr_a1")
    path = f"/enrolments/{es.a1.id}"
    error = assert_error(api.patch(path, json={"version": 1, "status": "completed", "completed_on": day(1)}), 409,
                         "conflict", fields=("status",))
    assert "enquiry can move to" in error["message"]
    assert_error(api.patch(path, json={"version": 1, "status": "enrolled"}), 422, "validation_failed",
                 fields=("started_on",))
    assert_error(api.patch(path, json={"version": 1, "status": "withdrawn", "withdrawn_on": day(1)}), 422,
                 "validation_failed", fields=("withdrawal_reason",))
    assert_error(api.patch(path, json={"version": 1, "status": "enrolled", "started_on": day(-5)}), 422,
                 "validation_failed", fields=("started_on",))
    assert_error(api.patch(path, json={"version": 1, "status": "finished"}), 422, "validation_failed",
                 fields=("status",))
    assert_error(api.patch(path, json={"version": 1, "status": None}), 422, "validation_failed", fields=("status",))
    assert_error(api.patch(path, json={"version": 1, "course_id": 3, "learner_id": 4}), 422, "validation_failed",
                 fields=("course_id", "learner_id"))
    assert_error(api.patch(path, json={"version": 1, "started_on": "2026-13-01"}), 422, "validation_failed",
                 fields=("started_on",))
    assert_error(api.patch(path, json={"status": "referred", "referred_on": day(1)}), 422, "validation_failed",
                 fields=("version",))
    assert saved(Enrolment, es.a1.id).status == "enquiry"
    enrolled = api.patch(path, json={"version": 1, "status": "enrolled", "started_on": day(10),
                                     "planned_end_on": day(2)})
    assert enrolled.status_code == 200 and enrolled.json["version"] == 2
    assert (enrolled.json["started_on"], enrolled.json["on_track"]) == (day(10), "red")  # past its planned end
    stale = api.patch(path, json={"version": 1, "status": "withdrawn", "withdrawn_on": day(1),
                                  "withdrawal_reason": "Workload"})
    assert_error(stale, 409, "conflict")
    e = saved(Enrolment, es.a1.id)
    assert (e.status, e.withdrawn_on, e.version) == ("enrolled", None, 2)
    # a break in learning needs its reason and return date, after the break starts
    assert_error(api.patch(path, json={"version": 2, "status": "break_in_learning", "break_started_on": day(2)}),
                 422, "validation_failed", fields=("break_reason", "return_on"))
    assert_error(api.patch(path, json={"version": 2, "status": "break_in_learning", "break_started_on": day(2),
                                       "break_reason": "Illness", "return_on": day(3)}),
                 422, "validation_failed", fields=("return_on",))
    on_break = api.patch(path, json={"version": 2, "status": "break_in_learning", "break_started_on": day(2),
                                     "break_reason": "Illness", "return_on": day(-20)})
    assert on_break.status_code == 200, on_break.json
    assert (on_break.json["status"], on_break.json["return_on"], on_break.json["break_reason"]) == (
        "break_in_learning", day(-20), "Illness")
    # dates of the current status can be corrected without a status
    fixed = api.patch(path, json={"version": 3, "break_reason": "Illness (signed off)"})
    assert fixed.status_code == 200 and fixed.json["version"] == 4 and fixed.json["status"] == "break_in_learning"
    assert_error(api.patch(f"/enrolments/{es.a1_other.id}", json={"version": 1, "status": "referred",
                                                                  "referred_on": day(1)}), 404, "not_found")
    assert_error(api_as("organiser_a").patch(path, json={"version": 4, "status": "in_progress"}), 403, "forbidden")


# --- the document and nonsense ------------------------------------------------------------

def test_the_document_describes_these_resources(anonymous, app):
    document = anonymous.get("/openapi.json").json
    paths, schemas = document["paths"], document["components"]["schemas"]
    for name, one in (("learners", "learner_id"), ("needs_assessments", "needs_assessment_id"),
                      ("courses", "course_id"), ("enrolments", "enrolment_id")):
        assert set(paths[f"/api/v1/{name}"]) == {"get", "post"}
        assert set(paths[f"/api/v1/{name}/{{{one}}}"]) == ({"get"} if name == "needs_assessments" else {"get", "patch"})
    learner = schemas["Learner"]["properties"]
    for name in EQUALITY_KEYS:
        assert "convenors" in learner[name]["description"] and "absent for ULRs" in learner[name]["description"]
    assert "convenors and above" in schemas["Learner"]["description"]
    assert learner["staff_category"]["enum"][:2] == ["learning_support", "pupil_welfare"]
    assert "consent_scope" in learner and learner["equality_recorded"]["readOnly"] is True
    assert set(schemas["Enrolment"]["properties"]) >= {
        "id", "version", "learner_id", "course_id", "project_id", "status", "referred_on", "started_on", "completed_on",
        "achieved_on", "withdrawn_on", "outcome_on", "on_track"}
    assert schemas["Enrolment"]["properties"]["on_track"]["readOnly"] is True
    assert set(schemas["Course"]["properties"]) >= {"id", "title", "category", "subject", "level", "provider",
                                                     "qualification"}
    assert schemas["Course"]["properties"]["level"]["enum"][-1] == "unlevelled"
    assert set(schemas["NeedsAssessment"]["properties"]) >= {
        "id", "learner_id", "assessed_on", "literacy_level", "numeracy_level", "ict_level", "esol_need", "barriers",
        "goals"}
    assert "409" in paths["/api/v1/enrolments/{enrolment_id}"]["patch"]["responses"]
    assert "403" in paths["/api/v1/courses"]["post"]["responses"]


@pytest.mark.parametrize("role_key", ["admin", "convenor_a1", "ulr_a1"])
def test_nonsense_never_gets_a_500_here(app, world, api_as, role_key):
    """test_robustness.py's nonsense, sent to this module's routes with real ids."""
    api = api_as(role_key)
    arg_ids = {"learner_id": learners_of(world).a1.id, "needs_assessment_id": needs_of(world).a1.id,
               "course_id": courses_of(world).literacy.id, "enrolment_id": enrolments_of(world).a1.id}
    models = (Learner, NeedsAssessment, Course, Enrolment)
    before = tuple(count(m) for m in models)
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith("api.") and r.rule.split("/")[3] in ("learners", "needs_assessments", "courses",
                                                                             "enrolments")
             and r.endpoint != "api.erase_learner"]  # data protection's (tests/dataprotection/test_erasure_api.py)
    assert len(rules) == 15  # one rule per method
    for rule in rules:
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(arg_ids[arg]))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for kw in (BAD_BODIES if method in ("POST", "PATCH") else [{}]):
                response = api.open(url, method, **kw)
                assert response.status_code < 500, (method, url, kw, response.status_code)
                if response.status_code >= 400:
                    assert response.json["error"]["code"], (method, url, kw)
            if method == "GET":
                for query in BAD_QUERIES + ["learner_id=%00", "active=2", "staff_category=%00", "name=%25_",
                                            "level=%C3"]:
                    response = api.open(f"{url}?{query}", method)
                    assert response.status_code < 500, (url, query)
                    if response.status_code >= 400:
                        assert response.json["error"]["code"]
    assert tuple(count(m) for m in models) == before


def test_a_possible_duplicate_is_409_until_confirmed(api_as, world, anonymous):
    api = api_as("convenor_a1")
    body = {"name": "Fay Green", "workplace_id": world.workplaces.school_a1.id, **CONSENT}
    first = api.post("/learners", json=body)
    assert first.status_code == 201 and "not_duplicate" not in first.json
    before = count(Learner)
    again = api.post("/learners", json={**body, "name": "FAY GREEN"})
    assert_error(again, 409, "possible_duplicate")
    assert f"learner {first.json['id']}" in again.json["error"]["message"]
    assert "not_duplicate" in again.json["error"]["fields"]
    assert_error(api.post("/learners", json={**body, "not_duplicate": "yes"}), 422, "validation_failed")
    assert count(Learner) == before
    confirmed = api.post("/learners", json={**body, "not_duplicate": True})
    assert confirmed.status_code == 201 and confirmed.json["id"] != first.json["id"]
    assert "not_duplicate" not in api.get(f"/learners/{confirmed.json['id']}").json
    schemas = anonymous.get("/openapi.json").json["components"]["schemas"]
    assert "not_duplicate" not in schemas["Learner"]["properties"]
    assert schemas["LearnerCreate"]["properties"]["not_duplicate"]["writeOnly"] is True


def test_an_enrolment_in_progress_is_no_outcome_whatever_dates_are_sent(api_as, world):
    es = enrolments_of(world)
    api = api_as("convenor_a1")
    path = f"/enrolments/{es.a1.id}"
    item = api.patch(path, json={"version": 1, "status": "enrolled", "referred_on": day(20), "started_on": day(10)}).json
    item = api.patch(path, json={"version": item["version"], "status": "in_progress"}).json
    assert item["status"] == "in_progress", item
    version = item["version"]
    # a completion date on one still in progress, an achievement on a withdrawal: refused, nothing saved
    assert_error(api.patch(path, json={"version": version, "completed_on": day(1)}), 422, "validation_failed",
                 fields=("completed_on",))
    assert_error(api.patch(path, json={"version": version, "status": "withdrawn", "withdrawn_on": day(1),
                                       "withdrawal_reason": "Moved away", "achieved_on": day(1)}), 422,
                 "validation_failed", fields=("achieved_on",))
    again = api.get(path).json
    assert (again["status"], again["completed_on"], again["achieved_on"], again["outcome_on"]) == (
        "in_progress", None, None, None)
    # completed with its date: an outcome on that day
    done = api.patch(path, json={"version": version, "status": "completed", "completed_on": day(1)}).json
    assert done["outcome_on"] == day(1)
