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

from ulr_app.core.dbstats import analyze_tables_with_rows

revision = 'f5a6b7c8d9e0'
down_revision = 'e4f5a6b7c8d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_enrolment_learner_id_started_on', 'enrolment', ['learner_id', 'started_on'], unique=False)
    op.create_index('ix_needs_assessment_assessed_on', 'needs_assessment', ['assessed_on'], unique=False)
    # autovacuum may be off: statistics for the new index, but not for an empty table (see the helper)
    analyze_tables_with_rows(op.get_bind(), "enrolment", "needs_assessment")


def downgrade():
    op.drop_index('ix_needs_assessment_assessed_on', table_name='needs_assessment')
    op.drop_index('ix_enrolment_learner_id_started_on', table_name='enrolment')
