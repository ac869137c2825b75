"""learner consent as records with a history (issue 14 item 1)

Revision ID: c1d2e3f4a5b6
Revises: b8e1d4f7a2c9
Create Date: 2026-12-07 06:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c1d2e3f4a5b6'
down_revision = 'b8e1d4f7a2c9'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
