"""Lists that work on a phone, and long drop-downs you can search (issue 12, items 2 and 3), in Chromium.

* At 375 px every list turns each row into a small card (the cell's column name comes from its
  data-label): every list and detail page in a role crawl fits the screen, and the columns that
  matter (Stage; Status, Due, Next follow-up; Starts, Status, Tribunal deadline; ...) are on screen.
* At 1280 px the time-off list shows its tribunal deadline column without sideways scrolling.
* The long drop-downs on the learner, time-off, case and ULR forms become accessible-autocomplete
  boxes (served from /static, CSP intact, axe clean), and choosing a suggestion posts the right id.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import DESKTOP, PHONE, fits_phone, loaded, sign_in, wait_for_govuk_frontend

AUTOCOMPLETE = 'select[data-module="app-autocomplete"]'

#: list path -> the column names whose cells must be on a phone's screen
KEY_COLUMNS = {
    "/learners": ("Workplace", "ULR", "Stage"),
    "/cases": ("Kind", "Worked by", "Status", "Due", "Next follow-up"),
    "/time-off": ("ULR or learner", "Workplace", "Starts", "Hours", "Status", "Tribunal deadline"),
    "/reps": ("Employer and workplace", "Status", "Training deadline"),
    "/agreements": ("Employer", "Status", "Review date"),
    "/workplaces": ("Kind", "Type or service"),
    "/employers": ("Kind", "Schools"),
    "/branches": ("Region",),
    "/regions": ("Branches",),
}
#: detail page (crawl name) -> the column names of its card list that must be on a phone's screen
DETAIL_COLUMNS = {
    "learner": ("Status", "Dates", "On track?"),  # the enrolments, with their dates
    "case": ("Due", "State"),  # the follow-ups
}


def _records(world):
    """A ULR, a learner with a long name on a course, a refused request with its dispute case and
    follow-ups, an agreement: every list has a row, every key column a value."""
    from flask import g

    from tests.cases.helpers import case, refused_request
    from tests.learners.helpers import course, enrolment, learner, rep

    from ulr_app.agreements import services as agreements
    from ulr_app.cases import services as cases
    from ulr_app.extensions import db

    g.audit_actor_label = "test set-up"
    mine = rep(world, user=world.users.ulr_a1, name="Patricia Montgomery-Fairweather")
    sam = learner(world, name="Samantha Oluwaseun Okafor-Richardson", rep=mine)
    e = enrolment(sam, course("Phone lists: English for work"), "enrolled")
    refused = refused_request(world, mine, decided_on=date.today() - timedelta(days=3))
    dispute = cases.open_dispute_case(refused, actor=world.users.convenor_a1)
    own = case(world, "Samantha wants help with an English course and the time to do it", actor=world.users.ulr_a1,
               kind="learner_support", learner_id=sam.id, commit=False)
    cases.add_follow_up(own, "Find a Level 1 English course near the school", date.today() + timedelta(days=5))
    cases.add_follow_up(dispute, "Ring the head teacher about cover for the training day and the reply letter",
                        date.today() + timedelta(days=2))
    agreement = agreements.create_agreement({"title": "Barnet schools learning agreement",
                                             "employer_id": world.employers.a1.id, "ulr_places": 10},
                                            branch=world.branches.a1)
    db.session.commit()
    return dict(rep=mine.id, learner=sam.id, enrolment=e.id, request=refused.id, case=dispute.id, own_case=own.id,
                agreement=agreement.id)


def _crawl(world, role: str, r: dict) -> list[tuple[str, str]]:
    """(name, path) of every list and detail page ``role`` may open (all in scope)."""
    pages = [("home", "/")] + [(path.strip("/"), path) for path in KEY_COLUMNS if path != "/regions"]
    pages += [("learner", f"/learners/{r['learner']}"), ("case", f"/cases/{r['own_case' if role == 'ulr_a1' else 'case']}"),
              ("time-off-request", f"/time-off/{r['request']}"), ("rep", f"/reps/{r['rep']}"),
              ("agreement", f"/agreements/{r['agreement']}"),
              ("workplace", f"/workplaces/{world.workplaces.school_a1.id}"),
              ("employer", f"/employers/{world.employers.a1.id}"), ("branch", f"/branches/{world.branches.a1.id}")]
    if role in ("admin", "organiser_a"):
        pages += [("regions", "/regions"), ("region", f"/regions/{world.regions.a.id}")]
    return pages


def _outside(page, selector: str, width: int) -> list[str]:
    """Descriptions of the visible elements matching ``selector`` that do not lie within 0..width px."""
    return page.evaluate(
        """([selector, width]) => Array.from(document.querySelectorAll(selector))
            .filter(el => el.getClientRects().length)
            // a wide table that is not a card list scrolls inside its own focusable region
            .filter(el => !el.closest('.app-table-wrapper:not(:has(.app-table--stack))'))
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, box]) => box.left < 0 || box.right > width + 0.5)
            .map(([el, box]) => `${el.getAttribute('data-label') || el.textContent.trim().slice(0, 40)}: `
                                + `${Math.round(box.left)} to ${Math.round(box.right)} px`)""",
        [selector, width])


def _key_columns_on_screen(page, labels, name: str) -> None:
    for label in labels:
        cells = page.locator(f'td[data-label="{label}"]')
        assert cells.count() >= 1, f"{name}: no {label!r} cell"
        assert cells.first.is_visible(), f"{name}: the {label!r} cell is not shown"
        assert cells.first.inner_text().strip(), f"{name}: the {label!r} cell is empty"
        outside = _outside(page, f'td[data-label="{label}"]', PHONE["width"])
        assert not outside, f"{name}: {label!r} is off the {PHONE['width']}px screen: {outside}"


@pytest.mark.parametrize("role", ("convenor_a1", "ulr_a1", "organiser_a", "admin"))
def test_every_list_and_detail_page_fits_a_phone(world, new_page, live_server, visit, role):
    r = _records(world)
    pages = _crawl(world, role, r)
    page = new_page(PHONE)
    sign_in(page, live_server, getattr(world.users, role).email)
    for name, path in pages:
        visit(page, f"phone-lists-{role}", name, path)
        fits_phone(page, f"{role} {name}")
        # nothing in the page's tables or forms sticks out of the screen either (inside a scroller)
        outside = _outside(page, "main td, main th:not(.govuk-table__header[scope=col]), main select, main input, "
                                 "main .govuk-tag", PHONE["width"])
        assert not outside, f"{role} {name}: off the {PHONE['width']}px screen: {outside}"
        labels = KEY_COLUMNS.get(path) or DETAIL_COLUMNS.get(name, ())
        if role == "ulr_a1":  # a ULR's own lists do not repeat their name (issue 12, item 10)
            labels = tuple({"ULR or learner": "Who for"}.get(label, label) for label in labels if label != "ULR")
        _key_columns_on_screen(page, labels, f"{role} {name}")
        if path in KEY_COLUMNS:
            # the column headers are still there for screen readers, only visually hidden
            assert page.locator("table thead th").count() >= 2
            assert not page.locator("table thead").first.is_visible() or \
                page.locator("table thead").first.bounding_box()["width"] <= 1


def test_the_case_follow_ups_on_a_phone(world, new_page, live_server, visit):
    """The follow-ups table of a case: each follow-up a card with its due date, state and button."""
    r = _records(world)
    page = new_page(PHONE)
    sign_in(page, live_server, world.users.convenor_a1.email)
    visit(page, "phone-lists-convenor_a1", "case-follow-ups", f"/cases/{r['case']}")
    fits_phone(page, "case follow-ups")
    table = page.get_by_role("table", name="Follow-ups")
    rows = table.locator("tbody tr")
    assert rows.count() >= 2
    for label in ("Due", "State"):
        assert not _outside(page, f'#follow-ups ~ div td[data-label="{label}"]', PHONE["width"])
        assert table.locator(f'td[data-label="{label}"]').first.is_visible()
    button = table.get_by_role("button", name="Mark done").first
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # the column name shows before the value on the card
    due = table.locator('td[data-label="Due"]').first
    before = page.evaluate("el => getComputedStyle(el, '::before').content", due.element_handle())
    assert before == '"Due"'


def test_the_time_off_list_on_a_desktop_shows_the_tribunal_deadline(world, new_page, live_server, visit):
    r = _records(world)
    page = new_page(DESKTOP)
    sign_in(page, live_server, world.users.convenor_a1.email)
    visit(page, "desktop-lists-convenor_a1", "time-off", "/time-off")
    header = page.get_by_role("columnheader", name="Tribunal deadline")
    assert header.is_visible()
    wrapper = page.locator(".app-table-wrapper").first
    scroll, client = wrapper.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll <= client, f"the time-off table scrolls sideways at 1280px ({scroll} > {client})"
    cell = page.locator('td[data-label="Tribunal deadline"]').first
    assert cell.inner_text().strip()
    assert not _outside(page, 'td[data-label="Tribunal deadline"], th', DESKTOP["width"])
    # on a desktop it is still a table: the header row is shown, the cells sit side by side
    assert page.locator("table thead").first.is_visible()
    assert page.evaluate("() => getComputedStyle(document.querySelector('td[data-label]')).display") == "table-cell"
    assert r["request"]


# --- long drop-downs -----------------------------------------------------------------------

def _enhanced(page, field_id: str):
    """The autocomplete box that replaced the <select id=field_id> (which is now hidden, id + '-select')."""
    page.wait_for_selector(f"#{field_id}-select", state="attached", timeout=5_000)
    box = page.locator(f"input#{field_id}")
    assert box.get_attribute("role") == "combobox"
    assert not page.locator(f"select#{field_id}-select").is_visible()
    return box


def _choose(page, field_id: str, typed: str, option: str) -> None:
    box = _enhanced(page, field_id)
    box.fill(typed)
    page.locator(f"#{field_id}__listbox").get_by_role("option", name=option).first.click()
    assert box.input_value().startswith(option)


def test_long_drop_downs_are_searchable_and_post_the_right_id(world, new_page, live_server, visit, check_page):
    from sqlalchemy import select

    from tests.learners.helpers import rep as make_rep

    from ulr_app.extensions import db
    from ulr_app.learners.models import Learner
    from ulr_app.organisation import services as organisation

    r = _records(world)
    # a branch with many workplaces: the picker is long
    for n in range(60):
        organisation.create_workplace({"name": f"Filler Primary School {n:02d}", "kind": "school",
                                       "urn": str(700100 + n), "employer_id": world.employers.a1.id})
    target = organisation.create_workplace({"name": "Zebra Crossing Nursery School", "kind": "school", "urn": "700999",
                                            "employer_id": world.employers.a1.id})
    other_rep = make_rep(world, name="Quentin Second-Rep")
    db.session.commit()
    target_id, other_rep_id = target.id, other_rep.id

    page = new_page(PHONE)
    sign_in(page, live_server, world.users.convenor_a1.email)

    # an edit form starts with the saved choice in the box
    visit(page, "autocomplete", "learner-edit", f"/learners/{r['learner']}/edit")
    assert _enhanced(page, "workplace_id").input_value() == world.workplaces.school_a1.name

    # a new learner: type part of a name, pick the suggestion, save: the ids are posted
    visit(page, "autocomplete", "learner-new", "/learners/new")
    page.get_by_label("Date of consent", exact=True).fill(f"{date.today().day}/{date.today().month}/{date.today().year}")
    page.get_by_label("What the consent covers", exact=True).fill("Learning records")
    page.get_by_label("Name", exact=True).fill("Robin Autocomplete")
    _choose(page, "workplace_id", "zebra", "Zebra Crossing Nursery School")
    page.locator("#workplace_id__listbox").wait_for(state="hidden")
    check_page(page, "autocomplete", "learner-new-chosen")
    _choose(page, "rep_id", "quentin", "Quentin Second-Rep")
    assert page.locator("select#workplace_id-select").input_value() == str(target_id)
    page.get_by_role("button", name="Save learner").click()
    loaded(page)
    saved = db.session.scalar(select(Learner).where(Learner.name == "Robin Autocomplete"))
    assert saved is not None, f"the learner was not saved: {page.locator('main').inner_text()[:500]}"
    assert saved.workplace_id == target_id
    assert saved.rep_id == other_rep_id
    check_page(page, "autocomplete", "learner-saved")

    # every form with long drop-downs gets the boxes; axe stays clean with them (visit runs axe)
    for name, path, fields in [
        ("learner-new", "/learners/new", ("workplace_id", "employer_id", "rep_id")),
        ("learner-edit", f"/learners/{r['learner']}/edit", ("workplace_id", "rep_id")),
        ("case-new", "/cases/new", ("owner_id", "learner_id", "workplace_id", "agreement_id", "time_off_request_id")),
        ("case-edit", f"/cases/{r['case']}/edit", ("learner_id", "workplace_id")),
        ("rep-new", "/reps/new", ("user_id", "employer_id", "workplace_id")),
        ("rep-edit", f"/reps/{r['rep']}/edit", ("employer_id", "workplace_id")),
        ("time-off-new", "/time-off/new", ("rep_id", "workplace_id")),
    ]:
        visit(page, "autocomplete", name, path)
        for field_id in fields:
            _enhanced(page, field_id)
            # the label still names the box
            assert page.locator(f'label[for="{field_id}"]').count() == 1
        fits_phone(page, name)
        check_page(page, "autocomplete", f"{name}-enhanced")


def test_a_name_not_in_the_list_is_not_posted_as_an_earlier_choice(world, new_page, live_server, visit):
    """Typing something that matches nothing leaves no hidden earlier choice behind: the form says what
    is missing, nothing is saved, and the error summary's link leads to the box."""
    from ulr_app.extensions import db
    from ulr_app.reps.models import Rep

    r = _records(world)
    page = new_page(PHONE)
    sign_in(page, live_server, world.users.convenor_a1.email)
    visit(page, "autocomplete", "rep-edit", f"/reps/{r['rep']}/edit")
    box = _enhanced(page, "employer_id")
    assert box.input_value() == world.employers.a1.name
    box.fill("no employer is called this")
    assert page.locator("#employer_id__listbox").get_by_text("Nothing matches").is_visible()
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Save ULR").click()
    loaded(page)
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "choose the employer" in summary.inner_text().lower()
    db.session.expire_all()
    assert db.session.get(Rep, r["rep"]).employer_id == world.employers.a1.id
    # the box shows the field's error state, and the summary's link leads to it
    _enhanced(page, "employer_id")
    page.locator(".app-autocomplete--error", has=page.locator("input#employer_id")).wait_for()
    summary.locator('a[href="#employer_id"]').click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'employer_id'", timeout=5_000)
    error_id = page.locator("#employer_id-error").count() and "employer_id-error"
    if error_id:
        assert error_id in (box.get_attribute("aria-describedby") or "")
