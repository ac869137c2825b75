"""erasure by anonymisation, legal hold, the branch's own reference (issue 14 item 3)

Revision ID: d2e3f4a5b6c7
Revises: c1d2e3f4a5b6
Create Date: 2026-12-07 06:45:00
"""
import sqlalchemy as sa
from alembic import op

from ulr_app.core.models import UTCDateTime

revision = 'd2e3f4a5b6c7'
down_revision = 'c1d2e3f4a5b6'
branch_labels = None
depends_on = None

PEOPLE = ("learner", "rep")


def upgrade():
    for table in PEOPLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('reference', sa.String(length=60), nullable=True))
            batch_op.add_column(sa.Column('legal_hold_reason', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('erased_at', UTCDateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('erased_by_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_erased_by_id_user_account'), 'user_account',
                                        ['erased_by_id'], ['id'], ondelete='SET NULL')
            batch_op.create_unique_constraint(f'uq_{table}_branch_reference', ['branch_id', 'reference'])

    op.create_table(
        'erased_learner_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('branch_id', sa.Integer(), nullable=False),
        sa.Column('gender', sa.String(length=60), nullable=True),
        sa.Column('ethnicity', sa.String(length=120), nullable=True),
        sa.Column('disability', sa.String(length=60), nullable=True),
        sa.Column('age_band', sa.String(length=20), nullable=True),
        sa.Column('joined_union_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_erased_learner_figures_branch_id_branch')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erased_learner_figures')),
    )
    with op.batch_alter_table('erased_learner_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erased_learner_figures_branch_id'), ['branch_id'], unique=False)

    op.create_table(
        'erased_learner_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('figures_id', sa.Integer(), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=True),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['figures_id'], ['erased_learner_figures.id'],
                                name=op.f('fk_erased_learner_count_figures_id_erased_learner_figures'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_erased_learner_count_project_id_project'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erased_learner_count')),
    )
    with op.batch_alter_table('erased_learner_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erased_learner_count_figures_id'), ['figures_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erased_learner_count_project_id'), ['project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('erased_learner_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erased_learner_count_project_id'))
        batch_op.drop_index(batch_op.f('ix_erased_learner_count_figures_id'))
    op.drop_table('erased_learner_count')
    with op.batch_alter_table('erased_learner_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erased_learner_figures_branch_id'))
    op.drop_table('erased_learner_figures')
    for table in reversed(PEOPLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_branch_reference', type_='unique')
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_erased_by_id_user_account'), type_='foreignkey')
            batch_op.drop_column('erased_by_id')
            batch_op.drop_column('erased_at')
            batch_op.drop_column('legal_hold_reason')
            batch_op.drop_column('reference')
