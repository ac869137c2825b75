"""Access ends when a ULR hands over (issue 14 item 5): once a learner is assigned to another ULR, or the
ULR's appointment is stood down, the ULR no longer sees the learner, their enrolments, contacts,
follow-ups and the cases about them, on the pages (404, lists, searches, home page) and through the
API (404, lists); a case reassigned to someone else likewise."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import g

from tests.api.helpers import Api, new_token
from tests.learners.helpers import course, enrolment, learner, rep
from tests.factories import user
from ulr_app.cases import services as case_services
from ulr_app.extensions import db
from ulr_app.learners import services as learner_services
from ulr_app.reps import services as rep_services

TODAY = date.today()


@pytest.fixture
def setup(world):
    """ulr_a1 is ULR 'Pat Jones' (appointment ``mine``); Kim Lee is another ULR of the branch (``other``).
    Sam is assigned to Pat, enrolled, contacted with a follow-up overdue, and has a case worked by Pat."""
    g.audit_actor_label = "test set-up"
    colleague = user("kim.lee@example.org", "learning_rep", branch_id=world.branches.a1.id, name="Kim Lee")
    db.session.commit()
    mine = rep(world, user=world.users.ulr_a1, name="Pat Jones")
    other = rep(world, user=colleague, name="Kim Lee")
    sam = learner(world, name="Sam Okafor", rep=mine)
    e = enrolment(sam, course("Hand-over test course"))
    contact = learner_services.log_contact(sam, {"kind": "meeting", "happened_on": (TODAY - timedelta(days=20)).isoformat(),
                                                 "text": "Talked about the course",
                                                 "next_contact_on": (TODAY - timedelta(days=3)).isoformat()})
    case = case_services.create_case({"kind": "learner_support", "summary": "Help Sam with the course",
                                      "learner_id": sam.id}, world.branches.a1, world.users.ulr_a1)
    db.session.commit()
    return dict(mine=mine, other=other, colleague=colleague, sam=sam, enrolment=e, follow_up=contact.follow_up,
                case=case)


def _api(world, key="ulr_a1"):
    from flask import current_app

    return Api(current_app.test_client(), new_token(getattr(world.users, key)))


def _sees(client, api, s) -> dict[str, bool]:
    """What the ULR can reach of Sam's records: each page and API answer, and the lists."""
    sam, case = s["sam"], s["case"]
    out = {
        "learner page": client.get(f"/learners/{sam.id}").status_code == 200,
        "needs analysis page": client.get(f"/learners/{sam.id}/needs-analysis").status_code == 200,
        "enrolment page": client.get(f"/learners/{sam.id}/enrolments/{s['enrolment'].id}/status").status_code == 200,
        "case page": client.get(f"/cases/{case.id}").status_code == 200,
        "api learner": api.get(f"/learners/{sam.id}").status_code == 200,
        "api enrolment": api.get(f"/enrolments/{s['enrolment'].id}").status_code == 200,
        "api case": api.get(f"/cases/{case.id}").status_code == 200,
        "learner list": "Sam Okafor" in client.get("/learners").get_data(as_text=True),
        "learner search": "Sam Okafor" in client.get("/learners?q=Okafor").get_data(as_text=True),
        "case list": "Help Sam with the course" in client.get("/cases").get_data(as_text=True),
        "api learner list": sam.id in [i["id"] for i in api.get("/learners").json["items"]],
        "api enrolment list": s["enrolment"].id in [i["id"] for i in api.get("/enrolments").json["items"]],
        "api case list": case.id in [i["id"] for i in api.get("/cases").json["items"]],
    }
    home = client.get("/").get_data(as_text=True)
    out["home page overdue follow-up"] = "Next contact with Sam Okafor" in home
    out["home page stage counts"] = 'id="learner-stages"' in home and "/learners?stage=" in home
    return out


def _gone(client, s):
    """Every page of Sam's records answers 404 (not 403: out of scope looks like missing)."""
    sam = s["sam"]
    for url in (f"/learners/{sam.id}", f"/learners/{sam.id}/edit", f"/learners/{sam.id}/needs-analysis",
                f"/learners/{sam.id}/enrol", f"/learners/{sam.id}/enrolments/{s['enrolment'].id}/status"):
        assert client.get(url).status_code == 404, url
    done = client.post(f"/learners/{sam.id}/follow-ups/{s['follow_up'].id}/done", data={"csrf_token": client.token("/profile")})
    assert done.status_code == 404


