"""Time-off monitoring: requests made in the range, refusal rates, notice and open refusals."""
from __future__ import annotations

import pytest

from ulr_app.extensions import db
from ulr_app.reports import figures

from . import helpers as h

START, END = h.d("2026-04-01"), h.d("2026-09-30")


@pytest.fixture
def scene(world):
    r1 = h.request(world, kind="ulr_duties", requested_on="2026-05-01", starts_at="2026-06-01T10:00:00+01:00",
                   status="refused", decided_on="2026-05-10", refusal_reason="cover")
    r2 = h.request(world, kind="ulr_training", requested_on="2026-05-01", starts_at="2026-05-15T09:00:00+01:00",
                   status="partly_granted", decided_on="2026-05-05", hours_granted="1", refusal_reason="workload")
    # 7 days' notice by the UK calendar (1 June, 00:30 BST), though only 6 by the UTC date (31 May)
    r3 = h.request(world, workplace="service_a1", kind="member_access", requested_on="2026-05-25",
                   starts_at="2026-06-01T00:30:00+01:00", status="granted", decided_on="2026-05-28")
    h.request(world, kind="ulr_duties", purpose="promoting_learning", requested_on="2026-07-01",
              starts_at="2026-07-03T10:00:00+01:00", status="submitted")
    h.request(world, kind="ulr_duties", requested_on="2026-05-01", status="withdrawn", decided_on="2026-05-02")
    h.request(world, requested_on="2026-10-01", starts_at="2026-11-01T10:00:00+00:00", status="refused",
              decided_on="2026-10-02")  # outside the range
    h.request(world, "a2", workplace="school_a2", requested_on="2026-05-01", status="refused", decided_on="2026-05-10")
    return r1, r2, r3


def report(user, **kw):
    return figures.time_off(user, start=kw.pop("start", START), end=kw.pop("end", END), **kw)


def test_branch_figures(world, scene):
    r1, r2, _r3 = scene
    got = report(world.users.convenor_a1, branch_id=world.branches.a1.id, today=h.d("2026-06-01"))
    assert got["by_kind"] == {"ulr_duties": 3, "ulr_training": 1, "member_access": 1, "learner_release": 0}
    assert got["by_status"] == {"draft": 0, "submitted": 1, "granted": 1, "partly_granted": 1, "refused": 1, "withdrawn": 1}
    assert got["by_purpose"]["analysing_needs"] == 2 and got["by_purpose"]["promoting_learning"] == 1
    assert sum(got["by_purpose"].values()) == 5
    assert got["by_refusal_reason"]["cover"] == 1 and got["by_refusal_reason"]["workload"] == 1
    # a partly granted request is decided, not refused
    assert got["refusal_rate_by_workplace_kind"] == {
        "school": {"decided": 2, "refused": 1, "rate_pct": 50.0},
        "service": {"decided": 1, "refused": 0, "rate_pct": 0.0},
        "other": {"decided": 0, "refused": 0, "rate_pct": None}}
    assert got["refusal_rate_by_employer"] == [{"employer_id": world.employers.a1.id, "employer_name": world.employers.a1.name,
                                                "decided": 3, "refused": 1, "rate_pct": 33.3}]
    assert got["notice"] == {"given_ok": 3, "short": 2, "unknown": 0}
    assert got["open_refusals"] == [{"id": r2.id, "tribunal_deadline": "2026-08-04"},
                                    {"id": r1.id, "tribunal_deadline": "2026-08-09"}]
    assert got["requests"] == 5


def test_open_refusals_leave_out_passed_deadlines_and_claims_made(world, scene):
    r1, r2, _r3 = scene
    got = report(world.users.convenor_a1, today=h.d("2026-08-05"))
    assert got["open_refusals"] == [{"id": r1.id, "tribunal_deadline": "2026-08-09"}]
    r1.tribunal_claim_on = h.d("2026-07-01")
    db.session.commit()
    assert report(world.users.convenor_a1, today=h.d("2026-06-01"))["open_refusals"] == [
        {"id": r2.id, "tribunal_deadline": "2026-08-04"}]


def test_region_and_scope(world, scene):
    region = report(world.users.organiser_a, region_id=world.regions.a.id)
    assert region["requests"] == 6
    assert {r["employer_id"] for r in region["refusal_rate_by_employer"]} == {world.employers.a1.id, world.employers.a2.id}
    assert report(world.users.organiser_b, region_id=world.regions.b.id)["requests"] == 0
    # a ULR sees only their own requests
    assert report(world.users.ulr_a1)["requests"] == 0
    h.request(world, requested_on="2026-05-01", created_by=world.users.ulr_a1)
    assert report(world.users.ulr_a1)["requests"] == 1


def test_nothing_decided_gives_no_rate(world):
    h.request(world, requested_on="2026-05-01", status="submitted")
    got = report(world.users.convenor_a1)
    assert got["refusal_rate_by_workplace_kind"]["school"] == {"decided": 0, "refused": 0, "rate_pct": None}
    assert got["refusal_rate_by_employer"][0]["rate_pct"] is None


def test_records_match(world, scene):
    got = report(world.users.organiser_a, region_id=world.regions.a.id)
    rows = db.session.scalars(figures.time_off_records(world.users.organiser_a, region_id=world.regions.a.id,
                                                       start=START, end=END)).all()
    assert len(rows) == got["requests"] == sum(got["by_kind"].values())


def test_statements_do_not_grow(world, count_queries):
    h.request(world, requested_on="2026-05-01", status="refused", decided_on="2026-05-10")
    with count_queries() as small:
        report(world.users.convenor_a1, today=h.d("2026-06-01"))
    for _ in range(10):
        h.request(world, requested_on="2026-05-01", status="refused", decided_on="2026-05-10")
        h.request(world, workplace="service_a1", requested_on="2026-05-01", status="granted", decided_on="2026-05-10")
    with count_queries() as big:
        got = report(world.users.convenor_a1, today=h.d("2026-06-01"))
    assert len(got["open_refusals"]) == 11
    assert small.count == big.count
