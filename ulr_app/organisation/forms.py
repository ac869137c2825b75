from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..core.forms import Form, optional_int
from .models import EMPLOYER_KINDS, WORKPLACE_KINDS


class BranchForm(Form):
    name = StringField("Branch name", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter the branch name"),
                                   Length(max=120, message="Branch name must be 120 characters or fewer")])
    region_id = SelectField("Region", widget=GovSelect(), coerce=optional_int, validate_choice=False,
                            validators=[DataRequired(message="Choose the region")])
    submit = SubmitField("Save branch", widget=GovSubmitInput())


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
    submit = SubmitField("Save workplace", widget=GovSubmitInput())