def test_before_hand_over_the_ulr_sees_everything(world, login_as, setup):
    seen = _sees(login_as("ulr_a1"), _api(world), setup)
    assert all(seen.values()), seen


def test_caseload_moved_to_another_ulr(world, login_as, setup):
    case_services.reassign_caseload(setup["mine"], setup["other"], actor=world.users.convenor_a1)
    db.session.commit()
    client = login_as("ulr_a1")
    seen = _sees(client, _api(world), setup)
    assert not any(seen.values()), seen
    _gone(client, setup)
    assert client.get(f"/cases/{setup['case'].id}").status_code == 404
    # the colleague who took the caseload sees it all (and so does the convenor)
    assert login_as("convenor_a1").get(f"/learners/{setup['sam'].id}").status_code == 200
    taker = Api(_api(world).client, new_token(setup["colleague"]))
    assert taker.get(f"/learners/{setup['sam'].id}").status_code == 200
    assert taker.get(f"/cases/{setup['case'].id}").status_code == 200


def test_stood_down_today_ends_access_at_once(world, login_as, setup):
    rep_services.stand_down(setup["mine"], TODAY)
    db.session.commit()
    client = login_as("ulr_a1")
    seen = _sees(client, _api(world), setup)
    assert not any(seen.values()), seen
    _gone(client, setup)


def test_a_stand_down_still_to_come_leaves_access(world, login_as, setup):
    rep_services.stand_down(setup["mine"], TODAY + timedelta(days=1))
    db.session.commit()
    seen = _sees(login_as("ulr_a1"), _api(world), setup)
    assert all(seen.values()), seen


def test_stood_down_also_ends_the_learners_they_recorded_unassigned(world, login_as, setup):
    g.audit_actor_label = "test set-up"
    jo = learner_services.create_learner({"name": "Jo Recorded", "workplace_id": world.workplaces.school_a1.id},
                                         branch=world.branches.a1, actor=world.users.ulr_a1, not_duplicate=True)
    db.session.commit()
    client, api = login_as("ulr_a1"), _api(world)
    assert client.get(f"/learners/{jo.id}").status_code == 200
    assert api.get(f"/learners/{jo.id}").status_code == 200
    rep_services.stand_down(setup["mine"], TODAY - timedelta(days=1))
    db.session.commit()
    assert client.get(f"/learners/{jo.id}").status_code == 404
    assert api.get(f"/learners/{jo.id}").status_code == 404
    assert "Jo Recorded" not in client.get("/learners").get_data(as_text=True)


def test_recorded_then_assigned_to_another_ulr(world, login_as, setup):
    """A ULR records a learner (no ULR yet: theirs as the recorder); the convenor assigns them to a
    colleague: the recorder no longer sees them."""
    g.audit_actor_label = "test set-up"
    jo = learner_services.create_learner({"name": "Jo Recorded", "workplace_id": world.workplaces.school_a1.id},
                                         branch=world.branches.a1, actor=world.users.ulr_a1, not_duplicate=True)
    db.session.commit()
    client, api = login_as("ulr_a1"), _api(world)
    assert client.get(f"/learners/{jo.id}").status_code == 200
    assert "Jo Recorded" in client.get("/learners?q=Recorded").get_data(as_text=True)
    learner_services.update_learner(jo, {"rep_id": setup["other"].id, "consent_on": "2026-01-05",
                                         "consent_scope": "Learning records"}, actor=world.users.convenor_a1)
    db.session.commit()
    assert client.get(f"/learners/{jo.id}").status_code == 404
    assert client.get(f"/learners/{jo.id}/edit").status_code == 404
    assert api.get(f"/learners/{jo.id}").status_code == 404
    assert jo.id not in [i["id"] for i in api.get("/learners").json["items"]]
    assert "Jo Recorded" not in client.get("/learners?q=Recorded").get_data(as_text=True)


