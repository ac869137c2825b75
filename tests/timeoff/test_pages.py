"""Time-off request pages: a ULR's own request in few fields, the convenor's for any ULR (or a
learner release), every form's bad input, who may do what, notice and warnings, the tribunal
deadline with its working, learners' time from the agreement, refusals' next steps, documents, the
list's filters and query count, and the home pages (open refusals, the ULR's caseload)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ulr_app.agreements import services as agreement_services
from ulr_app.core import documents
from ulr_app.extensions import db
from ulr_app.reps import services as rep_services
from ulr_app.timeoff import rules, services
from ulr_app.timeoff.forms import parse_time
from ulr_app.timeoff.models import TimeOffRequest

TODAY = date.today()


def _uk(d: date) -> str:
    return f"{d.day} {d.month} {d.year}"  # as the forms write a date (core.validation.DATE_EXAMPLE)


def _long(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _plain(response) -> str:
    """The page's words, without tags, for assertions about sentences."""
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", _text(response))))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(TimeOffRequest))


def _rep(world, branch="a1", *, user=None, name="Pat Jones", workplace="school_a1", eligible=True, **extra):
    b = getattr(world.branches, branch)
    w = getattr(world.workplaces, workplace)
    data = {"name": name, "employer_id": w.employer_id, "workplace_id": w.id,
            "appointed_on": (TODAY - timedelta(days=60)).isoformat(), "user_id": user.id if user else None}
    if eligible:  # told the employer they will be trained, two months ago: training due, so eligible
        data.update(notice_given_on=(TODAY - timedelta(days=60)).isoformat(), training_route="will_train",
                    will_train_notice_on=(TODAY - timedelta(days=60)).isoformat())
    else:  # the union has not given the employer written notice yet
        data.update(training_route="already_trained")
    data.update(extra)
    r = rep_services.create_rep(data, branch=b)
    db.session.commit()
    return r


def _request(world, rep, *, branch="a1", status=None, decided_on=None, **kw) -> TimeOffRequest:
    data = {"kind": "ulr_duties", "purpose": "analysing_needs", "rep_id": rep.id if rep else None,
            "workplace_id": (rep.workplace_id if rep else world.workplaces.school_a1.id),
            "starts_at": datetime.combine(TODAY + timedelta(days=30), datetime.min.time()).replace(hour=9, minute=30),
            "duration_hours": "3", "location": "The school library", **kw}
    r = services.create_request(data, branch=getattr(world.branches, branch), created_by=world.users.convenor_a1)
    if status == "submitted":
        services.submit(r)
    elif status:
        decision = {"status": status, "decided_on": decided_on or TODAY}
        if status in ("refused", "partly_granted"):
            decision["refusal_reason"] = "cover"
        if status in ("granted", "partly_granted"):
            decision["paid"] = True
        if status == "partly_granted":
            decision["hours_granted"] = "1"
        services.record_decision(r, decision)
    db.session.commit()
    return r


def _sign(world, branch="a1", **extra):
    """A signed learning agreement between the branch and its council."""
    b = getattr(world.branches, branch)
    a = agreement_services.create_agreement({"title": f"{b.name} learning agreement", "employer_id": getattr(world.employers, branch).id,
                                             **extra}, branch=b)
    agreement_services.update_agreement(a, {"signed_on": TODAY - timedelta(days=100), "employer_signatory": "Chief Executive",
                                            "union_signatory": "Branch Secretary",
                                            "review_due_on": TODAY + timedelta(days=300)})
    agreement_services.change_status(a, "negotiating")
    agreement_services.change_status(a, "signed")
    db.session.commit()
    return a


@pytest.fixture
def old_regime(app, monkeypatch):
    """The three-month limit for every refusal (the ERA 2025 commencement far off), so day counts are fixed."""
    monkeypatch.setitem(app.config, "ERA_2025_COMMENCEMENT", date(2099, 1, 1))


START = TODAY + timedelta(days=30)
#: what a ULR with one appointment sends for a morning of ULR duties
FORM = {"purpose": "analysing_needs", "starts_on": _uk(START), "starts_time": "9:30am",
        "duration_hours": "3", "location": "Staff room & library", "course": "", "reason": "Learning survey of support staff"}


# --- a ULR's own request ------------------------------------------------------------------

def test_ulr_requests_time_off_for_themselves_in_few_fields(login_as, world):
    rep = _rep(world, user=world.users.ulr_a1)
    c = login_as("ulr_a1")
    page = _text(c.get("/time-off/new"))
    assert 'name="rep_id"' not in page and 'name="workplace_id"' not in page  # their one appointment decides both
    assert "Brunswick Park Primary School" in page
    response = c.submit("/time-off/new", FORM)
    assert response.status_code == 302, _text(response)
    r = db.session.scalars(select(TimeOffRequest)).one()
    assert response.headers["Location"].endswith(f"/time-off/{r.id}")
    assert (r.rep_id, r.workplace_id, r.branch_id) == (rep.id, rep.workplace_id, world.branches.a1.id)
    assert (r.kind, r.purpose, r.status, r.created_by_id) == ("ulr_duties", "analysing_needs", "draft", world.users.ulr_a1.id)
    assert r.location == "Staff room & library" and str(r.duration_hours) == "3.00"
    from ulr_app.core.templating import UK

    local = r.starts_at.astimezone(UK)
    assert (local.date(), local.hour, local.minute) == (START, 9, 30)
    page = _plain(c.get(f"/time-off/{r.id}"))
    assert "ULR duties: Pat Jones" in page and "Request saved as a draft" in page
    assert "Mark as sent to the employer" in page and "Record the employer's decision" not in page

    # one tap sends it: the notice counts from today
    response = c.submit(f"/time-off/{r.id}/submit", {"version": r.version, "requested_on": ""}, page=f"/time-off/{r.id}")
    assert response.status_code == 302
    db.session.refresh(r)
    assert (r.status, r.requested_on) == ("submitted", TODAY)
    page = _plain(c.get(f"/time-off/{r.id}"))
    assert "Notice given 30 days Enough notice" in page and "Notice needed 7 days" in page


