"""Surveys for the survey tests: a ULR appointment, a survey (open by default) and answers."""
from __future__ import annotations

from datetime import date

EMPLOYER = {"a1": "a1", "a2": "a2", "b1": "b1"}
SCHOOL = {"a1": "school_a1", "a2": "school_a2", "b1": "school_b1"}


def make_rep(w, branch_key: str, user=None, name: str | None = None):
    from ulr_app.reps import services as rep_services

    branch = getattr(w.branches, branch_key)
    return rep_services.create_rep({"name": name or f"ULR of {branch.name}", "employer_id": getattr(w.employers, branch_key).id,
                                    "appointed_on": "2026-01-05", "training_route": "already_trained",
                                    "user_id": user.id if user else None}, branch=branch)


def make_survey(w, branch_key: str = "a1", *, rep=None, user=None, workplaces=None, status: str = "open", **data):
    """A survey of the branch (its school, and for A1 its service too), followed up by ``rep`` (made if not
    given, linked to ``user``)."""
    from ulr_app.surveys import services

    branch = getattr(w.branches, branch_key)
    rep = rep or make_rep(w, branch_key, user)
    if workplaces is None:
        workplaces = [getattr(w.workplaces, SCHOOL[branch_key])]
        if branch_key == "a1":
            workplaces.append(w.workplaces.service_a1)
    data.setdefault("title", f"Learning at {branch.name}")
    data.setdefault("rep_id", rep.id)
    data.setdefault("workplace_ids", [wp.id for wp in workplaces])
    survey = services.create_survey(data, branch=branch)
    if status in ("open", "closed"):
        services.set_status(survey, "open")
    if status == "closed":
        services.set_status(survey, "closed")
    return survey


def answer(survey, **data):
    """Store one answer through the service (the first workplace unless given)."""
    from ulr_app.surveys import services

    data.setdefault("workplace_id", survey.places[0].workplace_id)
    return services.submit_response(survey, data, today=data.pop("today", None) or date.today())


#: (in-scope branch and whether the ULR is the user's, out-of-scope branch and user) per role key
SCOPE = {"organiser_a": (("a2", False), ("b1", False)), "convenor_a1": (("a1", False), ("a2", False)),
         "ulr_a1": (("a1", True), ("a1", False)), "admin": (("b1", False), None)}


def scoped_surveys(w, role_key: str, status: str = "open"):
    """(in-scope survey, out-of-scope survey or None) for a role of the permission tables, committed. A ULR's
    own survey is one they follow up; another ULR's survey in the same branch is out of their scope."""
    from ulr_app.extensions import db

    inside, outside = SCOPE[role_key]
    made_in = make_survey(w, inside[0], user=w.users.ulr_a1 if inside[1] else None, status=status)
    made_out = make_survey(w, outside[0], status=status) if outside else None
    db.session.commit()
    return made_in, made_out
