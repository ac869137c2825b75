"""The branch's reference and the legal hold on learners and ULR appointments (services and pages): a
reference unique within the branch (a clear error at the field, nothing saved), a legal hold only from
convenors and above, and an erased record that no service changes any more."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.learners.helpers import CONSENT
from ulr_app.core.errors import Conflict, ValidationFailed
from ulr_app.dataprotection import erasure
from ulr_app.extensions import db
from ulr_app.learners import services as learner_services
from ulr_app.learners.models import Learner
from ulr_app.reps import services as rep_services
from ulr_app.reps.models import Rep


def _plain(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _learner(world, name="Dana Oyelaran", branch=None, workplace=None, **extra) -> Learner:
    learner = learner_services.create_learner(
        {"name": name, "workplace_id": (workplace or world.workplaces.school_a1).id, **CONSENT, **extra},
        branch=branch or world.branches.a1, not_duplicate=True)
    db.session.commit()
    return learner


def _rep(world, name="Kit Marlow", **extra) -> Rep:
    rep = rep_services.create_rep({"name": name, "employer_id": world.employers.a1.id, "appointed_on": "2026-01-05",
                                   "training_route": "already_trained", **extra}, branch=world.branches.a1)
    db.session.commit()
    return rep


def test_a_learner_reference_is_unique_within_the_branch(world):
    first = _learner(world, reference="BAR-1")
    with pytest.raises(ValidationFailed) as refused:
        _learner(world, name="Someone Else", reference="BAR-1")
    assert refused.value.fields["reference"] == [
        f"Another learner of this branch has the reference BAR-1 (learner {first.id}): enter a different one"]
    db.session.rollback()
    assert db.session.scalars(select(Learner.name)).all() == ["Dana Oyelaran"]
    other = _learner(world, name="Camden Person", branch=world.branches.a2, workplace=world.workplaces.school_a2,
                     reference="BAR-1")
    assert other.reference == "BAR-1"
    # its own reference is no clash on an edit; a reference before consent is allowed (the branch's own)
    learner_services.update_learner(first, {"reference": "BAR-1", "job_title": "TA"})
    early = learner_services.create_learner({"name": "No Consent Yet", "reference": "BAR-2"}, branch=world.branches.a1)
    assert early.reference == "BAR-2"


@pytest.mark.parametrize("value, message", [
    ("x" * 61, "The branch's reference must be 60 characters or fewer"),
    ("two\nlines", "Keep this to one line, without tabs or line breaks"),
])
def test_bad_references_are_named(world, value, message):
    with pytest.raises(ValidationFailed) as refused:
        _learner(world, reference=value)
    assert refused.value.fields["reference"] == [message]
    db.session.rollback()
    assert db.session.scalars(select(Learner)).all() == []


def test_only_convenors_and_above_set_or_lift_a_legal_hold(world):
    ulr = world.users.ulr_a1
    with pytest.raises(ValidationFailed) as refused:
        learner_services.create_learner({"name": "Held Person", "legal_hold_reason": "Grievance"},
                                        branch=world.branches.a1, actor=ulr)
    assert refused.value.fields["legal_hold_reason"] == ["Only branch convenors and above may set or lift a legal hold"]
    held = learner_services.create_learner({"name": "Held Person", "legal_hold_reason": "Grievance"},
                                           branch=world.branches.a1, actor=world.users.convenor_a1)
    assert held.legal_hold_reason == "Grievance"
    with pytest.raises(ValidationFailed):
        learner_services.update_learner(held, {"legal_hold_reason": None}, actor=ulr)
    learner_services.update_learner(held, {"legal_hold_reason": None}, actor=world.users.convenor_a1)
    assert held.legal_hold_reason is None


def test_an_erased_learner_is_changed_by_no_service(world):
    learner = _learner(world)
    other = _learner(world, name="Dana Oyelaran Two")
    erasure.erase_learner(learner, by=None, reason="Asked")
    db.session.commit()
    with pytest.raises(Conflict):
        learner_services.update_learner(learner, {"job_title": "TA"})
    with pytest.raises(Conflict):
        learner_services.record_needs_assessment(learner, {"assessed_on": "2026-03-01"})
    with pytest.raises(Conflict):
        learner_services.enrol(learner, {"course_id": 1, "status": "enquiry"})
    with pytest.raises(Conflict):
        learner_services.log_contact(learner, {"kind": "call", "happened_on": "2026-03-01", "text": "Hi"})
    assert learner_services.merge_problem(other, learner) == "An erased record cannot be merged"


def test_a_rep_reference_is_unique_and_an_erased_rep_is_not_changed(world):
    first = _rep(world, reference="ULR-1")
    with pytest.raises(ValidationFailed) as refused:
        _rep(world, name="Other ULR", reference="ULR-1")
    assert f"(appointment {first.id})" in refused.value.fields["reference"][0]
    db.session.rollback()
    erasure.erase_rep(first, by=None, reason="Asked")
    db.session.commit()
    with pytest.raises(Conflict):
        rep_services.update_rep(first, {"notes": "Back"})


def test_the_learner_form_names_a_reference_clash_and_saves_nothing(world, login_as):
    first = _learner(world, reference="BAR-9")
    second = _learner(world, name="Lee Second")
    c = login_as("convenor_a1")
    url = f"/learners/{second.id}/edit"
    page = c.get(url).get_data(as_text=True)
    assert 'name="reference"' in page and 'name="legal_hold_reason"' in page
    data = {"name": "Lee Second", "workplace_id": str(world.workplaces.school_a1.id), "consent_on": "5 1 2026",
            "consent_scope": CONSENT["consent_scope"], "reference": "BAR-9", "version": str(second.version)}
    response = c.submit(url, data)
    assert response.status_code == 400
    assert f"Another learner of this branch has the reference BAR-9 (learner {first.id})" in _plain(response)
    db.session.rollback()
    assert db.session.get(Learner, second.id).reference is None


def test_a_ulr_gets_no_legal_hold_field(world, login_as):
    rep = _rep(world, user_id=world.users.ulr_a1.id)
    learner = _learner(world, rep_id=rep.id)
    page = login_as("ulr_a1").get(f"/learners/{learner.id}/edit").get_data(as_text=True)
    assert 'name="reference"' in page and 'name="legal_hold_reason"' not in page


def test_the_rep_form_takes_a_reference_and_a_legal_hold(world, login_as):
    rep = _rep(world)
    page = login_as("convenor_a1").get(f"/reps/{rep.id}/edit").get_data(as_text=True)
    assert 'name="reference"' in page and 'name="legal_hold_reason"' in page
