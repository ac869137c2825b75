"""A success message shown beside the new entry (issue 12, item 4): the page places it, once, with the
id the views redirect to (#done); a page without that place shows it at the top instead, never losing it."""
from __future__ import annotations

from flask import render_template_string

from ulr_app.core.templating import flash_at

PAGE = '{% extends "base.html" %}{% block title %}T{% endblock %}{% block content %}<h1>Page</h1>' \
       '<ol><li id="entry-1">{{ ui.flash_here("entry-1") }}The new entry</li></ol>{% endblock %}'


def _render(app, place: str) -> str:
    with app.test_request_context("/"):
        flash_at("Call logged.", place)
        return render_template_string(PAGE)


def test_the_message_sits_in_its_place_once_and_takes_the_focus(app):
    html = _render(app, "entry-1")
    assert html.count("Call logged.") == 1
    entry = html[html.index('id="entry-1"'):]
    assert entry.index('id="done"') < entry.index("The new entry")
    banner = html[html.index('id="done"') - 200:html.index('id="done"')]
    assert 'role="alert"' in banner and 'data-module="govuk-notification-banner"' in banner
    assert html.index("<h1>Page</h1>") < html.index("Call logged.")


def test_a_page_without_the_place_shows_it_at_the_top(app):
    html = _render(app, "somewhere-else")
    assert html.count("Call logged.") == 1
    assert html.index("Call logged.") < html.index("<h1>Page</h1>")
    assert 'id="done"' not in html
