"""Hostile input for every parameter: what browsers, scripts and people with a text editor send."""

import base64
from urllib.parse import quote

from hypothesis import strategies as st

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "ACME-1\x00",
    "\r\n",
    "Subject\r\nBcc: x@example.test",
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "1e400",
    "-1",
    "0",
    "1.5",
    "1,5",
    "0x10",
    "１２",  # full-width digits
    "١٢",  # Arabic-Indic digits
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "-" + str(2**63 + 1),
    "9" * 40,
    "9" * 5000,  # beyond Python's int() digit limit
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "2026-13",
    "0001-01",
    "9999-12",
    "0000-00",
    "10000-01",
    "2026-11",
    "23:61",
    "true",
    "None",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "'\"--;",
    "../../etc/passwd",
    "%00",
    "ACME-1",
    "acme-1",
    "ACME-999999999999999999999",
    "ＡＣＭＥ-1",
    "\u202eevil",
    "\ufeff",
    "e\u0301",
    "😀" * 50,
    "é" * 301,
    "x" * 5001,
    "x" * 70_000,
]


def _cursor(json_text: str) -> str:
    return base64.urlsafe_b64encode(json_text.encode()).decode().rstrip("=")


# Page cursors as a person editing the link could make them (keyset pages carry base64 JSON).
HOSTILE += [
    _cursor(text)
    for text in (
        "[Infinity,1]",
        "[NaN,1]",
        "[1,Infinity]",
        "[1,1e400]",
        "[1,9223372036854775808]",
        "[99999999999999999999999,1]",
        '[{"dt":"9999-12-31T23:00:00-05:00"},1]',
        '[{"dt":"0001-01-01T00:00:00+05:00"},1]',
        '[{"dt":"2026-11-01T00:00:00"},1]',
        '["\\u0000",1]',
        "[[],{}]",
        "{}",
    )
]
# Percent-encodings sent as they are: bytes that are not UTF-8, NUL, truncated or invalid escapes.
RAW_ESCAPES = ["%ff", "%fe%ff", "%c3%28", "%00", "%", "%zz", "%e2%82", "%2F", "%2e%2e", "%0d%0a", "%ed%a0%80"]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers().map(str),
    st.floats().map(str),
    st.dates().map(str),
)


def encoded(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A value as it appears in a URL: percent-encoded text, or a raw (possibly broken) escape sequence."""
    return st.one_of(
        text.map(lambda value: quote(value.encode("utf-8", "surrogatepass"), safe="")),
        st.sampled_from(RAW_ESCAPES),
        st.tuples(st.sampled_from(["ACME-1", "1", "mine", "2026-11"]), st.sampled_from(RAW_ESCAPES)).map("".join),
    )


def query_string(keys: list[str], offered: dict[str, set[str]]) -> st.SearchStrategy[str]:
    """A raw query string: known and random keys, duplicated at times, each with an offered or hostile value."""
    key = st.one_of(st.sampled_from(keys), hostile_text) if keys else hostile_text

    def value_for(name: str) -> st.SearchStrategy[str]:
        choices = sorted(offered.get(name, ()))
        plain = st.one_of(st.sampled_from(choices), hostile_text) if choices else hostile_text
        return encoded(plain)

    pair = key.flatmap(lambda name: value_for(name).map(lambda value: f"{quote(name, safe='')}={value}"))
    return st.lists(pair, max_size=8).map("&".join)


def form_data(fields: dict[str, set[str]]) -> st.SearchStrategy[dict[str, list[str]]]:
    """A POST body: the form's fields with offered or hostile values (sometimes several per field, sometimes
    left out), plus random keys."""
    names = sorted(fields)

    def values_for(name: str) -> st.SearchStrategy[list[str]]:
        choices = sorted(fields.get(name, ()))
        one = st.one_of(st.sampled_from(choices), hostile_text) if choices else hostile_text
        return st.lists(one, min_size=1, max_size=3)

    known = st.fixed_dictionaries({}, optional={name: values_for(name) for name in names}) if names else st.just({})
    extra = st.dictionaries(hostile_text, st.lists(hostile_text, min_size=1, max_size=2), max_size=2)
    return st.tuples(known, extra).map(lambda both: {**both[1], **both[0]})
