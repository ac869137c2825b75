"""access ends on hand-over; audit filters (issue 14 items 5 and 7)

Revision ID: e3f4a5b6c7d8
Revises: d2e3f4a5b6c7
Create Date: 2026-12-07 06:45:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = 'e3f4a5b6c7d8'
down_revision = 'd2e3f4a5b6c7'
branch_labels = None
depends_on = None


#: backfill in batches, so a large audit trail is not read into memory at once
BATCH = 2000


def _ids(changes):
    """The record ids of an entry's changes["records"] (as ulr_app.core.audit.covered_ids)."""
    if isinstance(changes, str):
        try:
            changes = json.loads(changes)
        except ValueError:
            return []
    found = changes.get("records") if isinstance(changes, dict) else None
    if not isinstance(found, list):
        return []
    return sorted({v for v in found if isinstance(v, int) and not isinstance(v, bool)})


def upgrade():
    op.create_table(
        "audit_record",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=60), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["audit_entry.id"], name=op.f("fk_audit_record_entry_id_audit_entry"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("entry_id", "record_type", "record_id", name=op.f("pk_audit_record")),
    )
    op.create_index("ix_audit_record_record_type_record_id", "audit_record", ["record_type", "record_id"], unique=False)

    # backfill: entries that cover several records (reads of special-category data of a list) name them
    # in changes["records"] and have no object_id of their own
    conn = op.get_bind()
    entry = sa.table("audit_entry", sa.column("id", sa.Integer), sa.column("object_type", sa.String),
                     sa.column("object_id", sa.Integer), sa.column("changes", sa.JSON))
    link = sa.table("audit_record", sa.column("entry_id", sa.Integer), sa.column("record_type", sa.String),
                    sa.column("record_id", sa.Integer))
    last = 0
    while True:
        rows = conn.execute(sa.select(entry.c.id, entry.c.object_type, entry.c.changes)
                            .where(entry.c.object_id.is_(None), entry.c.changes.is_not(None), entry.c.id > last)
                            .order_by(entry.c.id).limit(BATCH)).all()
        if not rows:
            break
        values = [{"entry_id": rid, "record_type": object_type, "record_id": record_id}
                  for rid, object_type, changes in rows for record_id in _ids(changes)]
        if values:
            conn.execute(link.insert(), values)
        last = rows[-1][0]


def downgrade():
    op.drop_index("ix_audit_record_record_type_record_id", table_name="audit_record")
    op.drop_table("audit_record")
