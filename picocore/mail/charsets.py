"""Charset labels as mail clients write them, resolved the way browsers do (the WHATWG Encoding Standard),
and text decoded from bytes with the fallbacks real mail needs. Pure functions, no database.

Browsers long ago settled what a legacy label means in practice: "ISO-8859-1" and "US-ASCII" are
Windows-1252 (Outlook's smart quotes and "€"), "GB2312" is GBK/GB18030 (Chinese mail uses characters
GB2312 lacks), "Big5" is Big5-HKSCS, "Shift_JIS" is Windows-31J, "EUC-KR" is Windows-949, "ISO-8859-9" is
Windows-1254, "TIS-620" is Windows-874. Decoding a label with its superset reads every message the narrow
charset reads, and the rest besides. Unlike a browser, labels WHATWG maps to "replacement" (ISO-2022-KR,
HZ-GB-2312) are decoded with their codecs: that rule guards web pages against script injection, which
plain text from a mail cannot carry.
"""

import codecs
import re

UTF_8 = "utf-8"
WINDOWS_1252 = "cp1252"

# WHATWG encoding → Python codec, with every label the standard lists for it.
_ENCODINGS: dict[str, tuple[str, ...]] = {
    "utf-8": ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"),
    "cp866": ("866", "cp866", "csibm866", "ibm866"),
    "iso8859-2": ("csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2",
                  "iso_8859-2:1987", "l2", "latin2"),
    "iso8859-3": ("csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3",
                  "iso_8859-3:1988", "l3", "latin3"),
    "iso8859-4": ("csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4",
                  "iso_8859-4:1988", "l4", "latin4"),
    "iso8859-5": ("csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595",
                  "iso_8859-5", "iso_8859-5:1988"),
    "iso8859-6": ("arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114",
                  "iso-8859-6", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596",
                  "iso_8859-6", "iso_8859-6:1987"),
    "iso8859-7": ("csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126",
                  "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek"),
    "iso8859-8": ("csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138",
                  "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual", "csiso88598i",
                  "iso-8859-8-i", "logical"),
    "iso8859-10": ("csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"),
    "iso8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "mac-roman": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "cp874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "cp1250": ("cp1250", "windows-1250", "x-cp1250"),
    "cp1251": ("cp1251", "windows-1251", "x-cp1251"),
    "cp1252": ("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
               "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
               "us-ascii", "windows-1252", "x-cp1252"),
    "cp1253": ("cp1253", "windows-1253", "x-cp1253"),
    "cp1254": ("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
               "iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254"),
    "cp1255": ("cp1255", "windows-1255", "x-cp1255"),
    "cp1256": ("cp1256", "windows-1256", "x-cp1256"),
    "cp1257": ("cp1257", "windows-1257", "x-cp1257"),
    "cp1258": ("cp1258", "windows-1258", "x-cp1258"),
    "mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gb18030": ("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58",
                "x-gbk", "gb18030"),
    "big5hkscs": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc_jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso2022_jp_ext": ("csiso2022jp", "iso-2022-jp"),
    "cp932": ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis"),
    "cp949": ("cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987", "ks_c_5601-1989",
              "ksc5601", "ksc_5601", "windows-949"),
    "iso2022_kr": ("csiso2022kr", "iso-2022-kr"),
    "hz": ("hz-gb-2312",),
    "utf-16-be": ("unicodefffe", "utf-16be"),
    "utf-16": ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"),
}  # fmt: skip
LABELS = {label: encoding for encoding, labels in _ENCODINGS.items() for label in labels}
# Python's own name for a codec → its WHATWG superset, for labels spelled in a way only Python knows.
_SUPERSETS = {"iso8859-1": "cp1252", "ascii": "cp1252", "latin-1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030",
              "big5": "big5hkscs", "shift_jis": "cp932", "euc_kr": "cp949", "iso8859-9": "cp1254",
              "tis-620": "cp874", "iso2022_jp": "iso2022_jp_ext"}  # fmt: skip
# Labels that say nothing about the bytes: the text is read as UTF-8, then Windows-1252.
UNDECLARED = frozenset({"", "unknown-8bit", "x-unknown", "8bit", "7bit", "default", "unknown", "none", "charset"})
# Codecs in which every text is valid, so decoding cannot fail; valid UTF-8 is then the better evidence.
SINGLE_BYTE = frozenset(
    name
    for name in _ENCODINGS
    if name.startswith(("iso8859-", "cp", "koi8", "mac-")) and name not in ("cp932", "cp949")
)
# Codecs whose failure is better read with a replacement character than as Windows-1252 mojibake.
MULTI_BYTE = frozenset({"gb18030", "big5hkscs", "euc_jp", "iso2022_jp_ext", "cp932", "cp949", "iso2022_kr", "hz"})
# Python codecs that are no charset a mailer could mean: a label naming one says nothing about the bytes.
_NOT_CHARSETS = frozenset({"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode"})
_NOISE_RE = re.compile(r"^(x-|cs|iso[-_]?(?!8859|2022|10646|ir))")
_WINDOWS_RE = re.compile(r"^(?:x-)?(?:windows|win|cp|ms|ansi)[-_]?(125\d|874|932|936|949|950)$")
_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")
# ISO-2022-JP's modes by their escape sequences: ASCII, JIS X 0201 Roman and katakana, JIS X 0208.
_ISO_2022_JP_MODES = frozenset({b"(B", b"(J", b"(I", b"$@", b"$B"})


