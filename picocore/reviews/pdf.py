"""A review as a PDF, through WeasyPrint, from its frozen snapshot alone.

Nothing is fetched from outside: the one stylesheet is the application's own static file, read from disk, and
every other URL (remote or local) is refused, so a review renders the same offline and cannot be made to reach
out. Fonts are the system's (Debian's fonts-dejavu-core; see the README for the packages WeasyPrint needs).
"""

import functools
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

from picocore.reviews.models import ServiceReview
from picocore.reviews.snapshot import Snapshot

# The document's base: only paths under the static URL resolve, and only to the application's own files.
BASE_URL = "https://picocore.invalid/"
STYLESHEET = "reviews/print.css"


class RefusedURL(ValueError):
    """A URL the PDF may not load: anything but the application's own static files."""


@functools.cache
def local_only_fetcher_class() -> type:
    """WeasyPrint's fetcher, serving the application's static files from disk and refusing every other URL,
    remote or not. Built on first use: WeasyPrint is imported only when a PDF is made."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    # WeasyPrint reports each step of every document at INFO; its warnings still show.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None) -> Any:
            return URLFetcherResponse(url, *static_file(url))

    return LocalOnlyFetcher


def static_file(url: str) -> tuple[bytes, dict[str, str]]:
    """The bytes and headers of the application's static file at `url`; RefusedURL for any other URL."""
    prefix = BASE_URL + settings.STATIC_URL.lstrip("/")
    if not url.startswith(prefix):
        raise RefusedURL(f"The review's PDF loads nothing from outside the application: {url}")
    relative = url.removeprefix(prefix).split("?")[0].split("#")[0]
    found = finders.find(relative) if ".." not in Path(relative).parts else None
    if not found:
        raise RefusedURL(f"No such static file: {relative}")
    path = Path(found if isinstance(found, str) else found[0])
    content_type = "text/css" if path.suffix == ".css" else "application/octet-stream"
    return path.read_bytes(), {"Content-Type": content_type}


def review_html(review: ServiceReview, snapshot: Snapshot) -> str:
    """The PDF's HTML in the active language."""
    return render_to_string("reviews/pdf.html", {"review": review, "snapshot": snapshot, "print_css": STYLESHEET})


def review_pdf(review: ServiceReview, snapshot: Snapshot) -> bytes:
    """The review as PDF bytes, in the active language and time zone."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    fetcher = local_only_fetcher_class()()
    document = HTML(string=review_html(review, snapshot), base_url=BASE_URL, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf()
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
