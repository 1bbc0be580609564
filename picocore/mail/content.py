"""What a person wrote, separated from what their mail client added: quoted earlier messages, reply headers
(Outlook, Gmail, Apple Mail, Thunderbird, in English, Danish, German, French, Dutch, Spanish), signatures;
HTML turned into text and sanitised with nh3. Pure functions, no database.

Trimming only shortens what the ticket timeline shows; the full message is always kept beside it.
"""

import re
from html.parser import HTMLParser

import nh3

# A line the HTML converter writes where a mail client's quoted part begins (Gmail's gmail_quote, Outlook's
# divRplyFwdMsg, Thunderbird's moz-cite-prefix, Apple Mail's blockquote type=cite); never shown.
QUOTE_MARK = "\u2063\u2063quoted\u2063\u2063"

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}

BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "div", "dl", "dt", "dd", "fieldset", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "tr",
        "ul",
    }
)  # fmt: skip
PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "blockquote"})
SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})
QUOTE_IDS = frozenset({"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"})
QUOTE_CLASSES = frozenset({"gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote"})

OPENERS = r"(on|am|le|el|op|den|il|em|w dniu)"
VERBS = r"(wrote|schrieb|a écrit|escribió|schreef|skrev|ha scritto|escreveu|napisał|kirjoitti)"
# "On <date>, <name> wrote:" (English word order) or "Am <date> schrieb <name>:" (the verb first).
ATTRIBUTION_RE = re.compile(rf"^\s*{OPENERS}\s.{{0,300}}\b{VERBS}(\s*:?|\s.{{0,200}}:)\s*$", re.IGNORECASE)
SHORT_ATTRIBUTION_RE = re.compile(rf"^\s*.{{1,120}}\b{VERBS}\s*:\s*$", re.IGNORECASE)
ORIGINAL_RE = re.compile(
    r"^\s*-{2,}\s*(original message|oprindelig meddelelse|ursprüngliche nachricht|message d'origine"
    r"|oorspronkelijk bericht|mensaje original|opprinnelig melding|ursprungligt meddelande)\s*-{2,}\s*$",
    re.IGNORECASE,
)
FORWARD_RE = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|videresendt meddelelse|videresendt melding|weitergeleitete nachricht"
    r"|message transféré|doorgestuurd bericht|mensaje reenviado|vidarebefordrat meddelande|messaggio inoltrato"
    r"|mensagem encaminhada)\s*-{2,}"
    r"|(begin forwarded message|start på videresendt besked|anfang der weitergeleiteten nachricht"
    r"|début du message réexpédié|begin doorgestuurd bericht|vidarebefordrat brev|inizio messaggio inoltrato)\s*:)",
    re.IGNORECASE,
)
# Forward prefixes as mail clients write them: Fwd/Fw (English), WG (German), VS (Danish, Norwegian), VB
# (Swedish), VL (Finnish), TR (French), RV (Spanish), I (Italian), ENC (Portuguese), PD (Polish), Doorst
# (Dutch); after a "[tag]" a list or a ticket system put in front.
FORWARD_SUBJECT_RE = re.compile(r"^\s*(\[[^\]]{1,40}\]\s*)?(fwd?|wg|vs|vb|vl|tr|rv|i|enc|pd|doorst)\s*:", re.IGNORECASE)
OUTLOOK_FROM_RE = re.compile(r"^\s*\*?(from|fra|von|de|van|från)\s*:\*?\s+\S", re.IGNORECASE)
OUTLOOK_SENT_RE = re.compile(
    r"^\s*\*?(sent|sendt|gesendet|envoyé|verzonden|enviado|skickat|date|dato|datum)\s*:\*?\s+\S", re.IGNORECASE
)
OUTLOOK_RULE_RE = re.compile(r"^\s*_{10,}\s*$")
MOBILE_SIGNATURE_RE = re.compile(
    r"^\s*(sent from my \w+|sent from (outlook|mail) for \w+|get outlook for (ios|android)|sendt fra min \w+"
    r"|sendt fra outlook|von meinem \w+ gesendet|envoyé de mon \w+|verzonden met mijn \w+|enviado desde mi \w+)",
    re.IGNORECASE,
)
REPLY_PREFIX_RE = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|vb|vl|tr|rv|antw|rif|enc|pd|doorst|r|i)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


