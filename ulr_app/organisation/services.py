"""The only code that changes branches, employers and workplaces. Flushes; never commits."""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from sqlalchemy import func, select

from ..core import audit, hooks
from ..core import validation as v
from ..core.errors import Conflict, ValidationFailed
from ..extensions import db
from .models import EMPLOYER_KINDS, WORKPLACE_KINDS, Branch, Employer, Region, Workplace

BRANCH_FIELDS = ("name", "region_id")
#: what the branch's letters print at the top: changed by the branch's convenor or an administrator
BRANCH_CONTACT_FIELDS = ("address", "phone", "email")
EMPLOYER_FIELDS = ("name", "kind", "la_code", "region_id")
WORKPLACE_FIELDS = (
    "employer_id", "name", "kind", "urn", "establishment_type", "establishment_type_group",
    "establishment_status", "phase", "la_code", "town", "postcode", "service", "contact_name", "contact_role",
)
LA_CODE = re.compile(r"^\d{3}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")
ADDRESS_LINES = 8


def check_version(obj: Any, version: Optional[int]) -> None:
    if version is not None and int(version) != obj.version:
        raise Conflict(f"This {obj.__label__} was changed by someone else. Reload it and try again.")


def _text(data: dict, errors: dict, field: str, label: str, max_len: int, required: bool) -> None:
    """Clean a text field in place (the shared rules are in core.validation)."""
    if field in data:
        data[field] = v.text(data, errors, field, label, max_len, required=required)


def _id(data: dict, errors: dict, field: str, model: type, message: str, required: bool = True) -> None:
    """Clean a reference in place: a whole number naming an existing ``model`` row."""
    if field not in data:
        return
    value = v.ident(data, errors, field, message, required=required)
    if value is not None and db.session.get(model, value) is None:
        errors[field] = [message]
    data[field] = value


# --- branches ---------------------------------------------------------------------------

def _validate_branch(data: Mapping[str, Any], existing: Optional[Branch] = None) -> dict:
    clean, errors = dict(data), {}
    _text(clean, errors, "name", "the branch name", 120, True)
    _id(clean, errors, "region_id", Region, "Choose the region")
    if not errors and clean.get("name"):
        region_id = clean.get("region_id", existing.region_id if existing else None)
        q = select(Branch.id).where(func.lower(Branch.name) == clean["name"].lower(), Branch.region_id == region_id)
        if existing is not None:
            q = q.where(Branch.id != existing.id)
        if db.session.scalar(q) is not None:
            errors["name"] = ["A branch with this name already exists in the region"]
    if errors:
        raise ValidationFailed("Check the branch details", errors)
    return clean


def create_branch(data: Mapping[str, Any]) -> Branch:
    clean = _validate_branch({"name": data.get("name"), "region_id": data.get("region_id")})
    branch = Branch(name=clean["name"], region_id=clean["region_id"])
    db.session.add(branch)
    db.session.flush()
    audit.record(db.session, "create", branch, summary=f"Created branch {branch.name}",
                 changes=audit.snapshot(branch, BRANCH_FIELDS))
    return branch


