"""Header fields as mail clients really write them: RFC 2047 encoded words, raw 8-bit bytes from broken
mailers, display names with unquoted commas or "@". Pure functions, no database; nothing here raises on
bad input, and no text leaves with a NUL in it.
"""

import re
from email import errors as email_errors
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr

from picocore.core.text import without_nul
from picocore.mail.charsets import decode_bytes

MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,998}>")
ANGLE_ADDRESS_RE = re.compile(r"<\s*([^<>\s@]+@[^<>\s@]+)\s*>")


def _has_raw_bytes(value: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in value)


def _unescape_raw_header(value: str, charset: str | None = None) -> str:
    """Headers with raw 8-bit bytes (not RFC 2047) arrive as surrogate escapes; read them as text in the
    charset the message's body declares (the mailer that wrote one wrote the other), else UTF-8, else
    Windows-1252."""
    if not _has_raw_bytes(value):
        return value
    return decode_bytes(value.encode("ascii", "surrogateescape"), charset)


def _declared_charset(msg: Message) -> str | None:
    """The first charset any part of `msg` declares: the best guess for its raw 8-bit headers."""
    for part in msg.walk():
        try:
            charset = part.get_content_charset()
        except (ValueError, LookupError, TypeError):
            charset = None
        if charset:
            return charset
    return None


def repair_raw_headers(msg: Message) -> None:
    """Rewrite every header of `msg` and its parts that holds raw 8-bit bytes as decoded text, in place.

    compat32 hands such a header out as a `Header` of "unknown-8bit" chunks, and its parameters
    (`filename="Hofjägeralle.jpg"`) as U+FFFD: decoded here first, a raw subject, sender name or file name
    keeps its letters."""
    charset = _declared_charset(msg)
    for part in msg.walk():
        items = list(part.raw_items())
        if not any(isinstance(value, str) and _has_raw_bytes(value) for _name, value in items):
            continue
        for name in dict.fromkeys(name for name, _value in items):
            del part[name]
        for name, value in items:
            if isinstance(value, str):
                value = _unescape_raw_header(value, part.get_content_charset() or charset)
            part.set_raw(name, value)


def raw_text(value: object) -> str:
    """A header value as str, before RFC 2047 decoding. Raw 8-bit bytes in it (not allowed, but sent) are
    read as UTF-8 or Windows-1252: compat32 wraps such a header in a `Header` of unknown-8bit chunks."""
    if isinstance(value, Header):
        return "".join(decode_bytes(chunk, charset) for chunk, charset in decode_header(value))
    return _unescape_raw_header(str(value))


def _unencoded(chunk: bytes) -> str:
    """Text between encoded words, which `decode_header` hands back as raw-unicode-escape bytes."""
    try:
        return chunk.decode("raw-unicode-escape")
    except UnicodeDecodeError:  # a literal backslash-u in the text: read it as bytes
        return decode_bytes(chunk, None)


def decode_header_value(value: object) -> str:
    """A header as one line of text without NUL: RFC 2047 encoded words decoded, whitespace collapsed."""
    if value is None:
        return ""
    text = raw_text(value)
    try:
        chunks = decode_header(text)
    except (email_errors.HeaderParseError, ValueError, LookupError):
        return " ".join(without_nul(text).split())
    decoded = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            decoded.append(chunk)
        else:
            decoded.append(_unencoded(chunk) if charset is None else decode_bytes(chunk, charset))
    return " ".join(without_nul("".join(decoded)).split())


def message_ids(value: object) -> list[str]:
    """The `<id>` tokens of a Message-ID, In-Reply-To or References header, in order."""
    text = str(value or "")
    found = MESSAGE_ID_RE.findall(text)
    if not found and text.strip() and " " not in text.strip():
        found = [f"<{text.strip().strip('<>')}>"]  # a bare id without its brackets
    return [item[:250] for item in found]


def addresses(msg: Message, *names: str) -> list[str]:
    """Every address in the named headers, lower case, in order, once each. Read leniently: a display
    name with an unquoted comma ("Doe, John <john@x>") or "@" ("john@x <john@x>") still yields the
    address, though strict parsing gives up on the whole header."""
    values = []
    for name in names:
        values += [raw_text(item) for item in msg.get_all(name, [])]
    try:
        pairs = getaddresses(values, strict=False)
    except (ValueError, TypeError, IndexError):
        return []
    return list(dict.fromkeys(address.strip().lower() for _name, address in pairs if "@" in address))


def mailbox(value: str) -> tuple[str, str]:
    """(display name, address) of a From header, the address lower case; ("", "") when it holds none.

    The address in angle brackets wins over what a broken display name seems to say: `Doe, John
    <john@x>` (an unquoted comma, which strict parsing reads as two addresses) and `john@x <john@x>`."""
    try:
        name, address = parseaddr(value)
    except (ValueError, TypeError, IndexError):
        name, address = "", ""
    if "@" not in address and (match := ANGLE_ADDRESS_RE.search(value)):
        name, address = value[: match.start()].strip().strip('"').strip(), match[1]
    if "@" not in address:
        name, address = "", _first_address(value)
    return name, address.strip().lower()


def _first_address(value: str) -> str:
    try:
        pairs = getaddresses([value], strict=False)
    except (ValueError, TypeError, IndexError):
        return ""
    return next((address for _name, address in pairs if "@" in address), "")
