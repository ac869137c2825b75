"""Charts as server-side SVG (pygal), shown as ``<img src="data:image/svg+xml;base64,...">``.

The pages' CSP forbids inline styles and scripts, and an SVG used as an image never runs a script
nor loads anything, so the page and the PDF embed the same data URI. The SVG carries its own
``<title>`` and ``<desc>``; every bar has its value printed on it (readable without colour, and in
greyscale); the palette alternates dark and light; fonts are the system's, no webfonts. The
output is deterministic (same chart, same bytes), so a frozen run's PDF can be made again.
"""
from __future__ import annotations

import base64
import hashlib
import re
import sys
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

import pygal
from pygal.style import Style

# pygal appends an old-style import hook to sys.meta_path (for its map plugins, unused here). It has
# no find_spec(), so every later import that fails (an optional dependency probing, as fontTools does
# for brotli) raises ImportWarning through it: an error under the test suite's warning filter.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

from .document import Chart, format_value

FONTS = '"Liberation Sans", "DejaVu Sans", Arial, Helvetica, sans-serif'
#: dark blue, mid grey, turquoise, dark pink, orange, dark grey: neighbours differ in lightness
PALETTE = ("#12436d", "#8d959a", "#28a197", "#801650", "#f46a25", "#3d3d3d")
#: the colour of the value printed on each series' bars (at least 4.5:1 against the bar)
VALUE_COLOURS = ("#ffffff", "#0b0c0c", "#0b0c0c", "#ffffff", "#0b0c0c", "#ffffff")

#: the drawing's width: small enough that its text stays readable when a phone shrinks it to 345px
WIDTH = 560


def _style(outside: bool) -> Style:
    return Style(
        background="#ffffff", plot_background="#ffffff", foreground="#0b0c0c", foreground_strong="#0b0c0c",
        foreground_subtle="#b1b4b6", opacity="1", opacity_hover="1", transition="0s", font_family=FONTS,
        colors=PALETTE, value_colors=("#0b0c0c",) * len(PALETTE) if outside else VALUE_COLOURS,
        label_font_size=15, major_label_font_size=15, value_font_size=16, value_label_font_size=15,
        legend_font_size=16, title_font_size=17, tooltip_font_size=15, no_data_font_size=17,
        guide_stroke_color="#d8dadb", major_guide_stroke_color="#b1b4b6",
    )


def _number(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def _height(chart: Chart) -> int:
    if chart.kind in ("hbar", "stacked_hbar"):
        bars = len(chart.labels) * (1 if chart.kind == "stacked_hbar" else max(1, len(chart.series)))
        return max(220, 100 + 40 * bars + (60 if len(chart.series) > 1 else 0))
    return 380


def _horizontal(chart: Chart) -> bool:
    return chart.kind in ("hbar", "stacked_hbar")


def _value_range(chart: Chart) -> tuple[float, float]:
    """The value axis, with room past the longest bar for its printed value."""
    columns = list(zip(*[[float(v or 0) for v in values] for _, values in chart.series])) or [(0.0,)]
    if chart.kind == "stacked_hbar":
        highs = [sum(v for v in col if v > 0) for col in columns]
        lows = [sum(v for v in col if v < 0) for col in columns]
    else:
        highs = lows = [v for col in columns for v in col]
    high, low = max(highs + [0.0]), min(lows + [0.0])
    room = 0.18 if chart.kind != "stacked_hbar" else 0.04
    span = (high - low) or 1.0
    return (low - room * span if low < 0 else 0.0), (high + room * span if high > 0 else (0.0 if low < 0 else 1.0))


def _pygal_chart(chart: Chart):
    stacked = chart.kind == "stacked_hbar"
    kind = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "stacked_hbar": pygal.HorizontalStackedBar}[chart.kind]
    percent = chart.unit.strip() == "%"
    unit = "" if percent else (f" {chart.unit}" if chart.unit else "")

    def formatter(value):
        text = format_value(value, percent=percent)
        return f"{text}%" if percent and text else f"{text}{unit}"

    config = dict(
        style=_style(not stacked), width=WIDTH, height=_height(chart), explicit_size=False,
        js=[], disable_xml_declaration=True, no_prefix=False, tooltip_fancy_mode=False,
        print_values=True, print_zeroes=not stacked, print_values_position="center" if stacked else "top",
        value_formatter=formatter, show_legend=len(chart.series) > 1, legend_at_bottom=True,
        legend_at_bottom_columns=min(3, max(1, len(chart.series))), truncate_label=-1, truncate_legend=-1,
        show_y_guides=True, show_x_guides=False, margin=16, spacing=12, rounded_bars=0,
        x_label_rotation=30 if chart.kind == "bar" and len(chart.labels) > 6 else 0,
        no_data_text="No figures", range=_value_range(chart),
    )
    graph = kind(**config)
    # a horizontal chart draws its first label at the bottom: reverse, so it reads top-down like the table
    order = (lambda items: list(reversed(items))) if _horizontal(chart) else list
    graph.x_labels = order([str(label) for label in chart.labels])
    for name, values in chart.series:
        padded = [values[i] if i < len(values) else None for i in range(len(chart.labels))]
        graph.add(str(name), order([_number(v) for v in padded]))
    return graph


_VALUE_TEXT = re.compile(r'<text text-anchor="middle" x="([-0-9.e]+)" y="([-0-9.e]+)" class="value">([^<]*)</text>')


def _values_outside(svg: str, horizontal: bool) -> str:
    """Move each printed value just past the end of its bar (dark text on white, whatever the bar)."""

    def move(m: re.Match) -> str:
        x, y, text = float(m.group(1)), float(m.group(2)), m.group(3)
        negative = text.lstrip().startswith("-")
        if horizontal:
            anchor, x = ("end", x - 6) if negative else ("start", x + 6)
        else:
            anchor, y = "middle", (y + 16 if negative else y - 10)
        return f'<text text-anchor="{anchor}" x="{x:.2f}" y="{y:.2f}" class="value">{text}</text>'

    return _VALUE_TEXT.sub(move, svg)


_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CHART_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ROOT = re.compile(r"<svg\b[^>]*>")


def chart_svg(chart: Chart) -> str:
    """The chart as SVG text: ``<title>`` and ``<desc>`` first, no script, no comment, no outside link."""
    svg = _pygal_chart(chart).render(is_unicode=True)
    if chart.kind != "stacked_hbar":
        svg = _values_outside(svg, _horizontal(chart))
    svg = _SCRIPT.sub("", svg)
    svg = _COMMENT.sub("", svg)
    key = hashlib.sha256(repr((chart.title, chart.description, chart.kind, chart.labels,
                               [(n, list(v)) for n, v in chart.series], chart.unit)).encode()).hexdigest()[:12]
    svg = _CHART_ID.sub(f"chart-{key}", svg)
    root = _ROOT.search(svg)
    if root is None:  # pragma: no cover - pygal always writes one
        raise ValueError("pygal wrote no <svg> element")
    opening = root.group(0)[:-1] + f' role="img" aria-labelledby={quoteattr(f"title-{key} desc-{key}")}>'
    head = f'<title id="title-{key}">{escape(chart.title)}</title><desc id="desc-{key}">{escape(chart.description)}</desc>'
    return svg[:root.start()] + opening + head + svg[root.end():]


def chart_data_uri(chart: Chart) -> str:
    """``data:image/svg+xml;base64,...`` for an ``<img>`` on a page or in a PDF."""
    return "data:image/svg+xml;base64," + base64.b64encode(chart_svg(chart).encode("utf-8")).decode("ascii")


__all__ = ["chart_data_uri", "chart_svg"]
