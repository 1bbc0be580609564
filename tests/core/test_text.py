"""The text helpers every external or derived text passes through."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from picocore.core.text import has_line_break, one_line, shorten_filename, truncate, truncate_bytes, without_nul


def test_without_nul_removes_every_nul():
    assert without_nul("a\x00b\x00\x00c") == "abc"


def test_one_line_joins_every_kind_of_line_break():
    assert one_line("Images\r\nBcc: x@example.com\u2028more\x00") == "Images Bcc: x@example.com more"
    assert has_line_break("a\rb") and has_line_break("a\u2029b") and not has_line_break("a b")


def test_truncate_marks_the_cut():
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdefg", 6) == "abcde…"
    assert len(truncate("x" * 500, 200)) == 200


def test_truncate_bytes_never_splits_a_character():
    assert truncate_bytes("æøå", 5) == "æø"


def test_shorten_filename_keeps_the_extension_and_fits_in_bytes():
    name = "Hofjägeralle" * 12 + ".jpg"
    short = shorten_filename(name, max_bytes=100)
    assert short.endswith(".jpg") and short.startswith("Hofjägeralle")
    assert len(short.encode()) <= 100


def test_shorten_filename_normalises_nfd_to_nfc():
    nfd = unicodedata.normalize("NFD", "Fejlrapport æøå é.pdf")
    assert shorten_filename(nfd) == "Fejlrapport æøå é.pdf"


@given(st.text(min_size=1, max_size=300), st.integers(min_value=10, max_value=255))
def test_shorten_filename_always_fits(name, max_bytes):
    short = shorten_filename(name, max_bytes=max_bytes)
    assert len(short.encode()) <= max_bytes
    assert "\x00" not in short and not has_line_break(short)
