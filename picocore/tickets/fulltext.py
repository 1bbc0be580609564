"""The full-text indexes of tickets: their title and description (title weighted first), and the text of
their timeline entries (replies, notes, resolution notes, e-mails), each entry found with its `public` flag so
that a customer's search never reads a note."""

from picocore.core.fulltext import FullTextIndex

TICKET_INDEX = FullTextIndex(table="tickets_ticket", columns=("title", "description"))
EVENT_INDEX = FullTextIndex(table="tickets_ticketevent", columns=("body",))
# The SQLite FTS5 trigram table of the tickets' folded titles, for text within words (migration tickets 0011,
# with PostgreSQL's trigram index on the same `UPPER(title)`).
TITLE_SUBSTRING_INDEX = "tickets_ticket_title_fts"