def test_purpose_and_paid_follow_the_kind(login_as, world):
    _rep(world, user=world.users.ulr_a1)
    c = login_as("ulr_a1")
    response = c.submit("/time-off/new", {**FORM, "purpose": "ulr_training", "course": "ULR stage 1, UNISON",
                                          "paid_requested": "yes"})
    assert response.status_code == 302, _text(response)
    response = c.submit("/time-off/new", {**FORM, "purpose": "accessing_ulr", "paid_requested": "yes"})
    assert response.status_code == 302, _text(response)
    training, access = db.session.scalars(select(TimeOffRequest).order_by(TimeOffRequest.id)).all()
    assert (training.kind, training.course, training.paid_requested) == ("ulr_training", "ULR stage 1, UNISON", None)
    assert (access.kind, access.purpose, access.paid_requested) == ("member_access", "accessing_ulr", True)


def test_ulr_with_two_appointments_chooses_one(login_as, world):
    first = _rep(world, user=world.users.ulr_a1)
    second = _rep(world, user=world.users.ulr_a1, workplace="service_a1")
    c = login_as("ulr_a1")
    page = _text(c.get("/time-off/new"))
    assert "Which of your appointments is it for?" in page
    assert "Pat Jones, Brunswick Park Primary School" in page and "Pat Jones, Barnet Housing" in page
    response = c.submit("/time-off/new", {**FORM, "rep_id": ""})
    assert response.status_code == 400 and "Choose the ULR" in _text(response)
    response = c.submit("/time-off/new", {**FORM, "rep_id": second.id})
    assert response.status_code == 302, _text(response)
    r = db.session.scalars(select(TimeOffRequest)).one()
    assert (r.rep_id, r.workplace_id) == (second.id, world.workplaces.service_a1.id)
    assert first.id != second.id


def test_ulr_without_an_appointment_is_told_what_to_do(login_as, world):
    c = login_as("ulr_a1")
    response = c.get("/time-off/new")
    assert response.status_code == 200
    assert "Ask your branch convenor to record your appointment" in _plain(response)
    assert 'name="purpose"' not in _text(response)


@pytest.mark.parametrize("changes,message,kept", [
    ({"purpose": ""}, "Choose what the time off is for", None),
    ({"purpose": "holiday"}, "Choose what the time off is for", None),
    ({"starts_on": ""}, "Enter the date the time off starts", None),
    ({"starts_on": "31/2/2026"}, "Enter the date as a real date, for example 31 3 2026", "31/2/2026"),
    ({"starts_on": "next Tuesday"}, "Enter the date as a real date", "next Tuesday"),
    ({"starts_time": ""}, "Enter the start time, like 9:30am or 14:00", None),
    ({"starts_time": "25:00"}, "Enter the start time as a time of day", "25:00"),
    ({"starts_time": "after lunch"}, "Enter the start time as a time of day", "after lunch"),
    ({"duration_hours": ""}, "Enter how many hours", None),
    ({"duration_hours": "lots"}, "Enter how many hours as a number from 0.25 to 200", "lots"),
    ({"duration_hours": "0"}, "Enter how many hours as a number from 0.25 to 200", None),
    ({"location": "   "}, "Enter where it takes place", None),
    ({"location": "x" * 201}, "Where it takes place must be 200 characters or fewer", None),
    ({"purpose": "ulr_training", "course": ""}, "Enter the training course", None),
    ({"purpose": "course_attendance", "course": ""}, "Enter the course the learner will attend", None),
])
def test_new_request_bad_input(login_as, world, changes, message, kept):
    _rep(world, user=world.users.ulr_a1)
    c = login_as("ulr_a1")
    response = c.submit("/time-off/new", {**FORM, **changes})
    page = _text(response)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page, _plain(response)[:3000]
    assert "<title>Error: " in page
    assert "Learning survey of support staff" in page  # what was typed elsewhere is kept
    if "location" not in changes:
        assert 'value="Staff room &amp; library"' in page
    if kept:
        assert f'value="{kept}"' in page
    assert _count() == 0


def test_several_mistakes_are_shown_at_once(login_as, world):
    _rep(world, user=world.users.ulr_a1)
    c = login_as("ulr_a1")
    response = c.submit("/time-off/new", {**FORM, "starts_time": "soon", "duration_hours": "", "location": ""})
    page = _text(response)
    assert response.status_code == 400
    for message in ("Enter the start time as a time of day", "Enter how many hours", "Enter where it takes place"):
        assert message in page
    assert 'href="#starts_time"' in page and 'href="#duration_hours"' in page and 'href="#location"' in page


@pytest.mark.parametrize("text,expected", [
    ("9:30", "09:30"), ("09.30", "09:30"), ("9:30am", "09:30"), ("2pm", "14:00"), ("2:15 p.m.", "14:15"), ("12am", "00:00"),
    ("12pm", "12:00"), ("noon", "12:00"), ("14:00", "14:00"), ("0:00", "00:00"), ("13pm", None), ("24:00", None),
    ("9:75", None), ("nine", None), ("", None), ("9m", None),
])
def test_start_times(text, expected):
    assert parse_time(text) == expected


# --- the convenor's requests --------------------------------------------------------------

