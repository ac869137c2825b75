"""POST /api/v1/learners/<id>/erase as the contract says: 200 with the erased item, 409 legal_hold while
held, 404 outside scope, 403 for ULRs, bad input 422/400; nothing changes when refused. The learners'
reference and legal_hold_reason fields (unique reference in the branch, legal hold for convenors only)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.api.helpers import Api, assert_error, fresh, new_token
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.learners import services as learner_services
from ulr_app.learners.models import Learner

NAME = "Alex Pemberton-Ojo"


@pytest.fixture
def api_as(make_client, world):
    return lambda key: Api(make_client(), new_token(getattr(world.users, key)))


def _learner(world, branch="a1", **extra) -> Learner:
    place = {"a1": world.workplaces.school_a1, "a2": world.workplaces.school_a2}[branch]
    learner = learner_services.create_learner(
        {"name": NAME, "workplace_id": place.id, "consent_on": "2026-02-01", "consent_scope": "Learning records",
         "email": "alex@example.org", "ethnicity": "Mixed", **extra}, branch=getattr(world.branches, branch),
        not_duplicate=True)
    db.session.commit()
    return learner


def _unchanged(learner_id) -> bool:
    fresh()
    learner = db.session.get(Learner, learner_id)
    erased = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).all()
    return learner.name == NAME and learner.erased_at is None and not erased


def test_erase_answers_the_erased_item(api_as, world):
    learner = _learner(world, reference="B-17")
    response = api_as("convenor_a1").post(f"/learners/{learner.id}/erase", json={"reason": "The person asked"})
    assert response.status_code == 200, response.json
    item = response.json
    assert item["id"] == learner.id and item["name"] == f"Erased learner #{learner.id}"
    assert (item["email"], item["ethnicity"], item["reference"], item["legal_hold_reason"]) == (None, None, None, None)
    assert item["erased_at"] and item["workplace_id"] == world.workplaces.school_a1.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
    assert entry.changes["reason"] == "The person asked" and NAME not in entry.summary
    # erased: read-only
    again = api_as("convenor_a1").patch(f"/learners/{learner.id}", json={"version": item["version"], "job_title": "x"})
    assert_error(again, 409, "conflict")
    assert_error(api_as("convenor_a1").post(f"/learners/{learner.id}/erase"), 409, "conflict")


def test_erase_without_a_body(api_as, world):
    learner = _learner(world)
    response = api_as("organiser_a").post(f"/learners/{learner.id}/erase")
    assert response.status_code == 200 and response.json["name"] == f"Erased learner #{learner.id}"


def test_legal_hold_answers_409_legal_hold_with_the_reason_and_changes_nothing(api_as, world):
    learner = _learner(world, legal_hold_reason="Grievance still open")
    error = assert_error(api_as("convenor_a1").post(f"/learners/{learner.id}/erase", json={}), 409, "legal_hold")
    assert "Grievance still open" in error["message"]
    assert _unchanged(learner.id)


def test_outside_scope_404_ulr_403_and_nothing_changes(api_as, world):
    theirs = _learner(world, "a2")
    assert_error(api_as("convenor_a1").post(f"/learners/{theirs.id}/erase", json={}), 404, "not_found")
    assert_error(api_as("organiser_b").post(f"/learners/{theirs.id}/erase", json={}), 404, "not_found")
    assert_error(api_as("ulr_a1").post(f"/learners/{theirs.id}/erase", json={}), 403, "forbidden")
    assert _unchanged(theirs.id)


@pytest.mark.parametrize("body, field", [
    ({"reason": 12}, "reason"),
    ({"reason": "x" * 501}, "reason"),
    ({"reason": "bad\x00text"}, "reason"),
    ({"name": "Someone"}, "name"),
])
def test_bad_input_answers_422_at_the_field_and_changes_nothing(api_as, world, body, field):
    learner = _learner(world)
    assert_error(api_as("convenor_a1").post(f"/learners/{learner.id}/erase", json=body), 422, "validation_failed",
                 fields=(field,))
    assert _unchanged(learner.id)


def test_a_body_that_is_not_an_object_answers_400(api_as, world):
    learner = _learner(world)
    assert_error(api_as("convenor_a1").post(f"/learners/{learner.id}/erase", json=["reason"]), 400, "bad_request")
    assert _unchanged(learner.id)


def test_reference_is_unique_within_the_branch(api_as, world):
    api = api_as("convenor_a1")
    first = api.post("/learners", json={"name": "Robin One", "workplace_id": world.workplaces.school_a1.id,
                                        "reference": "B-1"})
    assert first.status_code == 201 and first.json["reference"] == "B-1"
    error = assert_error(api.post("/learners", json={"name": "Robin Two", "workplace_id": world.workplaces.school_a1.id,
                                                     "reference": "B-1"}), 422, "validation_failed",
                         fields=("reference",))
    assert f"learner {first.json['id']}" in error["fields"]["reference"][0]
    other = api_as("convenor_a2").post("/learners", json={"name": "Robin Three", "reference": "B-1",
                                                          "workplace_id": world.workplaces.school_a2.id})
    assert other.status_code == 201  # another branch may use the same reference


def test_only_convenors_and_above_set_a_legal_hold(api_as, world):
    from ulr_app.reps import services as rep_services

    learner = _learner(world)
    rep = rep_services.create_rep({"name": "Barnet ULR", "employer_id": world.employers.a1.id,
                                   "appointed_on": "2026-01-05", "training_route": "already_trained",
                                   "user_id": world.users.ulr_a1.id}, branch=world.branches.a1)
    learner.rep_id = rep.id
    db.session.commit()
    version = learner.version
    assert_error(api_as("ulr_a1").patch(f"/learners/{learner.id}", json={"version": version,
                                                                       "legal_hold_reason": "Tribunal"}),
                 422, "validation_failed", fields=("legal_hold_reason",))
    response = api_as("convenor_a1").patch(f"/learners/{learner.id}", json={"version": version,
                                                                          "legal_hold_reason": "Tribunal"})
    assert response.status_code == 200 and response.json["legal_hold_reason"] == "Tribunal"
