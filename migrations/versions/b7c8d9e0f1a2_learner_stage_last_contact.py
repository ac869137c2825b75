"""learners keep their stage and last contact on their row, kept up to date from their records (issue 13)

A ULR's home page counted their caseload by stage and looked for learners with no contact in 90 days by
working out each learner's stage and latest contact from their enrolments, needs analyses and activities:
two or three index lookups per learner, 1,155 learners for the busiest ULR of the national data set. The
learner row now keeps both (``ulr_app/learners/standing.py`` keeps them up to date in every flush that
changes those records); this fills them in for the learners already there.

Every ULR page's scope includes the learners the ULR recorded that nobody has been assigned yet
(``rep_id IS NULL AND created_by_id = ?``). PostgreSQL found those by ANDing the creator's learners with every
unassigned learner in the country (40,000 on the national data set, 1.6 to 2.5 ms in each statement); a partial
index of the unassigned learners by creator finds them directly.

Revision ID: b7c8d9e0f1a2
Revises: a6b7c8d9e0f1
Create Date: 2026-12-07 21:30:00
"""
import sqlalchemy as sa
from alembic import op

from ulr_app.core.dbstats import analyze_tables_with_rows

revision = 'b7c8d9e0f1a2'
down_revision = 'a6b7c8d9e0f1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('learner', sa.Column('stage', sa.String(length=20), server_default='no_enrolment', nullable=False))
    op.add_column('learner', sa.Column('last_contact_on', sa.Date(), nullable=True))
    # the same SQL the app keeps them with (the rule of queries.stage_column; the latest activity)
    from ulr_app.learners.standing import refresh

    refresh(op.get_bind())
    op.create_index('ix_learner_unassigned_created_by_id', 'learner', ['created_by_id'], unique=False,
                    postgresql_where=sa.text('rep_id IS NULL'), sqlite_where=sa.text('rep_id IS NULL'))
    analyze_tables_with_rows(op.get_bind(), "learner")


def downgrade():
    op.drop_index('ix_learner_unassigned_created_by_id', table_name='learner')
    with op.batch_alter_table('learner') as batch:
        batch.drop_column('last_contact_on')
        batch.drop_column('stage')
