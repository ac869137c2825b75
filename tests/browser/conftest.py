"""Browser tests: the real app served on a local port, driven by Debian's Chromium via Playwright.

One Chromium per test session, a fresh browser context (cookies, storage) per test. Every page
visited is screenshotted to tests/screenshots/<backend>/<role>/<name>.png (git-ignored) and
checked with axe-core against WCAG 2.2 A and AA. Console errors (JS errors, CSP violations) and
failed sub-resources (but for the favicon) fail the test.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Callable

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
#: axe's best-practice rules too (landmarks, one main, headings in order...): issue 12 keeps them at zero
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS + ["best-practice"]}, "resultTypes": ["violations"]}
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed  # no second complaint at teardown
    return report


# --- the app on a real port --------------------------------------------------------------

@pytest.fixture
def backend(database_url) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def live_server(app):
    """Serve ``app`` (file SQLite or PostgreSQL, so threads can share it); yield the base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # one line per request is just noise here
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    server.daemon_threads = True
    server.block_on_close = False  # keep-alive connections must not hold up shut-down
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- Chromium ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("ULR_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise
    yield browser
    browser.close()
    pw.stop()


class PageProblems:
    """Collects console errors, uncaught exceptions and failed sub-resources of one page."""

    def __init__(self):
        self.items: list[str] = []

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.items.append(f"uncaught JS error: {exc}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        # "Failed to load resource" is reported per response below, where the favicon and the
        # pages that are meant to answer 4xx (404 page, invalid form) can be told apart
        if msg.text.startswith("Failed to load resource"):
            return
        self.items.append(f"console error: {msg.text} (at {msg.location.get('url', '?')})")

    @staticmethod
    def _ignored(url: str) -> bool:
        return url.split("?")[0].endswith("/favicon.ico")

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document" and not self._ignored(response.url):
            self.items.append(f"{response.status} for {response.request.resource_type} {response.url}")

    def _failed(self, request) -> None:
        if self._ignored(request.url) or request.resource_type == "document":
            return
        if "ERR_ABORTED" in str(request.failure or "") and request.url.endswith("/static/favicon.svg"):
            return  # the browser drops its icon request when the test moves on to the next page first
        self.items.append(f"request failed: {request.url} ({request.failure})")

    def check(self, where: str = "") -> None:
        found, self.items = self.items, []
        assert not found, f"browser problems{' on ' + where if where else ''}:\n  " + "\n  ".join(found)


@pytest.fixture
def new_page(request, chromium, live_server):
    """``new_page(viewport=...)`` -> a page in a fresh context; closed (and checked) after the test."""
    opened = []

    def _new(viewport: dict = DESKTOP):
        context = chromium.new_context(viewport=viewport, base_url=live_server, locale="en-GB",
                                       device_scale_factor=1, is_mobile=viewport["width"] < 600,
                                       has_touch=viewport["width"] < 600)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.problems = PageProblems()
        page.problems.watch(page)
        opened.append((context, page))
        return page

    yield _new
    for context, page in opened:
        try:
            if not getattr(request.node, "browser_call_failed", True):
                page.problems.check("the last page")
        finally:
            context.close()


@pytest.fixture
def page(new_page):
    return new_page(DESKTOP)


@pytest.fixture
def phone_page(new_page):
    return new_page(PHONE)


# --- helpers -------------------------------------------------------------------------------

def sign_in(page, base: str, email: str, password: str | None = None) -> None:
    """Fill the real sign-in form and wait for the home page."""
    from tests.conftest import PASSWORD

    page.goto(f"{base}/sign-in")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password or PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.rstrip("/") == base, f"sign-in as {email} ended on {page.url}"
    page.get_by_text("Signed in as").wait_for()
    page.problems.check(f"sign-in as {email}")


def axe_check(page, name: str, context=None) -> None:
    """Run axe-core (WCAG 2.2 A + AA rules and axe's best practices) on the page; fail with a readable list."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context, options=AXE_OPTIONS)
    violations = results.response["violations"]
    if violations:
        lines = [f"axe: {len(violations)} violation(s) (WCAG 2.2 A/AA or best practice) on {name} ({page.url}):"]
        for v in violations:
            lines.append(f"- {v['id']} [{v.get('impact')}]: {v['help']} ({v.get('helpUrl', '')})")
            for node in v["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                summary = (node.get("failureSummary") or "").replace("\n", " ")
                lines.append(f"    {target}: {summary}")
        pytest.fail("\n".join(lines), pytrace=False)


def wait_for_govuk_frontend(page) -> None:
    """app.js (a module script, so CSP and the module graph both matter) has run initAll()."""
    page.wait_for_function(
        "document.querySelector('[data-module=\"govuk-skip-link\"]')?.hasAttribute('data-govuk-skip-link-init')",
        timeout=5_000)


def loaded(page) -> None:
    """The page has loaded and GOV.UK Frontend has started on it."""
    page.wait_for_load_state("load")
    wait_for_govuk_frontend(page)


def group(page, legend: str):
    """The fieldset (radios, checkboxes, a date) with this legend."""
    return page.get_by_role("group", name=legend, exact=True)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in a searchable drop-down (a select enhanced by js/autocomplete.js): type it
    into the box labelled ``label`` and take the first suggestion that contains it."""
    box = page.get_by_role("combobox", name=label, exact=True).and_(page.locator("input"))
    box.fill(option)
    page.locator(f"#{box.get_attribute('id')}__listbox").get_by_role("option", name=option).first.click()


def fits_phone(page, name: str) -> None:
    """Nothing on the page is wider than the 375 px phone screen (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width}px wide, wider than the {PHONE['width']}px screen"


def uk_day(d) -> str:
    """A date as the forms write it and people type it: 31 3 2026 (the one format, issue 12)."""
    return f"{d.day} {d.month} {d.year}"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def screenshot(page, backend: str, role: str, name: str) -> Path:
    path = SCREENSHOTS / _safe(backend) / _safe(role) / f"{_safe(name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def check_page(backend) -> Callable:
    """``check_page(page, role, name)``: screenshot, axe and console check of the page as it is now."""

    def _check(page, role: str, name: str) -> None:
        screenshot(page, backend, role, name)
        axe_check(page, f"{role}/{name}")
        page.problems.check(f"{role}/{name} ({page.url})")

    return _check


@pytest.fixture
def visit(live_server, check_page) -> Callable:
    """``visit(page, role, name, path)``: open a page, check its status and heading, then check_page."""

    def _visit(page, role: str, name: str, path: str, *, status: int = 200, heading: str | None = None):
        response = page.goto(live_server + path)
        assert response is not None and response.status == status, (
            f"{role} {name}: GET {path} answered {response.status if response else None}, want {status}")
        wait_for_govuk_frontend(page)
        if heading is not None:
            h1 = page.locator("h1").first.inner_text()
            assert heading in h1, f"{role} {name}: heading {h1!r} lacks {heading!r}"
        check_page(page, role, name)
        return response

    return _visit
