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


def _card_numbers(page: str) -> list[str]:
    import re

    block = page[page.index('<div class="app-card-grid">\n  <a class="app-card govuk-link govuk-link--no-visited-state" href="/branches"'):]
    return re.findall(r'app-card__number">([^<]+)</span>\s*([^<]+)</a>', block)[:4]


def test_your_organisation_counts_what_each_role_can_see_in_one_statement(world, login_as, count_queries):
    """The home page's four counts (branches, employers, schools, other workplaces) are each role's own
    scope, counted by one statement (issue 13: the workplaces were read twice, the country's for an
    administrator)."""
    from sqlalchemy import func, select

    from ulr_app.core.permissions import visible
    from ulr_app.home.views import organisation_counts
    from ulr_app.organisation.models import Branch, Employer, Workplace

    # a school of another region's employer: counted for the administrator only
    db.session.add(Workplace(name="Far Away Primary", kind="school", employer_id=world.employers.b1.id))
    db.session.commit()
    for key in ("admin", "organiser_a", "organiser_b", "convenor_a1", "ulr_a1"):
        user = getattr(world.users, key)

        def n(stmt):
            return db.session.scalar(select(func.count()).select_from(stmt.subquery()))

        want = (n(visible(select(Branch.id), user)), n(visible(select(Employer.id), user)),
                n(visible(select(Workplace.id), user).where(Workplace.kind == "school")),
                n(visible(select(Workplace.id), user).where(Workplace.kind != "school")))
        with count_queries() as q:
            counts, schools = organisation_counts(user)
        assert q.count == 1, key
        assert (counts["branches"], counts["employers"], schools, counts["workplaces"] - schools) == want, key
        shown = [int(number.replace(",", "")) for number, _words in _card_numbers(login_as(key).get("/").get_data(as_text=True))]
        assert shown == list(want), key
    assert want != (0, 0, 0, 0)
