"""Every full-text index there is, for the commands that maintain them all."""

from picocore.core.fulltext import FullTextIndex
from picocore.knowledge.fulltext import ARTICLE_INDEX
from picocore.problems.fulltext import KNOWN_ISSUE_INDEX, PROBLEM_INDEX
from picocore.tickets.fulltext import EVENT_INDEX, TICKET_INDEX

INDEXES: tuple[FullTextIndex, ...] = (TICKET_INDEX, EVENT_INDEX, ARTICLE_INDEX, PROBLEM_INDEX, KNOWN_ISSUE_INDEX)
