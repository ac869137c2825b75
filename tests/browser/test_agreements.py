"""A branch convenor makes a learning agreement from scratch in Chromium: the form (with a
mistake first), the status changes with their confirmation, named schools, ULR places, schools
coverage and its CSV, the draft document and its PDF, the signed copy. Every page on the way is
screenshotted and checked with axe (WCAG 2.2 A and AA)."""
from __future__ import annotations

import re

from tests.browser.conftest import PHONE, group, loaded, sign_in

ROLE = "agreement-journey"  # screenshots folder (the per-role walk has convenor_a1/)


def _status(page, check_page, target: str, *, errors: bool = False, shot: str = "") -> None:
    page.get_by_role("link", name="Change status").first.click()
    loaded(page)
    if shot:
        check_page(page, ROLE, shot)
    group(page, "What is its status now?").get_by_label(target, exact=True).check()
    page.get_by_label("Note for the timeline (optional)", exact=True).fill(f"Moved to {target.lower()} in the browser test")
    page.get_by_role("button", name="Continue").click()
    loaded(page)
    if errors:
        return
    assert page.locator("h1").inner_text().endswith(f"as {target.lower()}?")
    if shot:
        check_page(page, ROLE, shot + "-confirm")
    page.get_by_role("button", name=f"Yes, mark it {target.lower()}").click()
    loaded(page)
    assert f"is now {target.lower()}" in page.locator(".govuk-notification-banner--success").inner_text()


