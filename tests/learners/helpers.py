"""Shared set-up for the learner page tests: learners, ULRs and courses through the real services."""
from __future__ import annotations

import html
import re
from datetime import date

from sqlalchemy import func, select

from ulr_app.extensions import db
from ulr_app.learners import services
from ulr_app.reps import services as rep_services

TODAY = date.today()
CONSENT = {"consent_on": "2026-01-05", "consent_scope": "Learning records and contact by the ULR and the branch"}


def uk(d: date) -> str:
    return f"{d.day} {d.month} {d.year}"  # as the forms write a date (core.validation.DATE_EXAMPLE)


def long(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def text(response) -> str:
    return response.get_data(as_text=True)


def plain(response) -> str:
    """The page's words, without tags, for assertions about sentences."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text(response))))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def rep(world, branch="a1", *, user=None, name="Pat Jones", workplace="school_a1"):
    w = getattr(world.workplaces, workplace)
    r = rep_services.create_rep({"name": name, "employer_id": w.employer_id, "workplace_id": w.id,
                                 "appointed_on": "2026-01-05", "notice_given_on": "2026-01-06",
                                 "training_route": "already_trained", "user_id": user.id if user else None},
                                branch=getattr(world.branches, branch))
    db.session.commit()
    return r


def learner(world, branch="a1", *, name="Sam Okafor", workplace="school_a1", consent=True, not_duplicate=True, **kw):
    """A learner, set up for a test (by default even if one of the same name works there: set-up is not
    the duplicate rule under test)."""
    data = {"name": name, "workplace_id": getattr(world.workplaces, workplace).id, **(CONSENT if consent else {}), **kw}
    if "rep" in data:
        r = data.pop("rep")
        data["rep_id"] = r.id if r else None
    created = services.create_learner(data, branch=getattr(world.branches, branch), not_duplicate=not_duplicate)
    db.session.commit()
    return created


def course(title="Skills for Life literacy Entry 3", *, category="skills_for_life", subject="literacy", level="entry_3",
           **kw):
    c = services.create_course({"title": title, "category": category, "subject": subject, "level": level,
                                "qualification": True, **kw})
    db.session.commit()
    return c


def enrolment(who, c, status="enrolled", **dates):
    data = {"course_id": c.id, "status": "enquiry" if status not in ("enquiry", "referred", "enrolled") else status}
    if data["status"] in ("referred", "enrolled"):
        data["referred_on"] = dates.pop("referred_on", "2026-01-10")
    if data["status"] == "enrolled":
        data["started_on"] = dates.pop("started_on", "2026-01-20")
    if "planned_end_on" in dates:
        data["planned_end_on"] = dates.pop("planned_end_on")
    e = services.enrol(who, data)
    if status not in ("enquiry", "referred", "enrolled"):
        path = {"in_progress": ["enrolled", "in_progress"], "completed": ["enrolled", "in_progress", "completed"],
                "achieved": ["enrolled", "in_progress", "achieved"], "withdrawn": ["withdrawn"],
                "break_in_learning": ["enrolled", "break_in_learning"]}[status]
        for step in path:
            extra = {}
            if step == "enrolled":
                extra = {"started_on": dates.get("started_on", "2026-01-20")}
            elif step == "completed":
                extra = {"completed_on": dates.get("completed_on", "2026-03-01")}
            elif step == "achieved":
                extra = {"achieved_on": dates.get("achieved_on", "2026-03-02")}
            elif step == "withdrawn":
                extra = {"withdrawn_on": dates.get("withdrawn_on", "2026-02-01"), "withdrawal_reason": "Moved away"}
            elif step == "break_in_learning":
                extra = {"break_started_on": "2026-02-01", "break_reason": "Illness", "return_on": "2026-12-01"}
            services.change_enrolment_status(e, step, extra)
    db.session.commit()
    return e


def empty_catalogue() -> None:
    """Start without the seeded course catalogue (it is loaded with the reference data once per run)."""
    from sqlalchemy import delete

    from ulr_app.learners.models import Course

    db.session.execute(delete(Course))
    db.session.commit()
