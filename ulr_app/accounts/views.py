"""Signing in and out, and each user's own profile (password, API tokens)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..core import audit
from ..core.errors import ValidationFailed
from ..extensions import db, limiter
from ..core.permissions import public
from . import queries, services, sessions
from .forms import ChangePasswordForm, ConfirmForm, LoginForm, TokenForm
from .models import ApiToken

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


def _login_limit_address() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _login_limit_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    # only attempts that did not sign in count against the limits
    return response.status_code != 302


def throttled_login_page():
    form = LoginForm()
    form.form_errors.append(
        "Too many sign-in attempts. Wait 10 minutes, then try again. "
        "If you have forgotten your password, ask your branch or an administrator to reset it."
    )
    return render_template("accounts/login.html", form=form), 429


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit_address, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit_account, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append("The e-mail address or password is not correct")
            form.password.data = ""
            return render_template("accounts/login.html", form=form), 200
        sessions.start(user)
        audit.record(db.session, "sign_in", user, summary=f"{user.email} signed in")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.route("/sign-out", methods=["POST"])
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    audit.record(db.session, "sign_out", current_user._get_current_object(), summary=f"{current_user.email} signed out")
    sessions.end("signed_out")
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/profile")
def profile():
    return render_template(
        "accounts/profile.html",
        password_form=ChangePasswordForm(),
        token_form=TokenForm(),
        confirm_form=ConfirmForm(),
        tokens=queries.tokens_of(current_user),
        new_token=None,
    )


@bp.route("/profile/password", methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user._get_current_object(), form.current_password.data, form.new_password.data,
                                         keep_session=g.get("user_session"))
        except ValidationFailed as exc:
            form.show_service_error(exc)
        else:
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", password_form=form, token_form=TokenForm(),
                           confirm_form=ConfirmForm(), tokens=queries.tokens_of(current_user), new_token=None), 400


@bp.route("/profile/tokens", methods=["POST"])
def create_token():
    form = TokenForm()
    new_secret = None
    if form.validate_on_submit():
        try:
            _token, new_secret = services.create_token(current_user._get_current_object(), form.name.data)
        except ValidationFailed as exc:
            form.show_service_error(exc)
    status = 200 if new_secret else 400
    return render_template("accounts/profile.html", password_form=ChangePasswordForm(), token_form=TokenForm() if new_secret else form,
                           confirm_form=ConfirmForm(), tokens=queries.tokens_of(current_user), new_token=new_secret), status


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    form = ConfirmForm()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    services.revoke_token(token)
    flash(f"The token '{token.name}' has been revoked.", "success")
    return redirect(url_for("accounts.profile"))
