"""Controlled vocabularies loaded as reference data: staff categories, barriers, levels."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import Base


class ReferenceTerm(Base):
    __tablename__ = "reference_term"
    __label__ = "reference term"
    __table_args__ = (UniqueConstraint("vocabulary", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vocabulary: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    description: Mapped[Optional[str]] = mapped_column(Text)
    position: Mapped[int]
