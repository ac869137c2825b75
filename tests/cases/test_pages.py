"""Case pages: the list with its filters, search, counts and query count; opening a case (and a refused
time-off request's dispute case, end to end); the case with its links, follow-ups and activities; the
status, edits and stale versions; moving a ULR's caseload after a confirmation; bad input; scope."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ulr_app.cases import services
from ulr_app.cases.models import Activity, Case, FollowUp
from ulr_app.extensions import db
from ulr_app.learners.models import Learner

from tests.api.helpers import agreements_of, reps_of
from tests.cases.helpers import TODAY, ago, case, learner, refused_request


def _uk(d: date) -> str:
    return f"{d.day} {d.month} {d.year}"


def _long(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _plain(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", _text(response))))


def _count(model=Case) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _fresh(model, ident):
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(model, ident)


def _listed(response) -> list[int]:
    return [int(i) for i in re.findall(r'href="/cases/(\d+)"', _text(response))]


# --- the list -----------------------------------------------------------------------------

def test_list_filters_search_and_counts(login_as, world):
    maths = case(world, "Maths support for Jo", kind="learner_support", due_on=TODAY + timedelta(days=3))
    late = case(world, "Late survey", kind="learning_survey", opened_on=ago(30).isoformat(), due_on=ago(2).isoformat())
    later = case(world, "Agreement with the council", kind="agreement_negotiation", due_on=TODAY + timedelta(days=40))
    undated = case(world, "50% of staff_want ICT", kind="other")
    ulrs = case(world, "ULR's own", actor=world.users.ulr_a1, kind="school_access", due_on=TODAY + timedelta(days=1))
    closed = case(world, "Closed maths case", kind="learner_support", opened_on=ago(20).isoformat(), due_on=ago(5).isoformat())
    services.change_status(closed, "closed", closed_on=TODAY)
    waiting = case(world, "Waiting for the head", kind="school_access")
    services.change_status(waiting, "waiting")
    case(world, "Camden's case", branch="a2")
    db.session.commit()
    c = login_as("convenor_a1")
    response = c.get("/cases")
    assert response.status_code == 200
    page = _plain(response)
    assert "5 open, 1 waiting, 1 closed" in page and "Camden" not in page
    # live cases first by due date (undated last), closed ones after; the overdue one shown in red
    assert _listed(response) == [late.id, ulrs.id, maths.id, later.id, waiting.id, undated.id, closed.id]
    assert f"Overdue {_long(ago(2))}" in page and f"Overdue {_long(ago(5))}" not in page  # closed: not overdue
    assert "Open a case" in page and "Move a ULR's caseload" in page
    assert _listed(c.get("/cases?q=MATHS")) == [maths.id, closed.id]
    assert _listed(c.get("/cases?q=50%25")) == [undated.id]  # % and _ are searched for as typed
    assert _listed(c.get("/cases?q=staff_")) == [undated.id]
    assert _listed(c.get("/cases?status=closed")) == [closed.id]
    assert _listed(c.get("/cases?status=active&kind=learner_support")) == [maths.id]
    assert _listed(c.get(f"/cases?owner_id={world.users.ulr_a1.id}")) == [ulrs.id]
    assert _listed(c.get("/cases?due=overdue")) == [late.id]
    assert _listed(c.get("/cases?due=this_week")) == [ulrs.id, maths.id]
    empty = c.get("/cases?q=nothing+like+this")
    assert "No cases match your filters." in _plain(empty) and "Clear the filters" in _plain(empty)
    assert c.get("/cases?status=nonsense&kind=bogus&due=x&owner_id=abc&page=x").status_code == 200


def test_empty_list_and_pages(login_as, world, app, monkeypatch):
    c = login_as("convenor_a1")
    assert "There are no cases yet. Open a case to add the first one." in _plain(c.get("/cases"))
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    for i in range(4):
        case(world, f"Case {i}", due_on=TODAY + timedelta(days=i))
    assert "Showing 1 to 3 of 4 cases" in _plain(c.get("/cases"))
    assert "Showing 4 to 4 of 4 cases" in _plain(c.get("/cases?page=2"))


def test_list_query_count_does_not_grow(login_as, world, count_queries):
    case(world, "First")
    c = login_as("admin")
    c.get("/cases")
    with count_queries() as few:
        c.get("/cases")
    for i in range(12):
        branch = ("a1", "a2", "b1")[i % 3]
        made = case(world, f"Case {i}", branch=branch, kind="learner_support", commit=False,
                    actor=world.users.ulr_a1 if branch == "a1" and i % 2 else None, due_on=TODAY + timedelta(days=i))
        if i % 4 == 0:
            services.add_activity(made, {"kind": "note", "happened_on": TODAY, "text": "Noted"})
    db.session.commit()
    with count_queries() as many:
        page = c.get("/cases")
    assert "Newcastle City" in _text(page)
    assert many.count == few.count, many.statements


# --- opening a case -----------------------------------------------------------------------

def test_convenor_opens_a_case_with_links(login_as, world):
    reps = reps_of(world)
    jo = learner(world, "Jo Bloggs", rep=reps.a1)
    agreement = agreements_of(world).a1
    c = login_as("convenor_a1")
    page = _text(c.get("/cases/new"))
    assert "Jo Bloggs" in page and agreement.title in page and "Brunswick Park Primary School" in page
    assert "Camden" not in page
    response = c.submit("/cases/new", {
        "kind": "learner_support", "summary": "Jo wants to do maths", "details": "Line one\nLine two",
        "owner_id": str(world.users.ulr_a1.id), "learner_id": str(jo.id), "workplace_id": str(world.workplaces.school_a1.id),
        "agreement_id": str(agreement.id), "time_off_request_id": "", "opened_on": _uk(ago(2)),
        "due_on": _uk(TODAY + timedelta(days=60))})
    assert response.status_code == 302, _plain(response)
    made = db.session.scalars(select(Case)).one()
    assert response.headers["Location"].endswith(f"/cases/{made.id}")
    assert (made.owner_id, made.created_by_id, made.learner_id, made.opened_on) == (
        world.users.ulr_a1.id, world.users.convenor_a1.id, jo.id, ago(2))
    page = _plain(c.get(f"/cases/{made.id}"))
    assert "Case opened. 3 follow-ups planned for a learner support case." in page
    assert "Worked by Ulr Barnet" in page and "Learner Jo Bloggs" in page and "Line one Line two" in page
    assert f"Learning agreement {agreement.title}" in page
    detail = _text(c.get(f"/cases/{made.id}"))
    assert f'href="/agreements/{agreement.id}"' in detail and f'href="/workplaces/{world.workplaces.school_a1.id}"' in detail
    assert "Line one<br>Line two" in detail
    # the follow-ups of the kind, with their state
    assert "Needs analysis" in page and "Referral follow-up" in page and "Progress review" in page
    assert "Overdue" in page  # needs analysis was due when the case opened, two days ago


def test_ulr_opens_their_own_case(login_as, world):
    c = login_as("ulr_a1")
    page = _text(c.get("/cases/new?kind=school_access"))
    assert 'name="owner_id"' not in page and "Worked by:" in _plain(c.get("/cases/new"))
    assert re.search(r'value="school_access"[^>]*checked', page)
    response = c.submit("/cases/new", {"kind": "school_access", "summary": "Get into Brunswick Park"})
    assert response.status_code == 302, _plain(response)
    made = db.session.scalars(select(Case)).one()
    assert (made.owner_id, made.opened_on, made.status) == (world.users.ulr_a1.id, TODAY, "open")
    page = _plain(c.get(f"/cases/{made.id}"))
    assert "Log the activity" in page and "Mark done" in page
    assert "Change the case" not in page and "Change the status" not in page  # convenors' work
    assert c.get(f"/cases/{made.id}/edit").status_code == 403
    assert c.get(f"/cases/{made.id}/status").status_code == 403
    assert c.get("/cases/reassign").status_code == 403


@pytest.mark.parametrize("changes,messages", [
    ({"kind": ""}, ["Choose what kind of case it is"]),
    ({"summary": "  "}, ["Enter a short summary of the case"]),
    ({"opened_on": "31/2/2026"}, ["Enter the date the case was opened as a real date, for example 31 3 2026"]),
    ({"opened_on": _uk(TODAY + timedelta(days=1))}, ["This date cannot be in the future"]),
    ({"due_on": _uk(ago(5)), "opened_on": _uk(ago(1))}, ["The due date cannot be before the case was opened"]),
    ({"summary": "", "kind": "nope", "due_on": "soon"}, ["Enter a short summary of the case", "Choose what kind of case it is",
                                                          "Enter the date it is due as a real date, for example 31 3 2026"]),
])
def test_new_case_bad_input(login_as, world, changes, messages):
    c = login_as("convenor_a1")
    data = {"kind": "learner_support", "summary": "Maths for Jo", "details": "Keep what I typed", **changes}
    response = c.submit("/cases/new", data)
    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page and "<title>Error:" in page
    summary = page[page.index("govuk-error-summary"):page.index("</ul>", page.index("govuk-error-summary"))]
    for message in messages:
        assert message in html.unescape(summary)
    assert "Keep what I typed" in page  # nothing lost of what was typed
    assert _count() == 0 and _count(FollowUp) == 0


def test_a_case_about_a_learner_from_their_page(login_as, world):
    jo = learner(world, "Jo Bloggs")
    c = login_as("convenor_a1")
    page = _text(c.get(f"/learners/{jo.id}"))
    assert "No cases about Jo Bloggs." in _plain(c.get(f"/learners/{jo.id}"))
    assert f'href="/cases/new?learner_id={jo.id}"' in page
    form = _text(c.get(f"/cases/new?learner_id={jo.id}"))
    assert re.search(rf'<option value="{jo.id}" selected', form)  # the learner, their workplace, learner support
    assert re.search(rf'<option value="{world.workplaces.school_a1.id}" selected', form)
    assert re.search(r'value="learner_support" checked', form) and f'href="/learners/{jo.id}"' in form
    response = c.submit(f"/cases/new?learner_id={jo.id}", {"kind": "learner_support", "summary": "Maths course release",
                                                             "learner_id": str(jo.id),
                                                             "workplace_id": str(world.workplaces.school_a1.id)})
    assert response.status_code == 302, _plain(response)
    made = db.session.scalars(select(Case)).one()
    assert (made.learner_id, made.branch_id, made.kind) == (jo.id, world.branches.a1.id, "learner_support")
    assert "Maths course release" in _plain(c.get(f"/learners/{jo.id}"))


def test_a_case_about_a_learner_outside_scope_or_merged_is_404(login_as, world):
    from ulr_app.learners import services as learner_services

    jo, twin = learner(world, "Jo Bloggs"), learner(world, "Jo Bloggs")
    camden = learner(world, "Cara Camden", branch="a2")
    learner_services.merge_learners(jo, twin, actor=world.users.convenor_a1)
    db.session.commit()
    c = login_as("convenor_a1")
    assert c.get(f"/cases/new?learner_id={camden.id}").status_code == 404
    assert c.get(f"/cases/new?learner_id={twin.id}").status_code == 404  # merged away: use the kept record
    assert c.get("/cases/new?learner_id=999999").status_code == 404
    assert c.get("/cases/new?learner_id=abc").status_code == 200  # not a number: the ordinary form
    # a ULR opens cases only about their own caseload; an organiser reads and is offered nothing
    assert login_as("ulr_a1").get(f"/cases/new?learner_id={jo.id}").status_code == 404
    assert login_as("organiser_a").get(f"/cases/new?learner_id={jo.id}").status_code == 403
    assert "Open a case about" not in _plain(login_as("organiser_a").get(f"/learners/{jo.id}"))
    assert _count() == 0


def test_admin_chooses_the_branch_first(login_as, world):
    c = login_as("admin")
    page = _plain(c.get("/cases/new?kind=other"))
    assert "Which branch?" in page and "Newcastle City" in page
    assert c.get("/cases/new?branch_id=999999").status_code == 400
    response = c.submit(f"/cases/new?branch_id={world.branches.b1.id}",
                        {"kind": "other", "summary": "Newcastle survey", "owner_id": str(world.users.convenor_b1.id)})
    assert response.status_code == 302, _plain(response)
    made = db.session.scalars(select(Case)).one()
    assert (made.branch_id, made.owner_id, made.created_by_id) == (
        world.branches.b1.id, world.users.convenor_b1.id, world.users.admin.id)


# --- a refused time-off request's dispute case, end to end --------------------------------

def test_refusal_page_opens_a_dispute_case_linked_both_ways(login_as, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "ERA_2025_COMMENCEMENT", date(2099, 1, 1))
    reps = reps_of(world)
    r = refused_request(world, reps.a1_other, decided_on=ago(10))
    c = login_as("convenor_a1")
    refusal = _text(c.get(f"/time-off/{r.id}"))
    link = f'/cases/new?kind=time_off_dispute&amp;time_off_request_id={r.id}'
    assert "Open a time-off dispute case" in refusal and link in refusal
    form = c.get(html.unescape(link))
    page = _text(form)
    assert form.status_code == 200
    summary = f"Refused: ULR duties (Sam Other, Brunswick Park Primary School), {_long(ago(10))}. Reason given: no cover"
    assert f'value="{html.escape(summary, quote=True)}"' in page or f'value="{summary}"' in page
    assert re.search(rf'<option[^>]*selected[^>]*value="{r.id}"|<option value="{r.id}" selected', page)
    deadline = ago(10)
    from ulr_app.timeoff import queries as time_off_queries

    deadline = time_off_queries.state(r).tribunal_deadline
    assert f'value="{_uk(deadline)}"' in page  # due by the tribunal deadline
    response = c.submit(html.unescape(link), {
        "kind": "time_off_dispute", "summary": summary, "owner_id": str(world.users.convenor_a1.id),
        "workplace_id": str(r.workplace_id), "time_off_request_id": str(r.id), "due_on": _uk(deadline)},
        page=html.unescape(link))
    assert response.status_code == 302, _plain(response)
    made = db.session.scalars(select(Case)).one()
    assert made.kind == "time_off_dispute" and made.due_on == deadline
    r = _fresh(type(r), r.id)
    assert r.case_id == made.id and made.time_off_request_id == r.id
    # the refusal now links to the case; the case back to the request
    refusal = _text(c.get(f"/time-off/{r.id}"))
    assert "Open a time-off dispute case" not in refusal and f'href="/cases/{made.id}"' in refusal
    detail = _plain(c.get(f"/cases/{made.id}"))
    assert "Time-off request ULR duties: Sam Other" in detail and "Raise with the partnership group" in detail
    assert f'href="/time-off/{r.id}"' in _text(c.get(f"/cases/{made.id}"))
    # asking again goes to the case
    again = c.get(html.unescape(link))
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/cases/{made.id}")


def test_no_dispute_case_for_a_request_not_refused(login_as, world):
    r = refused_request(world, reps_of(world).a1_other, status="granted")
    c = login_as("convenor_a1")
    response = c.get(f"/cases/new?kind=time_off_dispute&time_off_request_id={r.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/time-off/{r.id}")
    camden = refused_request(world, reps_of(world).a2)
    assert c.get(f"/cases/new?kind=time_off_dispute&time_off_request_id={camden.id}").status_code == 404


# --- working a case -----------------------------------------------------------------------

def test_log_an_activity_and_bad_input(login_as, world):
    made = case(world, "Maths for Jo", actor=world.users.ulr_a1)
    c = login_as("ulr_a1")
    url = f"/cases/{made.id}"
    response = c.submit(f"{url}/activities", {"kind": "call", "happened_on": _uk(ago(1)), "text": "Rang Jo's manager"},
                        page=url)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#done")
    response = c.submit(f"{url}/activities", {"kind": "visit", "happened_on": "", "text": "Visited the school"}, page=url)
    assert response.status_code == 302
    body = c.get(url).get_data(as_text=True)
    # the message sits in the new activity's entry, where the page opens (#done), not at the top
    newest = db.session.scalars(select(Activity).where(Activity.case_id == made.id).order_by(Activity.id.desc())).first()
    entry = body[body.index(f'id="activity-{newest.id}"'):]
    entry = entry[:entry.index("</li>")]
    assert 'id="done"' in entry and "Activity logged." in entry and "Visited the school" in entry
    assert body.count("Activity logged.") == 1
    page = _plain(c.get(url))
    assert "Activity logged." not in page  # shown once
    assert page.index("Visited the school") < page.index("Rang Jo's manager")  # newest first
    assert f"Call, {_long(ago(1))}, Ulr Barnet" in page and f"Visit, {_long(TODAY)}, Ulr Barnet" in page
    before = _count(Activity)
    for data, message in (({"kind": "call", "happened_on": _uk(TODAY + timedelta(days=1)), "text": "Tomorrow"},
                           "This date cannot be in the future"),
                          ({"kind": "call", "happened_on": "", "text": " "}, "Enter what happened"),
                          ({"kind": "fax", "happened_on": "", "text": "Sent a fax"}, "Choose what it was"),
                          ({"kind": "note", "happened_on": "", "text": "x" * 5001}, "5000 characters or fewer")):
        response = c.submit(f"{url}/activities", data, page=url)
        assert response.status_code == 400
        assert "There is a problem" in _text(response) and message in _plain(response)
    assert _count(Activity) == before


def test_follow_ups_added_and_marked_done(login_as, world):
    made = case(world, "School access", kind="school_access")
    c = login_as("convenor_a1")
    url = f"/cases/{made.id}"
    page = _plain(c.get(url))
    assert "Contact the head teacher" in page and "Visit the school" in page and "Planned" in page
    response = c.submit(f"{url}/follow-ups", {"title": "Ring the bursar", "due_on": _uk(TODAY)}, page=url)
    assert response.status_code == 302
    response = c.submit(f"{url}/follow-ups", {"title": "", "due_on": "when"}, page=url)
    assert response.status_code == 400
    assert "Enter what needs doing" in _plain(response) and "Enter the date it is due as a real date" in _plain(response)
    bursar = db.session.scalars(select(FollowUp).where(FollowUp.title == "Ring the bursar")).one()
    assert "Due today" in _plain(c.get(url))
    response = c.submit(f"{url}/follow-ups/{bursar.id}/done", page=url)
    assert response.status_code == 302
    assert _fresh(FollowUp, bursar.id).done_on == TODAY
    page = _plain(c.get(url))
    assert "Done: Ring the bursar." in page and f"Done {_long(TODAY)}" in page
    # twice: told, nothing changes
    response = c.submit(f"{url}/follow-ups/{bursar.id}/done", page=url)
    assert "already marked done" in _plain(c.get(response.headers["Location"]))
    # a follow-up of another case answers 404 here
    other = case(world, "Other")
    f = db.session.scalars(select(FollowUp).where(FollowUp.case_id == made.id)).first()
    assert c.submit(f"/cases/{other.id}/follow-ups/{f.id}/done", page=url).status_code == 404
    # no CSRF token: refused
    assert c.post(f"{url}/follow-ups/{f.id}/done", data={}).status_code == 400


def test_status_close_and_reopen(login_as, world):
    made = case(world, "To close", opened_on=ago(5).isoformat())
    c = login_as("convenor_a1")
    url = f"/cases/{made.id}/status"
    form = _text(c.get(url))
    assert f'value="{_uk(TODAY)}"' in form
    response = c.submit(url, {"version": made.version, "status": "closed", "closed_on": "", "outcome": ""})
    assert response.status_code == 400 and "Enter the date the case was closed" in _plain(response)
    response = c.submit(url, {"version": made.version, "status": "closed", "closed_on": _uk(ago(6)), "outcome": ""})
    assert response.status_code == 400 and "The case cannot be closed before it was opened" in _plain(response)
    assert _fresh(Case, made.id).status == "open"
    response = c.submit(url, {"version": made.version, "status": "closed", "closed_on": _uk(ago(1)),
                              "outcome": "Agreed at the partnership group"})
    assert response.status_code == 302
    made = _fresh(Case, made.id)
    assert (made.status, made.closed_on, made.outcome) == ("closed", ago(1), "Agreed at the partnership group")
    page = _plain(c.get(f"/cases/{made.id}"))
    assert "The case is closed." in page and f"Closed on {_long(ago(1))}" in page and "Reopen the case" in page
    assert "Add a follow-up" not in page
    # a stale version is refused
    stale = c.submit(url, {"version": made.version - 1, "status": "open"})
    assert stale.status_code == 409
    response = c.submit(url, {"version": made.version, "status": "open"})
    assert response.status_code == 302
    made = _fresh(Case, made.id)
    assert (made.status, made.closed_on) == ("open", None)


def test_edit_with_version_check(login_as, world):
    made = case(world, "Old summary")
    c = login_as("convenor_a1")
    url = f"/cases/{made.id}/edit"
    form = _text(c.get(url))
    assert 'value="Old summary"' in form and f'name="version" value="{made.version}"' in form
    data = {"version": made.version, "kind": "other", "summary": "New summary", "owner_id": str(world.users.ulr_a1.id),
            "opened_on": _uk(made.opened_on), "due_on": ""}
    response = c.submit(url, {**data, "summary": ""})
    assert response.status_code == 400 and _fresh(Case, made.id).summary == "Old summary"
    response = c.submit(url, data)
    assert response.status_code == 302
    made = _fresh(Case, made.id)
    assert (made.summary, made.owner_id) == ("New summary", world.users.ulr_a1.id)
    assert c.submit(url, {**data, "summary": "Stale"}).status_code == 409
    assert _fresh(Case, made.id).summary == "New summary"


def test_organiser_reads_only(login_as, world):
    made = case(world, "Barnet case")
    camden = case(world, "Camden case", branch="a2")
    c = login_as("organiser_a")
    page = _plain(c.get("/cases"))
    assert "Barnet case" in page and "Camden case" in page and "Open a case" not in page
    detail = _plain(c.get(f"/cases/{made.id}"))
    assert "Log the activity" not in detail and "Mark done" not in detail and "Change the case" not in detail
    assert c.submit(f"/cases/{camden.id}/activities", {"kind": "note", "text": "x"}, page="/cases").status_code == 403
    assert c.get("/cases/new").status_code == 403


def test_out_of_scope_and_missing_cases_answer_404(login_as, world):
    mine = case(world, "ULR's own", actor=world.users.ulr_a1)
    branch_case = case(world, "Convenor's")
    camden = case(world, "Camden", branch="a2")
    ulr = login_as("ulr_a1")
    assert ulr.get(f"/cases/{mine.id}").status_code == 200
    assert ulr.get(f"/cases/{branch_case.id}").status_code == 404  # their branch, but not theirs
    assert ulr.submit(f"/cases/{branch_case.id}/activities", {"kind": "note", "text": "x"}, page="/cases").status_code == 404
    assert _listed(ulr.get("/cases")) == [mine.id]
    convenor = login_as("convenor_a1")
    for url in (f"/cases/{camden.id}", f"/cases/{camden.id}/edit", f"/cases/{camden.id}/status", "/cases/999999"):
        assert convenor.get(url).status_code == 404, url


# --- moving a ULR's caseload --------------------------------------------------------------

def test_reassign_with_confirmation(login_as, world):
    from tests.factories import user
    from ulr_app.reps import services as rep_services

    reps = reps_of(world)
    sam = user("sam.other@example.org", "learning_rep", branch_id=world.branches.a1.id, name="Sam Other")
    rep_services.update_rep(reps.a1_other, {"user_id": sam.id})
    db.session.commit()
    open_case = case(world, "Open one", actor=world.users.ulr_a1)
    closed = case(world, "Closed one", actor=world.users.ulr_a1)
    services.change_status(closed, "closed", closed_on=TODAY)
    jo = learner(world, "Jo Bloggs", rep=reps.a1)
    db.session.commit()
    c = login_as("convenor_a1")
    page = _text(c.get(f"/cases/reassign?from_rep_id={reps.a1.id}"))
    assert "Ulr Barnet" in page and "Camden Rep" not in page
    assert re.search(rf'<option[^>]*selected[^>]*value="{reps.a1.id}"|<option value="{reps.a1.id}" selected', page)
    # same ULR twice: an error, nothing moves
    response = c.submit("/cases/reassign", {"from_rep_id": reps.a1.id, "to_rep_id": reps.a1.id})
    assert response.status_code == 400 and "Choose a different ULR to take the caseload" in _plain(response)
    response = c.submit("/cases/reassign", {"from_rep_id": "", "to_rep_id": ""})
    assert response.status_code == 400 and "Choose the ULR whose caseload moves" in _plain(response)
    # step one: what will move, and nothing has moved yet
    response = c.submit("/cases/reassign", {"from_rep_id": reps.a1.id, "to_rep_id": reps.a1_other.id})
    assert response.status_code == 200
    page = _plain(response)
    assert "Move Ulr Barnet's caseload to Sam Other?" in page and "1 open case" in page and "1 learner" in page
    assert "Open one" in page and "Closed one" not in page and "Jo Bloggs" in page and "Yes, move them" in page
    assert _fresh(Case, open_case.id).owner_id == world.users.ulr_a1.id
    # step two: confirmed
    response = c.submit("/cases/reassign", {"from_rep_id": reps.a1.id, "to_rep_id": reps.a1_other.id, "confirm": "yes"},
                        page="/cases/reassign")
    assert response.status_code == 302
    assert "Moved 1 open case and 1 learner from Ulr Barnet to Sam Other." in _plain(c.get(response.headers["Location"]))
    assert _fresh(Case, open_case.id).owner_id == sam.id
    assert _fresh(Case, closed.id).owner_id == world.users.ulr_a1.id
    assert _fresh(Learner, jo.id).rep_id == reps.a1_other.id


def test_reassign_refuses_a_ulr_without_a_login_for_cases(login_as, world):
    reps = reps_of(world)
    case(world, "Open one", actor=world.users.ulr_a1)
    c = login_as("convenor_a1")
    response = c.submit("/cases/reassign", {"from_rep_id": reps.a1.id, "to_rep_id": reps.a1_other.id})
    assert response.status_code == 400 and "Sam Other has no login" in _plain(response)
    # another branch's ULR is not even a choice
    response = c.submit("/cases/reassign", {"from_rep_id": reps.a1.id, "to_rep_id": reps.a2.id})
    assert response.status_code == 400 and "Choose the ULR who takes the caseload" in _plain(response)


# --- the nav and reminders ----------------------------------------------------------------

def test_cases_are_in_the_menu(login_as, world):
    page = _text(login_as("ulr_a1").get("/cases"))
    assert re.search(r'href="/cases"[^>]*aria-current="page"', page)


def test_reminders_list_follow_ups_once(runner, world):
    from ulr_app.cases.reminders import follow_up_reminders
    from ulr_app.core import reminders as registry

    assert follow_up_reminders in registry.sources()
    today = date(2026, 6, 20)
    soon = case(world, "Soon", kind="school_access", opened_on="2026-06-15")  # head teacher 22 June, visit 13 July
    late = case(world, "Late", kind="other", opened_on="2026-06-01", branch="b1")
    services.add_follow_up(late, "Chase the council", date(2026, 6, 10))
    done = case(world, "Done", kind="other", opened_on="2026-06-01")
    services.complete_follow_up(services.add_follow_up(done, "Already done", date(2026, 6, 19)), date(2026, 6, 19))
    closed = case(world, "Closed", kind="other", opened_on="2026-06-01")
    services.add_follow_up(closed, "On a closed case", date(2026, 6, 19))
    services.change_status(closed, "closed", closed_on=date(2026, 6, 19))
    jo = learner(world, "Jo Bloggs")
    db.session.add(FollowUp(learner_id=jo.id, title="Ring Jo", due_on=date(2026, 6, 25)))
    db.session.commit()
    notices = follow_up_reminders(today)
    head = db.session.scalars(select(FollowUp).where(FollowUp.case_id == soon.id).order_by(FollowUp.due_on)).first()
    chase = db.session.scalars(select(FollowUp).where(FollowUp.case_id == late.id)).one()
    ring = db.session.scalars(select(FollowUp).where(FollowUp.learner_id == jo.id)).one()
    assert [(n.key, n.kind, n.branch_id) for n in notices] == [
        (f"follow-up:{chase.id}:2026-06-10:overdue", "follow_up_overdue", world.branches.b1.id),
        (f"follow-up:{head.id}:2026-06-22", "follow_up_due", world.branches.a1.id),
        (f"follow-up:{ring.id}:2026-06-25", "follow_up_due", world.branches.a1.id),
    ]
    assert notices[0].message == "It was due on 10 June 2026 (10 days ago) and is not marked done"
    assert notices[1].message == "It is due on 22 June 2026 (in 2 days)"

    first = runner.invoke(args=["reminders", "--date", "2026-06-20"])
    assert first.exit_code == 0, first.output
    assert "Reminders for 2026-06-20: 3 new." in first.output
    assert ("Follow-up due: Contact the head teacher: Soon (access to a school case "
            f"{soon.id}), due 2026-06-22. It is due on 22 June 2026 (in 2 days).") in first.output
    assert "Follow-up overdue: Chase the council: Late" in first.output and "Ring Jo: Jo Bloggs (learner)" in first.output
    assert "Already done" not in first.output and "On a closed case" not in first.output
    assert first.output.count("Follow-up") == 3
    second = runner.invoke(args=["reminders", "--date", "2026-06-21"])
    assert second.output.strip() == "No new reminders for 2026-06-21."


def test_a_follow_up_reminded_while_due_is_reminded_again_once_overdue(runner, world):
    """Issue 15: the key named only the follow-up and its date, so a follow-up told while due was never told
    again once it was overdue (the home page showed it as overdue, the daily run stayed silent)."""
    made = case(world, "Soon", kind="other", opened_on="2026-06-01")
    services.add_follow_up(made, "Ring the college", date(2026, 6, 22))
    db.session.commit()
    due = runner.invoke(args=["reminders", "--date", "2026-06-20"])
    assert "Reminders for 2026-06-20: 1 new." in due.output and "Follow-up due: Ring the college" in due.output
    assert runner.invoke(args=["reminders", "--date", "2026-06-22"]).output.strip() == \
        "No new reminders for 2026-06-22."  # due today: still the same reminder
    overdue = runner.invoke(args=["reminders", "--date", "2026-06-23"])
    assert overdue.exit_code == 0, overdue.output
    assert "Reminders for 2026-06-23: 1 new." in overdue.output
    assert "Follow-up overdue: Ring the college" in overdue.output
    assert runner.invoke(args=["reminders", "--date", "2026-06-30"]).output.strip() == \
        "No new reminders for 2026-06-30."  # overdue is told once too


def test_a_closed_case_page_offers_no_more_work(login_as, world, make_client):
    from tests.api.helpers import new_token

    made = case(world, "School access", kind="school_access")
    services.change_status(made, "closed", closed_on=TODAY)
    db.session.commit()
    page = _plain(login_as("convenor_a1").get(f"/cases/{made.id}"))
    assert "This case is closed. Reopen it to log more on it." in page
    assert "Log the activity" not in page and "Mark done" not in page
    response = make_client().post(f"/api/v1/cases/{made.id}/activities",
                                  json={"kind": "note", "happened_on": TODAY.isoformat(), "text": "Late"},
                                  headers={"Authorization": f"Bearer {new_token(world.users.convenor_a1)}"})
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"
    assert _count(Activity) == 0


def test_the_refusal_page_links_the_case_only_for_those_who_can_see_it(login_as, world):
    reps = reps_of(world)
    r = refused_request(world, reps.a1)  # ulr_a1's own request
    dispute = services.open_dispute_case(r, world.users.convenor_a1)  # worked by the convenor
    db.session.commit()
    convenor = _text(login_as("convenor_a1").get(f"/time-off/{r.id}"))
    assert f'href="/cases/{dispute.id}"' in convenor
    ulr = login_as("ulr_a1")
    assert ulr.get(f"/cases/{dispute.id}").status_code == 404
    page = _text(ulr.get(f"/time-off/{r.id}"))
    assert f'href="/cases/{dispute.id}"' not in page and "The branch has opened a case about this refusal." in page


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_a_change_sent_without_the_version_it_read_is_refused(login_as, world, version):
    made = case(world, "Maths for Jo")
    data = {"kind": "other", "summary": "Overwritten"}
    if version is not None:
        data["version"] = version
    response = login_as("convenor_a1").submit(f"/cases/{made.id}/edit", data)
    assert response.status_code == 409
    assert _fresh(Case, made.id).summary == "Maths for Jo"
