"""Agreement services: validation, lifecycle, named schools, audit and timeline."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ulr_app.agreements import queries, services
from ulr_app.agreements.models import Agreement
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import Conflict, ValidationFailed
from ulr_app.core.timeline import TimelineEntry
from ulr_app.extensions import db
from ulr_app.organisation import services as org


def _new(world, **extra):
    return services.create_agreement({"title": "Barnet learning agreement", "employer_id": world.employers.a1.id, **extra},
                                     branch=world.branches.a1)


def test_create_audits_and_starts_the_timeline(world):
    a = _new(world, schools_scope="included", ulr_places=12)
    db.session.commit()
    assert a.status == "draft" and a.version == 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "agreement")).one()
    assert entry.changes["ulr_places"] == [None, 12]
    assert db.session.scalars(select(TimelineEntry).where(TimelineEntry.object_id == a.id)).one().kind == "created"


@pytest.mark.parametrize("data,field", [
    ({"title": ""}, "title"), ({"title": "x" * 201}, "title"), ({"schools_scope": "sometimes"}, "schools_scope"),
    ({"ulr_places": -1}, "ulr_places"), ({"ulr_places": "ten"}, "ulr_places"), ({"ulr_places": 2.5}, "ulr_places"),
    ({"coordinator_release_days": "6"}, "coordinator_release_days"), ({"coordinator_release_days": "NaN"}, "coordinator_release_days"),
    ({"review_due_on": "31/02/2026"}, "review_due_on"), ({"member_access_paid": "yes"}, "member_access_paid"),
    ({"ulr_facilities": ["jacuzzi"]}, "ulr_facilities"), ({"employer_id": "abc"}, "employer_id"),
    ({"whole_employer": False}, "services_covered"),
    ({"starts_on": "2026-04-01", "expires_on": "2026-03-01"}, "expires_on"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_refused_and_nothing_saved(world, data, field):
    with pytest.raises(ValidationFailed) as info:
        _new(world, **data)
    assert field in info.value.fields
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Agreement)) == 0


def test_employer_must_be_one_the_branch_deals_with(world):
    with pytest.raises(ValidationFailed) as info:
        services.create_agreement({"title": "X", "employer_id": world.employers.b1.id}, branch=world.branches.a1)
    assert "employer_id" in info.value.fields


def test_lifecycle_to_signed_and_back_under_review(world):
    a = _new(world)
    services.change_status(a, "negotiating")
    with pytest.raises(ValidationFailed) as info:
        services.change_status(a, "signed")
    assert set(info.value.fields) == {"signed_on", "employer_signatory", "union_signatory", "review_due_on"}
    services.update_agreement(a, {"signed_on": "2026-03-01", "employer_signatory": "Chief Executive",
                                  "union_signatory": "Branch Secretary", "review_due_on": "2027-03-01"})
    services.change_status(a, "signed", note="Signed at the JNC")
    services.change_status(a, "under_review")
    services.change_status(a, "signed")
    with pytest.raises(Conflict):
        services.change_status(a, "draft")
    with pytest.raises(ValidationFailed) as info:
        services.update_agreement(a, {"union_signatory": ""})
    assert "union_signatory" in info.value.fields
    db.session.commit()
    kinds = [e.kind for e in db.session.scalars(select(TimelineEntry).where(TimelineEntry.object_id == a.id).order_by(TimelineEntry.id))]
    assert kinds.count("status_changed") == 4
    texts = " ".join(e.text for e in db.session.scalars(select(TimelineEntry).where(TimelineEntry.object_id == a.id)))
    assert "Signed at the JNC" in texts


def test_stale_version_is_refused(world):
    a = _new(world)
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_agreement(a, {"title": "New"}, version=a.version + 1)


def test_named_schools_and_coverage(world):
    academy = org.create_workplace({"employer_id": world.employers.a1.id, "name": "Barnet Academy", "kind": "school",
                                    "urn": 136000, "establishment_type": "Academy converter"})
    va = org.create_workplace({"employer_id": world.employers.a1.id, "name": "St Mary's VA", "kind": "school",
                               "urn": 136001, "establishment_type": "Voluntary aided school"})
    a = _new(world, schools_scope="included")
    rows = dict((w.name, c.covered) for w, c in queries.coverage(a))
    assert rows == {"Barnet Academy": False, "Brunswick Park Primary School": True, "St Mary's VA": True}
    services.set_named_schools(a, included=[academy.id], excluded=[va.id])
    rows = dict((w.name, c.covered) for w, c in queries.coverage(a))
    assert rows == {"Barnet Academy": True, "Brunswick Park Primary School": True, "St Mary's VA": False}
    with pytest.raises(ValidationFailed):
        services.set_named_schools(a, included=[world.workplaces.school_b1.id], excluded=[])
    with pytest.raises(ValidationFailed):
        services.set_named_schools(a, included=[va.id], excluded=[va.id])
    services.update_agreement(a, {"schools_scope": "silent"})
    summary = queries.coverage_summary(queries.coverage(a))
    assert summary == {"covered": 1, "not_covered": 1, "unclear": 1}


def test_schools_scope_counts_follow_scope_and_filters(world):
    _new(world, schools_scope="included")
    _new(world, schools_scope="silent")
    services.create_agreement({"title": "Camden", "employer_id": world.employers.a2.id, "schools_scope": "excluded"},
                              branch=world.branches.a2)
    db.session.commit()
    assert queries.schools_scope_counts(world.users.organiser_a) == {"included": 1, "excluded": 1, "silent": 1}
    assert queries.schools_scope_counts(world.users.convenor_a1) == {"included": 1, "excluded": 0, "silent": 1}
    assert queries.schools_scope_counts(world.users.organiser_b) == {"included": 0, "excluded": 0, "silent": 0}
    assert queries.schools_scope_counts(world.users.admin, schools_scope="silent", branch_id=world.branches.a2.id) == {
        "included": 0, "excluded": 1, "silent": 0}


def test_ulr_places_and_learner_time(world):
    a = _new(world)
    services.set_ulr_places(a, [("Housing", 2), ("Children's services", "3"), ("", "")])
    services.set_learner_time(a, {"skills_for_life": "paid", "vocational": "matched", "cpd": "not_stated"})
    db.session.commit()
    assert [(p.service, p.places) for p in a.ulr_places_by_service] == [("Housing", 2), ("Children's services", 3)]
    assert {r.course_category: r.arrangement for r in a.learner_time_by_course} == {"skills_for_life": "paid", "vocational": "matched"}
    with pytest.raises(ValidationFailed):
        services.set_ulr_places(a, [("Housing", 0)])
    with pytest.raises(ValidationFailed):
        services.set_ulr_places(a, [("Housing", 1), ("housing", 2)])
    with pytest.raises(ValidationFailed):
        services.set_learner_time(a, {"skills_for_life": "sometimes"})


def test_reminders_for_scope(world):
    a = _new(world)
    services.update_agreement(a, {"signed_on": "2026-01-10", "employer_signatory": "A", "union_signatory": "B",
                                  "review_due_on": "2026-12-01"})
    services.change_status(a, "negotiating")
    services.change_status(a, "signed")
    db.session.commit()
    assert [r.kind for r in queries.reminders_for(world.users.convenor_a1, date(2026, 11, 23))] == ["review_due"]
    assert queries.reminders_for(world.users.convenor_a2, date(2026, 11, 23)) == []


def test_signed_upload_must_be_a_pdf(world, app):
    a = _new(world)
    for content, message in ((b"", "empty"), (b"GIF89a", "must be a PDF"),
                             (b"%PDF-" + b"0" * (11 * 1024 * 1024), "smaller than")):
        with pytest.raises(ValidationFailed) as info:
            services.upload_signed(a, content, "x.pdf")
        assert message in info.value.fields["signed_copy"][0]
    doc = services.upload_signed(a, b"%PDF-1.4\n%%EOF\n", "../../etc/passwd.pdf")
    assert doc.original_name == "passwd.pdf" and services.document_path(doc).read_bytes().startswith(b"%PDF")
