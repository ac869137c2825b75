"""Regions, branches, employers and workplaces: lists with search and pagination, details, edits."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core.forms import form_page, posted_version
from ..core.listexport import requested_format
from ..core.pagination import paginate
from ..core.permissions import ADMIN, BRANCH_CONVENOR, get_visible_or_404, roles_required, visible
from ..core.validation import db_id
from ..extensions import db
from . import list_exports, queries, services
from .forms import BranchContactForm, BranchForm, EmployerForm, WorkplaceForm
from .models import EMPLOYER_KINDS, WORKPLACE_KINDS, Branch, Employer, Region, Workplace

bp = Blueprint("organisation", __name__)


_page = paginate


def _form_page(form, save, *, title: str, back: str, version=None):
    return form_page(form, save, "organisation/form.html", title=title, back=back, version=version)



def _region_choices():
    return [("", "Choose a region")] + [(r.id, r.name) for r in db.session.scalars(visible(select(Region), current_user).order_by(Region.name))]


def _employer_choices():
    stmt = queries.employers(current_user)
    allowed = queries.editable_employer_ids(current_user)
    rows = [e for e in db.session.scalars(stmt) if allowed is None or e.id in allowed]
    return [("", "Choose an employer")] + [(e.id, e.name) for e in rows]


# --- regions ----------------------------------------------------------------------------

@bp.route("/regions")
def regions():
    q = request.args.get("q", "").strip()
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.regions(fmt, queries.regions(current_user, q), {"q": q})
    page = _page(queries.regions(current_user, q))
    return render_template("organisation/regions.html", page=page, q=q)


@bp.route("/regions/<int:region_id>")
def region(region_id: int):
    region = get_visible_or_404(db.session, Region, region_id, current_user)
    branches = db.session.scalars(queries.branches(current_user, region_id=region.id)).all()
    return render_template("organisation/region.html", region=region, branches=branches,
                           summary=queries.region_summary(region.id))


# --- branches ---------------------------------------------------------------------------

@bp.route("/branches")
def branches():
    q = request.args.get("q", "").strip()
    region_id = request.args.get("region_id", type=db_id)
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        return list_exports.branches(fmt, queries.branches(current_user, q, region_id), {"q": q, "region_id": region_id})
    page = _page(queries.branches(current_user, q, region_id))
    return render_template("organisation/branches.html", page=page, q=q)


@bp.route("/branches/<int:branch_id>")
def branch(branch_id: int):
    branch = get_visible_or_404(db.session, Branch, branch_id, current_user)
    employers = db.session.scalars(queries.employers(current_user, branch_id=branch.id)).all()
    return render_template("organisation/branch.html", branch=branch, employers=employers,
                           counts=queries.counts_by_employer([e.id for e in employers]),
                           can_edit_contact=current_user.role in (ADMIN, BRANCH_CONVENOR))


@bp.route("/branches/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_branch():
    form = BranchForm()
    form.region_id.choices = _region_choices()

    def save():
        branch = services.create_branch(form.data_for("name", "region_id"))
        flash(f"Branch {branch.name} added.", "success")
        return url_for(".branch", branch_id=branch.id)

    return _form_page(form, save, title="Add a branch", back=url_for(".branches"))


@bp.route("/branches/<int:branch_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit_branch(branch_id: int):
    branch = get_visible_or_404(db.session, Branch, branch_id, current_user)
    form = BranchForm(obj=branch)
    form.region_id.choices = _region_choices()

    def save():
        services.update_branch(branch, form.data_for("name", "region_id"), version=posted_version())
        flash("Branch saved.", "success")
        return url_for(".branch", branch_id=branch.id)

    return _form_page(form, save, title=f"Change {branch.name}", back=url_for(".branch", branch_id=branch.id),
                      version=branch.version)


@bp.route("/branches/<int:branch_id>/contact-details", methods=["GET", "POST"])
@roles_required(ADMIN, BRANCH_CONVENOR)
def edit_branch_contact(branch_id: int):
    """The address, phone and e-mail printed on the branch's letters (its convenor's or an administrator's)."""
    branch = get_visible_or_404(db.session, Branch, branch_id, current_user)
    form = BranchContactForm(obj=branch)

    def save():
        services.update_branch_contact(branch, form.data_for("address", "phone", "email"), version=posted_version())
        flash("Contact details saved. The branch's letters will show them.", "success")
        return url_for(".branch", branch_id=branch.id) + "#contact-details"

    return _form_page(form, save, title=f"Contact details of {branch.name} branch",
                      back=url_for(".branch", branch_id=branch.id), version=branch.version)


