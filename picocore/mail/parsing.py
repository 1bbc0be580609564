"""Reading an RFC 5322 message the way mail clients really write them.

Pure functions over bytes, no database. Parsing never raises: whatever arrives is read as well as it can
be, and what makes a message unusable is reported in `ParsedMessage.broken` so the message can be held
with that reason instead of being lost. Charsets follow the WHATWG rule that labels of ISO-8859-1 and
US-ASCII mean Windows-1252 (Outlook's smart quotes in a "latin-1" message), and undeclared 8-bit text is
read as UTF-8, then Windows-1252.
"""

import codecs
import mimetypes
import re
from dataclasses import dataclass, field
from email import errors as email_errors
from email import message_from_bytes
from email.header import Header, decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parseaddr

from picocore.mail.content import html_to_text, sanitise_html

MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,998}>")
MAX_REFERENCES = 50

# Defects after which the text and the attachments cannot be told apart reliably.
STRUCTURAL_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
)
LATIN_1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819"})
UNDECLARED_LABELS = frozenset({"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "8bit", "default", "unknown"})

AUTO_REPLY_SUBJECT_RE = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autosvar|automatisk svar|out of (the )?office|abwesenheitsnotiz"
    r"|automatische antwort|r[ée]ponse automatique|fraværsmeddelelse|ikke til stede)\s*:",
    re.IGNORECASE,
)
BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})


@dataclass(frozen=True)
class Part:
    """An attached or inline file as sent."""

    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


@dataclass(frozen=True)
class Automatic:
    """Why a message was written by a machine, not a person; `kind` is "auto_reply" or "bounce"."""

    kind: str
    reason: str
    details: dict = field(default_factory=dict)


@dataclass
class ParsedMessage:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)
    text: str = ""
    reply_text: str = ""
    html: str = ""
    parts: list[Part] = field(default_factory=list)
    automatic: Automatic | None = None
    defects: list[str] = field(default_factory=list)
    broken: str = ""
    loop_header: str = ""

    @property
    def addressed_to(self) -> list[str]:
        """Every address the message says it was for (To, Cc, Delivered-To, X-Original-To), lower case."""
        return list(dict.fromkeys(self.to + self.cc + self.delivered_to))


# -- decoding -------------------------------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in the declared charset, with the fallbacks real mail needs; never raises."""
    label = (charset or "").strip().strip("\"'").lower()
    if label in UNDECLARED_LABELS:
        candidates = ["utf-8", "cp1252"]
    elif label in LATIN_1_LABELS:
        candidates = ["cp1252"]
    else:
        candidates = [label, "utf-8", "cp1252"]
    for encoding in candidates:
        try:
            codecs.lookup(encoding)
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")  # every byte is a character: readable, never an error


def _unescape_raw_header(value: str) -> str:
    """Headers with raw 8-bit bytes (not RFC 2047) arrive as surrogate escapes; read them as text."""
    if not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    return decode_bytes(value.encode("ascii", "surrogateescape"), None)


def _raw_text(value: object) -> str:
    """A header value as str, before RFC 2047 decoding. Raw 8-bit bytes in it (not allowed, but sent) are
    read as UTF-8 or Windows-1252: compat32 wraps such a header in a `Header` of unknown-8bit chunks."""
    if isinstance(value, Header):
        return "".join(decode_bytes(chunk, charset) for chunk, charset in decode_header(value))
    return _unescape_raw_header(str(value))


def decode_header_value(value: object) -> str:
    """A header as one line of text: RFC 2047 encoded words decoded, whitespace collapsed."""
    if value is None:
        return ""
    text = _raw_text(value)
    try:
        chunks = decode_header(text)
    except (email_errors.HeaderParseError, ValueError, LookupError):
        return " ".join(text.split())
    decoded = []
    for chunk, charset in chunks:
        decoded.append(chunk if isinstance(chunk, str) else decode_bytes(chunk, charset))
    return " ".join("".join(decoded).split())


