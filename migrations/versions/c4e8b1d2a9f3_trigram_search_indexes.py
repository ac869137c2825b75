"""text search uses an index: pg_trgm GIN indexes for the 'contains' searches (PostgreSQL only)

Revision ID: c4e8b1d2a9f3
Revises: 3b3dd300d664
Create Date: 2026-12-07 04:00:00

Every search box and typed filter asks for rows whose name *contains* the words typed,
``lower(column) LIKE '%words%'`` (``core.validation.like_pattern``; the user and audit lists use
``column ILIKE '%words%'``). A B-tree index cannot serve a pattern with a leading %, so without
these each search was a sequential scan of the table (22,570 workplaces at national scale, more
learners). A GIN index of trigrams (pg_trgm, ``gin_trgm_ops``) serves both forms when it is built
on the same expression the query uses: ``lower(column)`` for the LIKE searches, the bare column
for the ILIKE ones. On SQLite there is no such index: this migration does nothing there.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4e8b1d2a9f3'
down_revision = 'a7c1e2d4f5b6'  # chained after the course version column
branch_labels = None
depends_on = None

#: (index name, table, indexed expression): each is what a query in a queries.py searches
INDEXES = (
    ("ix_workplace_name_trgm", "workplace", "lower(name)"),          # workplace search, learner filter
    ("ix_workplace_postcode_trgm", "workplace", "lower(postcode)"),  # workplace search by postcode
    ("ix_learner_name_trgm", "learner", "lower(name)"),              # learner list name search (page, API)
    ("ix_employer_name_trgm", "employer", "lower(name)"),            # employer search, agreement search
    ("ix_branch_name_trgm", "branch", "lower(name)"),                # branch search
    ("ix_rep_name_trgm", "rep", "lower(name)"),                      # ULR list search, learner filter
    ("ix_rep_email_trgm", "rep", "lower(email)"),                    # ULR list search by e-mail
    ("ix_case_record_summary_trgm", "case_record", "lower(summary)"),  # case search
    ("ix_agreement_title_trgm", "agreement", "lower(title)"),        # agreement search
    ("ix_course_title_trgm", "course", "lower(title)"),              # course catalogue search
    ("ix_project_name_trgm", "project", "lower(name)"),              # funding project search
    ("ix_user_account_name_trgm", "user_account", "name"),           # users list (ILIKE)
    ("ix_user_account_email_trgm", "user_account", "email"),         # users list (ILIKE)
    ("ix_audit_entry_actor_label_trgm", "audit_entry", "actor_label"),  # audit trail by who (ILIKE)
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _expression in reversed(INDEXES):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # the extension stays: other objects may use it, and dropping it needs more rights than creating it
