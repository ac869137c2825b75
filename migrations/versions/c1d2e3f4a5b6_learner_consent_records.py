"""learner consent as records with a history (issue 14 item 1)

Revision ID: c1d2e3f4a5b6
Revises: b8e1d4f7a2c9
Create Date: 2026-12-07 06:45:00

Every learner with a consent date gets, given on that date (method ``not_recorded``, the old
consent_scope as the note): a ``records`` consent and a ``contact`` consent, and an ``equality``
consent when any equality monitoring field is filled. learner.consent_on / consent_scope stay:
they are the date and words of the consent to keep the record (the API contract names them).
"""
import sqlalchemy as sa
import ulr_app.core.models
from alembic import op

revision = 'c1d2e3f4a5b6'
down_revision = 'b8e1d4f7a2c9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'learner_consent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('shared_with', sa.String(length=200), nullable=True),
        sa.Column('given_on', sa.Date(), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=False),
        sa.Column('taken_by_id', sa.Integer(), nullable=True),
        sa.Column('taken_by_name', sa.String(length=120), nullable=True),
        sa.Column('withdrawn_on', sa.Date(), nullable=True),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', ulr_app.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.Column('updated_at', ulr_app.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_learner_consent_learner_id_learner'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['taken_by_id'], ['user_account.id'],
                                name=op.f('fk_learner_consent_taken_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user_account.id'],
                                name=op.f('fk_learner_consent_withdrawn_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_learner_consent')),
    )
    with op.batch_alter_table('learner_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_consent_learner_id'), ['learner_id'], unique=False)

    # today's consents, kept: one INSERT ... SELECT per purpose (no rows through Python)
    columns = "learner_id, purpose, given_on, method, note, created_at, updated_at"
    for purpose, extra in (("records", ""), ("contact", ""),
                           ("equality", " AND (gender IS NOT NULL OR ethnicity IS NOT NULL"
                                        " OR disability IS NOT NULL OR age_band IS NOT NULL)")):
        op.execute(
            f"INSERT INTO learner_consent ({columns}) "
            f"SELECT id, '{purpose}', consent_on, 'not_recorded', consent_scope, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
            f"FROM learner WHERE consent_on IS NOT NULL{extra} ORDER BY id"
        )


def downgrade():
    # learner.consent_on / consent_scope still hold the consent to keep the record; the rest of the
    # history (how, who, withdrawals) goes with the table
    with op.batch_alter_table('learner_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_consent_learner_id'))
    op.drop_table('learner_consent')
