"""Every line of a form's error summary names its field ('<label>: <message>') and links to it."""
from __future__ import annotations

import html
import re

from ulr_app.core.forms import error_line
from tests.agreements.test_pages import FORM


def _summary(page: str) -> list[tuple[str, str]]:
    start = page.index("govuk-error-summary")
    block = page[start:page.index("</ul>", start)]
    return [(href, html.unescape(text)) for href, text in re.findall(r'<a href="#([^"]+)">([^<]*)</a>', block)]


def _ids(page: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page))


def test_error_line():
    assert error_line("Number of ULR places (optional)", "Enter a whole number from 0 to 500") == \
        "Number of ULR places: Enter a whole number from 0 to 500"
    assert error_line("Date referred (if referred or enrolled)", "This date cannot be in the future") == \
        "Date referred: This date cannot be in the future"
    assert error_line("What kind of case is it?", "Choose what kind of case it is") == \
        "What kind of case is it: Choose what kind of case it is"
    assert error_line("Title", "Title must be 200 characters or fewer") == "Title must be 200 characters or fewer"
    assert error_line("", "The CSRF token is missing.") == "The CSRF token is missing."


def test_the_agreement_form_names_each_field_and_links_to_it(login_as, world):
    c = login_as("convenor_a1")
    data = {**FORM, "employer_id": world.employers.a1.id, "ulr_places": "twelve", "ulr_hours_per_month": "lots",
            "review_due_on": "31/02/2026", "signed_on": "1 1 1850"}
    response = c.submit("/agreements/new", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    lines = dict(_summary(page))
    assert lines == {
        "ulr_places": "Number of ULR places: Enter a whole number from 0 to 500",
        "ulr_hours_per_month": "Pre-scheduled hours a month for each ULR: Enter a number from 0 to 200",
        "signed_on": "Date signed: This date must be in 1900 or later",
        "review_due_on": "Review date: Enter the review date as a real date, for example 31 3 2026",
    }
    assert set(lines) <= _ids(page)  # every line links to its field
    assert 'value="twelve"' in page and 'value="1 1 1850"' in page  # nothing typed is lost


def test_the_case_form_names_each_field(login_as, world):
    c = login_as("convenor_a1")
    response = c.submit("/cases/new", {"kind": "", "summary": " ", "details": "Keep", "opened_on": "8 12 2099",
                                       "due_on": "soon"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    lines = _summary(page)
    assert ("kind", "What kind of case is it: Choose what kind of case it is") in lines
    assert ("summary", "Summary: Enter a short summary of the case") in lines
    assert ("opened_on", "Date opened: This date cannot be in the future") in lines
    assert ("due_on", "Due by: Enter the date it is due as a real date, for example 31 3 2026") in lines
    assert {href for href, _ in lines} <= _ids(page)
