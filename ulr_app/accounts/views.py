"""Signing in (password, then a code for those with two-factor sign-in) and out, and each user's
own profile (e-mail, password, second factor, API tokens)."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..core import audit
from ..core.errors import ValidationFailed
from ..core.permissions import public
from ..extensions import db
from . import queries, services, sessions, throttle, two_factor
from .forms import (
    ChangePasswordForm, CodeForm, ConfirmForm, ConfirmIdentityForm, EmailForm, EmailRemindersForm, LoginForm, TokenForm,
)
from .models import ApiToken, User
from .passwords import verify_password

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


def throttled_login_page():
    form = LoginForm()
    form.form_errors.append(
        "Too many sign-in attempts. Wait 10 minutes, then try again. "
        "If you have forgotten your password, ask your branch or an administrator to reset it."
    )
    return render_template("accounts/login.html", form=form), 429


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        # only a wrong password counts against the limits (throttle.py); an error or an outage
        # raises before anything is counted
        limits = throttle.rules_for(request.remote_addr, services.normalise_email(form.email.data))
        if throttle.locked(limits):
            return throttled_login_page()
        user, wrong_password = services.check_sign_in(form.email.data, form.password.data)
        if user is None:
            if wrong_password and throttle.record_failure(limits):
                return throttled_login_page()
            form.form_errors.append("The e-mail address or password is not correct")
            form.password.data = ""
            return render_template("accounts/login.html", form=form), 200
        if throttle.locked(limits):  # wrong passwords sent at the same moment used up the limit first
            return throttled_login_page()
        if user.has_two_factor:
            # the password was right; the code comes next (nobody is signed in until it does)
            services.record_sign_in(user, form.password.data, signed_in=False)
            session.clear()
            session[PENDING] = {"user_id": user.id, "at": time.time(), "next": _safe_next(request.args.get("next"))}
            return redirect(url_for("accounts.sign_in_code"))
        services.record_sign_in(user, form.password.data)
        sessions.start(user)
        sessions.mark_confirmed()
        audit.record(db.session, "sign_in", user, summary=f"{user.email} signed in")
        if two_factor.required_for(user):
            flash("Your role must sign in with a code from an authenticator app as well as your password. "
                  "Set it up now to carry on.", "info")
            return redirect(url_for("accounts.two_factor_setup"))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


#: the flask-session key of a sign-in whose password was right and whose code is still to come
PENDING = "two_factor_pending"
#: how long the code step waits after the password, in seconds
PENDING_SECONDS = 300
#: the flask-session key of a secret being set up (shown as a QR code, not yet confirmed)
NEW_SECRET = "totp_new_secret"
#: pages open to a signed-in user whose role needs a second factor they have not set up yet
SETUP_OPEN = frozenset({"accounts.two_factor_page", "accounts.two_factor_setup", "accounts.confirm_identity",
                        "accounts.logout", "static"})


def _pending_user() -> tuple[User | None, dict]:
    data = session.get(PENDING)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None, {}
    user = db.session.get(User, data.get("user_id"))
    if user is None or not user.active or not user.has_two_factor:
        session.pop(PENDING, None)
        return None, {}
    return user, data


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def sign_in_code():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user, data = _pending_user()
    if user is None:
        return render_template("accounts/sign_in_code.html", form=None)
    form = CodeForm()
    if form.validate_on_submit():
        # a wrong code counts against the same limits as a wrong password
        limits = throttle.rules_for(request.remote_addr, user.email)
        if throttle.locked(limits):
            session.pop(PENDING, None)
            return throttled_login_page()
        how = two_factor.check_second_factor(user, form.code.data)
        if how is None:
            audit.record(db.session, "sign_in_failed", None, object_type="user_account", object_id=user.id,
                         summary=f"Wrong two-factor code for {user.email}")
            if throttle.record_failure(limits):
                session.pop(PENDING, None)
                return throttled_login_page()
            form.show_service_error(ValidationFailed("Check the code", {"code": [
                "The code is not correct. Enter the newest 6-digit code from your authenticator app, "
                "or one of your recovery codes"]}))
            form.code.data = ""
            return render_template("accounts/sign_in_code.html", form=form)
        services.record_sign_in(user, None)
        sessions.start(user)
        sessions.mark_confirmed()
        audit.record(db.session, "sign_in", user, summary=f"{user.email} signed in with a {how}")
        if how == "recovery code":
            left = two_factor.recovery_codes_left(user)
            flash(f"You signed in with a recovery code. You have {left} left. If you have lost your phone, "
                  "set up two-factor sign-in again on your account page.", "info")
        return redirect(_safe_next(data.get("next")))
    return render_template("accounts/sign_in_code.html", form=form), 400 if form.errors else 200


@bp.before_app_request
def require_two_factor_setup():
    """A signed-in user whose role needs a second factor they have not set up sees only the set-up
    pages (and can sign out) until they have done it. The API is not affected (tokens are separate)."""
    if request.path.startswith("/api/") or request.endpoint is None or request.endpoint in SETUP_OPEN:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False) or not current_user.is_authenticated:
        return None
    if current_user.has_two_factor or not two_factor.required_for(current_user):
        return None
    return redirect(url_for("accounts.two_factor_setup"))


def _needs_confirmation(next_url: str):
    """None when the user recently proved who they are; otherwise the redirect to do it."""
    if sessions.recently_confirmed():
        return None
    flash("Confirm it is you before changing your sign-in details.", "info")
    return redirect(url_for("accounts.confirm_identity", next=next_url))


@bp.route("/profile/confirm", methods=["GET", "POST"])
def confirm_identity():
    """Password (and code, when set up) again, before changing e-mail, password or second factor."""
    user = current_user._get_current_object()
    form = ConfirmIdentityForm()
    if form.validate_on_submit():
        limits = throttle.rules_for(request.remote_addr, user.email)
        if throttle.locked(limits):
            form.form_errors.append("Too many attempts. Wait 10 minutes, then try again.")
            return render_template("accounts/confirm_identity.html", form=form), 429
        problem = None
        if not verify_password(user.password_hash, form.password.data or ""):
            problem = ("password", "Your password is not correct")
        elif user.has_two_factor and not (form.code.data or "").strip():
            problem = ("code", "Enter the 6-digit code from your authenticator app")
        elif user.has_two_factor and two_factor.check_second_factor(user, form.code.data) is None:
            problem = ("code", "The code is not correct. Enter the newest 6-digit code from your authenticator app")
        if problem is None:
            sessions.mark_confirmed()
            return redirect(_safe_next(request.args.get("next") or url_for("accounts.profile")))
        if throttle.record_failure(limits):
            form.form_errors.append("Too many attempts. Wait 10 minutes, then try again.")
            return render_template("accounts/confirm_identity.html", form=form), 429
        form.show_service_error(ValidationFailed("Check what you entered", {problem[0]: [problem[1]]}))
        form.code.data = ""
    return render_template("accounts/confirm_identity.html", form=form), 400 if form.errors or form.form_errors else 200


@bp.route("/sign-out", methods=["POST"])
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    audit.record(db.session, "sign_out", current_user._get_current_object(), summary=f"{current_user.email} signed out")
    sessions.end("signed_out")
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.login"))


def _profile(status: int = 200, **forms):
    return render_template(
        "accounts/profile.html",
        password_form=forms.get("password_form") or ChangePasswordForm(),
        token_form=forms.get("token_form") or TokenForm(),
        email_form=forms.get("email_form") or EmailForm(),
        reminders_form=forms.get("reminders_form") or EmailRemindersForm(
            data={"email_reminders": current_user.email_reminders}),
        confirm_form=ConfirmForm(),
        tokens=queries.tokens_of(current_user),
        new_token=forms.get("new_token"),
        now=services.utcnow(),
    ), status


@bp.route("/profile")
def profile():
    return _profile()


@bp.route("/profile/email", methods=["POST"])
def change_email():
    refused = _needs_confirmation(url_for("accounts.profile", _anchor="email"))
    if refused:
        return refused
    form = EmailForm()
    if form.validate_on_submit():
        try:
            services.change_own_email(current_user._get_current_object(), form.email.data)
        except ValidationFailed as exc:
            form.show_service_error(exc)
        else:
            flash(f"Your e-mail address is now {current_user.email}. Use it to sign in.", "success")
            return redirect(url_for("accounts.profile"))
    return _profile(400, email_form=form)


@bp.route("/profile/email-reminders", methods=["POST"])
def change_email_reminders():
    form = EmailRemindersForm()
    if form.validate_on_submit():
        try:
            services.set_email_reminders(current_user._get_current_object(), form.email_reminders.data)
        except ValidationFailed as exc:
            form.show_service_error(exc)
        else:
            flash("You will get a reminder e-mail on days when something needs doing."
                  if form.email_reminders.data == "digest" else "You will get no reminder e-mails.", "success")
            return redirect(url_for("accounts.profile", _anchor="email-reminders"))
    return _profile(400, reminders_form=form)


@bp.route("/profile/password", methods=["POST"])
def change_password():
    refused = _needs_confirmation(url_for("accounts.profile", _anchor="password"))
    if refused:
        return refused
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
    return _profile(400, password_form=form)


@bp.route("/profile/tokens", methods=["POST"])
def create_token():
    form = TokenForm()
    new_secret = None
    if form.validate_on_submit():
        try:
            _token, new_secret = services.create_token(current_user._get_current_object(), form.name.data)
        except ValidationFailed as exc:
            form.show_service_error(exc)
    return _profile(200 if new_secret else 400, token_form=None if new_secret else form, new_token=new_secret)


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


# --- two-factor sign-in on the profile -----------------------------------------------------

@bp.route("/profile/two-factor")
def two_factor_page():
    user = current_user._get_current_object()
    return render_template("accounts/two_factor.html", user=user, required=two_factor.required_for(user),
                           codes_left=two_factor.recovery_codes_left(user) if user.has_two_factor else 0,
                           confirm_form=ConfirmForm())


@bp.route("/profile/two-factor/set-up", methods=["GET", "POST"])
def two_factor_setup():
    """A QR code (and the key as text) for the authenticator app, confirmed with its first code."""
    refused = _needs_confirmation(url_for("accounts.two_factor_setup"))
    if refused:
        return refused
    user = current_user._get_current_object()
    secret = session.get(NEW_SECRET)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[NEW_SECRET] = two_factor.new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, secret, form.code.data, keep_session=g.get("user_session"))
        except ValidationFailed as exc:
            form.show_service_error(exc)
            form.code.data = ""
        else:
            session.pop(NEW_SECRET, None)
            return render_template("accounts/recovery_codes.html", codes=codes, first_time=True)
    uri = two_factor.provisioning_uri(secret, user.email)
    return render_template("accounts/two_factor_setup.html", form=form, qr_svg=two_factor.qr_svg(uri),
                           secret=two_factor.format_secret(secret), again=user.has_two_factor,
                           required=two_factor.required_for(user)), 400 if form.errors else 200


@bp.route("/profile/two-factor/recovery-codes", methods=["POST"])
def new_recovery_codes():
    refused = _needs_confirmation(url_for("accounts.two_factor_page"))
    if refused:
        return refused
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        codes = two_factor.regenerate_recovery_codes(current_user._get_current_object())
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(url_for("accounts.two_factor_page"))
    return render_template("accounts/recovery_codes.html", codes=codes, first_time=False)


@bp.route("/profile/two-factor/turn-off", methods=["POST"])
def turn_off_two_factor():
    refused = _needs_confirmation(url_for("accounts.two_factor_page"))
    if refused:
        return refused
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        two_factor.turn_off(current_user._get_current_object(), keep_session=g.get("user_session"))
    except ValidationFailed as exc:
        flash(exc.message + ". " + exc.fields["two_factor"][0] + ".", "error")
    else:
        flash("Two-factor sign-in is off. You sign in with your password only.", "success")
    return redirect(url_for("accounts.two_factor_page"))
