"""A person who chose Danish reads Danish: every word the page itself writes (text, and the attributes people
read: placeholders, tooltips, accessible names, button values, the phone layout's cell labels) outside what
people typed or configured (`[data-user-content]`: titles, replies, names, request types and their questions,
solutions) is checked against a list of English words that are not Danish, in a real Chromium whose browser
asks for English (the stored choice wins).

The list is every word of the catalogue's English texts (msgids) that no Danish text (msgstr) uses, and the
common English words and date names below minus the Danish ones; so a text left untranslated, or written
without being marked for translation, or a date with English day or month names, fails the test, naming the
words and where they are.
"""

import re
from functools import cache
from pathlib import Path

import polib
import pytest
from playwright.sync_api import Page, expect

from picocore.tenancy.models import User
from tests.browser.conftest import PHONE, _new_context, _new_page

pytestmark = pytest.mark.browser

CATALOGUE = Path(__file__).resolve().parents[2] / "picocore" / "locale" / "da" / "LC_MESSAGES" / "django.po"
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|\{\{[^}]*\}\}|\{[^}]*\}|<[^>]+>|&\w+;")

# Common English words of a service desk, and English day and month names, whatever the catalogue holds.
# Words that are also Danish ("status", "type", "hotline", "mail", "august") are taken out below.
COMMON_ENGLISH = """
the and or of to for with from your you our we is are was be been has have not this that these those it its
what when where who which how why here there then than all any some only more most new open opened closed
close status submit submitted save saved cancel cancelled sign signed out reply replies replied waiting
resolved resolve reopen reopened priority attach attached attachment attachments file files search find next
step back help request requests ticket tickets title description created updated received owner team
organisation requester customer consultant service desk history details summary impact urgency high medium
low page pages previous first last choose select send sent add added change changed show hide yes no none
expected due by on at in as about please thank thanks error required field fields language settings
notifications notification unread read home my mine other others today yesterday tomorrow week month year
day days hour hours minute minutes ago soon now promise response respond resolution solution environment
production staging test
monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
january february march may june july october december oct
"""
# Danish words spelt like English ones, and names of things that are the same in both languages.
DANISH_TOO = set(
    """
    status type hotline mail e-mail august april november september jan feb mar apr jun jul aug nov dec
    test team service by i at for over under en et og side sider fil filer pim cms sla ok
    """.split()  # noqa: SIM905 - a word list reads best as words
)


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(PLACEHOLDER.sub(" ", text))]


@cache
def english_words() -> frozenset[str]:
    """English words no Danish text of the catalogue uses (at least two letters)."""
    catalogue = polib.pofile(str(CATALOGUE))
    danish: set[str] = set(DANISH_TOO)
    english: set[str] = set(COMMON_ENGLISH.split())
    for entry in catalogue:
        if entry.obsolete:
            continue
        english.update(words(entry.msgid) + words(entry.msgid_plural))
        danish.update(words(entry.msgstr))
        for text in entry.msgstr_plural.values():
            danish.update(words(text))
    return frozenset(w for w in english - danish if len(w) > 1)


# What the page itself writes, with where: text nodes and read attributes outside user content, scripts and
# styles, names never translated (`translate="no"`: the brand) and anything marked as another language (the
# footer's "English" in the language choice).
PAGE_TEXTS = """() => {
  const skip = "[data-user-content], [translate=no], script, style, template, [lang]:not([lang|=da])";
  const where = (e) => e.id ? `#${e.id}` : e.className && typeof e.className === "string"
      ? `${e.tagName.toLowerCase()}.${e.className.trim().split(/\\s+/).join(".")}` : e.tagName.toLowerCase();
  // The document's title repeats the page's user content (a request's title): that part is left out.
  let title = document.title;
  for (const element of document.querySelectorAll("[data-user-content]")) {
    const typed = element.textContent.trim();
    if (typed) title = title.split(typed).join(" ");
  }
  const found = [[title, "title"]];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip) || !node.nodeValue.trim()) continue;
    found.push([node.nodeValue, where(parent)]);
  }
  const read = ["placeholder", "title", "aria-label", "alt", "data-label", "aria-description"];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest(skip)) continue;
    for (const name of read) {
      if (element.hasAttribute(name)) found.push([element.getAttribute(name), `${where(element)}[${name}]`]);
    }
    // A button's value is sent, not shown; an input button shows its value.
    if (element.matches("input[type=submit], input[type=button], input[type=reset]")) {
      found.push([element.value, `${where(element)}[value]`]);
    }
  }
  return found;
}"""


def english_on(page: Page) -> list[str]:
    """Each text of the page with English words, the words and where it is ("td.status: waiting in …")."""
    english = english_words()
    found = []
    for text, where in page.evaluate(PAGE_TEXTS):
        if hits := [word for word in words(text) if word in english]:
            found.append(f"{where}: {', '.join(dict.fromkeys(hits))} in {' '.join(text.split())[:100]!r}")
    return found


class Reader:
    """Reads each page it is shown and keeps what is English, so one run names every page's words."""

    def __init__(self) -> None:
        self.english: list[str] = []

    def check(self, page: Page) -> None:
        expect(page.locator("html")).to_have_attribute("lang", "da")
        path = page.url.split("/", 3)[-1]
        self.english += [f"/{path}: {found}" for found in english_on(page)]


