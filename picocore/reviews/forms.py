import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.reviews.services import TEXT_LIMIT


class ReviewTextForm(forms.Form):
    """The service manager's words in a draft review."""

    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6, "aria-describedby": "id_summary-help"}),
        help_text=_("How the month went, in a few sentences, for the customer."),
    )
    proposals = forms.CharField(
        label=_("What we propose next"), required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 6})
    )


def parse_month(text: str) -> tuple[dt.date | None, str]:
    """`YYYY-MM` as the month's first day; None and why when it cannot be read ("" reads as no month)."""
    text = (text or "").strip()
    if not text:
        return None, ""
    try:
        return dt.datetime.strptime(text, "%Y-%m").date(), ""
    except ValueError:
        return None, str(_("“%(month)s” is not a month (write it as 2027-01).") % {"month": text[:20]})
