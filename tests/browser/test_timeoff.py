"""A ULR requests time off on a phone and a convenor records the employer's refusal, in Chromium:
the ULR's request form (with a mistake first), sending it, the convenor's decision form, the
refusal's next steps, the tribunal deadline and how it was worked out, and the convenor's home page
listing the refusal. Every page on the way is screenshotted and checked with axe (WCAG 2.2 A and AA),
and must fit the 375 px screen."""
from __future__ import annotations

import re
from datetime import date, timedelta

from tests.browser.conftest import PHONE, fits_phone, group, loaded, sign_in, uk_day

ROLE = "timeoff-journey"  # screenshots folder


def _long(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def test_ulr_requests_time_off_and_convenor_records_a_refusal(world, app, new_page, live_server, check_page):
    from ulr_app.extensions import db
    from ulr_app.reps import services as rep_services
    from ulr_app.timeoff import queries, rules

    today = date.today()
    rep_services.create_rep({"name": "Pat Jones", "employer_id": world.employers.a1.id,
                             "workplace_id": world.workplaces.school_a1.id, "user_id": world.users.ulr_a1.id,
                             "appointed_on": (today - timedelta(days=60)).isoformat(),
                             "notice_given_on": (today - timedelta(days=60)).isoformat(), "training_route": "will_train",
                             "will_train_notice_on": (today - timedelta(days=60)).isoformat()}, branch=world.branches.a1)
    db.session.commit()
    starts = today + timedelta(days=21)

    # --- the ULR, on a phone ---
    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users.ulr_a1.email)
    loaded(phone)
    check_page(phone, ROLE, "ulr-home")
    fits_phone(phone, "ulr-home")
    phone.get_by_role("link", name="Request time off").click()
    loaded(phone)
    assert phone.locator("h1").inner_text() == "Request time off"
    check_page(phone, ROLE, "ulr-request-new")
    fits_phone(phone, "ulr-request-new")

    # one tap: the purpose, listed under its kind, decides the kind too
    group(phone, "What is the time off for?").get_by_label("Promoting the value of learning", exact=True).check()
    phone.get_by_label("Date", exact=True).fill(uk_day(starts))
    phone.get_by_label("Start time", exact=True).fill("after lunch")  # a mistake first
    phone.get_by_label("How many hours?", exact=True).fill("2.5")
    phone.get_by_label("Where?", exact=True).fill("Staff room")
    phone.get_by_label("Reason (optional)", exact=True).fill("Learning fair for support staff")
    phone.get_by_role("button", name="Save request").click()
    loaded(phone)
    summary = phone.locator(".govuk-error-summary")
    assert "Enter the start time as a time of day" in summary.inner_text()
    phone.wait_for_function("document.activeElement && document.activeElement.closest('.govuk-error-summary') !== null")
    assert phone.get_by_label("Where?", exact=True).input_value() == "Staff room"
    assert phone.get_by_label("Promoting the value of learning", exact=True).is_checked()
    check_page(phone, ROLE, "ulr-request-new-errors")
    fits_phone(phone, "ulr-request-new-errors")
    phone.get_by_label("Start time", exact=True).fill("1:30pm")
    phone.get_by_role("button", name="Save request").click()
    loaded(phone)
    assert phone.locator("h1").inner_text() == "ULR duties: Pat Jones"
    assert "Request saved as a draft" in phone.locator(".govuk-notification-banner--success").inner_text()
    request_url = phone.url
    check_page(phone, ROLE, "ulr-request-draft")
    fits_phone(phone, "ulr-request-draft")

    # one tap sends it
    phone.get_by_role("button", name="Mark as sent to the employer").click()
    loaded(phone)
    assert "Marked as sent to the employer" in phone.locator(".govuk-notification-banner--success").inner_text()
    assert phone.get_by_text("21 days").first.is_visible() and phone.get_by_text("Enough notice").is_visible()
    assert not phone.get_by_role("button", name="Mark as sent to the employer").is_visible()
    check_page(phone, ROLE, "ulr-request-sent")
    fits_phone(phone, "ulr-request-sent")
    phone.goto(live_server + "/")
    loaded(phone)
    waiting = phone.locator("#caseload-waiting")
    assert "ULR duties" in waiting.inner_text() and "Submitted" in waiting.inner_text()
    check_page(phone, ROLE, "ulr-home-waiting")

    # --- the convenor records the employer's refusal ---
    page = new_page(PHONE)
    sign_in(page, live_server, world.users.convenor_a1.email)
    page.goto(request_url)
    loaded(page)
    check_page(page, ROLE, "convenor-request")
    page.get_by_role("link", name="Record the employer's decision").click()
    loaded(page)
    check_page(page, ROLE, "convenor-decision")
    fits_phone(page, "convenor-decision")
    group(page, "What did the employer decide?").get_by_label("Refused", exact=True).check()
    page.get_by_role("button", name="Save the decision").click()  # no reason yet
    loaded(page)
    assert "Choose the reason the employer gave for refusing" in page.locator(".govuk-error-summary").inner_text()
    check_page(page, ROLE, "convenor-decision-errors")
    group(page, "The reason the employer gave").get_by_label("No cover", exact=True).check()
    page.get_by_label("Details (optional)", exact=True).fill("The head teacher says there is no cover on that afternoon.")
    page.get_by_role("button", name="Save the decision").click()
    loaded(page)
    assert page.url.endswith("#done")  # the message, just above what to do next (issue 12, item 4)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'done'")
    assert "Refused" in page.locator(".govuk-tag").first.inner_text()

    with app.app_context():
        s = queries.settings()
    deadline = rules.tribunal_deadline(kind="ulr_duties", failure_on=today, commencement_on=s["commencement_on"])
    steps = page.locator("#next-steps").inner_text()
    assert "Try to resolve it inside the employer first" in steps and "Acas early conciliation" in steps
    assert _long(deadline.last_day) in steps
    card = page.locator("#deadline")
    assert re.sub(r"\s+", " ", card.inner_text()).find(f"Last day to present a claim {_long(deadline.last_day)}") != -1
    assert "How this date was worked out" in card.inner_text()
    working = page.locator("#deadline-steps li").all_inner_texts()
    assert working == deadline.steps
    check_page(page, ROLE, "convenor-request-refused")
    fits_phone(page, "convenor-request-refused")

    # the refusal is on the convenor's home page, with its deadline
    page.get_by_role("button", name="Menu").click()  # the menu folds away on a phone
    page.get_by_role("link", name="Home", exact=True).click()
    loaded(page)
    refusals = page.locator("#open-refusals")
    assert "ULR duties: Pat Jones" in refusals.inner_text() and _long(deadline.last_day) in refusals.inner_text()
    check_page(page, ROLE, "convenor-home-refusals")
    fits_phone(page, "convenor-home-refusals")
    refusals.get_by_role("link", name=re.compile("ULR duties: Pat Jones")).click()
    loaded(page)
    assert page.url.split("#")[0] == request_url

    # the list, on the phone too: the red deadline tag only inside 14 days
    page.goto(live_server + "/time-off?status=refused")
    loaded(page)
    assert "ULR duties" in page.locator("table").inner_text()
    assert page.locator(".app-deadline-urgent").count() == (1 if (deadline.last_day - today).days <= 14 else 0)
    check_page(page, ROLE, "convenor-list-refused")
    fits_phone(page, "convenor-list-refused")


