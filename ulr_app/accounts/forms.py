from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput, GovPasswordInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput,
)
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..core.forms import Form, optional_int
from .models import EMAIL_REMINDERS, ROLES


class LoginForm(Form):
    email = StringField("E-mail address", widget=GovTextInput(),
                        validators=[DataRequired(message="Enter your e-mail address"), Length(max=254)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[DataRequired(message="Enter your password"), Length(max=256)])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[DataRequired(message="Enter your current password")])
    new_password = PasswordField("New password", widget=GovPasswordInput(),
                                 validators=[DataRequired(message="Enter a new password")])
    submit = SubmitField("Change password", widget=GovSubmitInput())


class TokenForm(Form):
    name = StringField("Token name", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter a name for the token, like 'branch spreadsheet'"),
                                   Length(max=80, message="Token name must be 80 characters or fewer")])
    submit = SubmitField("Create token", widget=GovSubmitInput())


class ConfirmForm(Form):
    """A button that changes something: CSRF-protected, nothing else."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class UserForm(Form):
    name = StringField("Full name", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter the person's name"),
                                   Length(max=120, message="Name must be 120 characters or fewer")])
    email = StringField("E-mail address", widget=GovTextInput(),
                        validators=[DataRequired(message="Enter an e-mail address"),
                                    Email(message="Enter an e-mail address in the correct format, like name@example.org"),
                                    Length(max=254)])
    role = SelectField("Role", widget=GovSelect(), choices=[("", "Choose a role")] + list(ROLES.items()),
                       validators=[DataRequired(message="Choose a role")])
    region_id = SelectField("Region (regional organisers)", widget=GovSelect(), coerce=optional_int,
                            validators=[Optional()], validate_choice=False)
    branch_id = SelectField("Branch (convenors and ULRs)", widget=GovSelect(), coerce=optional_int,
                            validators=[Optional()], validate_choice=False)
    active = BooleanField("Can sign in", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save user", widget=GovSubmitInput())


class CodeForm(Form):
    """The second step of signing in, and the first code when setting up."""

    code = StringField("Code", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter the 6-digit code from your authenticator app"),
                                   Length(max=40, message="Enter the 6-digit code from your authenticator app, "
                                                          "or one of your recovery codes")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmIdentityForm(Form):
    """Proof it is still the user before a change to their e-mail, password or second factor."""

    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[DataRequired(message="Enter your password"), Length(max=256)])
    code = StringField("Code from your authenticator app", widget=GovTextInput(),
                       validators=[Optional(), Length(max=40, message="Enter the 6-digit code from your authenticator app")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EmailForm(Form):
    email = StringField("New e-mail address", widget=GovTextInput(),
                        validators=[DataRequired(message="Enter your new e-mail address"),
                                    Email(message="Enter an e-mail address in the correct format, like name@example.org"),
                                    Length(max=254, message="E-mail address must be 254 characters or fewer")])
    submit = SubmitField("Change e-mail address", widget=GovSubmitInput())


class EmailRemindersForm(Form):
    """The profile's choice of reminder e-mails."""

    email_reminders = RadioField("Do you want reminder e-mails?", choices=list(EMAIL_REMINDERS.items()),
                                 widget=GovRadioInput(), validate_choice=False,  # the service says what is wrong
                                 validators=[DataRequired(message="Choose whether you want a daily reminder e-mail")])
    submit = SubmitField("Save choice", widget=GovSubmitInput())
