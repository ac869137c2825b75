"""The learner list's workplace and ULR filters are typed boxes that suggest names from the server as
you type (js/search-box.js, /workplaces/search.json, /reps/search.json): no drop-down of every
workplace or ULR in the country. Keyboard and axe checked; without a choice the typed words filter."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, fits_phone, loaded, sign_in

pytestmark = pytest.mark.browser


def test_the_learner_list_suggests_workplaces_and_ulrs_as_you_type(world, new_page, live_server, visit, check_page):
    from tests.learners.helpers import learner, rep
    from ulr_app.extensions import db
    from ulr_app.organisation import services as organisation

    for n in range(30):
        organisation.create_workplace({"name": f"Filler Primary School {n:02d}", "kind": "school",
                                       "urn": str(700100 + n), "employer_id": world.employers.a1.id})
    zebra = organisation.create_workplace({"name": "Zebra Crossing Nursery School", "kind": "school",
                                           "urn": "700999", "employer_id": world.employers.a1.id})
    db.session.commit()
    quentin = rep(world, name="Quentin Second-Rep")
    at_zebra = learner(world, name="Robin Zebra", workplace="school_a1", rep=quentin)
    at_zebra.workplace_id = zebra.id
    learner(world, name="Sam Elsewhere", workplace="service_a1")
    db.session.commit()

    page = new_page(PHONE)
    sign_in(page, live_server, world.users.admin.email)
    visit(page, "search-boxes", "learners", "/learners")
    box = page.get_by_role("combobox", name="Workplace", exact=True)
    box.wait_for()
    box.press_sequentially("zebra", delay=30)
    option = page.locator("#workplace__listbox").get_by_role("option", name="Zebra Crossing Nursery School")
    option.wait_for()
    check_page(page, "search-boxes", "learners-suggesting")
    page.keyboard.press("ArrowDown")  # the keyboard alone: down to the suggestion, Enter takes it
    page.keyboard.press("Enter")
    assert box.input_value() == "Zebra Crossing Nursery School"
    ulr = page.get_by_role("combobox", name="ULR", exact=True)
    ulr.press_sequentially("quen", delay=30)
    page.locator("#rep__listbox").get_by_role("option", name="Quentin Second-Rep").click()
    page.get_by_role("button", name="Filter").click()
    loaded(page)
    table = page.locator("main table")
    assert "Robin Zebra" in table.inner_text() and "Sam Elsewhere" not in table.inner_text()
    assert "workplace=Zebra+Crossing+Nursery+School" in page.url and "rep=Quentin+Second-Rep" in page.url
    fits_phone(page, "learners filtered")
    check_page(page, "search-boxes", "learners-filtered")
