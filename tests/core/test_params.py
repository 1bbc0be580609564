import pytest

from picocore.core.converters import IdConverter
from picocore.core.params import MAX_ID, parse_id
from picocore.tickets.keys import parse_ticket_key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("0042", 42),
        (7, 7),
        (str(MAX_ID), MAX_ID),
        (MAX_ID, MAX_ID),
        (str(MAX_ID + 1), None),
        (MAX_ID + 1, None),
        ("9" * 30, None),
        ("0", None),
        (0, None),
        ("-1", None),
        (-1, None),
        ("+1", None),
        (" 1", None),
        ("1\x00", None),
        ("1_000", None),
        ("١٢", None),
        ("1.0", None),
        (1.0, None),
        (float("inf"), None),
        (float("nan"), None),
        ("inf", None),
        (True, None),
        (None, None),
        ("", None),
    ],
)
def test_an_id_is_a_positive_number_both_databases_hold(value, expected):
    assert parse_id(value) == expected


def test_the_id_path_converter_refuses_what_no_row_can_have():
    converter = IdConverter()
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    for refused in (str(MAX_ID + 1), "0"):
        with pytest.raises(ValueError):
            converter.to_python(refused)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ACME-1", "ACME-1"),
        (" acme-12 ", "ACME-12"),
        ("N2-7", "N2-7"),
        ("ACME-1\x00", None),
        ("ACME\x00-1", None),
        ("ACME-", None),
        ("ACME", None),
        ("1CME-1", None),
        ("A-1", None),
        ("ABCDEFGHIJK-1", None),
        ("ACME-" + "9" * 20, None),
        ("ACME-１", None),
        ("ACME-1/../2", None),
        ("", None),
    ],
)
def test_a_ticket_key_is_read_in_any_case_and_nothing_else(text, expected):
    assert parse_ticket_key(text) == expected
