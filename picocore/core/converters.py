"""URL path converters shared by every domain. Registered once, on import, by the URL modules that use them."""

from django.urls import register_converter

from picocore.core.params import MAX_ID, parse_id


class IdConverter:
    """`<id:name>`: a row id that both databases can hold (1 to 2**63 − 1); anything else is a 404 from the URL
    resolver, before a view runs. Django's `<int:…>` takes any number of digits."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(f"not an id from 1 to {MAX_ID}")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
