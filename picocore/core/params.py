"""Numbers and ids from user input (query strings, URL paths, cursors, form fields), read one way for both
databases.

PostgreSQL's `bigint` and SQLite's INTEGER hold the same signed 64-bit range; a larger number is an error on
PostgreSQL (`integer out of range`) and cannot even be bound on SQLite (`OverflowError`). An id that does not
fit can name no row, so it is refused here, where it enters, rather than wherever it would reach the database.
"""

import re

MAX_ID = 2**63 - 1  # PostgreSQL bigint and SQLite INTEGER; no row can have a larger id
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII digits only: int() would also take "١٢", "+5", "1_000" and spaces


def parse_id(value: object) -> int | None:
    """`value` as a row id: a whole number from 1 to `MAX_ID` given as an int or as ASCII digits; None for
    anything else (text, floats, infinity and NaN, booleans, NUL, signs, numbers either database refuses)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
