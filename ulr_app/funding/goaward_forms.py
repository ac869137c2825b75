"""Forms for the Go Award standards and evidence. They parse what was sent; ``goaward`` decides
what is valid (one wording for every page)."""
from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, SubmitField, TextAreaField

from ..core.forms import Form
from .models import STANDARD_STATUSES


class StandardForm(Form):
    status = RadioField("Status", widget=GovRadioInput(), choices=list(STANDARD_STATUSES.items()),
                        validate_choice=False)
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(),
                          description="What has been done towards this standard, and what is still to do")
    submit = SubmitField("Save", widget=GovSubmitInput())


class DocumentForm(Form):
    document = FileField("Document", widget=GovFileInput())
    title = StringField("Title (optional)", widget=GovTextInput(),
                        description="What the document is, for example ‘Council Skills for Life strategy 2026’. "
                                    "Leave it empty to use the file name")
    submit = SubmitField("Upload document", widget=GovSubmitInput())


class LinkForm(Form):
    record = RadioField("Record", widget=GovRadioInput(), validate_choice=False)
    title = StringField("Title (optional)", widget=GovTextInput(),
                        description="Leave it empty to use the record’s name")
    submit = SubmitField("Add the link", widget=GovSubmitInput())


class RemoveForm(Form):
    submit = SubmitField("Yes, remove it", widget=GovSubmitInput())
