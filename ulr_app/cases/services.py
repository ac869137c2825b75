"""The only code that changes cases, their activities and follow-ups, and moves a ULR's caseload.
Flushes, never commits. Every change writes an audit diff and a line on the case's timeline."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping, Optional

from sqlalchemy import func, select

from ..accounts.models import User
from ..agreements.models import Agreement
from ..core import audit, timeline
from ..core import validation as v
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR, LEARNING_REP
from ..core.templating import uk_date as uk
from ..extensions import db
from ..learners.models import Learner
from ..organisation.models import Branch, Workplace, branch_employer
from ..timeoff import queries as time_off_queries
from ..timeoff import services as time_off
from ..timeoff.models import KINDS as TIME_OFF_KINDS
from ..timeoff.models import REFUSAL_REASONS
from ..timeoff.models import TimeOffRequest
from ..timeoff.rules import REFUSALS
from . import queries, rules
from .models import Activity, Case, FollowUp

FIELDS = ("kind", "summary", "details", "owner_id", "learner_id", "agreement_id", "workplace_id", "time_off_request_id",
          "opened_on", "due_on")
STATUS_FIELDS = ("status", "closed_on", "outcome")
AUDITED = FIELDS + STATUS_FIELDS + ("created_by_id",)
#: who may own (work) a case: a convenor or a ULR of the case's branch, with a login
OWNER_ROLES = (BRANCH_CONVENOR, LEARNING_REP)
TEXT_MAX = 5000


def _check_version(case: Case, version: Optional[int]) -> None:
    if version is not None and int(version) != case.version:
        raise Conflict("This case was changed by someone else. Reload it and try again.")


def _in_branch_workplace(workplace_id: int, branch_id: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Workplace).join(
        branch_employer, branch_employer.c.employer_id == Workplace.employer_id).where(
        Workplace.id == workplace_id, branch_employer.c.branch_id == branch_id)))


def _check_links(c: dict, errors: dict, branch_id: int, existing: Optional[Case], actor=None) -> None:
    """Each linked record must exist, belong to the case's branch and (for a new case) be one the
    person opening it may see: a ULR links only their own learners and time-off requests."""

    if c.get("owner_id") and "owner_id" not in errors:
        owner = db.session.get(User, c["owner_id"])
        if owner is None or owner.branch_id != branch_id or owner.role not in OWNER_ROLES:
            errors["owner_id"] = ["Choose a branch convenor or a ULR of this branch to work the case"]
        elif not owner.active and (existing is None or existing.owner_id != owner.id):
            errors["owner_id"] = [f"{owner.name} cannot sign in any more: choose someone else"]
    if c.get("learner_id") and "learner_id" not in errors:
        learner = db.session.get(Learner, c["learner_id"])
        if learner is None or learner.branch_id != branch_id:
            errors["learner_id"] = ["Choose a learner of this branch"]
        elif learner.merged_into_id is not None and (existing is None or existing.learner_id != learner.id):
            errors["learner_id"] = ["This learner's record was merged into another: choose that one"]
    if c.get("agreement_id") and "agreement_id" not in errors:
        agreement = db.session.get(Agreement, c["agreement_id"])
        if agreement is None or agreement.branch_id != branch_id:
            errors["agreement_id"] = ["Choose a learning agreement of this branch"]
    if c.get("workplace_id") and "workplace_id" not in errors:
        if not _in_branch_workplace(c["workplace_id"], branch_id):
            errors["workplace_id"] = ["Choose a workplace of an employer this branch deals with"]
    if c.get("time_off_request_id") and "time_off_request_id" not in errors:
        request = db.session.get(TimeOffRequest, c["time_off_request_id"])
        if request is None or request.branch_id != branch_id:
            errors["time_off_request_id"] = ["Choose a time-off request of this branch"]
        elif request.case_id is not None and (existing is None or request.case_id != existing.id):
            errors["time_off_request_id"] = [f"This time-off request already has a case (case {request.case_id})"]
        elif request.status not in REFUSALS and (existing is None or existing.time_off_request_id != request.id):
            # a request has one case, about its refusal: linking one not refused would block the dispute later
            errors["time_off_request_id"] = ["A case is about a refused (or partly refused) time-off request: this "
                                             "one is not refused"]
    if actor is not None and actor.role != ADMIN:
        for field, model, message in (("learner_id", Learner, "Choose a learner of this branch"),
                                      ("time_off_request_id", TimeOffRequest, "Choose a time-off request of this branch")):
            if c.get(field) and field not in errors and not queries.is_visible(model, c[field], actor):
                errors[field] = [message]


def _clean(data: Mapping[str, Any], branch_id: int, existing: Optional[Case], actor=None) -> dict:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field cannot be set here"] for f in sorted(unknown)})
    m = {f: getattr(existing, f) for f in FIELDS} if existing else {}
    m.update(data)
    c: dict[str, Any] = {
        "kind": v.choice(m, errors, "kind", rules.KINDS, "Choose what kind of case it is"),
        "summary": v.text(m, errors, "summary", "a short summary of the case", 300, required=True),
        "details": v.text(m, errors, "details", "the details", TEXT_MAX),
        "owner_id": v.ident(m, errors, "owner_id", "Choose who works the case", required=False),
        "learner_id": v.ident(m, errors, "learner_id", "Choose the learner", required=False),
        "agreement_id": v.ident(m, errors, "agreement_id", "Choose the learning agreement", required=False),
        "workplace_id": v.ident(m, errors, "workplace_id", "Choose the workplace", required=False),
        "time_off_request_id": v.ident(m, errors, "time_off_request_id", "Choose the time-off request", required=False),
        "opened_on": v.day(m, errors, "opened_on", "the date the case was opened", kind=v.HAPPENED),
        "due_on": v.day(m, errors, "due_on", "the date it is due", kind=v.PLANNED),
    }
    if existing is None and c["opened_on"] is None and "opened_on" not in errors:
        c["opened_on"] = date.today()
    elif existing is not None and c["opened_on"] is None and "opened_on" not in errors:
        errors["opened_on"] = ["Enter the date the case was opened"]
    if c["due_on"] and c["opened_on"] and "opened_on" not in errors and c["due_on"] < c["opened_on"]:
        errors.setdefault("due_on", ["The due date cannot be before the case was opened"])
    if existing is not None and existing.closed_on and c["opened_on"] and c["opened_on"] > existing.closed_on:
        errors.setdefault("opened_on", ["The case cannot be opened after the day it was closed"])
    _check_links(c, errors, branch_id, existing, actor)
    if errors:
        raise ValidationFailed("Check the case", errors)
    return {f: c[f] for f in FIELDS if f in data or existing is None}


def _link_request(case: Case, old_id: Optional[int]) -> None:
    """Keep the time-off request's own case link in step with the case's."""

    if old_id == case.time_off_request_id:
        return
    if old_id:
        old = db.session.get(TimeOffRequest, old_id)
        if old is not None and old.case_id == case.id:
            time_off.link_case(old, None)
    if case.time_off_request_id:
        time_off.link_case(db.session.get(TimeOffRequest, case.time_off_request_id), case.id)


def create_case(data: Mapping[str, Any], branch: Branch, actor=None) -> Case:
    """A new case in ``branch``, worked by ``owner_id`` (default: the actor, if they can own cases
    here), with the follow-ups its kind plans. A ULR's new cases are their own."""
    data = dict(data)
    if actor is not None and actor.role == LEARNING_REP:
        if data.get("owner_id") not in (None, "", actor.id):
            raise ValidationFailed("Check the case", {"owner_id": ["A ULR's new cases are their own: leave the owner as you"]})
        data["owner_id"] = actor.id
    elif (data.get("owner_id") in (None, "") and actor is not None and actor.role in OWNER_ROLES
          and actor.branch_id == branch.id):
        data["owner_id"] = actor.id
    clean = _clean(data, branch.id, None, actor)
    created_by_id = actor.id if actor is not None else audit.current_actor()[0]
    case = Case(branch_id=branch.id, status="open", created_by_id=created_by_id, **clean)
    db.session.add(case)
    db.session.flush()
    audit.record(db.session, "create", case, summary=f"Opened a case ({rules.KINDS[case.kind].lower()}): {case.summary}",
                 changes=audit.snapshot(case, AUDITED))
    timeline.add(db.session, case, "created", f"Case opened on {uk(case.opened_on)}")
    for title, due_on in rules.planned_follow_ups(case.kind, case.opened_on):
        _new_follow_up(case, title, due_on, planned=True)
    _link_request(case, None)
    return case


