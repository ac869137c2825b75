"""API: time-off requests (``/api/v1/time_off_requests``), through the same queries and services as the pages.

A PATCH may do several things at once, in this order, all or nothing:

1. the request's own fields (kind, purpose, timing...) through :func:`services.update_request`:
   only while it is a draft or submitted;
2. ``status``: ``submitted`` sends a draft to the employer (:func:`services.submit`);
   ``granted`` / ``partly_granted`` / ``refused`` record the employer's decision with
   ``decided_on``, ``paid``, ``hours_granted``, ``refusal_reason`` and ``refusal_details`` from
   the same body (:func:`services.record_decision`); ``withdrawn`` records a withdrawal the same
   way. Decision fields sent without ``status`` correct the decision already recorded;
3. the Acas early conciliation and tribunal dates (:func:`services.record_acas`).

Branch convenors (their branch) and administrators do all of it. A ULR changes and submits
their own requests, but records no decision (nor a withdrawal) and no Acas dates: 403, as on the
pages. Regional organisers only read.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..organisation.queries import branch_for_new_record as branch_for_new
from ..api.common import (
    Field, Id, RecordNotFound, Resource, api_route, envelope, get_or_404, pagination, parse_body, plain, query_filters,
    resource,
)
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR, LEARNING_REP
from ..extensions import db
from ..organisation.models import WORKPLACE_KINDS, Branch
from ..reps import queries as rep_queries
from ..reps.models import Rep
from . import queries, services
from .models import DECISIONS, KINDS, PURPOSES, REFUSAL_REASONS, STATUSES, TimeOffRequest

WRITERS = (ADMIN, BRANCH_CONVENOR, LEARNING_REP)
#: decision details that travel with ``status`` (status itself is handled on its own)
DECISION_DETAILS = tuple(f for f in services.DECISION_FIELDS if f != "status")
COMPUTED = ("notice_days", "notice_ok", "tribunal_deadline", "tribunal_deadline_steps")


def _opt(type_: str, description: str = "", **kw: Any) -> Field:
    return Field(type_, description, nullable=True, writable=True, **kw)


TIME_OFF = resource(Resource(
    name="time_off_requests", title="TimeOffRequest", label="time-off request", model=TimeOffRequest,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1),
        "branch_id": Id("The branch (branches.id). Convenors: their own (may be left out); a ULR: the branch of "
                        "their appointment (may be left out); administrators: give it, or it is the ULR's branch. "
                        "Cannot change once created.", writable=True),
        "kind": Field("string", enum=tuple(KINDS), writable=True, required=True),
        "rep_id": Id("The ULR (reps.id): required for ULR duties, ULR training and member access. A ULR creating "
                     "a request gives their own appointment.", nullable=True, writable=True),
        "learner_id": Id("The learner, for member access and learner release.", nullable=True, writable=True),
        "workplace_id": Id("The workplace the time off is from (workplaces.id).", writable=True, required=True),
        "purpose": Field("string", "Must fit the kind: ULR duties take the six ULR functions; ULR training "
                                   "ulr_training; member access accessing_ulr; learner release course_attendance.",
                         enum=tuple(PURPOSES), writable=True, required=True),
        "starts_at": Field("datetime", "When it starts, ISO 8601 with an offset; answered in UTC.", writable=True,
                           required=True),
        "duration_hours": Field("number", "How many hours (0.25 to 200).", minimum=0, maximum=200, writable=True,
                                required=True),
        "location": Field("string", max_length=200, writable=True, required=True),
        "reason": _opt("string", max_length=5000),
        "course": _opt("string", "The course: required for ULR training and learner release.", max_length=200),
        "requested_on": _opt("date", "When the request went to the employer (not in the future); set to today "
                                     "on submitting if empty."),
        "paid_requested": _opt("boolean", "Paid time off is expected."),
        "status": Field("string", "New requests are draft (or submitted, to create and send at once). On PATCH: "
                                  "submitted sends a draft; granted, partly_granted and refused record the "
                                  "employer's decision (convenors and administrators; with decided_on, and paid, "
                                  "hours_granted, refusal_reason as they apply); withdrawn records a withdrawal. "
                                  "A decided request cannot be decided again (409).",
                        enum=tuple(STATUSES), writable=True),
        "decided_on": _opt("date", "The date of the decision (not in the future, not before requested_on)."),
        "paid": _opt("boolean", "Granted time off is paid (required when granted or partly granted)."),
        "hours_granted": _opt("number", "Partly granted: more than 0 and fewer than duration_hours.", minimum=0,
                              maximum=200),
        "refusal_reason": _opt("string", "The employer's reason (required when refused or partly granted).",
                               enum=tuple(REFUSAL_REASONS)),
        "refusal_details": _opt("string", max_length=5000),
        "acas_ec_started_on": _opt("date", "Acas early conciliation started (Day A): refused requests only."),
        "acas_ec_certificate_on": _opt("date", "The early conciliation certificate (Day B)."),
        "tribunal_claim_on": _opt("date", "The day a tribunal claim was presented."),
        "case_id": Field("integer", "The time_off_dispute case opened for a refusal.", nullable=True),
        "created_by_id": Field("integer", "Who recorded it (users.id).", nullable=True),
        "notice_days": Field("integer", "Days between requested_on and the start.", nullable=True),
        "notice_ok": Field("boolean", "The notice was adequate (the notice settings: default 7 days, 21 for "
                                      "training and learner release).", nullable=True),
        "tribunal_deadline": Field("date", "Refusals of statutory kinds (not learner release): the last day to "
                                           "present a tribunal claim, with any Acas early conciliation extension.",
                                   nullable=True),
        "tribunal_deadline_steps": Field("array", "How the tribunal deadline was worked out, in words."),
    },
    filters={
        "kind": Field("string", enum=tuple(KINDS)),
        "status": Field("string", enum=tuple(STATUSES)),
        "rep_id": Id("Only this ULR's requests."),
        "workplace_id": Id("Only requests from this workplace."),
        "employer_id": Id("Only requests from this employer's workplaces."),
        "branch_id": Id("Only this branch's requests."),
        "workplace_kind": Field("string", "Only requests from this kind of workplace (school, service...).",
                                enum=tuple(WORKPLACE_KINDS)),
    },
    description="A request for time off under the Acas Code, and the employer's decision. Organisers see their "
                "region's, convenors their branch's, a ULR their own.",
))

COLUMNS = tuple(k for k in TIME_OFF.fields if k not in COMPUTED)
#: a new request carries no decision and no Acas dates (recorded by PATCH once it exists)
TIME_OFF.create_fields = tuple(k for k in TIME_OFF.writable if k not in DECISION_DETAILS + services.ACAS_FIELDS)


def item(request: TimeOffRequest, today: Optional[date] = None) -> dict[str, Any]:
    s = queries.state(request, today=today)
    out = {name: plain(getattr(request, name)) for name in COLUMNS}
    if request.starts_at is not None:
        out["starts_at"] = request.starts_at.astimezone(timezone.utc).isoformat()
    out.update(notice_days=s.notice_days, notice_ok=s.notice_ok, tribunal_deadline=plain(s.tribunal_deadline),
               tribunal_deadline_steps=list(s.deadline.steps) if s.deadline else [])
    return out


def _check_moment(data: dict[str, Any]) -> None:
    """A start the database can hold (in UTC) and a sensible year; the service checks the rest."""
    value = data.get("starts_at")
    if isinstance(value, datetime):
        try:
            in_utc = value.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            in_utc = None
        if in_utc is None or not 1900 <= in_utc.year <= 2999:
            raise ValidationFailed("Check the request", {"starts_at": ["Enter a start between the years 1900 and 2999"]})


def _stale_is_conflict(work) -> Any:
    try:
        return work()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("This time-off request was changed by someone else. Reload it and try again.") from None


def _unseen_learner_is_404(work, data: dict[str, Any]) -> Any:
    """A learner the user cannot see (a ULR: outside their caseload) answers 404, like any record out of scope."""
    try:
        return work()
    except services.LearnerNotFound:
        raise RecordNotFound(f"There is no learner with id {data.get('learner_id')} that you can see.") from None


# --- routes -----------------------------------------------------------------------------

@api_route("/time_off_requests", "GET", summary="List time-off requests", resource=TIME_OFF, action="list")
def list_time_off_requests() -> Any:
    filters = query_filters(TIME_OFF.filters)
    page, per_page = pagination()
    stmt = queries.request_list(current_user, kind=filters.get("kind", ""), status=filters.get("status", ""),
                                branch_id=filters.get("branch_id"), employer_id=filters.get("employer_id"),
                                workplace_kind=filters.get("workplace_kind", ""), rep_id=filters.get("rep_id"),
                                workplace_id=filters.get("workplace_id"))
    # the ULR's own workplace too (the state reads it), joined as the list joins the ULR
    stmt = stmt.order_by(None).options(joinedload(TimeOffRequest.rep).joinedload(Rep.workplace))
    today = date.today()
    return envelope(stmt, lambda r: item(r, today), page, per_page)


@api_route("/time_off_requests/<int:time_off_request_id>", "GET", summary="Get a time-off request",
           resource=TIME_OFF, action="get")
def get_time_off_request(time_off_request_id: int) -> Any:
    return item(get_or_404(TIME_OFF, time_off_request_id))


def _branch_for_new(branch_id: Optional[int], rep_id: Optional[int]) -> Branch:
    """The branch a new request belongs to, by role (a ULR: their own appointment's)."""
    problem = "Check the request"
    if current_user.role == LEARNING_REP:
        mine = {r.id: r for r in rep_queries.reps_for_user(current_user)}
        if rep_id not in mine:
            raise ValidationFailed(problem, {"rep_id": [
                "Choose your own ULR appointment: a ULR requests time off as themselves"
                if mine else "You have no current ULR appointment: ask your branch convenor"]})
        branch = mine[rep_id].branch
        if branch_id not in (None, branch.id):
            raise ValidationFailed(problem, {"branch_id": ["Your request belongs to your appointment's branch"]})
        return branch
    def from_rep():  # an administrator's request for a ULR: the appointment's branch
        rep = db.session.get(Rep, rep_id) if rep_id is not None else None
        return rep.branch if rep is not None else None

    return branch_for_new(branch_id, problem=problem, what="record time-off requests", fallback=from_rep,
                          only_own="You can record requests only for your own branch",
                          choose="Choose the branch (or give the ULR's rep_id)")


@api_route("/time_off_requests", "POST", summary="Record a time-off request", resource=TIME_OFF, action="create",
           roles=WRITERS,
           description="A new request is a draft, or submitted (sent to the employer) if status says so. A ULR "
                       "records requests for their own appointment only; convenors for their branch; "
                       "administrators for any branch. The decision and Acas dates are recorded by PATCH.")
def create_time_off_request() -> Any:
    data, _ = parse_body(TIME_OFF)
    status = data.pop("status", "draft")
    errors: dict[str, list[str]] = {}
    if status not in ("draft", "submitted"):
        errors["status"] = ["A new request is a draft or submitted: create it, then record the employer's decision"]
    for name in DECISION_DETAILS + services.ACAS_FIELDS:
        if data.get(name) is not None:
            errors[name] = ["Create the request first, then record the employer's decision or the Acas dates"]
        data.pop(name, None)
    if errors:
        raise ValidationFailed("Check the request", errors)
    _check_moment(data)
    branch = _branch_for_new(data.pop("branch_id", None), data.get("rep_id"))

    def work() -> TimeOffRequest:
        request = _unseen_learner_is_404(lambda: services.create_request(data, branch=branch, created_by=current_user),
                                         data)
        if status == "submitted":
            services.submit(request)
        return request

    return item(_stale_is_conflict(work)), 201


@api_route("/time_off_requests/<int:time_off_request_id>", "PATCH", summary="Change a time-off request",
           resource=TIME_OFF, action="update", roles=WRITERS,
           description="In one PATCH, all or nothing: the request's fields (draft or submitted only), then status "
                       "(submitted; or the employer's decision with decided_on, paid, hours_granted, "
                       "refusal_reason, refusal_details), then the Acas and tribunal dates. A ULR may change and "
                       "submit their own requests but not record decisions, withdrawals or Acas dates (403).")
def update_time_off_request(time_off_request_id: int) -> Any:
    request = get_or_404(TIME_OFF, time_off_request_id)
    data, version = parse_body(TIME_OFF, path_id=time_off_request_id, versioned=True)
    if data.get("branch_id", request.branch_id) != request.branch_id:
        raise ValidationFailed("Check the request", {"branch_id": ["A request cannot move to another branch"]})
    data.pop("branch_id", None)
    status = data.pop("status", None)
    decision = {k: data.pop(k) for k in DECISION_DETAILS if k in data}
    acas = {k: data.pop(k) for k in services.ACAS_FIELDS if k in data}
    fields = data  # what is left: the request's own fields
    _check_moment(fields)

    decides = bool(decision) or (status in DECISIONS and status != request.status)
    if (decides or acas) and not queries.can_record_decision(current_user, request):
        raise NotAllowed("Only branch convenors record the employer's decision, a withdrawal and the Acas dates.")
    if version != request.version:
        raise Conflict("This time-off request was changed by someone else. Reload it and try again.")

    def work() -> None:
        if fields:
            _unseen_learner_is_404(lambda: services.update_request(request, fields, user=current_user), fields)
        target = status if status is not None else request.status
        if status == "draft" and request.status != "draft":
            raise Conflict("A request sent to the employer cannot go back to draft.")
        if target in ("draft", "submitted"):
            if decision:
                raise ValidationFailed("Check the decision", {"status": [
                    "Send the employer's decision as status (granted, partly_granted, refused or withdrawn) "
                    "with its details"]})
            if target == "submitted" and request.status == "draft":
                services.submit(request)
            elif target == "submitted" and request.status != "submitted":
                raise Conflict(f"This request is already {STATUSES[request.status].lower()}; it cannot be "
                               "sent again.")
        elif decision or target != request.status:
            answer = {f: getattr(request, f) for f in DECISION_DETAILS} if target == request.status else {}
            answer.update(decision, status=target)
            services.record_decision(request, answer)
        if acas:
            services.record_acas(request, {**{f: getattr(request, f) for f in services.ACAS_FIELDS}, **acas})

    _stale_is_conflict(work)
    return item(request)