# --- employers --------------------------------------------------------------------------

@bp.route("/employers")
def employers():
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        kind = kind if kind in EMPLOYER_KINDS else ""
        return list_exports.employers(fmt, queries.employers(current_user, q, kind), {"q": q, "kind": kind})
    page = _page(queries.employers(current_user, q, kind if kind in EMPLOYER_KINDS else ""))
    return render_template("organisation/employers.html", page=page, q=q, kind=kind, kinds=EMPLOYER_KINDS,
                           counts=queries.counts_by_employer([e.id for e in page.items]),
                           can_add=current_user.role in (ADMIN, BRANCH_CONVENOR))


@bp.route("/employers/<int:employer_id>")
def employer(employer_id: int):
    employer = get_visible_or_404(db.session, Employer, employer_id, current_user)
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    page = _page(queries.workplaces(current_user, q, kind if kind in WORKPLACE_KINDS else "", employer_id=employer.id))
    return render_template("organisation/employer.html", employer=employer, page=page, q=q, kind=kind,
                           kinds=WORKPLACE_KINDS, counts=queries.counts_by_employer([employer.id]).get(employer.id, {}),
                           can_edit=queries.can_edit_employer(current_user, employer))


@bp.route("/employers/new", methods=["GET", "POST"])
@roles_required(ADMIN, BRANCH_CONVENOR)
def new_employer():
    form = EmployerForm()
    form.region_id.choices = _region_choices()
    if request.method == "GET" and current_user.region_id:
        form.region_id.data = current_user.region_id

    def save():
        branch = current_user.branch if current_user.role == BRANCH_CONVENOR else None
        data = form.data_for("name", "kind", "la_code", "region_id")
        if branch is not None:
            data["region_id"] = branch.region_id  # a convenor's employer is in their branch's region
        employer = services.create_employer(data, branch=branch)
        flash(f"Employer {employer.name} added.", "success")
        return url_for(".employer", employer_id=employer.id)

    return _form_page(form, save, title="Add an employer", back=url_for(".employers"))


