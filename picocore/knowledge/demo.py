"""The demo's knowledge base: a customer-facing how-to for every customer ("How to re-run a failed product
import", which Anna of Acme Foods reads), an internal runbook note, an article for Nordic Fashion only, and a
customer-facing article whose review is overdue. All made through the services, as on the desk."""

import datetime as dt

from picocore.cmdb.models import Component
from picocore.knowledge.choices import Audience
from picocore.knowledge.models import Article
from picocore.knowledge.services import ArticleFields, article_create, article_publish, today
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Organisation, User

IMPORT = """<p>When a product import fails, nothing of the file is applied: you can safely run it again once the
cause is fixed.</p>
<h2>Find out why it failed</h2>
<ol>
<li>Open <strong>Imports › History</strong> in the PIM.</li>
<li>Open the failed run and choose <strong>Download log</strong>.</li>
<li>Look for the first line marked <code>ERROR</code>: it names the row and the column that could not be read.</li>
</ol>
<h2>Run it again</h2>
<ol>
<li>Correct the file (a missing SKU or a price with a comma instead of a point are the usual causes).</li>
<li>Choose <strong>Re-run</strong> on the failed run, or upload the corrected file as a new import.</li>
<li>Check three of the products in the file: their values and their publication date.</li>
</ol>
<p>If the second run fails with the same error, send us the log in a new request and we take it from there.</p>"""

INTERNAL = """<p>The search indexer stops after a deploy when the queue worker starts before the index alias is
switched.</p>
<ol>
<li>Check the worker: <code>systemctl status search-indexer</code>.</li>
<li>Switch the alias to the newest index, then restart the worker.</li>
<li>Watch the queue drain for five minutes; page the on-call developer if it does not.</li>
</ol>
<p>Tell the customer when search results are current again (usually within 15 minutes).</p>"""

NORDIC = """<p>The web shop reads the product feed that the <strong>Web shop</strong> channel in inRiver publishes
every 30 minutes.</p>
<p>To publish a change at once: open <strong>Channels › Web shop</strong> and choose <strong>Publish now</strong>.
The shop shows it after its next cache refresh (at most 10 minutes).</p>"""

CACHE = """<p>After a large content import, Umbraco may show old pages for a while.</p>
<ol>
<li>In the back office, open <strong>Settings › Published status</strong>.</li>
<li>Choose <strong>Rebuild the memory cache</strong>.</li>
</ol>
<p>If pages are still old after that, the CDN holds them: ask us to clear the CDN cache (a standard change).</p>"""


def make_demo_articles(*, moment: dt.date | None = None) -> int:
    """Make the demo's articles (see the module); returns how many. Once: none when there are articles."""
    if Article.objects.exists():
        return 0
    consultant = User.objects.filter(staff_role=StaffRole.CONSULTANT, is_active=True).order_by("id").first()
    manager = User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True).order_by("id").first()
    if consultant is None or manager is None:
        return 0
    day = moment or today()
    nordic = Organisation.objects.filter(slug="nordic-fashion").first()
    component = (
        Component.objects.filter(organisation=nordic, environment__kind="production").order_by("id").first()
        if nordic
        else None
    )
    rows = [
        (manager, ArticleFields(
            title="How to re-run a failed product import", body_html=IMPORT, audience=Audience.CUSTOMERS,
            product="Akeneo", version_from="6", version_to="7", owner_id=consultant.pk,
            review_due=day + dt.timedelta(days=150), summary="Written from the import incidents of the autumn."),
         True),
        (consultant, ArticleFields(
            title="Restart the search indexer after a deploy", body_html=INTERNAL, audience=Audience.INTERNAL,
            review_due=day + dt.timedelta(days=90)), True),
        (manager, ArticleFields(
            title="Clearing the Umbraco cache after a content import", body_html=CACHE, audience=Audience.CUSTOMERS,
            product="Umbraco", version_from="12", version_to="13", owner_id=manager.pk,
            review_due=day - dt.timedelta(days=12)), True),
    ]  # fmt: skip
    if nordic is not None:
        fields = ArticleFields(
            title="Publishing a product change to the web shop at once", body_html=NORDIC,
            audience=Audience.CUSTOMERS, for_all_customers=False, organisation_ids=[nordic.pk], product="inRiver PIM",
            component_ids=[component.pk] if component else [], review_due=day + dt.timedelta(days=120),
        )  # fmt: skip
        rows.append((manager, fields, True))
    for author, fields, publish in rows:
        article = article_create(actor=author, fields=fields)
        if publish:
            article_publish(actor=author, article_id=article.pk)
    return len(rows)
