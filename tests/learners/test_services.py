"""Learner services: the consent rule, masked equality data, duplicates, enrolments, scope, the catalogue."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import Conflict, NotAllowed, ValidationFailed
from ulr_app.core.permissions import visible
from ulr_app.core.timeline import entries_for
from ulr_app.extensions import db
from ulr_app.learners import catalogue, queries, services
from ulr_app.learners.models import Course, Enrolment, Learner, NeedsAssessment
from ulr_app.reps import services as rep_services

CONSENT = {"consent_on": "2026-09-01", "consent_scope": "Records of learning, contact by the ULR and the branch"}


def _learner(world, branch=None, **kw):
    data = {"name": "Sam Okafor", "workplace_id": world.workplaces.school_a1.id, **CONSENT, **kw}
    return services.create_learner(data, branch=branch or world.branches.a1)


def _course(title="Skills for Life literacy Entry 3", **kw):
    data = {"title": title, "category": "skills_for_life", "subject": "literacy", "level": "entry_3",
            "qualification": True, **kw}
    return services.create_course(data)


def _rep(world, user=None):
    return rep_services.create_rep({"name": "Pat Jones", "employer_id": world.employers.a1.id,
                                    "workplace_id": world.workplaces.school_a1.id, "appointed_on": "2026-06-01",
                                    "notice_given_on": "2026-06-02", "training_route": "already_trained",
                                    "user_id": user.id if user else None}, branch=world.branches.a1)


# --- consent -------------------------------------------------------------------------------------

@pytest.mark.parametrize("data,bad", [
    ({}, None),
    ({"employer_id": "EMPLOYER"}, None),
    ({"email": "sam@example.org"}, "email"),
    ({"staff_category": "learning_support"}, "staff_category"),
    ({"job_title": "Teaching assistant"}, "job_title"),
    ({"contract": "term_time_only"}, "contract"),
    ({"hours": "part_time"}, "hours"),
    ({"membership": "member"}, "membership"),
    ({"joined_union_on": "2020-01-01"}, "joined_union_on"),
    ({"prior_level": "entry_2"}, "prior_level"),
    ({"gender": "female"}, "gender"),
    ({"consent_scope": "everything"}, "consent_scope"),
    ({"email": "   "}, None),  # blank is nothing
])
def test_without_consent_only_name_and_workplace_are_saved(world, data, bad):
    data = {k: (world.employers.a1.id if v == "EMPLOYER" else v) for k, v in data.items()}
    payload = {"name": "Sam Okafor", "workplace_id": world.workplaces.school_a1.id, **data}
    if bad is None:
        learner = services.create_learner(payload, branch=world.branches.a1)
        assert learner.consent_on is None and learner.employer_id == world.employers.a1.id
    else:
        with pytest.raises(ValidationFailed) as info:
            services.create_learner(payload, branch=world.branches.a1)
        assert info.value.status == 422
        assert list(info.value.fields) == [bad] and "consent" in info.value.fields[bad][0]


def test_consent_needs_what_it_covers_and_then_opens_the_record(world):
    with pytest.raises(ValidationFailed) as info:
        _learner(world, consent_scope="")
    assert "consent_scope" in info.value.fields
    learner = services.create_learner({"name": "Sam Okafor", "workplace_id": world.workplaces.school_a1.id},
                                      branch=world.branches.a1)
    with pytest.raises(ValidationFailed):
        services.update_learner(learner, {"staff_category": "site"})
    services.update_learner(learner, {**CONSENT, "staff_category": "site", "contract": "term_time_only"})
    assert learner.staff_category == "site" and learner.consent_on == date(2026, 9, 1)
    with pytest.raises(ValidationFailed) as info:
        services.record_needs_assessment(
            services.create_learner({"name": "No Consent"}, branch=world.branches.a1), {"assessed_on": "2026-09-02"})
    assert "learner_id" in info.value.fields


@pytest.mark.parametrize("data,field", [
    ({"name": ""}, "name"), ({"email": "nope"}, "email"), ({"staff_category": "teacher"}, "staff_category"),
    ({"prior_level": "level_9"}, "prior_level"), ({"consent_on": "2099-01-01"}, "consent_on"),
    ({"workplace_id": "WRONG"}, "workplace_id"), ({"shoe_size": 9}, "shoe_size"), ({"contract": "zero_hours"}, "contract"),
])
def test_bad_input(world, data, field):
    data = {k: (world.workplaces.school_b1.id if v == "WRONG" else v) for k, v in data.items()}
    with pytest.raises(ValidationFailed) as info:
        _learner(world, **data)
    assert field in info.value.fields


# --- equality data -------------------------------------------------------------------------------

def test_equality_fields_are_masked_in_the_audit_log(world):
    learner = _learner(world, gender="Female", ethnicity="Black British", disability="Yes", age_band="45-54")
    services.update_learner(learner, {"age_band": "55-64"}, actor=world.users.convenor_a1)
    db.session.flush()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "learner")).all()
    assert len(entries) == 2
    text = repr([e.changes for e in entries])
    for secret in ("Female", "Black British", "45-54", "55-64"):
        assert secret not in text
    assert entries[0].changes["gender"] == "[special category: changed]"
    assert "55" not in " ".join(e.text for e in entries_for(db.session, learner))


def test_only_convenors_and_above_see_or_change_equality_data(world):
    u = world.users
    assert [queries.can_see_equality(x) for x in (u.admin, u.organiser_a, u.convenor_a1, u.ulr_a1)] == [
        True, True, True, False]
    learner = _learner(world)
    with pytest.raises(ValidationFailed) as info:
        services.update_learner(learner, {"gender": "Male"}, actor=u.ulr_a1)
    assert "gender" in info.value.fields
    services.update_learner(learner, {"gender": "Male"}, actor=u.convenor_a1)
    assert queries.equality_recorded(learner) == {"age_band": False, "disability": False, "ethnicity": False,
                                                  "gender": True}


# --- duplicates ----------------------------------------------------------------------------------

def test_duplicate_detection(world):
    sam = _learner(world, email="sam@example.org")
    other_place = _learner(world, name="Sam Okafor", workplace_id=world.workplaces.service_a1.id)
    found = services.possible_duplicates(name="  sam OKAFOR", workplace_id=world.workplaces.school_a1.id)
    assert found == [sam]
    assert services.possible_duplicates(name="Someone Else", email="SAM@example.org") == [sam]
    assert services.possible_duplicates(name="Sam Okafor", workplace_id=world.workplaces.school_a1.id,
                                        exclude_id=sam.id) == []
    assert other_place not in found
    assert services.possible_duplicates(name="Sam Okafor") == []


# --- enrolments ----------------------------------------------------------------------------------

def test_enrolment_moves_through_the_status_flow_with_dates(world):
    learner, course = _learner(world), _course()
    e = services.enrol(learner, {"course_id": course.id, "status": "referred", "referred_on": "2026-09-03"})
    assert e.status == "referred"
    with pytest.raises(ValidationFailed) as info:
        services.change_enrolment_status(e, "completed", {"completed_on": "2026-10-01"})
    assert "status" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        services.change_enrolment_status(e, "enrolled")
    assert "started_on" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        services.change_enrolment_status(e, "enrolled", {"started_on": "2026-09-01"})
    assert "started_on" in info.value.fields  # before the referral
    services.change_enrolment_status(e, "enrolled", {"started_on": "2026-09-10", "planned_end_on": "2026-12-10"})
    services.change_enrolment_status(e, "in_progress")
    with pytest.raises(ValidationFailed) as info:
        services.change_enrolment_status(e, "break_in_learning", {"break_started_on": "2026-10-01"})
    assert set(info.value.fields) == {"break_reason", "return_on"}
    services.change_enrolment_status(e, "break_in_learning", {"break_started_on": "2026-10-01",
                                                               "break_reason": "Illness", "return_on": "2026-10-20"})
    services.change_enrolment_status(e, "in_progress")
    with pytest.raises(Conflict):
        services.change_enrolment_status(e, "completed", {"completed_on": "2026-11-01"}, version=1)
    services.change_enrolment_status(e, "completed", {"completed_on": "2026-11-01"})
    services.change_enrolment_status(e, "achieved", {"achieved_on": "2026-11-15"})
    assert e.status == "achieved"
    with pytest.raises(ValidationFailed):
        services.change_enrolment_status(e, "withdrawn", {"withdrawn_on": "2026-11-16", "withdrawal_reason": "x"})
    texts = [t.text for t in entries_for(db.session, learner)]
    assert any("Break in learning" in t and "Illness" in t for t in texts), texts  # a sentence (issue 12)
    assert any("Completed to Achieved" in t for t in texts), texts
    ladder = queries.ladder(learner)
    assert ladder.reached == {"literacy": "entry_3"}
    assert any("Entry 3" not in s and "English" in s for s in ladder.next_steps)


def test_enrol_checks_status_dates_course_and_consent(world):
    learner, course = _learner(world), _course()
    for data, field in (({"course_id": course.id, "status": "in_progress", "started_on": "2026-09-01"}, "status"),
                        ({"course_id": course.id, "status": "enrolled"}, "started_on"),
                        ({"course_id": 99999}, "course_id"),
                        ({"course_id": course.id, "status": "enrolled", "started_on": "2026-09-10",
                          "planned_end_on": "2026-09-01"}, "planned_end_on")):
        with pytest.raises(ValidationFailed) as info:
            services.enrol(learner, data)
        assert field in info.value.fields, data
    e = services.enrol(learner, {"course_id": course.id})
    assert e.status == "enquiry"
    services.change_enrolment_status(e, "withdrawn", {"withdrawn_on": "2026-09-05", "withdrawal_reason": "Moved away"})
    assert e.withdrawal_reason == "Moved away"


def test_needs_assessment_and_barriers(world):
    learner = _learner(world)
    with pytest.raises(ValidationFailed) as info:
        services.record_needs_assessment(learner, {"assessed_on": "2026-09-02", "barriers": ["aliens"]})
    assert "barriers" in info.value.fields
    na = services.record_needs_assessment(learner, {"assessed_on": "2026-09-02", "literacy_level": "entry_2",
                                                    "barriers": ["childcare", "cover"], "esol_need": True,
                                                    "goals": "Become an HLTA"})
    assert na.barriers == ["childcare", "cover"] and na.esol_need
    assert queries.needs_assessments_of(learner) == [na]


def test_only_admins_change_the_catalogue(world):
    with pytest.raises(NotAllowed):
        services.create_course({"title": "X", "category": "cpd"}, actor=world.users.convenor_a1)
    course = _course(title="Basket weaving", category="informal", subject="other", level="unlevelled")
    with pytest.raises(ValidationFailed) as info:
        _course(title="BASKET WEAVING")
    assert "title" in info.value.fields
    services.update_course(course, {"active": False}, actor=world.users.admin)
    assert course.active is False


# --- scope ---------------------------------------------------------------------------------------

def test_scope_per_role(world):
    u = world.users
    rep = _rep(world, u.ulr_a1)
    assigned = _learner(world, name="Assigned", rep_id=rep.id)
    by_ulr = services.create_learner({"name": "Recorded by the ULR"}, branch=world.branches.a1, actor=u.ulr_a1)
    other_a1 = _learner(world, name="Other A1")
    in_a2 = _learner(world, branch=world.branches.a2, name="In A2", workplace_id=world.workplaces.school_a2.id)
    in_b1 = _learner(world, branch=world.branches.b1, name="In B1", workplace_id=world.workplaces.school_b1.id)
    e = services.enrol(in_a2, {"course_id": _course().id})
    db.session.flush()

    def names(user):
        return {x.name for x in db.session.scalars(queries.learner_list(user))}

    assert names(u.admin) == {x.name for x in (assigned, by_ulr, other_a1, in_a2, in_b1)}
    assert names(u.organiser_a) == {x.name for x in (assigned, by_ulr, other_a1, in_a2)}
    assert names(u.organiser_b) == {"In B1"}
    assert names(u.convenor_a1) == {x.name for x in (assigned, by_ulr, other_a1)}
    assert names(u.ulr_a1) == {"Assigned", "Recorded by the ULR"}
    assert names(u.ulr_b1) == set()
    assert db.session.scalars(visible(select(Enrolment), u.convenor_a2)).all() == [e]
    assert db.session.scalars(visible(select(Enrolment), u.convenor_a1)).all() == []
    assert db.session.scalars(visible(select(Course), u.ulr_b1)).all()
    assert {x.name for x in db.session.scalars(queries.learner_list(u.admin, name="in "))} == {"In A2", "In B1"}
    assert {x.name for x in db.session.scalars(queries.learner_list(u.admin, rep_id=rep.id))} == {"Assigned"}
    assert db.session.scalar(select(func.count()).select_from(NeedsAssessment)) == 0


# --- the catalogue -------------------------------------------------------------------------------

def test_catalogue_load_is_idempotent_by_title(app):
    db.session.execute(Course.__table__.delete())
    first = catalogue.load_courses()
    assert first == len(catalogue.COURSES)
    hlta = db.session.scalars(select(Course).where(Course.title == "HLTA status preparation")).one()
    hlta.provider = "Edited by an admin"
    assert catalogue.load_courses() == 0
    assert db.session.scalar(select(func.count()).select_from(Course)) == first
    assert hlta.provider == "Edited by an admin"
    levels = {c.title: c.level for c in db.session.scalars(select(Course))}
    assert levels["Diploma of School Business Management (DSBM)"] == "level_5"
    assert levels["ESOL Entry 1"] == "entry_1"
    assert db.session.scalar(select(func.count()).select_from(Learner)) == 0


# --- the duplicate rule, in the service the page and the API share -----------------------------

@pytest.mark.parametrize("new, matches", [
    ({"name": "Sam Okafor"}, True),                                   # same name, same workplace
    ({"name": "  sam OKAFOR "}, True),                                # case and spaces do not matter
    ({"name": "Sam Okafor", "workplace": "school_a1b"}, False),       # same name elsewhere: a different person
    ({"name": "Samuel Okafor"}, False),
    ({"name": "S. Okafor", "email": "SAM@example.org"}, True),        # the same e-mail, anywhere
    ({"name": "Sam Okafor", "not_duplicate": True}, False),           # confirmed: a new record
])
def test_a_new_learner_matching_one_recorded_is_refused_until_confirmed(world, new, matches):
    from tests.learners.helpers import CONSENT as HELPER_CONSENT

    first = _learner(world, email="sam@example.org")
    db.session.commit()
    workplaces = {"school_a1": world.workplaces.school_a1, "school_a1b": world.workplaces.service_a1}
    data = {"name": new["name"], "workplace_id": workplaces[new.get("workplace", "school_a1")].id, **HELPER_CONSENT}
    if "email" in new:
        data["email"] = new["email"]
    before = db.session.scalar(select(func.count(Learner.id)))
    if matches:
        with pytest.raises(services.PossibleDuplicate) as caught:
            services.create_learner(data, branch=world.branches.a1, actor=world.users.convenor_a1)
        assert [m.id for m in caught.value.matches] == [first.id]
        assert caught.value.status == 409 and caught.value.code == "possible_duplicate"
        assert f"learner {first.id}" in caught.value.message and "not_duplicate" in caught.value.fields
        assert db.session.scalar(select(func.count(Learner.id))) == before
    else:
        made = services.create_learner(data, branch=world.branches.a1, actor=world.users.convenor_a1,
                                       not_duplicate=new.get("not_duplicate", False))
        assert made.id != first.id


def test_merged_and_unseen_learners_are_not_offered_as_duplicates(world):
    kept = _learner(world, name="Kept Record")
    twin = services.create_learner({"name": "Sam Okafor", "workplace_id": world.workplaces.school_a1.id, **CONSENT},
                                   branch=world.branches.a1)
    services.merge_learners(kept, twin, actor=world.users.convenor_a1)
    db.session.commit()
    # the only Sam Okafor there is merged away: nothing to warn about
    services.create_learner({"name": "Sam Okafor", "workplace_id": world.workplaces.school_a1.id, **CONSENT},
                            branch=world.branches.a1, actor=world.users.convenor_a1)
    db.session.commit()
    # a ULR is not told about learners outside their caseload (it would show who else is recorded)
    ulr, convenor = world.users.ulr_a1, world.users.convenor_a1
    there = world.workplaces.school_a1.id
    assert len(services.possible_duplicates(name="Sam Okafor", workplace_id=there, user=convenor)) == 2  # one merged
    assert services.possible_duplicates(name="Sam Okafor", workplace_id=there, user=ulr) == []


def test_an_enrolment_links_only_a_learner_release_request_the_user_can_see(world):
    from ulr_app.timeoff import services as time_off

    sam = _learner(world)
    course = _course()
    mine = rep_services.create_rep({"name": "Pat Jones", "employer_id": world.employers.a1.id,
                                    "workplace_id": world.workplaces.school_a1.id, "user_id": world.users.ulr_a1.id,
                                    "appointed_on": "2026-01-05", "training_route": "already_trained"},
                                   branch=world.branches.a1)
    base = {"workplace_id": world.workplaces.school_a1.id, "starts_at": "2026-12-20T09:30", "duration_hours": "3",
            "location": "Library"}
    duties = time_off.create_request({**base, "kind": "ulr_duties", "purpose": "analysing_needs", "rep_id": mine.id},
                                     branch=world.branches.a1, created_by=world.users.ulr_a1)
    release = time_off.create_request({**base, "kind": "learner_release", "purpose": "course_attendance",
                                       "course": "Literacy"}, branch=world.branches.a1,
                                      created_by=world.users.convenor_a1)
    db.session.commit()
    for tor, actor in ((duties, world.users.convenor_a1), (release, world.users.ulr_a1)):
        with pytest.raises(ValidationFailed) as caught:
            services.enrol(sam, {"course_id": course.id, "time_off_request_id": tor.id}, actor=actor)
        assert "learner-release" in caught.value.fields["time_off_request_id"][0]
    e = services.enrol(sam, {"course_id": course.id, "time_off_request_id": release.id}, actor=world.users.convenor_a1)
    assert e.time_off_request_id == release.id


def test_consent_once_recorded_is_not_taken_away_here(world):
    sam = _learner(world, job_title="TA")
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        services.update_learner(sam, {"consent_on": None, "consent_scope": None, "job_title": None},
                                actor=world.users.convenor_a1)
    assert "cannot be taken away" in caught.value.fields["consent_on"][0]
    db.session.refresh(sam)
    assert sam.consent_on is not None and sam.job_title == "TA"


def test_a_ulr_records_for_a_colleague_but_does_not_hand_a_learner_over(world):
    mine = rep_services.create_rep({"name": "Pat Jones", "employer_id": world.employers.a1.id,
                                    "workplace_id": world.workplaces.school_a1.id, "user_id": world.users.ulr_a1.id,
                                    "appointed_on": "2026-01-05", "training_route": "already_trained"},
                                   branch=world.branches.a1)
    colleague = rep_services.create_rep({"name": "Kim Colleague", "employer_id": world.employers.a1.id,
                                         "workplace_id": world.workplaces.school_a1.id, "appointed_on": "2026-01-05",
                                         "training_route": "already_trained"}, branch=world.branches.a1)
    ulr = world.users.ulr_a1
    sam = _learner(world, rep_id=mine.id)
    for_colleague = services.create_learner({"name": "Met at the fair", "workplace_id": world.workplaces.school_a1.id,
                                             "rep_id": colleague.id, **CONSENT}, branch=world.branches.a1, actor=ulr)
    assert for_colleague.rep_id == colleague.id
    with pytest.raises(ValidationFailed) as caught:
        services.update_learner(sam, {"rep_id": colleague.id}, actor=ulr)
    assert "Only the branch convenor" in caught.value.fields["rep_id"][0]
    services.update_learner(sam, {"rep_id": colleague.id}, actor=world.users.convenor_a1)
    assert sam.rep_id == colleague.id
