"""indexes for the national data set (issue 13)

What each index is for:
- ix_activity_learner_id_happened_on (learner_id, happened_on): a learner's last contact
  (max(happened_on) per learner, on the ULR home page, learner page and lists) and "no contact since"
  (NOT EXISTS an activity of the learner on or after a day) become one index probe per learner, read
  from the index alone, instead of fetching every activity row of the learner.
- ix_follow_up_open_due_on (due_on, id) WHERE done_on IS NULL (a partial index):
  "What needs doing" and the reminders read the follow-ups not yet done by due date; done ones, the
  great majority over time, are not in the index at all.

Revision ID: b8e1d4f7a2c9
Revises: e9f4a6c2b8d1
Create Date: 2026-12-07 05:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b8e1d4f7a2c9'
down_revision = 'e9f4a6c2b8d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_activity_learner_id_happened_on', 'activity', ['learner_id', 'happened_on'])
    op.create_index('ix_follow_up_open_due_on', 'follow_up', ['due_on', 'id'],
                    postgresql_where=sa.text('done_on IS NULL'), sqlite_where=sa.text('done_on IS NULL'))


def downgrade():
    op.drop_index('ix_follow_up_open_due_on', table_name='follow_up')
    op.drop_index('ix_activity_learner_id_happened_on', table_name='activity')
