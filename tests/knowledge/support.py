"""A knowledge world: the desk's two customers (ACME and NORD, served by Carla; Otto serves NORD only), ACME's
PIM (product "Akeneo 7") with a component, and helpers making articles through the services."""

import copy
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction

from picocore.cmdb.models import Component
from picocore.knowledge.choices import Audience
from picocore.knowledge.models import Article
from picocore.knowledge.services import ArticleFields, article_create, article_publish
from picocore.tenancy.models import User
from tests.desk.conftest import DeskWorld, build_world


@dataclass
class KnowledgeWorld:
    desk: DeskWorld
    importer: Component  # ACME's "Product importer" in production

    @property
    def consultant(self) -> User:
        return self.desk.consultant

    @property
    def manager(self) -> User:
        return self.desk.manager

    @property
    def outsider(self) -> User:
        return self.desk.outsider

    @property
    def acme(self):
        return self.desk.acme

    @property
    def nord(self):
        return self.desk.nord


def build_knowledge_world() -> KnowledgeWorld:
    desk = build_world()
    importer = Component.objects.create(environment=desk.acme.production, name="Product importer", kind="job")
    return KnowledgeWorld(desk, importer)


@pytest.fixture(scope="module")
def knowledge_world_once(django_db_setup, django_db_blocker) -> Iterator[KnowledgeWorld]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_knowledge_world()
        transaction.set_rollback(True)


@pytest.fixture
def kw(knowledge_world_once, db) -> KnowledgeWorld:
    return copy.deepcopy(knowledge_world_once)


def make_article(
    kw: KnowledgeWorld, *, title: str = "How to re-run a failed import", body: str = "<p>Open the import.</p>",
    audience: str = Audience.CUSTOMERS, organisations: tuple = (), published: bool = True, by: User | None = None,
    **extra,
) -> Article:  # fmt: skip
    """An article (for every customer unless `organisations` are chosen), published unless told otherwise."""
    fields = ArticleFields(
        title=title, body_html=body, audience=audience, for_all_customers=not organisations,
        organisation_ids=[o.pk for o in organisations], **extra,
    )  # fmt: skip
    article = article_create(actor=by or kw.manager, fields=fields)
    if published:
        article = article_publish(actor=by or kw.manager, article_id=article.pk)
    return article
