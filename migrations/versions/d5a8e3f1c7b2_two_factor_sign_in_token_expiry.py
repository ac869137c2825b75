"""two-factor sign-in (TOTP secret, recovery codes) and API token expiry

Revision ID: d5a8e3f1c7b2
Revises: c4e8b1d2a9f3
Create Date: 2026-12-07 04:10:00

user_account gains totp_secret (the shared secret, stored as is: never shown after set-up, never
audited), totp_enabled_at and totp_last_step (the last accepted 30-second step: a code works once);
recovery_code holds ten salted SHA-256 hashes per user; api_token gains expires_at, which tokens made
before this upgrade get as one year after they were made.
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import ulr_app.core.models

# revision identifiers, used by Alembic.
revision = 'd5a8e3f1c7b2'
down_revision = 'c4e8b1d2a9f3'
branch_labels = None
depends_on = None

UTC = ulr_app.core.models.UTCDateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', UTC, nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('used_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_recovery_code_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', UTC, nullable=True))
    # tokens made before today expire a year after they were made (read and written through the
    # app's own column type, so SQLite's and PostgreSQL's date arithmetic need not agree)
    token = sa.table('api_token', sa.column('id', sa.Integer()), sa.column('created_at', UTC),
                     sa.column('expires_at', UTC))
    conn = op.get_bind()
    for row in conn.execute(sa.select(token.c.id, token.c.created_at).where(token.c.expires_at.is_(None))).all():
        conn.execute(token.update().where(token.c.id == row.id).values(expires_at=row.created_at + timedelta(days=365)))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