def update_case(case: Case, data: Mapping[str, Any], *, version: Optional[int] = None) -> dict:
    _check_version(case, version)
    old_request = case.time_off_request_id
    clean = _clean(data, case.branch_id, case)
    changes = audit.apply_changes(case, clean, FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", case, summary="Changed a case", changes=changes)
        timeline.add(db.session, case, "edited", timeline.changed_text(changes))
        _link_request(case, old_request)
    return changes


def change_status(case: Case, status: Any, *, closed_on: Any = None, outcome: Any = None,
                  version: Optional[int] = None) -> dict:
    """Open, waiting or closed. Closing needs the day it closed (and may say how it ended);
    reopening clears that day."""
    _check_version(case, version)
    errors: dict[str, list[str]] = {}
    values = {"status": status, "closed_on": closed_on, "outcome": outcome}
    target = v.choice(values, errors, "status", rules.STATUSES, "Choose open, waiting or closed")
    closed = v.day(values, errors, "closed_on", "the date the case was closed", kind=v.HAPPENED)
    text = v.text(values, errors, "outcome", "the outcome", TEXT_MAX)
    if target:
        for field, message in rules.status_problems(case.status, target, closed_on=closed).items():
            errors.setdefault(field, [message])
    if target == "closed" and closed and "closed_on" not in errors:
        if closed < case.opened_on:
            errors.setdefault("closed_on", ["The case cannot be closed before it was opened"])
    if errors:
        raise ValidationFailed("Check the status", errors)
    if target == "closed":
        new = {"status": "closed", "closed_on": closed, "outcome": text}
    else:
        new = {"status": target, "closed_on": None}
        if text is not None:
            new["outcome"] = text
        elif case.status == "closed":
            new["outcome"] = None  # reopened: the outcome it was closed with stays in its history, not on the case
    changes = audit.apply_changes(case, new, STATUS_FIELDS)
    if changes:
        db.session.flush()
        if "status" in changes:
            words = {"closed": f"Closed on {uk(closed)}" + (f": {text}" if text else ""),
                     "waiting": "Waiting (for someone else to act)",
                     "open": "Reopened" if changes["status"][0] == "closed" else "Open again"}[target]
        else:
            words = timeline.changed_text(changes)
        audit.record(db.session, "update", case, summary=f"Case status: {rules.STATUSES[target].lower()}", changes=changes)
        timeline.add(db.session, case, "status_changed", words)
    return changes


# --- activities and follow-ups ----------------------------------------------------------

def _open_for_work(case: Case, what: str) -> None:
    if case.status == "closed":
        raise Conflict(f"This case is closed: reopen it before {what}.")


def add_activity(case: Case, data: Mapping[str, Any]) -> Activity:
    """Something that happened on the case: a note, call, meeting, e-mail, letter or visit (not on a closed case)."""
    _open_for_work(case, "logging more on it")
    errors: dict[str, list[str]] = {}
    unknown = set(data) - {"kind", "happened_on", "text"}
    if unknown:
        raise ValidationFailed("Unknown fields", {f: ["This field cannot be set here"] for f in sorted(unknown)})
    kind = v.choice(data, errors, "kind", rules.ACTIVITY_KINDS, "Choose what it was: a note, call, meeting, e-mail, "
                                                                 "letter or visit")
    happened_on = v.day(data, errors, "happened_on", "the date it happened", required=True, kind=v.HAPPENED)
    text = v.text(data, errors, "text", "what happened", TEXT_MAX, required=True)
    if errors:
        raise ValidationFailed("Check the activity", errors)
    by_id, by_label = audit.current_actor()
    activity = Activity(case_id=case.id, kind=kind, happened_on=happened_on, text=text, by_id=by_id,
                        by_label=by_label[:300])
    db.session.add(activity)
    db.session.flush()
    audit.record(db.session, "create", activity, summary=f"Logged a {rules.ACTIVITY_KINDS[kind].lower()} on case {case.id}",
                 changes=audit.snapshot(activity, ("case_id", "kind", "happened_on", "text")))
    timeline.add(db.session, case, "activity", f"{rules.ACTIVITY_KINDS[kind]} on {uk(happened_on)} logged")
    return activity


def _new_follow_up(case: Case, title: str, due_on: date, *, planned: bool = False) -> FollowUp:
    follow_up = FollowUp(case_id=case.id, title=title, due_on=due_on)
    db.session.add(follow_up)
    db.session.flush()
    audit.record(db.session, "create", follow_up, summary=f"Follow-up on case {case.id}: {title}",
                 changes=audit.snapshot(follow_up, ("case_id", "title", "due_on")))
    timeline.add(db.session, case, "follow_up", f"{'Planned' if planned else 'Follow-up added'}: {title}, due {uk(due_on)}")
    return follow_up


def add_follow_up(case: Case, title: Any, due_on: Any) -> FollowUp:
    errors: dict[str, list[str]] = {}
    values = {"title": title, "due_on": due_on}
    clean_title = v.text(values, errors, "title", "what needs doing", 200, required=True)
    due = v.day(values, errors, "due_on", "the date it is due", required=True, kind=v.PLANNED)
    if due and due < case.opened_on:
        errors.setdefault("due_on", ["A follow-up cannot be due before the case was opened"])
    _open_for_work(case, "planning a follow-up")
    if errors:
        raise ValidationFailed("Check the follow-up", errors)
    return _new_follow_up(case, clean_title, due)


def complete_follow_up(follow_up: FollowUp, done_on: Any = None) -> dict:
    """Mark a follow-up done (default today; not in the future)."""
    if follow_up.done_on is not None:
        raise Conflict(f"This follow-up was already marked done on {uk(follow_up.done_on)}.")
    if follow_up.case is not None:
        _open_for_work(follow_up.case, "marking its follow-ups done")
    errors: dict[str, list[str]] = {}
    done = v.day({"done_on": done_on}, errors, "done_on", "the date it was done", kind=v.HAPPENED) or (
        None if errors else date.today())
    if errors:
        raise ValidationFailed("Check the follow-up", errors)
    changes = audit.apply_changes(follow_up, {"done_on": done, "done_by_id": audit.current_actor()[0]},
                                  ("done_on", "done_by_id"))
    db.session.flush()
    audit.record(db.session, "update", follow_up, summary=f"Follow-up done: {follow_up.title}", changes=changes)
    subject = follow_up.case if follow_up.case_id else follow_up.learner
    timeline.add(db.session, subject, "follow_up_done", f"Done on {uk(done)}: {follow_up.title}")
    return changes


# --- a refused time-off request's dispute case ------------------------------------------

def dispute_defaults(request) -> dict[str, Any]:
    """What a time-off dispute case about ``request`` starts with: its workplace, learner, a summary
    naming who was refused and the reason given, details with the refusal's reason, the employer's
    words and the tribunal claim deadline, and that deadline (if still ahead) as the due date."""

    learner = db.session.get(Learner, request.learner_id) if request.learner_id else None
    who = learner.name if learner is not None else (request.rep.name if request.rep else "")
    where = request.workplace.name if request.workplace else ""
    about = ", ".join(x for x in (who, where) if x)
    refused = "Partly refused" if request.status == "partly_granted" else "Refused"
    reason = REFUSAL_REASONS.get(request.refusal_reason, request.refusal_reason) if request.refusal_reason else ""
    summary = f"{refused}: {TIME_OFF_KINDS.get(request.kind, request.kind)}" + (f" ({about})" if about else "")
    if request.decided_on:
        summary += f", {uk(request.decided_on)}"
    said = " ".join((request.refusal_details or "").split())
    if reason:
        given = said if request.refusal_reason == "other" and said else reason.lower()
        summary += f". Reason given: {given}"
    lines = [f"The employer {'partly refused' if request.status == 'partly_granted' else 'refused'} this request"
             + (f" on {uk(request.decided_on)}" if request.decided_on else "") + "."]
    if reason:
        lines.append(f"Reason given: {reason}.")
    if request.refusal_details:
        lines.append(f"What the employer said: {request.refusal_details.strip()}")
    deadline = time_off_queries.state(request).tribunal_deadline
    if deadline:
        lines.append(f"Tribunal claim deadline: {uk(deadline)}.")
    out: dict[str, Any] = {"kind": "time_off_dispute", "summary": summary[:300], "details": "\n".join(lines)[:TEXT_MAX],
                           "workplace_id": request.workplace_id, "learner_id": request.learner_id,
                           "time_off_request_id": request.id}
    if deadline and deadline >= date.today():
        out["due_on"] = deadline
    return out


def open_dispute_case(request, actor=None, data: Optional[Mapping[str, Any]] = None) -> Case:
    """A time_off_dispute case for a refused (or partly refused) request, linked both ways."""

    if request.status not in REFUSALS:
        raise Conflict("Only a refused (or partly refused) time-off request can become a dispute case.")
    if request.case_id is not None:
        raise Conflict(f"This time-off request already has a case (case {request.case_id}).")
    values = dispute_defaults(request)
    values.update(data or {})
    values["kind"], values["time_off_request_id"] = "time_off_dispute", request.id
    return create_case(values, request.branch, actor)


# --- moving a ULR's caseload ------------------------------------------------------------

NO_LOGIN = "{name} has no login, so cannot work cases: give them one first, or choose another ULR"


def check_reassign(from_rep, to_rep) -> None:
    """Refuse a move to the same ULR, to another branch's, or to one stood down."""
    errors: dict[str, list[str]] = {}
    if to_rep.id == from_rep.id:
        errors["to_rep_id"] = ["Choose a different ULR to take the caseload"]
    elif to_rep.branch_id != from_rep.branch_id:
        errors["to_rep_id"] = ["Choose a ULR of the same branch"]
    elif to_rep.stood_down_on is not None:
        errors["to_rep_id"] = [f"{to_rep.name} has been stood down: choose a ULR in post"]
    if errors:
        raise ValidationFailed("Check who takes the caseload", errors)


def check_taker(to_rep, cases) -> None:
    """Cases are worked by a login: the ULR taking them needs one that can still sign in."""
    if not cases:
        return
    if to_rep.user_id is None:
        raise ValidationFailed("Check who takes the caseload", {"to_rep_id": [NO_LOGIN.format(name=to_rep.name)]})

    if not db.session.get(User, to_rep.user_id).active:
        raise ValidationFailed("Check who takes the caseload", {"to_rep_id": [
            f"{to_rep.name} cannot sign in any more, so cannot work cases: choose another ULR"]})


def reassign_caseload(from_rep, to_rep, actor=None) -> dict[str, int]:
    """Move ``from_rep``'s open cases and learners to ``to_rep`` (a ULR in post, in the same
    branch, with a login if there are cases to move), in one action."""
    if actor is not None and actor.role not in (ADMIN, BRANCH_CONVENOR):
        raise NotAllowed("Only branch convenors and administrators move a ULR's caseload.")
    if actor is not None and actor.role == BRANCH_CONVENOR and from_rep.branch_id != actor.branch_id:
        raise NotAllowed("You can move caseloads only in your own branch.")
    check_reassign(from_rep, to_rep)
    cases, learners = queries.caseload_of(from_rep)
    check_taker(to_rep, cases)
    for case in cases:
        changes = audit.apply_changes(case, {"owner_id": to_rep.user_id}, ("owner_id",))
        if changes:
            db.session.flush()
            audit.record(db.session, "update", case, summary=f"Case moved from {from_rep.name} to {to_rep.name}",
                         changes=changes)
            timeline.add(db.session, case, "reassigned", f"Moved from {from_rep.name} to {to_rep.name}")
    for learner in learners:
        changes = audit.apply_changes(learner, {"rep_id": to_rep.id}, ("rep_id",))
        db.session.flush()
        audit.record(db.session, "update", learner, summary=f"Learner moved from ULR {from_rep.name} to {to_rep.name}",
                     changes=changes)
        timeline.add(db.session, learner, "reassigned", f"ULR changed from {from_rep.name} to {to_rep.name}")
    audit.record(db.session, "reassign", from_rep, summary=(
        f"Caseload of {from_rep.name} moved to {to_rep.name}: {len(cases)} open case(s), {len(learners)} learner(s)"),
        changes={"cases": (None, [c.id for c in cases]), "learners": (None, [lr.id for lr in learners]),
                 "to_rep_id": (None, to_rep.id)})
    return {"cases": len(cases), "learners": len(learners)}
