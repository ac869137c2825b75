"""A learner release names its learner on the page form (issue 12, item 6): the learner is chosen from
the branch's learners the user may see (a convenor: the branch's; a ULR: their caseload), the course
from the learner's open enrolments or typed, and the request's page is titled with the learner's name.
Bad input: no learner, a learner of another branch or out of sight, a course not among the learner's,
a course both chosen and typed: a clear message on the field, nothing saved, what was typed kept."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ulr_app.extensions import db
from ulr_app.reps import services as rep_services
from ulr_app.timeoff import services
from ulr_app.timeoff.models import TimeOffRequest
from tests.learners.helpers import course, empty_catalogue, enrolment, learner, plain, text

START = date.today() + timedelta(days=30)
FORM = {"purpose": "course_attendance", "starts_on": f"{START.day}/{START.month}/{START.year}", "starts_time": "9:30am",
        "duration_hours": "3", "location": "Barnet College, room 4", "course": "", "rep_id": "",
        "reason": "Day release for the maths exam"}


@pytest.fixture(autouse=True)
def _own_catalogue(app):
    empty_catalogue()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(TimeOffRequest))


def _form(world, **changes):
    return {**FORM, "workplace_id": world.workplaces.school_a1.id, **changes}


def _options(page: str, name: str) -> list[str]:
    select_ = page[page.index(f'name="{name}"'):]
    select_ = select_[:select_.index("</select>")]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select_)


def _summary_links(page: str) -> list[str]:
    block = page[page.index("govuk-error-summary__list"):]
    return re.findall(r'href="#([^"]+)"', block[:block.index("</ul>")])


def test_the_form_lists_only_the_branch_learners_the_user_may_see(login_as, world):
    learner(world, name="Sam Okafor")
    learner(world, "a2", name="Alex Other Branch", workplace="school_a2")
    learner(world, "b1", name="Bea Newcastle", workplace="school_b1")
    page = text(login_as("convenor_a1").get("/time-off/new"))
    names = _options(page, "learner_id")
    assert names[0] == "Choose the learner" and any(n.startswith("Sam Okafor") for n in names)
    assert not any("Alex" in n or "Bea" in n for n in names)
    # shown under its purpose, revealed by the radio (and always shown without scripts)
    assert 'id="conditional-learner-release"' in page and 'data-aria-controls' not in page  # always shown: no reveal


def test_a_ulr_chooses_from_their_own_caseload(login_as, world):
    rep = rep_services.create_rep({"name": "Pat Jones", "employer_id": world.workplaces.school_a1.employer_id,
                                   "workplace_id": world.workplaces.school_a1.id, "appointed_on": "2026-01-05",
                                   "notice_given_on": "2026-01-06", "training_route": "already_trained",
                                   "user_id": world.users.ulr_a1.id}, branch=world.branches.a1)
    db.session.commit()
    mine = learner(world, name="Sam Okafor", rep=rep)
    other = learner(world, name="Jo Not Mine")
    c = login_as("ulr_a1")
    names = _options(text(c.get("/time-off/new")), "learner_id")
    assert any(n.startswith("Sam Okafor") for n in names) and not any("Jo Not Mine" in n for n in names)
    response = c.submit("/time-off/new", _form(world, learner_id=other.id, course="Maths Level 1"))
    assert response.status_code == 400 and "Choose a learner of this branch from the list" in text(response)
    assert _count() == 0
    response = c.submit("/time-off/new", _form(world, learner_id=mine.id, course="Maths Level 1"))
    assert response.status_code == 302, plain(response)
    r = db.session.scalars(select(TimeOffRequest)).one()
    assert (r.kind, r.learner_id, r.rep_id, r.course) == ("learner_release", mine.id, rep.id, "Maths Level 1")


@pytest.mark.parametrize("case,message,field", [
    ("no learner", "Choose the learner who is being released to study", "learner_id"),
    ("another branch", "Choose a learner of this branch from the list", "learner_id"),
    ("no such learner", "Choose a learner of this branch from the list", "learner_id"),
    ("nonsense", "Choose", "learner_id"),
    ("no course", "Enter the course the learner will attend", "course"),
])
def test_learner_release_bad_input(login_as, world, case, message, field):
    sam = learner(world)
    far = learner(world, "b1", name="Bea Newcastle", workplace="school_b1")
    learner_id = {"no learner": "", "another branch": far.id, "no such learner": 999999, "nonsense": "sam",
                  "no course": sam.id}[case]
    typed = "" if case == "no course" else "Functional Skills maths Level 1"
    response = login_as("convenor_a1").submit("/time-off/new", _form(world, learner_id=learner_id, course=typed))
    page = text(response)
    assert response.status_code == 400, plain(response)[:2000]
    assert "There is a problem" in page and message in page
    assert field in _summary_links(page)
    assert _count() == 0
    # what was typed is kept
    assert 'value="Barnet College, room 4"' in page and "Day release for the maths exam" in page
    if typed:
        assert f'value="{typed}"' in page
    assert re.search(r'id="purpose-course_attendance"[^>]*checked', page)


def test_other_errors_are_shown_beside_the_missing_learner(login_as, world):
    learner(world)
    response = login_as("convenor_a1").submit("/time-off/new", _form(world, learner_id="", course="Maths",
                                                                     duration_hours="lots", location=""))
    page = text(response)
    assert response.status_code == 400
    links = _summary_links(page)
    assert {"learner_id", "duration_hours", "location"} <= set(links)
    assert _count() == 0


def test_the_course_comes_from_the_learners_enrolments(login_as, world):
    sam = learner(world)
    maths = course("Functional Skills maths Level 1", subject="numeracy", level="level_1")
    esol = course("ESOL Entry 3", category="esol", subject="esol", level="entry_3")
    done = course("Skills for Life literacy Entry 3")
    enrolment(sam, maths, "in_progress")
    enrolment(sam, esol, "enrolled")
    enrolment(sam, done, "achieved")
    c = login_as("convenor_a1")
    # chosen, course left blank: the learner's open courses are offered, with a clear message
    response = c.submit("/time-off/new", _form(world, learner_id=sam.id))
    page = text(response)
    assert response.status_code == 400 and _count() == 0
    assert "Choose one of their courses, or type the course below" in page and "course_choice" in _summary_links(page)
    assert _options(page, "course_choice") == ["Choose a course", "Functional Skills maths Level 1", "ESOL Entry 3",
                                               "Another course (type it in Course below)"]
    assert "Course from Sam Okafor&#39;s enrolments" in page or "Course from Sam Okafor's enrolments" in page
    # a course that is not theirs is refused
    response = c.submit("/time-off/new", _form(world, learner_id=sam.id, course_choice="Skills for Life literacy Entry 3"))
    assert response.status_code == 400 and "Choose a course from the learner" in text(response) and _count() == 0
    # chosen and a different one typed: keep one
    response = c.submit("/time-off/new", _form(world, learner_id=sam.id, course_choice="ESOL Entry 3", course="Pottery"))
    assert response.status_code == 400 and "typed another course" in text(response) and _count() == 0
    assert 'value="Pottery"' in text(response)
    # "another course" and a typed one: the typed course
    response = c.submit("/time-off/new", _form(world, learner_id=sam.id, course_choice="other", course="Pottery"))
    assert response.status_code == 302
    assert db.session.scalars(select(TimeOffRequest)).one().course == "Pottery"
    # chosen from the list
    response = c.submit("/time-off/new", _form(world, learner_id=sam.id, course_choice="ESOL Entry 3"))
    assert response.status_code == 302
    r = db.session.scalars(select(TimeOffRequest).order_by(TimeOffRequest.id.desc())).first()
    assert (r.course, r.learner_id) == ("ESOL Entry 3", sam.id)
    # the request is titled with the learner's name, and names (and links) them
    page = text(c.get(f"/time-off/{r.id}"))
    assert "<title>Learner release for Sam Okafor" in page
    assert re.search(r'<h1 class="govuk-heading-l">\s*Learner release for Sam Okafor\s*</h1>', page)
    assert f'href="/learners/{sam.id}"' in page
    # editing shows the chosen course in the list, selected
    page = text(c.get(f"/time-off/{r.id}/edit"))
    assert re.search(r'<option[^>]*value="ESOL Entry 3"[^>]*selected', page) or \
        re.search(r'<option[^>]*selected[^>]*value="ESOL Entry 3"', page)


def test_the_address_can_name_the_learner(login_as, world):
    sam = learner(world)
    enrolment(sam, course("Functional Skills maths Level 1", subject="numeracy", level="level_1"), "enrolled")
    far = learner(world, "b1", name="Bea Newcastle", workplace="school_b1")
    c = login_as("convenor_a1")
    page = text(c.get(f"/time-off/new?learner_id={sam.id}"))
    assert re.search(rf'<option[^>]*value="{sam.id}"[^>]*selected', page) or \
        re.search(rf'<option[^>]*selected[^>]*value="{sam.id}"', page)
    assert re.search(r'id="purpose-course_attendance"[^>]*checked', page)
    assert "Functional Skills maths Level 1" in _options(page, "course_choice")
    # a learner out of sight is not chosen
    page = text(c.get(f"/time-off/new?learner_id={far.id}"))
    assert 'name="course_choice"' not in page and "Bea Newcastle" not in page
    assert c.get("/time-off/new?learner_id=nonsense").status_code == 200


def test_other_kinds_do_not_keep_a_learner(login_as, world):
    sam = learner(world)
    rep = rep_services.create_rep({"name": "Pat Jones", "employer_id": world.workplaces.school_a1.employer_id,
                                   "workplace_id": world.workplaces.school_a1.id, "appointed_on": "2026-01-05",
                                   "notice_given_on": "2026-01-06", "training_route": "already_trained"},
                                  branch=world.branches.a1)
    db.session.commit()
    response = login_as("convenor_a1").submit("/time-off/new", _form(world, purpose="analysing_needs", rep_id=rep.id,
                                                                     learner_id=sam.id))
    assert response.status_code == 302, plain(response)
    r = db.session.scalars(select(TimeOffRequest)).one()
    assert (r.kind, r.learner_id) == ("ulr_duties", None)
    page = text(login_as("convenor_a1").get(f"/time-off/{r.id}"))
    assert "<title>ULR duties: Pat Jones" in page


def test_a_request_without_a_named_learner_keeps_its_old_title(login_as, world):
    r = services.create_request({"kind": "learner_release", "purpose": "course_attendance", "course": "Maths",
                                 "workplace_id": world.workplaces.school_a1.id, "starts_at": f"{START.isoformat()}T09:30",
                                 "duration_hours": "3", "location": "College"}, branch=world.branches.a1)
    db.session.commit()
    page = text(login_as("convenor_a1").get(f"/time-off/{r.id}"))
    assert "<title>Learner release for a course" in page
