"""A review as a PDF, through WeasyPrint, from its frozen snapshot alone.

Nothing is fetched: the one stylesheet is the application's own print stylesheet (the static file the review
pages link for printing), handed to WeasyPrint as text, and every URL (remote or local) is refused, so a review
renders the same offline and cannot be made to reach out. Fonts are the system's (Debian's fonts-dejavu-core;
the README names the packages WeasyPrint needs).
"""

import functools
import logging
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string

from picocore.reviews.models import ServiceReview
from picocore.reviews.snapshot import Snapshot

# The document's base: a name that resolves nowhere; every URL the document might name is refused anyway.
BASE_URL = "https://picocore.invalid/"
# The print stylesheet the review pages link for the browser's print, read from the app's own file for the PDF.
STYLESHEET = Path(__file__).resolve().parent / "static" / "reviews" / "print.css"


class RefusedURL(ValueError):
    """A URL the PDF may not load: all of them; the stylesheet is handed over as text, fonts are the system's."""


@functools.cache
def local_only_fetcher_class() -> type:
    """WeasyPrint's fetcher, refusing every URL, remote or local. Built on first use: WeasyPrint is imported only
    when a PDF is made."""
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    # WeasyPrint reports each step of every document at INFO; its warnings still show.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None) -> Any:
            refuse(url)

    return LocalOnlyFetcher


def refuse(url: str) -> None:
    """Raise RefusedURL: the review's PDF loads nothing, from the network or from disk."""
    raise RefusedURL(f"The review's PDF loads nothing from outside itself: {url[:200]}")


def review_html(review: ServiceReview, snapshot: Snapshot) -> str:
    """The PDF's HTML in the active language."""
    return render_to_string("reviews/pdf.html", {"review": review, "snapshot": snapshot})


def review_pdf(review: ServiceReview, snapshot: Snapshot) -> bytes:
    """The review as PDF bytes, in the active language and time zone."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]

    fetcher = local_only_fetcher_class()()
    document = HTML(string=review_html(review, snapshot), base_url=BASE_URL, url_fetcher=fetcher)
    stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"), base_url=BASE_URL, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet])
    return pdf


def pdf_filename(review: ServiceReview, snapshot: Snapshot) -> str:
    name = "".join(ch if ch.isalnum() else "-" for ch in snapshot.organisation.lower()).strip("-") or "review"
    return f"service-review-{name}-{review.month:%Y-%m}.pdf"


def pdf_response(review: ServiceReview) -> HttpResponse:
    """The review's PDF as a download."""
    snapshot = Snapshot.from_data(review.snapshot)
    return HttpResponse(
        review_pdf(review, snapshot),
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf_filename(review, snapshot)}"'},
    )
