"""`flask --app ulr_app import KIND FILE --branch-id B [--dry-run]`: all rows or none, problems by row and column."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.imports.helpers import LEARNER_HEADER, csv_bytes, xlsx_bytes
from ulr_app.agreements.models import Agreement
from ulr_app.core.audit_models import AuditEntry
from ulr_app.extensions import db
from ulr_app.learners.catalogue import load_courses
from ulr_app.learners.models import Enrolment, Learner
from ulr_app.reps.models import Rep


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _learner_rows():
    return [
        ("L-1", "Ann Able", "101309", "ann@example.org", "learning_support", "member", "2023-09-01", "records and contact",
         "Return to Learn", "completed", "2024-01-10", "2024-03-20", ""),
        ("L-1", "", "", "", "", "", "", "", "Functional Skills English Level 1", "achieved", "2024-04-15", "2024-07-01",
         "2024-08-20"),
        ("L-2", "Bob Baker", "101309", "", "site", "non_member", "2024-02-01", "records", "", "", "", "", ""),
    ]


def test_import_learners_with_history_then_rerun_changes_nothing(app, world, runner, tmp_path):
    load_courses()
    db.session.commit()
    path = tmp_path / "learners.csv"
    path.write_bytes(csv_bytes(LEARNER_HEADER, _learner_rows()))
    result = runner.invoke(args=["import", "learners", str(path), "--branch-id", str(world.branches.a1.id)])
    assert result.exit_code == 0, result.output
    assert "2 new, 0 updated, 0 unchanged; enrolments: 2 new" in result.output
    ann = db.session.scalars(select(Learner).where(Learner.reference == "L-1")).one()
    assert ann.workplace_id == world.workplaces.school_a1.id and ann.employer_id == world.employers.a1.id
    statuses = sorted(e.status for e in db.session.scalars(select(Enrolment).where(Enrolment.learner_id == ann.id)))
    assert statuses == ["achieved", "completed"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")) == 1
    again = runner.invoke(args=["import", "learners", str(path), "--branch-id", str(world.branches.a1.id)])
    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated, 2 unchanged; enrolments: 0 new, 0 updated, 2 unchanged" in again.output
    assert _count(Learner) == 2 and _count(Enrolment) == 2


def test_dry_run_saves_nothing(app, world, runner, tmp_path):
    path = tmp_path / "reps.xlsx"
    path.write_bytes(xlsx_bytes(("reference", "name", "employer_id", "workplace_urn", "appointed_on", "training_route"),
                                [("R-1", "Cath Cole", world.employers.a1.id, 101309, "2025-01-06", "already_trained")]))
    result = runner.invoke(args=["import", "reps", str(path), "--branch-id", str(world.branches.a1.id), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output and "Dry run: nothing was saved." in result.output
    assert _count(Rep) == 0


def test_bad_file_lists_every_problem_and_saves_nothing(app, world, runner, tmp_path):
    path = tmp_path / "agreements.csv"
    path.write_bytes(csv_bytes(("reference", "title", "employer_id", "status", "signed_on"), [
        ("A-1", "Barnet partnership", world.employers.a1.id, "draft", ""),
        ("A-2", "", world.employers.a1.id, "signed", "2025-05-01"),
        ("A-3", "Camden", world.employers.a2.id, "draft", "2099-01-01"),
    ]))
    result = runner.invoke(args=["import", "agreements", str(path), "--branch-id", str(world.branches.a1.id)])
    assert result.exit_code == 1
    out = result.output
    assert "Row 3, column title: Enter the title" in out
    assert "Row 3, column employer_signatory" in out
    assert "Row 4, column employer_id: Choose one of the employers this branch deals with" in out
    assert "Row 4, column signed_on: This date cannot be in the future" in out
    assert _count(Agreement) == 0


def test_an_import_stopped_half_way_leaves_the_database_as_it_was(app, world, runner, tmp_path, monkeypatch):
    """Issue 13 item 7: the import is one transaction; a run that dies after some learners (and their consents,
    enrolments, audit and timeline entries) were written leaves every table as it was."""
    from ulr_app.learners import services as learner_services

    load_courses()
    db.session.commit()
    rows = [(f"K-{i}", f"Kim Number {i}", "101309", "", "site", "member", "2024-02-01", "records and contact",
             "Return to Learn", "completed", "2024-03-01", "2024-05-01", "") for i in range(1, 41)]
    path = tmp_path / "learners.csv"
    path.write_bytes(csv_bytes(LEARNER_HEADER, rows))
    tables = list(db.metadata.sorted_tables)
    before = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    made = []
    real = learner_services.create_learner

    def create_then_die(*args, **kwargs):
        made.append(1)
        if len(made) > 25:  # 25 learners, their consents, enrolments, audit and timeline entries are written
            raise RuntimeError("killed half-way")
        return real(*args, **kwargs)

    monkeypatch.setattr(learner_services, "create_learner", create_then_die)
    result = runner.invoke(args=["import", "learners", str(path), "--branch-id", str(world.branches.a1.id)])
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert len(made) == 26
    db.session.rollback()
    after = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    assert after == before
