"""The body of a message — its text, its HTML and its files — however the mail client put it together.

Pure functions, no database. Texts are decoded (see `charsets`) and free of NUL; file names are decoded,
NFC-normalised and shortened by bytes keeping their extension; a file without a name gets one from its
content type; uuencoded files, in a part of their own or inside the text, come out as files. A part
declared multipart whose boundaries never appear is read as text when it reads as text.
"""

import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from email import errors as email_errors
from email import utils
from email.message import Message
from email.policy import compat32

from picocore.core.text import shorten_filename, without_nul
from picocore.mail.charsets import decode_bytes
from picocore.mail.headers import decode_header_value
from picocore.mail.uuencode import UuFile, split_uuencoded, uudecode

# Defects after which the parser found no parts where the message declared some.
STRUCTURAL_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
)
UUENCODE_TRANSFER_ENCODINGS = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})
UUENCODE_TYPES = frozenset({"application/x-uuencode", "application/x-uue", "text/x-uuencode"})
# Content types mailers write that are not registered, and the registered type they mean.
CONTENT_TYPE_ALIASES = {
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png", "image/x-ms-bmp": "image/bmp",
    "application/x-pdf": "application/pdf", "application/acrobat": "application/pdf", "text/x-csv": "text/csv",
    "application/csv": "text/csv", "application/x-zip-compressed": "application/zip",
    "application/x-zip": "application/zip",
}  # fmt: skip
# Python's own tables only: the machine's /etc/mime.types must not change what a file is called.
_TYPES = mimetypes.MimeTypes()
_EXTENSIONS = {"image/jpeg": ".jpg", "text/plain": ".txt", "message/rfc822": ".eml", "image/tiff": ".tif"}
_PART_HEADER_RE = re.compile(r"^content-(type|transfer-encoding|disposition)\s*:", re.IGNORECASE | re.MULTILINE)
_BASE64_LINE_RE = re.compile(r"^[A-Za-z0-9+/=]{40,}$")
_META_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_HTML_RE = re.compile(r"<(html|body|div|p|br|table)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    """An attached or inline file as sent."""

    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class Body:
    """What a message's body holds: its plain and HTML texts (each non-empty), its files, the parser's
    defects, and whether a part declared multipart without its boundaries was unreadable as text."""

    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    files: list[Part] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    unreadable: bool = False


def content_type_of(part: Message) -> str:
    """The part's content type, with unregistered spellings (`image/jpg`) read as the type they mean."""
    content_type = part.get_content_type()
    return CONTENT_TYPE_ALIASES.get(content_type, content_type)


def _extension(content_type: str) -> str:
    return _EXTENSIONS.get(content_type) or _TYPES.guess_extension(content_type) or ".bin"


def _type_of_name(name: str, content_type: str) -> str:
    """The content type a uuencoded file's name implies, else the part's own."""
    guessed = _TYPES.guess_type(name)[0]
    return guessed if guessed and content_type in ("application/octet-stream", *UUENCODE_TYPES) else content_type


def file_name(name: str, *, content_type: str, number: int) -> str:
    """A file's name as stored: decoded and shortened; a name without an extension gets its type's, and a
    file without a name is called "image-1.jpg", "attachment-2.pdf" … by its content type."""
    name = shorten_filename(decode_header_value(name)) if name else ""
    extension = _extension(content_type)
    if not name:
        stem = "image" if content_type.startswith("image/") else "attachment"
        return f"{stem}-{number}{extension}"
    if "." not in name.lstrip(".") and extension != ".bin":
        name = shorten_filename(name + extension)
    return name


def _disposition(part: Message) -> str:
    return (part.get_content_disposition() or "").lower()


def _declared_name(part: Message) -> str:
    """The file name the part declares (Content-Disposition's filename, else Content-Type's name). An RFC
    2231 name is decoded in its charset's WHATWG superset: `email` would read GBK declared "gb2312" as "�"."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        try:
            value = part.get_param(param, None, header)
        except (ValueError, LookupError, TypeError):
            continue
        if isinstance(value, tuple):
            charset, _language, text = value
            return decode_bytes(utils.unquote(text).encode("raw-unicode-escape"), charset or None).strip()
        if value:
            return utils.unquote(value).strip()
    return ""


def _is_attachment(part: Message) -> bool:
    if part.get_content_type() == "message/rfc822" or _disposition(part) == "attachment":
        return True
    # A text file sent "inline" with a name (Apple Mail does this) is a file, not the body.
    return part.get_content_maintype() == "text" and bool(_declared_name(part))


def inner_message(part: Message) -> Message | None:
    """The message a message/rfc822 (or text/rfc822-headers) part carries, when the parser read it."""
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        return inner[0]
    return None


def payload_bytes(part: Message, defects: list[str]) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = inner_message(part)
        return inner.as_bytes(policy=compat32) if inner is not None else b""
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


def _charset(part: Message, data: bytes) -> str | None:
    """The part's declared charset; for HTML that declares none, the one its <meta> names (as browsers
    read it)."""
    charset = part.get_content_charset()
    if charset is None and part.get_content_type() == "text/html" and (match := _META_CHARSET_RE.search(data[:4096])):
        return match[1].decode("ascii")
    return charset


def _decoded_text(part: Message, data: bytes) -> str:
    text = without_nul(decode_bytes(data, _charset(part, data)))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if str(part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, delsp=str(part.get_param("delsp") or "").lower() == "yes")
    return text


def _uuencoded_file(file: UuFile, number: int) -> Part:
    content_type = _TYPES.guess_type(file.name)[0] or "application/octet-stream"
    name = file_name(file.name, content_type=content_type, number=number)
    return Part(filename=name, content_type=content_type, data=file.data)


def _plain_text(part: Message, body: Body) -> str:
    """The text of a text/plain part; files uuencoded inside it (Outlook Express, Eudora) become files."""
    text, files = split_uuencoded(_decoded_text(part, payload_bytes(part, body.defects)))
    for file in files:
        body.files.append(_uuencoded_file(file, len(body.files) + 1))
    return text


def _part(part: Message, number: int, defects: list[str]) -> Part:
    content_type = content_type_of(part)
    name = _declared_name(part)
    transfer_encoding = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
    if content_type in UUENCODE_TYPES or transfer_encoding in UUENCODE_TRANSFER_ENCODINGS:
        # Decoded here rather than by `email`, which gives up on a blank line or a missing "`" line.
        raw = part.get_payload(decode=False)
        file = uudecode(raw.encode("latin-1", "replace") if isinstance(raw, str) else b"")
        if file is not None:
            name = name or file.name
            content_type = _type_of_name(name, content_type)
            return Part(filename=file_name(name, content_type=content_type, number=number),
                        content_type=content_type, data=file.data)  # fmt: skip
    if not name and content_type == "message/rfc822":
        inner = inner_message(part)
        subject = decode_header_value(inner["Subject"]) if inner is not None else ""
        name = f"{subject or 'forwarded message'}.eml"
    content_id = str(part.get("Content-ID") or "").strip().strip("<>")
    inline = _disposition(part) == "inline" or (bool(content_id) and _disposition(part) != "attachment")
    data = payload_bytes(part, defects)
    filename = file_name(name, content_type=content_type, number=number)
    return Part(filename=filename, content_type=content_type, data=data, inline=inline, content_id=content_id)


def readable(text: str) -> bool:
    """Whether `text` reads as a person's text: something written, no MIME part headers, no blocks of
    base64, hardly any control characters."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines or _PART_HEADER_RE.search(text):
        return False
    if sum(bool(_BASE64_LINE_RE.match(line.strip())) for line in lines) * 2 > len(lines):
        return False
    controls = sum(unicodedata.category(char) == "Cc" and char not in "\n\t" for char in text)
    return controls * 100 <= len(text) and text.count("\ufffd") * 100 <= len(text)


