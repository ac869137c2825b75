"""enrolments by learner and start date, needs analyses by date: reports read a period's records by index (issue 13)

Equality monitoring counts the learners with an enrolment started in the period: for a national region's
51,855 learners that was 51,855 probes of ix_enrolment_learner_id, each with a heap fetch to read
started_on (98 ms of the report's 200). With (learner_id, started_on) each probe is answered by the
index alone (74 ms), once the visibility map is current (autovacuum). The funding return's needs_assessed
counted a quarter's needs analyses by probing each of the region's learners (130 ms twice); with
needs_assessment.assessed_on indexed the quarter's analyses are read by date (45 ms).

Revision ID: f5a6b7c8d9e0
Revises: e4f5a6b7c8d9
Create Date: 2026-12-07 16:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'f5a6b7c8d9e0'
down_revision = 'e4f5a6b7c8d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_enrolment_learner_id_started_on', 'enrolment', ['learner_id', 'started_on'], unique=False)
    op.create_index('ix_needs_assessment_assessed_on', 'needs_assessment', ['assessed_on'], unique=False)
    _analyze("enrolment", "needs_assessment")


def _analyze(*tables: str) -> None:
    """ANALYZE (PostgreSQL) each table that holds rows, as autovacuum may be off. Not an empty one (a new
    database): ANALYZE would record it as empty (reltuples 0), and the planner then takes a freshly
    bulk-loaded table to be as small as its first pages and caches sequential-scan plans for the foreign-key
    checks of the rest of the load (the national build took over 20 minutes instead of 8)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in tables:
        if bind.execute(sa.text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar():  # nosec B608 - own table names
            op.execute(f"ANALYZE {table}")


def downgrade():
    op.drop_index('ix_needs_assessment_assessed_on', table_name='needs_assessment')
    op.drop_index('ix_enrolment_learner_id_started_on', table_name='enrolment')