def test_convenor_makes_an_agreement_from_scratch(world, app, page, live_server, check_page, tmp_path):
    from ulr_app.extensions import db
    from ulr_app.organisation import services as org

    org.create_workplace({"employer_id": world.employers.a1.id, "name": "Barnet Hill Academy", "kind": "school",
                          "urn": 136100, "establishment_type": "Academy converter", "phase": "Secondary"})
    org.create_workplace({"employer_id": world.employers.a1.id, "name": "St Agnes RC Primary", "kind": "school",
                          "urn": 101350, "establishment_type": "Voluntary aided school", "phase": "Primary"})
    db.session.commit()
    sign_in(page, live_server, world.users.convenor_a1.email)

    # the list, empty
    page.get_by_role("link", name="Agreements", exact=True).click()
    loaded(page)
    assert page.get_by_text("There are no learning agreements yet.").is_visible()
    check_page(page, ROLE, "agreements-empty")

    # the form: a mistake first, then right
    page.get_by_role("link", name="Add an agreement").click()
    loaded(page)
    check_page(page, ROLE, "agreement-new")
    page.get_by_label("Title", exact=True).fill("Barnet learning partnership 2026")
    page.get_by_label("Employer", exact=True).select_option(label="London Borough of Barnet")
    group(page, "What does it say about schools?").get_by_label("Schools included", exact=True).check()
    page.get_by_label("Number of ULR places (optional)", exact=True).fill("twelve")
    page.get_by_label("Other unions party to the agreement (optional)", exact=True).fill("GMB, Unite")
    page.get_by_role("button", name="Save agreement").click()
    loaded(page)
    summary = page.locator(".govuk-error-summary")
    assert "Enter a whole number from 0 to 500" in summary.inner_text()
    page.wait_for_function("document.activeElement && document.activeElement.closest('.govuk-error-summary') !== null")
    assert page.get_by_label("Other unions party to the agreement (optional)", exact=True).input_value() == "GMB, Unite"
    check_page(page, ROLE, "agreement-new-errors")
    page.get_by_label("Number of ULR places (optional)", exact=True).fill("12")
    group(page, "Is there a joint learning partnership group or committee?").get_by_label("Yes", exact=True).check()
    page.get_by_label("Employer members of the group (optional)", exact=True).fill("4")
    page.get_by_label("Union members of the group (optional)", exact=True).fill("4")
    group(page, "Facilities for ULRs").get_by_label("A private room", exact=True).check()
    group(page, "Facilities for ULRs").get_by_label("E-mail", exact=True).check()
    page.get_by_role("button", name="Save agreement").click()
    loaded(page)
    assert page.locator("h1").inner_text() == "Barnet learning partnership 2026"
    assert "created as a draft" in page.locator(".govuk-notification-banner--success").inner_text()
    agreement_url = page.url
    check_page(page, ROLE, "agreement")

    # negotiating; then signing fails until the signatures and dates are recorded
    _status(page, check_page, "Negotiating", shot="agreement-status")
    _status(page, check_page, "Signed", errors=True)
    summary = page.locator(".govuk-error-summary")
    assert "Enter who signed for the employer" in summary.inner_text()
    check_page(page, ROLE, "agreement-status-errors")
    summary.get_by_role("link", name="Enter who signed for the employer").click()
    loaded(page)
    assert page.url.endswith("/edit#employer_signatory")
    check_page(page, ROLE, "agreement-edit")
    page.get_by_label("Signed for the employer by", exact=True).fill("Chief Executive")
    page.get_by_label("Signed for the union by", exact=True).fill("Branch Secretary")
    page.get_by_label("Date signed", exact=True).fill("1/3/2026")
    page.get_by_label("Review date", exact=True).fill("2027-03-01")
    page.get_by_role("button", name="Save agreement").click()
    loaded(page)
    assert page.url.split("#")[0] == agreement_url  # (the browser keeps the #fragment through the redirect)
    _status(page, check_page, "Signed")
    assert "Signed" in page.locator(".govuk-tag").first.inner_text()

    # named schools: the academy is named in
    page.get_by_role("link", name="Name schools in or out").click()
    loaded(page)
    check_page(page, ROLE, "agreement-schools")
    group(page, "Named in (covered)").get_by_label("Barnet Hill Academy", exact=True).check()
    page.get_by_role("button", name="Save named schools").click()
    loaded(page)
    assert "Named schools saved." in page.locator(".govuk-notification-banner--success").inner_text()

    # ULR places and learners' time
    page.get_by_role("link", name="Change ULR places by service and learners' time by course type").click()
    loaded(page)
    check_page(page, ROLE, "agreement-places")
    page.get_by_label("Service or directorate 1", exact=True).fill("Housing")
    page.get_by_label("ULR places for service 1", exact=True).fill("2")
    page.get_by_label("ESOL", exact=True).select_option(label="Paid time off")
    page.get_by_role("button", name="Save ULR places and learners' time").click()
    loaded(page)
    assert page.get_by_text("Housing: 2").is_visible()

    # coverage, and the CSV
    page.get_by_role("link", name=re.compile(r"See each of the 3 schools")).click()
    loaded(page)
    check_page(page, ROLE, "agreement-coverage")
    assert page.get_by_text("Named in the agreement; the academy trust employs the staff").is_visible()
    csv_url = page.get_by_role("link", name=re.compile("Download as CSV")).get_attribute("href")
    answer = page.request.get(live_server + csv_url)
    assert answer.status == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "Barnet Hill Academy" in answer.body().decode("utf-8-sig")

    # the draft and its PDF
    page.goto(agreement_url)
    loaded(page)
    # a signed agreement's document is not called a draft (issue 12)
    page.get_by_role("link", name=re.compile("^(Draft document|Agreement document)$")).click()
    loaded(page)
    check_page(page, ROLE, "agreement-draft")
    # the PDF is made in the background (issue 10): the job's page shows progress, then the download
    page.get_by_role("button", name=re.compile("^(Generate PDF|Generate a copy as a PDF)$")).click()
    loaded(page)
    assert re.search(r"/jobs/\d+$", page.url), page.url
    download_link = page.locator("#job-download")
    download_link.wait_for(state="visible", timeout=60_000)
    check_page(page, ROLE, "agreement-pdf-job")
    assert page.get_by_role("link", name=re.compile("^Back to ")).get_attribute("href") == agreement_url.replace(live_server, "")
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    assert download.suggested_filename.endswith(".pdf")
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    answer = page.request.get(download.url)
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("attachment")

    # the signed copy (the generated PDF will do)
    page.goto(agreement_url)
    loaded(page)
    page.get_by_role("link", name="Upload the signed copy").click()
    loaded(page)
    check_page(page, ROLE, "agreement-upload")
    page.get_by_label("Signed copy (PDF)", exact=True).set_input_files(str(pdf_path))
    page.get_by_role("button", name="Upload signed copy").click()
    loaded(page)
    assert page.get_by_role("link", name=re.compile("Signed copy 1")).is_visible()
    assert page.get_by_role("link", name=re.compile("Draft 1|Copy 1")).is_visible()
    assert page.get_by_text("Status changed from negotiating to signed").first.is_visible()
    check_page(page, ROLE, "agreement-complete")

    # the list now counts it among those that include schools
    page.get_by_role("link", name="Agreements", exact=True).click()
    loaded(page)
    card = page.locator(".app-card").first
    assert re.sub(r"\s+", " ", card.inner_text()).startswith("1 include schools")
    card.click()
    loaded(page)
    assert "schools_scope=included" in page.url
    check_page(page, ROLE, "agreements")


def test_agreement_pages_on_a_phone(world, new_page, live_server, visit):
    from ulr_app.agreements import services
    from ulr_app.extensions import db

    from datetime import datetime, timedelta, timezone

    a = services.create_agreement({"title": "Barnet learning agreement with a rather long title for a phone",
                                   "employer_id": world.employers.a1.id}, branch=world.branches.a1)
    a.last_activity_at = datetime.now(timezone.utc) - timedelta(days=120)  # a draft nobody has touched: a reminder
    db.session.commit()
    page = new_page(PHONE)
    sign_in(page, live_server, world.users.convenor_a1.email)
    for name, path in [("home-reminders", "/"), ("agreements", "/agreements"), ("agreement", f"/agreements/{a.id}"),
                       ("agreement-edit", f"/agreements/{a.id}/edit"), ("agreement-coverage", f"/agreements/{a.id}/coverage"),
                       ("agreement-places", f"/agreements/{a.id}/places"), ("agreement-schools", f"/agreements/{a.id}/schools")]:
        visit(page, "phone", name, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"phone/{name}: the page is {width}px wide, wider than the 375px screen"
        if name == "home-reminders":
            # what needs doing comes first on the phone: the draft, linked, and what is wrong with it (issue 12)
            assert page.get_by_text(re.compile("has not been touched for 120 days")).is_visible()
            assert page.locator("#needs-doing").get_by_role("link", name=a.title).is_visible()
