"""Every page built so far, as anonymous and as each role, in Chromium: screenshot + axe + console.

One test per role signs in through the real form and walks all the GET pages that role may use
(see tests/test_permissions.py EXPECTED); a few journeys check behaviour that only a browser
shows: focus moving to the error summary, empty search results, signing out, the phone layout.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in, wait_for_govuk_frontend

ROLES = ("admin", "organiser_a", "convenor_a1", "ulr_a1")

#: the records each role looks at: all inside its scope (as in tests/test_permissions.py)
RECORDS = {
    "admin": dict(region="a", branch="a1", employer="a1", workplace="school_a1"),
    "organiser_a": dict(region="a", branch="a2", employer="a2", workplace="school_a2"),
    "convenor_a1": dict(region="a", branch="a1", employer="a1", workplace="school_a1"),
    "ulr_a1": dict(region="a", branch="a1", employer="a1", workplace="service_a1"),
}


def _agreement(world, branch: str, employer: str) -> int:
    """A learning agreement in the role's scope (silent on schools, so the warning shows too)."""
    from ulr_app.agreements import services
    from ulr_app.extensions import db

    b = getattr(world.branches, branch)
    a = services.create_agreement({"title": f"{b.name} learning agreement", "employer_id": getattr(world.employers, employer).id,
                                   "ulr_places": 10}, branch=b)
    db.session.commit()
    return a.id


def _pages_for(world, role: str) -> list[tuple[str, str]]:
    """(screenshot name, path) for every GET page ``role`` may use, with in-scope records."""
    r = RECORDS[role]
    region = getattr(world.regions, r["region"]).id
    branch = getattr(world.branches, r["branch"]).id
    employer = getattr(world.employers, r["employer"]).id
    workplace = getattr(world.workplaces, r["workplace"]).id
    agreement = _agreement(world, r["branch"], r["employer"])
    pages = [
        ("home", "/"),
        ("regions", "/regions"),
        ("region", f"/regions/{region}"),
        ("branches", "/branches"),
        ("branch", f"/branches/{branch}"),
        ("employers", "/employers"),
        ("employer", f"/employers/{employer}"),
        ("workplaces", "/workplaces"),
        ("workplace", f"/workplaces/{workplace}"),
        ("profile", "/profile"),
        ("agreements", "/agreements"),
        ("agreement", f"/agreements/{agreement}"),
        ("agreement-coverage", f"/agreements/{agreement}/coverage"),
        ("agreement-draft", f"/agreements/{agreement}/draft"),
    ]
    if role in ("admin", "convenor_a1"):
        pages += [
            ("agreement-new", "/agreements/new"),
            ("agreement-edit", f"/agreements/{agreement}/edit"),
            ("agreement-status", f"/agreements/{agreement}/status"),
            ("agreement-schools", f"/agreements/{agreement}/schools"),
            ("agreement-places", f"/agreements/{agreement}/places"),
            ("agreement-upload", f"/agreements/{agreement}/signed-copy"),
            ("employer-new", "/employers/new"),
            ("employer-edit", f"/employers/{employer}/edit"),
            ("workplace-new", "/workplaces/new"),
            ("workplace-edit", f"/workplaces/{workplace}/edit"),
        ]
    if role == "admin":
        user = world.users.ulr_b1.id
        pages += [
            ("branch-new", "/branches/new"),
            ("branch-edit", f"/branches/{branch}/edit"),
            ("users", "/admin/users"),
            ("user", f"/admin/users/{user}"),
            ("user-new", "/admin/users/new"),
            ("user-edit", f"/admin/users/{user}/edit"),
            ("user-disable", f"/admin/users/{user}/disable"),
            ("user-reset-password", f"/admin/users/{user}/reset-password"),
            ("audit-log", "/admin/audit"),
        ]
    return pages


def test_anonymous_pages(page, visit):
    visit(page, "anonymous", "sign-in", "/sign-in", heading="Sign in")
    visit(page, "anonymous", "not-found", "/no-such-page", status=404, heading="Page not found")
    # a protected page sends an anonymous visitor to sign in
    page.goto("/employers")
    assert "/sign-in" in page.url


@pytest.mark.parametrize("role", ROLES)
def test_every_page_as_role(world, page, live_server, visit, role):
    email = getattr(world.users, role).email
    pages = _pages_for(world, role)  # read the records now, in the test's own app context
    sign_in(page, live_server, email)
    for name, path in pages:
        visit(page, role, name, path)
    # an out-of-scope (or missing) record shows the 404 page, with the navigation around it
    visit(page, role, "not-found", "/branches/999999", status=404, heading="Page not found")


def _assert_focus_in_error_summary(page) -> None:
    page.wait_for_function("document.activeElement && document.activeElement.closest('.govuk-error-summary') !== null",
                           timeout=5_000)


def test_form_errors_move_focus_to_the_summary(world, page, live_server, visit, check_page):
    # the sign-in form, sent empty
    visit(page, "anonymous", "sign-in", "/sign-in")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    wait_for_govuk_frontend(page)
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "There is a problem" in summary.inner_text()
    _assert_focus_in_error_summary(page)
    assert page.title().startswith("Error: ")
    check_page(page, "anonymous", "sign-in-errors")

    # a bigger form, sent empty by an admin; the summary's links lead to the fields
    sign_in(page, live_server, world.users.admin.email)
    visit(page, "admin", "employer-new", "/employers/new")
    page.get_by_label("Employer name").fill("")
    page.get_by_role("button", name="Save employer").click()
    page.wait_for_load_state("load")
    wait_for_govuk_frontend(page)
    summary = page.locator(".govuk-error-summary")
    assert "Enter the employer's name" in summary.inner_text()
    assert page.locator(".govuk-error-message").count() >= 2
    _assert_focus_in_error_summary(page)
    check_page(page, "admin", "employer-new-errors")
    summary.get_by_role("link", name="Enter the employer's name").click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'name'", timeout=5_000)
    page.problems.check("form errors")


def test_search_without_results_and_sign_out(world, page, live_server, visit, check_page):
    sign_in(page, live_server, world.users.ulr_a1.email)
    visit(page, "ulr_a1", "employers", "/employers")
    page.get_by_role("searchbox", name="Search employers").fill("no employer is called this")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state("load")
    assert "q=no+employer" in page.url
    assert page.get_by_text("No employers match your search.").is_visible()
    check_page(page, "ulr_a1", "employers-no-results")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    assert "/sign-in" in page.url
    assert page.get_by_text("You have signed out.").is_visible()
    check_page(page, "anonymous", "signed-out")
    # the session really ended: a page that needs sign-in goes back to the form
    page.goto("/employers")
    assert "/sign-in" in page.url
    page.problems.check("sign out")


def test_phone_layout(world, phone_page, live_server, visit, check_page):
    page = phone_page
    visit(page, "phone", "sign-in", "/sign-in")
    sign_in(page, live_server, world.users.admin.email)
    workplace = world.workplaces.school_a1.id
    for name, path in [("home", "/"), ("workplaces", "/workplaces"), ("workplace", f"/workplaces/{workplace}"),
                       ("users", "/admin/users"), ("employer-new", "/employers/new")]:
        visit(page, "phone", name, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"phone/{name}: the page is {width}px wide, wider than the 375px screen"
    # the navigation collapses behind a Menu button that opens it
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible()
    assert not page.get_by_role("link", name="Audit log").is_visible()
    menu.click()
    assert page.get_by_role("link", name="Audit log").is_visible()
    check_page(page, "phone", "menu-open")
