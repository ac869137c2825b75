"""The consent migration keeps today's data: each learner with a consent date gets a records and a
contact consent given on that date (method not_recorded, the old consent_scope as the note), and an
equality consent when any equality field is filled; a learner without consent gets none. It goes
down again cleanly. (SQLite here; the whole chain runs on PostgreSQL in the suite's set-up.)"""
from __future__ import annotations

from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tests.conftest import make_test_config
from ulr_app import create_app
from ulr_app.extensions import db

BEFORE, AFTER = "b8e1d4f7a2c9", "c1d2e3f4a5b6"


def test_existing_consents_become_records_with_a_history(tmp_path):
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'm.db'}", str(tmp_path)))
    with app.app_context():
        upgrade(revision=BEFORE)
        run = db.session.execute
        run(text("INSERT INTO region (id, name, code) VALUES (1, 'London', 'london')"))
        run(text("INSERT INTO branch (id, name, region_id) VALUES (1, 'Barnet', 1)"))
        for ident, consent_on, scope, ethnicity, age_band in (
                (1, "2026-01-05", "Records and contact", None, None),
                (2, "2026-02-10", "Everything", "Kurdish", None),
                (3, None, None, None, None),                      # no consent: nothing
                (4, "2025-11-30", "Records", None, "35-44")):
            run(text("INSERT INTO learner (id, branch_id, name, consent_on, consent_scope, ethnicity, age_band, "
                     "version) VALUES (:i, 1, :n, :c, :s, :e, :a, 1)"),
                {"i": ident, "n": f"Learner {ident}", "c": consent_on, "s": scope, "e": ethnicity, "a": age_band})
        db.session.commit()
        upgrade(revision=AFTER)
        rows = run(text("SELECT learner_id, purpose, given_on, method, note, withdrawn_on, taken_by_id "
                        "FROM learner_consent ORDER BY learner_id, purpose")).all()
        got = [(r[0], r[1], str(r[2]), r[3], r[4], r[5], r[6]) for r in rows]
        assert got == [
            (1, "contact", "2026-01-05", "not_recorded", "Records and contact", None, None),
            (1, "records", "2026-01-05", "not_recorded", "Records and contact", None, None),
            (2, "contact", "2026-02-10", "not_recorded", "Everything", None, None),
            (2, "equality", "2026-02-10", "not_recorded", "Everything", None, None),
            (2, "records", "2026-02-10", "not_recorded", "Everything", None, None),
            (4, "contact", "2025-11-30", "not_recorded", "Records", None, None),
            (4, "equality", "2025-11-30", "not_recorded", "Records", None, None),
            (4, "records", "2025-11-30", "not_recorded", "Records", None, None),
        ]
        # the learners' own consent fields are untouched (the API's consent_on / consent_scope)
        kept = run(text("SELECT consent_on, consent_scope FROM learner WHERE id = 2")).one()
        assert (str(kept[0]), kept[1]) == ("2026-02-10", "Everything")
        # the app (at the newest revision, as its models are) reads them as consents in force
        upgrade(revision="heads")
        from ulr_app.learners import consent
        from ulr_app.learners.models import Learner

        db.session.expire_all()
        assert consent.in_force(db.session.get(Learner, 2), date(2026, 3, 1)) == {"records", "contact", "equality"}
        assert consent.in_force(db.session.get(Learner, 3), date(2026, 3, 1)) == frozenset()
        db.session.remove()
        downgrade(revision=BEFORE)
        assert "learner_consent" not in inspect(db.engine).get_table_names()
        assert run(text("SELECT count(*) FROM learner")).scalar() == 4
        db.session.remove()
        db.engine.dispose()
