"""API: ULR appointments (``/api/v1/reps``), through the same queries and services as the pages.

``status``, ``eligible_for_paid_time_off``, ``training_deadline`` and ``school_based`` are worked
out by :func:`queries.state` on each request (they depend on today's date), so they are not
columns. The list's ``status`` filter therefore loads every appointment the other filters and the
user's scope allow, works out each one's status, keeps the matching ones and pages them in Python:
a branch has a handful of ULRs and a region a few hundred, so this is cheap at the scale the API
serves. Without a ``status`` filter the list pages in SQL as the other resources do.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_login import current_user

from ..organisation.queries import branch_for_new_record as branch_for_new
from ..api.common import (
    Field, Id, Resource, api_route, change, envelope, get_or_404, pagination, parse_body, plain, query_filters,
    resource,
)
from ..core.errors import NotAllowed, ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR
from ..extensions import db
from ..organisation.models import WORKPLACE_KINDS
from . import queries, rules, services
from .models import TRAINING_ROUTES, Rep

EDITORS = (ADMIN, BRANCH_CONVENOR)


def _day(description: str = "", **kw: Any) -> Field:
    return Field("date", description, nullable=True, writable=True, **kw)


REPS = resource(Resource(
    name="reps", title="Rep", label="ULR appointment", model=Rep,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1),
        "branch_id": Id("The branch (branches.id). Branch convenors: their own branch (may be left out). "
                        "Administrators must give it. Cannot change once created.", writable=True),
        "employer_id": Id("The employer (employers.id): one the branch deals with.", writable=True, required=True),
        "workplace_id": Id("The workplace (workplaces.id): a school or a council service of the employer.",
                           nullable=True, writable=True),
        "user_id": Id("The ULR's login (users.id), if they have one: a user of the same branch.", nullable=True,
                      writable=True),
        "name": Field("string", max_length=120, writable=True, required=True),
        "email": Field("string", max_length=254, nullable=True, writable=True),
        "appointed_on": Field("date", "Not in the future.", writable=True, required=True),
        "notice_given_on": _day("The union's written notice to the employer that the person is a ULR."),
        "training_route": Field("string", "Already trained, or will be trained within six months of the notice "
                                          "(the default).", enum=tuple(TRAINING_ROUTES), writable=True),
        "will_train_notice_on": _day(
            "The union's single 'will be trained' notice (TULRCA 1992 s.168A(5)): a second notice for the same "
            "person, or changing this date once recorded, answers 422 with the reason. Administrators may "
            "correct a date entered wrongly."),
        "training_course": Field("string", max_length=200, nullable=True, writable=True),
        "trained_on": _day("When the training was completed."),
        "training_completion_notified_on": _day("When the union told the employer the training was completed."),
        "stood_down_on": _day(),
        "notes": Field("string", max_length=5000, nullable=True, writable=True),
        "reference": Field("string", "The branch's own reference for the person: unique within the branch (422 "
                                     "naming the other appointment otherwise); imports update by it.", max_length=60,
                           nullable=True, writable=True),
        "legal_hold_reason": Field("string", "While set (a live tribunal claim, a grievance...), the appointment "
                                             "cannot be erased.", max_length=2000, nullable=True, writable=True),
        "status": Field("string", "Worked out for today: appointed (no paid time off yet), active, training_due "
                                  "(within six months of the 'will be trained' notice), lapsed (the six months "
                                  "passed without training), stood_down.", enum=tuple(rules.STATUSES)),
        "eligible_for_paid_time_off": Field("boolean", "The written notice was given and the training condition "
                                                       "holds (active or training_due)."),
        "training_deadline": Field("date", "The 'will be trained' notice + 6 months, while it matters (null once "
                                           "trained and the employer told, or for an already-trained ULR).",
                                   nullable=True),
        "training_warning": Field("boolean", "The training deadline is within a month."),
        "school_based": Field("boolean", "The ULR's workplace is a school."),
    },
    filters={
        "branch_id": Id("Only this branch's ULRs."),
        "employer_id": Id("Only ULRs at this employer."),
        "status": Field("string", "Only ULRs with this status today (worked out per ULR, then paged).",
                        enum=tuple(rules.STATUSES)),
        "workplace_kind": Field("string", "Only ULRs based at this kind of workplace.", enum=tuple(WORKPLACE_KINDS)),
        "q": Field("string", "Search the name and e-mail (case-insensitive, part of it).", max_length=200),
    },
    description="A ULR appointment. Organisers see their region's, convenors their branch's, a ULR their own; "
                "convenors change their own branch's, administrators any.",
))

#: model columns, serialised as they are
COLUMNS = tuple(k for k in REPS.fields if k not in ("status", "eligible_for_paid_time_off", "training_deadline",
                                                     "training_warning", "school_based"))


def item(rep: Rep, state: queries.RepState | None = None, today: date | None = None) -> dict[str, Any]:
    s = state or queries.state(rep, today)
    out = {name: plain(getattr(rep, name)) for name in COLUMNS}
    out.update(status=s.status, eligible_for_paid_time_off=s.eligible_for_paid_time_off,
               training_deadline=plain(s.training_deadline), training_warning=s.training_warning,
               school_based=s.school_based)
    return {name: out[name] for name in REPS.fields}


@api_route("/reps", "GET", summary="List ULR appointments", resource=REPS, action="list",
           description="status is worked out for today, so with a status filter the list is filtered and paged "
                       "after loading the ULRs the other filters allow (fine at branch and region scale).")
def list_reps() -> Any:
    filters = query_filters(REPS.filters)
    page, per_page = pagination()
    today = date.today()
    stmt = queries.rep_list(current_user, q=filters.get("q", ""), branch_id=filters.get("branch_id"),
                            employer_id=filters.get("employer_id"), workplace_kind=filters.get("workplace_kind", ""))
    status = filters.get("status", "")
    if not status:
        return envelope(stmt.order_by(None), lambda r: item(r, today=today), page, per_page)
    rows = queries.with_status(db.session.scalars(stmt.order_by(None).order_by(Rep.id)).all(), status, today)
    start = (page - 1) * per_page
    return {"items": [item(r, s) for r, s in rows[start:start + per_page]], "page": page, "per_page": per_page,
            "total": len(rows)}


@api_route("/reps/<int:rep_id>", "GET", summary="Get a ULR appointment", resource=REPS, action="get")
def get_rep(rep_id: int) -> Any:
    return item(get_or_404(REPS, rep_id))


@api_route("/reps", "POST", summary="Appoint a ULR", resource=REPS, action="create", roles=EDITORS,
           description="Branch convenors appoint ULRs for their own branch (branch_id may be left out); "
                       "administrators must give branch_id.")
def create_rep() -> Any:
    data, _ = parse_body(REPS)
    branch = branch_for_new(data.pop("branch_id", None), problem="Check the ULR's details", what="appoint ULRs",
                            only_own="You can appoint ULRs only for your own branch")
    rep = services.create_rep(data, branch=branch)
    return item(rep), 201


@api_route("/reps/<int:rep_id>", "PATCH", summary="Change a ULR appointment", resource=REPS, action="update",
           roles=EDITORS,
           description="Branch convenors change their own branch's ULRs; administrators any. Changing a recorded "
                       "will_train_notice_on counts as a second notice (s.168A(5)) and answers 422, except for "
                       "administrators correcting a mistake.")
def update_rep(rep_id: int) -> Any:
    rep = get_or_404(REPS, rep_id)
    if not queries.can_edit(current_user, rep):
        raise NotAllowed("You can change only your own branch's ULRs.")
    data, version = parse_body(REPS, path_id=rep_id, versioned=True)
    if data.get("branch_id", rep.branch_id) != rep.branch_id:
        raise ValidationFailed("Check the ULR's details", {"branch_id": ["A ULR appointment cannot move to another "
                                                                         "branch: stand them down and appoint them "
                                                                         "in the other branch"]})
    data.pop("branch_id", None)
    change(services.update_rep, rep, data, version, actor=current_user)
    return item(rep)

