"""The report document: its charts (SVG) and its page rendering (templates/reports/_document.html)."""
from __future__ import annotations

import base64
import re
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from ulr_app.reports.charts import chart_data_uri, chart_svg
from ulr_app.reports.document import Cell, Chart, ReportDocument, Section, Table, format_value
from ulr_app.reports.exports import html_fragment

SVG = "{http://www.w3.org/2000/svg}"


def sample_document(*, rows: int = 6, run_hash: str | None = None) -> ReportDocument:
    """A document with every kind of value, a chart of each kind and a hostile name."""
    engaged = Chart("Learners engaged by quarter", "Learners engaged rose from 12 to 40 over four quarters.", "bar",
                    ["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"],
                    [("Actual", [12, 20, 31, 40]), ("Target", [15, 20, 30, 35])])
    refusals = Chart("Refusal rate by employer", "Barnet refused 45.5% of decided requests, Enfield 3%.", "hbar",
                     ["Barnet Council", "Enfield & <Co>"], [("Refusal rate", [45.5, 3.0])], unit="%")
    outcomes = Chart("Requests by outcome", "Schools: 10 granted, 2 partly granted, 5 refused.", "stacked_hbar",
                     ["Schools", "Other workplaces"], [("Granted", [10, 20]), ("Partly granted", [2, 1]), ("Refused", [5, 0])])
    measures = Table(
        "Measures", ["Measure", "Target", "Actual", "Variance %", "Spend", "Signed on"],
        [[f"Measure {i}", i * 10, Cell(i * 9, href=f"/learners?measure={i}", note="Two enrolments of one learner" if i == 2 else None),
          -10.0 + i * 0.55, Decimal("1234.50"), date(2026, 4, i % 28 + 1)] for i in range(1, rows)]
        + [['=HYPERLINK("http://evil.example/","click")', -5, None, None, Decimal("0"), None],
           ["=1+1", "<5", "c", 12.345, None, None]],
        caption="Variance is (actual - target) / target x 100.")
    return ReportDocument(
        "Quarterly return", "Region: Eastern & North", "FY2026-Q3 (October to December 2026)", date(2026, 12, 7),
        [Section("Learners", ["Learners engaged are counted once per period."], [engaged], [measures]),
         Section("Time off", [], [refusals, outcomes], [])],
        "quarterly-return-eastern-FY2026-Q3", run_hash=run_hash, notes=["Counts below 5 are shown as <5."])


# --- values and tables ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, percent, text", [
    (None, False, ""), (0, False, "0"), (1234567, False, "1,234,567"), (-5, False, "-5"), (12.5, True, "12.5"),
    (12.345, True, "12.3"), (-0.04, True, "-0.0"), (3.0, False, "3"), (2.25, False, "2.25"), (Decimal("1234.50"), False, "1,234.50"),
    (Decimal("7"), True, "7.0"), (date(2026, 4, 1), False, "1 April 2026"), ("text", False, "text"), (True, False, "Yes"),
    (float("nan"), False, ""),
])
def test_format_value(value, percent, text):
    assert format_value(value, percent=percent) == text


def test_numeric_and_percent_columns_are_worked_out():
    table = sample_document().sections[0].tables[0]
    assert table.numeric == {1, 2, 3, 4}  # "<5" and "c" sit among numbers; dates and names are not numeric
    assert table.percent == {3}
    assert table.row_header
    assert Table("t", ["a", "b"], [[1, "x"]], numeric_columns=[1]).numeric == {1}
    # short rows are padded to the header's width
    assert [c.value for c in Table("t", ["a", "b", "c"], [[1]]).cells[0]] == [1, None, None]


def test_only_links_inside_the_site_are_links():
    assert Cell(1, href="/learners?x=1").link == "/learners?x=1"
    for bad in ("javascript:alert(1)", "//evil.example/", "https://evil.example/", "/\\evil.example", None):
        assert Cell(1, href=bad).link is None


def test_a_chart_kind_must_be_known():
    with pytest.raises(ValueError, match="chart kind"):
        Chart("t", "d", "pie", ["a"], [("s", [1])])


