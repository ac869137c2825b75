"""A subject access request from registration to the redacted export, in Chromium (issue 14, items 2 and 9):
the convenor records the request, sees its due date worked out, finds everything about the person, lists a
third party's name to redact, waits for the file and downloads it; every page passes axe (WCAG 2.2 A/AA and
best practice) and the register fits a phone."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

from tests.browser.conftest import PHONE, fits_phone, group, loaded, sign_in, uk_day

ROLE = "data-protection"  # screenshots folder


def test_a_subject_access_request_from_registration_to_the_redacted_export(world, new_page, live_server, check_page):
    from sqlalchemy import select

    from tests.learners.helpers import CONSENT
    from ulr_app.cases import services as case_services
    from ulr_app.dataprotection.models import SubjectAccessRequest
    from ulr_app.extensions import db
    from ulr_app.learners import services as learner_services

    learner = learner_services.create_learner({"name": "Robin Quartz", "email": "robin@example.org", **CONSENT},
                                              branch=world.branches.a1, not_duplicate=True)
    case = case_services.create_case({"kind": "learner_support", "summary": "Help with maths", "learner_id": learner.id,
                                      "opened_on": date.today().isoformat()}, world.branches.a1)
    case_services.add_activity(case, {"kind": "call", "happened_on": date.today().isoformat(),
                                      "text": "Rang Robin; her manager Jo Bloggs refused the time off"})
    db.session.commit()

    page = new_page()
    sign_in(page, live_server, world.users.convenor_a1.email)
    page.goto(f"{live_server}/subject-access-requests/new")
    loaded(page)
    check_page(page, ROLE, "new")
    # a mistake first: the error summary names the field
    page.get_by_role("button", name="Save the request").click()
    loaded(page)
    assert "Name of the person asking: Enter the name of the person who asked" in page.locator(
        ".govuk-error-summary").inner_text()
    check_page(page, ROLE, "new-errors")
    received = date.today() - timedelta(days=2)
    page.get_by_label("Name of the person asking", exact=True).fill("Robin Quartz")
    page.get_by_label("Date the request was received", exact=True).fill(uk_day(received))
    group(page, "Extension").get_by_label("No extension", exact=True).check()
    group(page, "Status").get_by_label("Open", exact=True).check()
    page.get_by_role("button", name="Save the request").click()
    loaded(page)
    db.session.expire_all()
    sar = db.session.scalars(select(SubjectAccessRequest)).one()
    assert page.locator("h1").inner_text() == "Subject access request from Robin Quartz"
    assert f"The clock starts on the day the request was received: {received.day} {received:%B %Y}." in \
        page.locator("#due-date").inner_text()
    check_page(page, ROLE, "request")

    page.get_by_role("link", name="Find everything about this person").click()
    loaded(page)
    main = page.locator("main").inner_text()
    assert "Robin Quartz" in main and "Help with maths" in main and "Jo Bloggs" in main
    check_page(page, ROLE, "find")

    page.goto(f"{live_server}/subject-access-requests/{sar.id}/export?name=Robin+Quartz&email=robin%40example.org"
              f"&learner_id={learner.id}")
    loaded(page)
    check_page(page, ROLE, "export")
    page.get_by_label("Third parties' names and details to redact (optional)", exact=True).fill("Jo Bloggs")
    page.get_by_role("button", name="Make the export").click()
    loaded(page)
    assert page.url.endswith("#exports")
    link = page.get_by_role("link", name="Download the ZIP file")
    for _ in range(40):  # the file is made in the background: reload until it is ready
        if link.count():
            break
        page.wait_for_timeout(250)
        page.reload()
        loaded(page)
    check_page(page, ROLE, "request-export-ready")
    with page.expect_download() as got:
        link.click()
    with zipfile.ZipFile(io.BytesIO(Path(got.value.path()).read_bytes())) as z:
        data = json.loads(z.read(f"subject-access-request-{sar.id}/records.json"))
        assert z.read(f"subject-access-request-{sar.id}/records.pdf").startswith(b"%PDF")
    assert [a["text"] for a in data["activities"]] == ["Rang Robin; her manager [redacted] refused the time off"]
    page.reload()
    loaded(page)
    assert page.get_by_role("link", name="Download the ZIP file").count() == 0
    assert "downloaded" in page.locator("main").inner_text()

    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users.convenor_a1.email)
    phone.goto(f"{live_server}/subject-access-requests")
    loaded(phone)
    assert "Robin Quartz" in phone.locator("main").inner_text()
    check_page(phone, ROLE, "register-phone")
    fits_phone(phone, "register-phone")
