"""Reading special-category data (learners' equality monitoring) is audited as ONE entry per request,
naming the records shown (their ids) and what was shown (the fields), not one INSERT per learner."""
from __future__ import annotations

from flask import g
from sqlalchemy import func, select

from ulr_app.core import audit
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.learners import services
from ulr_app.learners.models import Learner

from .api.helpers import new_token

EQUALITY = {"gender": "female", "ethnicity": "Black British", "disability": "none declared", "age_band": "35-44"}
FIELDS = sorted(Learner.__special_category__)
CONSENT = {"consent_on": "2026-01-05", "consent_scope": "Learning records and contact by the branch"}


def _learners(world, n: int, start: int = 0) -> list[int]:
    g.audit_actor_label = "test set-up"
    made = [services.create_learner({"name": f"Learner {i:03d}", "workplace_id": world.workplaces.school_a1.id,
                                     **CONSENT, **EQUALITY}, branch=world.branches.a1, not_duplicate=True)
            for i in range(start, start + n)]
    db.session.commit()
    return [lr.id for lr in made]


def _reads() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "read_special")
                                   .order_by(AuditEntry.id)))


def _inserts(statements) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("INSERT INTO AUDIT_ENTRY"))


def test_an_api_list_of_50_learners_writes_one_entry_naming_them(make_client, world, count_queries):
    ids = _learners(world, 50)
    token = new_token(world.users.organiser_a)
    client = make_client()
    with count_queries() as q:
        response = client.get("/api/v1/learners?per_page=500", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(response.json["items"]) == 50 and all(i["ethnicity"] == "Black British" for i in response.json["items"])
    [entry] = _reads()
    assert entry.actor_id == world.users.organiser_a.id and entry.object_type == "learner"
    assert sorted(entry.changes["records"]) == sorted(ids)
    assert entry.changes["fields"] == FIELDS
    assert entry.object_id is None  # many records: they are named in changes["records"]
    assert "50 learners" in entry.summary and "API: learner list" in entry.summary
    assert _inserts(q.statements) == 1


def test_the_statements_of_a_list_do_not_grow_with_its_rows(make_client, world, count_queries):
    _learners(world, 5)
    token = new_token(world.users.convenor_a1)
    client = make_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/learners?per_page=500", headers=headers)  # warm up (reference data, ...)
    with count_queries() as few:
        assert client.get("/api/v1/learners?per_page=500", headers=headers).status_code == 200
    _learners(world, 45, start=5)
    with count_queries() as many:
        response = client.get("/api/v1/learners?per_page=500", headers=headers)
    assert len(response.json["items"]) == 50
    assert many.count == few.count, many.statements
    assert sorted(_reads()[-1].changes["records"]) == sorted(i["id"] for i in response.json["items"])


def test_the_learner_page_still_audits_its_read(login_as, world):
    [one] = _learners(world, 1)
    c = login_as("convenor_a1")
    response = c.get(f"/learners/{one}")
    assert response.status_code == 200 and "Black British" in response.get_data(as_text=True)
    [entry] = _reads()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("learner", one, world.users.convenor_a1.id)
    assert entry.changes == {"records": [one], "fields": FIELDS}
    assert "Learner 000" in entry.summary and "learner page" in entry.summary
    # the API's one-learner answer too
    token = new_token(world.users.convenor_a1)
    assert make_get(c, f"/api/v1/learners/{one}", token).status_code == 200
    assert [e.object_id for e in _reads()] == [one, one]


def make_get(client, url, token):
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


def test_who_may_not_see_the_values_leaves_no_read(make_client, world):
    _learners(world, 3)
    from tests.learners.helpers import rep

    rep(world, user=world.users.ulr_a1)
    token = new_token(world.users.ulr_a1)
    response = make_get(make_client(), "/api/v1/learners?per_page=500", token)
    assert response.status_code == 200
    assert _reads() == []


def test_an_empty_page_writes_nothing(make_client, world):
    token = new_token(world.users.convenor_b1)
    _learners(world, 2)  # Barnet's: not the Newcastle convenor's
    response = make_get(make_client(), "/api/v1/learners", token)
    assert response.status_code == 200 and response.json["items"] == []
    assert _reads() == []


def test_reads_of_one_request_are_merged(app, world):
    """Two reads in one request (the page and a second place) make one entry naming both records."""
    a, b = _learners(world, 2)
    learners = db.session.scalars(select(Learner).where(Learner.id.in_([a, b])).order_by(Learner.id)).all()
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with app.test_request_context("/"):
        services.audit_equality_read([learners[0]], world.users.admin, "learner page")
        services.audit_equality_read(learners, world.users.admin, "API: learner list")
        assert audit.write_reads(db.session) == 1
        assert audit.write_reads(db.session) == 0  # written once
    db.session.commit()
    [entry] = _reads()
    assert entry.changes == {"records": [a, b], "fields": FIELDS}
    assert "2 learners" in entry.summary and "learner page, API: learner list" in entry.summary
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before + 1


def test_outside_a_request_the_read_is_written_at_once(app, world):
    a, b = _learners(world, 2)
    learners = db.session.scalars(select(Learner).where(Learner.id.in_([a, b]))).all()
    services.audit_equality_read(learners, world.users.admin, "export")
    db.session.commit()
    [entry] = _reads()
    assert sorted(entry.changes["records"]) == [a, b] and entry.actor_label == "test set-up"


def test_a_page_shown_again_with_errors_keeps_its_read(login_as, world):
    """A 400 page (a form shown again) rolls the change back but keeps the read of what it showed."""
    [one] = _learners(world, 1)
    c = login_as("convenor_a1")
    token = c.token(f"/learners/{one}")
    assert len(_reads()) == 1
    bad = c.post(f"/learners/{one}/contacts", data={"csrf_token": token, "kind": "", "text": ""})
    assert bad.status_code == 400
    reads = _reads()
    assert len(reads) == 2 and reads[-1].object_id == one
