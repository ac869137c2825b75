"""learning needs surveys (issue 15 items 1 to 3)

Surveys of a branch (the ULR who follows them up, the questions asked and their wording, the status, the
short link's token), the workplaces each covers with their staff numbers, the anonymous answers (no address,
day only) and their ticked boxes, one row each.

Revision ID: b1c2d3e4f5a6
Revises: a0b1c2d3e4f5
Create Date: 2026-12-07 07:00:00
"""
import sqlalchemy as sa
from alembic import op

import ulr_app.core.models

revision = 'b1c2d3e4f5a6'
down_revision = 'a0b1c2d3e4f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('intro', sa.Text(), nullable=True),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('wording', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='draft', nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', ulr_app.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', ulr_app.core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_survey_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_survey_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rep_id'], ['rep.id'], name=op.f('fk_survey_rep_id_rep')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey')),
    sa.UniqueConstraint('token', name=op.f('uq_survey_token'))
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_rep_id'), ['rep_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_status'), ['status'], unique=False)

    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('workplace_id', sa.Integer(), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('job_role', sa.String(length=120), nullable=True),
    sa.Column('staff_category', sa.String(length=30), nullable=True),
    sa.Column('contract', sa.String(length=20), nullable=True),
    sa.Column('hours', sa.String(length=20), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('digital_skills', sa.String(length=20), nullable=True),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_response_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workplace_id'], ['workplace.id'], name=op.f('fk_survey_response_workplace_id_workplace'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index('ix_survey_response_survey_workplace', ['survey_id', 'workplace_id'], unique=False)

    op.create_table('survey_workplace',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('workplace_id', sa.Integer(), nullable=False),
    sa.Column('staff_count', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_workplace_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workplace_id'], ['workplace.id'], name=op.f('fk_survey_workplace_workplace_id_workplace')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_workplace')),
    sa.UniqueConstraint('survey_id', 'workplace_id', name=op.f('uq_survey_workplace_survey_id'))
    )
    with op.batch_alter_table('survey_workplace', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_workplace_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_workplace_workplace_id'), ['workplace_id'], unique=False)

    op.create_table('survey_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=30), nullable=False),
    sa.Column('choice', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], name=op.f('fk_survey_choice_response_id_survey_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_choice'))
    )
    with op.batch_alter_table('survey_choice', schema=None) as batch_op:
        batch_op.create_index('ix_survey_choice_question_choice', ['question', 'choice'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_choice_response_id'), ['response_id'], unique=False)



def downgrade():
    with op.batch_alter_table('survey_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_choice_response_id'))
        batch_op.drop_index('ix_survey_choice_question_choice')

    op.drop_table('survey_choice')
    with op.batch_alter_table('survey_workplace', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_workplace_workplace_id'))
        batch_op.drop_index(batch_op.f('ix_survey_workplace_survey_id'))

    op.drop_table('survey_workplace')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_response_survey_workplace')
        batch_op.drop_index(batch_op.f('ix_survey_response_survey_id'))

    op.drop_table('survey_response')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_status'))
        batch_op.drop_index(batch_op.f('ix_survey_rep_id'))
        batch_op.drop_index(batch_op.f('ix_survey_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_survey_branch_id'))

    op.drop_table('survey')
