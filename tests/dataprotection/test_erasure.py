"""Erasure by anonymisation (ulr_app.dataprotection.erasure): what is cleared, what is kept, the legal hold,
the audit trail without the erased values, documents gone from disk, nothing changed when refused."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from ulr_app.cases.models import Case
from ulr_app.contacts.models import Activity, FollowUp
from ulr_app.core import audit, documents, timeline
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import Conflict
from ulr_app.core.timeline import TimelineEntry
from ulr_app.dataprotection import erasure
from ulr_app.dataprotection.models import SubjectAccessRequest
from ulr_app.extensions import db
from ulr_app.learners import services as learner_services
from ulr_app.learners.models import Enrolment, Learner, NeedsAssessment
from ulr_app.reports.models import ErasedLearnerCount, ErasedLearnerFigures
from ulr_app.reps.models import Rep
from ulr_app.timeoff.models import TimeOffRequest

from tests.reports import helpers as h

NAME = "Jo Quinton-Smythe"


def _everything(obj) -> str:
    """Every stored value that could hold the name: audit, timeline and the free text of related records."""
    texts = [json.dumps(e.changes) + e.summary for e in db.session.scalars(select(AuditEntry))]
    texts += [t.text for t in db.session.scalars(select(TimelineEntry))]
    return "\n".join(texts)


@pytest.fixture
def person(world):
    """A learner with every kind of record about them, made through the services (so audited)."""
    convenor = world.users.convenor_a1
    learner = learner_services.create_learner(
        {"name": NAME, "workplace_id": world.workplaces.school_a1.id, "consent_on": "2026-04-01",
         "consent_scope": "Learning records and contact by e-mail", "email": "jo.qs@example.org",
         "job_title": "Teaching assistant", "staff_category": "learning_support", "contract": "term_time_only",
         "membership": "member", "joined_union_on": "2026-05-02", "gender": "Female", "ethnicity": "White British",
         "disability": "No", "age_band": "35-44", "reference": "BAR-0042"},
        branch=world.branches.a1, actor=convenor)
    learner_services.update_learner(learner, {"name": "Zoë Quinton"}, actor=convenor)  # a name they had before
    learner_services.update_learner(learner, {"job_title": "Senior teaching assistant", "name": NAME}, actor=convenor)
    analysis = NeedsAssessment(learner_id=learner.id, assessed_on=date(2026, 4, 5), literacy_level="entry_3",
                               goals="Wants to become an HLTA like her sister Ann", barriers=["childcare"])
    c = h.course()
    enrolment = Enrolment(learner_id=learner.id, course_id=c.id, status="withdrawn", started_on=date(2026, 4, 10),
                          withdrawn_on=date(2026, 5, 1), withdrawal_reason="Her mother was ill")
    db.session.add_all([analysis, enrolment])
    db.session.flush()
    activity = Activity(learner_id=learner.id, kind="call", happened_on=date(2026, 4, 6), text=f"Rang {NAME} at home")
    follow_up = FollowUp(learner_id=learner.id, title=f"Send {NAME} the course list", due_on=date(2026, 4, 20))
    request = TimeOffRequest(branch_id=world.branches.a1.id, kind="learner_release", learner_id=learner.id,
                             workplace_id=world.workplaces.school_a1.id, purpose="course_attendance",
                             starts_at=datetime(2026, 5, 4, 9, tzinfo=timezone.utc), duration_hours=Decimal("3"),
                             location="College", reason="Needs the afternoon for her NVQ", status="refused",
                             refusal_reason="cover", refusal_details="Head says no cover for Jo")
    db.session.add_all([activity, follow_up, request])
    db.session.flush()
    case = Case(branch_id=world.branches.a1.id, kind="learner_support", status="closed", learner_id=learner.id,
                summary=f"Support for {NAME}", details="Dyslexia suspected", opened_on=date(2026, 4, 1),
                closed_on=date(2026, 6, 1), outcome="Referred")
    db.session.add(case)
    db.session.flush()
    db.session.add(Activity(case_id=case.id, kind="note", happened_on=date(2026, 4, 2), text="Met at the school gate"))
    timeline.add(db.session, case, "note", f"Case about {NAME}")
    timeline.add(db.session, world.workplaces.school_a1, "note", f"{NAME} asked about the library")
    audit.record(db.session, "update", world.workplaces.school_a1, summary="Contact changed",
                 changes={"contact_name": ("Office", "Zoë Quinton, TA")})
    audit.record(db.session, "update", enrolment, summary="Withdrew", changes={"withdrawal_reason": (None, "Her mother was ill"),
                                                                             "status": ("in_progress", "withdrawn")})
    sar = SubjectAccessRequest(branch_id=world.branches.a1.id, person_name=NAME, learner_id=learner.id,
                               received_on=date(2026, 11, 1), due_on=date(2026, 12, 1))
    db.session.add(sar)
    document = documents.store(db.session, request, "time_off_letter", f"Letter for {NAME}", b"%PDF-1.4 letter")
    db.session.commit()
    return learner, document


def test_erase_clears_identifying_fields_and_free_text_and_keeps_the_learning_record(world, person):
    learner, document = person
    path = Path(current_app.instance_path) / document.stored_as
    assert path.exists()
    enrolment_before = db.session.scalars(select(Enrolment).where(Enrolment.learner_id == learner.id)).one()
    kept = (enrolment_before.status, enrolment_before.started_on, enrolment_before.withdrawn_on, enrolment_before.course_id)

    erasure.erase_learner(learner, by=world.users.convenor_a1, reason="Asked to be forgotten")
    assert path.exists()  # not before the commit
    db.session.commit()

    learner = db.session.get(Learner, learner.id)
    assert learner.name == f"Erased learner #{learner.id}"
    for field in ("email", "job_title", "reference", "gender", "ethnicity", "disability", "age_band", "membership",
                  "joined_union_on", "legal_hold_reason"):
        assert getattr(learner, field) is None, field
    assert learner.consent_scope == "[erased]"
    assert learner.erased_at is not None and learner.erased_by_id == world.users.convenor_a1.id
    # what the reports count stays
    assert (learner.workplace_id, learner.staff_category, learner.contract, learner.branch_id) == (
        world.workplaces.school_a1.id, "learning_support", "term_time_only", world.branches.a1.id)
    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.learner_id == learner.id)).one()
    assert (enrolment.status, enrolment.started_on, enrolment.withdrawn_on, enrolment.course_id) == kept
    assert enrolment.withdrawal_reason == "[erased]"
    analysis = db.session.scalars(select(NeedsAssessment).where(NeedsAssessment.learner_id == learner.id)).one()
    assert analysis.goals == "[erased]" and analysis.literacy_level == "entry_3" and analysis.barriers == ["childcare"]
    assert {a.text for a in db.session.scalars(select(Activity))} == {"[erased]"}
    assert db.session.scalars(select(FollowUp)).one().title == "[erased]"
    case = db.session.scalars(select(Case)).one()
    assert (case.summary, case.details, case.outcome, case.status) == ("[erased]", "[erased]", "[erased]", "closed")
    request = db.session.scalars(select(TimeOffRequest)).one()
    assert (request.reason, request.refusal_details) == ("[erased]", "[erased]")
    assert (request.status, request.refusal_reason, request.duration_hours) == ("refused", "cover", Decimal("3"))
    assert db.session.scalars(select(SubjectAccessRequest)).one().person_name == learner.name
    # documents deleted: the row now, the file once committed
    assert not path.exists()
    assert db.session.scalar(select(func.count()).select_from(documents.StoredDocument)) == 0
    # the name, the free text and the equality values are nowhere in the audit trail or timelines
    stored = _everything(learner)
    assert "[erased], TA" in stored
    for secret in (NAME, "Zoë Quinton", "Zo\\u00eb", "jo.qs@example.org", "Her mother was ill",
                   "White British", "BAR-0042", "Teaching assistant",
                   "Senior teaching assistant", "Head says no cover"):
        assert secret not in stored, secret
    assert "[erased] asked about the library" in stored  # another record's timeline line named them
    # one "erase" entry, naming the fields cleared, not their values
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("learner", learner.id, world.users.convenor_a1.id)
    assert "gender" in entry.changes["cleared"] and entry.changes["reason"] == "Asked to be forgotten"
    assert "Female" not in json.dumps(entry.changes)
    # earlier entries about the learner keep what happened, not the values
    created = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "learner",
                                                          AuditEntry.action == "create")).one()
    assert created.changes and set(created.changes.values()) == {"[erased]"}
    withdrew = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "enrolment")).one()
    assert withdrew.changes == {"withdrawal_reason": "[erased]", "status": ["in_progress", "withdrawn"]}
    assert timeline.entries_for(db.session, learner)[0].text.startswith("Record erased")


def test_the_equality_values_and_join_date_move_to_the_anonymous_figures_without_a_link(world, person):
    learner, _document = person
    erasure.erase_learner(learner, by=None, reason="Retention period ended")
    db.session.commit()
    figures = db.session.scalars(select(ErasedLearnerFigures)).one()
    assert (figures.branch_id, figures.gender, figures.ethnicity, figures.disability, figures.age_band,
            figures.joined_union_on) == (world.branches.a1.id, "Female", "White British", "No", "35-44", date(2026, 5, 2))
    assert not {c.name for c in ErasedLearnerFigures.__table__.columns} & {"learner_id", "name", "email"}
    counts = db.session.scalars(select(ErasedLearnerCount)).all()
    assert [(c.started_on, c.project_id) for c in counts] == [(date(2026, 4, 10), None)]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
    assert entry.actor_id is None and entry.actor_label == "test set-up"  # by=None: the command's label


def test_erasing_twice_is_refused(world, person):
    learner, _document = person
    erasure.erase_learner(learner, by=None, reason="Asked")
    db.session.commit()
    with pytest.raises(Conflict):
        erasure.erase_learner(learner, by=None, reason="Again")


def _snapshot():
    rows = []
    for model in (Learner, NeedsAssessment, Enrolment, Activity, FollowUp, Case, TimeOffRequest, AuditEntry,
                  TimelineEntry, ErasedLearnerFigures, documents.StoredDocument):
        for obj in db.session.scalars(select(model).order_by(model.id)):
            rows.append((model.__name__, {c.name: getattr(obj, c.name) for c in model.__table__.columns}))
    return rows


@pytest.mark.parametrize("hold", ["recorded", "dispute_case", "tribunal_claim"])
def test_a_legal_hold_refuses_the_erasure_with_its_reason_and_changes_nothing(world, person, hold):
    learner, document = person
    request = db.session.scalars(select(TimeOffRequest)).one()
    if hold == "recorded":
        learner.legal_hold_reason = "Grievance against the head teacher still open"
        expected = "Grievance against the head teacher still open"
    elif hold == "dispute_case":
        case = Case(branch_id=learner.branch_id, kind="time_off_dispute", status="waiting", summary="Refusal",
                    time_off_request_id=request.id, opened_on=date(2026, 5, 5))
        db.session.add(case)
        db.session.flush()
        expected = f"Time-off dispute case {case.id} is still open"
    else:
        request.tribunal_claim_on = date(2026, 7, 1)
        expected = f"A tribunal claim made on 1 July 2026 about time-off request {request.id} is still live"
    db.session.commit()
    assert erasure.legal_hold_for_learner(learner) == expected
    before = _snapshot()
    with pytest.raises(erasure.LegalHold) as refused:
        erasure.erase_learner(learner, by=world.users.convenor_a1, reason="Asked")
    assert refused.value.reason == expected
    db.session.rollback()
    assert _snapshot() == before
    assert (Path(current_app.instance_path) / document.stored_as).exists()


def test_a_closed_dispute_ends_the_hold_of_a_tribunal_claim(world, person):
    learner, _document = person
    request = db.session.scalars(select(TimeOffRequest)).one()
    request.tribunal_claim_on = date(2026, 7, 1)
    case = Case(branch_id=learner.branch_id, kind="time_off_dispute", status="closed", summary="Refusal",
                time_off_request_id=request.id, opened_on=date(2026, 5, 5), closed_on=date(2026, 9, 1))
    db.session.add(case)
    db.session.commit()
    assert erasure.legal_hold_for_learner(learner) is None
    # a dispute case linked to the learner directly (not through a request) holds too while open
    case.time_off_request_id, case.learner_id, case.status = None, learner.id, "open"
    request.tribunal_claim_on = None
    db.session.commit()
    assert erasure.legal_hold_for_learner(learner) == f"Time-off dispute case {case.id} is still open"


def test_a_rolled_back_erasure_keeps_the_documents(world, person):
    learner, document = person
    erasure.erase_learner(learner, by=None, reason="Asked")
    db.session.rollback()
    assert (Path(current_app.instance_path) / document.stored_as).exists()
    assert db.session.get(Learner, learner.id).name == NAME
    db.session.get(Learner, learner.id).job_title = "Cook"  # a later commit does not delete them either
    db.session.commit()
    assert (Path(current_app.instance_path) / document.stored_as).exists()
    assert db.session.scalar(select(func.count()).select_from(documents.StoredDocument)) == 1


# --- ULR appointments ----------------------------------------------------------------------------

@pytest.fixture
def ulr(world):
    rep = Rep(branch_id=world.branches.a1.id, employer_id=world.employers.a1.id, name="Sam Okonkwo-Reid",
              email="sam@example.org", appointed_on=date(2026, 1, 10), notice_given_on=date(2026, 1, 12),
              training_route="will_train", will_train_notice_on=date(2026, 1, 12), trained_on=date(2026, 3, 1),
              notes="Prefers mornings", reference="ULR-7")
    db.session.add(rep)
    db.session.flush()
    audit.record(db.session, "create", rep, summary="Appointed ULR Sam Okonkwo-Reid",
                 changes={"name": (None, "Sam Okonkwo-Reid"), "notes": (None, "Prefers mornings")})
    request = TimeOffRequest(branch_id=world.branches.a1.id, kind="ulr_training", rep_id=rep.id,
                             workplace_id=world.workplaces.school_a1.id, purpose="ulr_training",
                             starts_at=datetime(2026, 2, 2, 9, tzinfo=timezone.utc), duration_hours=Decimal("6"),
                             location="Regional office", reason="Sam's ULR course", status="granted")
    db.session.add(request)
    db.session.flush()
    documents.store(db.session, rep, "ulr_notice", "Notice for Sam Okonkwo-Reid", b"%PDF-1.4 notice")
    db.session.commit()
    return rep


def test_erase_a_ulr_keeps_the_appointment_training_and_time_off_figures(world, ulr):
    erasure.erase_rep(ulr, by=world.users.convenor_a1, reason="Left the union")
    db.session.commit()
    rep = db.session.get(Rep, ulr.id)
    assert rep.name == f"Erased ULR #{rep.id}"
    assert (rep.email, rep.notes, rep.reference) == (None, None, None)
    assert (rep.appointed_on, rep.trained_on, rep.notice_given_on, rep.employer_id) == (
        date(2026, 1, 10), date(2026, 3, 1), date(2026, 1, 12), world.employers.a1.id)
    request = db.session.scalars(select(TimeOffRequest)).one()
    assert (request.reason, request.status, request.duration_hours) == ("[erased]", "granted", Decimal("6"))
    assert db.session.scalar(select(func.count()).select_from(documents.StoredDocument)) == 0
    stored = _everything(rep)
    assert "Okonkwo-Reid" not in stored and "Prefers mornings" not in stored
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one().object_type == "rep"


def test_a_ulr_under_legal_hold_is_not_erased(world, ulr):
    ulr.legal_hold_reason = "Employment tribunal claim 2201234/2026"
    db.session.commit()
    with pytest.raises(erasure.LegalHold) as refused:
        erasure.erase_rep(ulr, by=None, reason="Asked")
    assert refused.value.reason == "Employment tribunal claim 2201234/2026"
    db.session.rollback()
    assert db.session.get(Rep, ulr.id).name == "Sam Okonkwo-Reid"


def test_erasure_keeps_the_consents_without_their_notes_or_who_took_them_by_name(world, person):
    from ulr_app.learners import consent
    from ulr_app.learners.models import LearnerConsent

    learner, _document = person
    consent.give(learner, {"purpose": "sharing", "shared_with": "Barnet College", "given_on": "2026-05-01",
                           "method": "verbal", "taken_by_name": "Ann Other", "note": f"{NAME} agreed on the phone"},
                 actor=world.users.convenor_a1)
    db.session.commit()
    erasure.erase_learner(learner, by=world.users.convenor_a1, reason="Asked to be forgotten")
    db.session.commit()
    rows = db.session.scalars(select(LearnerConsent).where(LearnerConsent.learner_id == learner.id)).all()
    assert {r.purpose for r in rows} >= {"records", "contact", "sharing"}
    sharing = next(r for r in rows if r.purpose == "sharing")
    assert (sharing.shared_with, sharing.given_on) == ("Barnet College", date(2026, 5, 1))
    assert sharing.note == "[erased]" and sharing.taken_by_name == "[erased]"
    assert all(NAME not in (r.note or "") for r in rows)