def test_time_off_pages_for_each_role(world, page, live_server, visit):
    """The list, a request (draft and refused), its edit, decision and Acas pages as each role may see them."""
    from ulr_app.extensions import db
    from ulr_app.reps import services as rep_services
    from ulr_app.timeoff import services

    today = date.today()
    rep = rep_services.create_rep({"name": "Pat Jones", "employer_id": world.employers.a1.id,
                                   "workplace_id": world.workplaces.school_a1.id, "user_id": world.users.ulr_a1.id,
                                   "appointed_on": (today - timedelta(days=30)).isoformat(), "training_route": "already_trained"},
                                  branch=world.branches.a1)
    base = {"rep_id": rep.id, "workplace_id": world.workplaces.school_a1.id, "starts_at": f"{today + timedelta(days=10)}T09:30",
            "duration_hours": "3", "location": "Library"}
    draft = services.create_request({**base, "kind": "member_access", "purpose": "accessing_ulr", "paid_requested": True},
                                    branch=world.branches.a1, created_by=world.users.ulr_a1)
    refused = services.create_request({**base, "kind": "ulr_training", "purpose": "ulr_training", "course": "ULR stage 1"},
                                      branch=world.branches.a1, created_by=world.users.ulr_a1)
    services.record_decision(refused, {"status": "refused", "decided_on": today, "refusal_reason": "short_notice"})
    learner = services.create_request({**base, "rep_id": None, "kind": "learner_release", "purpose": "course_attendance",
                                       "course": "ESOL entry 3"}, branch=world.branches.a1)
    db.session.commit()
    ids = (draft.id, refused.id, learner.id)
    for role in ("ulr_a1", "convenor_a1", "organiser_a", "admin"):
        page.context.clear_cookies()
        sign_in(page, live_server, getattr(world.users, role).email)
        pages = [("time-off", "/time-off"), ("time-off-request", f"/time-off/{ids[0]}"),
                 ("time-off-refused", f"/time-off/{ids[1]}")]
        if role != "ulr_a1":
            pages.append(("time-off-learner-release", f"/time-off/{ids[2]}"))
        if role in ("ulr_a1", "convenor_a1", "admin"):
            pages += [("time-off-new", "/time-off/new"), ("time-off-edit", f"/time-off/{ids[0]}/edit")]
        if role in ("convenor_a1", "admin"):
            pages += [("time-off-decision", f"/time-off/{ids[0]}/decision"), ("time-off-acas", f"/time-off/{ids[1]}/acas")]
        for name, path in pages:
            visit(page, role, name, path)
        if role == "admin":
            visit(page, role, "time-off-new-branch", f"/time-off/new?branch_id={world.branches.a1.id}")
