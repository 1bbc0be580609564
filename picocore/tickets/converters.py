"""`<ticket_key:key>` in URL paths: a URL whose key cannot be a ticket key (NUL, a slash, over-long) is a 404 from
the URL resolver, before a view or a query runs."""

from django.urls import register_converter

from picocore.tickets.keys import KEY_PATTERN


class TicketKeyConverter:
    regex = KEY_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TicketKeyConverter, "ticket_key")
