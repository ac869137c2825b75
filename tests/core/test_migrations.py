"""The migrations and the models agree, and there is one head."""
from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from ulr_app import MIGRATIONS
from ulr_app.extensions import db


def test_single_head(app):
    config = app.extensions["migrate"].migrate.get_config(str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_models_match_migrations(app):
    """The equivalent of `flask db check`, on the database the suite built by migrating."""
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection skips expression indexes, with a warning: the list-order ones (*_sort) are
        # made by migrations only and left out of the comparison (core.models.known_to_models)
        warnings.filterwarnings("ignore", r"Skipped unsupported reflection of expression-based index \w+_sort")
        include = app.extensions["migrate"].configure_args["include_object"]  # not the PostgreSQL-only *_trgm
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True,
                                                               "include_object": include})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff


def test_migrate_is_configured_for_sqlite_batch_mode(app):
    assert app.extensions["migrate"].configure_args.get("render_as_batch") is True
