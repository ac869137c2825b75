"""Learners and cases in Chromium.

A ULR on a 375 px phone adds a learner (a mistake first), records a needs analysis, enrols them on
a course, logs their progress and a contact; then each role walks every learner and case page it
may use. Every page on the way is screenshotted and checked with axe (WCAG 2.2 A and AA), and the
phone pages must fit the screen.
"""
from __future__ import annotations

from datetime import date, timedelta

from tests.browser.conftest import PHONE, choose, fits_phone, group, loaded, sign_in, uk_day

ROLE = "learner-journey"  # screenshots folder


def _success(page) -> str:
    return page.locator(".govuk-notification-banner--success").inner_text()


def _step(page, check_page, name: str) -> None:
    check_page(page, ROLE, name)
    fits_phone(page, name)


def test_ulr_adds_a_learner_assesses_enrols_and_logs_progress_on_a_phone(world, new_page, live_server, check_page):
    from sqlalchemy import select

    from ulr_app.extensions import db
    from ulr_app.learners.catalogue import load_courses
    from ulr_app.learners.models import Enrolment, Learner, NeedsAssessment
    from ulr_app.reps import services as rep_services

    load_courses()  # the catalogue is emptied between tests: the seeded ladder, as `flask reference load` gives it
    today = date.today()
    mine = rep_services.create_rep({"name": "Pat Jones", "employer_id": world.employers.a1.id,
                                    "workplace_id": world.workplaces.school_a1.id, "user_id": world.users.ulr_a1.id,
                                    "appointed_on": (today - timedelta(days=90)).isoformat(),
                                    "notice_given_on": (today - timedelta(days=90)).isoformat(),
                                    "training_route": "already_trained"}, branch=world.branches.a1)
    db.session.commit()

    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users.ulr_a1.email)
    loaded(phone)
    assert "You have no learners yet" in phone.locator("main").inner_text()
    _step(phone, check_page, "ulr-home-empty")

    # --- add a learner: the consent date missing first -------------------------------------
    phone.get_by_role("link", name="Add a learner").first.click()
    loaded(phone)
    assert phone.locator("h1").inner_text() == "Add a learner"
    _step(phone, check_page, "learner-new")
    phone.get_by_label("Name", exact=True).fill("Sam Okafor")
    choose(phone, "Workplace", world.workplaces.school_a1.name)
    phone.get_by_label("Job title (optional)", exact=True).fill("Teaching assistant")
    group(phone, "Staff category").get_by_label("Learning support", exact=True).check()
    group(phone, "Contract").get_by_label("Term-time only", exact=True).check()
    phone.get_by_label("What the consent covers", exact=True).fill("Learning records and contact by the ULR")
    phone.get_by_role("button", name="Save learner").click()
    loaded(phone)
    summary = phone.locator(".govuk-error-summary")
    assert "consent" in summary.inner_text().lower()
    phone.wait_for_function("document.activeElement && document.activeElement.closest('.govuk-error-summary') !== null")
    # nothing typed is lost, nothing is saved
    assert phone.get_by_label("Name", exact=True).input_value() == "Sam Okafor"
    assert phone.get_by_label("Term-time only", exact=True).is_checked()
    assert db.session.scalar(select(Learner.id)) is None
    _step(phone, check_page, "learner-new-errors")
    phone.get_by_label("Date of consent", exact=True).fill(uk_day(today - timedelta(days=1)))
    phone.get_by_role("button", name="Save learner").click()
    loaded(phone)
    assert phone.locator("h1").inner_text() == "Sam Okafor"
    assert "Sam Okafor added" in _success(phone)
    sam = db.session.scalars(select(Learner)).one()
    assert (sam.rep_id, sam.contract, sam.staff_category) == (mine.id, "term_time_only", "learning_support")
    learner_url = phone.url
    _step(phone, check_page, "learner-added")

    # --- a needs analysis -------------------------------------------------------------------
    phone.get_by_role("link", name="Record a needs analysis").click()
    loaded(phone)
    _step(phone, check_page, "needs-analysis")
    phone.get_by_label("Date of the needs analysis", exact=True).fill(uk_day(today))
    phone.get_by_label("Literacy (English) level", exact=True).select_option("entry_3")
    phone.get_by_label("Numeracy (maths) level", exact=True).select_option("entry_2")
    barriers = group(phone, "What stops them learning?")
    barriers.get_by_label("Confidence", exact=False).first.check()
    barriers.get_by_label("Time", exact=False).first.check()
    phone.get_by_label("Goals (optional)", exact=True).fill("Level 2 English and maths, then HLTA")
    phone.get_by_role("button", name="Save the needs analysis").click()
    loaded(phone)
    assert "Needs analysis saved" in _success(phone)
    needs = db.session.scalars(select(NeedsAssessment)).one()
    assert needs.literacy_level == "entry_3" and len(needs.barriers) == 2
    _step(phone, check_page, "learner-assessed")

    # --- enrol them on Skills for Life literacy ---------------------------------------------
    phone.get_by_role("link", name="Enrol on a course").click()
    loaded(phone)
    _step(phone, check_page, "enrol")
    course = phone.locator("#course_id option", has_text="Entry 3").first
    phone.locator("#course_id").select_option(course.get_attribute("value"))
    group(phone, "Where is it up to?").get_by_label("Enrolled: they have a place and a start date", exact=True).check()
    phone.get_by_label("Date referred (if referred or enrolled)", exact=True).fill(uk_day(today))
    phone.get_by_label("Start date (if enrolled)", exact=True).fill(uk_day(today))
    phone.get_by_label("Planned end date (optional)", exact=True).fill(uk_day(today + timedelta(days=120)))
    phone.get_by_role("button", name="Save the enrolment").click()
    loaded(phone)
    assert "Enrolment on" in _success(phone) and "saved" in _success(phone)
    e = db.session.scalars(select(Enrolment)).one()
    assert (e.learner_id, e.status, e.started_on) == (sam.id, "enrolled", today)
    _step(phone, check_page, "learner-enrolled")

    # --- log progress: a mistake (a withdrawal with no reason), then in progress, then completed
    phone.get_by_role("link", name=f"Log progress on {e.course.title}").click()
    loaded(phone)
    _step(phone, check_page, "progress")
    assert phone.get_by_label("Start date", exact=True).input_value() == uk_day(today)  # what it already knows
    phone.get_by_label("Withdrawn", exact=True).check()
    phone.get_by_label("Date they withdrew", exact=True).fill(uk_day(today))
    phone.get_by_role("button", name="Save progress").click()
    loaded(phone)
    assert "Enter why the learner withdrew" in phone.locator(".govuk-error-summary").inner_text()
    phone.wait_for_function("document.activeElement && document.activeElement.closest('.govuk-error-summary') !== null")
    db.session.refresh(e)
    assert e.status == "enrolled" and e.withdrawn_on is None
    _step(phone, check_page, "progress-errors")
    phone.get_by_label("In progress", exact=True).check()
    phone.get_by_role("button", name="Save progress").click()
    loaded(phone)
    assert f"{e.course.title}: in progress" in _success(phone)
    db.session.refresh(e)
    assert e.status == "in_progress"
    _step(phone, check_page, "learner-in-progress")
    phone.get_by_role("link", name=f"Log progress on {e.course.title}").click()
    loaded(phone)
    phone.get_by_label("Completed", exact=True).check()
    phone.get_by_label("Date completed", exact=True).fill(uk_day(today))
    phone.get_by_role("button", name="Save progress").click()
    loaded(phone)
    assert f"{e.course.title}: completed" in _success(phone)
    db.session.refresh(e)
    assert (e.status, e.completed_on) == ("completed", today)
    _step(phone, check_page, "learner-completed")

    # --- a contact, with the next one planned -----------------------------------------------
    contact = phone.locator("#log-contact")
    group(phone, "Kind of contact").get_by_label("Call", exact=True).check()
    contact.get_by_label("Date of the contact", exact=True).fill(uk_day(today))
    contact.get_by_label("What was said or done", exact=True).fill("Going well; wants a maths course next")
    contact.get_by_label("Next contact on (optional)", exact=True).fill(uk_day(today + timedelta(days=14)))
    phone.get_by_role("button", name="Log the contact").click()
    loaded(phone)
    assert phone.url.split("#")[0] == learner_url
    assert "Going well; wants a maths course next" in phone.locator("main").inner_text()
    _step(phone, check_page, "learner-contact-logged")

    # --- the caseload on the home page shows them -------------------------------------------
    phone.goto(live_server + "/")
    loaded(phone)
    stages = phone.locator("#learner-stages").inner_text()
    assert "1" in stages and "completed" in stages
    _step(phone, check_page, "ulr-home-caseload")


