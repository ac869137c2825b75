"""A branch convenor in Chromium: the ULR list, the new-ULR form with a mistake first (the
one-notice rule on the field), a ULR's page with the notice letter generated, facility time and
its CSV. Every page on the way is screenshotted and checked with axe (WCAG 2.2 A and AA)."""
from __future__ import annotations

import re
from datetime import date, timedelta

from tests.browser.conftest import PHONE, choose, loaded, sign_in
from ulr_app.core import periods

ROLE = "reps-journey"  # screenshots folder


def _days(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()


def test_convenor_appoints_a_ulr_and_makes_the_notice_letter(world, app, page, live_server, check_page, tmp_path):
    from ulr_app.extensions import db
    from ulr_app.reps import services

    services.create_rep({"name": "Lee Lapsed", "email": "lee@example.org", "employer_id": world.employers.a1.id,
                         "workplace_id": world.workplaces.school_a1.id, "appointed_on": _days(300),
                         "notice_given_on": _days(290), "training_route": "will_train", "will_train_notice_on": _days(290)},
                        branch=world.branches.a1)
    db.session.commit()
    sign_in(page, live_server, world.users.convenor_a1.email)

    page.get_by_role("link", name="ULRs", exact=True).click()
    loaded(page)
    assert page.get_by_text("Lapsed", exact=True).first.is_visible()
    check_page(page, ROLE, "reps")

    # the form: the same person's second "will be trained" notice is refused on the field
    page.get_by_role("link", name="Add a ULR").click()
    loaded(page)
    check_page(page, ROLE, "rep-new")
    page.get_by_label("Full name", exact=True).fill("Lee Lapsed")
    page.get_by_label("E-mail address (optional)", exact=True).fill("lee@example.org")
    choose(page, "Employer", "London Borough of Barnet")
    choose(page, "Workplace (optional)", "Barnet Housing")
    page.get_by_label("Date appointed", exact=True).fill(_days(20))
    page.get_by_label("Date the union gave the employer written notice (optional)", exact=True).fill(_days(20))
    page.get_by_label("Will be trained (within six months of the notice)", exact=True).check()
    page.get_by_label("Date of the 'will be trained' notice (optional)", exact=True).fill(_days(20))
    page.get_by_role("button", name="Save ULR").click()
    loaded(page)
    assert "only one 'will be trained' notice" in page.locator(".govuk-error-summary").inner_text()
    page.wait_for_function("document.activeElement && document.activeElement.closest('.govuk-error-summary') !== null")
    assert "only one 'will be trained' notice" in page.locator("#will_train_notice_on-error").inner_text()
    assert page.get_by_label("Full name", exact=True).input_value() == "Lee Lapsed"
    check_page(page, ROLE, "rep-new-errors")
    page.get_by_label("Full name", exact=True).fill("Sam Patel")
    page.get_by_label("E-mail address (optional)", exact=True).fill("sam.patel@example.org")
    page.get_by_role("button", name="Save ULR").click()
    loaded(page)
    assert page.locator("h1").inner_text() == "Sam Patel"
    assert "Can have paid time off: yes, until" in page.locator("#paid-time-off").inner_text()
    check_page(page, ROLE, "rep")

    # the notice letter
    page.get_by_role("button", name="Generate the notice letter").click()
    loaded(page)
    assert "Notice letter 1 generated." in page.locator(".govuk-notification-banner--success").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Notice letter 1")).click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename.endswith(".pdf") and path.read_bytes().startswith(b"%PDF-")
    check_page(page, ROLE, "rep-with-letter")

    # facility time, and its CSV
    page.get_by_role("link", name="All ULRs").click()
    loaded(page)
    page.get_by_role("link", name="Facility time", exact=True).click()
    loaded(page)
    check_page(page, ROLE, "facility-time")
    # an old link with a period that is not one: the page asks to choose from the list
    page.goto(f"{live_server}/reps/facility-time?period=Q3")
    loaded(page)
    assert "Choose the period from the list" in page.locator(".govuk-error-summary").inner_text()
    check_page(page, ROLE, "facility-time-errors")
    # the period is chosen by name (no code to type)
    year = periods.containing(date.today(), "year")
    page.get_by_label("Period", exact=True).select_option(label=f"{year.start:%B %Y} to {year.end:%B %Y}")
    page.get_by_role("button", name="Show").click()
    loaded(page)
    assert page.url.endswith(f"period={year.code}") or f"period={year.code}&" in page.url
    assert page.locator("h1").inner_text() == f"Facility time: {year.start:%B %Y} to {year.end:%B %Y}"
    csv_url = page.get_by_role("link", name=re.compile("Download as CSV")).get_attribute("href")
    answer = page.request.get(live_server + csv_url)
    assert answer.status == 200 and "Sam Patel" in answer.body().decode("utf-8-sig")


def test_rep_pages_on_a_phone(world, new_page, live_server, visit):
    from ulr_app.extensions import db
    from ulr_app.reps import services

    rep = services.create_rep({"name": "Pat Jones with a rather long name", "email": "pat@example.org",
                               "employer_id": world.employers.a1.id, "workplace_id": world.workplaces.school_a1.id,
                               "appointed_on": _days(40), "notice_given_on": _days(35), "training_route": "will_train",
                               "will_train_notice_on": _days(35)}, branch=world.branches.a1)
    db.session.commit()
    page = new_page(PHONE)
    sign_in(page, live_server, world.users.convenor_a1.email)
    for name, path in [("reps", "/reps"), ("rep", f"/reps/{rep.id}"), ("rep-edit", f"/reps/{rep.id}/edit"),
                       ("rep-stand-down", f"/reps/{rep.id}/stand-down"), ("facility-time", "/reps/facility-time")]:
        visit(page, "phone-reps", name, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"phone/{name}: the page is {width}px wide, wider than the 375px screen"
