"""The moves an article's status allows: one table, no database."""

from picocore.knowledge.choices import ArticleStatus

MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (ArticleStatus.DRAFT, ArticleStatus.PUBLISHED),
        (ArticleStatus.DRAFT, ArticleStatus.ARCHIVED),
        (ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED),
        (ArticleStatus.ARCHIVED, ArticleStatus.PUBLISHED),
    }
)


def allowed(current: str, target: str) -> bool:
    return (current, target) in MOVES


def moves_from(current: str) -> tuple[str, ...]:
    return tuple(sorted(target for source, target in MOVES if source == current))
