"""Erasing a learner in Chromium (issue 14 item 3): the convenor opens the erasure from the learner's page,
finds it refused under a legal hold with the reason shown, lifts the hold, erases, and sees the record say it
was erased with no way to edit it; every page passes axe (WCAG 2.2 A/AA and best practice) and the
confirmation fits a phone."""
from __future__ import annotations

from datetime import date

from tests.browser.conftest import PHONE, fits_phone, loaded, sign_in

ROLE = "erasure"  # screenshots folder
NAME = "Quinn Abernathy-Lowe"


def test_an_erasure_refused_under_legal_hold_then_done(world, new_page, live_server, check_page):
    from tests.learners.helpers import CONSENT
    from ulr_app.extensions import db
    from ulr_app.learners import services as learner_services
    from ulr_app.learners.models import Learner

    learner = learner_services.create_learner(
        {"name": NAME, "email": "quinn@example.org", "workplace_id": world.workplaces.school_a1.id,
         "legal_hold_reason": "Live employment tribunal claim", **CONSENT},
        branch=world.branches.a1, not_duplicate=True)
    db.session.commit()

    page = new_page()
    sign_in(page, live_server, world.users.convenor_a1.email)
    page.goto(f"{live_server}/learners/{learner.id}")
    loaded(page)
    page.get_by_role("link", name="Erase this learner").click()
    loaded(page)
    assert page.locator("h1").inner_text() == "Erase this learner?"
    held = page.locator("#legal-hold").inner_text()
    assert "A legal hold applies: Live employment tribunal claim" in held
    assert page.get_by_role("button", name="Erase this learner").count() == 0  # refused while held
    check_page(page, ROLE, "held")

    # the hold is lifted on the learner's details (the matter is over)
    page.goto(f"{live_server}/learners/{learner.id}/edit")
    loaded(page)
    page.get_by_label("Legal hold (optional)", exact=True).fill("")
    page.get_by_role("button", name="Save changes").click()
    loaded(page)
    page.get_by_role("link", name="Erase this learner").click()
    loaded(page)
    assert page.locator("#legal-hold").count() == 0
    assert "equality monitoring" in page.locator("#cleared").inner_text()
    check_page(page, ROLE, "confirm")

    # a mistake first: the error summary names what is missing
    page.get_by_role("button", name="Erase this learner").click()
    loaded(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter why this learner is being erased" in summary
    assert "Tick the box to confirm that this cannot be undone" in summary
    check_page(page, ROLE, "confirm-errors")
    page.get_by_label("Why is this record being erased?", exact=True).fill("The person asked us to erase their data")
    page.get_by_label("I understand that this cannot be undone", exact=True).check()
    page.get_by_role("button", name="Erase this learner").click()
    loaded(page)
    main = page.locator("main").inner_text()
    today = date.today()
    assert f"This record was erased on {today.day} {today:%B %Y}" in main
    assert page.locator("h1").inner_text() == f"Erased learner #{learner.id}"
    assert NAME not in page.content()
    assert page.get_by_role("link", name="Change the details").count() == 0
    check_page(page, ROLE, "erased")
    db.session.expire_all()
    assert db.session.get(Learner, learner.id).email is None

    other = learner_services.create_learner({"name": "Sam Phone", "workplace_id": world.workplaces.school_a1.id,
                                             **CONSENT}, branch=world.branches.a1, not_duplicate=True)
    db.session.commit()
    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users.convenor_a1.email)
    phone.goto(f"{live_server}/learners/{other.id}/erase")
    loaded(phone)
    check_page(phone, ROLE, "confirm-phone")
    fits_phone(phone, "confirm-phone")
