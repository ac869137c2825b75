"""bulk imports: agreement reference, import runs (issue 15 item 5)

The branch's own reference on learning agreements (unique within the branch, as learners' and ULR
appointments' already are: imports update by it), and the import runs: one uploaded file for one branch,
its checks (counts, progress, problems by row and column) and who uploaded it.

Revision ID: a0b1c2d3e4f5
Revises: f4a5b6c7d8e9
Create Date: 2026-12-07 07:00:00
"""
import sqlalchemy as sa
from alembic import op

from ulr_app.core.models import UTCDateTime

revision = 'a0b1c2d3e4f5'
down_revision = 'f4a5b6c7d8e9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint('uq_agreement_branch_reference', ['branch_id', 'reference'])

    op.create_table(
        'import_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('original_name', sa.String(length=200), nullable=False),
        sa.Column('stored_as', sa.String(length=255), nullable=True),
        sa.Column('file_format', sa.String(length=10), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('problems', sa.JSON(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('checked_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('imported_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_import_run_branch_id_branch'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_import_run_created_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_import_run_job_id_job'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run')),
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_run_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_run_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_run_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_run_status'))
        batch_op.drop_index(batch_op.f('ix_import_run_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_import_run_branch_id'))
    op.drop_table('import_run')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_constraint('uq_agreement_branch_reference', type_='unique')
        batch_op.drop_column('reference')
