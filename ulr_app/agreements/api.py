"""API: learning agreements (``/api/v1/agreements``), through the same queries and services as the pages.

A PATCH applies the field changes first, then the named schools, ULR places and learners' time,
and the ``status`` last (through :func:`services.change_status`), so "sign it and record who
signed" is one request. Any refusal answers 409 or 422 and the request rolls back as a whole.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field as dc_field
from typing import Any, Optional

from flask_login import current_user
from sqlalchemy import Integer, func, literal, select, union_all
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..organisation.queries import branch_for_new_record as branch_for_new
from ..api.common import (
    MAX_ID, Field, Id, Resource, api_route, envelope, get_or_404, pagination, parse_body, plain, query_filters,
    resource,
)
from ..core.errors import Conflict, NotAllowed, ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR
from ..extensions import db
from ..organisation.models import Workplace
from . import queries, rules, services
from .models import (
    COURSE_CATEGORIES, FACILITIES, KINDS, LEARNER_TIME, MEETING_FREQUENCIES, SCHOOLS_SCOPES, STATUSES, Agreement,
)

EDITORS = (ADMIN, BRANCH_CONVENOR)
INCLUSIONS = ("in", "out")
#: body fields handled here rather than by services.update_agreement
NESTED = ("named_schools", "ulr_places_by_service", "learner_time_by_course")


@dataclass(frozen=True)
class Shaped(Field):
    """A field whose JSON Schema needs more than :class:`Field` says (array items, object properties)."""

    shape: Any = dc_field(default=None, compare=False, hash=False)

    def schema(self, *, for_write: bool = False) -> dict[str, Any]:
        base = super().schema(for_write=for_write)
        base.update(self.shape or {})
        return base


def _text(description: str, max_length: int, **kw: Any) -> Field:
    return Field("string", description, nullable=True, max_length=max_length, writable=True, **kw)


def _flag(description: str) -> Field:
    return Field("boolean", description, writable=True)


AGREEMENTS = resource(Resource(
    name="agreements", title="Agreement", label="learning agreement", model=Agreement,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1),
        "branch_id": Id("The branch (branches.id). Branch convenors: their own branch (may be left out). "
                        "Administrators must give it. Cannot change once created.", writable=True),
        "employer_id": Id("The employer (employers.id): one the branch deals with. Changing it clears the named "
                          "schools.", writable=True, required=True),
        "title": Field("string", max_length=200, writable=True, required=True),
        "kind": Field("string", "Short-term (one course) or a formal partnership. Default partnership.",
                      enum=tuple(KINDS), writable=True),
        "status": Field("string", "New agreements start as draft. On PATCH, changed after the other fields, "
                                  "following draft -> negotiating -> signed -> under_review -> (signed | expired | "
                                  "terminated); a move the lifecycle forbids answers 409, a signed agreement without "
                                  "signed_on, both signatories and review_due_on answers 422.",
                        enum=tuple(STATUSES), writable=True),
        "schools_scope": Field("string", "Whether the agreement includes, excludes or is silent on schools. "
                                         "Default silent.", enum=tuple(SCHOOLS_SCOPES), writable=True),
        "starts_on": Field("date", "When it takes effect, if not the day it is signed.", nullable=True, writable=True),
        "signed_on": Field("date", "Required once signed.", nullable=True, writable=True),
        "review_due_on": Field("date", "Required once signed; after signed_on, on or before expires_on.",
                               nullable=True, writable=True),
        "expires_on": Field("date", nullable=True, writable=True),
        "learner_time_off": Field("string", "Learners' time in general (by course type: learner_time_by_course).",
                                  enum=tuple(LEARNER_TIME), writable=True),
        "member_access_paid": _flag("Members' time to see a ULR is paid."),
        "coordinator_release_days": Field("number", "Lifelong learning co-ordinator's release, days a week "
                                                    "(0 to 5, one decimal), or null.",
                                          nullable=True, minimum=0, maximum=5, writable=True),
        "ulr_places": Field("integer", "Number of ULR places in all, or null.", nullable=True, minimum=0,
                            maximum=500, writable=True),
        "employer_signatory": _text("Who signed for the employer (required once signed).", 120),
        "union_signatory": _text("Who signed for the union (required once signed).", 120),
        "employer_signatory_role": _text("", 120),
        "union_signatory_role": _text("", 120),
        "other_unions": _text("Other unions party to the agreement, e.g. 'GMB, Unite'.", 200),
        "whole_employer": _flag("Covers the whole employer; false: only services_covered (then required)."),
        "services_covered": _text("The services or directorates covered, when not the whole employer.", 2000),
        "equal_access": _flag("Equal access for part-time, shift and term-time staff."),
        "ulr_appointment": _text("How ULRs are appointed and notified.", 2000),
        "ulr_paid_time_off": _flag("ULRs get paid time off for their duties."),
        "ulr_hours_per_month": Field("number", "Pre-scheduled ULR hours a month (0 to 200), or null.",
                                     nullable=True, minimum=0, maximum=200, writable=True),
        "ulr_ad_hoc_time": _flag("ULRs may also take time off as needed."),
        "ulr_facilities": Shaped("array", "Facilities for ULRs.", writable=True,
                                 shape={"items": {"type": "string", "enum": list(FACILITIES)}, "uniqueItems": True}),
        "member_access": _flag("Members may see a ULR in working time."),
        "partnership_group": _flag("A joint learning partnership group."),
        "partnership_employer_members": Field("integer", nullable=True, minimum=0, maximum=50, writable=True),
        "partnership_union_members": Field("integer", nullable=True, minimum=0, maximum=50, writable=True),
        "partnership_meeting_frequency": Field("string", "How often the partnership group meets.", nullable=True,
                                               enum=tuple(MEETING_FREQUENCIES), writable=True),
        "coordinator": _flag("A lifelong learning co-ordinator."),
        "learning_centre": _flag("A learning centre."),
        "learning_centre_details": _text("", 2000),
        "needs_analysis_learning_only": _flag("Joint needs analysis is used solely for learning."),
        "confidentiality": _flag("Individual needs stay confidential."),
        "not_substitute_for_bargaining": _flag("Not a substitute for collective bargaining."),
        "grievances_existing_procedures": _flag("Grievances go through existing procedures."),
        "disputes_route": _text("Where disputes go (partnership group, then the JNC...).", 2000),
        "named_schools": Shaped(
            "array", "Schools the agreement names as in or out, whatever schools_scope says generally. Schools of "
                     "the employer or of another employer the branch deals with. A PATCH replaces the whole list.",
            writable=True,
            shape={"items": {"type": "object", "additionalProperties": False, "required": ["workplace_id", "inclusion"],
                             "properties": {"workplace_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                                            "inclusion": {"type": "string", "enum": list(INCLUSIONS)}}}}),
        "ulr_places_by_service": Shaped(
            "array", "ULR places per service or directorate. A PATCH replaces the whole list.", writable=True,
            shape={"items": {"type": "object", "additionalProperties": False, "required": ["service", "places"],
                             "properties": {"service": {"type": "string", "maxLength": 120},
                                            "places": {"type": "integer", "minimum": 1, "maximum": 100}}}}),
        "learner_time_by_course": Shaped(
            "array", "Learners' time by course type (course types not listed: not stated). A PATCH replaces the "
                     "whole list.", writable=True,
            shape={"items": {"type": "object", "additionalProperties": False,
                             "required": ["course_category", "arrangement"],
                             "properties": {"course_category": {"type": "string", "enum": list(COURSE_CATEGORIES)},
                                            "arrangement": {"type": "string", "enum": list(LEARNER_TIME)}}}}),
        "schools_coverage": Shaped(
            "object", "How many schools the agreement covers (the employer's schools and any named), by the "
                      "coverage rules: covered, not covered (e.g. academies under a council agreement), unclear "
                      "(the agreement is silent).",
            shape={"properties": {k: {"type": "integer", "minimum": 0} for k in ("covered", "not_covered", "unclear")},
                   "required": ["covered", "not_covered", "unclear"]}),
        "reference": _text("The branch's own reference for the agreement: unique within the branch (422 naming the "
                           "other agreement otherwise); imports update by it.", 60),
        "clause_set": Field("string", "The clause set of the last generated document.", nullable=True, max_length=80),
        "last_activity_at": Field("datetime", "When someone last did something with it (drafts untouched for "
                                              f"{rules.STALE_DRAFT_DAYS} days get a reminder)."),
    },
    filters={
        "branch_id": Id("Only this branch's agreements."),
        "employer_id": Id("Only agreements with this employer."),
        "status": Field("string", enum=tuple(STATUSES)),
        "schools_scope": Field("string", enum=tuple(SCHOOLS_SCOPES)),
        "q": Field("string", "Search the title and the employer's name (case-insensitive, part of it).",
                   max_length=200),
    },
    description="A learning agreement between a branch and an employer. Organisers see their region's, convenors "
                "and ULRs their branch's; convenors change their own branch's, administrators any.",
))

#: model columns serialised as they are
PLAIN_FIELDS = tuple(k for k in AGREEMENTS.fields if k not in NESTED + ("schools_coverage",))


# --- answers ----------------------------------------------------------------------------

def _item(agreement: Agreement, coverage: dict[str, int]) -> dict[str, Any]:
    out = {name: plain(getattr(agreement, name)) for name in PLAIN_FIELDS}
    out["named_schools"] = [{"workplace_id": s.workplace_id, "inclusion": s.inclusion}
                            for s in sorted(agreement.named_schools, key=lambda s: s.workplace_id)]
    out["ulr_places_by_service"] = [{"service": p.service, "places": p.places} for p in agreement.ulr_places_by_service]
    out["learner_time_by_course"] = [{"course_category": t.course_category, "arrangement": t.arrangement}
                                     for t in agreement.learner_time_by_course]
    out["schools_coverage"] = coverage
    return {name: out[name] for name in AGREEMENTS.fields}


def _one(agreement: Agreement) -> dict[str, Any]:
    return _item(agreement, queries.coverage_summary(queries.coverage(agreement)))


def coverage_summaries(agreements: list[Agreement]) -> dict[int, dict[str, int]]:
    """:func:`queries.coverage_summary` of :func:`queries.coverage` for a page of agreements, in one query.

    The rule depends only on (scope, council or not, school type, named in/out), so the employers' schools
    are counted by type in SQL (not fetched one by one: 20,000 rows for a national page) and the rule is
    worked out once per distinct combination (issue 13). The named schools come in the same statement, one
    row each: a named school of the agreement's employer moves from "not named" to its inclusion; a named
    workplace of another employer (or not a school) is added."""
    if not agreements:
        return {}
    named = {a.id: {s.workplace_id: s.inclusion for s in a.named_schools} for a in agreements}
    employer_ids = {a.employer_id for a in agreements}
    extra_ids = set().union(*named.values())
    by_type = (select(Workplace.employer_id, Workplace.establishment_type, literal(None, Integer).label("id"),
                      literal("school").label("kind"), func.count().label("n"))
               .where(Workplace.employer_id.in_(employer_ids), Workplace.kind == "school")
               .group_by(Workplace.employer_id, Workplace.establishment_type))
    each_named = (select(Workplace.employer_id, Workplace.establishment_type, Workplace.id, Workplace.kind,
                         literal(1).label("n"))
                  .where(Workplace.id.in_(extra_ids)))
    counts: dict[int, Counter] = {}
    info: dict[int, tuple[int, str, Optional[str]]] = {}
    for employer_id, establishment_type, wid, kind, n in db.session.execute(union_all(by_type, each_named)):
        if wid is None:
            counts.setdefault(employer_id, Counter())[(establishment_type, None)] += int(n)
        else:
            info[wid] = (employer_id, kind, establishment_type)
    out = {}
    decided: dict[tuple, str] = {}
    for a in agreements:
        combos = Counter(counts.get(a.employer_id, Counter()))
        for wid, inclusion in named[a.id].items():
            if wid not in info:
                continue
            employer_id, kind, establishment_type = info[wid]
            if employer_id == a.employer_id and kind == "school":
                combos[(establishment_type, None)] -= 1
            combos[(establishment_type, inclusion)] += 1
        council = a.employer.kind == "local_authority"
        summary = {"covered": 0, "not_covered": 0, "unclear": 0}
        for (t, inclusion), n in combos.items():
            if n <= 0:
                continue
            key = (a.schools_scope, council, t, inclusion)
            if key not in decided:
                decided[key] = queries.coverage_bucket(rules.school_coverage(
                    schools_scope=a.schools_scope, employer_is_council=council, establishment_type=t, named=inclusion))
            summary[decided[key]] += n
        out[a.id] = summary
    return out


# --- request bodies ---------------------------------------------------------------------

def _object_list(value: list, keys: dict[str, type], errors: dict, name: str) -> list[dict]:
    """Each element an object with exactly these keys of these JSON types; problems into errors[name]."""
    out = []
    wanted = ", ".join(keys)
    for index, element in enumerate(value):
        if not isinstance(element, dict) or set(element) != set(keys):
            errors[name] = [f"Item {index + 1}: send an object with exactly {wanted}"]
            return []
        for key, kind in keys.items():
            v = element[key]
            ok = isinstance(v, kind) and not (kind is int and isinstance(v, bool))
            if ok and kind is str and "\x00" in v:
                ok = False
            if ok and kind is int and not 1 <= v <= MAX_ID:
                ok = False
            if not ok:
                errors[name] = [f"Item {index + 1}: {key} must be "
                                + ("a whole number, 1 or more" if kind is int else "text")]
                return []
        out.append(element)
    return out


def _nested(data: dict[str, Any]) -> dict[str, Any]:
    """Take the nested lists out of ``data``, checked for shape (values are the services' business)."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if "ulr_facilities" in data and not all(isinstance(v, str) for v in data["ulr_facilities"]):
        errors["ulr_facilities"] = ["Choose facilities from the list: " + ", ".join(FACILITIES)]
    if "named_schools" in data:
        items = _object_list(data.pop("named_schools"), {"workplace_id": int, "inclusion": str}, errors, "named_schools")
        if "named_schools" not in errors:
            if any(i["inclusion"] not in INCLUSIONS for i in items):
                errors["named_schools"] = ["inclusion must be in or out"]
            else:
                out["named_schools"] = items
    if "ulr_places_by_service" in data:
        items = _object_list(data.pop("ulr_places_by_service"), {"service": str, "places": int}, errors,
                             "ulr_places_by_service")
        if "ulr_places_by_service" not in errors:
            out["ulr_places_by_service"] = [(i["service"], i["places"]) for i in items]
    if "learner_time_by_course" in data:
        items = _object_list(data.pop("learner_time_by_course"), {"course_category": str, "arrangement": str}, errors,
                             "learner_time_by_course")
        if "learner_time_by_course" not in errors:
            by_course = {i["course_category"]: i["arrangement"] for i in items}
            if len(by_course) != len(items):
                errors["learner_time_by_course"] = ["Give each course type once"]
            else:
                out["learner_time_by_course"] = by_course
    if errors:
        raise ValidationFailed("Check the fields you sent", errors)
    return out


def _apply_nested(agreement: Agreement, nested: dict[str, Any]) -> None:
    if "named_schools" in nested:
        items = nested["named_schools"]
        try:
            services.set_named_schools(agreement, [i["workplace_id"] for i in items if i["inclusion"] == "in"],
                                       [i["workplace_id"] for i in items if i["inclusion"] == "out"])
        except ValidationFailed as exc:  # the pages call the field "schools"
            raise ValidationFailed(exc.message, {"named_schools" if k == "schools" else k: v
                                                 for k, v in exc.fields.items()}) from None
    if "ulr_places_by_service" in nested:
        services.set_ulr_places(agreement, nested["ulr_places_by_service"])
    if "learner_time_by_course" in nested:
        services.set_learner_time(agreement, nested["learner_time_by_course"])


def _stale_is_conflict(work) -> Any:
    """Run ``work``; a concurrent writer caught at flush time answers 409 like a stale version."""
    try:
        return work()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("This learning agreement was changed by someone else. Reload it and try again.") from None


# --- routes -----------------------------------------------------------------------------

@api_route("/agreements", "GET", summary="List learning agreements", resource=AGREEMENTS, action="list")
def list_agreements() -> Any:
    filters = query_filters(AGREEMENTS.filters)
    page, per_page = pagination()
    stmt = (queries.agreement_list(current_user, q=filters.get("q", ""), branch_id=filters.get("branch_id"),
                                   employer_id=filters.get("employer_id"), status=filters.get("status", ""),
                                   schools_scope=filters.get("schools_scope", ""))
            .order_by(None)
            .options(selectinload(Agreement.named_schools), selectinload(Agreement.ulr_places_by_service),
                     selectinload(Agreement.learner_time_by_course)))
    body = envelope(stmt, lambda a: a, page, per_page)
    coverage = coverage_summaries(body["items"])
    body["items"] = [_item(a, coverage[a.id]) for a in body["items"]]
    return body


@api_route("/agreements/<int:agreement_id>", "GET", summary="Get a learning agreement", resource=AGREEMENTS,
           action="get")
def get_agreement(agreement_id: int) -> Any:
    return _one(get_or_404(AGREEMENTS, agreement_id))


@api_route("/agreements", "POST", summary="Add a learning agreement", resource=AGREEMENTS, action="create",
           roles=EDITORS,
           description="The new agreement is a draft. Branch convenors add agreements for their own branch "
                       "(branch_id may be left out); administrators must give branch_id.")
def create_agreement() -> Any:
    data, _ = parse_body(AGREEMENTS)
    nested = _nested(data)
    if data.pop("status", "draft") != "draft":
        raise ValidationFailed("Check the agreement details", {"status": [
            "A new agreement starts as a draft: create it, then change its status"]})
    branch = branch_for_new(data.pop("branch_id", None), problem="Check the agreement details", what="add agreements",
                            only_own="You can add agreements only for your own branch")

    def work() -> Agreement:
        agreement = services.create_agreement(data, branch=branch)
        _apply_nested(agreement, nested)
        return agreement

    agreement = _stale_is_conflict(work)
    return _one(agreement), 201


@api_route("/agreements/<int:agreement_id>", "PATCH", summary="Change a learning agreement", resource=AGREEMENTS,
           action="update", roles=EDITORS,
           description="Branch convenors change their own branch's agreements; administrators any. The fields "
                       "change first, then named_schools, ulr_places_by_service and learner_time_by_course, then "
                       "the status, all or nothing: so one PATCH can record the signatures and mark it signed.")
def update_agreement(agreement_id: int) -> Any:
    agreement = get_or_404(AGREEMENTS, agreement_id)
    if not queries.can_edit(current_user, agreement):
        raise NotAllowed("You can change only your own branch's learning agreements.")
    data, version = parse_body(AGREEMENTS, path_id=agreement_id, versioned=True)
    if version is None:  # parse_body(versioned=True) refuses this already; never update blind
        raise ValidationFailed("version is required", {"version": ["version is required"]})
    nested = _nested(data)
    if data.get("branch_id", agreement.branch_id) != agreement.branch_id:
        raise ValidationFailed("Check the agreement details",
                               {"branch_id": ["An agreement cannot move to another branch"]})
    data.pop("branch_id", None)
    status = data.pop("status", None)

    def work() -> None:
        services.update_agreement(agreement, data, version=version)  # checks the version first
        _apply_nested(agreement, nested)
        if status is not None:
            services.change_status(agreement, status)

    _stale_is_conflict(work)
    return _one(agreement)

