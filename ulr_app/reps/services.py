"""The only code that changes ULR appointments. Flushes, never commits."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Mapping, Optional

from sqlalchemy import func, or_, select

from ..accounts.models import User
from ..core import audit, timeline
from ..core import validation as v
from ..core.errors import Conflict, ValidationFailed
from ..extensions import db
from ..organisation.models import Branch, Workplace, branch_employer
from . import rules
from .models import TRAINING_ROUTES, Rep

FIELDS = ("employer_id", "workplace_id", "user_id", "name", "email", "appointed_on", "notice_given_on", "training_route",
          "will_train_notice_on", "training_course", "trained_on", "training_completion_notified_on", "stood_down_on", "notes",
          "reference", "legal_hold_reason")
ERASED = "This record was erased: it cannot be changed"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _clean(data: Mapping[str, Any], branch_id: int, existing: Optional[Rep]) -> dict:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field is not part of a ULR appointment"] for f in sorted(unknown)})
    merged = {f: getattr(existing, f) for f in FIELDS} if existing else {}
    merged.update(data)
    c: dict[str, Any] = {
        "name": v.text(merged, errors, "name", "the ULR's name", 120, required=True),
        "email": v.text(merged, errors, "email", "the e-mail address", 254),
        "training_course": v.text(merged, errors, "training_course", "the training course", 200),
        "notes": v.text(merged, errors, "notes", "the notes", 5000),
        "reference": v.text(merged, errors, "reference", "the branch's reference", 60, multiline=False),
        "legal_hold_reason": v.text(merged, errors, "legal_hold_reason", "the reason for the legal hold", 2000),
        "training_route": v.choice(merged, errors, "training_route", TRAINING_ROUTES,
                                   "Choose whether the ULR is already trained or will be trained"),
        "employer_id": v.ident(merged, errors, "employer_id", "Choose the employer"),
        "workplace_id": v.ident(merged, errors, "workplace_id", "Choose the workplace", required=False),
        "user_id": v.ident(merged, errors, "user_id", "Choose the ULR's login", required=False),
    }
    for f, label in (("appointed_on", "the date of appointment"), ("notice_given_on", "the date of the union's notice"),
                     ("will_train_notice_on", "the date of the 'will be trained' notice"), ("trained_on", "the training date"),
                     ("training_completion_notified_on", "the date the employer was told of the training"),
                     ("stood_down_on", "the date they stood down")):
        # the one date rule (core.validation): all of these have happened, except a standing down, which may be planned
        c[f] = v.day(merged, errors, f, label, required=(f == "appointed_on"),
                     kind=v.PLANNED if f == "stood_down_on" else v.HAPPENED)
    if c["email"]:
        c["email"] = c["email"].lower()
        if not EMAIL.match(c["email"]):
            errors["email"] = ["Enter an e-mail address in the correct format, like name@example.org"]
    if c["employer_id"] and "employer_id" not in errors:
        linked = db.session.scalar(select(func.count()).select_from(branch_employer).where(
            branch_employer.c.branch_id == branch_id, branch_employer.c.employer_id == c["employer_id"]))
        if not linked:
            errors["employer_id"] = ["Choose one of the employers this branch deals with"]
    if c["workplace_id"] and "workplace_id" not in errors:
        w = db.session.get(Workplace, c["workplace_id"])
        if w is None or w.employer_id != c["employer_id"]:
            errors["workplace_id"] = ["Choose a workplace of this employer"]
    if c["user_id"] and "user_id" not in errors:
        u = db.session.get(User, c["user_id"])
        if u is None or u.branch_id != branch_id:
            errors["user_id"] = ["Choose a login from this branch"]
    a = c["appointed_on"]
    for f, message in (("notice_given_on", "The union's notice cannot be before the appointment"),
                       ("will_train_notice_on", "The 'will be trained' notice cannot be before the appointment"),
                       ("stood_down_on", "They cannot stand down before they were appointed")):
        if a and c[f] and c[f] < a:
            errors.setdefault(f, [message])
    if c["training_completion_notified_on"] and not c["trained_on"]:
        errors.setdefault("trained_on", ["Enter when the training was completed before recording that the employer was told"])
    if c["trained_on"] and c["training_completion_notified_on"] and c["training_completion_notified_on"] < c["trained_on"]:
        errors.setdefault("training_completion_notified_on", ["The employer cannot be told before the training was completed"])
    if c["training_route"] == "already_trained" and c["will_train_notice_on"]:
        errors.setdefault("will_train_notice_on", ["An already-trained ULR needs no 'will be trained' notice"])
    # s.168A(5): one "will be trained" notice per person, across appointments
    if c["will_train_notice_on"] and "will_train_notice_on" not in errors:
        earlier = []  # this appointment's own earlier notice is checked by update_rep
        same_person = []
        if c["user_id"]:
            same_person.append(Rep.user_id == c["user_id"])
        if c["email"]:
            same_person.append(func.lower(Rep.email) == c["email"])
        if same_person:
            q = select(Rep.will_train_notice_on).where(or_(*same_person), Rep.will_train_notice_on.is_not(None))
            if existing is not None:
                q = q.where(Rep.id != existing.id)
            earlier += list(db.session.scalars(q))
        problem = rules.will_train_notice_problem(earlier, c["will_train_notice_on"])
        if problem:
            errors["will_train_notice_on"] = [problem]
    if c["reference"] and "reference" not in errors:
        taken = db.session.scalar(select(Rep.id).where(Rep.branch_id == branch_id, Rep.reference == c["reference"],
                                                       Rep.id != (existing.id if existing is not None else -1)))
        if taken is not None:
            errors["reference"] = [f"Another ULR appointment of this branch has the reference {c['reference']} "
                                   f"(appointment {taken}): enter a different one"]
    if errors:
        raise ValidationFailed("Check the ULR's details", errors)
    return {f: c[f] for f in FIELDS if f in data or existing is None}


def create_rep(data: Mapping[str, Any], *, branch: Branch) -> Rep:
    clean = check_rep(data, branch_id=branch.id)
    rep = Rep(branch_id=branch.id, **clean)
    db.session.add(rep)
    db.session.flush()
    audit.record(db.session, "create", rep, summary=f"Appointed ULR {rep.name}", changes=audit.snapshot(rep, FIELDS))
    timeline.add(db.session, rep, "created", f"Appointed as ULR on {v.format_date(rep.appointed_on)}")
    return rep


def check_rep(data: Mapping[str, Any], *, branch_id: int, existing: Optional[Rep] = None, actor=None) -> dict:
    """The checks :func:`create_rep` (``existing`` None) or :func:`update_rep` run, with the same messages, saving
    nothing: the clean fields, or ValidationFailed / Conflict. (An import's preview checks every row with it.)"""
    if existing is None:
        return _clean(data, branch_id, None)
    if existing.erased_at is not None:
        raise Conflict(ERASED)
    new_notice = (v.day(data, {}, "will_train_notice_on", "") if "will_train_notice_on" in data
                  else existing.will_train_notice_on)
    if (existing.will_train_notice_on and new_notice != existing.will_train_notice_on
            and not (actor is not None and actor.role == "admin")):
        raise ValidationFailed("Check the ULR's details", {"will_train_notice_on": [
            rules.ONE_NOTICE_RULE + " If the date was entered wrongly, ask an administrator to correct it."]})
    return _clean(data, existing.branch_id, existing)


def update_rep(rep: Rep, data: Mapping[str, Any], *, version: Optional[int] = None, actor=None) -> dict:
    if version is not None and int(version) != rep.version:
        raise Conflict("This ULR appointment was changed by someone else. Reload it and try again.")
    clean = check_rep(data, branch_id=rep.branch_id, existing=rep, actor=actor)
    changes = audit.apply_changes(rep, clean, FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", rep, summary=f"Changed ULR {rep.name}", changes=changes)
        words = {"notice_given_on": "Union's written notice given", "will_train_notice_on": "'Will be trained' notice given",
                 "trained_on": "Training completed", "training_completion_notified_on": "Employer told of the completed training",
                 "stood_down_on": "Stood down"}
        for field, (_old, new) in changes.items():
            if field in words and new:
                timeline.add(db.session, rep, "milestone", f"{words[field]} on {v.format_date(new)}")
        other = [f for f in changes if f not in words]
        if other:
            timeline.add(db.session, rep, "edited", timeline.changed_text(other))
    return changes


def stand_down(rep: Rep, on: date, *, version: Optional[int] = None) -> dict:
    return update_rep(rep, {"stood_down_on": on}, version=version)
