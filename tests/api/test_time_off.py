"""/api/v1/time_off_requests: JSON, computed notice and deadline, filters, scope, create, change, decisions, Acas."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ulr_app.core.timeline import TimelineEntry
from ulr_app.extensions import db
from ulr_app.timeoff import services
from ulr_app.timeoff.models import TimeOffRequest

from .helpers import assert_error, audit_entries, fresh, reps_of, requests_of

CONTRACT_FIELDS = {"id", "version", "kind", "rep_id", "learner_id", "workplace_id", "purpose", "starts_at",
                   "duration_hours", "location", "reason", "requested_on", "status", "decided_on", "paid",
                   "refusal_reason", "acas_ec_started_on", "acas_ec_certificate_on", "tribunal_claim_on",
                   "notice_days", "notice_ok", "tribunal_deadline"}
TODAY = date.today()


def _saved(request_id: int) -> TimeOffRequest:
    fresh()
    return db.session.get(TimeOffRequest, request_id)


def _timeline(request_id: int) -> list[str]:
    fresh()
    return list(db.session.scalars(select(TimelineEntry.kind).where(
        TimelineEntry.object_type == "time_off_request", TimelineEntry.object_id == request_id).order_by(TimelineEntry.id)))


def _body(rep, **kw):
    return {"kind": "ulr_training", "rep_id": rep.id, "workplace_id": rep.workplace_id, "purpose": "ulr_training",
            "starts_at": "2026-03-30T09:30:00+01:00", "duration_hours": 6, "location": "UNISON Centre, Euston",
            "course": "ULR stage 1", "requested_on": "2026-03-10", **kw}


def _count() -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(TimeOffRequest)) or 0


# --- reading ------------------------------------------------------------------------------

def test_a_request_as_json(api_as, world):
    rep = reps_of(world).a1
    r = services.create_request(_body(rep, duration_hours="7.5", reason="Stage 1 course"), branch=world.branches.a1,
                                created_by=world.users.ulr_a1)
    services.submit(r)
    services.record_decision(r, {"status": "refused", "decided_on": "2026-03-31", "refusal_reason": "cover"})
    db.session.commit()
    item = api_as("ulr_a1").get(f"/time_off_requests/{r.id}").json
    assert CONTRACT_FIELDS <= set(item)
    assert {k: item[k] for k in CONTRACT_FIELDS} == {
        "id": r.id, "version": r.version, "kind": "ulr_training", "rep_id": rep.id, "learner_id": None,
        "workplace_id": world.workplaces.service_a1.id, "purpose": "ulr_training",
        "starts_at": "2026-03-30T08:30:00+00:00", "duration_hours": 7.5, "location": "UNISON Centre, Euston",
        "reason": "Stage 1 course", "requested_on": "2026-03-10", "status": "refused", "decided_on": "2026-03-31",
        "paid": False, "refusal_reason": "cover", "acas_ec_started_on": None, "acas_ec_certificate_on": None,
        "tribunal_claim_on": None, "notice_days": 20, "notice_ok": False,
        # 31 March + 3 months = 30 June (clamped), less a day
        "tribunal_deadline": "2026-06-29",
    }
    assert item["created_by_id"] == world.users.ulr_a1.id and item["course"] == "ULR stage 1"
    assert item["tribunal_deadline_steps"][-1] == "Last day to present a claim: 29 June 2026."
    assert any("clamped" in step for step in item["tribunal_deadline_steps"])


def test_list_filters_and_pages(api_as, world):
    made = requests_of(world)
    rep = reps_of(world).a1_other
    release = services.create_request({"kind": "learner_release", "workplace_id": world.workplaces.school_a1.id,
                                       "purpose": "course_attendance", "starts_at": "2026-05-01T09:00",
                                       "duration_hours": "3", "location": "College", "course": "Maths L1"},
                                      branch=world.branches.a1)
    training = services.create_request(_body(rep), branch=world.branches.a1)
    db.session.commit()
    api = api_as("admin")
    ids = lambda q: sorted(i["id"] for i in api.get(f"/time_off_requests?{q}").json["items"])  # noqa: E731
    assert api.get("/time_off_requests").json["total"] == 6
    assert ids("kind=learner_release") == [release.id]
    assert ids("status=draft") == sorted([release.id, training.id])
    assert ids("status=submitted&kind=ulr_duties") == sorted(r.id for r in vars(made).values())
    assert ids(f"rep_id={rep.id}") == sorted([made.a1_other.id, training.id])
    assert ids(f"workplace_id={world.workplaces.school_a1.id}") == sorted([made.a1_other.id, release.id, training.id])
    assert ids(f"employer_id={world.employers.a1.id}") == sorted([made.a1.id, made.a1_other.id, release.id, training.id])
    assert ids(f"employer_id={world.employers.a1.id}&workplace_kind=service") == [made.a1.id]
    assert ids(f"branch_id={world.branches.b1.id}") == [made.b1.id]
    seen = []
    for page in (1, 2, 3):
        body = api.get(f"/time_off_requests?per_page=2&page={page}").json
        assert body["total"] == 6 and len(body["items"]) == 2
        seen += [i["id"] for i in body["items"]]
    assert len(set(seen)) == 6
    for query, name in (("kind=holiday", "kind"), ("status=lost", "status"), ("rep_id=x", "rep_id"),
                        ("employer_id=-1", "employer_id"), ("colour=red", "colour")):
        assert_error(api.get(f"/time_off_requests?{query}"), 400, "bad_request", fields=(name,))


def test_scope_per_role(api_as, world):
    made = requests_of(world)
    ids = lambda key: sorted(i["id"] for i in api_as(key).get("/time_off_requests").json["items"])  # noqa: E731
    assert ids("admin") == sorted(r.id for r in vars(made).values())
    assert ids("organiser_a") == sorted([made.a1.id, made.a1_other.id, made.a2.id])
    assert ids("convenor_a1") == sorted([made.a1.id, made.a1_other.id])
    assert ids("convenor_a2") == [made.a2.id]
    assert ids("ulr_a1") == [made.a1.id]  # only their own, even in their branch
    assert_error(api_as("ulr_a1").get(f"/time_off_requests/{made.a1_other.id}"), 404, "not_found")
    assert_error(api_as("convenor_a1").patch(f"/time_off_requests/{made.a2.id}", json={
        "version": 2, "status": "granted", "decided_on": TODAY.isoformat(), "paid": True}), 404, "not_found")


# --- creating -----------------------------------------------------------------------------

def test_a_ulr_creates_for_their_own_appointment_only(api_as, world):
    reps = reps_of(world)
    api = api_as("ulr_a1")
    response = api.post("/time_off_requests", json=_body(reps.a1))
    assert response.status_code == 201, response.json
    item = response.json
    assert item["status"] == "draft" and item["branch_id"] == world.branches.a1.id
    assert item["created_by_id"] == world.users.ulr_a1.id and item["notice_days"] == 20
    assert audit_entries("time_off_request", item["id"])[0].actor_id == world.users.ulr_a1.id
    for rep in (reps.a1_other, reps.b1):
        error = assert_error(api.post("/time_off_requests", json=_body(rep)), 422, "validation_failed", fields=("rep_id",))
        assert "your own" in error["fields"]["rep_id"][0]
    assert_error(api.post("/time_off_requests", json=_body(reps.a1, rep_id=None, kind="learner_release",
                                                           purpose="course_attendance")),
                 422, "validation_failed", fields=("rep_id",))
    assert_error(api.post("/time_off_requests", json=_body(reps.a1, branch_id=world.branches.a2.id)), 422,
                 "validation_failed", fields=("branch_id",))
    # create and send at once
    sent = api.post("/time_off_requests", json=_body(reps.a1, status="submitted", requested_on=None))
    assert sent.status_code == 201 and sent.json["status"] == "submitted" and sent.json["requested_on"] == TODAY.isoformat()
    assert _timeline(sent.json["id"]) == ["created", "status_changed"]
    assert _count() == 2


def test_convenor_and_admin_create(api_as, world):
    reps = reps_of(world)
    convenor = api_as("convenor_a1")
    response = convenor.post("/time_off_requests", json=_body(reps.a1_other))
    assert response.status_code == 201 and response.json["branch_id"] == world.branches.a1.id
    assert_error(convenor.post("/time_off_requests", json=_body(reps.a2)), 422, "validation_failed", fields=("rep_id",))
    assert_error(convenor.post("/time_off_requests", json=_body(reps.a1, branch_id=world.branches.b1.id)), 422,
                 "validation_failed", fields=("branch_id",))
    admin = api_as("admin")
    # the ULR's branch, unless told otherwise
    assert admin.post("/time_off_requests", json=_body(reps.b1)).json["branch_id"] == world.branches.b1.id
    release = {"kind": "learner_release", "workplace_id": world.workplaces.school_b1.id, "purpose": "course_attendance",
               "starts_at": "2026-12-01T09:00:00Z", "duration_hours": 2.5, "location": "College", "course": "ESOL E3"}
    assert_error(admin.post("/time_off_requests", json=release), 422, "validation_failed", fields=("branch_id",))
    made = admin.post("/time_off_requests", json={**release, "branch_id": world.branches.b1.id})
    assert made.status_code == 201 and made.json["tribunal_deadline"] is None and made.json["notice_days"] is None
    assert _count() == 3


def test_create_checks_every_field(api_as, world):
    rep = reps_of(world).a1
    api = api_as("convenor_a1")
    error = assert_error(api.post("/time_off_requests", json={"kind": "ulr_duties", "purpose": "ulr_training",
                                                              "duration_hours": 0, "starts_at": "2026-03-30T09:30"}),
                         422, "validation_failed", fields=("starts_at",))
    error = assert_error(api.post("/time_off_requests", json={"kind": "ulr_duties", "purpose": "ulr_training",
                                                              "duration_hours": 0}),
                         422, "validation_failed", fields=("purpose", "rep_id", "workplace_id", "starts_at",
                                                           "duration_hours", "location"))
    assert "Choose a purpose that fits" in error["fields"]["purpose"][0]
    for bad, name in (({"status": "refused"}, "status"), ({"decided_on": "2026-03-12"}, "decided_on"),
                      ({"refusal_reason": "cover"}, "refusal_reason"), ({"acas_ec_started_on": "2026-04-01"},
                                                                       "acas_ec_started_on"),
                      ({"notice_days": 3}, "notice_days"), ({"requested_on": "2099-01-01"}, "requested_on"),
                      ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
                      ({"starts_at": "9999-12-31T23:59:59-12:00"}, "starts_at"), ({"case_id": 5}, "case_id")):
        assert_error(api.post("/time_off_requests", json=_body(rep, **bad)), 422, "validation_failed", fields=(name,))
    assert _count() == 0


def test_organisers_only_read(api_as, world):
    made = requests_of(world)
    api = api_as("organiser_a")
    assert api.get(f"/time_off_requests/{made.a1.id}").status_code == 200
    assert_error(api.post("/time_off_requests", json=_body(reps_of(world).a1)), 403, "forbidden")
    assert_error(api.patch(f"/time_off_requests/{made.a1.id}", json={"version": 2, "location": "X"}), 403, "forbidden")
    assert _saved(made.a1.id).location == "Staff room"


# --- changing -------------------------------------------------------------------------------

def test_fields_then_submit_in_one_patch(api_as, world):
    rep = reps_of(world).a1
    r = services.create_request(_body(rep, requested_on=None), branch=world.branches.a1, created_by=world.users.ulr_a1)
    db.session.commit()
    api = api_as("ulr_a1")
    response = api.patch(f"/time_off_requests/{r.id}", json={"version": 1, "location": "Town Hall", "status": "submitted",
                                                             "requested_on": "2026-03-01"})
    assert response.status_code == 200, response.json
    item = response.json
    assert (item["status"], item["location"], item["requested_on"], item["notice_days"], item["notice_ok"]) == (
        "submitted", "Town Hall", "2026-03-01", 29, True)
    assert _timeline(r.id) == ["created", "edited", "status_changed"]
    # stale: 409, nothing changed
    assert_error(api.patch(f"/time_off_requests/{r.id}", json={"version": 1, "location": "Elsewhere"}), 409, "conflict")
    assert _saved(r.id).location == "Town Hall"
    assert_error(api.patch(f"/time_off_requests/{r.id}", json={"version": item["version"], "status": "draft"}), 409,
                 "conflict")
    # sending "submitted" again changes nothing
    again = api.patch(f"/time_off_requests/{r.id}", json={"version": item["version"], "status": "submitted"})
    assert again.status_code == 200 and again.json["version"] == item["version"]
    assert_error(api.patch(f"/time_off_requests/{r.id}", json={"location": "X"}), 422, "validation_failed",
                 fields=("version",))
    assert_error(api.patch(f"/time_off_requests/{r.id}", json={"version": item["version"], "kind": "holiday",
                                                                "notice_ok": True}),
                 422, "validation_failed", fields=("notice_ok",))
    assert_error(api.patch(f"/time_off_requests/{r.id}", json={"version": item["version"], "kind": "holiday"}),
                 422, "validation_failed", fields=("kind",))
    assert_error(api.patch(f"/time_off_requests/{r.id}", json={"version": item["version"],
                                                                "branch_id": world.branches.a2.id}),
                 422, "validation_failed", fields=("branch_id",))


def test_a_convenor_records_a_refusal_and_acas_dates(api_as, world):
    made = requests_of(world)
    r = made.a1
    ulr, convenor = api_as("ulr_a1"), api_as("convenor_a1")
    decision = {"version": 2, "status": "refused", "decided_on": "2026-03-31", "refusal_reason": "workload",
                "refusal_details": "No cover in the office that week"}
    # a ULR may not record the employer's decision, nor the Acas dates
    assert_error(ulr.patch(f"/time_off_requests/{r.id}", json=decision), 403, "forbidden")
    assert_error(ulr.patch(f"/time_off_requests/{r.id}", json={"version": 2, "acas_ec_started_on": "2026-04-01"}),
                 403, "forbidden")
    # the decision before the request: 422, nothing changed
    error = assert_error(convenor.patch(f"/time_off_requests/{r.id}", json={**decision, "location": "Canteen",
                                                                           "decided_on": "2020-01-01"}),
                         422, "validation_failed", fields=("decided_on",))
    assert "before the request" in error["fields"]["decided_on"][0]
    assert (_saved(r.id).status, _saved(r.id).location) == ("submitted", "Staff room")
    assert_error(convenor.patch(f"/time_off_requests/{r.id}", json={**decision, "refusal_reason": None}), 422,
                 "validation_failed", fields=("refusal_reason",))
    assert_error(convenor.patch(f"/time_off_requests/{r.id}", json={**decision, "refusal_reason": "weather"}), 422,
                 "validation_failed", fields=("refusal_reason",))
    assert_error(convenor.patch(f"/time_off_requests/{r.id}", json={
        **decision, "decided_on": (TODAY + timedelta(days=1)).isoformat()}), 422, "validation_failed",
        fields=("decided_on",))
    # decision fields without a status, on an undecided request
    assert_error(convenor.patch(f"/time_off_requests/{r.id}", json={"version": 2, "decided_on": "2026-03-31"}), 422,
                 "validation_failed", fields=("status",))
    # Acas dates before there is a refusal: 409
    assert_error(convenor.patch(f"/time_off_requests/{r.id}", json={"version": 2, "acas_ec_started_on": "2026-04-01"}),
                 409, "conflict")

    # requests_of dated this one relative to today; use fixed past dates for the deadline
    services.update_request(db.session.get(TimeOffRequest, r.id), {"requested_on": "2026-03-10"})
    db.session.commit()
    version = _saved(r.id).version
    response = convenor.patch(f"/time_off_requests/{r.id}", json={**decision, "version": version})
    assert response.status_code == 200, response.json
    item = response.json
    assert (item["status"], item["decided_on"], item["paid"], item["refusal_reason"], item["tribunal_deadline"]) == (
        "refused", "2026-03-31", False, "workload", "2026-06-29")
    entry = audit_entries("time_off_request", r.id, "update")[-1]
    assert entry.actor_id == world.users.convenor_a1.id and entry.changes["status"] == ["submitted", "refused"]
    # decided: it cannot be decided again (409), nor its fields changed (409); a ULR cannot change it either
    assert_error(convenor.patch(f"/time_off_requests/{r.id}", json={
        "version": item["version"], "status": "granted", "decided_on": "2026-04-01", "paid": True}), 409, "conflict")
    assert_error(convenor.patch(f"/time_off_requests/{r.id}", json={"version": item["version"], "location": "X"}),
                 409, "conflict")
    assert_error(ulr.patch(f"/time_off_requests/{r.id}", json={"version": item["version"], "location": "X"}),
                 409, "conflict")
    # a correction of the recorded decision keeps the rest of it
    fixed = convenor.patch(f"/time_off_requests/{r.id}", json={"version": item["version"], "refusal_reason": "cover"})
    assert fixed.status_code == 200, fixed.json
    assert (fixed.json["refusal_reason"], fixed.json["decided_on"], fixed.json["refusal_details"]) == (
        "cover", "2026-03-31", "No cover in the office that week")
    # Acas early conciliation: 14 days paused, 29 June becomes 13 July
    acas = convenor.patch(f"/time_off_requests/{r.id}", json={"version": fixed.json["version"],
                                                              "acas_ec_started_on": "2026-05-01",
                                                              "acas_ec_certificate_on": "2026-05-15"})
    assert acas.status_code == 200, acas.json
    assert acas.json["tribunal_deadline"] == "2026-07-13"
    assert any("Acas early conciliation from" in step for step in acas.json["tribunal_deadline_steps"])
    assert_error(convenor.patch(f"/time_off_requests/{r.id}", json={"version": acas.json["version"],
                                                                    "acas_ec_certificate_on": "2026-04-01"}),
                 422, "validation_failed", fields=("acas_ec_certificate_on",))
    claim = convenor.patch(f"/time_off_requests/{r.id}", json={"version": acas.json["version"],
                                                               "tribunal_claim_on": "2026-07-10"})
    assert claim.status_code == 200 and claim.json["acas_ec_started_on"] == "2026-05-01"
    assert _timeline(r.id)[-3:] == ["decision", "acas", "acas"]


def test_partly_granted_and_granted(api_as, world):
    made = requests_of(world)
    api = api_as("admin")
    v = lambda r: _saved(r.id).version  # noqa: E731
    today = TODAY.isoformat()
    assert_error(api.patch(f"/time_off_requests/{made.a2.id}", json={
        "version": v(made.a2), "status": "partly_granted", "decided_on": today, "refusal_reason": "cover", "paid": True,
        "hours_granted": 3}), 422, "validation_failed", fields=("hours_granted",))
    part = api.patch(f"/time_off_requests/{made.a2.id}", json={
        "version": v(made.a2), "status": "partly_granted", "decided_on": today, "refusal_reason": "cover", "paid": True,
        "hours_granted": 1.5})
    assert part.status_code == 200, part.json
    assert (part.json["hours_granted"], part.json["paid"], part.json["tribunal_deadline"] is not None) == (1.5, True, True)
    assert_error(api.patch(f"/time_off_requests/{made.b1.id}", json={
        "version": v(made.b1), "status": "granted", "decided_on": today}), 422, "validation_failed", fields=("paid",))
    granted = api.patch(f"/time_off_requests/{made.b1.id}", json={
        "version": v(made.b1), "status": "granted", "decided_on": today, "paid": True, "refusal_reason": "cover"})
    assert granted.status_code == 200
    assert (granted.json["refusal_reason"], granted.json["tribunal_deadline"]) == (None, None)
    assert_error(api.patch(f"/time_off_requests/{made.b1.id}", json={
        "version": v(made.b1), "acas_ec_started_on": today}), 409, "conflict")


def test_withdrawal_is_recorded_by_the_convenor_not_the_ulr(api_as, world):
    made = requests_of(world)
    body = {"version": 2, "status": "withdrawn", "decided_on": TODAY.isoformat()}
    assert_error(api_as("ulr_a1").patch(f"/time_off_requests/{made.a1.id}", json=body), 403, "forbidden")
    assert _saved(made.a1.id).status == "submitted"
    response = api_as("convenor_a1").patch(f"/time_off_requests/{made.a1.id}", json=body)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "withdrawn" and response.json["tribunal_deadline"] is None


NONSENSE = [
    {"version": 2, "kind": None}, {"version": 2, "kind": ["ulr_duties"]}, {"version": 2, "location": "x" * 5000},
    {"version": 2, "location": "\u0000"}, {"version": 2, "duration_hours": "6"}, {"version": 2, "duration_hours": 1e308},
    {"version": 2, "duration_hours": -1}, {"version": 2, "duration_hours": True}, {"version": 2, "starts_at": "soon"},
    {"version": 2, "starts_at": "2026-03-30T09:30"}, {"version": 2, "starts_at": "0001-01-01T00:00:00+14:00"},
    {"version": 2, "requested_on": "2026-02-30"}, {"version": 2, "rep_id": 0}, {"version": 2, "rep_id": 2**31},
    {"version": 2, "workplace_id": None}, {"version": 2, "learner_id": "x"}, {"version": 2, "status": None},
    {"version": 2, "status": 3}, {"version": 2, "status": "lost"}, {"version": 2, "status": "refused"},
    {"version": 2, "status": "refused", "decided_on": "0001-01-01", "refusal_reason": "cover"},
    {"version": 2, "status": "partly_granted", "decided_on": "2026-11-01", "refusal_reason": "cover",
     "hours_granted": 1e308, "paid": True},
    {"version": 2, "paid": "yes"}, {"version": 2, "hours_granted": "lots"}, {"version": 2, "refusal_reason": 5},
    {"version": 2, "acas_ec_started_on": "9999-12-31"}, {"version": 2, "tribunal_deadline": "2027-01-01"},
    {"version": 2, "case_id": 1}, {"version": 2, "notice_ok": True}, {"version": 2, "paid_requested": "no"},
]


@pytest.mark.parametrize("body", NONSENSE)
def test_nonsense_is_an_error_never_a_500(api_as, world, body):
    r = requests_of(world).a1_other
    api = api_as("convenor_a1")
    response = api.patch(f"/time_off_requests/{r.id}", json=body)
    assert 400 <= response.status_code < 500, (body, response.status_code, response.get_data(as_text=True))
    assert response.json["error"]["code"] and isinstance(response.json["error"]["fields"], dict)
    no_version = {k: v for k, v in body.items() if k != "version"}
    response = api.post("/time_off_requests", json={**_body(reps_of(world).a1_other), **no_version})
    assert response.status_code < 500, (body, response.status_code)
    saved = _saved(r.id)
    assert (saved.version, saved.status, saved.location) == (2, "submitted", "Staff room")


def test_document_describes_time_off_requests(api_as, world):
    requests_of(world)
    document = api_as("admin").get("/openapi.json").json
    paths = document["paths"]
    assert set(paths["/api/v1/time_off_requests"]) == {"get", "post"}
    assert set(paths["/api/v1/time_off_requests/{time_off_request_id}"]) == {"get", "patch"}
    schema = document["components"]["schemas"]["TimeOffRequest"]
    assert CONTRACT_FIELDS <= set(schema["properties"])
    assert schema["properties"]["refusal_reason"]["enum"] == ["cover", "workload", "operational", "not_job_related",
                                                              "short_notice", "other", None]
    for name in ("notice_days", "notice_ok", "tribunal_deadline"):
        assert schema["properties"][name]["readOnly"] is True
    names = {p.get("name") for p in paths["/api/v1/time_off_requests"]["get"]["parameters"]}
    assert {"kind", "status", "rep_id", "workplace_id", "employer_id"} <= names
    for item in api_as("admin").get("/time_off_requests").json["items"]:
        assert set(item) == set(schema["properties"])
