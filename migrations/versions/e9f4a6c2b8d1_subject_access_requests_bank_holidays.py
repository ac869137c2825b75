"""subject access requests (per branch), their exports, and bank holidays added by administrators

Revision ID: e9f4a6c2b8d1
Revises: c4e8b1d2a9f3
Create Date: 2026-12-07 04:20:00

The register of subject access requests (issue 14, item 2), with its stored due date for listing and
sorting, its exports (the search, the recorded redactions, the job that made the file), and the bank holidays an administrator adds to the list shipped in
ulr_app/data/bank_holidays_england_wales.csv.
"""
import sqlalchemy as sa
from alembic import op

import ulr_app.core.models

# revision identifiers, used by Alembic.
revision = 'e9f4a6c2b8d1'
down_revision = 'd5a8e3f1c7b2'  # chained after two-factor sign-in
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subject_access_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('person_name', sa.String(length=120), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('identity_received_on', sa.Date(), nullable=True),
    sa.Column('extension_months', sa.Integer(), server_default='0', nullable=False),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', ulr_app.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', ulr_app.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_subject_access_request_branch_id_branch')),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_subject_access_request_learner_id_learner'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_access_request'))
    )
    with op.batch_alter_table('subject_access_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_access_request_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_access_request_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_access_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_access_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index('ix_subject_access_request_branch_status_due', ['branch_id', 'status', 'due_on'], unique=False)

    op.create_table('bank_holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holiday_on', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', ulr_app.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', ulr_app.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_holiday')),
    sa.UniqueConstraint('holiday_on', name=op.f('uq_bank_holiday_holiday_on'))
    )

    op.create_table('subject_access_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('search', sa.JSON(), nullable=False),
    sa.Column('redactions', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ulr_app.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('downloaded_at', ulr_app.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', ulr_app.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['subject_access_request.id'], name=op.f('fk_subject_access_export_request_id_subject_access_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_subject_access_export_job_id_job'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_subject_access_export_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_access_export'))
    )
    with op.batch_alter_table('subject_access_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_access_export_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subject_access_export_job_id'), ['job_id'], unique=False)


def downgrade():
    with op.batch_alter_table('subject_access_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_access_export_job_id'))
        batch_op.drop_index(batch_op.f('ix_subject_access_export_request_id'))
    op.drop_table('subject_access_export')
    op.drop_table('bank_holiday')
    with op.batch_alter_table('subject_access_request', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_access_request_branch_status_due')
        batch_op.drop_index(batch_op.f('ix_subject_access_request_due_on'))
        batch_op.drop_index(batch_op.f('ix_subject_access_request_status'))
        batch_op.drop_index(batch_op.f('ix_subject_access_request_learner_id'))
        batch_op.drop_index(batch_op.f('ix_subject_access_request_branch_id'))
    op.drop_table('subject_access_request')
