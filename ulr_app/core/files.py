"""Files that follow the transaction: a file written for a row goes if the transaction rolls back, and a
file whose row is deleted goes once the deletion commits. One pair of session listeners for every domain
(signed agreements, Go Award evidence, import uploads), so that a refused or failed request leaves no
file behind and a rolled-back deletion keeps its file."""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

_ON_COMMIT = "files_delete_on_commit"
_ON_ROLLBACK = "files_delete_on_rollback"


def remove_on_rollback(path: Path) -> None:
    """Delete ``path`` (just written) if the current transaction rolls back; keep it once it commits."""
    db.session().info.setdefault(_ON_ROLLBACK, []).append(path)


def remove_on_commit(path: Path) -> None:
    """Delete ``path`` once the current transaction (which deletes its row) commits; keep it on rollback."""
    db.session().info.setdefault(_ON_COMMIT, []).append(path)


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:  # pragma: no cover - a file we cannot delete is logged, not fatal
            current_app.logger.warning("Could not delete the file %s", path)


@event.listens_for(Session, "after_commit")
def _files_follow_commit(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)  # the new files are kept with their rows
    _unlink(session.info.pop(_ON_COMMIT, []))


@event.listens_for(Session, "after_rollback")
def _files_follow_rollback(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)  # the removed rows are back: keep their files
    _unlink(session.info.pop(_ON_ROLLBACK, []))
