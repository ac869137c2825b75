"""The Go Award standards and evidence: goaward's read side and services, against the database."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import current_app, g
from sqlalchemy import func, select

from tests.funding.test_go_award_files import PDF, SAMPLES, docx
from ulr_app.agreements import services as agreement_services
from ulr_app.core.audit_models import AuditEntry
from ulr_app.core.errors import Conflict, ValidationFailed
from ulr_app.extensions import db
from ulr_app.funding import goaward
from ulr_app.funding.models import GO_AWARD_STANDARDS, GoAwardEvidence, GoAwardStandard
from ulr_app.reps import services as rep_services


def files_on_disk() -> set[Path]:
    root = Path(current_app.instance_path) / "goaward"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def evidence_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(GoAwardEvidence))


def audits(action: str, object_type: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                            AuditEntry.object_type == object_type)))


def agreement_for(world, branch, employer, title="Learning agreement"):
    return agreement_services.create_agreement({"title": title, "employer_id": employer.id}, branch=branch)


def rep_for(world, branch, employer, workplace, name="Pat Rep"):
    return rep_services.create_rep({"name": name, "employer_id": employer.id, "workplace_id": workplace.id,
                                    "appointed_on": "2026-01-05", "notice_given_on": "2026-01-06",
                                    "training_route": "already_trained"}, branch=branch)


# --- standards ------------------------------------------------------------------------------

def test_every_standard_starts_not_started_without_a_row(world):
    standards = goaward.standards_of(world.employers.a1)
    assert [s["code"] for s in standards] == list(GO_AWARD_STANDARDS)
    assert {s["status"] for s in standards} == {"not_started"}
    assert all(s["version"] == 0 and s["evidence"] == [] and s["notes"] is None for s in standards)
    assert db.session.scalar(select(func.count()).select_from(GoAwardStandard)) == 0


def test_the_first_change_creates_the_row_and_is_audited(world):
    e = world.employers.a1
    row = goaward.set_standard(e, "sfl_strategy", {"status": "in_progress", "notes": "  Draft with HR  "}, version=0)
    db.session.commit()
    assert (row.status, row.notes, row.version) == ("in_progress", "Draft with HR", 1)
    [entry] = audits("create", "go_award_standard")
    assert entry.changes["status"] == ["not_started", "in_progress"]
    s = {x["code"]: x for x in goaward.standards_of(e)}["sfl_strategy"]
    assert (s["status"], s["status_label"], s["version"]) == ("in_progress", "In progress", 1)

    goaward.set_standard(e, "sfl_strategy", {"status": "met", "notes": "Adopted by cabinet"}, version=1)
    db.session.commit()
    [update] = audits("update", "go_award_standard")
    assert update.changes == {"status": ["in_progress", "met"], "notes": ["Draft with HR", "Adopted by cabinet"]}
    # the same values again change nothing and write no audit entry
    goaward.set_standard(e, "sfl_strategy", {"status": "met", "notes": "Adopted by cabinet"}, version=2)
    db.session.commit()
    assert len(audits("update", "go_award_standard")) == 1
    # another employer's standards are its own
    assert {x["status"] for x in goaward.standards_of(world.employers.a2)} == {"not_started"}


def test_a_stale_version_is_a_conflict_and_changes_nothing(world):
    e = world.employers.a1
    goaward.set_standard(e, "whole_council", {"status": "in_progress"}, version=0)
    db.session.commit()
    with pytest.raises(Conflict):
        goaward.set_standard(e, "whole_council", {"status": "met"}, version=0)  # made from the empty page
    db.session.rollback()
    assert db.session.scalars(select(GoAwardStandard)).one().status == "in_progress"


@pytest.mark.parametrize("code, data, field", [
    ("whole_council", {"status": "done"}, "status"),
    ("whole_council", {"status": None}, "status"),
    ("whole_council", {"status": "met", "notes": "x" * 5001}, "notes"),
    ("whole_council", {"status": "met", "notes": ["a list"]}, "notes"),
    ("no_such_standard", {"status": "met"}, "standard"),
])
def test_bad_standard_input_is_refused_and_nothing_saved(world, code, data, field):
    with pytest.raises(ValidationFailed) as caught:
        goaward.set_standard(world.employers.a1, code, data, version=0)
    assert field in caught.value.fields
    assert db.session.scalar(select(func.count()).select_from(GoAwardStandard)) == 0


# --- documents ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_allowed_type_is_kept_with_its_hash_in_the_instance_folder(world, name):
    content, content_type = SAMPLES[name]
    item = goaward.add_document(world.employers.a1, "developing_staff", content, name, title="")
    db.session.commit()
    path = goaward.evidence_path(item)
    assert path.read_bytes() == content
    assert Path(current_app.instance_path).resolve() in path.parents
    assert (Path(current_app.instance_path) / "goaward").resolve() in path.parents
    assert Path(__file__).resolve().parents[2] not in path.parents  # never the source tree
    assert (item.kind, item.content_type, item.original_name, item.size_bytes) == ("document", content_type, name, len(content))
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.title == name.rsplit(".", 1)[0]
    [entry] = audits("create", "go_award_evidence")
    assert entry.changes["sha256"] == [None, item.sha256]


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(world):
    before = files_on_disk()
    big = PDF + b"0" * (20 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as caught:
        goaward.add_document(world.employers.a1, "whole_council", big, "big.pdf")
    assert caught.value.fields["document"] == ["The file must be 10 MB or smaller"]
    db.session.rollback()
    assert evidence_rows() == 0 and files_on_disk() == before


@pytest.mark.parametrize("content, name, words", [
    (PDF, "notes.txt", "must be a PDF, Word"),
    (b"Hello, I am not a PDF", "strategy.pdf", "not really a PDF"),
    (PDF, "minutes.docx", "not really a Word document"),
    (docx(), "figures.xlsx", "not really an Excel workbook"),
    (PDF, "photo.png", "not really a PNG image"),
    (b"", "empty.pdf", "empty"),
    (PDF, "evil\x00.pdf", "control characters"),
    (PDF, "../../outside.pdf", "without folders"),
])
def test_wrong_or_disguised_files_are_refused_and_nothing_is_kept(world, content, name, words):
    before = files_on_disk()
    with pytest.raises(ValidationFailed) as caught:
        goaward.add_document(world.employers.a1, "whole_council", content, name)
    assert words in caught.value.fields["document"][0]
    db.session.rollback()
    assert evidence_rows() == 0 and files_on_disk() == before


def test_a_title_too_long_is_refused_and_no_file_is_left(world):
    before = files_on_disk()
    with pytest.raises(ValidationFailed) as caught:
        goaward.add_document(world.employers.a1, "whole_council", PDF, "ok.pdf", title="t" * 201)
    assert "title" in caught.value.fields
    db.session.rollback()
    assert files_on_disk() == before


def test_a_rolled_back_upload_leaves_no_file(world):
    before = files_on_disk()
    item = goaward.add_document(world.employers.a1, "whole_council", PDF, "kept-only-if-committed.pdf")
    path = goaward.evidence_path(item)
    assert path.is_file()
    db.session.rollback()
    assert not path.exists() and files_on_disk() == before


def test_removing_a_document_deletes_its_file_only_after_commit(world):
    item = goaward.add_document(world.employers.a1, "whole_council", PDF, "minutes.pdf")
    db.session.commit()
    path = goaward.evidence_path(item)

    goaward.remove_evidence(item)
    assert path.is_file()  # the row is gone in this transaction only
    db.session.rollback()  # ...and comes back: so must its file
    assert path.is_file() and evidence_rows() == 1

    item = db.session.scalars(select(GoAwardEvidence)).one()
    goaward.remove_evidence(item)
    assert path.is_file()
    db.session.commit()
    assert not path.exists() and evidence_rows() == 0
    [entry] = audits("delete", "go_award_evidence")
    assert entry.changes["original_name"] == ["minutes.pdf", None]


# --- links ----------------------------------------------------------------------------------

def test_links_to_the_employers_agreements_and_reps(world):
    g.audit_actor = world.users.convenor_a1
    a = agreement_for(world, world.branches.a1, world.employers.a1, "Barnet learning agreement")
    r = rep_for(world, world.branches.a1, world.employers.a1, world.workplaces.school_a1)
    user = world.users.convenor_a1
    one = goaward.add_link(world.employers.a1, "union_partnership", "agreement", a.id, user)
    two = goaward.add_link(world.employers.a1, "union_partnership", "rep", str(r.id), user, title="Our school ULR")
    db.session.commit()
    assert (one.kind, one.link_type, one.link_id, one.title) == ("link", "agreement", a.id, "Learning agreement: Barnet learning agreement")
    assert (two.link_type, two.link_id, two.title) == ("rep", r.id, "Our school ULR")
    assert len(audits("create", "go_award_evidence")) == 2
    # the same record twice for one standard is refused; for another standard it is fine
    with pytest.raises(ValidationFailed) as caught:
        goaward.add_link(world.employers.a1, "union_partnership", "agreement", a.id, user)
    assert "already evidence" in caught.value.fields["record"][0]
    goaward.add_link(world.employers.a1, "whole_council", "agreement", a.id, user)
    # the ULR reading the pack sees the agreement of their branch but not the appointment of someone else
    targets = goaward.link_targets([one, two], world.users.ulr_a1)
    assert ("agreement", a.id) in targets and ("rep", r.id) not in targets


@pytest.mark.parametrize("case", ["other_employer", "out_of_scope", "missing", "bad_type", "bad_id"])
def test_links_to_anything_else_are_refused(world, case):
    other = agreement_for(world, world.branches.a2, world.employers.a2, "Camden agreement")
    db.session.commit()
    user = world.users.admin if case == "other_employer" else world.users.convenor_a1
    employer = world.employers.a1
    link_type, link_id = {"other_employer": ("agreement", other.id), "out_of_scope": ("agreement", other.id),
                          "missing": ("agreement", 999999), "bad_type": ("learner", other.id),
                          "bad_id": ("agreement", "12; drop")}[case]
    if case == "out_of_scope":
        employer = world.employers.a2  # convenor_a1 cannot see Camden's agreement at all
    with pytest.raises(ValidationFailed) as caught:
        goaward.add_link(employer, "union_partnership", link_type, link_id, user)
    assert "this employer's learning agreements or ULR appointments" in caught.value.fields["record"][0]
    assert evidence_rows() == 0


# --- the functions others call ---------------------------------------------------------------

def test_standards_of_takes_two_queries_whatever_the_evidence(world, count_queries):
    e = world.employers.a1
    for code in GO_AWARD_STANDARDS:
        goaward.set_standard(e, code, {"status": "in_progress"}, version=0)
        for n in range(3):
            goaward.add_document(e, code, PDF, f"{code}-{n}.pdf")
    db.session.commit()
    db.session.expire_all()
    assert e.id  # loaded again before counting
    with count_queries() as q:
        standards = goaward.standards_of(e)
        titles = [item.title for s in standards for item in s["evidence"]]
    assert q.count <= 2
    assert len(titles) == 24 and all(len(s["evidence"]) == 3 for s in standards)


def test_evidence_counts_per_employer_and_standard(world, count_queries):
    goaward.add_document(world.employers.a1, "whole_council", PDF, "a.pdf")
    goaward.add_document(world.employers.a1, "whole_council", PDF, "b.pdf")
    goaward.add_document(world.employers.b1, "local_implementation", PDF, "c.pdf")
    db.session.commit()
    ids = [world.employers.a1.id, world.employers.a2.id, world.employers.b1.id]
    with count_queries() as q:
        counts = goaward.evidence_counts(ids)
    assert q.count == 1
    assert set(counts) == {world.employers.a1.id, world.employers.a2.id, world.employers.b1.id}
    assert counts[world.employers.a1.id]["whole_council"] == 2
    assert sum(counts[world.employers.a1.id].values()) == 2
    assert counts[world.employers.a2.id] == {code: 0 for code in GO_AWARD_STANDARDS}
    assert counts[world.employers.b1.id]["local_implementation"] == 1
    assert goaward.evidence_counts([]) == {}


def test_who_may_change_the_pack(world):
    u, e = world.users, world.employers
    assert goaward.can_change(u.admin, e.b1)
    assert goaward.can_change(u.organiser_a, e.a2) and not goaward.can_change(u.organiser_a, e.b1)
    assert goaward.can_change(u.convenor_a1, e.a1) and not goaward.can_change(u.convenor_a1, e.a2)
    assert not goaward.can_change(u.ulr_a1, e.a1)
