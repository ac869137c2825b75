"""Learner pages: the list with its filters and stages, adding and changing a learner (consent first,
equality monitoring for convenors only and every read of it audited, duplicates), the learner's
page (the ladder, enrolments on track, barriers over time, contacts and follow-ups), needs analyses,
enrolments and their progress, the course catalogue, who may do what, and every form's bad input."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from ulr_app.cases.models import Activity, FollowUp
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.learners import services
from ulr_app.learners.models import Course, Enrolment, Learner, NeedsAssessment
from tests.learners.helpers import TODAY, count, course, empty_catalogue, enrolment, learner, long, plain, rep, text, uk

NEW = {"consent_on": "5/1/2026", "consent_scope": "Learning records and contact by the ULR", "name": "Sam Okafor"}


@pytest.fixture(autouse=True)
def _own_catalogue(app):
    empty_catalogue()


def _new(world, **extra):
    return {**NEW, "workplace_id": world.workplaces.school_a1.id, **extra}


# --- the list ------------------------------------------------------------------------------

def test_list_searches_filters_and_excludes_merged(login_as, world):
    sam = learner(world, staff_category="site")
    pat = learner(world, name="Pat Brown", workplace="service_a1", staff_category="administrative")
    gone = learner(world, name="Sam Okafor")
    services.merge_learners(sam, gone)
    c1 = course()
    enrolment(pat, c1, "in_progress")
    learner(world, "a2", name="Camden Person", workplace="school_a2")
    db.session.commit()
    c = login_as("convenor_a1")
    page = text(c.get("/learners"))
    assert 'href="/learners/new"' in page and "Add a learner" in page
    assert f'href="/learners/{sam.id}"' in page and f'href="/learners/{pat.id}"' in page
    assert f'href="/learners/{gone.id}"' not in page and "Camden Person" not in page
    assert "No enrolment yet" in page and "In progress" in page
    page = text(c.get("/learners?q=okaf"))
    assert f'/learners/{sam.id}"' in page and f'/learners/{pat.id}"' not in page
    page = text(c.get("/learners?stage=in_progress"))
    assert f'/learners/{pat.id}"' in page and f'/learners/{sam.id}"' not in page
    page = text(c.get(f"/learners?workplace_id={world.workplaces.service_a1.id}"))
    assert f'/learners/{pat.id}"' in page and f'/learners/{sam.id}"' not in page
    page = text(c.get("/learners?staff_category=site"))
    assert f'/learners/{sam.id}"' in page and f'/learners/{pat.id}"' not in page
    page = plain(c.get("/learners?q=nobody"))
    assert "No learners match your filters." in page
    # an organiser reads the region's learners but adds none
    page = text(login_as("organiser_a").get("/learners"))
    assert "Camden Person" in page and "Add a learner" not in page


def test_list_filters_by_ulr_and_empty_state(login_as, world):
    c = login_as("convenor_a1")
    assert "There are no learners yet. Add a learner to start their record." in plain(c.get("/learners"))
    pat = rep(world)
    mine = learner(world, rep=pat)
    other = learner(world, name="Unassigned Person")
    rep(world, name="Second ULR")
    page = text(c.get(f"/learners?rep_id={pat.id}"))
    assert f'/learners/{mine.id}"' in page and f'/learners/{other.id}"' not in page


def test_list_query_count_does_not_grow(login_as, world, count_queries):
    c = login_as("convenor_a1")
    for i in range(3):
        learner(world, name=f"Learner {i}")
    with count_queries() as few:
        assert c.get("/learners").status_code == 200
    for i in range(3, 15):
        learner(world, name=f"Learner {i}", workplace="service_a1" if i % 2 else "school_a1")
    with count_queries() as many:
        assert c.get("/learners").status_code == 200
    assert many.count == few.count


# --- adding and changing a learner ------------------------------------------------------------------

def test_form_asks_for_consent_first_with_the_rule_in_the_hint(login_as, world):
    page = text(login_as("convenor_a1").get("/learners/new"))
    assert page.index('id="consent_on"') < page.index('id="consent_scope"') < page.index('id="name"')
    assert "Nothing beyond their name and workplace is saved until their consent is recorded" in page
    for label in ("Date of consent", "What the consent covers", "Name", "Workplace", "Staff category", "ULR",
                  "Gender (optional)", "Age band (optional)"):
        assert f">{label}" in page or f"> {label}" in page or label in page
    # the workplace chooser offers only the branch's employers' workplaces
    assert "Brunswick Park Primary School" in page and "Barnet Housing" in page
    assert "Argyle Primary School" not in page and "Atkinson Road" not in page


def test_consent_first_errors_and_nothing_saved(login_as, world):
    c = login_as("convenor_a1")
    response = c.submit("/learners/new", {"name": "Sam Okafor", "workplace_id": world.workplaces.school_a1.id,
                                          "staff_category": "site", "job_title": "Caretaker"})
    assert response.status_code == 400
    page = plain(response)
    assert "There is a problem" in page and "Record the learner's consent" in page
    assert 'href="#staff_category"' in text(response) and 'href="#job_title"' in text(response)
    assert 'value="Caretaker"' in text(response)  # nothing typed is lost
    assert count(Learner) == 0
    response = c.submit("/learners/new", _new(world, consent_scope=""))
    assert response.status_code == 400 and "Enter what the learner's consent covers" in plain(response)
    assert count(Learner) == 0
    # name and workplace alone may be saved before consent
    response = c.submit("/learners/new", {"name": "Sam Okafor", "workplace_id": world.workplaces.school_a1.id})
    assert response.status_code == 302
    saved = db.session.scalars(select(Learner)).one()
    assert saved.consent_on is None and saved.employer_id == world.employers.a1.id
    page = plain(c.get(f"/learners/{saved.id}"))
    assert "No consent recorded yet" in page and "Record consent" in page
    # no needs analysis, enrolment or contact before consent
    assert c.get(f"/learners/{saved.id}/needs-analysis").status_code == 302
    assert c.get(f"/learners/{saved.id}/enrol").status_code == 302
    response = c.submit(f"/learners/{saved.id}/contacts", {"kind": "call", "happened_on": uk(TODAY), "text": "Hi"},
                        page=f"/learners/{saved.id}")
    assert response.status_code == 400 and "before logging a contact" in plain(response)
    assert count(Activity) == 0


def test_convenor_adds_a_learner_with_every_field(login_as, world):
    pat = rep(world)
    c = login_as("convenor_a1")
    response = c.submit("/learners/new", _new(world, email="Sam@Example.org", staff_category="learning_support",
                                               job_title="Teaching assistant", contract="term_time_only",
                                               hours="part_time", membership="member", joined_union_on="1/9/2020",
                                               prior_level="entry_2", rep_id=pat.id, gender="Female",
                                               ethnicity="Black British", disability="No", age_band="45-54"))
    assert response.status_code == 302, text(response)
    sam = db.session.scalars(select(Learner)).one()
    assert response.headers["Location"].endswith(f"/learners/{sam.id}")
    assert (sam.email, sam.staff_category, sam.contract, sam.hours, sam.membership, sam.prior_level) == (
        "sam@example.org", "learning_support", "term_time_only", "part_time", "member", "entry_2")
    assert (sam.joined_union_on.isoformat(), sam.consent_on.isoformat(), sam.rep_id) == ("2020-09-01", "2026-01-05", pat.id)
    assert (sam.gender, sam.ethnicity, sam.disability, sam.age_band) == ("Female", "Black British", "No", "45-54")
    assert (sam.branch_id, sam.employer_id, sam.created_by_id) == (world.branches.a1.id, world.employers.a1.id,
                                                                   world.users.convenor_a1.id)


def test_ulr_adds_a_learner_into_their_caseload_without_equality_fields(login_as, world):
    mine = rep(world, user=world.users.ulr_a1, workplace="service_a1")
    rep(world, name="Someone Else")
    c = login_as("ulr_a1")
    page = text(c.get("/learners/new"))
    assert 'name="gender"' not in page and 'name="age_band"' not in page and "Equality monitoring" not in page
    assert re.search(rf'<option value="{mine.id}" selected', page)
    assert "Someone Else" not in page  # a ULR offers only their own appointment
    response = c.submit("/learners/new", _new(world, rep_id=mine.id, gender="Female", ethnicity="Irish"))
    assert response.status_code == 302, text(response)
    sam = db.session.scalars(select(Learner)).one()
    assert (sam.branch_id, sam.rep_id, sam.gender, sam.ethnicity) == (world.branches.a1.id, mine.id, None, None)
    assert c.get(f"/learners/{sam.id}").status_code == 200
    assert f'/learners/{sam.id}"' in text(c.get("/learners"))


def test_ulr_never_sees_equality_values_on_the_page_or_the_form(login_as, world):
    mine = rep(world, user=world.users.ulr_a1)
    sam = learner(world, rep=mine, gender="Nonbinary", ethnicity="Kurdish", age_band="35-44")
    c = login_as("ulr_a1")
    page = text(c.get(f"/learners/{sam.id}"))
    for secret in ("Nonbinary", "Kurdish", "35-44"):
        assert secret not in page
    words = plain(c.get(f"/learners/{sam.id}"))
    assert "Gender Recorded" in words and "Ethnicity Recorded" in words and "Disability Not recorded" in words
    form = text(c.get(f"/learners/{sam.id}/edit"))
    assert 'name="gender"' not in form and "Nonbinary" not in form and "Kurdish" not in form
    # posting the fields anyway changes nothing
    response = c.submit(f"/learners/{sam.id}/edit", {**NEW, "name": "Sam Okafor", "version": sam.version,
                                                       "workplace_id": world.workplaces.school_a1.id, "rep_id": mine.id,
                                                       "gender": "Male", "ethnicity": "", "age_band": ""})
    assert response.status_code == 302, text(response)
    db.session.refresh(sam)
    assert (sam.gender, sam.ethnicity, sam.age_band) == ("Nonbinary", "Kurdish", "35-44")
    reads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read_special")).all()
    assert reads == []


def test_convenor_sees_equality_values_and_each_view_is_audited(login_as, world):
    sam = learner(world, gender="Nonbinary", ethnicity="Kurdish")

    def reads():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read_special",
                                                           AuditEntry.object_id == sam.id)).all()

    c = login_as("convenor_a1")
    page = plain(c.get(f"/learners/{sam.id}"))
    assert "Gender Nonbinary" in page and "Ethnicity Kurdish" in page
    [entry] = reads()
    assert entry.actor_id == world.users.convenor_a1.id and entry.object_type == "learner"
    assert "learner page" in entry.summary
    c.get(f"/learners/{sam.id}")
    assert len(reads()) == 2
    form = text(c.get(f"/learners/{sam.id}/edit"))
    assert 'value="Nonbinary"' in form
    assert len(reads()) == 3
    # the organiser reads too, and is logged
    login_as("organiser_a").get(f"/learners/{sam.id}")
    assert len(reads()) == 4
    # a page shown again with its errors (400) shows the values too: that read is kept, the change is not
    token = c.token(f"/learners/{sam.id}")
    before = len(reads())
    bad_contact = c.post(f"/learners/{sam.id}/contacts", data={"csrf_token": token, "kind": "", "text": ""})
    assert bad_contact.status_code == 400 and "Kurdish" in plain(bad_contact)
    assert len(reads()) == before + 1
    token = c.token(f"/learners/{sam.id}/edit")
    before = len(reads())
    bad_edit = c.post(f"/learners/{sam.id}/edit", data={"csrf_token": token, "name": "", "version": sam.version,
                                                         "gender": "Nonbinary"})
    assert bad_edit.status_code == 400 and 'value="Nonbinary"' in text(bad_edit)
    assert len(reads()) == before + 1
    db.session.refresh(sam)
    assert sam.name == "Sam Okafor"
    # a success writes each read once, not twice
    before = len(reads())
    c.get(f"/learners/{sam.id}")
    assert len(reads()) == before + 1


def test_duplicate_warning_needs_confirmation(login_as, world):
    first = learner(world)
    c = login_as("convenor_a1")
    response = c.submit("/learners/new", _new(world, name="sam okafor"))
    assert response.status_code == 400
    page = text(response)
    assert "may be a learner already recorded" in page and f'href="/learners/{first.id}"' in page
    assert 'name="not_duplicate"' in page and "This is a different person" in page
    assert count(Learner) == 1
    response = c.submit("/learners/new", _new(world, name="sam okafor", not_duplicate="y"))
    assert response.status_code == 302
    assert count(Learner) == 2
    # the same e-mail address is a warning too
    response = c.submit("/learners/new", _new(world, name="Samuel O", email="x@example.org"))
    assert response.status_code == 302
    response = c.submit("/learners/new", _new(world, name="Different Name", workplace_id=world.workplaces.service_a1.id,
                                               email="X@example.org"))
    assert response.status_code == 400 and "This is a different person" in text(response)


def test_edit_saves_and_a_stale_version_is_refused(login_as, world):
    sam = learner(world)
    c = login_as("convenor_a1")
    page = text(c.get(f"/learners/{sam.id}/edit"))
    assert 'value="5 1 2026"' in page and 'value="Sam Okafor"' in page
    data = {**NEW, "workplace_id": world.workplaces.service_a1.id, "job_title": "Cleaner", "version": sam.version}
    response = c.submit(f"/learners/{sam.id}/edit", data)
    assert response.status_code == 302, text(response)
    db.session.refresh(sam)
    assert (sam.workplace_id, sam.employer_id, sam.job_title) == (world.workplaces.service_a1.id, world.employers.a1.id,
                                                                  "Cleaner")
    response = c.submit(f"/learners/{sam.id}/edit", {**data, "job_title": "Site manager"})  # the old version
    assert response.status_code == 409
    db.session.refresh(sam)
    assert sam.job_title == "Cleaner"


@pytest.mark.parametrize("data,field,message", [
    ({"name": ""}, "name", "Enter the learner's name"),
    ({"email": "not an address"}, "email", "correct format"),
    ({"consent_on": "31/2/2026"}, "consent_on", "real date"),
    ({"consent_on": "1/1/2099"}, "consent_on", "cannot be in the future"),
    ({"joined_union_on": "yesterday"}, "joined_union_on", "real date"),
    ({"staff_category": "teacher"}, "staff_category", "Choose a staff category"),
    ({"workplace_id": "WRONG"}, "workplace_id", "employer this branch deals with"),
    ({"rep_id": "OTHER_REP"}, "rep_id", "Choose a ULR of this branch"),
    ({"name": "x" * 121}, "name", "120 characters or fewer"),
])
def test_learner_form_bad_input(login_as, world, data, field, message):
    other = rep(world, "b1", workplace="school_b1")
    values = {k: {"WRONG": world.workplaces.school_b1.id, "OTHER_REP": other.id}.get(v, v) for k, v in data.items()}
    c = login_as("convenor_a1")
    response = c.submit("/learners/new", _new(world, job_title="Kept as typed", **values))
    assert response.status_code == 400
    assert f'href="#{field}"' in text(response) and message in plain(response)
    assert 'value="Kept as typed"' in text(response)
    assert count(Learner) == 0


def test_admin_chooses_the_branch_first(login_as, world):
    c = login_as("admin")
    page = text(c.get("/learners/new"))
    assert 'name="branch_id"' in page and "Newcastle City" in page
    assert c.get("/learners/new?branch_id=").status_code == 400
    page = text(c.get(f"/learners/new?branch_id={world.branches.b1.id}"))
    assert "Atkinson Road Primary Academy" in page and "Brunswick Park" not in page
    response = c.submit(f"/learners/new?branch_id={world.branches.b1.id}",
                        {**NEW, "workplace_id": world.workplaces.school_b1.id})
    assert response.status_code == 302, text(response)
    assert db.session.scalars(select(Learner)).one().branch_id == world.branches.b1.id


# --- the learner's page -------------------------------------------------------------------------

def test_learner_page_shows_the_ladder_enrolments_and_next_steps(login_as, world):
    sam = learner(world)
    e3 = course()
    l1 = course("Functional Skills English Level 1", level="level_1")
    maths = course("Skills for Life numeracy Entry 2", subject="numeracy", level="entry_2")
    rtl = course("Return to Learn", category="union_course", subject="other", level="unlevelled", qualification=False)
    enrolment(sam, rtl, "completed")
    enrolment(sam, e3, "achieved")
    late = enrolment(sam, l1, "in_progress", started_on="2026-04-01", planned_end_on="2026-06-01")
    soon = enrolment(sam, maths, "enrolled", planned_end_on=(TODAY + timedelta(days=10)).isoformat())
    db.session.commit()
    response = login_as("convenor_a1").get(f"/learners/{sam.id}")
    page, words = text(response), plain(response)
    assert response.status_code == 200
    ladder = page[page.index('id="ladder-literacy"'):page.index('id="ladder-numeracy"')]
    assert "Entry level 3 reached" in ladder
    rungs = re.findall(r'govuk-body govuk-!-margin-bottom-0">([^<]+)</span>.*?govuk-tag[^"]*">([^<]+)</strong>', ladder, re.S)
    assert rungs[0] == ("Level 2", "Not yet") and ("Level 1", "Working towards") in rungs
    assert ("Entry level 3", "Reached") in rungs and ("Entry level 1", "Reached") in rungs
    numeracy = page[page.index('id="ladder-numeracy"'):page.index('id="ladder-esol"')]
    assert "Working towards" in numeracy and "Entry level 2" in numeracy
    assert "Return to Learn, completed" in words
    assert "Skills for Life maths at Entry 1" not in words and "An initial assessment and a Skills for Life maths course" in words
    # every enrolment with its status, dates and on-track state in words
    row = page[page.index(f'id="enrolment-{late.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Past its planned end" in row and "govuk-tag--red" in row and "Planned end 1 June 2026" in row
    row = page[page.index(f'id="enrolment-{soon.id}"'):]
    assert "Ending soon: check progress" in row[:row.index("</tr>")]
    assert "Progressed to a higher level" in page
    assert f'/learners/{sam.id}/enrolments/{late.id}/status' in page


def test_merged_learner_redirects_to_the_kept_one(login_as, world):
    keep, dup = learner(world), learner(world, name="Sam O")
    services.merge_learners(keep, dup)
    db.session.commit()
    c = login_as("convenor_a1")
    response = c.get(f"/learners/{dup.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/learners/{keep.id}")
    response = c.get(f"/learners/{dup.id}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/learners/{keep.id}")


# --- needs analysis ---------------------------------------------------------------------------------

def test_needs_analysis_and_barriers_over_time(login_as, world):
    sam = learner(world)
    c = login_as("convenor_a1")
    url = f"/learners/{sam.id}/needs-analysis"
    page = text(c.get(url))
    assert f'value="{uk(TODAY)}"' in page and 'name="barriers"' in page and "Childcare" in page
    response = c.submit(url, {"assessed_on": "1/3/2026", "literacy_level": "entry_2", "numeracy_level": "entry_1",
                              "esol_need": "no", "barriers": ["time_release", "childcare"], "goals": "Become an HLTA"})
    assert response.status_code == 302, text(response)
    response = c.submit(url, {"assessed_on": "1/9/2026", "literacy_level": "entry_3", "ict_level": "level_1",
                              "esol_need": "yes", "barriers": ["time_release", "confidence"]})
    assert response.status_code == 302
    first, second = db.session.scalars(select(NeedsAssessment).order_by(NeedsAssessment.assessed_on)).all()
    assert first.barriers == ["time_release", "childcare"] and first.goals == "Become an HLTA" and not first.esol_need
    assert second.esol_need and second.ict_level == "level_1" and second.assessed_by_id == world.users.convenor_a1.id
    page = text(c.get(f"/learners/{sam.id}"))
    table = page[page.index('id="barriers-over-time"'):]
    table = table[:table.index("</table>")]
    assert "1 March 2026" in table and "1 September 2026" in table
    rows = {re.sub(r"<[^>]+>", "", r.split("</th>")[0]).strip(): re.findall(r"(Yes|No)</", r)
            for r in table.split('<th scope="row" class="govuk-table__header">')[1:]}
    assert rows == {"Time off / release": ["Yes", "Yes"], "Childcare": ["Yes", "No"], "Confidence": ["No", "Yes"]}
    # the timeline says it in plain words, with the date as people write it
    assert "Needs analysis on 1 March 2026: literacy Entry level 2, numeracy Entry level 1" in plain(c.get(f"/learners/{sam.id}"))


@pytest.mark.parametrize("data,field", [
    ({"assessed_on": ""}, "assessed_on"),
    ({"assessed_on": "32/1/2026"}, "assessed_on"),
    ({"assessed_on": uk(TODAY + timedelta(days=2))}, "assessed_on"),
    ({"literacy_level": "level_99"}, "literacy_level"),
    ({"barriers": ["time_release", "aliens"]}, "barriers"),
    ({"goals": "x" * 5001}, "goals"),
])
def test_needs_analysis_bad_input(login_as, world, data, field):
    sam = learner(world)
    c = login_as("convenor_a1")
    response = c.submit(f"/learners/{sam.id}/needs-analysis", {"assessed_on": uk(TODAY), "goals": "Kept", **data})
    assert response.status_code == 400 and f'href="#{field}"' in text(response)
    assert count(NeedsAssessment) == 0


# --- enrolments ---------------------------------------------------------------------------------------

def test_enrol_says_so_when_the_catalogue_is_empty(login_as, world):
    sam = learner(world)
    course("Old course", active=False)  # retired courses are not offered
    page = plain(login_as("convenor_a1").get(f"/learners/{sam.id}/enrol"))
    assert "There are no courses to enrol on yet" in page and "add a course" not in page
    assert "add a course" in plain(login_as("admin").get(f"/learners/{sam.id}/enrol"))


def test_enrol_from_the_active_catalogue(login_as, world):
    sam = learner(world)
    e3 = course()
    old = course("Old course", active=False)
    rtl = course("Return to Learn", category="union_course", subject="other", level="unlevelled")
    c = login_as("convenor_a1")
    url = f"/learners/{sam.id}/enrol"
    page = text(c.get(url))
    assert '<optgroup label="Union course">' in page and '<optgroup label="Skills for Life">' in page
    assert page.index("Return to Learn") < page.index("Skills for Life literacy Entry 3")
    assert f'value="{old.id}"' not in page and "There are no courses" not in page
    response = c.submit(url, {"course_id": e3.id, "status": "enrolled", "referred_on": "1/2/2026",
                              "started_on": "10/2/2026", "planned_end_on": "10/7/2026"})
    assert response.status_code == 302, text(response)
    e = db.session.scalars(select(Enrolment)).one()
    assert (e.course_id, e.status, e.started_on.isoformat(), e.planned_end_on.isoformat()) == (
        e3.id, "enrolled", "2026-02-10", "2026-07-10")
    response = c.submit(url, {"course_id": rtl.id, "status": "enquiry"})
    assert response.status_code == 302
    assert count(Enrolment) == 2


@pytest.mark.parametrize("data,field", [
    ({"course_id": ""}, "course_id"),
    ({"course_id": "OLD"}, "course_id"),
    ({"status": "achieved"}, "status"),
    ({"status": "enrolled", "started_on": ""}, "started_on"),
    ({"status": "referred", "referred_on": "soon"}, "referred_on"),
    ({"status": "enrolled", "started_on": "1/3/2026", "planned_end_on": "1/2/2026"}, "planned_end_on"),
])
def test_enrol_bad_input(login_as, world, data, field):
    sam = learner(world)
    e3, old = course(), course("Old course", active=False)
    values = {"course_id": e3.id, "status": "enquiry", **data}
    values = {k: (old.id if v == "OLD" else v) for k, v in values.items()}
    response = login_as("convenor_a1").submit(f"/learners/{sam.id}/enrol", values)
    assert response.status_code == 400 and f'href="#{field}"' in text(response)
    assert count(Enrolment) == 0


def test_log_progress_offers_only_the_next_statuses(login_as, world):
    sam = learner(world)
    e = enrolment(sam, course(), "in_progress")
    c = login_as("convenor_a1")
    url = f"/learners/{sam.id}/enrolments/{e.id}/status"
    page = text(c.get(url))
    offered = re.findall(r'name="status" type="radio" value="([a-z_]+)"', page)
    assert offered == ["completed", "achieved", "withdrawn", "break_in_learning"]
    # a missing date: the error, and nothing saved
    response = c.submit(url, {"status": "completed", "completed_on": "", "version": e.version})
    assert response.status_code == 400 and "Enter the completion date" in plain(response)
    assert 'href="#completed_on"' in text(response)
    db.session.refresh(e)
    assert e.status == "in_progress" and e.completed_on is None
    # a status it cannot move to
    response = c.submit(url, {"status": "referred", "version": e.version})
    assert response.status_code == 400 and "cannot move to referred" in plain(response)
    # withdrawal needs its reason
    response = c.submit(url, {"status": "withdrawn", "withdrawn_on": "1/3/2026", "withdrawal_reason": "", "version": e.version})
    assert response.status_code == 400 and "Enter why the learner withdrew" in plain(response)
    db.session.refresh(e)
    assert e.status == "in_progress" and e.withdrawn_on is None
    # what was typed for another status is not saved with this one
    response = c.submit(url, {"status": "completed", "completed_on": "1/3/2026", "withdrawn_on": "2/3/2026",
                              "version": e.version})
    assert response.status_code == 302, text(response)
    db.session.refresh(e)
    assert (e.status, e.completed_on.isoformat(), e.withdrawn_on) == ("completed", "2026-03-01", None)
    assert "Skills for Life literacy Entry 3: In progress to Completed on 1 March 2026" in plain(c.get(f"/learners/{sam.id}"))
    # a final status has nowhere to go
    e2 = enrolment(sam, course("Another", level="entry_2"), "withdrawn")
    page = plain(c.get(f"/learners/{sam.id}/enrolments/{e2.id}/status"))
    assert "it cannot move on" in page
    # a stale version is refused
    response = c.submit(url, {"status": "achieved", "achieved_on": "2/3/2026", "version": 1})
    assert response.status_code == 409


def test_enrolment_of_another_learner_is_404(login_as, world):
    sam, pat = learner(world), learner(world, name="Pat Brown")
    e = enrolment(pat, course())
    assert login_as("convenor_a1").get(f"/learners/{sam.id}/enrolments/{e.id}/status").status_code == 404


# --- contacts and follow-ups ------------------------------------------------------------------------

def test_log_a_contact_with_a_next_contact(login_as, world):
    sam = learner(world)
    c = login_as("convenor_a1")
    page = text(c.get(f"/learners/{sam.id}"))
    assert 'id="log-contact"' in page and f'value="{uk(TODAY)}"' in page
    assert re.findall(r'name="kind" type="radio" value="(\w+)"', page) == ["note", "call", "meeting", "email", "letter", "visit"]
    next_on = TODAY + timedelta(days=14)
    response = c.submit(f"/learners/{sam.id}/contacts", {"kind": "call", "happened_on": uk(TODAY),
                                                          "text": "Talked about Functional Skills maths",
                                                          "next_contact_on": uk(next_on)}, page=f"/learners/{sam.id}")
    # back to the page at the new entry ("#done": the success message, inside the new contact)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/learners/{sam.id}#done")
    a = db.session.scalars(select(Activity)).one()
    assert (a.learner_id, a.case_id, a.kind, a.happened_on, a.by_id) == (sam.id, None, "call", TODAY,
                                                                          world.users.convenor_a1.id)
    f = db.session.scalars(select(FollowUp)).one()
    assert (f.learner_id, f.due_on, f.done_on) == (sam.id, next_on, None)
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type.in_(("activity", "follow_up")))).all()
    assert {e.object_type for e in audit} == {"activity", "follow_up"}
    response = c.get(f"/learners/{sam.id}")
    words = plain(response)
    assert "Talked about Functional Skills maths" in words and f"Next contact with Sam Okafor, due {long(next_on)}" in words
    html = text(response)
    # the flash, once, in the new contact's entry (not at the top of the long page), focused when it loads
    assert html.count("Call logged") == 1 and html.count('id="done"') == 1
    entry = html[html.index(f'id="contact-{a.id}"'):]
    entry = entry[:entry.index("</li>")]
    assert 'id="done"' in entry and 'role="alert"' in entry and "Call logged" in entry
    assert "Talked about Functional Skills maths" in entry
    assert html.index("Talked about Functional Skills maths") < html.index("Updates to the record")
    response = c.submit(f"/learners/{sam.id}/follow-ups/{f.id}/done", {}, page=f"/learners/{sam.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("#done")
    db.session.refresh(f)
    assert f.done_on == TODAY and f.done_by_id == world.users.convenor_a1.id
    response = c.get(f"/learners/{sam.id}")
    html = text(response)
    assert f"done {long(TODAY)}" in plain(response)
    # the message sits under the Follow-ups heading, above the list
    assert html.index('id="follow-ups"') < html.index('id="done"') < html.index('id="follow-up-list"')


def test_follow_up_of_another_learner_is_404(login_as, world):
    sam, pat = learner(world), learner(world, name="Pat Brown")
    f = FollowUp(learner_id=pat.id, title="Call Pat", due_on=TODAY)
    db.session.add(f)
    db.session.commit()
    c = login_as("convenor_a1")
    assert c.submit(f"/learners/{sam.id}/follow-ups/{f.id}/done", {}, page=f"/learners/{sam.id}").status_code == 404
    assert c.post(f"/learners/{pat.id}/follow-ups/{f.id}/done", data={}).status_code == 400  # no CSRF token
    db.session.refresh(f)
    assert f.done_on is None


@pytest.mark.parametrize("data,field,message", [
    ({"kind": "fax"}, "kind", "Choose what kind of contact it was"),
    ({"kind": ""}, "kind", "Choose what kind of contact it was"),
    ({"happened_on": ""}, "happened_on", "Enter the date of the contact"),
    ({"happened_on": "FUTURE"}, "happened_on", "cannot be in the future"),
    ({"text": "   "}, "text", "Enter what was said or done"),
    ({"text": "x" * 5001}, "text", "5000 characters or fewer"),
    ({"next_contact_on": "next week"}, "next_contact_on", "real date"),
    ({"next_contact_on": "PAST"}, "next_contact_on", "must be after this one"),
])
def test_contact_bad_input(login_as, world, data, field, message):
    sam = learner(world)
    values = {"kind": "note", "happened_on": uk(TODAY), "text": "A note kept as typed", **data}
    values = {k: {"FUTURE": uk(TODAY + timedelta(days=1)), "PAST": uk(TODAY - timedelta(days=3))}.get(v, v)
              for k, v in values.items()}
    response = login_as("convenor_a1").submit(f"/learners/{sam.id}/contacts", values, page=f"/learners/{sam.id}")
    assert response.status_code == 400
    assert f'href="#{field}"' in text(response) and message in plain(response)
    if field != "text":
        assert "A note kept as typed" in text(response)
    assert count(Activity) == 0 and count(FollowUp) == 0


# --- who may do what ------------------------------------------------------------------------------

def _routes(sam, e, f):
    base = f"/learners/{sam.id}"
    return {"GET": [base, f"{base}/edit", f"{base}/needs-analysis", f"{base}/enrol", f"{base}/enrolments/{e.id}/status",
                    f"{base}/merge"],
            "POST": [f"{base}/edit", f"{base}/contacts", f"{base}/follow-ups/{f.id}/done", f"{base}/needs-analysis",
                     f"{base}/enrol", f"{base}/enrolments/{e.id}/status", f"{base}/merge"]}


def _with_records(world, branch, workplace, rep_=None):
    sam = learner(world, branch, workplace=workplace, rep=rep_)
    e = enrolment(sam, course(f"Course {sam.id}"), "enquiry")
    f = FollowUp(learner_id=sam.id, title="Call", due_on=TODAY)
    db.session.add(f)
    db.session.commit()
    return sam, e, f


@pytest.mark.parametrize("role", ["convenor_a1", "ulr_a1", "organiser_a"])
def test_out_of_scope_learner_is_404_on_every_route(login_as, world, role):
    if role == "organiser_a":
        sam, e, f = _with_records(world, "b1", "school_b1")
    else:  # another branch for the convenor; the ULR's own branch, but not their caseload
        sam, e, f = _with_records(world, "a2" if role == "convenor_a1" else "a1",
                                  "school_a2" if role == "convenor_a1" else "school_a1")
    c = login_as(role)
    token = c.token("/")
    for method, urls in _routes(sam, e, f).items():
        for url in urls:
            if role == "ulr_a1" and url.endswith("/merge"):
                continue  # ULRs may not merge at all (403, before anything is looked up)
            if role == "organiser_a" and (method == "POST" or not url.endswith(str(sam.id))):
                continue  # organisers only read (403 on every write)
            response = c.get(url) if method == "GET" else c.post(url, data={"csrf_token": token})
            assert response.status_code == 404, f"{method} {url} as {role}: {response.status_code}"


def test_organiser_reads_but_does_not_write(login_as, world):
    sam, e, f = _with_records(world, "a2", "school_a2")
    c = login_as("organiser_a")
    page = text(c.get(f"/learners/{sam.id}"))
    assert "Log a contact" not in page and "Change the details" not in page and "Mark as done" not in page
    token = c.token("/")
    for url in _routes(sam, e, f)["GET"][1:]:
        assert c.get(url).status_code == 403, url
    for url in _routes(sam, e, f)["POST"]:
        assert c.post(url, data={"csrf_token": token}).status_code == 403, url
    assert c.get("/learners/new").status_code == 403
    assert count(Activity) == 0


def test_ulr_works_on_their_caseload_but_does_not_merge(login_as, world):
    mine = rep(world, user=world.users.ulr_a1)
    sam, e, f = _with_records(world, "a1", "school_a1", mine)
    c = login_as("ulr_a1")
    page = text(c.get(f"/learners/{sam.id}"))
    assert "Log a contact" in page and "Merge a duplicate" not in page
    assert c.get(f"/learners/{sam.id}/merge").status_code == 403
    response = c.submit(f"/learners/{sam.id}/contacts", {"kind": "visit", "happened_on": uk(TODAY), "text": "Visited"},
                        page=f"/learners/{sam.id}")
    assert response.status_code == 302


# --- the course catalogue -----------------------------------------------------------------------

def test_course_catalogue(login_as, world):
    course()
    course("Return to Learn", category="union_course", subject="other", level="unlevelled")
    c = login_as("ulr_a1")
    page = text(c.get("/learners/courses"))
    assert "Return to Learn" in page and "Skills for Life literacy Entry 3" in page and "Add a course" not in page
    page = text(c.get("/learners/courses?category=union_course"))
    assert ">Return to Learn<" in page and "Skills for Life literacy Entry 3" not in page
    page = text(c.get("/learners/courses?q=literacy"))
    assert ">Return to Learn<" not in page and "Skills for Life literacy Entry 3" in page
    assert c.get("/learners/courses/new").status_code == 403
    admin = login_as("admin")
    assert "Add a course" in text(admin.get("/learners/courses"))
    response = admin.submit("/learners/courses/new", {"title": "ESOL Entry 1 (evening)", "category": "esol",
                                                      "subject": "esol", "level": "entry_1", "provider": "WEA",
                                                      "qualification": "yes", "active": "yes"})
    assert response.status_code == 302, text(response)
    new = db.session.scalars(select(Course).where(Course.title == "ESOL Entry 1 (evening)")).one()
    assert (new.category, new.subject, new.level, new.provider, new.qualification, new.active) == (
        "esol", "esol", "entry_1", "WEA", True, True)
    page = text(admin.get(f"/learners/courses/{new.id}/edit"))
    assert 'value="ESOL Entry 1 (evening)"' in page
    assert 'name="version" value="1"' in page  # the page form posts the version it was filled in from
    edit = {"title": "ESOL Entry 1", "category": "esol", "subject": "esol", "level": "entry_1", "provider": "",
            "qualification": "yes", "active": "no", "version": "1"}
    response = admin.submit(f"/learners/courses/{new.id}/edit", edit)
    assert response.status_code == 302
    db.session.refresh(new)
    assert (new.title, new.active, new.provider, new.version) == ("ESOL Entry 1", False, None, 2)
    # a save from the old version: the conflict page, with what was typed and what is saved now
    stale = admin.submit(f"/learners/courses/{new.id}/edit", {**edit, "title": "ESOL Entry 1 (lost?)"})
    assert stale.status_code == 409
    assert "ESOL Entry 1 (lost?)" in text(stale) and "Saved now (version 2)" in text(stale)
    db.session.refresh(new)
    assert new.title == "ESOL Entry 1"
    assert "No longer offered" in text(admin.get("/learners/courses"))
    assert admin.get("/learners/courses/999999/edit").status_code == 404


@pytest.mark.parametrize("data,field", [
    ({"title": ""}, "title"), ({"title": "RETURN TO LEARN"}, "title"), ({"category": ""}, "category"),
    ({"level": "level_42"}, "level"), ({"qualification": ""}, "qualification"), ({"subject": "art"}, "subject"),
])
def test_course_form_bad_input(login_as, world, data, field):
    course("Return to Learn", category="union_course", subject="other", level="unlevelled")
    values = {"title": "A new course", "category": "cpd", "subject": "other", "level": "unlevelled",
              "qualification": "no", "active": "yes", **data}
    response = login_as("admin").submit("/learners/courses/new", values)
    assert response.status_code == 400 and f'href="#{field}"' in text(response)
    assert count(Course) == 1


# --- the menu and the ULR's home ---------------------------------------------------------------

CURRENT = re.compile(r'aria-current="page"><strong class="govuk-service-navigation__active-fallback">([^<]+)</strong>')


def test_menu_has_learners_for_everyone_and_marks_every_learner_page(login_as, world):
    sam = learner(world)
    e = enrolment(sam, course(), "enrolled")
    c = login_as("convenor_a1")
    for path in ("/learners", "/learners/new", f"/learners/{sam.id}", f"/learners/{sam.id}/edit",
                 f"/learners/{sam.id}/needs-analysis", f"/learners/{sam.id}/enrol",
                 f"/learners/{sam.id}/enrolments/{e.id}/status", f"/learners/{sam.id}/merge"):
        assert CURRENT.findall(text(c.get(path))) == ["Learners"], path
    for role in ("admin", "organiser_a", "convenor_a1", "ulr_a1"):
        page = text(login_as(role).get("/"))
        assert 'href="/learners">Learners</a>' in page and 'href="/cases">Cases</a>' in page, role
        # the course catalogue is reference data: only administrators change it
        assert ('href="/learners/courses">Courses</a>' in page) == (role == "admin"), role
    assert CURRENT.findall(text(login_as("admin").get("/learners/courses"))) == ["Courses"]


def test_ulr_home_puts_the_caseload_before_time_off_and_the_organisation(login_as, world):
    learner(world, rep=rep(world, user=world.users.ulr_a1))
    page = plain(login_as("ulr_a1").get("/"))
    assert page.index("Your learners") < page.index("Your time off") < page.index("Your branch") < page.index("council services and other sites")
    convenor = plain(login_as("convenor_a1").get("/"))
    # the work first, the organisation's numbers after it (issue 12: the first screen is the most urgent work)
    assert convenor.index("What needs doing") < convenor.index("Your branch's work") < convenor.index(
        "council services and other sites")


def test_a_ulr_saves_just_a_name_and_workplace_before_consent(login_as, world):
    mine = rep(world, user=world.users.ulr_a1)
    c = login_as("ulr_a1")
    response = c.submit("/learners/new", {"name": "Not Yet Asked", "workplace_id": world.workplaces.school_a1.id,
                                          "rep_id": mine.id})
    assert response.status_code == 302, plain(response)
    made = db.session.scalars(select(Learner)).one()
    assert (made.consent_on, made.rep_id, made.created_by_id) == (None, None, world.users.ulr_a1.id)
    assert f'href="/learners/{made.id}"' in text(c.get("/learners"))  # theirs, as its recorder


@pytest.mark.parametrize("path, listed", [
    ("/learners?q={}", "Sam Okafor"), ("/workplaces?q={}", "Brunswick Park"), ("/employers?q={}", "London Borough of Barnet"),
    ("/reps?q={}", "Pat Jones"), ("/cases?q={}", "Maths support"), ("/learners/courses?q={}", "Skills for Life literacy Entry 3"),
])
@pytest.mark.parametrize("wildcard", ["_", "%25"])
def test_search_wildcards_are_searched_for_as_typed(login_as, world, path, listed, wildcard):
    from tests.cases.helpers import case

    learner(world, name="Sam Okafor")
    rep(world)
    course()
    case(world, "Maths support", kind="learner_support")
    c = login_as("convenor_a1")
    assert listed in plain(c.get(path.split("?")[0]))  # listed without a search
    assert listed not in plain(c.get(path.format(wildcard)))  # a lone % or _ matches no name