def _walk(part: Message, body: Body) -> tuple[list[str], list[str]]:
    """(plain texts, HTML texts) under `part`, each holding more than whitespace; every file found is
    appended to `body.files`."""
    for defect in getattr(part, "defects", []):
        body.defects.append(type(defect).__name__)
    if _is_attachment(part):
        body.files.append(_part(part, len(body.files) + 1, body.defects))
        return [], []
    if part.is_multipart():
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        results = [_walk(child, body) for child in children]
        if part.get_content_type() == "multipart/alternative":
            # An empty text/plain alternative (newsletters send one) does not hide the HTML's text.
            texts = next((texts for texts, _html in results if texts), [])
            htmls = next((htmls for _texts, htmls in reversed(results) if htmls), [])
            return texts, htmls
        return [text for texts, _ in results for text in texts], [html for _, htmls in results for html in htmls]
    content_type = content_type_of(part)
    if content_type == "text/plain":
        text = _plain_text(part, body)
        return ([text] if text.strip() else []), []
    if content_type == "text/html":
        html = _decoded_text(part, payload_bytes(part, body.defects))
        return [], ([html] if html.strip() else [])
    if content_type.startswith("multipart/"):  # declared multipart, but its boundaries never appear
        text = _plain_text(part, body)
        if not readable(text):
            body.unreadable = True
            return [], []
        return ([], [text]) if _HTML_RE.search(text) else ([text], [])
    body.files.append(_part(part, len(body.files) + 1, body.defects))
    return [], []


def read_body(msg: Message) -> Body:
    """The texts, HTML and files of `msg`. Raises only when the structure cannot be followed at all."""
    body = Body()
    body.texts, body.htmls = _walk(msg, body)
    return body
