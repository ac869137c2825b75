"""Forms for programmes, projects and the profile upload. They parse what was typed (UK dates like
31 3 2026 become ISO, blanks become None); the services decide what is valid, with one wording for the
pages and the API. The profile grids are plain tables of inputs read in the views."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField

from ..core.forms import DATE_HINT, Form, date_hint, date_input, iso_date_text
from .models import MEASURES

YES_NO = [("yes", "Yes"), ("no", "No")]


def uk(d: Optional[date]) -> str:
    """A date as it is typed into the forms: 31 3 2026."""
    return date_input(d)


def _text(value: Any) -> Optional[str]:
    return (value or "").strip() or None


def _id(value: Any) -> Any:
    """A chosen record id as sent ('' -> None); the service says what is wrong with anything else."""
    value = (value or "").strip() if isinstance(value, str) else value
    if value in (None, ""):
        return None
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else value


class ProgrammeForm(Form):
    name = StringField("Name", widget=GovTextInput(), description="For example, Wales Union Learning Fund")
    code = StringField("Code", widget=GovTextInput(),
                       description="A short name for imports and the API: lowercase letters, digits and underscores, "
                                   "like wales_ulf", render_kw={"spellcheck": "false", "autocomplete": "off"})
    measures = SelectMultipleField("What does the funder count?", choices=list(MEASURES.items()),
                                   widget=GovCheckboxesInput(), validate_choice=False,
                                   description="Choose at least one. Each project sets a target for each of them per quarter")
    variance_threshold = StringField("Variance threshold (per cent)", widget=GovTextInput(),
                                     description="A quarterly return whose actual is further than this from the target "
                                                 "needs a written explanation. Usually 20",
                                     render_kw={"inputmode": "decimal", "spellcheck": "false"})
    description = TextAreaField("Description (optional)", widget=GovTextArea())
    active = RadioField("Can new projects use it?", choices=YES_NO, widget=GovRadioInput(), validate_choice=False,
                        description="Answer no to keep it for its projects' history but not offer it for new ones")
    submit = SubmitField("Save programme", widget=GovSubmitInput())

    def programme_data(self) -> dict[str, Any]:
        return {"name": _text(self.name.data), "code": (_text(self.code.data) or "").lower() or None,
                "measures": list(self.measures.data or []),
                "variance_threshold": _text(self.variance_threshold.data),
                "description": _text(self.description.data),
                "active": {"yes": True, "no": False}.get(self.active.data)}

    @classmethod
    def initial(cls, p) -> dict[str, Any]:
        return {"name": p.name, "code": p.code, "measures": list(p.measures or []),
                "variance_threshold": f"{p.variance_threshold.normalize():f}" if p.variance_threshold is not None else "",
                "description": p.description or "", "active": "yes" if p.active else "no"}


class ProjectForm(Form):
    programme_id = SelectField("Programme", widget=GovSelect(), validate_choice=False, choices=[])
    name = StringField("Project name", widget=GovTextInput(), description="For example, Skills for Life in Barnet schools")
    region_id = SelectField("Region", widget=GovSelect(), validate_choice=False, choices=[])
    branch_id = SelectField("Branch", widget=GovSelect(), validate_choice=False, choices=[],
                            description="Choose the whole region if the project covers every branch in it")
    starts_on = StringField("Start date", widget=GovTextInput(), description=DATE_HINT,
                            render_kw={"spellcheck": "false", "autocomplete": "off"})
    ends_on = StringField("End date", widget=GovTextInput(),
                          description=date_hint("After the start date. The project's quarters run from the start "
                                                        "to the end."), render_kw={"spellcheck": "false", "autocomplete": "off"})
    budget = StringField("Budget in pounds (optional)", widget=GovTextInput(), description="For example, 25000.00",
                         render_kw={"inputmode": "decimal", "spellcheck": "false"})
    lead_organiser_id = SelectField("Lead organiser (optional)", widget=GovSelect(), validate_choice=False, choices=[],
                                    description="A regional organiser of the project's region")
    notes = TextAreaField("Notes (optional)", widget=GovTextArea())
    submit = SubmitField("Save project", widget=GovSubmitInput())

    def project_data(self, *, with_region: bool) -> dict[str, Any]:
        data = {"programme_id": _id(self.programme_id.data), "name": _text(self.name.data),
                "branch_id": _id(self.branch_id.data),
                "starts_on": iso_date_text(self.starts_on.data or "") or None,
                "ends_on": iso_date_text(self.ends_on.data or "") or None,
                "budget": _text(self.budget.data), "lead_organiser_id": _id(self.lead_organiser_id.data),
                "notes": _text(self.notes.data)}
        if with_region:
            data["region_id"] = _id(self.region_id.data)
        return data

    @classmethod
    def initial(cls, p) -> dict[str, Any]:
        return {"programme_id": str(p.programme_id), "name": p.name, "region_id": str(p.region_id),
                "branch_id": str(p.branch_id or ""), "starts_on": uk(p.starts_on), "ends_on": uk(p.ends_on),
                "budget": f"{p.budget:.2f}" if p.budget is not None else "",
                "lead_organiser_id": str(p.lead_organiser_id or ""), "notes": p.notes or ""}


class UploadTargetsForm(Form):
    file = FileField("CSV file of targets", widget=GovFileInput(),
                     description="Columns period, measure and target, one row per quarter and measure. Start from the "
                                 "template. Nothing is saved if any row has a problem")
    reason = TextAreaField("Why is the profile changing?", widget=GovTextArea(),
                           description="Needed once the project's first quarter has started")
    submit = SubmitField("Upload targets", widget=GovSubmitInput())


class ButtonForm(Form):
    """A form that is only a button (and its CSRF token)."""

    submit = SubmitField("Delete", widget=GovSubmitInput())
