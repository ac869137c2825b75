"""After an action the user sees its result (issue 12, item 4), on a 375 px phone and a 1280 px desktop.

Logging a contact on a long learner page, logging an activity on a case and recording an employer's
refusal each land the user on the page at the new entry: the success message sits beside it, is in
the viewport with the entry, and has the focus (so a screen reader reads it). Long sections fold
behind "Show all ..." and what people wrote comes before the record's automatic lines. Every page
is checked with axe (WCAG 2.2 A/AA and best practice) and, on the phone, must fit the screen.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    fits_phone,
    group,
    loaded,
    sign_in,
    uk_day,
)

ROLE = "working-day"  # screenshots folder


def _in_view(page, selector: str) -> bool:
    """The element's box lies inside the viewport (top and bottom on the screen)."""
    return page.evaluate("""(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }""", selector)


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _assert_result_shown(page, entry: str, words: str, message: str) -> None:
    """The page opened at the new entry: the message is inside it or just above it, both on screen, focused."""
    assert page.url.endswith("#done"), page.url
    page.wait_for_function("document.activeElement && document.activeElement.id === 'done'", timeout=5_000)
    banner = page.locator("#done")
    assert message in banner.inner_text()
    assert page.locator(".govuk-notification-banner--success").count() == 1  # not repeated at the top
    assert _focused_id(page) == "done"
    assert _in_view(page, "#done"), "the success message is off the screen"
    assert words in page.locator(entry).inner_text()
    box = page.evaluate("""(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return [r.top, window.innerHeight]; }""", entry)
    assert 0 <= box[0] < box[1], f"the new entry {entry} starts off the screen ({box})"


def _learner_with_history(world, rep_user):
    """A learner of the ULR's with eight earlier contacts and seven enrolments: a long page."""
    from tests.learners.helpers import course, enrolment, learner, rep
    from ulr_app.extensions import db
    from ulr_app.learners import services

    mine = rep(world, user=rep_user)
    sam = learner(world, rep=mine)
    today = date.today()
    for n in range(8):
        services.log_contact(sam, {"kind": "note", "happened_on": today - timedelta(days=40 - n),
                                   "text": f"Earlier note {n + 1}", "next_contact_on": None})
    for n in range(7):
        enrolment(sam, course(f"Short course {n + 1}", category="informal", subject="other", level="unlevelled"))
    db.session.commit()
    return sam


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_logging_a_contact_lands_on_the_new_entry_with_the_message_focused(world, new_page, live_server, check_page,
                                                                         viewport):
    sam = _learner_with_history(world, world.users.ulr_a1)
    page = new_page(viewport)
    sign_in(page, live_server, world.users.ulr_a1.email)
    page.goto(f"{live_server}/learners/{sam.id}")
    loaded(page)
    # long sections fold: five contacts and five enrolments show, the rest behind "Show all"
    assert page.locator("#contact-list > li").count() == 5
    more = page.locator("#contact-list-more")
    assert more.locator("summary").inner_text() == "Show all 8 contacts" and more.get_attribute("open") is None
    assert page.locator("#enrolments-more summary").inner_text() == "Show all 7 enrolments"
    # the ULR's own notes come before the record's automatic lines
    main = page.locator("main").inner_text()
    assert main.index("Earlier note 8") < main.index("Updates to the record")
    updates = page.locator("#update-list").inner_text()
    assert "Short course 7" in updates and "Earlier note" not in updates
    check_page(page, ROLE, f"learner-long-{viewport['width']}")

    form = page.locator("#log-contact")
    group(page, "Kind of contact").get_by_label("Call", exact=True).check()
    form.get_by_label("Date of the contact", exact=True).fill(uk_day(date.today()))
    form.get_by_label("What was said or done", exact=True).fill("Rang Sam: starting maths in May")
    page.get_by_role("button", name="Log the contact").click()
    loaded(page)

    from sqlalchemy import select

    from ulr_app.contacts.models import Activity
    from ulr_app.extensions import db

    db.session.expire_all()
    new = db.session.scalars(select(Activity).where(Activity.text == "Rang Sam: starting maths in May")).one()
    _assert_result_shown(page, f"#contact-{new.id}", "Rang Sam: starting maths in May", "Call logged.")
    assert page.locator("#contact-list > li").first.get_attribute("id") == f"contact-{new.id}"  # newest first
    check_page(page, ROLE, f"learner-contact-logged-{viewport['width']}")
    if viewport is PHONE:
        fits_phone(page, "learner-contact-logged")


