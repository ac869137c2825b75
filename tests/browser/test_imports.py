"""Importing a spreadsheet in Chromium (issue 15 item 5): from the branch's page to the upload, a file with a
problem (listed by row and column), then a good file checked and imported; every page passes axe (WCAG 2.2 A/AA
and best practice) and fits a phone."""
from __future__ import annotations

from tests.browser.conftest import PHONE, fits_phone, group, loaded, sign_in
from tests.imports.helpers import csv_bytes

ROLE = "imports"  # screenshots folder
HEADER = ("reference", "name", "employer_id", "workplace_urn", "appointed_on", "training_route")


def _wait_for(page, text: str) -> None:
    for _ in range(80):  # checked in the background: look again until it is done
        if text in page.locator("main").inner_text():
            return
        page.wait_for_timeout(250)
        page.reload()
        loaded(page)
    raise AssertionError(f"never showed {text!r}: {page.locator('main').inner_text()[:500]}")


def test_import_ulrs_from_a_spreadsheet(world, new_page, live_server, check_page, tmp_path):
    from sqlalchemy import func, select

    from ulr_app.extensions import db
    from ulr_app.reps.models import Rep

    employer = world.employers.a1.id
    bad = tmp_path / "ulrs-with-a-mistake.csv"
    bad.write_bytes(csv_bytes(HEADER, [("R-1", "Ann Able", employer, "101309", "2025-01-06", "already_trained"),
                                       ("R-2", "Bob Baker", employer, "999999", "2025-01-06", "already_trained")]))
    good = tmp_path / "ulrs.csv"
    good.write_bytes(csv_bytes(HEADER, [("R-1", "Ann Able", employer, "101309", "2025-01-06", "already_trained"),
                                        ("R-2", "Bob Baker", employer, "", "2025-01-06", "already_trained")]))
    page = new_page(PHONE)
    sign_in(page, live_server, world.users.convenor_a1.email)
    page.goto(f"{live_server}/branches/{world.branches.a1.id}")
    loaded(page)
    page.get_by_role("link", name="Import learners, ULRs or agreements from a spreadsheet").click()
    loaded(page)
    assert page.locator("h1").inner_text() == "Import from a spreadsheet"
    check_page(page, ROLE, "upload")
    fits_phone(page, "upload")
    # a mistake first: the error summary names the fields
    page.get_by_role("button", name="Upload and check").click()
    loaded(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Choose what the file holds" in summary and "Choose a CSV or XLSX file to import" in summary
    check_page(page, ROLE, "upload-errors")

    group(page, "What does the file hold?").get_by_label("ULR appointments", exact=True).check()
    page.get_by_label("The file", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    loaded(page)
    _wait_for(page, "Problems found: nothing can be imported")
    problems = page.locator("#run-problems").inner_text()
    assert "workplace_urn" in problems and "There is no school with URN 999999" in problems
    assert page.get_by_role("button", name="Import these rows").count() == 0
    check_page(page, ROLE, "problems")
    fits_phone(page, "problems")

    page.get_by_role("link", name="Imports").click()
    loaded(page)
    group(page, "What does the file hold?").get_by_label("ULR appointments", exact=True).check()
    page.get_by_label("The file", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    loaded(page)
    _wait_for(page, "Checked: ready to import")
    check_page(page, ROLE, "checked")
    page.get_by_role("button", name="Import these rows").click()
    loaded(page)
    _wait_for(page, "2 new, 0 updated, 0 unchanged")
    check_page(page, ROLE, "imported")
    fits_phone(page, "imported")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Rep)) == 2