def test_convenor_records_a_request_for_any_ulr_of_the_branch(login_as, world):
    pat = _rep(world, user=world.users.ulr_a1)
    sam = _rep(world, name="Sam Patel", workplace="service_a1")
    other = _rep(world, "a2", name="Camden ULR", workplace="school_a2")
    c = login_as("convenor_a1")
    page = _text(c.get("/time-off/new"))
    assert "Pat Jones, Brunswick Park Primary School" in page and "Sam Patel, Barnet Housing" in page
    assert "Camden ULR" not in page
    response = c.submit("/time-off/new", {**FORM, "rep_id": sam.id, "workplace_id": ""})
    assert response.status_code == 302, _text(response)
    r = db.session.scalars(select(TimeOffRequest)).one()
    assert (r.rep_id, r.workplace_id, r.created_by_id) == (sam.id, world.workplaces.service_a1.id, world.users.convenor_a1.id)
    # another branch's ULR cannot be chosen, even by editing the form
    response = c.submit("/time-off/new", {**FORM, "rep_id": other.id, "workplace_id": world.workplaces.school_a1.id})
    assert response.status_code == 400 and "Choose a ULR of this branch" in _text(response)
    # and a ULR's time off needs a ULR
    response = c.submit("/time-off/new", {**FORM, "rep_id": "", "workplace_id": world.workplaces.school_a1.id})
    assert response.status_code == 400 and "Choose the ULR" in _text(response)
    assert _count() == 1
    assert pat.id


def test_convenor_records_a_learner_release_without_a_ulr(login_as, world):
    from tests.learners.helpers import learner  # issue 12: a learner release names its learner

    sam = learner(world)
    c = login_as("convenor_a1")
    response = c.submit("/time-off/new", {**FORM, "purpose": "course_attendance", "course": "Functional Skills maths, level 1",
                                          "rep_id": "", "workplace_id": "", "learner_id": sam.id})
    assert response.status_code == 400 and "Choose the workplace" in _text(response)
    response = c.submit("/time-off/new", {**FORM, "purpose": "course_attendance", "course": "Functional Skills maths, level 1",
                                          "rep_id": "", "workplace_id": world.workplaces.school_a1.id, "learner_id": sam.id})
    assert response.status_code == 302, _text(response)
    r = db.session.scalars(select(TimeOffRequest)).one()
    assert (r.kind, r.purpose, r.rep_id, r.learner_id) == ("learner_release", "course_attendance", None, sam.id)


def test_admin_chooses_the_branch_first(login_as, world):
    rep = _rep(world, "b1", name="Newcastle ULR", workplace="school_b1")
    c = login_as("admin")
    page = _text(c.get("/time-off/new"))
    assert "Which branch is the request for?" in page and "Newcastle City" in page
    assert c.get("/time-off/new?branch_id=999999").status_code == 400
    url = f"/time-off/new?branch_id={world.branches.b1.id}"
    assert "Newcastle ULR" in _text(c.get(url))
    response = c.submit(url, {**FORM, "rep_id": rep.id, "workplace_id": ""})
    assert response.status_code == 302, _text(response)
    assert db.session.scalars(select(TimeOffRequest)).one().branch_id == world.branches.b1.id


# --- edit, and who may ----------------------------------------------------------------------

def test_ulr_sees_and_edits_only_their_own_requests(login_as, world):
    mine = _request(world, _rep(world, user=world.users.ulr_a1))
    theirs = _request(world, _rep(world, name="Sam Patel", workplace="service_a1"))
    c = login_as("ulr_a1")
    page = _text(c.get("/time-off"))
    assert f"/time-off/{mine.id}\"" in page and f"/time-off/{theirs.id}\"" not in page
    assert c.get(f"/time-off/{theirs.id}").status_code == 404
    assert c.get(f"/time-off/{theirs.id}/edit").status_code == 404
    page = _text(c.get(f"/time-off/{mine.id}/edit"))
    assert 'value="The school library"' in page and f'value="{_uk(START)}"' in page and 'value="09:30"' in page
    response = c.submit(f"/time-off/{mine.id}/edit", {**FORM, "location": "Room 4", "version": mine.version})
    assert response.status_code == 302, _text(response)
    db.session.refresh(mine)
    assert mine.location == "Room 4"
    assert "Changed the location" in _plain(c.get(f"/time-off/{mine.id}"))
    # the ULR cannot record the employer's decision
    assert c.get(f"/time-off/{mine.id}/decision").status_code == 403


@pytest.mark.parametrize("changes,message", [
    ({"location": ""}, "Enter where it takes place"),
    ({"starts_on": "32/1/2027"}, "Enter the date as a real date"),
    ({"duration_hours": "201"}, "Enter how many hours as a number from 0.25 to 200"),
    ({"purpose": "accessing_ulr"}, None),  # a good change, for contrast
])
def test_edit_bad_input_changes_nothing(login_as, world, changes, message):
    r = _request(world, _rep(world, user=world.users.ulr_a1))
    c = login_as("ulr_a1")
    response = c.submit(f"/time-off/{r.id}/edit", {**FORM, "location": "Room 4", **changes, "version": r.version})
    db.session.refresh(r)
    if message is None:
        assert response.status_code == 302 and r.kind == "member_access"
        return
    assert response.status_code == 400 and message in _text(response)
    assert "Learning survey of support staff" in _text(response)
    assert (r.location, r.kind, str(r.duration_hours)) == ("The school library", "ulr_duties", "3.00")


def test_decided_requests_cannot_be_changed_and_stale_edits_are_refused(login_as, world):
    rep = _rep(world, user=world.users.ulr_a1)
    decided = _request(world, rep, status="granted")
    draft = _request(world, rep)
    c = login_as("convenor_a1")
    response = c.get(f"/time-off/{decided.id}/edit")
    assert response.status_code == 302
    assert "cannot be changed" in _plain(c.get(response.headers["Location"]))
    response = c.submit(f"/time-off/{draft.id}/edit", {**FORM, "rep_id": rep.id, "version": draft.version - 1})
    assert response.status_code == 409
    # the ULR may no longer change a decided request at all
    assert login_as("ulr_a1").get(f"/time-off/{decided.id}/edit").status_code == 403


def test_organiser_reads_only(login_as, world):
    r = _request(world, _rep(world), status="submitted")
    c = login_as("organiser_a")
    page = _plain(c.get(f"/time-off/{r.id}"))
    assert "ULR duties: Pat Jones" in page
    for words in ("Record the employer's decision", "Change the request", "Mark as sent", "Request time off"):
        assert words not in page
    assert "Request time off" not in _plain(c.get("/time-off"))
    assert c.get("/time-off/new").status_code == 403
    assert c.get(f"/time-off/{r.id}/decision").status_code == 403
    assert c.submit(f"/time-off/{r.id}/submit", {}, page="/").status_code == 403
    # an organiser of another region does not see it at all
    assert login_as("organiser_b").get(f"/time-off/{r.id}").status_code == 404