def message_ids(value: object) -> list[str]:
    """The `<id>` tokens of a Message-ID, In-Reply-To or References header, in order."""
    text = str(value or "")
    found = MESSAGE_ID_RE.findall(text)
    if not found and text.strip() and " " not in text.strip():
        found = [f"<{text.strip().strip('<>')}>"]  # a bare id without its brackets
    return [item[:250] for item in found]


def addresses(msg: Message, *names: str) -> list[str]:
    values = []
    for name in names:
        values += [_raw_text(item) for item in msg.get_all(name, [])]
    try:
        pairs = getaddresses(values)
    except (ValueError, TypeError, IndexError):
        return []
    return list(dict.fromkeys(address.strip().lower() for _name, address in pairs if "@" in address))


def peek_headers(raw: bytes) -> tuple[str, str, str]:
    """(Message-ID, From address, Subject) from the header block alone: what receiving needs, fast."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    ids = message_ids(headers.get("Message-ID"))
    from_address = addresses(headers, "From")
    return (ids[0] if ids else ""), (from_address[0] if from_address else ""), decode_header_value(headers["Subject"])


# -- structure ------------------------------------------------------------------------------------------------


def _disposition(part: Message) -> str:
    return (part.get_content_disposition() or "").lower()


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except (ValueError, LookupError, TypeError):
        name = ""
    return decode_header_value(name) if name else ""


def _is_attachment(part: Message) -> bool:
    if part.get_content_type() == "message/rfc822" or _disposition(part) == "attachment":
        return True
    # A text file sent "inline" with a name (Apple Mail does this) is a file, not the body.
    return part.get_content_maintype() == "text" and bool(_filename(part))


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            return inner[0].as_bytes(policy=compat32)
        return b""
    try:
        data = part.get_payload(decode=True)
    except Exception as error:  # decoding garbage must not lose the message; the defect is reported
        defects.append(f"Could not decode a {part.get_content_type()} part: {error}")
        return b""
    if isinstance(data, bytes):
        return data
    return str(part.get_payload() or "").encode("utf-8", "surrogateescape")


def unflow(text: str, *, delsp: bool = False) -> str:
    """RFC 3676 format=flowed (Thunderbird, Apple Mail) back to paragraphs: a line ending in a space
    continues on the next line of the same quote depth; space-stuffing is removed."""
    out: list[str] = []
    quote, buffer, open_line = "", "", False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        line_quote, content = line[:depth], line[depth:]
        if content.startswith(" "):
            content = content[1:]
        if open_line and line_quote == quote and content != "-- ":
            buffer += content
        else:
            if open_line:
                out.append(f"{quote} {buffer}" if quote else buffer)
            quote, buffer = line_quote, content
        open_line = buffer.endswith(" ") and buffer != "-- "
        if open_line and delsp:
            buffer = buffer[:-1]
        if not open_line:
            out.append(f"{quote} {buffer}" if quote else buffer)
            buffer = ""
    if open_line:
        out.append(f"{quote} {buffer}" if quote else buffer)
    return "\n".join(out)


def _text(part: Message, defects: list[str]) -> str:
    text = decode_bytes(_payload_bytes(part, defects), part.get_content_charset())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if str(part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, delsp=str(part.get_param("delsp") or "").lower() == "yes")
    return text


def _part(part: Message, number: int, defects: list[str]) -> Part:
    content_type = part.get_content_type()
    name = _filename(part)
    if not name:
        if content_type == "message/rfc822":
            inner = part.get_payload()
            subject = decode_header_value(inner[0]["Subject"]) if isinstance(inner, list) and inner else ""
            name = f"{subject or 'forwarded message'}.eml"
        else:
            extension = mimetypes.guess_extension(content_type) or ".bin"
            stem = "image" if part.get_content_maintype() == "image" else "attachment"
            name = f"{stem}-{number}{extension}"
    content_id = str(part.get("Content-ID") or "").strip().strip("<>")
    inline = _disposition(part) == "inline" or (bool(content_id) and _disposition(part) != "attachment")
    data = _payload_bytes(part, defects)
    return Part(filename=name, content_type=content_type, data=data, inline=inline, content_id=content_id)


def _walk(part: Message, files: list[Part], defects: list[str]) -> tuple[list[str], list[str]]:
    """(plain texts, HTML texts) of the body under `part`; every file found is appended to `files`."""
    for defect in getattr(part, "defects", []):
        defects.append(type(defect).__name__)
    if _is_attachment(part):
        files.append(_part(part, len(files) + 1, defects))
        return [], []
    if part.is_multipart():
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        if part.get_content_type() == "multipart/alternative":
            results = [_walk(child, files, defects) for child in children]
            texts = next((texts for texts, _html in results if texts), [])
            htmls = next((htmls for _texts, htmls in reversed(results) if htmls), [])
            return texts, htmls
        texts: list[str] = []
        htmls: list[str] = []
        for child in children:
            child_texts, child_htmls = _walk(child, files, defects)
            texts += child_texts
            htmls += child_htmls
        return texts, htmls
    content_type = part.get_content_type()
    if content_type == "text/plain":
        return [_text(part, defects)], []
    if content_type == "text/html":
        return [], [_text(part, defects)]
    if content_type.startswith("multipart/"):  # declared multipart, but the parser found no parts
        return [_text(part, defects)], []
    files.append(_part(part, len(files) + 1, defects))
    return [], []


# -- machines, not people -------------------------------------------------------------------------------------


def _delivery_report(msg: Message) -> dict:
    """What a delivery-status report says: failed recipients, status, and the original Message-ID."""
    details: dict = {"recipients": [], "status": "", "action": "", "diagnostic": "", "original_message_id": ""}
    for part in msg.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
                if recipient:
                    details["recipients"].append(recipient.split(";", 1)[-1].strip().lower())
                details["status"] = details["status"] or str(block.get("Status") or "").strip()
                details["action"] = details["action"] or str(block.get("Action") or "").strip().lower()
                diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split())
                details["diagnostic"] = details["diagnostic"] or diagnostic[:500]
        elif content_type in ("message/rfc822", "text/rfc822-headers") and not details["original_message_id"]:
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                ids = message_ids(inner[0].get("Message-ID"))
            else:
                headers = BytesHeaderParser(policy=compat32).parsebytes(_payload_bytes(part, []))
                ids = message_ids(headers.get("Message-ID"))
            details["original_message_id"] = ids[0] if ids else ""
    if failed := [str(v).strip().lower() for v in msg.get_all("X-Failed-Recipients", [])]:
        details["recipients"] = details["recipients"] or [a.strip() for v in failed for a in v.split(",")]
    return details


def automatic(msg: Message, *, from_address: str, envelope_sender: str | None = None) -> Automatic | None:
    """Why this message was sent by a machine (auto-reply, out-of-office, bounce, delivery or read report),
    or None when a person wrote it. Such messages never create tickets or reach a ticket's timeline."""
    content_type = msg.get_content_type()
    report_type = str(msg.get_param("report-type") or "").lower()
    local = from_address.split("@", 1)[0]
    bounce_reason = ""
    if content_type == "multipart/report":
        bounce_reason = f"a delivery report (multipart/report; report-type={report_type or 'unknown'})"
    elif msg.get("X-Failed-Recipients"):
        bounce_reason = "a bounce (X-Failed-Recipients)"
    elif local in BOUNCE_SENDERS:
        bounce_reason = f"a bounce (from {from_address})"
    elif envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        bounce_reason = "a bounce (empty envelope sender)"
    elif str(msg.get("Return-Path") or "").strip() == "<>":
        bounce_reason = "a bounce (empty Return-Path)"
    if bounce_reason:
        return Automatic(kind="bounce", reason=f"Ignored: {bounce_reason}.", details=_delivery_report(msg))

    auto_submitted = str(msg.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return Automatic(kind="auto_reply", reason=f"Ignored: sent automatically (Auto-Submitted: {auto_submitted}).")
    precedence = str(msg.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return Automatic(kind="auto_reply", reason=f"Ignored: sent automatically (Precedence: {precedence}).")
    for header in ("X-Autoreply", "X-Autorespond", "X-Autoresponse", "X-Auto-Reply"):
        if msg.get(header) is not None:
            return Automatic(kind="auto_reply", reason=f"Ignored: sent automatically ({header}).")
    subject = decode_header_value(msg.get("Subject"))
    if AUTO_REPLY_SUBJECT_RE.match(subject):
        return Automatic(kind="auto_reply", reason=f"Ignored: an automatic reply (subject “{subject[:80]}”).")
    return None


# -- the whole message ----------------------------------------------------------------------------------------


def parse_message(raw: bytes, *, envelope_sender: str | None = None) -> ParsedMessage:
    """Everything processing needs from a raw message. Never raises; see `broken` and `defects`."""
    parsed = ParsedMessage()
    try:
        msg = message_from_bytes(raw, policy=compat32)
    except Exception as error:  # the parser is lenient; this is the last line of defence
        parsed.broken = f"The message could not be read as e-mail at all ({type(error).__name__}: {error})."
        return parsed

    ids = message_ids(msg.get("Message-ID"))
    parsed.message_id = ids[0] if ids else ""
    parsed.in_reply_to = message_ids(msg.get("In-Reply-To"))[:MAX_REFERENCES]
    parsed.references = message_ids(" ".join(str(v) for v in msg.get_all("References", [])))[-MAX_REFERENCES:]
    parsed.subject = decode_header_value(msg.get("Subject"))[:300]
    from_values = [_raw_text(v) for v in msg.get_all("From", [])]
    name, address = parseaddr(from_values[0]) if from_values else ("", "")
    parsed.from_address = address.strip().lower() if "@" in address else ""
    parsed.from_name = decode_header_value(name)[:150]
    parsed.to = addresses(msg, "To")
    parsed.cc = addresses(msg, "Cc")
    parsed.delivered_to = addresses(msg, "Delivered-To", "X-Original-To", "Envelope-To")
    parsed.loop_header = str(msg.get("X-PicoCore-Loop") or "").strip().lower()
    parsed.automatic = automatic(msg, from_address=parsed.from_address, envelope_sender=envelope_sender)

    files: list[Part] = []
    try:
        texts, htmls = _walk(msg, files, parsed.defects)
    except Exception as error:  # a structure the walker cannot follow: hold it, with the reason
        parsed.broken = f"The MIME structure could not be followed ({type(error).__name__}: {error})."
        return parsed
    parsed.parts = files
    html = "\n".join(htmls)
    parsed.html = sanitise_html(html) if html else ""
    if texts:
        parsed.text = parsed.reply_text = "\n\n".join(text.strip("\n") for text in texts if text.strip())
    else:  # HTML only: the reply text marks where the client's quoted part begins, for trimming
        parsed.text, parsed.reply_text = html_to_text(html), html_to_text(html, mark_quotes=True)

    structural = {cls.__name__ for cls in STRUCTURAL_DEFECTS} & set(parsed.defects)
    if structural:
        boundary = msg.get_boundary()
        detail = f" (the boundary “{boundary}” never appears)" if boundary else ""
        parsed.broken = (
            f"The MIME structure is broken{detail}: {', '.join(sorted(structural))}. The text and the attachments "
            "cannot be separated reliably, so nothing was filed."
        )
    elif not parsed.from_address:
        parsed.broken = "The message has no usable sender address (From), so it cannot be answered or filed."
    return parsed