def _known(label: str) -> str | None:
    if label in LABELS:
        return LABELS[label]
    if match := _WINDOWS_RE.match(label):
        number = match[1]
        return {"936": "gb18030", "950": "big5hkscs"}.get(number, f"cp{number}")
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return _SUPERSETS.get(info.name, LABELS.get(info.name, info.name))


def resolve_charset(charset: str | None) -> str | None:
    """The Python codec for a declared charset label, or None when the label says nothing usable.

    Labels are resolved by the WHATWG table, then by Python's codec names, then with the noise mailers add
    removed ("iso-gb2312", "x-gbk", "csUTF8", "utf8mb4", "windows1252"), always to the WHATWG superset."""
    label = (charset or "").strip().strip("\"'").strip().lower()
    if label in UNDECLARED:
        return None
    if found := _known(label):
        return found
    bare = label
    while (stripped := _NOISE_RE.sub("", bare)) != bare:
        bare = stripped
        if found := _known(bare):
            return found
    if bare.startswith(("utf8", "utf-8", "utf_8")):
        return UTF_8
    for family, encoding in (("gb", "gb18030"), ("big5", "big5hkscs"), ("sjis", "cp932"), ("shift", "cp932")):
        if bare.startswith(family):
            return encoding
    return None


def _windows_1252(data: bytes) -> str:
    """Windows-1252 as WHATWG defines it: the five bytes the code page leaves undefined become the C1
    controls of the same number, so every byte is a character and "€" (0x80) still means "€"."""
    text = data.decode(WINDOWS_1252, errors="surrogateescape")
    return re.sub("[\udc80-\udcff]", lambda match: chr(ord(match[0]) - 0xDC00), text)


def _iso_2022_jp(data: bytes) -> str | None:
    """ISO-2022-JP as WHATWG reads it, whose JIS X 0208 holds the NEC and IBM rows Windows writes (①, ㈱,
    髙), which Python's codec refuses: JIS row and cell map arithmetically onto Windows-31J (Shift_JIS)
    bytes. None when the bytes are not ISO-2022-JP of that kind."""
    out = bytearray()
    mode = b"(B"
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == 0x1B:
            mode = data[index + 1 : index + 3]
            if mode not in _ISO_2022_JP_MODES:
                return None
            index += 3
            continue
        if byte >= 0x80:
            return None
        if byte in (0x0A, 0x0D) or mode in (b"(B", b"(J"):
            out.append(byte)
        elif mode == b"(I":  # JIS X 0201 katakana: half-width, 0xA1-0xDF in Shift_JIS
            if not 0x21 <= byte <= 0x5F:
                return None
            out.append(byte + 0x80)
        else:
            if index + 1 >= len(data) or not (0x21 <= byte <= 0x7E and 0x21 <= data[index + 1] <= 0x7E):
                return None
            row, cell = byte, data[index + 1]
            lead = (row + 1) // 2 + (0x70 if row <= 0x5E else 0xB0)
            trail = cell + (0x1F + (cell >= 0x60) if row % 2 else 0x7E)
            out += bytes((lead, trail))
            index += 2
            continue
        index += 1
    try:
        return out.decode("cp932")
    except UnicodeDecodeError:
        return None


def _strict(data: bytes, encoding: str) -> str | None:
    if encoding == "iso2022_jp_ext" and (text := _iso_2022_jp(data)) is not None:
        return text
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeError, ValueError):
        return None
    if encoding in MULTI_BYTE and _PRIVATE_USE_RE.search(text):
        return None  # bytes of another charset that happen to decode land in the private use area
    return text


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes: the declared charset (as its WHATWG superset), then UTF-8, then a fallback —
    Windows-1252, or the declared East Asian charset with "�" for its broken bytes. Never raises.

    A single-byte charset decodes any bytes, so text that is valid UTF-8 (beyond ASCII) in a message
    declared single-byte was mislabelled by its mailer and is read as UTF-8."""
    encoding = resolve_charset(charset)
    if encoding in SINGLE_BYTE and not data.isascii() and (text := _strict(data, UTF_8)) is not None:
        return text
    for candidate in (encoding, UTF_8):
        if candidate is not None and (text := _strict(data, candidate)) is not None:
            return text
    if encoding in MULTI_BYTE:
        return data.decode(encoding, errors="replace")
    return _windows_1252(data)