def test_out_of_scope_and_missing_requests_answer_404(login_as, world):
    r = _request(world, _rep(world))
    c = login_as("convenor_a2")
    for url in (f"/time-off/{r.id}", f"/time-off/{r.id}/edit", f"/time-off/{r.id}/decision", f"/time-off/{r.id}/acas",
                "/time-off/999999", "/time-off/999999/decision"):
        assert c.get(url).status_code == 404, url
    assert c.submit(f"/time-off/{r.id}/submit", {}, page="/").status_code == 404
    assert r.status == "draft"


# --- sending it ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,message", [
    ((TODAY + timedelta(days=3)).strftime("%d/%m/%Y"), "This date cannot be in the future"),
    ("yesterday-ish", "Enter the date of the request as a real date"),
])
def test_submit_bad_date(login_as, world, typed, message):
    r = _request(world, _rep(world, user=world.users.ulr_a1))
    c = login_as("ulr_a1")
    response = c.submit(f"/time-off/{r.id}/submit", {"version": r.version, "requested_on": typed}, page=f"/time-off/{r.id}")
    page = _text(response)
    assert response.status_code == 400 and message in page and "There is a problem" in page
    assert f'value="{typed}"' in page and "<title>Error: " in page
    db.session.refresh(r)
    assert (r.status, r.requested_on) == ("draft", None)


def test_submit_with_an_earlier_date_and_short_notice(login_as, world):
    r = _request(world, _rep(world, user=world.users.ulr_a1), starts_at=TODAY + timedelta(days=2))
    c = login_as("ulr_a1")
    sent = TODAY - timedelta(days=1)
    response = c.submit(f"/time-off/{r.id}/submit", {"version": r.version, "requested_on": _uk(sent)}, page=f"/time-off/{r.id}")
    assert response.status_code == 302
    page = _plain(c.get(f"/time-off/{r.id}"))
    assert f"Sent to the employer {_long(sent)}" in page
    assert "Short notice: 3 days given; the usual notice for this kind of request is 7 days." in page
    assert "Notice given 3 days Short notice" in page


# --- the employer's decision ------------------------------------------------------------------

@pytest.mark.parametrize("data,message", [
    ({"status": ""}, "Choose the employer's decision"),
    ({"status": "maybe"}, "Choose the employer's decision"),
    ({"status": "refused", "refusal_reason": ""}, "Choose the reason the employer gave for refusing"),
    ({"status": "granted", "paid": ""}, "Say whether the time off is paid"),
    ({"status": "partly_granted", "paid": "yes", "hours_granted": ""}, "Enter how many hours were granted"),
    ({"status": "partly_granted", "paid": "yes", "hours_granted": "3"}, "Partly granted means more than 0 and fewer than 3.00 hours"),
    ({"status": "partly_granted", "paid": "yes", "hours_granted": "two"}, "Enter the hours granted as a number"),
    ({"status": "refused", "decided_on": ""}, "Enter the date of the decision"),
    ({"status": "refused", "decided_on": "30/2/2026"}, "Enter the date of the decision as a real date"),
    ({"status": "refused", "decided_on": _uk(TODAY + timedelta(days=1))}, "This date cannot be in the future"),
])
def test_decision_bad_input(login_as, world, data, message):
    r = _request(world, _rep(world))
    c = login_as("convenor_a1")
    form = {"decided_on": _uk(TODAY), "refusal_reason": "cover", "refusal_details": "Said no cover on Fridays", "version": r.version,
            **data}
    response = c.submit(f"/time-off/{r.id}/decision", form)
    page = _text(response)
    assert response.status_code == 400 and message in _plain(response) and "There is a problem" in page, _plain(response)[:2000]
    assert "Said no cover on Fridays" in page
    db.session.refresh(r)
    assert (r.status, r.decided_on, r.refusal_reason) == ("draft", None, None)


def test_decision_before_the_request_was_sent_is_refused(login_as, world):
    r = _request(world, _rep(world), status="submitted")
    c = login_as("convenor_a1")
    response = c.submit(f"/time-off/{r.id}/decision", {"status": "granted", "paid": "yes", "version": r.version,
                                                        "decided_on": _uk(TODAY - timedelta(days=1))})
    assert response.status_code == 400 and "The decision cannot be before the request" in _text(response)


def test_granted_and_a_decided_request_cannot_be_decided_differently(login_as, world):
    r = _request(world, _rep(world), status="submitted")
    c = login_as("convenor_a1")
    response = c.submit(f"/time-off/{r.id}/decision", {"status": "granted", "paid": "yes", "decided_on": _uk(TODAY),
                                                        "version": r.version})
    assert response.status_code == 302 and not response.headers["Location"].endswith("#next-steps")
    db.session.refresh(r)
    assert (r.status, r.paid) == ("granted", True)
    page = _plain(c.get(f"/time-off/{r.id}"))
    assert "Granted" in page and "What to do next" not in page and "Tribunal deadline" not in page
    response = c.submit(f"/time-off/{r.id}/decision", {"status": "refused", "refusal_reason": "cover", "decided_on": _uk(TODAY),
                                                        "version": r.version})
    assert response.status_code == 400 and "This request is already granted" in _text(response)
    db.session.refresh(r)
    assert r.status == "granted"


