"""The stage and last contact each learner row keeps (learners/standing.py, issue 13): kept up to date by
every write of what they are made of (needs analyses, enrolments and their statuses, contacts: added,
changed, removed, moved by a merge), visible at once on learners already loaded, filled in by the migration
that added them, and, on PostgreSQL, right when two transactions change one learner's records at once.
(The suite also checks after every test that no learner's kept figures are out of date: conftest.py.)"""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from tests.conftest import make_test_config
from tests.learners.helpers import TODAY, course, empty_catalogue, enrolment, learner
from ulr_app.cases.models import Activity
from ulr_app.extensions import db
from ulr_app.learners import services, standing
from ulr_app.learners.models import Enrolment, Learner


@pytest.fixture(autouse=True)
def _own_catalogue(app):
    empty_catalogue()


def kept(who) -> tuple[str, date | None]:
    """What the learner's row holds, read afresh from the database."""
    row = db.session.execute(text("SELECT stage, last_contact_on FROM learner WHERE id = :i"), {"i": who.id}).one()
    on = row.last_contact_on
    return row.stage, (date.fromisoformat(on) if isinstance(on, str) else on)


def test_each_write_keeps_the_stage_and_last_contact(world):
    who = learner(world)
    assert kept(who) == ("no_enrolment", None)
    services.record_needs_assessment(who, {"assessed_on": "2026-02-01"})
    db.session.commit()
    assert kept(who) == ("needs_analysis", None)
    e = enrolment(who, course("Maths Entry 3"), "enquiry")
    assert kept(who) == ("enquiry", None)
    services.change_enrolment_status(e, "enrolled", {"started_on": "2026-01-20"})
    db.session.commit()
    assert kept(who) == ("enrolled", None)
    services.change_enrolment_status(e, "in_progress")
    db.session.commit()
    assert kept(who) == ("in_progress", None)
    # the furthest status of all their enrolments: a later enquiry does not move them back
    enrolment(who, course("English Entry 3"), "enquiry")
    assert kept(who) == ("in_progress", None)
    services.log_contact(who, {"kind": "call", "happened_on": (TODAY - timedelta(days=30)).isoformat(),
                               "text": "Asked how the course is going"})
    db.session.commit()
    assert kept(who) == ("in_progress", TODAY - timedelta(days=30))
    # an older contact logged later does not move the last contact back
    services.log_contact(who, {"kind": "note", "happened_on": (TODAY - timedelta(days=60)).isoformat(),
                               "text": "Met at the school gate"})
    db.session.commit()
    assert kept(who) == ("in_progress", TODAY - timedelta(days=30))
    assert standing.stale_learners(db.session.connection()) == []


def test_changing_and_removing_records_keeps_them_too(world):
    who = learner(world)
    e = enrolment(who, course("Maths Entry 3"), "enquiry")
    contact = Activity(learner_id=who.id, kind="call", happened_on=TODAY - timedelta(days=5), text="Call",
                       by_label="test")
    db.session.add(contact)
    db.session.commit()
    assert kept(who) == ("enquiry", TODAY - timedelta(days=5))
    contact.happened_on = TODAY - timedelta(days=200)  # a date put right
    e.status = "achieved"
    db.session.commit()
    assert kept(who) == ("achieved", TODAY - timedelta(days=200))
    db.session.delete(contact)
    db.session.delete(e)
    db.session.commit()
    assert kept(who) == ("no_enrolment", None)


def test_a_record_moved_to_another_learner_changes_both(world):
    first, second = learner(world, name="Ann One"), learner(world, name="Bea Two")
    e = enrolment(first, course("Maths Entry 3"), "in_progress")
    assert (kept(first)[0], kept(second)[0]) == ("in_progress", "no_enrolment")
    e.learner_id = second.id
    db.session.commit()
    assert (kept(first)[0], kept(second)[0]) == ("no_enrolment", "in_progress")


def test_a_merge_brings_the_duplicates_stage_and_contacts(world):
    keep = learner(world, name="Sam Okafor")
    duplicate = learner(world, name="Samuel Okafor")
    enrolment(duplicate, course("Maths Entry 3"), "achieved")
    services.log_contact(duplicate, {"kind": "call", "happened_on": (TODAY - timedelta(days=3)).isoformat(),
                                     "text": "Call"})
    db.session.commit()
    services.merge_learners(keep, duplicate)
    db.session.commit()
    assert kept(keep) == ("achieved", TODAY - timedelta(days=3))
    assert kept(duplicate) == ("no_enrolment", None)


