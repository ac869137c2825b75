"""Survey services: making and changing a survey (bad input: clear messages, nothing saved), opening and
closing, staff numbers, answers (stored anonymously, no address anywhere), the cap per survey, the limit per
address, and contact details: with consent a learner enquiry for the survey's ULR and a follow-up; without
consent nothing of the person is kept."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.surveys.helpers import answer, make_rep, make_survey
from ulr_app.contacts.models import Activity, FollowUp
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import Conflict, NotAllowed, ValidationFailed
from ulr_app.extensions import db
from ulr_app.learners.models import Learner
from ulr_app.surveys import services
from ulr_app.surveys.models import Survey, SurveyChoice, SurveyResponse


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_survey_is_made_as_a_draft_with_an_unguessable_token_and_audited(world):
    survey = make_survey(world, status="draft")
    assert survey.status == "draft" and len(survey.token) >= 22
    assert survey.questions == [q.key for q in services.rules.QUESTION_SET]
    assert {p.workplace_id for p in survey.places} == {world.workplaces.school_a1.id, world.workplaces.service_a1.id}
    other = make_survey(world, status="draft")
    assert other.token != survey.token
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "survey",
                                                        AuditEntry.object_id == survey.id)).one()
    assert entry.action == "create" and "Learning at Barnet" in entry.summary


@pytest.mark.parametrize("data,field,message", [
    ({"title": ""}, "title", "Enter the survey's title"),
    ({"title": "T" * 201}, "title", "The survey's title must be 200 characters or fewer"),
    ({"title": "Line\nbreak"}, "title", "Keep this to one line, without tabs or line breaks"),
    ({"workplace_ids": []}, "workplace_ids", "Choose at least one workplace the survey is for"),
    ({"workplace_ids": ["abc"]}, "workplace_ids", "Choose workplaces from the list"),
    ({"rep_id": None}, "rep_id", "Choose the ULR who will contact the people who ask"),
    ({"questions": []}, "questions", "Choose at least one question to ask"),
    ({"questions": ["shoe_size"]}, "questions", "Choose questions from the list"),
    ({"wording": {"barriers": "W" * 301}}, "wording_barriers", "The question must be 300 characters or fewer"),
    ({"wording": {"shoe_size": "What size?"}}, "wording", "Change the wording of questions from the list only"),
    ({"colour": "red"}, "colour", "This field is not part of a survey"),
])
def test_bad_survey_input_is_refused_and_nothing_is_saved(world, data, field, message):
    rep = make_rep(world, "a1")
    good = {"title": "Learning at Barnet", "rep_id": rep.id, "workplace_ids": [world.workplaces.school_a1.id]}
    with pytest.raises(ValidationFailed) as caught:
        services.create_survey({**good, **data}, branch=world.branches.a1)
    assert caught.value.fields[field] == [message]
    assert _count(Survey) == 0


def test_a_survey_covers_only_the_branchs_workplaces_and_its_ulrs(world):
    rep_a1, rep_b1 = make_rep(world, "a1"), make_rep(world, "b1")
    with pytest.raises(ValidationFailed) as caught:
        services.create_survey({"title": "T", "rep_id": rep_a1.id, "workplace_ids": [world.workplaces.school_b1.id]},
                               branch=world.branches.a1)
    assert caught.value.fields == {"workplace_ids": ["Choose workplaces of employers this branch deals with"]}
    with pytest.raises(ValidationFailed) as caught:
        services.create_survey({"title": "T", "rep_id": rep_b1.id, "workplace_ids": [world.workplaces.school_a1.id]},
                               branch=world.branches.a1)
    assert caught.value.fields == {"rep_id": ["Choose a ULR of this branch who is in post"]}


def test_a_ulr_follows_up_their_own_surveys_only(world):
    own = make_rep(world, "a1", world.users.ulr_a1)
    colleague = make_rep(world, "a1", name="Another ULR")
    with pytest.raises(ValidationFailed) as caught:
        services.create_survey({"title": "T", "rep_id": colleague.id, "workplace_ids": [world.workplaces.school_a1.id]},
                               branch=world.branches.a1, actor=world.users.ulr_a1)
    assert caught.value.fields == {"rep_id": ["Choose yourself: a ULR follows up their own surveys"]}
    survey = services.create_survey({"title": "T", "rep_id": own.id, "workplace_ids": [world.workplaces.school_a1.id]},
                                    branch=world.branches.a1, actor=world.users.ulr_a1)
    assert survey.created_by_id == world.users.ulr_a1.id


def test_wording_changes_are_kept_and_audited_and_a_stale_version_refused(world):
    survey = make_survey(world, status="draft")
    version = survey.version
    changes = services.update_survey(survey, {"wording": {"barriers": "What gets in the way?"},
                                              "questions": ["barriers", "comments"]}, version=version)
    assert survey.wording == {"barriers": "What gets in the way?"} and survey.questions == ["barriers", "comments"]
    assert set(changes) == {"wording", "questions"}
    with pytest.raises(Conflict):
        services.update_survey(survey, {"title": "New"}, version=version)
    assert survey.title == "Learning at Barnet"


def test_a_workplace_whose_staff_answered_stays_on_the_survey(world):
    survey = make_survey(world)
    answer(survey, staff_category="site", workplace_id=world.workplaces.service_a1.id)
    with pytest.raises(ValidationFailed) as caught:
        services.update_survey(survey, {"workplace_ids": [world.workplaces.school_a1.id]})
    assert caught.value.fields == {"workplace_ids": ["A workplace whose staff have answered cannot be taken off the survey"]}
    assert len(survey.places) == 2


@pytest.mark.parametrize("typed,message", [
    ("many", "Enter the number of staff as a whole number, like 45, or leave it empty"),
    ("0", "Enter a whole number from 1 to 10000, or leave it empty if not known"),
    ("-3", "Enter the number of staff as a whole number, like 45, or leave it empty"),
    ("10001", "Enter a whole number from 1 to 10000, or leave it empty if not known"),
])
def test_staff_numbers_bad_input(world, typed, message):
    survey = make_survey(world)
    wid = world.workplaces.school_a1.id
    with pytest.raises(ValidationFailed) as caught:
        services.set_staff_counts(survey, {wid: typed, world.workplaces.service_a1.id: "12"})
    assert caught.value.fields == {f"staff-{wid}": [message]}
    assert all(p.staff_count is None for p in survey.places)  # nothing half-saved
    services.set_staff_counts(survey, {wid: " 45 ", world.workplaces.service_a1.id: ""})
    assert {p.workplace_id: p.staff_count for p in survey.places} == {wid: 45, world.workplaces.service_a1.id: None}


def test_open_close_and_open_again(world):
    survey = make_survey(world, status="draft")
    with pytest.raises(ValidationFailed):
        services.set_status(survey, "closed")
    services.set_status(survey, "open", today=date(2026, 11, 2))
    assert (survey.status, survey.opened_on) == ("open", date(2026, 11, 2))
    services.set_status(survey, "closed", today=date(2026, 11, 30))
    assert (survey.status, survey.closed_on) == ("closed", date(2026, 11, 30))
    services.set_status(survey, "open", today=date(2026, 12, 1))
    assert (survey.opened_on, survey.closed_on) == (date(2026, 11, 2), None)


def test_an_answer_is_stored_without_address_or_name(world, app):
    survey = make_survey(world)
    with app.test_request_context("/s/x", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        response = answer(survey, staff_category="site", barriers=["cover", "cost"], times=["evenings"],
                          comments="More evening courses")
        db.session.flush()
    assert response.submitted_on == date.today()
    assert sorted((c.question, c.choice) for c in response.choices) == [
        ("barriers", "cost"), ("barriers", "cover"), ("times", "evenings")]
    columns = {c.name for c in SurveyResponse.__table__.columns}
    assert not columns & {"ip_address", "address", "name", "email", "created_at", "learner_id", "asked_for_contact"}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.summary.contains("was answered"))).one()
    assert entry.ip_address is None and (entry.object_type, entry.object_id) == ("survey", survey.id)
    assert str(response.id) not in str(entry.changes or "")
    assert _count(Learner) == 0


def test_answers_only_to_an_open_survey(world):
    for status in ("draft", "closed"):
        survey = make_survey(world, status=status)
        with pytest.raises(NotAllowed):
            answer(survey, staff_category="site")
    assert _count(SurveyResponse) == 0


def test_the_cap_per_survey(world, app):
    app.config["SURVEY_MAX_RESPONSES"] = 2
    try:
        survey = make_survey(world)
        answer(survey, staff_category="site")
        answer(survey, staff_category="site")
        with pytest.raises(services.TooManyAnswers) as caught:
            answer(survey, staff_category="site")
        assert caught.value.status == 429 and caught.value.reason == "full"
        assert _count(SurveyResponse) == 2
    finally:
        app.config["SURVEY_MAX_RESPONSES"] = 2000


def test_the_limit_per_address_counts_every_attempt_per_address(app):
    from ulr_app.accounts import throttle

    throttle.reset()
    app.config["SURVEY_LIMIT_PER_ADDRESS"] = "3 per hour"
    try:
        for _ in range(3):
            services.count_attempt("198.51.100.7")
        with pytest.raises(services.TooManyAnswers) as caught:
            services.count_attempt("198.51.100.7")
        assert caught.value.reason == "address"
        services.count_attempt("198.51.100.8")  # another address has its own count
    finally:
        app.config["SURVEY_LIMIT_PER_ADDRESS"] = "10 per hour"
        throttle.reset()


def test_consent_and_contact_make_a_learner_enquiry_for_the_surveys_ulr_with_a_follow_up(world, app):
    rep = make_rep(world, "a1", world.users.ulr_a1)
    survey = make_survey(world, rep=rep)
    today = date.today()
    db.session.commit()
    with app.test_request_context("/s/x", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        answer(survey, staff_category="site", course_types=["esol"], consent=True, contact_name="Sam Cook",
               contact_phone="07700 900982", workplace_id=world.workplaces.school_a1.id)
        db.session.flush()
    # the enquiry's entries (learner, note, follow-up) keep no address either: nothing ties them to the answers
    made = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type.in_(("learner", "activity", "follow_up")))).all()
    assert len(made) >= 3 and all(e.ip_address is None for e in made)
    learner = db.session.scalars(select(Learner)).one()
    assert (learner.name, learner.branch_id, learner.rep_id) == ("Sam Cook", world.branches.a1.id, rep.id)
    assert learner.workplace_id == world.workplaces.school_a1.id and learner.employer_id == world.employers.a1.id
    assert learner.consent_on == today and "contacted by the union learning rep about learning" in learner.consent_scope
    note = db.session.scalars(select(Activity).where(Activity.learner_id == learner.id)).one()
    assert "phone 07700 900982" in note.text and "Learning at Barnet" in note.text
    follow_up = db.session.scalars(select(FollowUp).where(FollowUp.learner_id == learner.id)).one()
    assert follow_up.due_on == today + timedelta(days=services.FOLLOW_UP_DAYS) and follow_up.done_on is None


def test_no_contact_is_kept_without_consent(world):
    survey = make_survey(world)
    with pytest.raises(ValidationFailed) as caught:
        answer(survey, staff_category="site", consent=False, contact_name="Sam Cook", contact_email="sam@example.org")
    assert caught.value.fields == {"consent": ["Tick the box if you want us to contact you, or leave your contact "
                                               "details empty"]}
    assert _count(SurveyResponse) == 0 and _count(Learner) == 0 and _count(SurveyChoice) == 0


def test_consent_with_several_workplaces_needs_the_workplace(world):
    survey = make_survey(world)
    with pytest.raises(ValidationFailed) as caught:
        answer(survey, staff_category="site", consent=True, contact_name="Sam", contact_email="sam@example.org",
               workplace_id="")
    assert caught.value.fields == {"workplace_id": ["Choose your workplace, so that the learning rep can find you"]}
    with pytest.raises(ValidationFailed) as caught:
        answer(survey, staff_category="site", workplace_id=world.workplaces.school_b1.id)
    assert caught.value.fields == {"workplace_id": ["Choose your workplace from the list"]}
    assert _count(SurveyResponse) == 0 and _count(Learner) == 0
