"""The seed course catalogue: the ladder of domain.md section 5. Loaded by ``flask reference load``."""
from __future__ import annotations

from sqlalchemy import select

from ..core import hooks
from ..extensions import db
from .models import Course

_SFL_LEVELS = (("entry_1", "Entry 1"), ("entry_2", "Entry 2"), ("entry_3", "Entry 3"),
               ("level_1", "Level 1"), ("level_2", "Level 2"))

#: (title, category, subject, level, provider, qualification)
COURSES: tuple[tuple[str, str, str, str, str, bool], ...] = (
    ("Return to Learn", "union_course", "other", "unlevelled", "UNISON", False),
    ("Women's Lives", "union_course", "other", "unlevelled", "UNISON", False),
    *((f"Skills for Life literacy {label}", "skills_for_life", "literacy", code, "", True) for code, label in _SFL_LEVELS),
    *((f"Skills for Life numeracy {label}", "skills_for_life", "numeracy", code, "", True) for code, label in _SFL_LEVELS),
    ("Functional Skills English Level 1", "skills_for_life", "literacy", "level_1", "", True),
    ("Functional Skills English Level 2", "skills_for_life", "literacy", "level_2", "", True),
    ("Functional Skills maths Level 1", "skills_for_life", "numeracy", "level_1", "", True),
    ("Functional Skills maths Level 2", "skills_for_life", "numeracy", "level_2", "", True),
    *((f"ESOL {label}", "esol", "esol", code, "", True) for code, label in _SFL_LEVELS),
    ("ICT Level 1", "ict", "ict", "level_1", "", True),
    ("ICT Level 2", "ict", "ict", "level_2", "", True),
    ("NVQ Level 2 Supporting Teaching and Learning in Schools", "vocational", "other", "level_2", "", True),
    ("NVQ Level 3 Supporting Teaching and Learning in Schools", "vocational", "other", "level_3", "", True),
    ("Support Work in Schools (SWiS) Level 2", "vocational", "other", "level_2", "", True),
    ("Support Work in Schools (SWiS) Level 3", "vocational", "other", "level_3", "", True),
    ("Supporting Teaching and Learning (STL) Level 2", "vocational", "other", "level_2", "", True),
    ("Supporting Teaching and Learning (STL) Level 3", "vocational", "other", "level_3", "", True),
    ("HLTA status preparation", "cpd", "other", "unlevelled", "", False),
    ("Certificate of School Business Management (CSBM)", "vocational", "other", "level_4", "", True),
    ("Diploma of School Business Management (DSBM)", "higher_education", "other", "level_5", "", True),
    ("Foundation degree (teaching assistants)", "higher_education", "other", "level_5", "", True),
)


@hooks.provide("reference.loaders")
def _loader():
    return "courses", load_courses


def load_courses() -> int:
    """Add the seed courses that are missing (matched by title); never duplicates or overwrites edits."""
    existing = {t.lower() for t in db.session.scalars(select(Course.title))}
    added = 0
    for title, category, subject, level, provider, qualification in COURSES:
        if title.lower() in existing:
            continue
        db.session.add(Course(title=title, category=category, subject=subject, level=level, provider=provider or None,
                              qualification=qualification, active=True))
        existing.add(title.lower())
        added += 1
    db.session.flush()
    return added
