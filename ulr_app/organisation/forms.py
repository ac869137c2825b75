"""Forms for regions, branches, employers and workplaces, and the branch picker every domain's pages
use when an administrator adds a record that belongs to a branch."""
from __future__ import annotations

import typing as t

from flask import abort, render_template, request
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from sqlalchemy import select
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.forms import Form, optional_int
from ..core.permissions import ADMIN, get_visible_or_404, visible
from ..core.validation import db_id
from ..extensions import db
from .models import EMPLOYER_KINDS, WORKPLACE_KINDS, Branch


class BranchForm(Form):
    name = StringField("Branch name", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter the branch name"),
                                   Length(max=120, message="Branch name must be 120 characters or fewer")])
    region_id = SelectField("Region", widget=GovSelect(), coerce=optional_int, validate_choice=False,
                            validators=[DataRequired(message="Choose the region")])
    submit = SubmitField("Save branch", widget=GovSubmitInput())


class BranchContactForm(Form):
    """The branch's address and contact details, printed at the top of its letters to employers."""
    address = TextAreaField("Postal address", widget=GovTextArea(),
                            description="Put each line of the address on its own line, ending with the postcode.",
                            render_kw={"autocomplete": "street-address", "rows": 5},
                            validators=[Optional(), Length(max=500, message="Address must be 500 characters or fewer")])
    phone = StringField("Phone number", widget=GovTextInput(), description="For employers to reply to the branch's letters.",
                        render_kw={"autocomplete": "tel", "type": "tel", "spellcheck": "false"},
                        validators=[Optional(), Length(max=40, message="Phone number must be 40 characters or fewer")])
    email = StringField("E-mail address", widget=GovTextInput(), render_kw={"autocomplete": "email", "type": "email", "spellcheck": "false"},
                        validators=[Optional(), Length(max=254, message="E-mail address must be 254 characters or fewer")])
    submit = SubmitField("Save contact details", widget=GovSubmitInput())


class EmployerForm(Form):
    name = StringField("Employer name", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter the employer's name"),
                                   Length(max=200, message="Employer name must be 200 characters or fewer")])
    kind = SelectField("Kind of employer", widget=GovSelect(),
                       choices=[("", "Choose a kind")] + list(EMPLOYER_KINDS.items()),
                       validators=[DataRequired(message="Choose what kind of employer this is")])
    la_code = StringField("DfE LA code (councils only, 3 digits)", widget=GovTextInput(),
                          validators=[Optional(), Length(max=3, message="DfE LA code must be 3 digits, like 302")])
    region_id = SelectField("Region", widget=GovSelect(), coerce=optional_int, validate_choice=False,
                            validators=[DataRequired(message="Choose the region")])
    submit = SubmitField("Save employer", widget=GovSubmitInput())


class WorkplaceForm(Form):
    employer_id = SelectField("Employer", widget=GovSelect(), coerce=optional_int, validate_choice=False,
                              validators=[DataRequired(message="Choose the employer")])
    name = StringField("Workplace name", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter the workplace name"),
                                   Length(max=200, message="Workplace name must be 200 characters or fewer")])
    kind = SelectField("Kind of workplace", widget=GovSelect(),
                       choices=[("", "Choose a kind")] + list(WORKPLACE_KINDS.items()),
                       validators=[DataRequired(message="Choose whether this is a school, a council service or another site")])
    urn = StringField("URN (schools only)", widget=GovTextInput(), validators=[Optional()])
    establishment_type = StringField("Type of school (as in GIAS)", widget=GovTextInput(), validators=[Optional(), Length(max=120)])
    phase = StringField("Phase of education", widget=GovTextInput(), validators=[Optional(), Length(max=60)])
    service = StringField("Service or directorate (council services)", widget=GovTextInput(), validators=[Optional(), Length(max=120)])
    town = StringField("Town", widget=GovTextInput(), validators=[Optional(), Length(max=120)])
    postcode = StringField("Postcode", widget=GovTextInput(), validators=[Optional(), Length(max=10)])
    contact_name = StringField("Name of the head teacher or manager", widget=GovTextInput(),
                               description="Letters to this workplace are addressed to them, like Ms Priya Shah.",
                               render_kw={"autocomplete": "off", "spellcheck": "false"},
                               validators=[Optional(), Length(max=120, message="Name must be 120 characters or fewer")])
    contact_role = StringField("Their job title", widget=GovTextInput(), description="Like Head teacher or Service manager.",
                               validators=[Optional(), Length(max=120, message="Job title must be 120 characters or fewer")])
    submit = SubmitField("Save workplace", widget=GovSubmitInput())


# --- the branch a new record is for (every domain's pages) ---------------------------------

def branch_for_new():
    """The branch a new record is for: the user's own (403 without one); for an administrator the
    ``?branch_id=`` one (404 if there is none such), or None when they are still to choose it."""
    if current_user.role != ADMIN:
        if current_user.branch_id is None:
            abort(403)
        return current_user.branch
    branch_id = request.args.get("branch_id", type=db_id)
    if branch_id is None:
        return None
    return get_visible_or_404(db.session, Branch, branch_id, current_user)


def choose_branch_page(*, title: str, heading: str, label: str, error: str, back: str, hint: str = "",
                       action: t.Optional[str] = None, keep: t.Optional[t.Mapping[str, t.Any]] = None):
    """An administrator's first step on a page that needs a branch (adding a learner, a ULR, a
    case, a time-off request): a GET form to choose it, carrying ``keep`` along. Once a choice was
    sent and the caller still has no branch it can use, it answers 400 with ``error``."""
    branches = db.session.scalars(visible(select(Branch), current_user).order_by(Branch.name)).all()
    asked = "branch_id" in request.args or request.method == "POST"
    return render_template("_choose_branch.html", title=title, heading=heading, label=label, hint=hint, error=error,
                           back=back, action=action, keep=keep or {}, branches=branches, asked=asked), \
        (400 if asked else 200)
