"""Time-off request services: validation, submission, decisions, Acas dates, computed state."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from ulr_app.core.errors import Conflict, ValidationFailed
from ulr_app.extensions import db
from ulr_app.reps import services as reps
from ulr_app.timeoff import queries, services


@pytest.fixture
def rep(world):
    r = reps.create_rep({"name": "Pat Jones", "employer_id": world.employers.a1.id, "workplace_id": world.workplaces.school_a1.id,
                         "appointed_on": "2026-01-05", "notice_given_on": "2026-01-06", "training_route": "will_train",
                         "will_train_notice_on": "2026-01-06"}, branch=world.branches.a1)
    db.session.commit()
    return r


def _request(world, rep, **kw):
    data = {"kind": "ulr_training", "rep_id": rep.id, "workplace_id": world.workplaces.school_a1.id, "purpose": "ulr_training",
            "starts_at": "2026-03-20T09:30", "duration_hours": "6", "location": "UNISON Centre", "course": "ULR stage 1",
            "requested_on": "2026-03-10", **kw}
    return services.create_request(data, branch=world.branches.a1, created_by=world.users.convenor_a1)


def test_refusal_gets_a_tribunal_deadline_and_warnings(world, rep):
    r = _request(world, rep)
    services.submit(r)
    services.record_decision(r, {"status": "refused", "decided_on": "2026-03-12", "refusal_reason": "cover"})
    s = queries.state(r, today=date(2026, 11, 23))
    assert s.notice_days == 10 and s.notice_ok is False
    assert s.tribunal_deadline == date(2026, 6, 11)
    assert any("Short notice" in w for w in s.warnings)
    assert any("not eligible" in w for w in s.warnings)  # the ULR's training deadline passed in July
    services.record_acas(r, {"acas_ec_started_on": "2026-05-01", "acas_ec_certificate_on": "2026-05-15"})
    assert queries.state(r).tribunal_deadline == date(2026, 6, 25)


def test_learner_release_has_no_tribunal_deadline(world, rep):
    r = _request(world, rep, kind="learner_release", purpose="course_attendance", rep_id=None, course="Maths L1")
    services.record_decision(r, {"status": "refused", "decided_on": "2026-03-12", "refusal_reason": "workload"})
    assert queries.state(r).deadline is None


@pytest.mark.parametrize("data,field", [
    ({"kind": "holiday"}, "kind"), ({"purpose": "analysing_needs"}, "purpose"), ({"rep_id": None}, "rep_id"),
    ({"starts_at": "tomorrow"}, "starts_at"), ({"duration_hours": "0"}, "duration_hours"),
    ({"duration_hours": "abc"}, "duration_hours"), ({"location": ""}, "location"), ({"course": ""}, "course"),
    ({"workplace_id": "ZZ"}, "workplace_id"), ({"requested_on": "2099-01-01"}, "requested_on"),
    ({"paid_requested": "yes"}, "paid_requested"), ({"nonsense": 1}, "nonsense"),
])
def test_bad_input(world, rep, data, field):
    with pytest.raises(ValidationFailed) as info:
        _request(world, rep, **data)
    assert field in info.value.fields


def test_workplace_of_another_branch_is_refused(world, rep):
    with pytest.raises(ValidationFailed) as info:
        _request(world, rep, workplace_id=world.workplaces.school_b1.id)
    assert "workplace_id" in info.value.fields


@pytest.mark.parametrize("data,field", [
    ({"status": "maybe", "decided_on": "2026-03-12"}, "status"),
    ({"status": "refused", "decided_on": "2026-03-12"}, "refusal_reason"),
    ({"status": "partly_granted", "decided_on": "2026-03-12", "refusal_reason": "cover", "paid": True}, "hours_granted"),
    ({"status": "partly_granted", "decided_on": "2026-03-12", "refusal_reason": "cover", "paid": True, "hours_granted": "6"}, "hours_granted"),
    ({"status": "granted", "decided_on": "2026-03-12"}, "paid"),
    ({"status": "granted", "decided_on": "2026-03-01", "paid": True}, "decided_on"),
    ({"status": "granted", "decided_on": (date.today() + timedelta(days=2)).isoformat(), "paid": True}, "decided_on"),
])
def test_decision_bad_input(world, rep, data, field):
    r = _request(world, rep)
    with pytest.raises(ValidationFailed) as info:
        services.record_decision(r, data)
    assert field in info.value.fields
    assert r.status == "draft"


def test_decided_requests_cannot_be_edited_or_decided_again(world, rep):
    r = _request(world, rep)
    services.record_decision(r, {"status": "granted", "decided_on": "2026-03-12", "paid": True})
    with pytest.raises(Conflict):
        services.update_request(r, {"location": "Elsewhere"})
    with pytest.raises(Conflict):
        services.record_decision(r, {"status": "refused", "decided_on": "2026-03-12", "refusal_reason": "cover"})
    with pytest.raises(Conflict):
        services.record_acas(r, {"acas_ec_started_on": "2026-04-01"})


def test_open_refusals_nearest_deadline_first(world, rep):
    today = date.today()
    for days_ago in (80, 20, 50):
        r = _request(world, rep, kind="ulr_duties", purpose="analysing_needs", course=None,
                     starts_at=datetime.combine(today - timedelta(days=days_ago + 5), datetime.min.time()).isoformat(),
                     requested_on=(today - timedelta(days=days_ago + 20)).isoformat())
        services.record_decision(r, {"status": "refused", "decided_on": (today - timedelta(days=days_ago)).isoformat(),
                                     "refusal_reason": "cover"})
    db.session.commit()
    rows = queries.open_refusals(world.users.convenor_a1)
    deadlines = [s.tribunal_deadline for _r, s in rows]
    assert deadlines == sorted(deadlines) and len(rows) == 3
    assert queries.open_refusals(world.users.convenor_a2) == []


def test_facility_time(world, rep):
    a = _request(world, rep, kind="ulr_duties", purpose="analysing_needs", duration_hours="4", course=None)
    services.record_decision(a, {"status": "granted", "decided_on": "2026-03-12", "paid": True})
    b = _request(world, rep, kind="ulr_duties", purpose="promoting_learning", duration_hours="6", course=None)
    services.record_decision(b, {"status": "partly_granted", "decided_on": "2026-03-12", "paid": True, "hours_granted": "2",
                                 "refusal_reason": "workload"})
    c = _request(world, rep)
    services.record_decision(c, {"status": "refused", "decided_on": "2026-03-12", "refusal_reason": "cover"})
    db.session.commit()
    [row] = queries.facility_time(world.users.convenor_a1, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert (row["requested"], row["granted"], row["refused"], row["requests"]) == (16, 6, 10, 3)
    assert queries.facility_time(world.users.convenor_a1, start=date(2026, 4, 1), end=date(2026, 4, 30)) == []


def test_notice_counts_uk_calendar_days(world, rep):
    # 00:30 on 1 July UK time is 23:30 on 30 June UTC: still 1 July for the notice count
    r = _request(world, rep, starts_at="2026-07-01T00:30", requested_on="2026-06-10", kind="ulr_duties",
                 purpose="analysing_needs", course=None)
    assert queries.state(r).notice_days == 21


def test_unknown_learner_is_a_validation_error(world, rep):
    with pytest.raises(ValidationFailed) as info:
        _request(world, rep, kind="learner_release", purpose="course_attendance", rep_id=None, course="Maths", learner_id=999999)
    assert "learner_id" in info.value.fields
