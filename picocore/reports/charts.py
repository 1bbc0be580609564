"""Charts drawn on the server as inline SVG: no JavaScript, no external file, nothing the CSP would block.

Colours and fonts are SVG presentation attributes (a `style` attribute would need 'unsafe-inline'); the
classes let the stylesheet refine them. The drawing scales with its container (`viewBox`, width 100%).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from picocore.reports.selectors import MetricFigures, SlaReport

# Drawn small (in viewBox units), so that the text stays readable where the chart is scaled down to a phone.
WIDTH = 320
LABEL_RIGHT = 100  # group labels end here, right-aligned
PLOT_LEFT, PLOT_WIDTH = 108, 160  # 0 % to 100 %; the value labels follow the bars
HEADER = 64  # title, legend, axis title
ROW = 34  # per group: two bars and the space around them
BAR = 12
FOOTER = 44  # tick labels and axis title
LABEL_CHARS = 15
SERIES = (
    ("response", "First response", "#0b4f8a"),
    ("resolution", "Resolution", "#b35900"),
)


def percent_text(value: Decimal | None, places: str = "1") -> str:
    """ "66.7 %", "100 %", "—" (nothing decided yet)."""
    if value is None:
        return "—"
    rounded = value.quantize(Decimal(places), rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        rounded = rounded.to_integral_value()
    return f"{rounded} %"


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _figures_text(name: str, figures: MetricFigures) -> str:
    if figures.compliance is None:
        return f"{name.lower()} nothing decided yet"
    return (
        f"{name.lower()} {percent_text(figures.compliance, '0.01')} met "
        f"({figures.met} of {figures.met + figures.missed})"
    )


def _opening(ident: str, height: int, title: str, description: str) -> list[str]:
    """The chart's first parts: the scalable <svg> as an image named by its title and described by its
    description (both escaped, ids from `ident`), and the title shown at its top."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<text class="chart-title" x="0" y="16" font-size="14" font-weight="600" fill="#1b1f24">'
        f"{escape(title)}</text>",
    ]


