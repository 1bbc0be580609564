"""Files uuencoded as mail clients sent them before MIME was everywhere (Outlook Express's "uuencode"
option, Eudora, Pegasus Mail, Usenet readers): a `begin <mode> <name>` line, lines of encoded data and an
`end` line — in a part of its own (Content-Transfer-Encoding: x-uuencode) or inside the text itself.
Pure functions, no database; a block that does not decode cleanly is left where it is, never half-read.
"""

import binascii
import re
from dataclasses import dataclass

BEGIN_RE = re.compile(r"^begin +([0-7]{3,4}) +(\S.*?)\s*$")
END_RE = re.compile(r"^end\s*$")


@dataclass(frozen=True)
class UuFile:
    """One uuencoded file: its name from the `begin` line and its bytes."""

    name: str
    data: bytes


def _decode_line(line: str) -> bytes | None:
    """One line of uuencoded data, or None when it is not one. Some encoders drop trailing spaces or pad
    with garbage: the line's own length byte decides how much of it counts."""
    if not line or line in ("`", " "):
        return b""
    try:
        raw = line.encode("ascii")
    except UnicodeEncodeError:
        return None
    try:
        return binascii.a2b_uu(raw)
    except binascii.Error:
        length = ((raw[0] - 32) & 63) * 4 + 5
        try:
            return binascii.a2b_uu(raw[: length // 3])
        except binascii.Error:
            return None


def _block_at(lines: list[str], start: int) -> tuple[UuFile, int] | None:
    """The file whose `begin` line is `lines[start]` and the index of its `end` line, or None."""
    begin = BEGIN_RE.match(lines[start])
    if begin is None:
        return None
    chunks: list[bytes] = []
    for index in range(start + 1, len(lines)):
        line = lines[index].rstrip("\r\n")
        if END_RE.match(line):
            return UuFile(name=begin[2], data=b"".join(chunks)), index
        chunk = _decode_line(line)
        if chunk is None:
            return None
        chunks.append(chunk)
    return None


def split_uuencoded(text: str) -> tuple[str, list[UuFile]]:
    """(`text` without its uuencoded blocks, the files they held, in order)."""
    if "begin " not in text:
        return text, []
    lines = text.split("\n")
    kept: list[str] = []
    files: list[UuFile] = []
    index = 0
    while index < len(lines):
        found = _block_at(lines, index) if lines[index].startswith("begin ") else None
        if found is None:
            kept.append(lines[index])
            index += 1
            continue
        file, end = found
        files.append(file)
        index = end + 1
    return "\n".join(kept), files


def uudecode(data: bytes) -> UuFile | None:
    """The first uuencoded file in `data` (a whole x-uuencode part), or None when it holds none."""
    _text, files = split_uuencoded(data.decode("latin-1").replace("\r\n", "\n"))
    return files[0] if files else None
