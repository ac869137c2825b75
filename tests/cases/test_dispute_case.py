"""A dispute case opened from a refusal carries the refusal (issue 12, item 6): its summary names who
was refused and the reason given, its details say when, why, what the employer said and the tribunal
claim deadline; its due date is called "Tribunal claim deadline" on the case page, the case list, the
case form and the home page (other cases keep "Due")."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from flask import g

from ulr_app.cases import services
from ulr_app.core.templating import uk_date
from ulr_app.extensions import db
from ulr_app.timeoff import queries as time_off_queries
from ulr_app.timeoff import services as time_off
from tests.api.helpers import reps_of
from tests.cases.helpers import ago, case, learner, refused_request


@pytest.fixture(autouse=True)
def _old_regime(app, monkeypatch):
    monkeypatch.setitem(app.config, "ERA_2025_COMMENCEMENT", date(2099, 1, 1))


def _plain(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _refuse(r, reason="cover", details=None, on=None):
    g.audit_actor_label = "test set-up"
    if r.status == "draft":
        time_off.submit(r)
    time_off.record_decision(r, {"status": "refused", "decided_on": on or ago(10), "refusal_reason": reason,
                                 "refusal_details": details})
    db.session.commit()
    return r


def _release(world, who):
    g.audit_actor_label = "test set-up"
    r = time_off.create_request({"kind": "learner_release", "purpose": "course_attendance", "learner_id": who.id,
                                 "workplace_id": world.workplaces.school_a1.id, "course": "ESOL Entry 3",
                                 "starts_at": f"{ago(5).isoformat()}T09:30", "duration_hours": "3", "location": "College",
                                 "requested_on": ago(20).isoformat()}, branch=world.branches.a1)
    db.session.commit()
    return r


@pytest.mark.parametrize("reason,details,summary_tail,detail_lines", [
    ("cover", None, ". Reason given: no cover", ["Reason given: No cover."]),
    ("workload", "Term is too busy for time out.", ". Reason given: workload",
     ["Reason given: Workload.", "What the employer said: Term is too busy for time out."]),
    ("other", "The head wants it after Easter", ". Reason given: The head wants it after Easter",
     ["Reason given: Other.", "What the employer said: The head wants it after Easter"]),
])
def test_the_case_carries_the_refusal_reason_and_details(world, reason, details, summary_tail, detail_lines):
    reps = reps_of(world)
    r = refused_request(world, reps.a1, status=None)
    _refuse(r, reason, details)
    made = services.open_dispute_case(r, world.users.convenor_a1)
    db.session.commit()
    deadline = time_off_queries.state(r).tribunal_deadline
    assert made.summary == f"Refused: ULR duties (Ulr Barnet, Barnet Housing), {uk_date(ago(10))}{summary_tail}"
    lines = made.details.splitlines()
    assert lines[0] == f"The employer refused this request on {uk_date(ago(10))}."
    assert lines[1:-1] == detail_lines
    assert lines[-1] == f"Tribunal claim deadline: {uk_date(deadline)}."
    assert made.due_on == deadline


def test_a_learner_release_case_names_the_learner(world):
    sam = learner(world, "Sam Okafor")
    r = _refuse(_release(world, sam), "short_notice")
    made = services.open_dispute_case(r, world.users.convenor_a1)
    db.session.commit()
    assert made.summary.startswith("Refused: Learner release for a course (Sam Okafor, ")
    assert made.summary.endswith("Reason given: short notice") and made.learner_id == sam.id
    # no statutory deadline for a learner release: no due date, and the details do not invent one
    assert made.due_on is None and "Tribunal claim deadline" not in made.details


def test_very_long_employer_words_still_fit(world):
    r = refused_request(world, reps_of(world).a1, status=None)
    _refuse(r, "other", "word " * 999)
    made = services.open_dispute_case(r, world.users.convenor_a1)
    db.session.commit()
    assert len(made.summary) <= 300 and len(made.details) <= 5000


def test_the_form_from_a_refusal_offers_the_text_and_names_the_deadline(login_as, world):
    r = refused_request(world, reps_of(world).a1_other, status=None)
    _refuse(r, "workload", "Too busy this term")
    c = login_as("convenor_a1")
    page = c.get(f"/cases/new?kind=time_off_dispute&time_off_request_id={r.id}").get_data(as_text=True)
    assert "Reason given: workload" in html.unescape(page)
    details = html.unescape(page[page.index('name="details"'):page.index("</textarea>", page.index('name="details"'))])
    assert "Reason given: Workload." in details and "What the employer said: Too busy this term" in details
    assert re.search(r'<label class="govuk-label" for="due_on">\s*Tribunal claim deadline \(optional\)', page)
    # an ordinary case keeps "Due by"
    page = c.get("/cases/new?kind=learner_support").get_data(as_text=True)
    assert re.search(r'<label class="govuk-label" for="due_on">\s*Due by', page) and "Tribunal claim deadline" not in page


def test_the_due_date_is_called_the_tribunal_claim_deadline_where_shown(login_as, world):
    r = refused_request(world, reps_of(world).a1, status=None)
    _refuse(r, "cover")
    dispute = services.open_dispute_case(r, world.users.convenor_a1)
    other = case(world, "Survey of school staff")
    other.due_on = date.today() + timedelta(days=20)
    db.session.commit()
    deadline = uk_date(dispute.due_on)
    c = login_as("convenor_a1")
    page = _plain(c.get(f"/cases/{dispute.id}"))
    assert f"Tribunal claim deadline: {deadline}" in page and "Due:" not in page and "Due by" not in page
    assert f"Tribunal claim deadline {deadline}" in page  # the summary list row
    page = _plain(c.get(f"/cases/{other.id}"))
    assert "Due:" in page and "Due by" in page and "Tribunal claim deadline" not in page
    listing = c.get("/cases").get_data(as_text=True)
    row = listing[listing.index(f'href="/cases/{dispute.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Tribunal claim deadline:" in row and deadline in row
    row = listing[listing.index(f'href="/cases/{other.id}"'):]
    assert "Tribunal claim deadline" not in row[:row.index("</tr>")]
    # the home page: the refusal and its reminder say what the date is
    home = _plain(c.get("/"))
    assert f"Tribunal claim deadline: {deadline}" in home


def test_the_home_reminder_tag_names_the_deadline(login_as, world):
    # refused 80 days ago: the three-month deadline is within 14 days, so it is a reminder
    rep = reps_of(world).a1
    g.audit_actor_label = "test set-up"
    r = time_off.create_request({"kind": "ulr_duties", "purpose": "analysing_needs", "rep_id": rep.id,
                                 "workplace_id": rep.workplace_id, "starts_at": f"{ago(70).isoformat()}T09:30",
                                 "duration_hours": "3", "location": "Library", "requested_on": ago(90).isoformat()},
                                branch=rep.branch)
    _refuse(r, "cover", on=ago(80))
    deadline = time_off_queries.state(r).tribunal_deadline
    assert (deadline - date.today()).days <= 14
    page = login_as("convenor_a1").get("/").get_data(as_text=True)
    assert re.search(rf'<strong class="govuk-tag [^"]*">Tribunal claim deadline {re.escape(uk_date(deadline))}</strong>', page)
