"""Merging a duplicate learner: the pages (candidates, side by side, confirmation), what moves, what is
filled in, both histories kept, the duplicate's address leading to the kept record, and refusals."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from ulr_app.cases.models import Activity, Case, FollowUp
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import NotAllowed, ValidationFailed
from ulr_app.core.timeline import entries_for
from ulr_app.extensions import db
from ulr_app.learners import services
from ulr_app.learners.models import Enrolment, Learner, NeedsAssessment
from ulr_app.timeoff import services as timeoff_services
from ulr_app.timeoff.models import TimeOffRequest
from tests.learners.helpers import TODAY, course, empty_catalogue, enrolment, learner, plain, rep, text, uk


@pytest.fixture(autouse=True)
def _own_catalogue(app):
    empty_catalogue()


def _history(who, title, barriers):
    """A needs analysis, an enrolment and a contact with a follow-up."""
    services.record_needs_assessment(who, {"assessed_on": "2026-02-01", "barriers": barriers})
    e = enrolment(who, course(title), "in_progress")
    services.log_contact(who, {"kind": "call", "happened_on": TODAY.isoformat(), "text": f"Call about {title}",
                               "next_contact_on": (TODAY + timedelta(days=7)).isoformat()})
    db.session.commit()
    return e


def test_merge_through_the_pages_keeps_both_histories(login_as, world):
    keep = learner(world, email=None, job_title="Teaching assistant")
    dup = learner(world, name="Sam Okafor", email="sam@example.org", staff_category="learning_support",
                  job_title="TA", gender="Female")
    keep_e = _history(keep, "Skills for Life literacy Entry 3", ["cover"])
    dup_e = _history(dup, "ESOL Entry 2", ["childcare"])
    c = login_as("convenor_a1")
    page = text(c.get(f"/learners/{keep.id}/merge"))
    assert f'href="/learners/{keep.id}/merge?duplicate_id={dup.id}"' in page
    response = c.get(f"/learners/{keep.id}/merge?duplicate_id={dup.id}")
    assert response.status_code == 200
    words = plain(response)
    assert "Merge learner %d into learner %d?" % (dup.id, keep.id) in words
    assert "E-mail address Not recorded sam@example.org" in words and "Job title Teaching assistant TA" in words
    assert "Enrolments 1 1" in words and "Equality monitoring Not recorded 1 of 4 recorded" in words
    assert "Female" not in text(response)  # recorded / not recorded only, even for a convenor
    # not confirmed: nothing changes
    form = {"duplicate_id": dup.id, "keep_version": keep.version, "duplicate_version": dup.version}
    response = c.submit(f"/learners/{keep.id}/merge", form, page=f"/learners/{keep.id}/merge?duplicate_id={dup.id}")
    assert response.status_code == 400 and "Tick the box to confirm" in plain(response)
    db.session.refresh(dup)
    assert dup.merged_into_id is None
    response = c.submit(f"/learners/{keep.id}/merge", {**form, "confirm": "y"},
                        page=f"/learners/{keep.id}/merge?duplicate_id={dup.id}")
    assert response.status_code == 302, text(response)
    assert response.headers["Location"].endswith(f"/learners/{keep.id}")
    db.session.expire_all()
    keep, dup = db.session.get(Learner, keep.id), db.session.get(Learner, dup.id)
    assert dup.merged_into_id == keep.id and dup.name == "Sam Okafor"  # nothing deleted
    # empty fields filled in, the kept values kept
    assert (keep.email, keep.staff_category, keep.job_title, keep.gender) == (
        "sam@example.org", "learning_support", "Teaching assistant", "Female")
    # every record of both is on the kept learner
    assert {e.id for e in db.session.scalars(select(Enrolment).where(Enrolment.learner_id == keep.id))} == {keep_e.id, dup_e.id}
    assert len(db.session.scalars(select(NeedsAssessment).where(NeedsAssessment.learner_id == keep.id)).all()) == 2
    assert len(db.session.scalars(select(Activity).where(Activity.learner_id == keep.id)).all()) == 2
    assert len(db.session.scalars(select(FollowUp).where(FollowUp.learner_id == keep.id)).all()) == 2
    page = text(c.get(f"/learners/{keep.id}"))
    words = plain(c.get(f"/learners/{keep.id}"))
    assert "Skills for Life literacy Entry 3" in page and "ESOL Entry 2" in page
    assert "Call about ESOL Entry 2" in words and "Call about Skills for Life literacy Entry 3" in words
    assert f"Merged with Sam Okafor (learner {dup.id})" in words
    assert words.count("Learner recorded") == 2  # the duplicate's own history came along
    assert f"Merged into this record: Sam Okafor (learner {dup.id})" in words
    # barriers over time from both records' analyses
    assert "Cover" in page and "Childcare" in page
    # the duplicate's address leads to the kept record; lists show only the kept one
    response = c.get(f"/learners/{dup.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/learners/{keep.id}")
    listing = text(c.get("/learners"))
    assert f'/learners/{keep.id}"' in listing and f'/learners/{dup.id}"' not in listing
    # an audit entry on both, and the duplicate's timeline says where it went
    merges = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).all()
    assert {(m.object_type, m.object_id) for m in merges} == {("learner", keep.id), ("learner", dup.id)}
    keep_entry = next(m for m in merges if m.object_id == keep.id)
    assert keep_entry.changes["gender"] == "[special category: changed]" and "Female" not in repr(keep_entry.changes)
    assert [e.text for e in entries_for(db.session, dup)] == [f"Merged into Sam Okafor (learner {keep.id}): its history moved there"]


def test_merge_moves_cases_and_time_off_requests(world):
    keep, dup = learner(world), learner(world, name="Sam O")
    r = rep(world)
    request = timeoff_services.create_request({"kind": "learner_release", "purpose": "course_attendance", "rep_id": r.id,
                                               "learner_id": dup.id, "workplace_id": world.workplaces.school_a1.id,
                                               "starts_at": datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc),
                                               "duration_hours": "3", "location": "College", "course": "ESOL"},
                                              branch=world.branches.a1, created_by=world.users.convenor_a1)
    case = Case(branch_id=world.branches.a1.id, kind="learner_support", summary="Support Sam", opened_on=TODAY,
                learner_id=dup.id)
    db.session.add(case)
    db.session.commit()
    versions = (request.version, case.version)
    moved = services.merge_learners(keep, dup, actor=world.users.convenor_a1)
    db.session.commit()
    assert moved["cases"] == 1 and moved["time-off requests"] == 1
    db.session.refresh(request)
    db.session.refresh(case)
    assert request.learner_id == keep.id and case.learner_id == keep.id
    assert (request.version, case.version) == (versions[0] + 1, versions[1] + 1)  # a change others' forms notice
    assert db.session.get(TimeOffRequest, request.id) is not None


def test_merge_refusals(login_as, world):
    keep = learner(world)
    other_branch = learner(world, "a2", workplace="school_a2")
    already, target = learner(world, name="Old Record"), learner(world, name="Target")
    services.merge_learners(target, already)
    db.session.commit()
    with pytest.raises(ValidationFailed) as info:
        services.merge_learners(keep, keep)
    assert "itself" in info.value.fields["duplicate_id"][0]
    with pytest.raises(ValidationFailed) as info:
        services.merge_learners(keep, other_branch)
    assert "same branch" in info.value.fields["duplicate_id"][0]
    with pytest.raises(ValidationFailed) as info:
        services.merge_learners(keep, already)
    assert "already merged" in info.value.fields["duplicate_id"][0]
    with pytest.raises(NotAllowed):
        services.merge_learners(keep, target, actor=world.users.ulr_a1)
    # on the pages: the same refusals as messages on the learner number, nothing changed
    admin = login_as("admin")
    for dup_id, message in ((keep.id, "cannot be merged with itself"), (other_branch.id, "same branch"),
                            (already.id, "already merged"), ("abc", "Enter the learner number"),
                            (999999, "no learner number 999999")):
        response = admin.get(f"/learners/{keep.id}/merge?duplicate_id={dup_id}")
        assert response.status_code == 400 and message in plain(response), dup_id
    # a convenor cannot reach another branch's learner by number
    response = login_as("convenor_a1").get(f"/learners/{keep.id}/merge?duplicate_id={other_branch.id}")
    assert response.status_code == 400 and f"no learner number {other_branch.id} that you can see" in plain(response)
    # merging into a merged record goes to the record it was merged into
    response = admin.get(f"/learners/{already.id}/merge")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/learners/{target.id}")
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).all().__len__() == 2


def test_stale_versions_are_refused(login_as, world):
    keep, dup = learner(world), learner(world, name="Sam O")
    c = login_as("convenor_a1")
    response = c.submit(f"/learners/{keep.id}/merge", {"duplicate_id": dup.id, "keep_version": keep.version,
                                                       "duplicate_version": dup.version - 1 if dup.version > 1 else 99,
                                                       "confirm": "y"},
                        page=f"/learners/{keep.id}/merge?duplicate_id={dup.id}")
    assert response.status_code == 409
    db.session.refresh(dup)
    assert dup.merged_into_id is None


def test_a_ulr_and_an_organiser_cannot_merge(login_as, world):
    keep = learner(world, "a2", workplace="school_a2")
    assert login_as("organiser_a").get(f"/learners/{keep.id}/merge").status_code == 403
    assert login_as("ulr_a1").get(f"/learners/{keep.id}/merge").status_code == 403


def test_write_pages_of_a_merged_learner_lead_to_the_kept_one(login_as, world):
    keep, dup = learner(world), learner(world, name="Sam O")
    services.merge_learners(keep, dup)
    db.session.commit()
    c = login_as("convenor_a1")
    for url in (f"/learners/{dup.id}/edit", f"/learners/{dup.id}/needs-analysis", f"/learners/{dup.id}/enrol"):
        response = c.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/learners/{keep.id}"), url
    response = c.submit(f"/learners/{dup.id}/contacts", {"kind": "note", "happened_on": uk(TODAY), "text": "x"},
                        page=f"/learners/{keep.id}")
    assert response.status_code == 302
    assert db.session.scalars(select(Activity)).all() == []
