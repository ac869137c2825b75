"""API: cases and their activities (``/api/v1/cases``), through the same queries and services as the pages.

Branch convenors (their branch) and administrators open and change cases; a ULR opens cases
(their own: they work them) and logs activities on the cases they work or recorded; regional
organisers read their region's. A PATCH changes the case's fields (:func:`services.update_case`),
then its status (:func:`services.change_status`: closing needs ``closed_on``, reopening clears
it), all or nothing.
"""
from __future__ import annotations

from typing import Any, Optional

from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..api.common import (
    Field,
    Id,
    Resource,
    api_route,
    envelope,
    get_or_404,
    pagination,
    parse_body,
    plain,
    query_filters,
    resource,
)
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR, LEARNING_REP
from ..extensions import db
from ..organisation.models import Branch
from ..organisation.queries import branch_for_new_record as branch_for_new
from ..timeoff.models import TimeOffRequest
from . import queries, rules, services
from .models import Activity, Case

EDITORS = (ADMIN, BRANCH_CONVENOR)
WRITERS = (ADMIN, BRANCH_CONVENOR, LEARNING_REP)
STATUS_FIELDS = services.STATUS_FIELDS
PROBLEM = "Check the case"


def _opt(type_: str, description: str = "", **kw: Any) -> Field:
    return Field(type_, description, nullable=True, writable=True, **kw)


CASES = resource(Resource(
    name="cases", title="Case", label="case", model=Case,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1),
        "branch_id": Id("The branch (branches.id). Convenors and ULRs: their own (may be left out); administrators: "
                        "give it (or a time_off_request_id, whose branch it takes). Cannot change once created.",
                        writable=True),
        "kind": Field("string", "New cases plan the follow-ups of their kind.", enum=tuple(rules.KINDS), writable=True,
                      required=True),
        "status": Field("string", "New cases are open. On PATCH: open, waiting, or closed (with closed_on); "
                                  "reopening clears closed_on.", enum=tuple(rules.STATUSES), writable=True),
        "owner_id": Id("Who works the case (users.id): a convenor or a ULR of the branch. Default: you, if you can "
                       "work cases there; a ULR's new cases are always their own.", nullable=True, writable=True),
        "learner_id": Id("The learner (learners.id) of the same branch.", nullable=True, writable=True),
        "agreement_id": Id("The learning agreement (agreements.id) of the same branch.", nullable=True, writable=True),
        "workplace_id": Id("The workplace (workplaces.id) of an employer the branch deals with.", nullable=True,
                           writable=True),
        "time_off_request_id": Id("The time-off request (time_off_requests.id) of the same branch; for a "
                                  "time_off_dispute, a refused one without a case. The request links back "
                                  "(its case_id).", nullable=True, writable=True),
        "summary": Field("string", "In a line.", max_length=300, writable=True, required=True),
        "details": _opt("string", max_length=services.TEXT_MAX),
        "opened_on": _opt("date", "Default today; not in the future."),
        "due_on": _opt("date", "When it should be settled; not before opened_on."),
        "closed_on": _opt("date", "The day it closed (with status closed; not in the future, not before opened_on)."),
        "outcome": _opt("string", "How it ended.", max_length=services.TEXT_MAX),
        "created_by_id": Field("integer", "Who recorded it (users.id).", nullable=True),
    },
    filters={
        "status": Field("string", enum=tuple(rules.STATUSES)),
        "owner_id": Id("Only cases worked by this user."),
        "kind": Field("string", enum=tuple(rules.KINDS)),
        "branch_id": Id("Only this branch's cases."),
        "due": Field("string", "overdue: open or waiting cases past their due date; this_week: due in the next "
                               "7 days.", enum=tuple(queries.DUE_FILTERS)),
    },
    description="A case in a branch's case log (a learner's support, a time-off dispute, an agreement being "
                "negotiated...). Organisers see their region's, convenors their branch's, a ULR those they work "
                "or recorded.",
))
#: a new case is open: it is closed (closed_on, outcome) by PATCH
CASES.create_fields = tuple(k for k in CASES.writable if k not in ("closed_on", "outcome"))

ACTIVITIES = resource(Resource(
    name="case_activities", title="CaseActivity", label="activity", model=Activity,
    fields={
        "id": Id(),
        "case_id": Id("The case (cases.id)."),
        "kind": Field("string", enum=tuple(rules.ACTIVITY_KINDS), writable=True, required=True),
        "happened_on": Field("date", "Not in the future.", writable=True, required=True),
        "text": Field("string", "What happened.", max_length=services.TEXT_MAX, writable=True, required=True),
        "by_id": Field("integer", "Who logged it (users.id).", nullable=True),
        "by_label": Field("string", "Who logged it, in words."),
        "created_at": Field("datetime"),
    },
    description="Something that happened on a case: a note, call, meeting, e-mail, letter or visit.",
))