def test_refusal_shows_the_deadline_its_working_and_next_steps(login_as, world, old_regime):
    r = _request(world, _rep(world, user=world.users.ulr_a1), status="submitted")
    c = login_as("convenor_a1")
    refused_on = TODAY
    response = c.submit(f"/time-off/{r.id}/decision", {"status": "refused", "decided_on": _uk(refused_on), "refusal_reason": "cover",
                                                        "refusal_details": "No cover for the class", "version": r.version})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/time-off/{r.id}#done")
    html = c.get(f"/time-off/{r.id}").get_data(as_text=True)
    # the message is just above what to do next, where the page opens
    assert html.index('id="done"') < html.index('id="next-steps"') and html.count("Decision saved.") == 1
    db.session.refresh(r)
    assert (r.status, r.decided_on, r.refusal_reason, r.paid) == ("refused", refused_on, "cover", False)
    expected = rules.tribunal_deadline(kind="ulr_duties", failure_on=refused_on, commencement_on=date(2099, 1, 1))
    page = _plain(c.get(f"/time-off/{r.id}"))
    assert f"Last day to present a claim {_long(expected.last_day)}" in page
    assert "How this date was worked out" in page
    for step in expected.steps:
        assert step in page
    assert "Three months applies" in page
    assert "Try to resolve it inside the employer first" in page and "learning partnership group" in page
    assert f"start Acas early conciliation before {_long(expected.last_day)}" in page
    assert "Open a time-off dispute case" in page
    assert "Reason given No cover" in page and "No cover for the class" in page
    # the ULR sees the same deadline and working, but not the convenor's buttons
    page = _plain(login_as("ulr_a1").get(f"/time-off/{r.id}"))
    assert _long(expected.last_day) in page and expected.steps[2] in page
    assert "Record Acas and tribunal dates" not in page and "Open a time-off dispute case" not in page


def test_a_linked_dispute_case_is_shown(login_as, world):
    from ulr_app.cases.services import open_dispute_case

    r = _request(world, _rep(world), status="refused")
    case = open_dispute_case(r, world.users.convenor_a1)
    db.session.commit()
    response = login_as("convenor_a1").get(f"/time-off/{r.id}")
    assert f'href="/cases/{case.id}"' in response.get_data(as_text=True)
    page = _plain(response)
    assert "See the dispute case" in page and "Open a time-off dispute case" not in page


def test_learner_release_refusal_has_no_tribunal_deadline(login_as, world):
    r = _request(world, None, kind="learner_release", purpose="course_attendance", course="ESOL entry 3", status="refused")
    page = _plain(login_as("convenor_a1").get(f"/time-off/{r.id}"))
    assert "Time off to study on a course is not a statutory right" in page
    assert "Tribunal deadline" not in page and "Record Acas and tribunal dates" in page


# --- Acas and tribunal dates ------------------------------------------------------------------

@pytest.mark.parametrize("data,message", [
    ({"acas_ec_started_on": "", "acas_ec_certificate_on": "DAY1"}, "Enter when early conciliation started"),
    ({"acas_ec_started_on": "DAY5", "acas_ec_certificate_on": "DAY2"}, "The certificate cannot be before early conciliation started"),
    ({"acas_ec_started_on": "BEFORE"}, "Early conciliation cannot start before the refusal"),
    ({"acas_ec_started_on": "FUTURE"}, "This date cannot be in the future"),
    ({"acas_ec_started_on": "1st of May"}, "Enter the day early conciliation started as a real date"),
    ({"tribunal_claim_on": "31/4/2026"}, "Enter the day the claim was presented as a real date"),
])
def test_acas_bad_input(login_as, world, data, message):
    refused_on = TODAY - timedelta(days=20)
    r = _request(world, _rep(world), status="refused", decided_on=refused_on)
    days = {"DAY1": _uk(refused_on + timedelta(days=1)), "DAY2": _uk(refused_on + timedelta(days=2)),
            "DAY5": _uk(refused_on + timedelta(days=5)), "BEFORE": _uk(refused_on - timedelta(days=1)),
            "FUTURE": _uk(TODAY + timedelta(days=1))}
    form = {"acas_ec_started_on": "", "acas_ec_certificate_on": "", "tribunal_claim_on": "", "version": r.version}
    form.update({k: days.get(v, v) for k, v in data.items()})
    response = login_as("convenor_a1").submit(f"/time-off/{r.id}/acas", form)
    page = _text(response)
    assert response.status_code == 400 and message in page and "There is a problem" in page, _plain(response)[:2000]
    for value in form.values():
        if value and value != r.version:
            assert f'value="{value}"' in page
    db.session.refresh(r)
    assert (r.acas_ec_started_on, r.acas_ec_certificate_on, r.tribunal_claim_on) == (None, None, None)


def test_early_conciliation_extends_the_deadline_on_the_page(login_as, world, old_regime):
    refused_on = TODAY - timedelta(days=40)
    r = _request(world, _rep(world), status="refused", decided_on=refused_on)
    c = login_as("convenor_a1")
    day_a, day_b = refused_on + timedelta(days=10), refused_on + timedelta(days=24)
    response = c.submit(f"/time-off/{r.id}/acas", {"acas_ec_started_on": _uk(day_a), "acas_ec_certificate_on": _uk(day_b),
                                                    "tribunal_claim_on": "", "version": r.version})
    assert response.status_code == 302, _text(response)
    expected = rules.tribunal_deadline(kind="ulr_duties", failure_on=refused_on, commencement_on=date(2099, 1, 1),
                                       ec_started_on=day_a, ec_certificate_on=day_b)
    page = _plain(c.get(f"/time-off/{r.id}"))
    assert f"Last day to present a claim {_long(expected.last_day)}" in page
    assert "14 days do not count" in page and f"Acas early conciliation started {_long(day_a)}" in page
    for step in expected.steps:
        assert step in page


def test_acas_page_is_only_for_refusals(login_as, world):
    r = _request(world, _rep(world), status="granted")
    c = login_as("convenor_a1")
    response = c.get(f"/time-off/{r.id}/acas")
    assert response.status_code == 302
    assert "Acas and tribunal dates are for refused" in _plain(c.get(response.headers["Location"]))


# --- warnings and the learning agreement -------------------------------------------------------

