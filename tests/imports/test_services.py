"""The import through the services: every row checked by the same services as the forms and the API, problems by
row and column, historical enrolments at any status with consistent dates, updates by reference, all or nothing."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.imports.helpers import Formula, csv_bytes, xlsx_bytes
from ulr_app.agreements.models import Agreement
from ulr_app.extensions import db
from ulr_app.imports import services
from ulr_app.learners.catalogue import load_courses
from ulr_app.learners.models import Enrolment, Learner
from ulr_app.reps.models import Rep

HISTORY = ("reference", "name", "workplace_urn", "consent_on", "consent_scope", "course_title", "status", "referred_on",
           "started_on", "completed_on", "achieved_on", "withdrawn_on", "withdrawal_reason")
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def _run(world, kind, header, rows, *, apply=False, fmt="csv", actor=None, branch=None):
    content = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows)
    branch = branch or world.branches.a1
    outcome = services.run_import(kind, content, fmt, db.session.get(type(branch), branch.id), actor=actor, apply=apply)
    if outcome.applied:
        db.session.commit()
    return outcome


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _learner(**history):
    row = {"reference": "L-1", "name": "Ann Able", "workplace_urn": "101309", "consent_on": "2020-01-06",
           "consent_scope": "records", "course_title": "Return to Learn", "status": "completed", "referred_on": "",
           "started_on": "2024-01-10", "completed_on": "2024-03-20", "achieved_on": "", "withdrawn_on": "",
           "withdrawal_reason": ""}
    row.update(history)
    return [row[c] for c in HISTORY]


@pytest.fixture
def courses(app):
    load_courses()
    db.session.commit()


@pytest.mark.parametrize("history, column, message", [
    ({}, None, None),
    ({"course_title": "Functional Skills English Level 1", "status": "achieved", "achieved_on": "2024-05-01"}, None, None),
    ({"status": "withdrawn", "completed_on": "", "withdrawn_on": "2024-02-01", "withdrawal_reason": "Moved away"},
     None, None),
    ({"status": "in_progress", "completed_on": ""}, None, None),
    ({"status": "enquiry", "started_on": "", "completed_on": ""}, None, None),
    ({"status": "referred", "referred_on": "2023-12-01", "started_on": "", "completed_on": ""}, None, None),
    ({"completed_on": "2023-12-01"}, "completed_on", "The completion date cannot be before the start date"),
    ({"status": "achieved", "achieved_on": "2024-03-01"}, "achieved_on",
     "The date the qualification was achieved cannot be before the completion date"),
    ({"completed_on": TOMORROW}, "completed_on", "This date cannot be in the future"),
    ({"started_on": "2019-05-01"}, "started_on", "This date cannot be before the learner's consent (6 January 2020)"),
    ({"status": "completed", "completed_on": ""}, "completed_on", "Enter the completion date"),
    ({"achieved_on": "2024-04-01"}, "achieved_on", "Only an enrolment that is achieved has this: leave it out"),
    ({"status": "withdrawn", "completed_on": "", "withdrawn_on": "2024-02-01"}, "withdrawal_reason",
     "Enter why the learner withdrew"),
    ({"status": "break_in_learning"}, "status", "Choose a status: enquiry, referred, enrolled, in_progress, completed, "
                                                "achieved, withdrawn"),
    ({"status": ""}, "status", "Choose a status"),
    ({"course_title": "Underwater basket weaving"}, "course_title",
     "There is no course called Underwater basket weaving in the catalogue"),
    ({"started_on": "31/2/2024"}, "started_on", "Enter the start date as a real date"),
    ({"consent_on": "", "consent_scope": ""}, "learner_id", "Record the learner's consent"),
    ({"workplace_urn": "999999"}, "workplace_urn", "There is no school with URN 999999 at an employer this branch"),
    ({"workplace_urn": "100008"}, "workplace_urn", "There is no school with URN 100008"),  # another branch's school
    ({"name": ""}, "name", "Enter the learner's name"),
    ({"reference": ""}, "reference", "Enter the branch's reference for this row"),
    ({"consent_on": "2020-01-06", "consent_scope": ""}, "consent_scope", "Enter what the learner's consent covers"),
])
def test_learners_with_history_each_rule(app, world, courses, history, column, message):
    outcome = _run(world, "learners", HISTORY, [_learner(**history)], apply=True)
    if column is None:
        assert outcome.ok, outcome.report()
        assert _count(Learner) == 1 and _count(Enrolment) == 1
        e = db.session.scalars(select(Enrolment)).one()
        assert e.status == (history.get("status") or "completed")
    else:
        assert [(p.row, p.column) for p in outcome.problems] == [(2, column)], outcome.report()
        assert message in outcome.problems[0].message
        assert _count(Learner) == 0 and _count(Enrolment) == 0


def test_the_preview_finds_what_the_import_does(app, world, courses):
    rows = [_learner(), _learner(course_title="Women's Lives", status="in_progress", completed_on=""),
            _learner(reference="L-2", name="Bob", status="achieved", completed_on="2024-02-01", achieved_on="2024-02-02"),
            _learner(reference="L-3", name="Cy", course_title="", status="", started_on="", completed_on="")]
    preview = _run(world, "learners", HISTORY, rows)
    assert preview.ok and _count(Learner) == 0
    done = _run(world, "learners", HISTORY, rows, apply=True)
    assert preview.counts == done.counts == {"new": 3, "updated": 0, "unchanged": 0, "enrolments_new": 3}
    assert _count(Learner) == 3 and _count(Enrolment) == 3
    # a learner's later row that contradicts the first one
    rows[1][HISTORY.index("name")] = "Anne Other"
    outcome = _run(world, "learners", HISTORY, rows)
    assert [(p.row, p.column) for p in outcome.problems] == [(3, "name")]
    assert "says something else than row 2" in outcome.problems[0].message
    # the history moves on: the in-progress course completed; everything else unchanged
    rows[1][HISTORY.index("name")] = ""
    rows[1][HISTORY.index("status")], rows[1][HISTORY.index("completed_on")] = "completed", "2024-06-30"
    preview = _run(world, "learners", HISTORY, rows)
    done = _run(world, "learners", HISTORY, rows, apply=True)
    assert preview.counts == done.counts == {"new": 0, "updated": 0, "unchanged": 3, "enrolments_updated": 1,
                                             "enrolments_unchanged": 2}
    assert _count(Enrolment) == 3
    lives = db.session.scalars(select(Enrolment).join(Enrolment.course).where(Enrolment.status == "completed",
                                                                                Enrolment.completed_on == date(2024, 6, 30)))
    assert len(lives.all()) == 1


def test_reps_each_rule_and_all_or_nothing(app, world):
    header = ("reference", "name", "employer_id", "workplace_id", "appointed_on", "training_route",
              "will_train_notice_on", "email")
    e = world.employers.a1.id
    rows = [
        ("R-1", "Good ULR", e, world.workplaces.school_a1.id, "2025-01-06", "already_trained", "", "good@example.org"),
        ("R-2", "Not an e-mail", e, "", "2025-01-06", "will_train", "2025-01-07", "nope"),
        ("R-3", "Early notice", e, "", "2025-01-06", "will_train", "2025-01-01", ""),
        ("R-4", "Wrong workplace", e, world.workplaces.school_a2.id, "2025-01-06", "already_trained", "", ""),
        ("R-5", "Trained already, notice", e, "", "2025-01-06", "already_trained", "2025-02-01", ""),
        ("R-1", "Twice", e, "", "2025-01-06", "already_trained", "", ""),
        ("R-7", "Unknown employer", 999999, "", "2025-01-06", "already_trained", "", ""),
        ("R-8", "Odd route", e, "", "2025-01-06", "sometime", "", ""),
    ]
    outcome = _run(world, "reps", header, rows, apply=True)
    assert [(p.row, p.column) for p in outcome.problems] == [
        (3, "email"), (4, "will_train_notice_on"), (5, "workplace_id"), (6, "will_train_notice_on"), (7, "reference"),
        (8, "employer_id"), (9, "training_route")], outcome.report()
    assert _count(Rep) == 0  # one good row is not imported on its own
    outcome = _run(world, "reps", header, rows[:1], apply=True)
    assert outcome.ok and _count(Rep) == 1


def test_agreements_at_any_status_then_moved_along_their_lifecycle(app, world):
    header = ("reference", "title", "employer_id", "status", "signed_on", "review_due_on", "employer_signatory",
              "union_signatory", "schools_scope", "member_access_paid", "ulr_facilities", "coordinator_release_days")
    e = world.employers.a1.id
    rows = [["A-1", "Barnet 2023", e, "signed", "2023-04-01", "2026-04-01", "J Smith", "K Jones", "included", "yes",
             "room, phone", "0.5"],
            ["A-2", "Barnet draft", e, "", "", "", "", "", "silent", "no", "", ""]]
    outcome = _run(world, "agreements", header, rows, apply=True, fmt="xlsx")
    assert outcome.ok, outcome.report()
    signed = db.session.scalars(select(Agreement).where(Agreement.reference == "A-1")).one()
    assert (signed.status, signed.schools_scope, signed.member_access_paid, signed.ulr_facilities) == (
        "signed", "included", True, ["room", "phone"])
    assert db.session.scalars(select(Agreement).where(Agreement.reference == "A-2")).one().status == "draft"
    # a draft cannot jump to signed; a signed one can go under review
    rows[0][3], rows[1][3] = "under_review", "signed"
    outcome = _run(world, "agreements", header, rows, apply=True)
    assert [(p.row, p.column) for p in outcome.problems] == [(3, "status")]
    assert "A draft agreement cannot become signed" in outcome.problems[0].message
    rows[1][3] = "negotiating"
    outcome = _run(world, "agreements", header, rows, apply=True)
    assert outcome.ok and outcome.counts == {"new": 0, "updated": 2, "unchanged": 0}
    assert sorted(db.session.scalars(select(Agreement.status))) == ["negotiating", "under_review"]
    # signed without signatures, and a bad yes/no
    bad = [["A-3", "Unsigned", e, "signed", "2023-04-01", "2026-04-01", "", "", "silent", "perhaps", "", ""]]
    outcome = _run(world, "agreements", header, bad, apply=True)
    assert sorted((p.row, p.column) for p in outcome.problems) == [
        (2, "employer_signatory"), (2, "member_access_paid"), (2, "union_signatory")]
    assert _count(Agreement) == 2


def test_another_branchs_reference_is_another_record(app, world):
    header = ("reference", "name", "employer_id", "appointed_on", "training_route")
    _run(world, "reps", header, [("R-1", "In A1", world.employers.a1.id, "2025-01-06", "already_trained")], apply=True)
    outcome = _run(world, "reps", header, [("R-1", "In A2", world.employers.a2.id, "2025-01-06", "already_trained")],
                   apply=True, branch=world.branches.a2)
    assert outcome.ok and outcome.counts["new"] == 1 and _count(Rep) == 2


def test_a_ulr_cannot_record_equality_monitoring_but_a_convenor_can(app, world):
    header = ("reference", "name", "consent_on", "consent_scope", "ethnicity")
    rows = [("L-1", "Ann", "2024-01-01", "records", "White British")]
    refused = _run(world, "learners", header, rows, actor=world.users.ulr_a1)
    assert [(p.row, p.column) for p in refused.problems] == [(2, "ethnicity")]
    assert _run(world, "learners", header, rows, actor=world.users.convenor_a1, apply=True).ok


def test_a_real_formula_in_a_spreadsheet_is_imported_as_its_text_never_worked_out(app, world):
    header = ("reference", "name", "employer_id", "appointed_on", "training_route", "notes")
    rows = [("R-1", Formula('=HYPERLINK("http://evil.example","x")'), world.employers.a1.id, "2025-01-06",
             "already_trained", Formula("=1+41"))]
    outcome = _run(world, "reps", header, rows, apply=True, fmt="xlsx")
    assert outcome.ok, outcome.report()
    rep = db.session.scalars(select(Rep)).one()
    assert rep.name == '=HYPERLINK("http://evil.example","x")' and rep.notes == "=1+41"  # not the cached 42
