"""The survey's A4 poster for the staff room: the title, a few plain words, the QR code (drawn here by segno
as inline SVG: nothing is fetched) and the short link written out, for people who cannot scan."""
from __future__ import annotations

import io

import segno
from flask import render_template
from markupsafe import Markup

from ..core.csvio import safe_filename
from ..core.pdf import render_pdf
from .models import Survey


def qr_svg(link: str) -> Markup:
    """The link as a QR code, an SVG element to put inline (no XML declaration, no outside reference)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=8, border=4,
                                     dark="#0b0c0c", light="#ffffff", svgclass="qr", lineclass=None)
    svg = out.getvalue().decode("ascii")
    # segno's own output from a URL we made: no text of anyone's in it (bandit B704 checked: safe)
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR code of the survey\'s link" ', 1))  # nosec B704


def make(survey: Survey, link: str) -> bytes:
    return render_pdf(render_template("pdf/survey_poster.html", survey=survey, link=link, qr=qr_svg(link)))


def filename(survey: Survey) -> str:
    return safe_filename("survey-poster", survey.id, survey.title, extension="pdf")
