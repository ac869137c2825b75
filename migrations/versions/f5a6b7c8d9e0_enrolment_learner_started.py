"""enrolments by learner and start date, so "an enrolment started in the period" is an index-only probe (issue 13)

Equality monitoring counts the learners with an enrolment started in the period: for a national region's
51,855 learners that was 51,855 probes of ix_enrolment_learner_id, each with a heap fetch to read
started_on (98 ms of the report's 200). With (learner_id, started_on) each probe is answered by the
index alone (74 ms), once the visibility map is current (autovacuum).

Revision ID: f5a6b7c8d9e0
Revises: e4f5a6b7c8d9
Create Date: 2026-12-07 16:50:00
"""
from alembic import op

revision = 'f5a6b7c8d9e0'
down_revision = 'e4f5a6b7c8d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_enrolment_learner_id_started_on', 'enrolment', ['learner_id', 'started_on'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE enrolment")


def downgrade():
    op.drop_index('ix_enrolment_learner_id_started_on', table_name='enrolment')
