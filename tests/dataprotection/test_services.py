"""Subject access requests: validation with clear messages, nothing half-saved, the due date stored and kept
in step, audit and timeline, and the bank holidays an administrator adds."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import Conflict, ValidationFailed
from ulr_app.core.timeline import entries_for
from ulr_app.dataprotection import services
from ulr_app.dataprotection.models import BankHoliday, SubjectAccessRequest
from ulr_app.extensions import db

from .helpers import make_sar

TODAY = date(2026, 12, 7)


def _count(model=SubjectAccessRequest) -> int:
    stmt = select(func.count()).select_from(model)
    if model is AuditEntry:
        stmt = stmt.where(AuditEntry.object_type.in_(("subject_access_request", "bank_holiday")))
    return db.session.scalar(stmt)


def test_create_works_out_and_stores_the_due_date(world):
    sar = services.create_request({"person_name": " Pat Example ", "received_on": "2026-11-25"},
                                  branch=world.branches.a1, today=TODAY)
    assert (sar.person_name, sar.status, sar.extension_months) == ("Pat Example", "open", 0)
    assert sar.due_on == date(2026, 12, 29)  # Christmas, the weekend and the Boxing Day substitute
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "subject_access_request")).one()
    assert entry.action == "create" and entry.changes["due_on"] == [None, "2026-12-29"]
    assert entries_for(db.session, sar)[0].text == ("Request received on 25 November 2026; the answer is due by "
                                                     "29 December 2026")


def test_update_recomputes_the_due_date_and_audits(world):
    sar = make_sar(world.branches.a1, received_on="2026-11-02")
    assert sar.due_on == date(2026, 12, 2)
    changes = services.update_request(sar, {"identity_received_on": "2026-11-25", "extension_months": 1,
                                            "extension_reason": "Many records across three employers"},
                                      version=sar.version, today=TODAY)
    assert sar.due_on == date(2027, 1, 25)
    assert set(changes) == {"identity_received_on", "extension_months", "extension_reason", "due_on"}
    texts = [e.text for e in entries_for(db.session, sar)]
    assert "Proof of identity arrived on 25 November 2026" in texts
    assert "Deadline extended by 1 month: Many records across three employers" in texts
    assert "The answer is now due by 25 January 2027" in texts
    services.update_request(sar, {"status": "answered", "answered_on": "2026-12-04"}, version=sar.version, today=TODAY)
    assert sar.status == "answered"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "subject_access_request", AuditEntry.action == "update")) == 2


def test_stale_version_changes_nothing(world):
    sar = make_sar(world.branches.a1, received_on="2026-11-02")
    with pytest.raises(Conflict):
        services.update_request(sar, {"person_name": "Someone else"}, version=sar.version + 1, today=TODAY)
    assert sar.person_name == "Pat Example"


BAD = [
    ({"person_name": ""}, "person_name", "Enter the name of the person who asked"),
    ({"received_on": None}, "received_on", "Enter the date the request was received"),
    ({"received_on": "31 2 2026"}, "received_on", "Enter the date the request was received as a real date, for example 31 3 2026"),
    ({"received_on": "2026-12-08"}, "received_on", "This date cannot be in the future"),
    ({"identity_received_on": "2026-10-31"}, "identity_received_on",
     "Proof of identity cannot arrive before the request was received"),
    ({"extension_months": 3, "extension_reason": "Complex"}, "extension_months",
     "The deadline can be extended by at most 2 further months (UK GDPR Art 12(3))"),
    ({"extension_months": "two"}, "extension_months", "Choose no extension, 1 month or 2 months"),
    ({"extension_months": 1}, "extension_reason",
     "Enter why the deadline is extended (the request is complex, or there are several from the same person)"),
    ({"extension_reason": "Complex"}, "extension_reason",
     "Give a reason only when the deadline is extended, or choose an extension"),
    ({"status": "answered"}, "answered_on", "Enter the date the request was answered"),
    ({"status": "answered", "answered_on": "2026-10-31"}, "answered_on",
     "The request cannot be answered before it was received"),
    ({"status": "answered", "answered_on": "2026-12-08"}, "answered_on", "This date cannot be in the future"),
    ({"answered_on": "2026-11-20"}, "answered_on", "Leave the date answered empty unless the request has been answered"),
    ({"status": "closed"}, "status", "Choose open, answered or withdrawn"),
    ({"due_on": "2026-10-01"}, "due_on", "This field is not part of a subject access request"),
]


@pytest.mark.parametrize(("data", "field", "message"), BAD, ids=[f"{b[1]}:{b[2][:30]}" for b in BAD])
def test_bad_input_is_refused_and_nothing_is_saved(world, data, field, message):
    base = {"person_name": "Pat Example", "received_on": "2026-11-02"}
    with pytest.raises(ValidationFailed) as exc:
        services.create_request({**base, **data}, branch=world.branches.a1, today=TODAY)
    assert exc.value.fields[field] == [message]
    assert _count() == 0 and _count(AuditEntry) == 0
    sar = make_sar(world.branches.a1, received_on="2026-11-02")
    before = (sar.version, sar.due_on, sar.person_name, sar.status)
    with pytest.raises(ValidationFailed):
        services.update_request(sar, {**base, **data}, version=sar.version, today=TODAY)
    db.session.flush()
    assert (sar.version, sar.due_on, sar.person_name, sar.status) == before


def test_learner_must_be_of_the_branch(world):
    from ulr_app.learners import services as learner_services

    other = learner_services.create_learner({"name": "Kim Camden"}, branch=world.branches.a2)
    with pytest.raises(ValidationFailed) as exc:
        make_sar(world.branches.a1, learner_id=other.id)
    assert exc.value.fields["learner_id"] == ["Choose one of this branch's learners"]


def test_adding_a_bank_holiday_moves_open_due_dates(world):
    sar = make_sar(world.branches.a1, received_on=(date.today() - timedelta(days=2)).isoformat())
    closed = make_sar(world.branches.a1, received_on=(date.today() - timedelta(days=2)).isoformat())
    services.update_request(closed, {"status": "withdrawn"}, version=closed.version)
    due, closed_due = sar.due_on, closed.due_on
    holiday = services.add_bank_holiday({"holiday_on": due.isoformat(), "name": "An extra bank holiday"})
    assert holiday.id and sar.due_on > due and sar.due_on.weekday() < 5
    assert closed.due_on == closed_due  # only open requests move
    assert any("the bank holidays changed" in e.text for e in entries_for(db.session, sar))
    with pytest.raises(ValidationFailed) as exc:
        services.add_bank_holiday({"holiday_on": due.isoformat(), "name": "Again"})
    assert exc.value.fields["holiday_on"][0].endswith("is already a bank holiday")
    with pytest.raises(ValidationFailed) as exc:
        services.add_bank_holiday({"holiday_on": "2026-12-25", "name": "Christmas"})
    assert exc.value.fields["holiday_on"] == ["25 December 2026 is already a bank holiday"]
    with pytest.raises(ValidationFailed) as exc:
        services.add_bank_holiday({"holiday_on": "2031-01-04", "name": ""})
    assert exc.value.fields["holiday_on"] == ["A bank holiday falls on a weekday: a Saturday or Sunday is never a "
                                              "working day anyway"]
    assert exc.value.fields["name"] == ["Enter the name of the bank holiday"]
    assert _count(BankHoliday) == 1 and db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "bank_holiday")) == 1