class _TextExtractor(HTMLParser):
    """HTML to readable text: blocks become lines, quotes get "> ", scripts and styles disappear."""

    def __init__(self, mark_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.mark_quotes = mark_quotes
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0
        self.pre_depth = 0
        self.marked = False
        self.links: list[str | None] = []

    def _flush(self, *, force: bool = False) -> None:
        """End the current line; an empty one is kept only when `force`d (a <br> on its own)."""
        text = "".join(self.current)
        self.current = []
        text = text if self.pre_depth else " ".join(text.split())
        if not text and not force:
            return
        prefix = "> " * self.quote_depth
        for line in text.split("\n") if self.pre_depth else [text]:
            self.lines.append((prefix + line).rstrip() if line or self.quote_depth else "")

    def _mark(self) -> None:
        if self.mark_quotes and not self.marked:
            self._flush()
            self.lines.append(QUOTE_MARK)
            self.marked = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name.lower(): (value or "") for name, value in attrs}
        if tag in SKIPPED_TAGS:
            self.skip_depth += 1
            return
        classes = set(attributes.get("class", "").lower().split())
        if attributes.get("id", "").lower() in QUOTE_IDS or classes & QUOTE_CLASSES:
            self._mark()
        if tag == "blockquote" and attributes.get("type", "").lower() == "cite":
            self._mark()
        if tag == "br":
            self._flush(force=True)
        elif tag in BLOCK_TAGS:
            self._flush()
            if tag == "blockquote":
                self.quote_depth += 1
            elif tag == "pre":
                self.pre_depth += 1
            elif tag == "li":
                self.current.append("- ")
            elif tag == "hr":
                self.lines.append("")
        elif tag in ("td", "th"):
            self.current.append(" ")
        elif tag == "a":
            self.links.append(attributes.get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in BLOCK_TAGS:
            self._flush()
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            elif tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            if tag in PARAGRAPH_TAGS:
                self.lines.append("")
        elif tag == "a" and self.links:
            href = self.links.pop()
            text = "".join(self.current)
            if href and href.startswith(("http://", "https://")) and href not in text:
                self.current.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.current.append(data)

    def text(self) -> str:
        self._flush()
        return collapse_blank_lines("\n".join(self.lines))


def collapse_blank_lines(text: str) -> str:
    """At most one blank line in a row, none at the start or end, no trailing spaces."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def html_to_text(html: str, *, mark_quotes: bool = False) -> str:
    """Readable plain text of an HTML mail; with `mark_quotes`, a `QUOTE_MARK` line where quoting starts."""
    extractor = _TextExtractor(mark_quotes)
    try:
        extractor.feed(html or "")
        extractor.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was read so far
        pass
    return extractor.text()


def sanitise_html(html: str) -> str:
    """HTML safe to show inside our pages: formatting and links only; no scripts, styles, images, forms or
    event handlers; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(
        html or "",
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(SKIPPED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def _attribution_at(lines: list[str], index: int) -> bool:
    """An "On <date>, <person> wrote:" line at `index`, possibly wrapped over up to three lines."""
    for span in (1, 2, 3):
        joined = " ".join(line.strip() for line in lines[index : index + span])
        if ATTRIBUTION_RE.match(joined):
            return True
    following = next((line for line in lines[index + 1 :] if line.strip()), "")
    return bool(SHORT_ATTRIBUTION_RE.match(lines[index])) and following.lstrip().startswith(">")


def _outlook_header_at(lines: list[str], index: int) -> bool:
    """Outlook's "From: … / Sent: …" block of the message being answered starts at `index`."""
    if not OUTLOOK_FROM_RE.match(lines[index]):
        return False
    return any(OUTLOOK_SENT_RE.match(line) for line in lines[index + 1 : index + 4])


def _cut_index(lines: list[str]) -> int | None:
    """Where what the mail client added begins, or None. A signature, a mobile signature or the start of
    an HTML quote is only a tentative cut: when a forward marker follows before any reply header (Gmail
    wraps a forwarded message in its quote markup, Thunderbird puts the signature above it), the message
    was forwarded and is kept whole."""
    tentative: int | None = None
    for index, line in enumerate(lines):
        if FORWARD_RE.match(line):
            return None  # what follows was forwarded on purpose: it is the content, not a quote
        if ORIGINAL_RE.match(line) or _attribution_at(lines, index):
            return index if tentative is None else tentative
        if _outlook_header_at(lines, index):
            if tentative is not None:
                return tentative
            before = index - 1
            while before >= 0 and not lines[before].strip():
                before -= 1
            return before if before >= 0 and OUTLOOK_RULE_RE.match(lines[before]) else index
        if tentative is None and (line == QUOTE_MARK or line.rstrip() == "--" or MOBILE_SIGNATURE_RE.match(line)):
            tentative = index
    return tentative


def split_reply(text: str, *, subject: str = "") -> tuple[str, bool]:
    """(what the sender wrote now, whether anything was trimmed): the quoted earlier message with its reply
    header, a trailing block of "> " lines, and the signature are cut. Inline answers between quoted
    lines are kept. A forwarded message (by its subject or a forward marker) is kept whole, and when
    trimming would leave nothing, the whole text is returned."""
    full = collapse_blank_lines(text.replace(QUOTE_MARK, ""))
    if FORWARD_SUBJECT_RE.match(subject or ""):
        return full, False
    lines = text.replace("\r\n", "\n").split("\n")
    cut = _cut_index(lines)
    kept = lines[:cut] if cut is not None else list(lines)
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    shown = collapse_blank_lines("\n".join(kept).replace(QUOTE_MARK, ""))
    if not shown:
        return full, False
    return shown, shown != full


def title_from_subject(subject: str) -> str:
    """A ticket title from an e-mail subject: reply and forward prefixes (Re:, AW:, SV:, Fwd: …) removed."""
    return REPLY_PREFIX_RE.sub("", subject or "").strip()
