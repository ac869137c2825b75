"""The migration that adds audit_record (issue 14 item 7) fills it for the entries already written: an
entry about several records (a read of a list's special-category data) gets a row for each, so the audit
page's record and person filters find old entries too. Run on a database of its own (SQLite)."""
from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from tests.conftest import make_test_config
from ulr_app import create_app

BEFORE = "d2e3f4a5b6c7"


def test_upgrade_backfills_the_records_of_existing_entries(tmp_path):
    url = f"sqlite:///{tmp_path / 'backfill.db'}"
    app = create_app(make_test_config(url, str(tmp_path)))
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        upgrade(revision=BEFORE)
        engine = create_engine(url)
        with engine.begin() as conn:
            insert = text("INSERT INTO audit_entry (at, actor_label, action, object_type, object_id, summary, changes) "
                          "VALUES ('2026-01-05 10:00:00', 'Ann', :action, :type, :oid, 's', :changes)")
            conn.execute(insert, {"action": "read_special", "type": "learner", "oid": None,
                                  "changes": json.dumps({"records": [7, 9, 7], "fields": ["ethnicity"]})})
            conn.execute(insert, {"action": "read_special", "type": "learner", "oid": 7,  # one record: its own id
                                  "changes": json.dumps({"records": [7], "fields": ["ethnicity"]})})
            conn.execute(insert, {"action": "update", "type": "learner", "oid": None,
                                  "changes": json.dumps({"name": ["A", "B"]})})
            conn.execute(insert, {"action": "create", "type": "branch", "oid": 3, "changes": None})
        upgrade()
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT e.action, r.record_type, r.record_id FROM audit_record r "
                                     "JOIN audit_entry e ON e.id = r.entry_id ORDER BY r.record_id")).all()
        assert [tuple(r) for r in rows] == [("read_special", "learner", 7), ("read_special", "learner", 9)]
        downgrade(revision=BEFORE)
        with engine.connect() as conn:
            tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        assert "audit_record" not in tables and "audit_entry" in tables
        engine.dispose()