@pytest.fixture
def danish():
    reader = Reader()
    yield reader
    assert reader.english == [], "English words outside user content:\n" + "\n".join(reader.english)


def choose_danish(email: str) -> None:
    User.objects.filter(email=email).update(language="da")


def test_the_word_list_knows_english_from_danish():
    english = english_words()
    assert {"request", "waiting", "the", "your", "thu", "may", "october"} <= english
    assert not {"status", "type", "henvendelse", "venter", "din", "tor", "maj", "okt", "dec"} & english


def test_the_check_finds_an_english_word_outside_user_content(page: Page, live_server):
    """The check is real: the same page with one text left in English fails, and user content never does."""
    page.set_content(
        '<html lang="da"><body><p>Mine henvendelser</p><p data-user-content>Waiting for the new status</p>'
        '<button aria-label="Sign out">Log ud</button><input placeholder="Søg"></body></html>'
    )
    assert english_on(page) == ["button[aria-label]: sign, out in 'Sign out'"]


SIZES = {"1366x768": {"viewport": {"width": 1366, "height": 768}}, "390x844": PHONE}


@pytest.fixture(params=SIZES)
def sized(request, browser, live_server, demo, console_errors):
    """A tab with no session, on a laptop's 1366×768 and on a phone's 390×844 (whose layout writes other texts:
    the cell labels of its stacked tables)."""
    context = _new_context(browser, live_server, **SIZES[request.param])
    yield _new_page(context, console_errors)
    context.close()


def test_a_requester_who_chose_danish_reads_the_portal_in_danish(sized: Page, sign_in, danish, console_errors):
    page = sized
    choose_danish("anna@acme.example")
    sign_in(page, "anna@acme.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine henvendelser")
    danish.check(page)

    page.goto("/portal/requests/?status=finished")
    danish.check(page)

    # A request being worked, with a reply and a next step with a date.
    page.goto("/portal/requests/ACME-4/")
    expect(page.get_by_role("heading", name="Forløb")).to_be_visible()
    danish.check(page)
    # A resolved one, with the resolution note and Confirm / Reopen at the top.
    page.goto("/portal/requests/ACME-3/")
    danish.check(page)

    # The catalogue, a request form, and the same form refused with its messages.
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Ny henvendelse").click()
    danish.check(page)
    page.locator("a.catalogue-item").first.click()
    expect(page.locator("form.request-form")).to_be_visible()
    danish.check(page)
    # The form's own answer, not that of the suggestions (asked for as the form is filled in).
    with page.expect_response(
        lambda response: response.request.method == "POST" and "/suggestions/" not in response.url
    ):
        page.locator("form.request-form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    danish.check(page)
    assert console_errors == []


def test_a_customer_admin_who_chose_danish_reads_our_question_in_danish(page: Page, sign_in, danish, console_errors):
    choose_danish("admin@acme.example")
    sign_in(page, "admin@acme.example")
    danish.check(page)
    page.goto("/portal/requests/ACME-2/")
    expect(page.locator("#we-need")).to_be_visible()
    danish.check(page)
    assert console_errors == []


def test_a_consultant_who_chose_danish_reads_the_desk_in_danish(page: Page, sign_in, danish, console_errors):
    choose_danish("consultant@picocore.example")
    sign_in(page, "consultant@picocore.example")
    danish.check(page)  # her own queue
    for queue in ("team", "breaching", "waiting"):
        page.goto(f"/desk/queues/{queue}/")
        danish.check(page)
    # A ticket being worked (a reply, a next step, clocks running) and one waiting on the customer.
    for key in ("ACME-4", "ACME-2"):
        page.goto(f"/desk/tickets/{key}/")
        expect(page.locator("[data-compose]")).to_be_visible()
        danish.check(page)
    assert console_errors == []


def test_problems_knowledge_and_search_read_in_danish(page: Page, sign_in, danish, console_errors):
    """The desk's problems, knowledge base and search for a consultant, and the portal's knowledge base searched
    and a known issue for a requester, who both chose Danish."""
    from picocore.knowledge.models import Article
    from picocore.problems.models import Problem

    known_error = Problem.objects.filter(known_issue_published_at__isnull=False).values_list("pk", flat=True).first()
    article = Article.objects.filter(title="How to re-run a failed product import").values_list("pk", flat=True).first()
    choose_danish("consultant@picocore.example")
    sign_in(page, "consultant@picocore.example")
    for path in (
        "/desk/problems/",
        f"/desk/problems/{known_error}/",
        "/desk/knowledge/",
        f"/desk/knowledge/{article}/",
        "/desk/search/?q=pim",
    ):  # the search: a word that is Danish too, as the page's title holds it
        page.goto(path)
        danish.check(page)
    page.context.clear_cookies()
    choose_danish("anna@acme.example")
    sign_in(page, "anna@acme.example")
    for path in ("/portal/knowledge/", "/portal/knowledge/?q=pim",
                 f"/portal/knowledge/known-issues/{known_error}/"):  # fmt: skip
        page.goto(path)
        danish.check(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert console_errors == []
