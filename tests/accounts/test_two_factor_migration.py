"""The two-factor migration: tokens made before it expire a year after they were made, and it goes
down again cleanly (SQLite here; the whole chain runs on PostgreSQL in the suite's set-up)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tests.conftest import make_test_config
from ulr_app import create_app
from ulr_app.extensions import db

BEFORE, AFTER = "c4e8b1d2a9f3", "d5a8e3f1c7b2"


def test_existing_tokens_get_a_year_and_the_migration_goes_down(tmp_path):
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'm.db'}", str(tmp_path)))
    made = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    with app.app_context():
        upgrade(revision=BEFORE)
        db.session.execute(text("INSERT INTO user_account (id, email, name, role, active, version, created_at, updated_at) "
                                "VALUES (1, 'a@example.org', 'A', 'admin', 1, 1, :t, :t)"), {"t": made})
        db.session.execute(text("INSERT INTO api_token (id, user_id, name, token_hash, prefix, created_at) "
                                "VALUES (1, 1, 'old', :h, 'ulr_abc', :t)"), {"h": "0" * 64, "t": made})
        db.session.commit()
        upgrade(revision=AFTER)
        from ulr_app.accounts.models import ApiToken

        db.session.expire_all()
        assert db.session.get(ApiToken, 1).expires_at == made + timedelta(days=365)
        tables = inspect(db.engine).get_table_names()
        assert "recovery_code" in tables
        assert {"totp_secret", "totp_enabled_at", "totp_last_step"} <= {
            c["name"] for c in inspect(db.engine).get_columns("user_account")}
        db.session.remove()
        downgrade(revision=BEFORE)
        assert "recovery_code" not in inspect(db.engine).get_table_names()
        assert "expires_at" not in {c["name"] for c in inspect(db.engine).get_columns("api_token")}
        db.session.remove()
        db.engine.dispose()
