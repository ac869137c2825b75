"""a partial index on withdrawn consents, for "may this learner be contacted?" (issue 13)

Revision ID: c2d3e4f5a6b7
Revises: b1c2d3e4f5a6
Create Date: 2026-12-07 12:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c2d3e4f5a6b7'
down_revision = 'b1c2d3e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_learner_consent_withdrawn', 'learner_consent', ['learner_id', 'purpose'], unique=False,
                    postgresql_where=sa.text('withdrawn_on IS NOT NULL'),
                    sqlite_where=sa.text('withdrawn_on IS NOT NULL'))


def downgrade():
    op.drop_index('ix_learner_consent_withdrawn', table_name='learner_consent')
