"""Who may read and write knowledge articles: asked by the selectors to scope, by the services before they write
and by the pages to choose what to offer.

- Articles are written by the people who work tickets on the desk (consultants, service managers,
  administrators). An article for every customer (internal or not) is theirs to read and edit; an article for
  chosen organisations is read by the staff serving one of them and edited by those serving all of them
  (`tenancy.scope.serves`; service managers and administrators serve every organisation).
- Developers see no article: like operational tickets, the desk's knowledge is not theirs (they reach only
  development work); internal articles are for the service team.
- A customer contact reads, in the portal, published customer-facing articles meant for every customer or
  for an organisation they belong to; never drafts, archived or internal ones.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from picocore.knowledge.choices import ArticleStatus, Audience
from picocore.knowledge.models import Article, ArticleOrganisation
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tenancy.scope import STAFF_SEEING_ALL, reach, serves

WRITERS = (StaffRole.CONSULTANT, StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)


def _signed_in(actor: User | None) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def is_writer(actor: User | None) -> bool:
    """Whether the actor works on knowledge at all (the desk's people)."""
    return _signed_in(actor) and actor is not None and actor.staff_role in WRITERS


def _chosen(organisation_ids: frozenset[int] | list[int]) -> Q:
    ids = sorted(organisation_ids)
    return Q(Exists(ArticleOrganisation.objects.filter(article=OuterRef("pk"), organisation_id__in=ids)))


def staff_q(actor: User) -> Q | None:
    """The articles the actor reads on the desk, as a condition; None for none, Q() for every one."""
    if not is_writer(actor):
        return None
    if actor.staff_role in STAFF_SEEING_ALL:
        return Q()
    served = reach(actor).served or frozenset()
    return Q(for_all_customers=True) | (_chosen(served) if served else Q(pk__in=[]))


def staff_articles(queryset: QuerySet[Article], actor: User) -> QuerySet[Article]:
    """The rows of `queryset` the actor reads on the desk."""
    condition = staff_q(actor)
    if condition is None:
        return queryset.none()
    return queryset.filter(condition) if condition else queryset


def customer_articles(queryset: QuerySet[Article], actor: User, organisation_id: int) -> QuerySet[Article]:
    """The rows of `queryset` a contact of `organisation_id` reads in the portal: published, customer-facing,
    for every customer or for that organisation; none when the actor is not a member of it."""
    if not _signed_in(actor) or organisation_id not in reach(actor).member_of:
        return queryset.none()
    return queryset.filter(
        Q(for_all_customers=True) | _chosen([organisation_id]),
        status=ArticleStatus.PUBLISHED,
        audience=Audience.CUSTOMERS,
    )


def customer_articles_of_any(queryset: QuerySet[Article], actor: User) -> QuerySet[Article]:
    """The rows of `queryset` the actor reads in the portal of any organisation they belong to (as
    `customer_articles` decides for each): published, customer-facing, for every customer or for one of them."""
    member_of = reach(actor).member_of if _signed_in(actor) else frozenset()
    if not member_of:
        return queryset.none()
    return queryset.filter(
        Q(for_all_customers=True) | _chosen(member_of), status=ArticleStatus.PUBLISHED, audience=Audience.CUSTOMERS
    )


def can_read_as_staff(actor: User | None, article: Article, organisation_ids: list[int]) -> bool:
    """`organisation_ids`: the article's chosen organisations (ignored when it is for every customer)."""
    if not is_writer(actor):
        return False
    assert actor is not None
    return article.for_all_customers or any(serves(actor, pk) for pk in organisation_ids)


def can_edit(actor: User | None, article: Article, organisation_ids: list[int]) -> bool:
    """Edit, publish, review or archive: the desk's people, serving every organisation the article is for."""
    if not is_writer(actor):
        return False
    assert actor is not None
    return article.for_all_customers or all(serves(actor, pk) for pk in organisation_ids)


def may_choose_organisation(actor: User, organisation_id: int) -> bool:
    """Whether the actor may make an article for this organisation: they serve it."""
    return is_writer(actor) and serves(actor, organisation_id)


def can_read_as_customer(
    actor: User | None, article: Article, organisation_id: int, organisation_ids: list[int]
) -> bool:
    if not _signed_in(actor) or actor is None or organisation_id not in reach(actor).member_of:
        return False
    return (
        article.status == ArticleStatus.PUBLISHED
        and article.audience == Audience.CUSTOMERS
        and (article.for_all_customers or organisation_id in organisation_ids)
    )
