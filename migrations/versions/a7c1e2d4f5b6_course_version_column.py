"""course: a real version column (optimistic locking, like every other editable record)

Revision ID: a7c1e2d4f5b6
Revises: 3b3dd300d664
Create Date: 2026-12-07 03:40:00

Courses used to derive their version from the number of "update" entries in the audit trail,
which two concurrent editors both read as the same number: one change was lost. The column is
filled with that same number, so a client holding a version read before the upgrade still
matches.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c1e2d4f5b6'
down_revision = '3b3dd300d664'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.execute(
        "UPDATE course SET version = 1 + (SELECT count(*) FROM audit_entry a "
        "WHERE a.object_type = 'course' AND a.action = 'update' AND a.object_id = course.id)"
    )


def downgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('version')
