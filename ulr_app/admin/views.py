"""Administrators: users (create, edit, disable, reset password) and the audit log."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts import queries as account_queries
from ..accounts import services as account_services
from ..accounts import two_factor
from ..accounts.forms import ConfirmForm, UserForm
from ..accounts.models import ROLES, User
from ..core import audit, csvio
from ..core.errors import ServiceError
from ..core.listexport import requested_format
from ..core.pagination import paginate
from ..core.permissions import ADMIN, get_visible_or_404, roles_required
from ..core.validation import DATE_HINT
from ..extensions import db
from . import list_exports
from ..organisation.models import Branch, Region
from . import audit_log as audit_log_queries

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _scope_choices(form: UserForm) -> None:
    form.region_id.choices = [("", "Not a regional organiser")] + [
        (r.id, r.name) for r in db.session.scalars(select(Region).order_by(Region.name))]
    form.branch_id.choices = [("", "Not a convenor or ULR")] + [
        (b.id, f"{b.name} ({b.region.name})") for b in db.session.scalars(select(Branch).join(Region).order_by(Branch.name))]


@bp.route("/users")
@roles_required(ADMIN)
def users():
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    active = request.args.get("active", "")
    if (fmt := requested_format()) is not None:  # Download CSV / XLSX: every row, not a page
        role, active = (role if role in ROLES else ""), (active if active in ("yes", "no") else "")
        return list_exports.users(fmt, account_queries.user_list(current_user, q=q, role=role, active=active),
                                  {"q": q, "role": role, "active": active})
    page = paginate(account_queries.user_list(current_user, q=q, role=role if role in ROLES else "", active=active))
    return render_template("admin/users.html", page=page, q=q, role=role, active=active, roles=ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_user():
    form = UserForm()
    _scope_choices(form)
    if form.validate_on_submit():
        password = account_services.generate_password()
        try:
            user = account_services.create_user(form.data_for("name", "email", "role", "region_id", "branch_id", "active"),
                                                password=password)
        except ServiceError as exc:
            form.show_service_error(exc)
        else:
            return render_template("admin/password_shown.html", user=user, password=password, created=True)
    return render_template("admin/user_form.html", form=form, title="Add a user"), 400 if form.errors else 200


@bp.route("/users/<int:user_id>")
@roles_required(ADMIN)
def user(user_id: int):
    user = get_visible_or_404(db.session, User, user_id, current_user)
    return render_template("admin/user.html", user=user, confirm_form=ConfirmForm())


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit_user(user_id: int):
    user = get_visible_or_404(db.session, User, user_id, current_user)
    form = UserForm(obj=user)
    _scope_choices(form)
    if form.validate_on_submit():
        try:
            account_services.update_user(user, form.data_for("name", "email", "role", "region_id", "branch_id", "active"),
                                         version=request.form.get("version", type=int), actor=current_user)
        except ServiceError as exc:
            if exc.status == 409:
                raise
            form.show_service_error(exc)
        else:
            flash(f"Saved {user.name}.", "success")
            return redirect(url_for(".user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, title=f"Change {user.name}", user=user,
                           version=user.version), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/disable", methods=["GET", "POST"])
@roles_required(ADMIN)
def disable_user(user_id: int):
    user = get_visible_or_404(db.session, User, user_id, current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            account_services.update_user(user, {"active": not user.active}, actor=current_user)
        except ServiceError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".user", user_id=user.id))
        flash(f"{user.name} {'can sign in again' if user.active else 'can no longer sign in and has been signed out'}.", "success")
        return redirect(url_for(".user", user_id=user.id))
    return render_template("admin/confirm.html", form=form, user=user,
                           title=f"{'Enable' if not user.active else 'Disable'} {user.name}?",
                           message=("They will be signed out at once, their API tokens will stop working, and they will not be able to sign in."
                                    if user.active else "They will be able to sign in again with their current password."),
                           button="Disable user" if user.active else "Enable user")


@bp.route("/users/<int:user_id>/reset-password", methods=["GET", "POST"])
@roles_required(ADMIN)
def reset_password(user_id: int):
    user = get_visible_or_404(db.session, User, user_id, current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        password = account_services.generate_password()
        account_services.set_password(user, password, reason="reset by an administrator")
        return render_template("admin/password_shown.html", user=user, password=password, created=False)
    return render_template("admin/confirm.html", form=form, user=user, title=f"Reset the password of {user.name}?",
                           message="A new password will be made and shown to you once. They will be signed out everywhere.",
                           button="Reset password")


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["GET", "POST"])
@roles_required(ADMIN)
def reset_two_factor(user_id: int):
    """A lost phone: the user's second factor and recovery codes go, and they are signed out everywhere."""
    user = get_visible_or_404(db.session, User, user_id, current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        if user.has_two_factor:
            two_factor.reset(user, actor=current_user._get_current_object())
            flash(f"Two-factor sign-in of {user.name} has been reset. They have been signed out"
                  + (" and will set it up again when they next sign in." if two_factor.required_for(user) else "."),
                  "success")
        else:
            flash(f"{user.name} does not use two-factor sign-in: nothing to reset.", "info")
        return redirect(url_for(".user", user_id=user.id))
    return render_template("admin/confirm.html", form=form, user=user,
                           title=f"Reset the two-factor sign-in of {user.name}?",
                           message="Do this when they have lost their phone and their recovery codes. Their authenticator "
                                   "app and recovery codes will stop working and they will be signed out everywhere. "
                                   + ("Their role needs two-factor sign-in, so they will set it up again when they next sign in."
                                      if two_factor.required_for(user) else "They can set it up again from their account page."),
                           button="Reset two-factor sign-in")


@bp.route("/audit")
@roles_required(ADMIN)
def audit_log():
    """Who did (or saw, or exported) what: filters by person, user, action, record and dates. A filter
    typed wrong is shown with its message and left out (the page still answers)."""
    return _audit_page(audit_log_queries.parse_filters(request.args))


def _audit_page(f, status: int = 200):
    page = paginate(audit_log_queries.entries(f), max_per_page=200)
    actions = [(a, audit_log_queries.action_label(a)) for a in audit_log_queries.known_actions()]
    return render_template("admin/audit.html", page=page, args=request.args, errors=f.errors, actions=actions,
                           types=audit_log_queries.known_types(), date_hint=DATE_HINT, csv_args=f.query_args(),
                           action_label=audit_log_queries.action_label), status


@bp.route("/audit.csv")
@roles_required(ADMIN)
def audit_log_csv():
    """The filtered entries as a CSV file (formulas neutralised); the download is itself audited."""
    f = audit_log_queries.parse_filters(request.args)
    if f.errors:  # no file of something else than what was asked for: the page, with the messages
        return _audit_page(f, 400)
    rows = list(audit_log_queries.csv_rows(f))
    filename = csvio.safe_filename("audit-log", date.today().isoformat())
    shown = ", ".join(f"{k} {v}" for k, v in f.query_args().items()) or "no filters"
    audit.record_export(db.session, f"{len(rows)} audit log entries ({shown})", fmt="csv", filename=filename,
                        object_type="audit_entry")
    return csvio.csv_response(filename, audit_log_queries.CSV_HEADER, rows)
