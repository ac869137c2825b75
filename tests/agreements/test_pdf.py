"""Draft agreement documents: from an Agreement in the database to a page fragment and a PDF.

The PDF text is read back with pdftotext (poppler-utils). The renderer must fetch nothing: it
refuses file:, http: and https: URLs, whether asked directly or through the document.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import urllib.request
from datetime import date
from decimal import Decimal

import pytest

from ulr_app.agreements.clauses import agreement_values
from ulr_app.agreements.documents import document_html, draft_html, draft_pdf
from ulr_app.agreements.models import Agreement, AgreementLearnerTime, AgreementSchool, AgreementUlrPlace
from ulr_app.core.pdf import RefusedURL, SafeURLFetcher, render_pdf
from ulr_app.extensions import db

MODEL = "unison-model-2026"
TODAY = date(2026, 2, 14)

# skipped without poppler-utils, except in CI (.ci/run sets ULR_REQUIRE_PDFTOTEXT=1 and installs it)
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("ULR_REQUIRE_PDFTOTEXT"),
                                     reason="pdftotext not installed (apt-get install poppler-utils)")


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60)
    return out.stdout.decode("utf-8")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def no_network(monkeypatch):
    """Record (and block) any attempt to open a socket or a URL while the test runs."""
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network or file access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    monkeypatch.setattr(urllib.request.FileHandler, "file_open", refuse)
    return attempts


def make_agreement(world, **overrides) -> Agreement:
    fields = dict(
        branch_id=world.branches.a1.id, employer_id=world.employers.a1.id,
        title="Barnet learning agreement 2026", kind="partnership", status="draft", other_unions="GMB, Unite",
        whole_employer=True, schools_scope="included", equal_access=True,
        ulr_places=None, ulr_paid_time_off=True, ulr_hours_per_month=Decimal("10.00"), ulr_ad_hoc_time=True,
        ulr_facilities=["room", "phone", "computer", "email"],
        member_access=True, member_access_paid=True, learner_time_off="paid",
        partnership_group=True, partnership_employer_members=4, partnership_union_members=4,
        partnership_meeting_frequency="quarterly",
        coordinator=True, coordinator_release_days=Decimal("1.5"),
        learning_centre=True, learning_centre_details="Room 4.02, North London Business Park, open 8am to 6pm on weekdays.",
        disputes_route="the Joint Negotiating Committee (JNC)",
        employer_signatory="Jane Smith", employer_signatory_role="Director of Human Resources",
        union_signatory="Sam Jones", union_signatory_role="Branch Secretary",
        starts_on=date(2026, 3, 1), review_due_on=date(2027, 3, 1), clause_set=MODEL,
    )
    fields.update(overrides)
    agreement = Agreement(**fields)
    agreement.named_schools.append(AgreementSchool(workplace_id=world.workplaces.school_a1.id, inclusion="in"))
    agreement.ulr_places_by_service.extend([AgreementUlrPlace(service="Housing", places=4),
                                            AgreementUlrPlace(service="Schools", places=8)])
    agreement.learner_time_by_course.extend([AgreementLearnerTime(course_category="skills_for_life", arrangement="paid"),
                                             AgreementLearnerTime(course_category="ict", arrangement="matched")])
    db.session.add(agreement)
    db.session.commit()
    return agreement


def test_agreement_values_in_words(world):
    values = agreement_values(make_agreement(world))
    assert values["employer"] == "London Borough of Barnet"
    assert values["branch"] == "Barnet UNISON"
    assert values["union_parties"] == "Barnet UNISON, GMB and Unite"
    assert values["other_unions_list"] == ["GMB", "Unite"]
    assert values["schools_named_in"] == "Brunswick Park Primary School"
    assert values["schools_named_out"] is None
    assert values["ulr_places"] == "12"  # no total recorded: the sum of the places per service
    assert values["ulr_places_by_service"] == "Housing (4) and Schools (8)"
    assert values["ulr_hours_per_month"] == "10 hours a month"
    assert values["coordinator_release_days"] == "1.5 days a week"
    assert values["facilities"] == "a private room for confidential conversations, a telephone, a computer and e-mail"
    assert values["meeting_frequency"] == "every three months"
    assert values["learner_time_by_course"] == ("Skills for Life: paid time off; "
                                                "ICT: matched time (an hour of paid time for each hour of own time)")
    assert values["learning_centre_details"] == "Room 4.02, North London Business Park, open 8am to 6pm on weekdays"
    assert values["starts_on"] == "1 March 2026" and values["review_due_on"] == "1 March 2027"
    assert values["member_access_paid"].startswith("and that time will be paid")
    assert values["schools_scope"] == "included" and values["coordinator"] is True


def test_agreement_values_missing_are_none(world):
    agreement = make_agreement(world, ulr_facilities=[], coordinator_release_days=None, learner_time_off="not_stated",
                               partnership_meeting_frequency=None, starts_on=None, other_unions=None)
    agreement.ulr_places_by_service.clear()
    db.session.commit()
    values = agreement_values(agreement)
    for name in ("facilities", "coordinator_release_days", "learner_time_off", "meeting_frequency", "starts_on",
                 "ulr_places", "ulr_places_by_service", "other_unions"):
        assert values[name] is None, name
    assert values["union_parties"] == "Barnet UNISON"
    assert agreement_values(make_agreement(world, member_access_paid=False, title="Other"))["member_access_paid"] == \
        "but that time will be unpaid"


@needs_pdftotext
def test_draft_pdf_text(world, tmp_path, no_network):
    agreement = make_agreement(world)
    agreement.ulr_places_by_service.clear()  # no number of ULR places at all: flagged
    db.session.commit()
    pdf, document = draft_pdf(agreement, today=TODAY)
    assert pdf.startswith(b"%PDF")
    assert no_network == []
    raw = pdf_text(pdf, tmp_path)
    text = flat(raw)
    assert "Barnet learning agreement 2026" in text
    assert "London Borough of Barnet" in text
    assert "Barnet UNISON, GMB, Unite" in text  # cover
    assert "DRAFT" in text and "14 February 2026" in text
    assert "UNISON model learning agreement (2026), version 2026.1" in text
    for clause in document.clauses:  # in the contents and in the body
        assert text.count(f"{clause.number}. {clause.heading}") == 2, clause.heading
    assert "1. The parties 1.1 This agreement is made between London Borough of Barnet" in text
    assert "Staff in schools" in text and "Brunswick Park Primary School" in text
    assert "released from normal duties for 1.5 days a week" in text
    # the signature block
    for name in ("Jane Smith", "Director of Human Resources", "Sam Jones", "Branch Secretary",
                 "Signed for the employer: London Borough of Barnet", "Signed for the union side: GMB"):
        assert name in text, name
    # page numbers
    pages = raw.count("\f")
    assert "Page 1 of" in text and f"Page {pages} of {pages}" in text and pages >= 4
    # the flagged gap: a visible marker, and listed under Items to agree
    assert "up to [not yet agreed: number of ULR places] ULRs" in text
    assert "Items to agree" in text
    assert [f.message for f in document.flagged] == ["Number of ULR places is not recorded"]
    assert "Number of ULR places is not recorded" in text


@needs_pdftotext
def test_signed_pdf_has_no_draft_mark_and_silent_schools_are_warned(world, tmp_path):
    agreement = make_agreement(world, status="signed", signed_on=date(2026, 2, 28), schools_scope="silent", ulr_places=12)
    pdf, document = draft_pdf(agreement, today=TODAY)
    text = flat(pdf_text(pdf, tmp_path))
    assert "DRAFT" not in text and "Signed on 28 February 2026" in text
    assert "Staff in schools" not in text
    assert "The agreement says nothing about schools" in text
    assert document.flagged == []


def test_draft_html_fragment(world):
    agreement = make_agreement(world, ulr_facilities=[])
    html = draft_html(agreement, today=TODAY)
    assert '<h2 class="govuk-heading-m">1. The parties</h2>' in html
    assert "govuk-warning-text" in html
    assert '<mark class="app-gap"><strong>[not yet agreed: facilities for ULRs]</strong></mark>' in html
    assert "Not yet agreed: facilities for ULRs." in html
    assert 'href="#draft-clause-' in html and "Facilities for ULRs are not recorded" in html
    assert "Jane Smith, Director of Human Resources" in html


def test_a_set_must_be_chosen(world):
    with pytest.raises(ValueError, match="Choose a clause set"):
        draft_html(make_agreement(world, clause_set=None))


# --------------------------------------------------------------------------- the renderer fetches nothing


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.org/", "https://example.org/logo.png",
                                 "ftp://example.org/x", "FILE:///etc/passwd", "/etc/passwd", "javascript:alert(1)"])
def test_fetcher_refuses_directly(url, no_network):
    fetcher = SafeURLFetcher()
    with pytest.raises(RefusedURL) as refused:
        fetcher.fetch(url)
    assert refused.value.url == url
    assert fetcher.refused == [url] and fetcher.fetched == []
    assert no_network == []


@pytest.mark.parametrize("html,url", [
    ('<p>Hello</p><img src="file:///etc/passwd">', "file:///etc/passwd"),
    ('<p>Hello</p><img src="http://example.org/tracker.png">', "http://example.org/tracker.png"),
    ('<link rel="stylesheet" href="file:///etc/passwd"><p>Hello</p>', "file:///etc/passwd"),
    ('<style>@import url("http://example.org/a.css");</style><p>Hello</p>', "http://example.org/a.css"),
    ('<p style="background: url(file:///etc/passwd)">Hello</p>', "file:///etc/passwd"),
    ('<svg width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/></svg>', "file:///etc/passwd"),
])
def test_renderer_refuses_urls_in_the_document(html, url, no_network):
    fetcher = SafeURLFetcher()
    with pytest.raises(RefusedURL) as refused:
        render_pdf(html, fetcher=fetcher)
    assert refused.value.url == url
    assert fetcher.refused == [url] and fetcher.fetched == []
    assert no_network == []


@pytest.mark.parametrize("base_url", [None, "https://ulr.example.org/agreements/1/"])
def test_renderer_refuses_relative_urls(base_url, no_network):
    fetcher = SafeURLFetcher()
    with pytest.raises(RefusedURL) as refused:
        render_pdf('<img src="../../etc/passwd">', base_url, fetcher=fetcher)
    assert refused.value.url.startswith("https://") and refused.value.url.endswith("/etc/passwd")
    assert fetcher.fetched == [] and no_network == []


def test_load_failures_are_reported_not_ignored():
    with pytest.raises(RefusedURL, match="Failed to load image"):
        render_pdf('<img src="data:image/png;base64,bm90IGFuIGltYWdl">')


def test_renderer_allows_data_uris(no_network):
    gif = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    fetcher = SafeURLFetcher()
    assert render_pdf(f'<img src="{gif}" alt="">', fetcher=fetcher).startswith(b"%PDF")
    assert fetcher.refused == [] and len(fetcher.fetched) == 1
    assert no_network == []


@needs_pdftotext
def test_malicious_text_is_escaped_not_fetched(world, tmp_path, no_network):
    title = '<img src=file:///etc/passwd> <script>alert("x")</script>'
    agreement = make_agreement(world, title=title, other_unions='<img src="http://example.org/x.png">',
                               disputes_route="<link rel=stylesheet href=file:///etc/passwd>")
    from ulr_app.agreements.documents import build

    html = document_html(build(agreement), today=TODAY)
    assert "<img src=file" not in html and "<script>" not in html and "<link rel=stylesheet href=file" not in html
    assert "&lt;img src=file:///etc/passwd&gt;" in html
    pdf, _ = draft_pdf(agreement, today=TODAY)  # renders: nothing to fetch
    text = flat(pdf_text(pdf, tmp_path))
    assert '<img src=file:///etc/passwd> <script>alert("x")</script>' in text
    assert "root:" not in text
    assert no_network == []


def test_print_css_needs_no_outside_resources():
    from ulr_app import TEMPLATES

    css = (TEMPLATES / "pdf" / "_print.css").read_text(encoding="utf-8")
    assert "url(" not in css.replace("url() may", "") and "@import" not in css
