"""workplaces by employer and kind: the home page's counts of a scope's workplaces and schools from the index alone (issue 13)

"Your organisation" on every home page counts the workplaces the user can see and how many are schools. For
an administrator that read the whole workplace table (22,590 rows on the national data set, 4.2 ms); for
others the workplaces of their employers. ``(employer_id, kind)`` answers both from the index alone once the
visibility map is current (2.5 ms for the country, 0.6 ms for a region).

Revision ID: a6b7c8d9e0f1
Revises: f5a6b7c8d9e0
Create Date: 2026-12-07 19:50:00
"""
from alembic import op

from ulr_app.core.dbstats import analyze_tables_with_rows

revision = 'a6b7c8d9e0f1'
down_revision = 'f5a6b7c8d9e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_workplace_employer_id_kind', 'workplace', ['employer_id', 'kind'], unique=False)
    # autovacuum may be off: statistics for the new index, but not for an empty table (see the helper)
    analyze_tables_with_rows(op.get_bind(), "workplace")


def downgrade():
    op.drop_index('ix_workplace_employer_id_kind', table_name='workplace')
