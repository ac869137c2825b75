"""API: regions, branches, employers and workplaces, through the same queries and services as the pages."""
from __future__ import annotations

from typing import Any

from flask_login import current_user

from ..api.common import (
    Field, Id, Resource, api_route, change, get_or_404, list_response, parse_body, resource,
)
from ..core.errors import NotAllowed, ValidationFailed
from ..core.permissions import ADMIN, BRANCH_CONVENOR
from . import queries, services
from .models import EMPLOYER_KINDS, WORKPLACE_KINDS, Branch, Employer, Region, Workplace

EDITORS = (ADMIN, BRANCH_CONVENOR)
SEARCH = Field("string", "Search by name (case-insensitive, part of the name).", max_length=200)

REGIONS = resource(Resource(
    name="regions", title="Region", label="region", model=Region,
    fields={
        "id": Id(),
        "name": Field("string", max_length=80),
        "code": Field("string", "A stable code, like greater_london.", max_length=40),
        "ons_code": Field("string", "ONS region code (E12...), English regions only.", nullable=True, max_length=9),
    },
    filters={"q": SEARCH},
    description="A union region. Organisers see their own region; convenors and ULRs their branch's.",
))

BRANCHES = resource(Resource(
    name="branches", title="Branch", label="branch", model=Branch,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1),
        "name": Field("string", max_length=120, writable=True, required=True),
        "region_id": Id("The region (regions.id).", writable=True, required=True),
        "address": Field("string", "The branch's postal address as printed on its letters, one line per line "
                         "(at most 8 lines of 100 characters).", nullable=True, max_length=500, writable=True),
        "phone": Field("string", "The branch's phone number for replies to its letters.", nullable=True, max_length=40,
                       writable=True),
        "email": Field("string", "The branch's e-mail address for replies to its letters.", nullable=True,
                       max_length=254, writable=True),
    },
    filters={"region_id": Id("Only branches in this region."), "q": SEARCH},
    description="A union branch. Its contact details (address, phone, e-mail) are printed on its letters; "
                "through the API only administrators change a branch (its convenor can on the branch page).",
))

EMPLOYERS = resource(Resource(
    name="employers", title="Employer", label="employer", model=Employer,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1),
        "name": Field("string", max_length=200, writable=True, required=True),
        "kind": Field("string", enum=tuple(EMPLOYER_KINDS), writable=True, required=True),
        "la_code": Field("string", "DfE 3-digit local authority code, like 302.", nullable=True, max_length=3,
                         writable=True),
        "region_id": Id("The region (regions.id). Required from administrators; a branch convenor's new "
                        "employer is in their branch's region, and only administrators can change it.",
                        writable=True),
    },
    filters={
        "kind": Field("string", enum=tuple(EMPLOYER_KINDS)),
        "region_id": Id("Only employers in this region."),
        "branch_id": Id("Only employers this branch deals with."),
        "q": Field("string", "Search by name, or an exact DfE LA code.", max_length=200),
    },
    description="An employer a branch deals with. A branch convenor's new employer is linked to their branch.",
))

WORKPLACES = resource(Resource(
    name="workplaces", title="Workplace", label="workplace", model=Workplace,
    fields={
        "id": Id(),
        "version": Field("integer", "Goes up by one on each change; send it back on PATCH.", minimum=1),
        "employer_id": Id("The employer (employers.id).", writable=True, required=True),
        "name": Field("string", max_length=200, writable=True, required=True),
        "kind": Field("string", enum=tuple(WORKPLACE_KINDS), writable=True, required=True),
        "urn": Field("integer", "Schools: the 6-digit DfE unique reference number (required for schools).",
                     nullable=True, writable=True),
        "establishment_type": Field("string", "GIAS TypeOfEstablishment name.", nullable=True, max_length=120,
                                    writable=True),
        "establishment_type_group": Field("string", "GIAS EstablishmentTypeGroup name.", nullable=True, max_length=120),
        "establishment_status": Field("string", "GIAS EstablishmentStatus name.", nullable=True, max_length=60),
        "phase": Field("string", "GIAS PhaseOfEducation name.", nullable=True, max_length=60, writable=True),
        "la_code": Field("string", "DfE LA code of the school (from GIAS).", nullable=True, max_length=3),
        "service": Field("string", "Council services: the service or directorate (required for services).",
                         nullable=True, max_length=120, writable=True),
        "town": Field("string", nullable=True, max_length=120, writable=True),
        "postcode": Field("string", nullable=True, max_length=10, writable=True),
        "contact_name": Field("string", "The head teacher's or manager's name: letters to the workplace are addressed "
                              "to them (\"Dear <name>\").", nullable=True, max_length=120, writable=True),
        "contact_role": Field("string", "Their job title, like Head teacher.", nullable=True, max_length=120,
                              writable=True),
    },
    filters={
        "employer_id": Id("Only this employer's workplaces."),
        "kind": Field("string", enum=tuple(WORKPLACE_KINDS)),
        "phase": Field("string", "GIAS PhaseOfEducation name, exactly.", max_length=60),
        "q": Field("string", "Search by name, postcode or URN.", max_length=200),
    },
))


# --- regions ----------------------------------------------------------------------------

@api_route("/regions", "GET", summary="List regions", resource=REGIONS, action="list")
def list_regions() -> Any:
    return list_response(REGIONS, lambda f: queries.regions(current_user, f.get("q", "")))


@api_route("/regions/<int:region_id>", "GET", summary="Get a region", resource=REGIONS, action="get")
def get_region(region_id: int) -> Any:
    return REGIONS.item(get_or_404(REGIONS, region_id))


# --- branches ---------------------------------------------------------------------------