@bp.route("/employers/<int:employer_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN, BRANCH_CONVENOR)
def edit_employer(employer_id: int):
    employer = get_visible_or_404(db.session, Employer, employer_id, current_user)
    if not queries.can_edit_employer(current_user, employer):
        abort(403)
    form = EmployerForm(obj=employer)
    form.region_id.choices = _region_choices()

    def save():
        data = form.data_for("name", "kind", "la_code", "region_id")
        if current_user.role != ADMIN:
            data.pop("region_id")
        services.update_employer(employer, data, version=posted_version())
        flash("Employer saved.", "success")
        return url_for(".employer", employer_id=employer.id)

    return _form_page(form, save, title=f"Change {employer.name}", back=url_for(".employer", employer_id=employer.id),
                      version=employer.version)


# --- workplaces -------------------------------------------------------------------------

@bp.route("/workplaces")
def workplaces():
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    employer_id = request.args.get("employer_id", type=db_id)
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        kind = kind if kind in WORKPLACE_KINDS else ""
        return list_exports.workplaces(fmt, queries.workplaces(current_user, q, kind, employer_id=employer_id),
                                       {"q": q, "kind": kind, "employer_id": employer_id})
    page = _page(queries.workplaces(current_user, q, kind if kind in WORKPLACE_KINDS else "", employer_id=employer_id))
    return render_template("organisation/workplaces.html", page=page, q=q, kind=kind, kinds=WORKPLACE_KINDS,
                           can_add=current_user.role in (ADMIN, BRANCH_CONVENOR))


#: how many suggestions a search box gets (the user types more to narrow them)
SEARCH_LIMIT = 20


@bp.route("/workplaces/search.json")
def search_workplaces():
    """Suggestions for a workplace box as the user types: at most :data:`SEARCH_LIMIT` workplaces the
    user can see whose name or postcode holds ``q`` (2 characters or more), by name. One query, served
    by the trigram indexes on PostgreSQL, whatever the number of workplaces."""
    q = request.args.get("q", "").strip()[:120]
    found = db.session.execute(queries.workplaces(current_user, q).with_only_columns(
        Workplace.id, Workplace.name, Workplace.postcode).limit(SEARCH_LIMIT)).all() if len(q) >= 2 else []
    return jsonify(results=[{"id": i, "name": name, "postcode": postcode} for i, name, postcode in found])


@bp.route("/employers/search.json")
def search_employers():
    """Suggestions for an employer box as the user types: at most :data:`SEARCH_LIMIT` employers the user
    can see whose name holds ``q`` (2 characters or more), by name. One query, whatever the number."""
    q = request.args.get("q", "").strip()[:120]
    found = db.session.execute(queries.employers(current_user, q).with_only_columns(Employer.id, Employer.name)
                               .limit(SEARCH_LIMIT)).all() if len(q) >= 2 else []
    return jsonify(results=[{"id": i, "name": name} for i, name in found])


@bp.route("/workplaces/<int:workplace_id>")
def workplace(workplace_id: int):
    workplace = get_visible_or_404(db.session, Workplace, workplace_id, current_user)
    return render_template("organisation/workplace.html", workplace=workplace,
                           can_edit=queries.can_edit_employer(current_user, workplace.employer))


def _may_use_employer(form: WorkplaceForm) -> bool:
    allowed = queries.editable_employer_ids(current_user)
    if allowed is not None and form.employer_id.data not in allowed:
        form.employer_id.errors = ["Choose one of your branch's employers"]
        return False
    return True


def _workplace_data(form: WorkplaceForm) -> dict:
    return form.data_for("employer_id", "name", "kind", "urn", "establishment_type", "phase", "service", "town", "postcode",
                         "contact_name", "contact_role")


@bp.route("/workplaces/new", methods=["GET", "POST"])
@roles_required(ADMIN, BRANCH_CONVENOR)
def new_workplace():
    form = WorkplaceForm()
    form.employer_id.choices = _employer_choices()
    if request.method == "GET":
        form.employer_id.data = request.args.get("employer_id", type=db_id)

    def save():
        if not _may_use_employer(form):
            return None
        workplace = services.create_workplace(_workplace_data(form))
        flash(f"Workplace {workplace.name} added.", "success")
        return url_for(".workplace", workplace_id=workplace.id)

    return _form_page(form, save, title="Add a workplace", back=url_for(".workplaces"))


@bp.route("/workplaces/<int:workplace_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN, BRANCH_CONVENOR)
def edit_workplace(workplace_id: int):
    workplace = get_visible_or_404(db.session, Workplace, workplace_id, current_user)
    if not queries.can_edit_employer(current_user, workplace.employer):
        abort(403)
    form = WorkplaceForm(obj=workplace)
    form.employer_id.choices = _employer_choices()

    def save():
        if not _may_use_employer(form):
            return None
        services.update_workplace(workplace, _workplace_data(form), version=posted_version())
        flash("Workplace saved.", "success")
        return url_for(".workplace", workplace_id=workplace.id)

    return _form_page(form, save, title=f"Change {workplace.name}", back=url_for(".workplace", workplace_id=workplace.id),
                      version=workplace.version)


@bp.app_context_processor
def _kinds():
    return {"EMPLOYER_KINDS": EMPLOYER_KINDS, "WORKPLACE_KINDS": WORKPLACE_KINDS}
