"""bulk imports: agreement reference, import runs (issue 15 item 5)

Revision ID: a0b1c2d3e4f5
Revises: f4a5b6c7d8e9
Create Date: 2026-12-07 07:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a0b1c2d3e4f5'
down_revision = 'f4a5b6c7d8e9'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