def update_branch(branch: Branch, data: Mapping[str, Any], version: Optional[int] = None) -> dict:
    check_version(branch, version)
    clean = _validate_branch({k: v for k, v in data.items() if k in BRANCH_FIELDS}, branch)
    changes = audit.apply_changes(branch, clean, BRANCH_FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", branch, summary=f"Changed branch {branch.name}", changes=changes)
        if "region_id" in changes:  # its people move with it (each change audited where it is made)
            hooks.call_all("organisation.branch_moved", branch)
    return changes


def _validate_branch_contact(data: Mapping[str, Any]) -> dict:
    clean, errors = dict(data), {}
    if "address" in clean:
        address = clean["address"]
        _text(clean, errors, "address", "the branch's address", 500, False)
        if "address" not in errors and clean["address"]:
            lines = [" ".join(line.split()) for line in clean["address"].splitlines()]
            lines = [line for line in lines if line]
            if len(lines) > ADDRESS_LINES:
                errors["address"] = [f"Address must be {ADDRESS_LINES} lines or fewer"]
            elif any(len(line) > 100 for line in lines):
                errors["address"] = ["Each line of the address must be 100 characters or fewer"]
            clean["address"] = "\n".join(lines) or None
        elif "address" in errors:
            clean["address"] = address
    if "phone" in clean:
        _text(clean, errors, "phone", "the branch's phone number", 40, False)
        if "phone" not in errors and clean["phone"] and not PHONE.match(clean["phone"]):
            errors["phone"] = ["Enter a phone number, like 020 7121 5555 or +44 20 7121 5555"]
    if "email" in clean:
        _text(clean, errors, "email", "the branch's e-mail address", 254, False)
        if "email" not in errors and clean["email"] and not EMAIL.match(clean["email"]):
            errors["email"] = ["Enter an e-mail address in the correct format, like learning@unison-branch.org.uk"]
    if errors:
        raise ValidationFailed("Check the branch's contact details", errors)
    return clean


def update_branch_contact(branch: Branch, data: Mapping[str, Any], version: Optional[int] = None) -> dict:
    """Change the address, phone and e-mail printed on the branch's letters. Flushes."""
    check_version(branch, version)
    clean = _validate_branch_contact({k: v for k, v in data.items() if k in BRANCH_CONTACT_FIELDS})
    changes = audit.apply_changes(branch, clean, BRANCH_CONTACT_FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", branch, summary=f"Changed the contact details of branch {branch.name}",
                     changes=changes)
    return changes


# --- employers --------------------------------------------------------------------------

def _validate_employer(data: Mapping[str, Any]) -> dict:
    clean, errors = dict(data), {}
    _text(clean, errors, "name", "the employer's name", 200, True)
    if "kind" in clean and clean["kind"] not in EMPLOYER_KINDS:
        errors["kind"] = ["Choose what kind of employer this is"]
    if "la_code" in clean:
        code = (str(clean["la_code"]).strip() if clean["la_code"] is not None else "")
        if code and not LA_CODE.match(code):
            errors["la_code"] = ["DfE LA code must be 3 digits, like 302"]
        clean["la_code"] = code or None
    _id(clean, errors, "region_id", Region, "Choose the region")
    if errors:
        raise ValidationFailed("Check the employer details", errors)
    return clean


def create_employer(data: Mapping[str, Any], *, branch: Optional[Branch] = None) -> Employer:
    fields = {k: data.get(k) for k in EMPLOYER_FIELDS}
    if branch is not None and not fields.get("region_id"):
        fields["region_id"] = branch.region_id
    clean = _validate_employer(fields)
    employer = Employer(**clean)
    if branch is not None:
        employer.branches.append(branch)
    db.session.add(employer)
    db.session.flush()
    audit.record(db.session, "create", employer, summary=f"Created employer {employer.name}",
                 changes=audit.snapshot(employer, EMPLOYER_FIELDS))
    return employer


def update_employer(employer: Employer, data: Mapping[str, Any], version: Optional[int] = None) -> dict:
    check_version(employer, version)
    clean = _validate_employer({k: v for k, v in data.items() if k in EMPLOYER_FIELDS})
    changes = audit.apply_changes(employer, clean, EMPLOYER_FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", employer, summary=f"Changed employer {employer.name}", changes=changes)
    return changes


def link_branch(employer: Employer, branch: Branch) -> bool:
    if branch in employer.branches:
        return False
    employer.branches.append(branch)
    db.session.flush()
    audit.record(db.session, "update", employer, summary=f"Branch {branch.name} now deals with {employer.name}",
                 changes={"branches": ([], [branch.id])})
    return True


# --- workplaces -------------------------------------------------------------------------

def validate_workplace(data: Mapping[str, Any], existing: Optional[Workplace] = None, *, check_urn_unique=True) -> dict:
    clean, errors = dict(data), {}
    _text(clean, errors, "name", "the workplace name", 200, True)
    for field, label, n in (("establishment_type", "the establishment type", 120),
                            ("establishment_type_group", "the establishment type group", 120),
                            ("establishment_status", "the establishment status", 60),
                            ("phase", "the phase of education", 60), ("town", "the town", 120),
                            ("postcode", "the postcode", 10), ("service", "the service or directorate", 120),
                            ("contact_name", "the name of the head teacher or manager", 120),
                            ("contact_role", "their job title", 120)):
        _text(clean, errors, field, label, n, False)
    if "kind" in clean and clean["kind"] not in WORKPLACE_KINDS:
        errors["kind"] = ["Choose whether this is a school, a council service or another site"]
    _id(clean, errors, "employer_id", Employer, "Choose the employer")
    if "la_code" in clean:
        code = str(clean["la_code"]).strip() if clean["la_code"] not in (None, "") else ""
        if code and not LA_CODE.match(code):
            errors["la_code"] = ["LA code must be 3 digits, like 302"]
        clean["la_code"] = code or None
    kind = clean.get("kind", existing.kind if existing else None)
    if "urn" in clean:
        urn = clean["urn"]
        if urn in (None, ""):
            clean["urn"] = None
        else:
            try:
                clean["urn"] = int(str(urn).strip())
                if not 100000 <= clean["urn"] <= 999999:
                    raise ValueError
            except (TypeError, ValueError):
                errors["urn"] = ["URN must be the school's 6-digit DfE unique reference number"]
    urn = clean.get("urn", existing.urn if existing else None)
    if kind == "school" and not urn and "urn" not in errors:
        errors["urn"] = ["Enter the school's URN (6 digits, from Get Information about Schools)"]
    if kind == "service" and not clean.get("service", existing.service if existing else None) and "service" not in errors:
        errors["service"] = ["Enter the service or directorate, like 'Housing' or 'Children's services'"]
    if check_urn_unique and urn and "urn" not in errors:
        q = select(Workplace.id).where(Workplace.urn == urn)
        if existing is not None:
            q = q.where(Workplace.id != existing.id)
        if db.session.scalar(q) is not None:
            errors["urn"] = ["A school with this URN is already recorded"]
    if errors:
        raise ValidationFailed("Check the workplace details", errors)
    return clean


def create_workplace(data: Mapping[str, Any]) -> Workplace:
    clean = validate_workplace({k: data.get(k) for k in WORKPLACE_FIELDS})
    workplace = Workplace(**clean)
    db.session.add(workplace)
    db.session.flush()
    audit.record(db.session, "create", workplace, summary=f"Created workplace {workplace.name}",
                 changes=audit.snapshot(workplace, WORKPLACE_FIELDS))
    return workplace


def update_workplace(workplace: Workplace, data: Mapping[str, Any], version: Optional[int] = None) -> dict:
    check_version(workplace, version)
    clean = validate_workplace({k: v for k, v in data.items() if k in WORKPLACE_FIELDS}, workplace)
    changes = audit.apply_changes(workplace, clean, WORKPLACE_FIELDS)
    if changes:
        db.session.flush()
        audit.record(db.session, "update", workplace, summary=f"Changed workplace {workplace.name}", changes=changes)
    return changes
