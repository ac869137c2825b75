"""One structure for every report, rendered four ways: the page, PDF, CSV and XLSX.

A report builder turns figures into a :class:`ReportDocument` (sections holding charts and
tables); :mod:`ulr_app.reports.exports` renders it as a file and ``templates/reports/_document.html``
(``render_document(doc)``, or ``exports.html_fragment(doc)``) as part of a page. Builders register themselves by name with
:func:`report_builder` so a background job can make a report's file from its name and parameters::

    @report_builder("funding", title="Quarterly return")
    def build_funding(params: dict, user) -> ReportDocument: ...

Values in a table may be int, float, Decimal, str, date or None. A column is numeric when its
values are numbers (suppressed counts such as "<5" and "c" allowed among them); a column whose
heading has "%" in it holds percentages, shown with one decimal place.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Callable, Optional, Union

CHART_KINDS = ("bar", "hbar", "stacked_hbar")

#: a text value that stands for a count withheld or not applicable; it may sit in a numeric column
_NUMERIC_MARKERS = re.compile(r"^(<\s?\d+|c|n/a|–|-)$", re.IGNORECASE)


@dataclass
class Cell:
    """One value of a table, with an optional page link to the records behind it and a note."""

    value: Any
    href: Optional[str] = None
    note: Optional[str] = None

    @property
    def link(self) -> Optional[str]:
        """The href if it is a link inside this site ("/learners?..."), else None: nothing else is shown."""
        if self.href and self.href.startswith("/") and not self.href.startswith("//") and "\\" not in self.href:
            return self.href
        return None


def as_cell(value: Union[Cell, Any]) -> Cell:
    return value if isinstance(value, Cell) else Cell(value)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Union[Cell, Any]]]
    caption: Optional[str] = None
    #: indexes of the numeric columns (right-aligned, numbers in spreadsheets); None: worked out
    numeric_columns: Optional[list[int]] = None

    @cached_property
    def cells(self) -> list[list[Cell]]:
        width = len(self.header)
        out = []
        for row in self.rows:
            cells = [as_cell(v) for v in row]
            out.append(cells + [Cell(None)] * (width - len(cells)))
        return out

    @cached_property
    def numeric(self) -> frozenset[int]:
        if self.numeric_columns is not None:
            return frozenset(self.numeric_columns)
        found = set()
        for i in range(len(self.header)):
            values = [row[i].value for row in self.cells if i < len(row) and row[i].value not in (None, "")]
            if values and any(is_number(v) for v in values) and all(
                    is_number(v) or (isinstance(v, str) and _NUMERIC_MARKERS.match(v.strip())) for v in values):
                found.add(i)
        return frozenset(found)

    @cached_property
    def percent(self) -> frozenset[int]:
        """The columns of percentages: those whose heading has a % sign."""
        return frozenset(i for i, h in enumerate(self.header) if "%" in str(h))

    def text(self, column: int, cell: Cell) -> str:
        return format_value(cell.value, percent=column in self.percent)

    @property
    def row_header(self) -> bool:
        """Whether the first column names the rows (it is not a column of figures)."""
        return bool(self.header) and 0 not in self.numeric


@dataclass
class Chart:
    title: str
    #: one or two sentences saying what the chart shows (its alt text, and the SVG's <desc>)
    description: str
    kind: str
    labels: list[str]
    series: list[tuple[str, list[Optional[Union[int, float, Decimal]]]]]
    unit: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"chart kind must be one of {', '.join(CHART_KINDS)}, not {self.kind!r}")

    @cached_property
    def svg(self) -> str:
        from .charts import chart_svg

        return chart_svg(self)

    @cached_property
    def data_uri(self) -> str:
        from .charts import chart_data_uri

        return chart_data_uri(self)

    @property
    def table(self) -> Table:
        """The chart's figures as a table (shown beside the chart, and in the exports)."""
        header = [""] + [name for name, _ in self.series]
        if self.unit:
            header = [""] + [f"{name} ({self.unit})" for name, _ in self.series]
        rows = [[label] + [values[i] if i < len(values) else None for _, values in self.series]
                for i, label in enumerate(self.labels)]
        return Table(self.title, header, rows, numeric_columns=list(range(1, len(header))))


@dataclass
class Section:
    heading: str
    intro: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class ReportDocument:
    title: str
    scope_label: str
    period_label: str
    generated_on: date
    sections: list[Section]
    filename_stem: str
    #: the SHA-256 of a frozen report run's figures, printed on every page of its PDF
    run_hash: Optional[str] = None
    notes: list[str] = field(default_factory=list)

    def all_tables(self) -> list[tuple[Section, Table]]:
        """Every table in order, each chart's figures included (after the section's charts)."""
        out = []
        for section in self.sections:
            out.extend((section, chart.table) for chart in section.charts)
            out.extend((section, table) for table in section.tables)
        return out


def format_value(value: Any, *, percent: bool = False) -> str:
    """A value as the page and the PDF show it: 1,234; 12.5; 7 December 2026; "" for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (float, Decimal)):
        if percent:
            return f"{float(value):,.1f}"
        if isinstance(value, Decimal):
            return f"{value:,}"
        if not math.isfinite(value):
            return ""
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, (date, datetime)):
        from ..core.templating import uk_date

        return uk_date(value)
    return str(value)


#: report name -> builder(params, user) -> ReportDocument
BUILDERS: dict[str, Callable[[dict[str, Any], Any], ReportDocument]] = {}
#: report name -> the words for it in a job's title ("Quarterly return")
TITLES: dict[str, str] = {}


def report_builder(name: str, *, title: Optional[str] = None):
    """Register the function that builds a report's document from its parameters and the user."""

    def decorator(fn):
        if name in BUILDERS and BUILDERS[name] is not fn:
            raise ValueError(f"report builder {name} registered twice")
        BUILDERS[name] = fn
        TITLES[name] = title or name.replace("_", " ").capitalize()
        return fn

    return decorator


__all__ = ["BUILDERS", "CHART_KINDS", "Cell", "Chart", "ReportDocument", "Section", "TITLES", "Table", "as_cell",
           "format_value", "is_number", "report_builder"]