@api_route("/branches", "GET", summary="List branches", resource=BRANCHES, action="list")
def list_branches() -> Any:
    return list_response(BRANCHES, lambda f: queries.branches(current_user, f.get("q", ""), f.get("region_id")))


@api_route("/branches/<int:branch_id>", "GET", summary="Get a branch", resource=BRANCHES, action="get")
def get_branch(branch_id: int) -> Any:
    return BRANCHES.item(get_or_404(BRANCHES, branch_id))


@api_route("/branches", "POST", summary="Add a branch", resource=BRANCHES, action="create", roles=(ADMIN,))
def create_branch() -> Any:
    data, _ = parse_body(BRANCHES)
    branch = services.create_branch(data)
    services.update_branch_contact(branch, {k: v for k, v in data.items() if k in services.BRANCH_CONTACT_FIELDS})
    return BRANCHES.item(branch), 201


@api_route("/branches/<int:branch_id>", "PATCH", summary="Change a branch", resource=BRANCHES, action="update",
           roles=(ADMIN,))
def update_branch(branch_id: int) -> Any:
    branch = get_or_404(BRANCHES, branch_id)
    data, version = parse_body(BRANCHES, path_id=branch_id, versioned=True)
    change(services.update_branch, branch, data, version)  # checks the version once, for both parts
    services.update_branch_contact(branch, {k: v for k, v in data.items() if k in services.BRANCH_CONTACT_FIELDS})
    return BRANCHES.item(branch)


# --- employers --------------------------------------------------------------------------

@api_route("/employers", "GET", summary="List employers", resource=EMPLOYERS, action="list")
def list_employers() -> Any:
    return list_response(EMPLOYERS, lambda f: queries.employers(
        current_user, f.get("q", ""), f.get("kind", ""), region_id=f.get("region_id"), branch_id=f.get("branch_id")))


@api_route("/employers/<int:employer_id>", "GET", summary="Get an employer", resource=EMPLOYERS, action="get")
def get_employer(employer_id: int) -> Any:
    return EMPLOYERS.item(get_or_404(EMPLOYERS, employer_id))


@api_route("/employers", "POST", summary="Add an employer", resource=EMPLOYERS, action="create", roles=EDITORS,
           description="A branch convenor's new employer is in their branch's region and linked to their branch.")
def create_employer() -> Any:
    data, _ = parse_body(EMPLOYERS)
    branch = None
    if current_user.role == BRANCH_CONVENOR:
        branch = current_user.branch
        if branch is None:
            raise NotAllowed("You do not belong to a branch, so you cannot add employers.")
        if data.get("region_id") not in (None, branch.region_id):
            raise ValidationFailed("Check the employer details",
                                   {"region_id": ["Your branch's new employers are in your branch's region"]})
        data["region_id"] = branch.region_id
    return EMPLOYERS.item(services.create_employer(data, branch=branch)), 201


@api_route("/employers/<int:employer_id>", "PATCH", summary="Change an employer", resource=EMPLOYERS,
           action="update", roles=EDITORS,
           description="Branch convenors can change their own branch's employers, but not move them to another region.")
def update_employer(employer_id: int) -> Any:
    employer = get_or_404(EMPLOYERS, employer_id)
    if not queries.can_edit_employer(current_user, employer):
        raise NotAllowed("You can change only the employers your branch deals with.")
    data, version = parse_body(EMPLOYERS, path_id=employer_id, versioned=True)
    if current_user.role != ADMIN and "region_id" in data:
        if data["region_id"] != employer.region_id:
            raise NotAllowed("Only an administrator can move an employer to another region.",
                             {"region_id": ["Only an administrator can change this"]})
        data.pop("region_id")
    change(services.update_employer, employer, data, version)
    return EMPLOYERS.item(employer)


# --- workplaces -------------------------------------------------------------------------

def _check_employer_allowed(data: dict) -> None:
    """Convenors add and move workplaces only among their branch's employers (as on the pages)."""
    allowed = queries.editable_employer_ids(current_user)
    if allowed is not None and data.get("employer_id") is not None and data["employer_id"] not in allowed:
        raise ValidationFailed("Check the workplace details", {"employer_id": ["Choose one of your branch's employers"]})


@api_route("/workplaces", "GET", summary="List workplaces", resource=WORKPLACES, action="list")
def list_workplaces() -> Any:
    return list_response(WORKPLACES, lambda f: queries.workplaces(
        current_user, f.get("q", ""), f.get("kind", ""), employer_id=f.get("employer_id"), phase=f.get("phase", "")))


@api_route("/workplaces/<int:workplace_id>", "GET", summary="Get a workplace", resource=WORKPLACES, action="get")
def get_workplace(workplace_id: int) -> Any:
    return WORKPLACES.item(get_or_404(WORKPLACES, workplace_id))


@api_route("/workplaces", "POST", summary="Add a workplace", resource=WORKPLACES, action="create", roles=EDITORS,
           description="Branch convenors add workplaces only to their own branch's employers.")
def create_workplace() -> Any:
    data, _ = parse_body(WORKPLACES)
    _check_employer_allowed(data)
    return WORKPLACES.item(services.create_workplace(data)), 201


@api_route("/workplaces/<int:workplace_id>", "PATCH", summary="Change a workplace", resource=WORKPLACES,
           action="update", roles=EDITORS,
           description="Branch convenors change only their own branch's employers' workplaces.")
def update_workplace(workplace_id: int) -> Any:
    workplace = get_or_404(WORKPLACES, workplace_id)
    if not queries.can_edit_employer(current_user, workplace.employer):
        raise NotAllowed("You can change only the workplaces of the employers your branch deals with.")
    data, version = parse_body(WORKPLACES, path_id=workplace_id, versioned=True)
    _check_employer_allowed(data)
    change(services.update_workplace, workplace, data, version)
    return WORKPLACES.item(workplace)
