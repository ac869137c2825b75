"""A learning needs survey answered on a 375 px phone in Chromium (issue 15 item 2): no sign-in; a mistake
first (the error summary names it); answers ticked with the keyboard; contact details with consent; the
thank-you page. Every page passes axe (WCAG 2.2 A/AA and best practice) and fits the phone's width."""
from __future__ import annotations

from sqlalchemy import select

from tests.browser.conftest import PHONE, fits_phone, group, loaded

ROLE = "surveys"  # screenshots folder


def test_a_survey_answered_on_a_phone(world, new_page, live_server, check_page):
    from tests.surveys.helpers import make_rep, make_survey
    from ulr_app.extensions import db
    from ulr_app.learners.models import Learner
    from ulr_app.surveys.models import SurveyResponse

    rep = make_rep(world, "a1", world.users.ulr_a1, name="Jo Rep")
    survey = make_survey(world, rep=rep, title="Learning at Brunswick Park")
    db.session.commit()

    page = new_page(PHONE)
    page.goto(f"{live_server}/s/{survey.token}")
    loaded(page)
    assert page.locator("h1").inner_text() == "Learning at Brunswick Park"
    assert "Signed in as" not in page.locator("body").inner_text()
    fits_phone(page, "survey")
    check_page(page, ROLE, "answer")

    # a mistake first: contact wanted, but no way to reach them
    page.get_by_label("Yes, I would like the learning rep to contact me about learning", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    loaded(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter your name, so that the learning rep knows who to ask for" in summary
    fits_phone(page, "survey with errors")
    check_page(page, ROLE, "answer-errors")

    group(page, "Where do you work?").get_by_label("Brunswick Park Primary School", exact=True).check()
    group(page, "Which of these best describes your work?").get_by_label("Site", exact=True).check()
    # with the keyboard: focus a box and press the space bar
    esol = group(page, "What kinds of learning interest you?").get_by_label("ESOL", exact=True)
    esol.focus()
    page.keyboard.press("Space")
    assert esol.is_checked()
    group(page, "What stops you, or might stop you, from learning?").get_by_label("Cover", exact=True).check()
    page.get_by_label("Anything else you would like to tell us?", exact=True).fill("Evening classes <please>")
    page.get_by_label("Your name", exact=True).fill("Sam Cook")
    page.get_by_label("Your phone number (optional if you give an e-mail address)", exact=True).fill("07700 900982")
    page.get_by_role("button", name="Send my answers").click()
    loaded(page)
    assert page.locator("h1").inner_text() == "Thank you"
    assert "Jo Rep, will get in touch" in page.locator("main").inner_text()
    fits_phone(page, "thanks")
    check_page(page, ROLE, "thanks")

    db.session.expire_all()
    response = db.session.scalars(select(SurveyResponse)).one()
    assert response.staff_category == "site" and response.comments == "Evening classes <please>"
    assert sorted((c.question, c.choice) for c in response.choices) == [("barriers", "cover"), ("course_types", "esol")]
    learner = db.session.scalars(select(Learner)).one()
    assert learner.name == "Sam Cook" and learner.rep_id == rep.id


def test_the_survey_pages_for_the_ulr(world, new_page, live_server, check_page):
    """The survey page, its results (charts) and the form to make one, as the ULR: axe clean, on a phone."""
    from tests.browser.conftest import sign_in
    from tests.surveys.helpers import answer, make_rep, make_survey
    from ulr_app.extensions import db

    rep = make_rep(world, "a1", world.users.ulr_a1, name="Jo Rep")
    survey = make_survey(world, rep=rep)
    for _ in range(6):
        answer(survey, staff_category="site", course_types=["esol"], barriers=["cover"])
    db.session.commit()
    page = new_page(PHONE)
    sign_in(page, live_server, world.users.ulr_a1.email)
    for name, path in (("list", "/surveys"), ("survey", f"/surveys/{survey.id}"), ("results", f"/surveys/{survey.id}/results"),
                       ("new", "/surveys/new"), ("close", f"/surveys/{survey.id}/status/close"),
                       ("staff-numbers", f"/surveys/{survey.id}/staff-numbers")):
        response = page.goto(live_server + path)
        assert response.status == 200, path
        loaded(page)
        fits_phone(page, name)
        check_page(page, ROLE, f"ulr-{name}")
