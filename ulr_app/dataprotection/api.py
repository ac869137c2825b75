"""API: subject access requests (``/api/v1/subject_access_requests``), through the same queries and
services as the pages. ``due_on`` is worked out by the rule (rules.due_on) and read-only."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from ..api.common import (
    Field,
    Id,
    Resource,
    api_route,
    change,
    envelope,
    get_or_404,
    json_object,
    pagination,
    parse_body,
    plain,
    query_filters,
    resource,
)
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR, REGIONAL_ORGANISER
from ..core.validation import text_problem
from ..learners import queries as learner_queries
from ..learners.api import LEARNERS, learner_item
from ..organisation.queries import branch_for_new_record
from . import erasure, queries, rules, services
from .models import SubjectAccessRequest

READERS = (ADMIN, REGIONAL_ORGANISER, BRANCH_CONVENOR)
EDITORS = (ADMIN, BRANCH_CONVENOR)

SARS = resource(Resource(
    name="subject_access_requests", title="SubjectAccessRequest", label="subject access request",
    model=SubjectAccessRequest,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1),
        "branch_id": Id("The branch (branches.id). Branch convenors: their own (may be left out); administrators "
                        "must give it. Cannot change once created.", writable=True),
        "person_name": Field("string", "The person asking for their personal data.", max_length=120, writable=True,
                             required=True),
        "learner_id": Id("Their learner record (learners.id), a learner of the same branch.", nullable=True,
                         writable=True),
        "received_on": Field("date", "When the request was received. Not in the future.", writable=True,
                             required=True),
        "identity_received_on": Field("date", "When proof of identity that was asked for arrived (the clock starts "
                                              "then), or null. Not before received_on.", nullable=True, writable=True),
        "extension_months": Field("integer", "Extension by up to two further months (UK GDPR Art 12(3)); more "
                                             "answers 422.", minimum=0, maximum=rules.MAX_EXTENSION_MONTHS,
                                  writable=True),
        "extension_reason": Field("string", "Required when extended.", max_length=2000, nullable=True, writable=True),
        "status": Field("string", "open (the default), answered (needs answered_on) or withdrawn.",
                        enum=tuple(rules.STATUSES), writable=True),
        "answered_on": Field("date", "When it was answered: not before received_on, not in the future.",
                             nullable=True, writable=True),
        "due_on": Field("date", "Worked out: the corresponding calendar date 1 + extension_months months after the "
                                "later of received_on and identity_received_on (the last day of that month when "
                                "there is no such date), moved to the next working day in England and Wales when it "
                                "falls on a weekend or bank holiday (ICO guidance on the right of access)."),
    },
    filters={
        "branch_id": Id("Only this branch's requests."),
        "status": Field("string", "Only requests with this status.", enum=tuple(rules.STATUSES)),
    },
    description="A subject access request in a branch's register. Organisers read their region's, convenors keep "
                "their branch's, administrators all; ULRs have none.",
))

WRITABLE = tuple(k for k, f in SARS.fields.items() if f.writable and k != "branch_id")


def item(sar: SubjectAccessRequest) -> dict[str, Any]:
    return {name: plain(getattr(sar, name)) for name in SARS.fields}


@api_route("/subject_access_requests", "GET", summary="List subject access requests", resource=SARS, action="list",
           roles=READERS)
def list_subject_access_requests() -> Any:
    filters = query_filters(SARS.filters)
    page, per_page = pagination()
    stmt = queries.request_list(current_user, status=filters.get("status", ""), branch_id=filters.get("branch_id"))
    return envelope(stmt.order_by(None), item, page, per_page)


@api_route("/subject_access_requests/<int:subject_access_request_id>", "GET", summary="Get a subject access request", resource=SARS,
           action="get", roles=READERS)
def get_subject_access_request(subject_access_request_id: int) -> Any:
    return item(get_or_404(SARS, subject_access_request_id))


@api_route("/subject_access_requests", "POST", summary="Record a subject access request", resource=SARS,
           action="create", roles=EDITORS,
           description="Branch convenors record requests for their own branch (branch_id may be left out); "
                       "administrators must give branch_id.")
def create_subject_access_request() -> Any:
    data, _ = parse_body(SARS)
    branch = branch_for_new_record(data.pop("branch_id", None), problem=services.PROBLEM,
                                   what="record subject access requests",
                                   only_own="You can record subject access requests only for your own branch")
    return item(services.create_request(data, branch=branch)), 201


@api_route("/subject_access_requests/<int:subject_access_request_id>", "PATCH", summary="Change a subject access request",
           resource=SARS, action="update", roles=EDITORS,
           description="Branch convenors change their own branch's requests; administrators any. due_on is worked "
                       "out again from the dates and the extension.")
def update_subject_access_request(subject_access_request_id: int) -> Any:
    sar = get_or_404(SARS, subject_access_request_id)
    if not queries.can_edit(current_user, sar):
        raise NotAllowed("You can change only your own branch's subject access requests.")
    data, version = parse_body(SARS, path_id=subject_access_request_id, versioned=True)
    if data.get("branch_id", sar.branch_id) != sar.branch_id:
        raise ValidationFailed(services.PROBLEM, {"branch_id": ["A subject access request cannot move to another "
                                                                "branch"]})
    data.pop("branch_id", None)
    change(services.update_request, sar, data, version)
    return item(sar)


# --- erasure ---------------------------------------------------------------------------------

class LegalHoldConflict(Conflict):
    """409 ``legal_hold``: the learner cannot be erased while a legal hold applies (the message says why)."""

    code = "legal_hold"


@api_route("/learners/<int:learner_id>/erase", "POST", summary="Erase a learner (anonymise)", resource=LEARNERS,
           action="other", roles=READERS,
           responses={409: "legal_hold: a legal hold applies (the recorded legal_hold_reason, an open time-off "
                           "dispute case linked to the learner, or a live tribunal claim); the message gives the "
                           "reason and nothing is changed. conflict: the learner was erased already, or merged into "
                           "another record (erase that one).",
                      400: "The body is not a JSON object.",
                      422: "The reason is not text, or longer than 500 characters, or another field was sent."},
           response_schema={"$ref": "#/components/schemas/Learner"},
           request_schema=("LearnerErasure", {
               "type": "object", "additionalProperties": False,
               "description": "Optional: the body may be left out.",
               "properties": {"reason": {"type": ["string", "null"], "maxLength": 500,
                                         "description": "Why the learner is being erased (goes in the audit trail: "
                                                        "do not write the person's name)."}}}),
           description="Branch convenors (their branch), regional organisers (their region) and administrators: "
                       "anonymises the learner as ulr_app/dataprotection/erasure.py describes (name -> 'Erased "
                       "learner #<id>', identifying fields, equality monitoring, membership and free text cleared, "
                       "documents deleted, earlier audit entries redacted) and answers 200 with the erased learner. "
                       "Enrolments, outcomes and every report's figures (and every frozen report run) stay as they "
                       "were. A body is optional: {\"reason\": \"...\"}. Out of scope: 404. ULRs: 403.")
def erase_learner(learner_id: int) -> Any:
    learner = get_or_404(LEARNERS, learner_id)
    reason = None
    if request.get_data(cache=True).strip():
        body = json_object()
        unknown = sorted(set(body) - {"reason"})
        if unknown:
            raise ValidationFailed("Check the erasure", {f: ["Only reason may be sent"] for f in unknown})
        reason = body.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise ValidationFailed("Check the erasure", {"reason": ["Enter the reason as text"]})
        if reason is not None and len(reason.strip()) > 500:
            raise ValidationFailed("Check the erasure", {"reason": ["Enter the reason in 500 characters or fewer"]})
        if reason is not None and text_problem(reason):
            raise ValidationFailed("Check the erasure", {"reason": [text_problem(reason)]})
    if learner.merged_into_id is not None:
        raise Conflict(f"This learner was merged into learner {learner.merged_into_id}: erase that record instead.")
    try:
        erasure.erase_learner(learner, by=current_user._get_current_object(),
                              reason=(reason or "").strip() or "Erased through the API")
    except erasure.LegalHold as exc:
        raise LegalHoldConflict(f"This learner cannot be erased while a legal hold applies: {exc.reason}") from None
    return learner_item(learner, learner_queries.can_see_equality(current_user))