def item(case: Case) -> dict[str, Any]:
    return {name: plain(getattr(case, name)) for name in CASES.fields}


def _stale_is_conflict(work) -> Any:
    try:
        return work()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("This case was changed by someone else. Reload it and try again.") from None


@api_route("/cases", "GET", summary="List cases", resource=CASES, action="list")
def list_cases() -> Any:
    filters = query_filters(CASES.filters)
    page, per_page = pagination()
    stmt = queries.case_list(current_user, status=filters.get("status", ""), owner_id=filters.get("owner_id"),
                             kind=filters.get("kind", ""), branch_id=filters.get("branch_id"),
                             due=filters.get("due", ""))
    return envelope(stmt.order_by(None), item, page, per_page)


@api_route("/cases/<int:case_id>", "GET", summary="Get a case", resource=CASES, action="get")
def get_case(case_id: int) -> Any:
    return item(get_or_404(CASES, case_id))


def _branch_for_new(branch_id: Optional[int], request_id: Optional[int]) -> Branch:
    def from_request():  # an administrator's dispute case: the refused request's branch
        request = db.session.get(TimeOffRequest, request_id) if request_id is not None else None
        return request.branch if request is not None else None

    return branch_for_new(branch_id, problem=PROBLEM, what="open cases", fallback=from_request,
                          only_own="You can open cases only in your own branch")


@api_route("/cases", "POST", summary="Open a case", resource=CASES, action="create", roles=WRITERS,
           description="A new case is open, with the follow-ups its kind plans. Convenors open cases in their "
                       "branch, ULRs their own cases, administrators in any branch.")
def create_case() -> Any:
    data, _ = parse_body(CASES)
    errors: dict[str, list[str]] = {}
    if data.pop("status", "open") != "open":
        errors["status"] = ["A new case is open: open it, then change its status"]
    for name in ("closed_on", "outcome"):
        if data.pop(name, None) is not None:
            errors[name] = ["Open the case first, then close it"]
    if errors:
        raise ValidationFailed(PROBLEM, errors)
    branch = _branch_for_new(data.pop("branch_id", None), data.get("time_off_request_id"))
    return item(_stale_is_conflict(lambda: services.create_case(data, branch, current_user))), 201


@api_route("/cases/<int:case_id>", "PATCH", summary="Change a case", resource=CASES, action="update", roles=EDITORS,
           description="The case's fields, then its status (closing needs closed_on; reopening clears it), all or "
                       "nothing. A stale version answers 409.")
def update_case(case_id: int) -> Any:
    case = get_or_404(CASES, case_id)
    data, version = parse_body(CASES, path_id=case_id, versioned=True)
    if not queries.can_edit(current_user, case):
        raise NotAllowed("Only the branch's convenors and administrators change cases.")
    if data.get("branch_id", case.branch_id) != case.branch_id:
        raise ValidationFailed(PROBLEM, {"branch_id": ["A case cannot move to another branch"]})
    data.pop("branch_id", None)
    status_part = {k: data.pop(k) for k in STATUS_FIELDS if k in data}
    if version != case.version:
        raise Conflict("This case was changed by someone else. Reload it and try again.")
    target = status_part.get("status", case.status)
    if status_part.get("closed_on") is not None and target != "closed":
        raise ValidationFailed(PROBLEM, {"closed_on": ["closed_on is for closed cases: send status closed with it"]})

    def work() -> None:
        if data:
            services.update_case(case, data)
        if status_part:
            closed_on = status_part.get("closed_on", case.closed_on) if target == "closed" else None
            # a closed case keeps its outcome unless a new one is sent; reopening clears it (as on the page)
            outcome = status_part["outcome"] if "outcome" in status_part else (case.outcome if target == "closed" else None)
            services.change_status(case, target, closed_on=closed_on, outcome=outcome)

    _stale_is_conflict(work)
    return item(case)


@api_route("/cases/<int:case_id>/activities", "POST", summary="Log an activity on a case", resource=ACTIVITIES,
           action="create", roles=WRITERS,
           description="Adds a note, call, meeting, e-mail, letter or visit to the case's timeline. Convenors (their "
                       "branch), administrators, and a ULR on the cases they work or recorded.")
def add_case_activity(case_id: int) -> Any:
    case = get_or_404(CASES, case_id)
    if not queries.can_work(current_user, case):
        raise NotAllowed("Only the branch's convenors, administrators and the case's ULR log activities on it.")
    data, _ = parse_body(ACTIVITIES)
    activity = services.add_activity(case, data)
    return {name: plain(getattr(activity, name)) for name in ACTIVITIES.fields}, 201
