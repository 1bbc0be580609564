"""The full-text index of knowledge articles: their title and their text as plain text (title weighted first)."""

from picocore.core.fulltext import FullTextIndex

ARTICLE_INDEX = FullTextIndex(table="knowledge_article", columns=("title", "body_text"))