def _records(world):
    """A learner with a needs analysis and an enrolment, a case, and a merge candidate, in Barnet."""
    from tests.cases.helpers import case
    from tests.learners.helpers import course, enrolment, learner, rep

    from ulr_app.extensions import db
    from ulr_app.learners import services

    mine = rep(world, user=world.users.ulr_a1)
    sam = learner(world, rep=mine, staff_category="learning_support", gender="Female")
    services.record_needs_assessment(sam, {"assessed_on": date.today().isoformat(), "literacy_level": "entry_3",
                                        "barriers": ["confidence"], "esol_need": False})
    e = enrolment(sam, course(), "in_progress")
    twin = learner(world, name="Sam Okafor", rep=mine)
    made = case(world, "Support for Sam", actor=world.users.ulr_a1, kind="learner_support", learner_id=sam.id)
    db.session.commit()
    return sam, e, twin, made


def test_learner_and_case_pages_for_each_role(world, page, live_server, visit):
    from ulr_app.learners.models import Course

    from ulr_app.extensions import db

    sam, e, twin, made = _records(world)
    course_id = db.session.query(Course.id).order_by(Course.id).first()[0]
    for role in ("ulr_a1", "convenor_a1", "organiser_a", "admin"):
        page.context.clear_cookies()
        sign_in(page, live_server, getattr(world.users, role).email)
        pages = [("learners", "/learners"), ("learner", f"/learners/{sam.id}"), ("cases", "/cases"),
                 ("case", f"/cases/{made.id}"), ("learners-by-stage", "/learners?stage=in_progress")]
        if role in ("ulr_a1", "convenor_a1", "admin"):
            pages += [("learner-edit", f"/learners/{sam.id}/edit"), ("needs-analysis", f"/learners/{sam.id}/needs-analysis"),
                      ("enrol", f"/learners/{sam.id}/enrol"), ("progress", f"/learners/{sam.id}/enrolments/{e.id}/status")]
        if role in ("convenor_a1", "admin"):
            pages += [("case-edit", f"/cases/{made.id}/edit"), ("case-status", f"/cases/{made.id}/status"),
                      ("reassign", f"/cases/reassign?branch_id={world.branches.a1.id}"),
                      ("merge-choose", f"/learners/{sam.id}/merge"),
                      ("merge-compare", f"/learners/{sam.id}/merge?duplicate_id={twin.id}")]
        if role in ("ulr_a1", "convenor_a1"):
            pages += [("learner-new", "/learners/new"), ("case-new", "/cases/new")]
        if role == "admin":
            pages += [("learner-new", f"/learners/new?branch_id={world.branches.a1.id}"),
                      ("case-new", f"/cases/new?branch_id={world.branches.a1.id}"),
                      ("courses", "/learners/courses"), ("course-new", "/learners/courses/new"),
                      ("course-edit", f"/learners/courses/{course_id}/edit")]
        for name, path in pages:
            visit(page, role, name, path)


