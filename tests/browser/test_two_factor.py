"""Two-factor sign-in in Chromium: a convenor (whose role must use it) is sent to set it up after the
password, scans nothing but reads the key shown on the page (the QR code is an inline SVG drawn by the
app), turns it on with a code computed from that key, keeps the recovery codes, signs out and back in
with a code. A ULR sets it up from their account page on a 375 px phone screen. Every page on the way
is screenshotted and checked with axe (WCAG 2.2 A and AA)."""
from __future__ import annotations

import time

import pyotp

from tests.browser.conftest import fits_phone, loaded
from tests.conftest import PASSWORD

ROLE = "two-factor"  # screenshots folder


def _password_step(page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    loaded(page)


def _set_up(page, check_page, name: str) -> str:
    """On the set-up page: read the key, type the app's code, keep the recovery codes; the key."""
    assert page.locator("figure#qr-code svg path").count() > 0  # the QR code, drawn inline
    check_page(page, ROLE, f"{name}-set-up")
    secret = page.locator("#setup-key").inner_text().replace(" ", "").strip()
    page.get_by_label("Code from your authenticator app", exact=True).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    loaded(page)
    assert page.get_by_role("heading", name="Two-factor sign-in is on").is_visible()
    assert page.locator("#recovery-codes li").count() == 10
    check_page(page, ROLE, f"{name}-recovery-codes")
    page.get_by_role("link", name="I have saved my codes, carry on").click()
    loaded(page)
    return secret


def _sign_out_and_in_with_a_code(page, base: str, email: str, secret: str, check_page, name: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    loaded(page)
    _password_step(page, base, email)
    assert page.url.endswith("/sign-in/code")
    check_page(page, ROLE, f"{name}-code")
    # the set-up used this 30 seconds' code; a code works once, so the app's next one is typed
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).at(time.time() + 30))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    loaded(page)
    assert page.url.rstrip("/") == base
    page.get_by_text("Signed in as").wait_for()


def test_a_convenor_must_set_it_up_then_signs_in_with_a_code(world, app, page, live_server, check_page, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", ("admin", "regional_organiser", "branch_convenor"))
    email = world.users.convenor_a1.email
    _password_step(page, live_server, email)
    assert page.url.endswith("/profile/two-factor/set-up")
    page.goto(f"{live_server}/learners")  # nothing else opens until it is set up
    loaded(page)
    assert page.url.endswith("/profile/two-factor/set-up")
    secret = _set_up(page, check_page, "convenor")
    page.goto(f"{live_server}/learners")
    loaded(page)
    assert page.url.endswith("/learners")
    _sign_out_and_in_with_a_code(page, live_server, email, secret, check_page, "convenor")


def test_a_ulr_sets_it_up_on_a_phone(world, app, phone_page, live_server, check_page):
    page = phone_page
    email = world.users.ulr_a1.email
    _password_step(page, live_server, email)
    assert page.url.rstrip("/") == live_server  # optional for ULRs: straight in
    page.goto(f"{live_server}/profile")
    loaded(page)
    check_page(page, ROLE, "ulr-profile-phone")
    fits_phone(page, "profile")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    loaded(page)
    fits_phone(page, "set-up")
    secret = _set_up(page, check_page, "ulr-phone")
    fits_phone(page, "after set-up")
    page.goto(f"{live_server}/profile/two-factor")
    loaded(page)
    check_page(page, ROLE, "ulr-two-factor-phone")
    fits_phone(page, "two-factor page")
    _sign_out_and_in_with_a_code(page, live_server, email, secret, check_page, "ulr-phone")
    fits_phone(page, "home after the code")