def test_a_learner_already_loaded_sees_its_new_stage_without_a_reload(world):
    who = learner(world)
    loaded = db.session.get(Learner, who.id)
    db.session.add(Enrolment(learner_id=who.id, course_id=course("Maths Entry 3").id, status="referred"))
    db.session.flush()
    assert loaded.stage == "referred"  # set in the flush: no query, nothing expired


def test_a_write_that_skips_the_flush_is_found_out(world):
    """The check the suite runs after every test fails when a write goes round the ORM (it can fail)."""
    who = learner(world)
    enrolment(who, course("Maths Entry 3"), "enquiry")
    db.session.execute(update(Enrolment).where(Enrolment.learner_id == who.id).values(status="achieved"))
    assert standing.stale_learners(db.session.connection()) == [who.id]
    standing.refresh(db.session.connection(), [who.id])
    assert standing.stale_learners(db.session.connection()) == []
    db.session.commit()


def test_the_migration_fills_them_in_for_learners_already_there(tmp_path):
    from flask_migrate import downgrade, upgrade

    from ulr_app import create_app

    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'm.db'}", str(tmp_path)))
    with app.app_context():
        upgrade(revision="a6b7c8d9e0f1")
        run = db.session.execute
        run(text("INSERT INTO region (id, name, code) VALUES (1, 'London', 'london')"))
        run(text("INSERT INTO branch (id, name, region_id) VALUES (1, 'Barnet', 1)"))
        run(text("INSERT INTO course (id, title, category, subject, level, provider, qualification, active, version) "
                 "VALUES (1, 'Maths', 'skills_for_life', 'numeracy', 'entry_3', NULL, 1, 1, 1)"))
        for ident in (1, 2, 3):
            run(text("INSERT INTO learner (id, branch_id, name, version) VALUES (:i, 1, :n, 1)"),
                {"i": ident, "n": f"Learner {ident}"})
        run(text("INSERT INTO enrolment (learner_id, course_id, status, version) VALUES (1, 1, 'withdrawn', 1), "
                 "(1, 1, 'in_progress', 1)"))
        run(text("INSERT INTO needs_assessment (learner_id, assessed_on, esol_need, barriers) "
                 "VALUES (2, '2026-01-05', 0, '[]')"))
        run(text("INSERT INTO activity (learner_id, kind, happened_on, text, by_label) VALUES "
                 "(2, 'call', '2026-03-01', 'Call', ''), (2, 'note', '2026-05-02', 'Note', '')"))
        db.session.commit()
        upgrade(revision="b7c8d9e0f1a2")
        got = run(text("SELECT id, stage, last_contact_on FROM learner ORDER BY id")).all()
        assert [(i, s, str(on) if on else None) for i, s, on in got] == [
            (1, "in_progress", None), (2, "needs_analysis", "2026-05-02"), (3, "no_enrolment", None)]
        db.session.commit()
        downgrade(revision="a6b7c8d9e0f1")
        columns = {row[1] for row in run(text("PRAGMA table_info(learner)"))}
        assert "stage" not in columns and "last_contact_on" not in columns
        db.session.remove()


def test_two_writers_at_once_leave_the_stage_right(app, world):
    """PostgreSQL: the second transaction waits for the first's lock on the learner and then reads its
    enrolment, so the stage is the furthest of both (computed without the first's, it would be "enquiry")."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the row lock is PostgreSQL's (SQLite runs one writer at a time)")
    who = learner(world)
    course_a, course_b = course("Maths Entry 3"), course("English Entry 3")
    engine = db.engine
    first = Session(engine)
    first.add(Enrolment(learner_id=who.id, course_id=course_a.id, status="achieved"))
    first.flush()  # holds the learner's row lock until it commits
    done, failed = threading.Event(), []
    learner_id, course_b_id = who.id, course_b.id

    def second_writer():
        try:
            with Session(engine) as second:
                second.add(Enrolment(learner_id=learner_id, course_id=course_b_id, status="enquiry"))
                second.flush()  # waits for the first to commit
                second.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failed.append(error)
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not done.wait(0.5), "the second writer should wait for the first's lock"
    first.commit()
    first.close()
    thread.join(10)
    assert done.is_set() and not failed, failed
    db.session.expire_all()
    assert kept(who)[0] == "achieved"