def test_convenor_moves_a_ulrs_caseload_after_seeing_what_moves(world, new_page, live_server, check_page):
    """A ULR stands down: the convenor moves their learners to another ULR of the branch, seeing first what moves."""
    from tests.learners.helpers import learner, rep

    from ulr_app.extensions import db
    from ulr_app.learners.models import Learner

    leaving = rep(world, name="Pat Jones")
    taking = rep(world, user=world.users.ulr_a1, name="Ulr Barnet", workplace="service_a1")
    sam = learner(world, rep=leaving)

    page = new_page(PHONE)
    sign_in(page, live_server, world.users.convenor_a1.email)
    page.goto(live_server + "/cases")
    loaded(page)
    page.get_by_role("link", name="Move a ULR's caseload").click()
    loaded(page)
    _step(page, check_page, "reassign")
    page.get_by_role("button", name="Continue").click()  # nobody chosen
    loaded(page)
    assert "Choose the ULR whose caseload moves" in page.locator(".govuk-error-summary").inner_text()
    _step(page, check_page, "reassign-errors")
    page.get_by_label("Move the caseload of", exact=True).select_option(str(leaving.id))
    page.get_by_label("To", exact=True).select_option(str(taking.id))
    page.get_by_role("button", name="Continue").click()
    loaded(page)
    assert page.locator("h1").inner_text() == "Move Pat Jones's caseload to Ulr Barnet?"
    assert "Sam Okafor" in page.locator("#moving-learners + ul").inner_text()
    db.session.expire_all()
    assert db.session.get(Learner, sam.id).rep_id == leaving.id  # nothing moves before the confirmation
    _step(page, check_page, "reassign-confirm")
    page.get_by_role("button", name="Yes, move them").click()
    loaded(page)
    assert "from Pat Jones to Ulr Barnet" in _success(page)
    db.session.expire_all()
    assert db.session.get(Learner, sam.id).rep_id == taking.id
    _step(page, check_page, "reassign-done")