def test_warning_for_a_ulr_not_eligible_for_paid_time_off(login_as, world):
    r = _request(world, _rep(world, eligible=False))
    page = _plain(login_as("convenor_a1").get(f"/time-off/{r.id}"))
    assert "This ULR is not eligible for paid time off yet" in page
    ok = _request(world, _rep(world, name="Eligible ULR"))
    assert "not eligible" not in _plain(login_as("convenor_a1").get(f"/time-off/{ok.id}"))


def test_member_access_paid_warning_where_the_agreement_says_unpaid(login_as, world):
    rep = _rep(world)
    paid_asked = _request(world, rep, kind="member_access", purpose="accessing_ulr", paid_requested=True)
    c = login_as("convenor_a1")
    warning = "the learning agreement says members' access to a ULR is unpaid"
    assert warning not in _plain(c.get(f"/time-off/{paid_asked.id}"))  # no agreement in force yet
    agreement = _sign(world, member_access_paid=False)
    page = _plain(c.get(f"/time-off/{paid_asked.id}"))
    assert warning in page and "Paid time expected Yes" in page
    unpaid_asked = _request(world, rep, kind="member_access", purpose="accessing_ulr", paid_requested=False)
    assert warning not in _plain(c.get(f"/time-off/{unpaid_asked.id}"))
    agreement_services.update_agreement(agreement, {"member_access_paid": True})
    db.session.commit()
    assert warning not in _plain(c.get(f"/time-off/{paid_asked.id}"))


def test_learner_release_shows_what_the_agreement_says_about_learners_time(login_as, world):
    r = _request(world, None, kind="learner_release", purpose="course_attendance", course="ESOL entry 3")
    c = login_as("convenor_a1")
    page = _plain(c.get(f"/time-off/{r.id}"))
    assert "What the learning agreement says about learners' time" in page
    assert "No learning agreement in force with this employer" in page
    # a draft agreement is not in force
    agreement = agreement_services.create_agreement({"title": "Barnet draft", "employer_id": world.employers.a1.id,
                                                     "learner_time_off": "paid"}, branch=world.branches.a1)
    db.session.commit()
    assert "No learning agreement in force with this employer" in _plain(c.get(f"/time-off/{r.id}"))
    signed = _sign(world, learner_time_off="matched")
    agreement_services.set_learner_time(signed, {"esol": "paid", "ict": "own_time"})
    db.session.commit()
    response = c.get(f"/time-off/{r.id}")
    page = _plain(response)
    assert "Barnet learning agreement (signed)" in page
    assert "Learners' time for courses, in general Matched (employer hour for each own-time hour)" in page
    assert "ESOL Paid time off" in page and "ICT Learners' own time" in page
    assert f'href="/agreements/{signed.id}"' in _text(response)
    assert agreement.id != signed.id
    # a ULR request does not show it
    assert "learners' time" not in _plain(c.get(f"/time-off/{_request(world, _rep(world)).id}"))


# --- letters and documents --------------------------------------------------------------------

def test_letters_and_stored_documents(login_as, world, app):
    r = _request(world, _rep(world, user=world.users.ulr_a1))
    c = login_as("convenor_a1")
    letters = "letters.time_off_letter" in app.view_functions
    page = _text(c.get(f"/time-off/{r.id}"))
    assert ("Generate request letter" in page) == letters
    assert "No letters yet." in page
    assert "Generate request letter" not in _text(login_as("ulr_a1").get(f"/time-off/{r.id}"))
    doc = documents.store(db.session, r, "time_off_letter", "Request letter 1", b"%PDF-1.7 test")
    db.session.commit()
    page = _text(c.get(f"/time-off/{r.id}"))
    assert "Request letter 1" in page
    if "documents.download" in app.view_functions:
        assert f'href="/documents/{doc.id}"' in page


# --- the list -----------------------------------------------------------------------------

