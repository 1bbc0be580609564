"""The hour bank's burn-down as server-rendered SVG: the balance at the end of each day against an even use
of the month's hours. Every text is escaped; the chart names itself and describes its figures for screen
readers (the page's table gives the same figures)."""

import datetime as dt

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 24, 40


def hours_text(minutes: int) -> str:
    """Minutes as hours with one decimal (e.g. 90 → "1.5 h", −30 → "−0.5 h")."""
    sign = "−" if minutes < 0 else ""
    text = f"{abs(minutes) / 60:.1f}".removesuffix(".0")
    return f"{sign}{text} h"


def burn_down(*, available: int, days: tuple[tuple[dt.date, int], ...], days_in_month: int,
              ident: str = "burn-down") -> SafeString:  # fmt: skip
    """The balance per day (`days`: the end-of-day balance of each day so far) from `available` down."""
    lowest = min([0, *(balance for _day, balance in days)])
    top_value = max(available, 60)
    span = top_value - lowest or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day_number: float) -> float:
        return round(LEFT + plot_w * day_number / days_in_month, 1)

    def y(minutes: float) -> float:
        return round(TOP + plot_h * (top_value - minutes) / span, 1)

    title = _("Hours left this month")
    last = days[-1][1] if days else available
    description = _("Starts with %(available)s; %(left)s left after %(count)s day(s).") % {
        "available": hours_text(available), "left": hours_text(last), "count": len(days),
    }  # fmt: skip
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" font-family="system-ui, sans-serif" '
        f'font-size="12">',
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        value = round(lowest + span * fraction)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value)}" y2="{y(value)}" stroke="#d5dae0"></line>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4}" text-anchor="end" fill="#4f5863">'
            f"{escape(hours_text(value))}</text>"
        )
    for day_number in (1, days_in_month // 2, days_in_month):
        parts.append(
            f'<text x="{x(day_number - 0.5)}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" fill="#4f5863">'
            f"{day_number}</text>"
        )
    even = _("Even use of the month")
    parts.append(
        f'<line class="chart-even" x1="{x(0)}" y1="{y(available)}" x2="{x(days_in_month)}" y2="{y(0)}" '
        f'stroke="#4f5863" stroke-dasharray="4 4"><title>{escape(even)}</title></line>'
    )
    if days:
        points = f"{x(0)},{y(available)} " + " ".join(f"{x(day.day)},{y(balance)}" for day, balance in days)
        parts.append(f'<polyline class="chart-balance" points="{points}" fill="none" stroke="#0b5cad" '
                     f'stroke-width="2.5"></polyline>')  # fmt: skip
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped, every number formatted here
