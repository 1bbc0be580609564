"""Reading an RFC 5322 message the way mail clients really write them.

Pure functions over bytes, no database. Parsing never raises: whatever arrives is read as well as it can
be, and what makes a message unusable is reported in `ParsedMessage.broken` so the message can be held
with that reason instead of being lost. Charsets are read as their WHATWG supersets (see `charsets`);
raw 8-bit headers (not allowed, but sent) are read like the body's text; no text leaves with a NUL in it.
"""

import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from picocore.mail.body import STRUCTURAL_DEFECTS, Part, inner_message, payload_bytes, read_body
from picocore.mail.content import html_to_text, sanitise_html
from picocore.mail.headers import addresses, decode_header_value, mailbox, message_ids, raw_text, repair_raw_headers

MAX_REFERENCES = 50

AUTO_REPLY_SUBJECT_RE = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autosvar|automatisk svar|out of (the )?office|abwesenheitsnotiz"
    r"|automatische antwort|r[ée]ponse automatique|fraværsmeddelelse|ikke til stede)\s*:",
    re.IGNORECASE,
)
BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})


@dataclass(frozen=True)
class Automatic:
    """Why a message was written by a machine, not a person; `kind` is "auto_reply" or "bounce"."""

    kind: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


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


# -- machines, not people -------------------------------------------------------------------------------------


def _delivery_report(msg: Message) -> dict[str, Any]:
    """What a delivery-status report says: failed recipients, status, and the original Message-ID."""
    details: dict[str, Any] = {
        "recipients": [], "status": "", "action": "", "diagnostic": "", "original_message_id": "",
    }  # fmt: skip
    for part in msg.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            blocks = part.get_payload()
            for block in [item for item in blocks if isinstance(item, Message)] if isinstance(blocks, list) else []:
                recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
                if recipient:
                    details["recipients"].append(recipient.split(";", 1)[-1].strip().lower())
                details["status"] = details["status"] or str(block.get("Status") or "").strip()
                details["action"] = details["action"] or str(block.get("Action") or "").strip().lower()
                diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split())
                details["diagnostic"] = details["diagnostic"] or diagnostic[:500]
        elif content_type in ("message/rfc822", "text/rfc822-headers") and not details["original_message_id"]:
            inner = inner_message(part)
            if inner is not None:
                ids = message_ids(inner.get("Message-ID"))
            else:
                headers = BytesHeaderParser(policy=compat32).parsebytes(payload_bytes(part, []))
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

    repair_raw_headers(msg)
    ids = message_ids(msg.get("Message-ID"))
    parsed.message_id = ids[0] if ids else ""
    parsed.in_reply_to = message_ids(msg.get("In-Reply-To"))[:MAX_REFERENCES]
    parsed.references = message_ids(" ".join(str(v) for v in msg.get_all("References", [])))[-MAX_REFERENCES:]
    parsed.subject = decode_header_value(msg.get("Subject"))[:300]
    from_values = [raw_text(v) for v in msg.get_all("From", [])]
    name, parsed.from_address = mailbox(from_values[0]) if from_values else ("", "")
    parsed.from_name = decode_header_value(name)[:150]
    parsed.to = addresses(msg, "To")
    parsed.cc = addresses(msg, "Cc")
    parsed.delivered_to = addresses(msg, "Delivered-To", "X-Original-To", "Envelope-To")
    parsed.loop_header = str(msg.get("X-PicoCore-Loop") or "").strip().lower()
    parsed.automatic = automatic(msg, from_address=parsed.from_address, envelope_sender=envelope_sender)

    try:
        body = read_body(msg)
    except Exception as error:  # a structure the walker cannot follow: hold it, with the reason
        parsed.broken = f"The MIME structure could not be followed ({type(error).__name__}: {error})."
        return parsed
    parsed.parts, parsed.defects = body.files, body.defects
    html = "\n".join(body.htmls)
    parsed.html = sanitise_html(html) if html else ""
    if body.texts:
        parsed.text = parsed.reply_text = "\n\n".join(text.strip("\n") for text in body.texts)
    else:  # HTML only: the reply text marks where the client's quoted part begins, for trimming
        parsed.text, parsed.reply_text = html_to_text(html), html_to_text(html, mark_quotes=True)

    structural = {cls.__name__ for cls in STRUCTURAL_DEFECTS} & set(parsed.defects)
    if structural and body.unreadable:
        boundary = msg.get_boundary()
        detail = f" (the boundary “{boundary}” never appears)" if boundary else ""
        parsed.broken = (
            f"The MIME structure is broken{detail}: {', '.join(sorted(structural))}. The text and the attachments "
            "cannot be separated reliably, so nothing was filed."
        )
    elif not parsed.from_address:
        parsed.broken = "The message has no usable sender address (From), so it cannot be answered or filed."
    return parsed