def test_list_columns_and_filters(login_as, world, old_regime):
    pat = _rep(world, user=world.users.ulr_a1)
    sam = _rep(world, name="Sam Patel", workplace="service_a1")
    near = _request(world, pat, status="refused", decided_on=TODAY - timedelta(days=80))
    far = _request(world, sam, kind="ulr_training", purpose="ulr_training", course="ULR stage 1", status="refused",
                   decided_on=TODAY - timedelta(days=10))
    draft = _request(world, sam, duration_hours="7.5")
    learner = _request(world, None, kind="learner_release", purpose="course_attendance", course="Maths")
    c = login_as("convenor_a1")
    response = c.get("/time-off")
    page, text = _text(response), _plain(response)
    for r in (near, far, draft, learner):
        assert f"/time-off/{r.id}\"" in page
    near_deadline = rules.tribunal_deadline(kind="ulr_duties", failure_on=near.decided_on, commencement_on=date(2099, 1, 1))
    far_deadline = rules.tribunal_deadline(kind="ulr_training", failure_on=far.decided_on, commencement_on=date(2099, 1, 1))
    left = (near_deadline.last_day - TODAY).days
    assert re.search(r'govuk-tag--red[^>]*>\s*' + re.escape(f"{_long(near_deadline.last_day)}: {left} days left"), page)
    assert _long(far_deadline.last_day) in text and f"{_long(far_deadline.last_day)}:" not in text
    assert "7.5" in text and "No ULR" in text and "Barnet Housing" in text

    def ids(query: str) -> set[int]:
        return {int(i) for i in re.findall(r'href="/time-off/(\d+)"', _text(c.get("/time-off?" + query)))}

    assert ids("status=refused") == {near.id, far.id}
    assert ids("kind=ulr_training") == {far.id}
    assert ids(f"rep_id={sam.id}") == {far.id, draft.id}
    # the ULR is typed, not chosen from a list of every ULR (issue 13): part of their name, any case
    listed = _text(c.get("/time-off"))
    assert 'name="rep_id"' not in listed and 'id="rep" name="rep"' in listed and 'data-source="/reps/search.json"' in listed
    assert ids(f"rep={sam.name.split()[0].lower()}") == {far.id, draft.id}
    assert ids("rep=nobody-by-that-name") == set()
    # a link by id shows the ULR's name in the box
    assert f'value="{sam.name}"' in _text(c.get(f"/time-off?rep_id={sam.id}"))
    assert ids("workplace_kind=service") == {far.id, draft.id}
    assert ids("workplace_kind=school") == {near.id, learner.id}
    assert ids(f"employer_id={world.employers.a1.id}") == {near.id, far.id, draft.id, learner.id}
    assert ids(f"employer_id={world.employers.a2.id}") == set()
    assert ids(f"branch_id={world.branches.a1.id}&status=draft") == {draft.id, learner.id}
    assert ids("status=nonsense&kind=holiday") == {near.id, far.id, draft.id, learner.id}  # unknown values are ignored
    assert "No requests match your filters." in _plain(c.get("/time-off?status=withdrawn"))
    # the ULR Pat (ulr_a1) sees "You" on their own requests, not their own name (issue 12, item 10)
    mine = _text(login_as("ulr_a1").get("/time-off"))
    row = mine[mine.index(f'href="/time-off/{near.id}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-label="Who for">You</td>' in row and "Pat Jones" not in row and "ULR or learner" not in mine
    assert "ULR or learner" in page


def test_organiser_filters_by_branch(login_as, world):
    a1 = _request(world, _rep(world))
    a2 = _request(world, _rep(world, "a2", name="Camden ULR", workplace="school_a2"), branch="a2")
    b1 = _request(world, _rep(world, "b1", name="Newcastle ULR", workplace="school_b1"), branch="b1")
    c = login_as("organiser_a")
    page = _text(c.get("/time-off"))
    assert f"/time-off/{a1.id}\"" in page and f"/time-off/{a2.id}\"" in page and f"/time-off/{b1.id}\"" not in page
    assert 'id="branch_id"' in page and "Newcastle City" not in page
    page = _text(c.get(f"/time-off?branch_id={world.branches.a2.id}"))
    assert f"/time-off/{a2.id}\"" in page and f"/time-off/{a1.id}\"" not in page


def test_list_pages(login_as, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 5)
    rep = _rep(world)
    for i in range(7):
        _request(world, rep, location=f"Room {i}")
    c = login_as("convenor_a1")
    page = _plain(c.get("/time-off"))
    assert "Showing 1 to 5 of 7 requests" in page
    assert "Showing 6 to 7 of 7 requests" in _plain(c.get("/time-off?page=2"))


def test_list_query_count_does_not_grow(login_as, world, count_queries):
    reps = [_rep(world), _rep(world, name="Sam Patel", workplace="service_a1")]
    _request(world, reps[0], status="refused", decided_on=TODAY - timedelta(days=5))
    c = login_as("admin")
    c.get("/time-off")
    with count_queries() as few:
        c.get("/time-off")
    reps.append(_rep(world, "b1", name="Newcastle ULR", workplace="school_b1"))
    for i in range(15):
        rep = reps[i % 3]
        branch = "b1" if rep is reps[2] else "a1"
        status = ("refused", "submitted", "granted", None)[i % 4]
        _request(world, rep, branch=branch, status=status, decided_on=TODAY - timedelta(days=i), location=f"Room {i}")
    _request(world, None, kind="learner_release", purpose="course_attendance", course="Maths")
    with count_queries() as many:
        page = c.get("/time-off")
    assert "Newcastle ULR" in _text(page)
    assert many.count == few.count, many.statements


# --- home pages ---------------------------------------------------------------------------

def test_convenor_home_lists_open_refusals_nearest_deadline_first(login_as, world, old_regime):
    rep = _rep(world)
    middle = _request(world, rep, status="refused", decided_on=TODAY - timedelta(days=50))
    nearest = _request(world, rep, status="refused", decided_on=TODAY - timedelta(days=80))
    latest = _request(world, rep, kind="ulr_training", purpose="ulr_training", course="ULR stage 2", status="partly_granted",
                      decided_on=TODAY - timedelta(days=5))
    claimed = _request(world, rep, status="refused", decided_on=TODAY - timedelta(days=30))
    services.record_acas(claimed, {"tribunal_claim_on": TODAY})
    learner = _request(world, None, kind="learner_release", purpose="course_attendance", course="Maths", status="refused")
    other_branch = _request(world, _rep(world, "a2", name="Camden ULR", workplace="school_a2"), branch="a2", status="refused")
    _request(world, rep, status="submitted")
    db.session.commit()
    response = login_as("convenor_a1").get("/")
    page = _text(response)
    section = page[page.index('id="open-refusals"'):]
    section = section[:section.index("</ul>")]
    order = [int(i) for i in re.findall(r'href="/time-off/(\d+)"', section)]
    assert order == [nearest.id, middle.id, latest.id]
    assert claimed.id not in order and learner.id not in order and other_branch.id not in order
    items = section.split("<li")[1:]
    assert "govuk-tag--red" in items[0]  # about ten days left
    assert "govuk-tag--red" not in items[1] and "govuk-tag--red" not in items[2]
    deadline = rules.tribunal_deadline(kind="ulr_duties", failure_on=nearest.decided_on, commencement_on=date(2099, 1, 1))
    assert f"{_long(deadline.last_day)}: {(deadline.last_day - TODAY).days} days left" in _plain(response)
    assert "1 time-off request is waiting for the employer's decision" in _plain(response)


def test_convenor_home_lists_the_nearest_open_refusals_and_counts_the_rest(login_as, world, old_regime, monkeypatch):
    """Only the first REFUSALS_SHOWN are loaded and listed (nearest deadline first); the rest are counted."""
    from ulr_app.home import views as home_views

    monkeypatch.setattr(home_views, "REFUSALS_SHOWN", 3)
    rep = _rep(world)
    made = [_request(world, rep, status="refused", decided_on=TODAY - timedelta(days=days)) for days in (10, 80, 40, 60, 20)]
    db.session.commit()
    page = _text(login_as("convenor_a1").get("/"))
    section = page[page.index('id="open-refusals"'):]
    listed = [int(i) for i in re.findall(r'href="/time-off/(\d+)"', section[:section.index("</ul>")])]
    assert listed == [made[1].id, made[3].id, made[2].id]  # decided 80, 60 and 40 days ago: the nearest deadlines
    more = _plain(login_as("convenor_a1").get("/"))
    assert "5 open refusals in all: the 3 with the nearest deadlines are listed here." in more


def test_convenor_home_keeps_agreement_reminders(login_as, world):
    a = agreement_services.create_agreement({"title": "Forgotten draft", "employer_id": world.employers.a1.id},
                                            branch=world.branches.a1)
    from datetime import timezone

    a.last_activity_at = datetime.now(timezone.utc) - timedelta(days=120)
    db.session.commit()
    page = _plain(login_as("convenor_a1").get("/"))
    assert "No open refusals" in page and "Forgotten draft" in page


def test_ulr_home_is_their_caseload(login_as, world):
    rep = _rep(world, user=world.users.ulr_a1)
    draft = _request(world, rep, location="Draft one")
    waiting = _request(world, rep, status="submitted")
    decided = _request(world, rep, status="refused", decided_on=TODAY - timedelta(days=3))
    old = _request(world, rep, status="granted", decided_on=TODAY - timedelta(days=200))
    someone_else = _request(world, _rep(world, name="Sam Patel", workplace="service_a1"))
    response = login_as("ulr_a1").get("/")
    page = _text(response)
    assert 'href="/time-off/new"' in page and "Request time off" in page

    def section(name: str) -> set[int]:
        part = page[page.index(f'id="caseload-{name}"'):page.index("All your time-off requests")]
        part = part.split("<h3")[0]
        return {int(i) for i in re.findall(r'href="/time-off/(\d+)"', part)}

    assert section("drafts") == {draft.id}
    assert section("waiting") == {waiting.id}
    assert section("decided") == {decided.id}
    assert f"/time-off/{old.id}\"" not in page and f"/time-off/{someone_else.id}\"" not in page


def test_organiser_home_counts_the_regions_open_refusals(login_as, world, old_regime):
    _request(world, _rep(world), status="refused", decided_on=TODAY - timedelta(days=85))
    _request(world, _rep(world, "a2", name="Camden ULR", workplace="school_a2"), branch="a2", status="refused",
             decided_on=TODAY - timedelta(days=10))
    _request(world, _rep(world, "b1", name="Newcastle ULR", workplace="school_b1"), branch="b1", status="refused")
    page = _text(login_as("organiser_a").get("/"))
    card = page[page.index('id="region-open-refusals"'):]
    assert re.search(r'app-card__number">2</span>\s*open time-off refusals in your region', card)
    assert re.search(r'app-card__number">1</span>\s*with 14 days or fewer left to claim', page)


def test_ulr_whose_appointment_names_no_workplace_chooses_one(login_as, world):
    _rep(world, user=world.users.ulr_a1, workplace_id=None)
    c = login_as("ulr_a1")
    page = _text(c.get("/time-off/new"))
    assert 'name="rep_id"' not in page and 'name="workplace_id"' in page
    assert "Barnet Housing" in page and "Argyle Primary School" not in page  # their employer's workplaces only
    response = c.submit("/time-off/new", {**FORM, "workplace_id": ""})
    assert response.status_code == 400 and "Choose the workplace" in _text(response)
    response = c.submit("/time-off/new", {**FORM, "workplace_id": world.workplaces.service_a1.id})
    assert response.status_code == 302, _text(response)
    assert db.session.scalars(select(TimeOffRequest)).one().workplace_id == world.workplaces.service_a1.id


def test_request_letter_is_generated_from_the_page_and_listed(login_as, world, app):
    if "letters.time_off_letter" not in app.view_functions:
        pytest.skip("the letters pages are not in this build")
    r = _request(world, _rep(world), status="submitted")
    c = login_as("convenor_a1")
    page = _text(c.get(f"/time-off/{r.id}"))
    assert f'<form method="post" action="/letters/time-off/{r.id}"' in page and "Generate request letter" in page
    response = c.submit(f"/letters/time-off/{r.id}", {}, page=f"/time-off/{r.id}")
    assert response.status_code == 302 and f"/time-off/{r.id}" in response.headers["Location"]
    [doc] = documents.documents_of(db.session, r)
    page = _text(c.get(f"/time-off/{r.id}"))
    assert doc.title in page and f'href="/documents/{doc.id}"' in page
    assert c.get(f"/documents/{doc.id}").headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("endpoint,section", [
    ("timeoff.requests", "timeoff"), ("timeoff.new_request", "timeoff"), ("timeoff.time_off_request", "timeoff"),
    ("timeoff.edit_request", "timeoff"), ("timeoff.decision", "timeoff"), ("timeoff.acas", "timeoff"),
    ("reps.reps", "rep"), ("reps.rep", "rep"), ("reps.new_rep", "rep"),
])
def test_nav_sections(endpoint, section):
    from ulr_app.core.templating import nav_section

    assert nav_section(endpoint) == section


def test_menu_marks_time_off_on_every_time_off_page(login_as, world):
    r = _request(world, _rep(world), status="refused")
    c = login_as("convenor_a1")
    for path in ("/time-off", "/time-off/new", f"/time-off/{r.id}", f"/time-off/{r.id}/decision", f"/time-off/{r.id}/acas"):
        page = _text(c.get(path))
        current = re.findall(r'aria-current="page"><strong class="govuk-service-navigation__active-fallback">([^<]+)</strong>', page)
        assert current == ["Time off"], (path, current)
    for role in ("admin", "organiser_a", "convenor_a1", "ulr_a1"):
        page = _text(login_as(role).get("/"))
        assert 'href="/time-off">Time off</a>' in page, role
        assert ('>ULRs</a>' in page) == ("reps.reps" in c.app.view_functions), role
