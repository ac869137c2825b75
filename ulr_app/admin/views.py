"""Administrators: users (create, edit, disable, reset password) and the audit log."""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts import queries as account_queries
from ..accounts import services as account_services
from ..accounts import two_factor
from ..accounts.forms import ConfirmForm, UserForm
from ..accounts.models import ROLES, User
from ..core.audit_models import AuditEntry
from ..core.errors import ServiceError
from ..core.listexport import requested_format
from ..core.pagination import paginate
from ..core.permissions import ADMIN, get_visible_or_404, roles_required
from ..core.validation import DATE_EXAMPLE, DATE_HINT, db_id, parse_date
from ..extensions import db
from . import list_exports
from ..organisation.models import Branch, Region

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


def _day(value: str, end: bool = False):
    """A day typed the house way ('31 3 2026', '31 March 2026'); older links' ISO dates still work."""
    d = parse_date(value)
    if d is None:
        return None
    return datetime.combine(d, time.max if end else time.min, tzinfo=timezone.utc)


@bp.route("/audit")
@roles_required(ADMIN)
def audit_log():
    args = request.args
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    errors = {}
    if args.get("actor"):
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{args['actor'].strip()}%"))
    if args.get("action"):
        stmt = stmt.where(AuditEntry.action == args["action"])
    if args.get("object_type"):
        stmt = stmt.where(AuditEntry.object_type == args["object_type"])
    if args.get("object_id", type=db_id):
        stmt = stmt.where(AuditEntry.object_id == args.get("object_id", type=db_id))
    for name, end in (("from", False), ("to", True)):
        if args.get(name):
            moment = _day(args[name], end)
            if moment is None:
                errors[name] = f"Enter a real date, like {DATE_EXAMPLE}"
            else:
                stmt = stmt.where(AuditEntry.at >= moment if not end else AuditEntry.at <= moment)
    page = paginate(stmt, max_per_page=200)
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    types = db.session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    return render_template("admin/audit.html", page=page, args=args, errors=errors, actions=actions, types=types,
                           date_hint=DATE_HINT)
