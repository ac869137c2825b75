"""Forms for imports: the upload (what to import, and the file) and the confirmation."""
from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from ..core.forms import Form
from .rules import KINDS, MAX_BYTES


class UploadForm(Form):
    kind = RadioField("What does the file hold?", choices=list(KINDS.items()), widget=GovRadioInput(),
                      validate_choice=False, validators=[InputRequired(message="Choose what the file holds")])
    file = FileField("The file", widget=GovFileInput(),
                     description=f"A CSV or XLSX file made from the template, smaller than {MAX_BYTES // (1024 * 1024)} MB")
    submit = SubmitField("Upload and check", widget=GovSubmitInput())

    def validate_kind(self, field) -> None:
        from wtforms.validators import ValidationError

        if field.data not in KINDS:
            raise ValidationError("Choose what the file holds")


class ConfirmForm(Form):
    submit = SubmitField("Import these rows", widget=GovSubmitInput())
