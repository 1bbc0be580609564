import pytest

from picocore.core.models import max_length_of
from picocore.tickets.models import Ticket


def test_the_max_length_of_a_text_column():
    assert max_length_of(Ticket, "title") == 200


@pytest.mark.parametrize("field_name", ["created_at", "organisation"])
def test_a_field_without_max_length_is_refused(field_name):
    with pytest.raises(LookupError, match=f"Ticket.{field_name} has no max_length"):
        max_length_of(Ticket, field_name)
