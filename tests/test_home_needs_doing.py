"""A convenor's home page lists what `flask reminders` tells their branch about, from the same
sources, grouped in the order the work is done, each linking to its record; nothing of other branches."""
from __future__ import annotations

from datetime import date, timedelta

from ulr_app.contacts.models import FollowUp
from ulr_app.core import reminders
from ulr_app.extensions import db
from tests.reports import helpers as h


def test_the_home_page_and_flask_reminders_tell_the_same_things(world, login_as, runner):
    today = date.today()
    sam = h.learner(world, name="Sam Followup")
    db.session.add(FollowUp(learner_id=sam.id, title="Check on the course", due_on=today - timedelta(days=3)))
    h.rep(world, name="Pat Training", training_route="will_train",
          will_train_notice_on=today - timedelta(days=170))
    h.agreement(world, status="signed", signed_on=today - timedelta(days=300), title="Barnet partnership")
    db.session.commit()
    # another branch's reminder is not shown
    h.rep(world, branch="a2", workplace="school_a2", name="Camden Trainee", training_route="will_train",
          will_train_notice_on=today - timedelta(days=170))
    mine = reminders.due(today, [world.branches.a1.id])
    assert {n.kind for n in mine} >= {"follow_up_overdue", "training_deadline"}
    page = login_as("convenor_a1").get("/").get_data(as_text=True)
    for n in mine:
        assert n.subject.replace("'", "&#39;") in page, n.subject
    assert "Camden Trainee" not in page
    assert page.index("Overdue follow-ups") < page.index("ULR training deadlines") < page.index("Your organisation")
    assert f'href="/learners/{sam.id}"' in page
    output = runner.invoke(args=["reminders", "--dry-run"]).output
    for n in mine:
        assert n.subject in output, n.subject
    organiser = login_as("organiser_a").get("/").get_data(as_text=True)
    assert "Pat Training" in organiser and "Camden Trainee" in organiser
    assert "Pat Training" not in login_as("organiser_b").get("/").get_data(as_text=True)
