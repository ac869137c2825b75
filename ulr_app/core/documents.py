"""Generated or uploaded files kept with a record (letters, PDFs), stored in the instance folder."""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Optional

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


#: StoredDocument.object_type -> the model of the record it belongs to (a download's scope is that
#: record's); each domain that stores documents adds its own
OWNERS: dict[str, type] = {}


class StoredDocument(Base):
    __tablename__ = "stored_document"
    __label__ = "document"
    __table_args__ = (Index("ix_stored_document_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int]
    #: e.g. ulr_notice, time_off_letter
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


def store(session, obj, kind: str, title: str, content: bytes, *, created_by_id: Optional[int] = None) -> StoredDocument:
    """Write ``content`` under instance/documents/<object_type>/<id>/ and record it. Flushes."""
    digest = hashlib.sha256(content).hexdigest()
    number = (session.scalar(select(func.max(StoredDocument.number)).where(
        StoredDocument.object_type == obj.__tablename__, StoredDocument.object_id == obj.id,
        StoredDocument.kind == kind)) or 0) + 1
    relative = Path("documents") / obj.__tablename__ / str(obj.id) / f"{kind}-{number}-{digest[:12]}.pdf"
    target = Path(current_app.instance_path) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    document = StoredDocument(object_type=obj.__tablename__, object_id=obj.id, kind=kind, title=title[:200],
                              number=number, sha256=digest, stored_as=str(relative), size_bytes=len(content),
                              created_by_id=created_by_id)
    session.add(document)
    session.flush()
    return document


def documents_of(session, obj) -> list[StoredDocument]:
    return list(session.scalars(select(StoredDocument).where(
        StoredDocument.object_type == obj.__tablename__, StoredDocument.object_id == obj.id)
        .order_by(StoredDocument.created_at.desc(), StoredDocument.id.desc())))


def path_of(document: StoredDocument) -> Path:
    root = (Path(current_app.instance_path) / "documents").resolve()
    path = (Path(current_app.instance_path) / document.stored_as).resolve()
    if root not in path.parents:
        raise FileNotFoundError(document.stored_as)
    return path