def test_a_ulr_without_any_appointment_still_sees_what_they_record(world, login_as):
    """A ULR login made before their appointment is recorded keeps what they record (nothing handed over)."""
    g.audit_actor_label = "test set-up"
    jo = learner_services.create_learner({"name": "Jo Recorded", "workplace_id": world.workplaces.school_a1.id},
                                         branch=world.branches.a1, actor=world.users.ulr_a1, not_duplicate=True)
    db.session.commit()
    assert login_as("ulr_a1").get(f"/learners/{jo.id}").status_code == 200
    assert _api(world).get(f"/learners/{jo.id}").status_code == 200


def test_case_reassigned_to_someone_else(world, login_as, setup):
    """A case the ULR recorded and works, given by the convenor to a colleague: gone from the ULR's view
    (the learner, still theirs, stays)."""
    g.audit_actor_label = "test set-up"
    own = case_services.create_case({"kind": "school_access", "summary": "Get into Brunswick Park"},
                                    world.branches.a1, world.users.ulr_a1)
    db.session.commit()
    client, api = login_as("ulr_a1"), _api(world)
    assert client.get(f"/cases/{own.id}").status_code == 200
    assert api.get(f"/cases/{own.id}").status_code == 200
    case_services.update_case(own, {"owner_id": setup["colleague"].id})
    db.session.commit()
    assert client.get(f"/cases/{own.id}").status_code == 404
    assert api.get(f"/cases/{own.id}").status_code == 404
    assert "Get into Brunswick Park" not in client.get("/cases").get_data(as_text=True)
    assert own.id not in [i["id"] for i in api.get("/cases").json["items"]]
    assert client.get(f"/learners/{setup['sam'].id}").status_code == 200


def test_closed_case_about_a_handed_over_learner_is_gone_too(world, login_as, setup):
    """A closed case stays with its owner when the caseload moves, but it is about a learner the ULR no
    longer sees: it answers 404 as well."""
    g.audit_actor_label = "test set-up"
    case_services.change_status(setup["case"], "closed", closed_on=TODAY, outcome="Sorted")
    db.session.commit()
    case_services.reassign_caseload(setup["mine"], setup["other"], actor=world.users.convenor_a1)
    db.session.commit()
    assert setup["case"].owner_id == world.users.ulr_a1.id  # closed cases do not move
    assert login_as("ulr_a1").get(f"/cases/{setup['case'].id}").status_code == 404
    assert _api(world).get(f"/cases/{setup['case'].id}").status_code == 404


def test_learner_release_about_a_handed_over_learner_is_gone_but_own_time_off_stays(world, login_as, setup):
    """A learner-release request the ULR recorded for Sam leaves with Sam; the ULR's own time off for
    their duties (about them, not a learner) stays theirs to see."""
    from ulr_app.timeoff import services as time_off

    g.audit_actor_label = "test set-up"
    start = f"{(TODAY + timedelta(days=30)).isoformat()}T09:30"
    release = time_off.create_request({"kind": "learner_release", "purpose": "course_attendance", "course": "Maths",
                                       "learner_id": setup["sam"].id, "rep_id": setup["mine"].id,
                                       "workplace_id": world.workplaces.school_a1.id, "starts_at": start,
                                       "duration_hours": "3", "location": "College"},
                                      branch=world.branches.a1, created_by=world.users.ulr_a1)
    duties = time_off.create_request({"kind": "ulr_duties", "purpose": "analysing_needs", "rep_id": setup["mine"].id,
                                      "workplace_id": world.workplaces.school_a1.id, "starts_at": start,
                                      "duration_hours": "2", "location": "Library"},
                                     branch=world.branches.a1, created_by=world.users.ulr_a1)
    db.session.commit()
    client, api = login_as("ulr_a1"), _api(world)
    assert client.get(f"/time-off/{release.id}").status_code == 200
    case_services.reassign_caseload(setup["mine"], setup["other"], actor=world.users.convenor_a1)
    rep_services.stand_down(setup["mine"], TODAY)
    db.session.commit()
    assert client.get(f"/time-off/{release.id}").status_code == 404
    assert api.get(f"/time_off_requests/{release.id}").status_code == 404
    assert release.id not in [i["id"] for i in api.get("/time_off_requests").json["items"]]
    assert client.get(f"/time-off/{duties.id}").status_code == 200
    assert api.get(f"/time_off_requests/{duties.id}").status_code == 200
