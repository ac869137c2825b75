"""A follow-up carries its case's or learner's branch (the index "What needs doing" reads): copied on
insert by the model, filled for existing follow-ups by migration d3e4f5a6b7c8, which goes down cleanly."""
from __future__ import annotations

from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tests.conftest import make_test_config
from tests.reports import helpers as h
from ulr_app import create_app
from ulr_app.cases.rules import KINDS
from ulr_app.contacts.models import FollowUp
from ulr_app.core import reminders
from ulr_app.extensions import db

BEFORE, AFTER = "c2d3e4f5a6b7", "d3e4f5a6b7c8"
KIND = next(iter(KINDS))


def test_a_new_follow_up_takes_its_case_or_learner_branch(world):
    learner = h.learner(world, "a2", workplace="school_a2")
    on_learner = FollowUp(learner_id=learner.id, title="Call back", due_on=date(2026, 12, 1))
    db.session.add(on_learner)
    db.session.commit()
    assert on_learner.branch_id == world.branches.a2.id
    from ulr_app.cases import services as case_services

    case = case_services.create_case({"kind": KIND, "summary": "Rota clash", "opened_on": date(2026, 12, 1)},
                                     world.branches.a1, world.users.convenor_a1)
    db.session.add(FollowUp(case_id=case.id, title="Chase the manager", due_on=date(2026, 12, 9)))
    db.session.commit()
    planned = db.session.scalars(db.select(FollowUp).where(FollowUp.case_id == case.id)).all()
    assert planned and {f.branch_id for f in planned} == {world.branches.a1.id}


def test_a_follow_up_is_reminded_only_to_its_own_branch(world):
    today = date.today()
    learner = h.learner(world, "a2", workplace="school_a2", name="Casey Camden")
    db.session.add(FollowUp(learner_id=learner.id, title="Call back", due_on=today))
    db.session.commit()
    assert [n.subject for n in reminders.due(today, [world.branches.a2.id]) if n.kind == "follow_up_due"] == [
        "Call back: Casey Camden"]
    assert not [n for n in reminders.due(today, [world.branches.a1.id]) if n.kind.startswith("follow_up")]


def test_the_migration_fills_the_branch_of_existing_follow_ups(tmp_path):
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'm.db'}", str(tmp_path)))
    with app.app_context():
        upgrade(revision=BEFORE)
        run = db.session.execute
        run(text("INSERT INTO region (id, name, code) VALUES (1, 'London', 'london')"))
        run(text("INSERT INTO branch (id, name, region_id) VALUES (1, 'Barnet', 1), (2, 'Camden', 1)"))
        run(text("INSERT INTO learner (id, branch_id, name, version) VALUES (5, 2, 'Sam', 1)"))
        run(text("INSERT INTO case_record (id, branch_id, kind, status, summary, opened_on, version) "
                 "VALUES (7, 1, 'individual', 'open', 'Rota', '2026-11-01', 1)"))
        run(text("INSERT INTO follow_up (id, case_id, learner_id, title, due_on) VALUES "
                 "(1, 7, NULL, 'Chase', '2026-12-01'), (2, NULL, 5, 'Call', '2026-12-02'), "
                 "(3, 7, 5, 'Both', '2026-12-03')"))
        db.session.commit()
        upgrade(revision=AFTER)
        got = run(text("SELECT id, branch_id FROM follow_up ORDER BY id")).all()
        assert [tuple(r) for r in got] == [(1, 1), (2, 2), (3, 1)]  # a case's follow-up: the case's branch
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("follow_up")}
        assert "ix_follow_up_open_branch_due_on" in indexes
        db.session.remove()
        downgrade(revision=BEFORE)
        assert "branch_id" not in {c["name"] for c in inspect(db.engine).get_columns("follow_up")}
        assert run(text("SELECT count(*) FROM follow_up")).scalar() == 3
        db.session.remove()
        db.engine.dispose()
