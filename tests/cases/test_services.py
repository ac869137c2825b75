"""Case services: opening with the kind's follow-ups, every field's checks, versions, status, activities,
follow-ups, moving a ULR's caseload, and a refused time-off request's dispute case; all audited."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ulr_app.cases import services
from ulr_app.cases.models import Activity, Case, FollowUp
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import Conflict, NotAllowed, ValidationFailed
from ulr_app.core.timeline import TimelineEntry
from ulr_app.extensions import db
from ulr_app.learners.models import Learner

from tests.api.helpers import agreements_of, reps_of
from tests.cases.helpers import TODAY, ago, case, learner, refused_request


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _audit(obj) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == obj.__tablename__,
                                                            AuditEntry.object_id == obj.id).order_by(AuditEntry.id)))


def _timeline(obj) -> list[str]:
    return list(db.session.scalars(select(TimelineEntry.text).where(
        TimelineEntry.object_type == obj.__tablename__, TimelineEntry.object_id == obj.id).order_by(TimelineEntry.id)))


def _fails(call, *fields: str) -> dict:
    with pytest.raises(ValidationFailed) as exc:
        call()
    assert set(exc.value.fields) == set(fields), exc.value.fields
    for messages in exc.value.fields.values():
        assert messages and all(isinstance(m, str) and m[0].isupper() for m in messages)
    db.session.rollback()
    return exc.value.fields


# --- opening a case -----------------------------------------------------------------------

@pytest.mark.parametrize("kind,planned", [
    ("learner_support", [("Needs analysis", 0), ("Referral follow-up", 14), ("Progress review", 90)]),
    ("time_off_dispute", [("Raise with the partnership group", 7), ("Decide on Acas early conciliation", 21)]),
    ("learning_survey", [("Send the survey", 0), ("Chase replies", 21), ("Report the results", 42)]),
    ("other", []),
])
def test_the_kind_plans_its_follow_ups(world, kind, planned):
    opened = date(2026, 1, 12)
    c = case(world, kind=kind, opened_on=opened)
    rows = db.session.scalars(select(FollowUp).where(FollowUp.case_id == c.id).order_by(FollowUp.due_on, FollowUp.id)).all()
    assert [(f.title, f.due_on) for f in rows] == [(t, opened + timedelta(days=d)) for t, d in planned]
    assert all(f.done_on is None for f in rows)


def test_a_new_case_with_everything_linked_and_audited(world):
    reps = reps_of(world)
    jo = learner(world)
    agreement = agreements_of(world).a1
    r = refused_request(world, reps.a1_other)
    c = services.create_case({"kind": "time_off_dispute", "summary": "  Cover refused  ", "details": "Head says no cover",
                              "learner_id": jo.id, "agreement_id": agreement.id,
                              "workplace_id": world.workplaces.school_a1.id, "time_off_request_id": r.id,
                              "opened_on": ago(3).isoformat(), "due_on": (TODAY + timedelta(days=30)).isoformat()},
                             world.branches.a1, world.users.convenor_a1)
    db.session.commit()
    assert (c.branch_id, c.status, c.summary, c.owner_id, c.created_by_id) == (
        world.branches.a1.id, "open", "Cover refused", world.users.convenor_a1.id, world.users.convenor_a1.id)
    assert (c.opened_on, c.due_on, c.closed_on) == (ago(3), TODAY + timedelta(days=30), None)
    assert r.case_id == c.id and c.time_off_request_id == r.id  # linked both ways
    created = _audit(c)[0]
    assert created.action == "create" and created.changes["summary"] == [None, "Cover refused"]
    assert created.changes["learner_id"] == [None, jo.id] and created.changes["status"] == [None, "open"]
    assert any(e.changes == {"case_id": [None, c.id]} for e in _audit(r))
    assert _timeline(c)[0] == f"Case opened on {ago(3).day} {ago(3):%B %Y}"
    assert "Planned: Raise with the partnership group" in _timeline(c)[1]


def test_defaults_owner_and_dates(world):
    c = case(world)
    assert c.owner_id == world.users.convenor_a1.id and c.opened_on == TODAY and c.due_on is None
    by_admin = case(world, actor=world.users.admin)  # an administrator works no branch's cases
    assert by_admin.owner_id is None and by_admin.created_by_id == world.users.admin.id
    by_ulr = case(world, actor=world.users.ulr_a1)
    assert by_ulr.owner_id == world.users.ulr_a1.id
    # a convenor may give the case to a ULR of the branch
    given = case(world, owner_id=world.users.ulr_a1.id)
    assert given.owner_id == world.users.ulr_a1.id


def test_a_ulrs_new_cases_are_their_own(world):
    _fails(lambda: case(world, actor=world.users.ulr_a1, owner_id=world.users.convenor_a1.id), "owner_id")


@pytest.mark.parametrize("changes,fields", [
    ({"kind": None}, {"kind"}),
    ({"kind": "grievance"}, {"kind"}),
    ({"summary": "   "}, {"summary"}),
    ({"summary": "x" * 301}, {"summary"}),
    ({"summary": 7}, {"summary"}),
    ({"details": "x" * 5001}, {"details"}),
    ({"opened_on": "31/2/2026"}, {"opened_on"}),
    ({"opened_on": (TODAY + timedelta(days=1)).isoformat()}, {"opened_on"}),
    ({"due_on": "soon"}, {"due_on"}),
    ({"opened_on": ago(5).isoformat(), "due_on": ago(6).isoformat()}, {"due_on"}),
    ({"owner_id": "me"}, {"owner_id"}),
    ({"owner_id": 999999}, {"owner_id"}),
    ({"learner_id": 999999}, {"learner_id"}),
    ({"agreement_id": 999999}, {"agreement_id"}),
    ({"workplace_id": 999999}, {"workplace_id"}),
    ({"time_off_request_id": 999999}, {"time_off_request_id"}),
    ({"colour": "red"}, {"colour"}),
    ({"summary": "", "kind": "nope", "due_on": "x"}, {"summary", "kind", "due_on"}),
])
def test_bad_input_saves_nothing(world, changes, fields):
    before = (_count(Case), _count(FollowUp), _count(AuditEntry))
    data = {"kind": "learner_support", "summary": "Help with maths", **changes}
    _fails(lambda: services.create_case(data, world.branches.a1, world.users.convenor_a1), *fields)
    assert (_count(Case), _count(FollowUp), _count(AuditEntry)) == before


def test_linked_records_must_be_of_the_branch(world):
    reps = reps_of(world)
    camden_learner = learner(world, "Camden Learner", branch="a2")
    camden_request = refused_request(world, reps.a2)
    data = {"kind": "time_off_dispute", "summary": "Wrong branch", "owner_id": world.users.convenor_a2.id,
            "learner_id": camden_learner.id, "agreement_id": agreements_of(world).a2.id,
            "workplace_id": world.workplaces.school_a2.id, "time_off_request_id": camden_request.id}
    fields = _fails(lambda: services.create_case(data, world.branches.a1, world.users.convenor_a1), *(
        "owner_id", "learner_id", "agreement_id", "workplace_id", "time_off_request_id"))
    assert fields["owner_id"] == ["Choose a branch convenor or a ULR of this branch to work the case"]
    assert fields["workplace_id"] == ["Choose a workplace of an employer this branch deals with"]
    # an organiser or an admin cannot work a branch's case either
    _fails(lambda: case(world, owner_id=world.users.organiser_a.id), "owner_id")


def test_merged_learners_and_disputes_about_requests_not_refused(world):
    reps = reps_of(world)
    old = learner(world, "Jo Old")
    new = learner(world, "Jo New")
    old.merged_into_id = new.id
    db.session.commit()
    assert "merged" in _fails(lambda: case(world, learner_id=old.id), "learner_id")["learner_id"][0]
    waiting = refused_request(world, reps.a1_other, status=None)
    _fails(lambda: case(world, kind="time_off_dispute", time_off_request_id=waiting.id), "time_off_request_id")
    # one case per request
    refused = refused_request(world, reps.a1_other)
    first = case(world, kind="time_off_dispute", time_off_request_id=refused.id)
    message = _fails(lambda: case(world, kind="time_off_dispute", time_off_request_id=refused.id),
                     "time_off_request_id")["time_off_request_id"][0]
    assert message == f"This time-off request already has a case (case {first.id})"


# --- changing a case ----------------------------------------------------------------------

def test_update_with_diff_and_version(world):
    c = case(world, kind="learner_support")
    version = c.version
    changes = services.update_case(c, {"summary": "Maths support", "due_on": TODAY + timedelta(days=9)}, version=version)
    db.session.commit()
    assert set(changes) == {"summary", "due_on"} and c.version == version + 1
    entry = _audit(c)[-1]
    assert entry.action == "update" and entry.changes == {
        "summary": ["Cover refused for training", "Maths support"], "due_on": [None, (TODAY + timedelta(days=9)).isoformat()]}
    assert _timeline(c)[-1] == "Changed the summary and the due date"
    assert services.update_case(c, {"summary": "Maths support"}) == {}  # nothing changed, nothing written
    with pytest.raises(Conflict):
        services.update_case(c, {"summary": "Stale"}, version=version)
    db.session.rollback()
    assert c.summary == "Maths support"
    _fails(lambda: services.update_case(c, {"opened_on": None}), "opened_on")
    _fails(lambda: services.update_case(c, {"due_on": ago(400).isoformat()}), "due_on")


def test_moving_the_request_link_keeps_both_sides_in_step(world):
    reps = reps_of(world)
    first, second = refused_request(world, reps.a1_other), refused_request(world, reps.a1_other)
    c = case(world, kind="time_off_dispute", time_off_request_id=first.id)
    services.update_case(c, {"time_off_request_id": second.id})
    db.session.commit()
    assert (first.case_id, second.case_id, c.time_off_request_id) == (None, c.id, second.id)


def test_status_open_waiting_closed_and_reopened(world):
    c = case(world)
    services.change_status(c, "waiting")
    db.session.commit()
    assert c.status == "waiting" and _timeline(c)[-1].startswith("Waiting")
    _fails(lambda: services.change_status(c, "closed"), "closed_on")
    _fails(lambda: services.change_status(c, "shut"), "status")
    _fails(lambda: services.change_status(c, "closed", closed_on=(TODAY + timedelta(days=1)).isoformat()), "closed_on")
    _fails(lambda: services.change_status(c, "closed", closed_on=TODAY.isoformat(), outcome="x" * 5001), "outcome")
    c = db.session.get(Case, c.id)
    services.change_status(c, "closed", closed_on=TODAY.isoformat(), outcome="Time off granted")
    db.session.commit()
    assert (c.status, c.closed_on, c.outcome) == ("closed", TODAY, "Time off granted")
    assert _audit(c)[-1].changes == {"status": ["waiting", "closed"], "closed_on": [None, TODAY.isoformat()],
                                     "outcome": [None, "Time off granted"]}
    with pytest.raises(Conflict):
        services.change_status(c, "open", version=c.version - 1)
    services.change_status(c, "open", version=c.version)
    db.session.commit()
    assert (c.status, c.closed_on) == ("open", None)
    assert _timeline(c)[-1] == "Reopened"


def test_closing_before_it_opened_is_refused(world):
    c = case(world, opened_on=ago(3).isoformat())
    assert _fails(lambda: services.change_status(c, "closed", closed_on=ago(4)), "closed_on")["closed_on"] == [
        "The case cannot be closed before it was opened"]


# --- activities and follow-ups ------------------------------------------------------------

def test_activities(world, app):
    from flask import g

    c = case(world)
    g.audit_actor = world.users.ulr_a1
    try:
        a = services.add_activity(c, {"kind": "call", "happened_on": ago(1).isoformat(), "text": "Rang the head"})
    finally:
        del g.audit_actor
    db.session.commit()
    assert (a.case_id, a.learner_id, a.kind, a.happened_on, a.text) == (c.id, None, "call", ago(1), "Rang the head")
    assert a.by_id == world.users.ulr_a1.id and a.by_label.startswith("Ulr Barnet <")
    assert _audit(a)[0].changes["text"] == [None, "Rang the head"]
    assert _timeline(c)[-1] == f"Call on {ago(1).day} {ago(1):%B %Y} logged"
    before = _count(Activity)
    for data, fields in (({"kind": "fax", "happened_on": TODAY, "text": "x"}, {"kind"}),
                         ({"kind": "note", "happened_on": TODAY + timedelta(days=1), "text": "x"}, {"happened_on"}),
                         ({"kind": "note", "happened_on": "", "text": "x"}, {"happened_on"}),
                         ({"kind": "note", "happened_on": TODAY, "text": " "}, {"text"}),
                         ({"kind": "note", "happened_on": TODAY, "text": "x" * 5001}, {"text"}),
                         ({"kind": "note", "happened_on": TODAY, "text": "x", "by_id": 1}, {"by_id"})):
        _fails(lambda: services.add_activity(c, data), *fields)
    assert _count(Activity) == before


def test_follow_ups_added_and_done(world):
    c = case(world, opened_on=ago(10).isoformat())
    f = services.add_follow_up(c, "Ring the head", TODAY + timedelta(days=3))
    db.session.commit()
    assert (f.case_id, f.title, f.due_on, f.done_on) == (c.id, "Ring the head", TODAY + timedelta(days=3), None)
    _fails(lambda: services.add_follow_up(c, " ", TODAY), "title")
    _fails(lambda: services.add_follow_up(c, "x" * 201, TODAY), "title")
    _fails(lambda: services.add_follow_up(c, "Late", ago(11)), "due_on")
    _fails(lambda: services.add_follow_up(c, "When?", "tomorrow"), "due_on")
    f = db.session.get(FollowUp, f.id)
    _fails(lambda: services.complete_follow_up(f, TODAY + timedelta(days=1)), "done_on")
    f = db.session.get(FollowUp, f.id)
    services.complete_follow_up(f)
    db.session.commit()
    assert f.done_on == TODAY
    assert _audit(f)[-1].changes["done_on"] == [None, TODAY.isoformat()]
    assert _timeline(c)[-1].endswith(": Ring the head") and _timeline(c)[-1].startswith("Done on")
    with pytest.raises(Conflict):
        services.complete_follow_up(f)
    db.session.rollback()
    closed = db.session.get(Case, c.id)
    services.change_status(closed, "closed", closed_on=TODAY)
    with pytest.raises(Conflict):
        services.add_follow_up(closed, "After closing", TODAY)


# --- a refusal's dispute case -------------------------------------------------------------

def test_open_dispute_case_from_a_refusal(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "ERA_2025_COMMENCEMENT", date(2099, 1, 1))
    reps = reps_of(world)
    jo = learner(world)
    r = refused_request(world, reps.a1, decided_on=ago(10))
    c = services.open_dispute_case(r, world.users.convenor_a1)
    db.session.commit()
    assert (c.kind, c.time_off_request_id, r.case_id) == ("time_off_dispute", r.id, c.id)
    assert c.workplace_id == r.workplace_id and c.learner_id is None
    # issue 12: the summary carries the refusal reason
    assert c.summary == f"Refused: ULR duties (Ulr Barnet, Barnet Housing), {ago(10).day} {ago(10):%B %Y}. Reason given: no cover"
    from ulr_app.timeoff import queries as time_off_queries

    assert c.due_on == time_off_queries.state(r).tribunal_deadline  # three months less a day after the refusal
    assert [f.title for f in db.session.scalars(select(FollowUp).where(FollowUp.case_id == c.id))] == [
        "Raise with the partnership group", "Decide on Acas early conciliation"]
    with pytest.raises(Conflict, match="already has a case"):
        services.open_dispute_case(r, world.users.convenor_a1)
    pending = refused_request(world, reps.a1, status=None)
    with pytest.raises(Conflict, match="refused"):
        services.open_dispute_case(pending, world.users.convenor_a1)
    granted = refused_request(world, reps.a1, status="granted")
    with pytest.raises(Conflict):
        services.open_dispute_case(granted, world.users.convenor_a1)
    partly = refused_request(world, reps.a1, status="partly_granted")
    assert services.open_dispute_case(partly, world.users.convenor_a1).summary.startswith("Partly refused: ")
    assert jo.id  # learners are not involved in a ULR's own time off


# --- moving a ULR's caseload --------------------------------------------------------------

def test_reassign_moves_open_cases_and_learners_only(world):
    reps = reps_of(world)
    from ulr_app.reps import services as rep_services

    # Barnet's other ULR gets a login (a second ULR user of the branch) to take the caseload
    from tests.factories import user

    sam_user = user("sam.other@example.org", "learning_rep", branch_id=world.branches.a1.id, name="Sam Other")
    rep_services.update_rep(reps.a1_other, {"user_id": sam_user.id})
    db.session.commit()
    ulr = world.users.ulr_a1
    open_case = case(world, "Open one", actor=ulr)
    waiting = case(world, "Waiting one", actor=ulr)
    services.change_status(waiting, "waiting")
    closed = case(world, "Closed one", actor=ulr)
    services.change_status(closed, "closed", closed_on=TODAY)
    convenors = case(world, "The convenor's own")
    jo, kim = learner(world, "Jo", rep=reps.a1), learner(world, "Kim", rep=reps.a1)
    merged = learner(world, "Jo (duplicate)", rep=reps.a1)
    merged.merged_into_id = jo.id
    other_branch = learner(world, "Camden learner", branch="a2", rep=reps.a2)
    unassigned = learner(world, "Nobody's")
    db.session.commit()

    moved = services.reassign_caseload(reps.a1, reps.a1_other, world.users.convenor_a1)
    db.session.commit()
    assert moved == {"cases": 2, "learners": 2}
    owners = {c.summary: db.session.get(Case, c.id).owner_id for c in (open_case, waiting, closed, convenors)}
    assert owners == {"Open one": sam_user.id, "Waiting one": sam_user.id, "Closed one": ulr.id,
                      "The convenor's own": world.users.convenor_a1.id}
    reps_now = {lr.name: db.session.get(Learner, lr.id).rep_id for lr in (jo, kim, merged, other_branch, unassigned)}
    assert reps_now == {"Jo": reps.a1_other.id, "Kim": reps.a1_other.id, "Jo (duplicate)": reps.a1.id,
                        "Camden learner": reps.a2.id, "Nobody's": None}
    assert _audit(open_case)[-1].changes == {"owner_id": [ulr.id, sam_user.id]}
    assert _timeline(open_case)[-1] == "Moved from Ulr Barnet to Sam Other"
    assert _audit(jo)[-1].changes == {"rep_id": [reps.a1.id, reps.a1_other.id]}
    assert _timeline(jo)[-1] == "ULR changed from Ulr Barnet to Sam Other"
    summary = _audit(reps.a1)[-1]
    assert summary.action == "reassign" and "2 open case(s), 2 learner(s)" in summary.summary
    # the new ULR sees them; the old one still sees the cases they recorded
    from ulr_app.cases import queries

    assert {c.summary for c in db.session.scalars(queries.case_list(sam_user))} == {"Open one", "Waiting one"}


def test_reassign_refusals(world):
    from ulr_app.reps import services as rep_services

    reps = reps_of(world)
    convenor = world.users.convenor_a1
    assert "different" in _fails(lambda: services.reassign_caseload(reps.a1, reps.a1, convenor), "to_rep_id")["to_rep_id"][0]
    assert "same branch" in _fails(lambda: services.reassign_caseload(reps.a1, reps.a2, convenor),
                                   "to_rep_id")["to_rep_id"][0]
    # open cases need a ULR with a login to take them
    case(world, "Open one", actor=world.users.ulr_a1)
    message = _fails(lambda: services.reassign_caseload(reps.a1, reps.a1_other, convenor), "to_rep_id")["to_rep_id"][0]
    assert message.startswith("Sam Other has no login")
    # but learners alone can move to them
    learner(world, "Jo", rep=reps.a1_other)
    assert services.reassign_caseload(reps.a1_other, reps.a1, convenor) == {"cases": 0, "learners": 1}
    rep_services.stand_down(reps.a1_other, TODAY.isoformat())
    db.session.commit()
    assert "stood down" in _fails(lambda: services.reassign_caseload(reps.a1, reps.a1_other, convenor),
                                  "to_rep_id")["to_rep_id"][0]
    with pytest.raises(NotAllowed):
        services.reassign_caseload(reps.a2, reps.a1, convenor)  # another branch's ULR
    with pytest.raises(NotAllowed):
        services.reassign_caseload(reps.a1, reps.a1_other, world.users.ulr_a1)


def test_a_ulr_links_only_their_own_learners_and_requests(world):
    reps = reps_of(world)
    theirs, others = learner(world, "Jo", rep=reps.a1), learner(world, "Kim", rep=reps.a1_other)
    not_theirs = refused_request(world, reps.a1_other)
    ulr = world.users.ulr_a1
    fields = _fails(lambda: case(world, actor=ulr, learner_id=others.id, time_off_request_id=not_theirs.id),
                    "learner_id", "time_off_request_id")
    assert fields["learner_id"] == ["Choose a learner of this branch"]  # the same words as for a missing one
    assert case(world, actor=ulr, learner_id=theirs.id).learner_id == theirs.id
    # the branch's convenor may link any of them
    assert case(world, learner_id=others.id).learner_id == others.id


def test_follow_ups_due_for_a_user(world):
    from ulr_app.cases import queries

    mine = case(world, "ULR's", actor=world.users.ulr_a1, kind="other", opened_on=ago(20).isoformat())
    theirs = case(world, "Convenor's", kind="other", opened_on=ago(20).isoformat())
    camden = case(world, "Camden's", branch="a2", kind="other", opened_on=ago(20).isoformat())
    late = services.add_follow_up(mine, "Late", ago(3))
    soon = services.add_follow_up(theirs, "Soon", TODAY + timedelta(days=7))
    services.add_follow_up(theirs, "Later", TODAY + timedelta(days=8))
    done = services.add_follow_up(theirs, "Done", ago(1))
    services.complete_follow_up(done)
    services.add_follow_up(camden, "Camden", TODAY)
    closed = case(world, "Closed", kind="other", opened_on=ago(20).isoformat())
    services.add_follow_up(closed, "On a closed case", ago(1))
    services.change_status(closed, "closed", closed_on=TODAY)
    db.session.commit()
    rows = queries.follow_ups_due(world.users.convenor_a1)
    assert [(r.follow_up.id, r.state) for r in rows] == [(late.id, "overdue"), (soon.id, "planned")]
    assert [r.follow_up.title for r in queries.follow_ups_due(world.users.ulr_a1)] == ["Late"]
    assert [r.follow_up.title for r in queries.follow_ups_due(world.users.organiser_a)] == ["Late", "Camden", "Soon"]


# --- what the reviews found ---------------------------------------------------------------------

def test_only_a_refused_request_can_be_linked_so_the_dispute_is_never_blocked(world):
    reps = reps_of(world)
    pending = refused_request(world, reps.a1, status=None)
    with pytest.raises(ValidationFailed) as caught:
        services.create_case({"kind": "other", "summary": "About the request", "time_off_request_id": pending.id},
                             world.branches.a1, world.users.convenor_a1)
    assert "not refused" in caught.value.fields["time_off_request_id"][0]
    assert pending.case_id is None and _count(Case) == 0
    refused = refused_request(world, reps.a1)
    dispute = services.open_dispute_case(refused, world.users.convenor_a1)
    assert refused.case_id == dispute.id


def test_a_caseload_goes_only_to_a_ulr_who_can_sign_in(world):
    reps = reps_of(world)
    from tests.factories import user
    from ulr_app.reps import services as rep_services

    gone = user("gone@example.org", "learning_rep", branch_id=world.branches.a1.id, name="Gone Away")
    rep_services.update_rep(reps.a1_other, {"user_id": gone.id})
    gone.active = False
    open_case = case(world, "Open one", actor=world.users.ulr_a1)
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        services.reassign_caseload(reps.a1, reps.a1_other, world.users.convenor_a1)
    assert "cannot sign in any more" in caught.value.fields["to_rep_id"][0]
    assert db.session.get(Case, open_case.id).owner_id == world.users.ulr_a1.id


def test_a_caseload_includes_what_the_ulr_recorded_and_nobody_else_works(world):
    reps = reps_of(world)
    from tests.factories import user
    from ulr_app.learners import services as learner_services
    from ulr_app.reps import services as rep_services

    taker = user("taker@example.org", "learning_rep", branch_id=world.branches.a1.id, name="Taker")
    rep_services.update_rep(reps.a1_other, {"user_id": taker.id})
    ulr = world.users.ulr_a1
    recorded = learner_services.create_learner({"name": "Recorded, not assigned",
                                                "workplace_id": world.workplaces.school_a1.id},
                                               branch=world.branches.a1, actor=ulr)
    unowned = case(world, "Opened by the ULR, then nobody's", actor=ulr)
    services.update_case(unowned, {"owner_id": None})
    theirs = case(world, "Opened by the ULR, worked by the convenor", actor=ulr)
    services.update_case(theirs, {"owner_id": world.users.convenor_a1.id})
    db.session.commit()
    moved = services.reassign_caseload(reps.a1, reps.a1_other, world.users.convenor_a1)
    db.session.commit()
    assert moved == {"cases": 1, "learners": 1}
    assert db.session.get(Learner, recorded.id).rep_id == reps.a1_other.id
    assert db.session.get(Case, unowned.id).owner_id == taker.id
    assert db.session.get(Case, theirs.id).owner_id == world.users.convenor_a1.id  # someone else works it


def test_a_closed_case_takes_no_more_work_until_reopened(world):
    made = case(world, "School access", kind="school_access")
    [first, *_] = db.session.scalars(select(FollowUp).where(FollowUp.case_id == made.id)).all()
    services.change_status(made, "closed", closed_on=TODAY)
    db.session.commit()
    before = (_count(Activity), first.done_on)
    with pytest.raises(Conflict, match="reopen it before logging"):
        services.add_activity(made, {"kind": "note", "happened_on": TODAY.isoformat(), "text": "Late news"})
    with pytest.raises(Conflict, match="reopen it before marking"):
        services.complete_follow_up(first)
    assert (_count(Activity), db.session.get(FollowUp, first.id).done_on) == before
    services.change_status(made, "open")
    services.add_activity(made, {"kind": "note", "happened_on": TODAY.isoformat(), "text": "Late news"})
    services.complete_follow_up(first)
    assert _count(Activity) == before[0] + 1


def test_reopening_clears_the_outcome_and_keeps_it_in_the_history(world):
    made = case(world, "Survey")
    services.change_status(made, "closed", closed_on=TODAY, outcome="Survey done, 40 replies")
    services.change_status(made, "open")
    db.session.commit()
    assert (made.status, made.closed_on, made.outcome) == ("open", None, None)
    assert any("Survey done, 40 replies" in t for t in _timeline(made))


def test_the_database_keeps_one_case_per_time_off_request(world):
    """Even two requests racing past the service's check cannot give one refusal two cases."""
    from sqlalchemy.exc import IntegrityError

    r = refused_request(world, reps_of(world).a1)
    services.open_dispute_case(r, world.users.convenor_a1)
    db.session.commit()
    db.session.add(Case(branch_id=world.branches.a1.id, kind="time_off_dispute", status="open", summary="Twice",
                        opened_on=TODAY, time_off_request_id=r.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