def compliance_chart(report: SlaReport, *, period: str, ident: str = "sla-chart") -> SafeString:
    """Grouped horizontal bars: the share of first-response and resolution clocks met, one pair per group.

    Horizontal, so that long organisation names fit and the chart grows downwards, not sideways, on a phone.
    """
    dimension = report.dimension
    height = HEADER + ROW * len(report.rows) + FOOTER
    plot_bottom = HEADER + ROW * len(report.rows)
    title = f"SLA compliance by {dimension.lower()}"
    summary = "; ".join(
        f"{row.label}: " + ", ".join(_figures_text(name, getattr(row, key)) for key, name, _colour in SERIES)
        for row in report.rows
    )
    description = f"Share of clocks met within target per {dimension.lower()}, tickets created {period}. {summary}."
    parts = _opening(ident, height, title, description)
    legend_x = 0
    for key, name, colour in SERIES:
        parts.append(
            f'<rect class="bar-{key}" x="{legend_x}" y="28" width="12" height="12" fill="{colour}"></rect>'
            f'<text x="{legend_x + 16}" y="38" fill="#1b1f24">{escape(name)}</text>'
        )
        legend_x += 104
    parts.append(
        f'<text class="chart-axis-title" x="{LABEL_RIGHT}" y="{HEADER - 6}" text-anchor="end" '
        f'font-weight="600" fill="#4f5863">{escape(dimension)}</text>'
    )
    for tick in range(0, 101, 25):
        x = PLOT_LEFT + PLOT_WIDTH * tick // 100
        parts.append(
            f'<line class="chart-grid" x1="{x}" y1="{HEADER}" x2="{x}" y2="{plot_bottom}" stroke="#d5dae0" '
            f'stroke-width="1"></line>'
            f'<text x="{x}" y="{plot_bottom + 16}" text-anchor="middle" fill="#4f5863">{tick}</text>'
        )
    parts.append(
        f'<line class="chart-axis" x1="{PLOT_LEFT}" y1="{HEADER}" x2="{PLOT_LEFT}" y2="{plot_bottom}" '
        f'stroke="#4f5863" stroke-width="1"></line>'
        f'<text class="chart-axis-title" x="{PLOT_LEFT + PLOT_WIDTH // 2}" y="{plot_bottom + 36}" '
        f'text-anchor="middle" font-weight="600" fill="#4f5863">Met within target (%)</text>'
    )
    for index, row in enumerate(report.rows):
        top = HEADER + ROW * index + (ROW - 2 * BAR - 2) // 2
        parts.append(
            f'<text x="{LABEL_RIGHT}" y="{top + BAR + 5}" text-anchor="end" fill="#1b1f24">'
            f"<title>{escape(row.label)}</title>{escape(_shorten(row.label))}</text>"
        )
        for offset, (key, name, colour) in enumerate(SERIES):
            figures: MetricFigures = getattr(row, key)
            y = top + offset * (BAR + 2)
            share = figures.compliance
            width = Decimal(0) if share is None else (PLOT_WIDTH * share / 100).quantize(Decimal("0.1"))
            if width == width.to_integral_value():
                width = width.to_integral_value()
            parts.append(
                f'<rect class="bar-{key}" x="{PLOT_LEFT}" y="{y}" width="{width}" height="{BAR}" fill="{colour}">'
                f"<title>{escape(row.label)}: {escape(_figures_text(name, figures))}</title></rect>"
                f'<text class="chart-value" x="{PLOT_LEFT + width + 3}" y="{y + BAR - 2}" font-size="11" '
                f'fill="#1b1f24">{escape(percent_text(share, "1"))}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped, every number formatted here


PALETTE = ("#0b4f8a", "#b35900", "#2e7d32", "#6a1b9a", "#b71c1c", "#00695c", "#5d4037")


def _number(value: float) -> str:
    """SVG coordinates to one decimal, without a trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def bar_chart(
    *,
    ident: str,
    title: str,
    description: str,
    dimension: str,
    axis: str,
    rows: list[tuple[str, list[float]]],
    series: list[str],
    value_text,
    stacked: bool = False,
    maximum: float | None = None,
) -> SafeString:
    """Horizontal bars, one group per row: its values side by side (`stacked=False`: one bar per series) or
    end to end (`stacked=True`), scaled to `maximum` (the largest bar by default), with a legend, the axis's
    end values, each bar's value (`value_text`) in its tooltip and, side by side, beside it.

    Accessible as an image: the title and a description that says every figure; the page's table holds them
    too. Every text is escaped; nothing is styled inline (the CSP forbids it)."""
    per_row = 1 if stacked else max(len(series), 1)
    row_height = 8 + per_row * (BAR + 2)
    legend_rows = (len(series) + 1) // 2
    header = 32 + 18 * legend_rows + 14
    plot_bottom = header + row_height * len(rows)
    height = plot_bottom + FOOTER
    largest = maximum or max([sum(values) if stacked else max(values, default=0) for _label, values in rows] + [0])
    scale = PLOT_WIDTH / largest if largest else 0
    parts = _opening(ident, height, title, description)
    for index, name in enumerate(series):
        legend_x, legend_y = (index % 2) * 160, 28 + 18 * (index // 2)
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"></rect>'
            f'<text x="{legend_x + 16}" y="{legend_y + 10}" fill="#1b1f24">{escape(_shorten_to(name, 22))}</text>'
        )
    parts.append(
        f'<text class="chart-axis-title" x="{LABEL_RIGHT}" y="{header - 6}" text-anchor="end" '
        f'font-weight="600" fill="#4f5863">{escape(dimension)}</text>'
    )
    for fraction in (0.0, 0.5, 1.0):
        x: float = PLOT_LEFT + PLOT_WIDTH * fraction
        parts.append(
            f'<line class="chart-grid" x1="{_number(x)}" y1="{header}" x2="{_number(x)}" y2="{plot_bottom}" '
            f'stroke="#d5dae0" stroke-width="1"></line>'
            f'<text x="{_number(x)}" y="{plot_bottom + 16}" text-anchor="middle" fill="#4f5863">'
            f"{escape(value_text(largest * fraction))}</text>"
        )
    parts.append(
        f'<line class="chart-axis" x1="{PLOT_LEFT}" y1="{header}" x2="{PLOT_LEFT}" y2="{plot_bottom}" '
        f'stroke="#4f5863" stroke-width="1"></line>'
        f'<text class="chart-axis-title" x="{PLOT_LEFT + PLOT_WIDTH // 2}" y="{plot_bottom + 36}" '
        f'text-anchor="middle" font-weight="600" fill="#4f5863">{escape(axis)}</text>'
    )
    for row_index, (label, values) in enumerate(rows):
        top = header + row_height * row_index + 4
        parts.append(
            f'<text x="{LABEL_RIGHT}" y="{top + BAR - 2}" text-anchor="end" fill="#1b1f24">'
            f"<title>{escape(label)}</title>{escape(_shorten(label))}</text>"
        )
        x = PLOT_LEFT
        for index, value in enumerate(values):
            width = value * scale
            y: int = top if stacked else top + index * (BAR + 2)
            left = x if stacked else PLOT_LEFT
            tooltip = f"{label}, {series[index]}: {value_text(value)}"
            parts.append(
                f'<rect class="bar-{index}" x="{_number(left)}" y="{y}" width="{_number(width)}" height="{BAR}" '
                f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(tooltip)}</title></rect>'
            )
            if not stacked:
                parts.append(
                    f'<text class="chart-value" x="{_number(PLOT_LEFT + width + 3)}" y="{y + BAR - 2}" '
                    f'font-size="11" fill="#1b1f24">{escape(value_text(value))}</text>'
                )
            x += width
        if stacked:
            parts.append(
                f'<text class="chart-value" x="{_number(x + 3)}" y="{top + BAR - 2}" font-size="11" '
                f'fill="#1b1f24">{escape(value_text(sum(values)))}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped, every number formatted here


def _shorten_to(label: str, length: int) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"
