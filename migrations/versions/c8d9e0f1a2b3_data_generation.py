"""the data generation: one number that goes up after every committed change, so report figures can be kept (issue 13)

``ulr_app/core/generation.py`` moves it on in each commit that changed a record; ``ulr_app/reports/cache.py``
keeps a report's document while it stays the same (and for 5 minutes at most).

Revision ID: c8d9e0f1a2b3
Revises: b7c8d9e0f1a2
Create Date: 2026-12-07 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c8d9e0f1a2b3'
down_revision = 'b7c8d9e0f1a2'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation')),
    )
    op.bulk_insert(table, [{'id': 1, 'n': 0, 'changed_at': None}])


def downgrade():
    op.drop_table('data_generation')