# --- charts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("index", [0, 1, 2])
def test_chart_svg_has_title_and_desc_and_no_script(index):
    doc = sample_document()
    chart = [*doc.sections[0].charts, *doc.sections[1].charts][index]
    svg = chart_svg(chart)
    root = ElementTree.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    children = list(root)
    assert children[0].tag == f"{SVG}title" and children[0].text == chart.title
    assert children[1].tag == f"{SVG}desc" and children[1].text == chart.description
    assert root.get("aria-labelledby") == f"{children[0].get('id')} {children[1].get('id')}"
    assert not list(root.iter(f"{SVG}script"))
    lowered = svg.lower()
    for forbidden in ("<script", "javascript:", "href=", "@import", "url(http", "<!--", "<?xml"):
        assert forbidden not in lowered, forbidden
    # every value is printed on the chart, so it reads without colour
    texts = {"".join(t.itertext()) for t in root.iter(f"{SVG}text")}
    for _, values in chart.series:
        for v in values:
            if v:  # a stacked chart prints no zero segment
                assert any(str(v).rstrip("0").rstrip(".") in t for t in texts), (v, texts)
    assert svg == chart_svg(chart)  # deterministic: same chart, same bytes


def test_a_horizontal_chart_reads_top_down_like_its_table():
    chart = sample_document().sections[1].charts[0]
    root = ElementTree.fromstring(chart_svg(chart))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.text in chart.labels]
    ys = {t.text: float(t.get("y")) for t in root.iter(f"{SVG}text") if t.text in chart.labels}
    assert set(labels) == set(chart.labels)
    assert ys["Barnet Council"] < ys["Enfield & <Co>"]  # the first label is drawn nearest the top


def test_chart_data_uri_decodes_to_the_svg():
    chart = sample_document().sections[0].charts[0]
    uri = chart_data_uri(chart)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == chart_svg(chart)


def test_a_chart_with_no_figures_still_renders():
    chart = Chart("Nothing yet", "There are no figures for this period.", "bar", [], [])
    assert "<desc" in chart_svg(chart)
    empty = Chart("Zeroes", "All zero.", "stacked_hbar", ["a"], [("x", [0]), ("y", [None])])
    ElementTree.fromstring(chart_svg(empty))


# --- the page fragment ----------------------------------------------------------------------------

def test_page_fragment(app):
    doc = sample_document(run_hash="ab" * 32)
    with app.test_request_context("/"):
        html = str(html_fragment(doc))
    # sections, charts as images with alt text and a caption, their figures in a table
    assert re.search(r'<h2 class="govuk-heading-m" id="report-section-1">Learners</h2>', html)
    chart = doc.sections[0].charts[0]
    assert f'<img src="{chart.data_uri}" alt="{chart.description}"' in html
    assert "<figcaption" in html and ">Learners engaged by quarter</figcaption>" in html
    assert "Figures: Learners engaged by quarter" in html
    # the table: GOV.UK classes, numbers right-aligned, links to the records, caption, row headers
    assert '<caption class="govuk-table__caption govuk-table__caption--m">Measures' in html
    assert 'govuk-table__cell govuk-table__cell--numeric">1,234.50' in html
    assert '<a class="govuk-link" href="/learners?measure=2" aria-label="18: Measure 2, Actual (see the records)">18</a>' in html
    assert "Two enrolments of one learner" in html
    assert '<th scope="row" class="govuk-table__header">Measure 1</th>' in html
    assert "1 April 2026" not in html and "2 April 2026" in html
    # a wide table scrolls inside a labelled, focusable region
    assert '<div class="app-table-wrapper" role="region" aria-label="Measures" tabindex="0">' in html
    # hostile text is escaped; the run hash and the scope are shown
    assert "Enfield &amp; &lt;Co&gt;" in html and "<Co>" not in html
    assert "SHA-256 " + "ab" * 32 in html and "Region: Eastern &amp; North" in html
    assert "style=" not in html and "<script" not in html  # the CSP allows neither


def test_page_fragment_of_an_empty_table(app):
    doc = ReportDocument("R", "S", "P", date(2026, 12, 7), [Section("Nothing", tables=[Table("Empty", ["A", "B"], [])])], "r")
    with app.test_request_context("/"):
        html = str(html_fragment(doc))
    assert "No figures." in html and "Frozen run" not in html
