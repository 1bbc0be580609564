"""Browser journeys: Debian's Chromium, driven by Playwright, against the live server with the demo loaded.

Run with `make test-browser`. The browser starts once per session; each test gets a fresh database with the
demo installation, and a fresh browser context (no cookies) whose console errors it can assert on.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, sync_playwright

from picocore.demo.data import DEMO_PASSWORD, load_demo

CHROMIUM = Path(os.environ.get("PICOCORE_CHROMIUM", "/usr/bin/chromium"))
# Quiet, offline and sandbox-free: the browser talks only to the live server, in containers too.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API, with Django told that its event loop does not make the test thread async.

    The sync API keeps an asyncio loop running in the test thread for as long as it is started, so
    Django's ORM (loading the demo, flushing the database) would raise SynchronousOnlyOperation. The
    loop only drives the browser; the ORM calls stay synchronous, so allowing them is safe, and only
    for exactly as long as the loop runs.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as started:
            yield started
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium).")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory) -> None:
    """On SQLite, the live server's threads and the test share a database file in WAL mode, as an installation
    does (picocore/config/settings.py): there a reader runs beside the writer and a second writer waits (busy
    timeout). SQLite's shared in-memory test database instead locks whole tables and fails at once ("database
    table is locked", which the pages answer with 503) when the form's request and the suggestions the typing
    asked for meet."""
    from django.conf import settings

    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        default.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("browser-db") / "picocore.sqlite3")


@pytest.fixture
def demo(django_db_serialized_rollback, transactional_db) -> None:
    """The demo installation (Acme, Nordic Fashion, Bolt; ACME-1..3), in the database the live server reads."""
    load_demo()


@pytest.fixture
def console_errors() -> list[str]:
    """Every console error and uncaught exception of the test's pages, CSP violations included.

    A test asserts it is empty at the end: a page that works but logs errors is a bug waiting to surface.
    """
    return []


def _new_context(browser: Browser, live_server, **options) -> BrowserContext:
    # English and a fixed time zone, whatever the machine's: the assertions read English text.
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Copenhagen", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _new_page(context: BrowserContext, console_errors: list[str]) -> Page:
    page = context.new_page()

    def record(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        # Chromium logs a page's own 4xx status (a rejected form's 400, a 404) as an error; the tests
        # assert those statuses themselves. A failing stylesheet or script still counts.
        if message.text.startswith("Failed to load resource") and url == page.url:
            return
        console_errors.append(f"{message.text} ({url})")

    page.on("console", record)
    page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
    return page


@pytest.fixture
def page(browser: Browser, live_server, demo, console_errors: list[str]) -> Iterator[Page]:
    """A desktop-sized tab with no session."""
    context = _new_context(browser, live_server, **DESKTOP)
    yield _new_page(context, console_errors)
    context.close()


@pytest.fixture
def phone(browser: Browser, live_server, demo, console_errors: list[str]) -> Iterator[Page]:
    """A phone-sized tab (390×844, mobile viewport rules, touch) with no session."""
    context = _new_context(browser, live_server, **PHONE)
    yield _new_page(context, console_errors)
    context.close()


@pytest.fixture
def sign_in() -> Callable[[Page, str], None]:
    """Signs a demo user in through the login form, as a person would, and waits for their landing page
    (the portal for customers, the desk for staff)."""

    def sign_in(page: Page, email: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return sign_in
