"""Erasure pages: the confirmation lists what goes and what stays, a legal hold is shown with its reason and
refuses the erasure (409, nothing changed), bad input is named at the field (400, nothing changed), an
erasure done leaves a record that says so and offers no edit; out of scope 404, ULRs 403."""
from __future__ import annotations

import html
import re
from datetime import date

from sqlalchemy import select

from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.learners import services as learner_services
from ulr_app.learners.models import Learner
from ulr_app.reps import services as rep_services
from ulr_app.reps.models import Rep

NAME = "Morgan Fairweather-Eze"


def _plain(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _learner(world, branch=None, workplace=None, **extra) -> Learner:
    learner = learner_services.create_learner(
        {"name": NAME, "workplace_id": (workplace or world.workplaces.school_a1).id, "consent_on": "2026-02-01",
         "consent_scope": "Learning records", "email": "morgan@example.org", "gender": "Female", **extra},
        branch=branch or world.branches.a1)
    db.session.commit()
    return learner


def _fresh(model, ident):
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(model, ident)


def _erases():
    db.session.rollback()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).all()


def test_the_learner_page_offers_erasure_to_convenors_only(world, login_as):
    learner = _learner(world)
    page = login_as("convenor_a1").get(f"/learners/{learner.id}").get_data(as_text=True)
    assert f'href="/learners/{learner.id}/erase"' in page and "Erase this learner" in page
    rep = rep_services.create_rep({"name": "Barnet ULR", "employer_id": world.employers.a1.id,
                                   "appointed_on": "2026-01-05", "training_route": "already_trained", "user_id": world.users.ulr_a1.id},
                                  branch=world.branches.a1)
    learner.rep_id = rep.id
    db.session.commit()
    page = login_as("ulr_a1").get(f"/learners/{learner.id}").get_data(as_text=True)
    assert "/erase" not in page
    assert login_as("ulr_a1").get(f"/learners/{learner.id}/erase").status_code == 403


def test_confirmation_lists_what_goes_and_what_stays(world, login_as):
    learner = _learner(world)
    response = login_as("convenor_a1").get(f"/learners/{learner.id}/erase")
    assert response.status_code == 200
    page = _plain(response)
    assert "Erase this learner?" in page
    assert "What will be removed" in page and "equality monitoring" in page
    assert "What is kept" in page and "every report’s figures" in page
    assert "This cannot be undone" in page
    assert 'name="reason"' in response.get_data(as_text=True)


def test_bad_input_is_named_at_the_field_and_changes_nothing(world, login_as):
    learner = _learner(world)
    c = login_as("convenor_a1")
    url = f"/learners/{learner.id}/erase"
    response = c.submit(url, {"reason": "   "})
    assert response.status_code == 400
    page = _plain(response)
    assert "Enter why this learner is being erased" in page
    assert "Tick the box to confirm that this cannot be undone" in page
    response = c.submit(url, {"reason": "x" * 501, "confirm": "y"})
    assert response.status_code == 400 and "500 characters or fewer" in _plain(response)
    assert _fresh(Learner, learner.id).name == NAME and not _erases()


def test_a_legal_hold_is_shown_and_refuses_the_erasure(world, login_as):
    learner = _learner(world, legal_hold_reason="Live employment tribunal claim")
    c = login_as("convenor_a1")
    url = f"/learners/{learner.id}/erase"
    response = c.get(url)
    page = _plain(response)
    assert "A legal hold applies: Live employment tribunal claim" in page
    assert 'name="reason"' not in response.get_data(as_text=True)  # no button while held
    response = c.submit(url, {"reason": "Asked", "confirm": "y"}, page=f"/learners/{learner.id}")
    assert response.status_code == 409
    assert "cannot be erased while a legal hold applies: Live employment tribunal claim" in _plain(response)
    assert _fresh(Learner, learner.id).name == NAME and not _erases()


def test_an_erasure_done_leaves_a_record_that_says_so_and_offers_no_edit(world, login_as):
    learner = _learner(world)
    c = login_as("convenor_a1")
    response = c.submit(f"/learners/{learner.id}/erase", {"reason": "The person asked", "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/learners/{learner.id}")
    erased = _fresh(Learner, learner.id)
    assert erased.name == f"Erased learner #{learner.id}" and erased.email is None and erased.gender is None
    page = c.get(f"/learners/{learner.id}")
    text = _plain(page)
    assert f"This record was erased on {date.today().day} {date.today():%B %Y}" in text
    assert NAME not in text
    body = page.get_data(as_text=True)
    assert f"/learners/{learner.id}/edit" not in body and "/erase" not in body and "Log a contact" not in body
    assert c.get(f"/learners/{learner.id}/edit").status_code == 302
    again = c.submit(f"/learners/{learner.id}/erase", {"reason": "Again", "confirm": "y"}, page=f"/learners/{learner.id}")
    assert again.status_code == 302 and len(_erases()) == 1


def test_out_of_scope_answers_404_and_changes_nothing(world, login_as):
    theirs = _learner(world, branch=world.branches.a2, workplace=world.workplaces.school_a2)
    c = login_as("convenor_a1")
    assert c.get(f"/learners/{theirs.id}/erase").status_code == 404
    response = c.submit(f"/learners/{theirs.id}/erase", {"reason": "Asked", "confirm": "y"}, page="/learners")
    assert response.status_code == 404
    assert _fresh(Learner, theirs.id).name == NAME and not _erases()


def test_a_ulr_appointment_is_erased_from_its_page(world, login_as):
    rep = rep_services.create_rep({"name": "Riley Bannerjee", "employer_id": world.employers.a1.id,
                                   "appointed_on": "2026-01-05", "training_route": "already_trained", "notes": "Works mornings", "reference": "U-1"},
                                  branch=world.branches.a1)
    db.session.commit()
    c = login_as("convenor_a1")
    assert "Erase this ULR" in c.get(f"/reps/{rep.id}").get_data(as_text=True)
    response = c.submit(f"/reps/{rep.id}/erase", {"reason": "Left the branch", "confirm": "y"})
    assert response.status_code == 302
    erased = _fresh(Rep, rep.id)
    assert (erased.name, erased.notes, erased.reference) == (f"Erased ULR #{rep.id}", None, None)
    assert erased.appointed_on == date(2026, 1, 5)
    page = c.get(f"/reps/{rep.id}")
    assert "This record was erased on" in _plain(page) and f"/reps/{rep.id}/edit" not in page.get_data(as_text=True)
    assert c.get(f"/reps/{rep.id}/edit").status_code == 409
