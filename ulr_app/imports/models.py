"""An import run: one uploaded file for one branch, checked (the preview) and then imported, or refused."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.models import Base, utcnow
from ..organisation.models import Branch

#: status -> what the page says
RUN_STATUSES = {
    "checking": "Being checked",
    "checked": "Checked: ready to import",
    "problems": "Problems found: nothing can be imported",
    "importing": "Being imported",
    "done": "Imported",
    "refused": "Not imported: problems found",
    "failed": "Failed",
    "expired": "Not imported within 30 days: the file was deleted",
}
#: a run whose file may still be imported
OPEN_STATUSES = frozenset({"checking", "checked", "importing"})


class ImportRun(Base):
    __tablename__ = "import_run"
    __label__ = "import"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="CASCADE"), index=True)
    #: learners | reps | agreements (rules.KINDS)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="checking", index=True)
    #: the name of the uploaded file, as the user's computer called it (checked: no control characters)
    original_name: Mapped[str] = mapped_column(String(200))
    #: where the file is kept, relative to the instance folder (deleted once imported or refused)
    stored_as: Mapped[Optional[str]] = mapped_column(String(255))
    #: csv | xlsx
    file_format: Mapped[str] = mapped_column(String(10))
    size_bytes: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(default=0)
    #: {"new": n, "updated": n, "unchanged": n} (and "enrolments_new" ... for learners)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: 0 to 100 while a job works on it
    progress: Mapped[int] = mapped_column(default=0)
    #: [{"row": n, "column": "name", "message": "..."}] in row order (row 1 is the header)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: the background job checking or importing it
    job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[Optional[datetime]]
    imported_at: Mapped[Optional[datetime]]

    branch: Mapped[Branch] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