def test_a_back_dated_contact_opens_the_folded_list_it_lands_in(world, new_page, live_server, check_page):
    sam = _learner_with_history(world, world.users.ulr_a1)
    page = new_page(PHONE)
    sign_in(page, live_server, world.users.ulr_a1.email)
    page.goto(f"{live_server}/learners/{sam.id}")
    loaded(page)
    form = page.locator("#log-contact")
    group(page, "Kind of contact").get_by_label("Visit", exact=True).check()
    form.get_by_label("Date of the contact", exact=True).fill(uk_day(date.today() - timedelta(days=60)))
    form.get_by_label("What was said or done", exact=True).fill("Visit two months ago, written up late")
    page.get_by_role("button", name="Log the contact").click()
    loaded(page)
    assert page.locator("#contact-list-more").get_attribute("open") is not None
    entry = page.locator("#contact-list-more li", has_text="Visit two months ago, written up late")
    _assert_result_shown(page, f"#{entry.get_attribute('id')}", "written up late", "Visit logged.")
    check_page(page, ROLE, "learner-contact-back-dated")
    fits_phone(page, "learner-contact-back-dated")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_logging_an_activity_on_a_case_lands_on_it(world, new_page, live_server, check_page, viewport):
    from sqlalchemy import select

    from tests.cases.helpers import case
    from ulr_app.cases import services
    from ulr_app.contacts.models import Activity
    from ulr_app.extensions import db

    made = case(world, "Cover refused for the maths course", actor=world.users.convenor_a1)
    for n in range(6):
        services.add_activity(made, {"kind": "note", "happened_on": date.today() - timedelta(days=20 - n),
                                     "text": f"Earlier step {n + 1}"})
    db.session.commit()
    page = new_page(viewport)
    sign_in(page, live_server, world.users.convenor_a1.email)
    page.goto(f"{live_server}/cases/{made.id}")
    loaded(page)
    assert page.locator("#activity-list > li").count() == 5
    page.locator("#log-activity").get_by_label("What happened", exact=True).fill("Met the head: cover agreed")
    page.get_by_role("button", name="Log the activity").click()
    loaded(page)
    db.session.expire_all()
    new = db.session.scalars(select(Activity).where(Activity.text == "Met the head: cover agreed")).one()
    _assert_result_shown(page, f"#activity-{new.id}", "Met the head: cover agreed", "Activity logged.")
    check_page(page, ROLE, f"case-activity-logged-{viewport['width']}")
    if viewport is PHONE:
        fits_phone(page, "case-activity-logged")


def test_recording_a_refusal_on_a_phone_lands_on_what_to_do_next(world, new_page, live_server, check_page):
    from tests.timeoff.test_pages import _rep, _request

    r = _request(world, _rep(world), status="submitted")
    page = new_page(PHONE)
    sign_in(page, live_server, world.users.convenor_a1.email)
    page.goto(f"{live_server}/time-off/{r.id}/decision")
    loaded(page)
    group(page, "What did the employer decide?").get_by_label("Refused", exact=True).check()
    group(page, "The reason the employer gave").get_by_label("No cover", exact=True).check()
    page.get_by_role("button", name="Save the decision").click()
    loaded(page)
    _assert_result_shown(page, "#next-steps", "What to do next", "Decision saved.")
    check_page(page, ROLE, "time-off-refused")
    fits_phone(page, "time-off-refused")
