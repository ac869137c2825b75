"""e-mail outbox and digest settings (issue 15 item 4)

Revision ID: f4a5b6c7d8e9
Revises: e3f4a5b6c7d8
Create Date: 2026-12-07 06:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'f4a5b6c7d8e9'
down_revision = 'e3f4a5b6c7d8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
