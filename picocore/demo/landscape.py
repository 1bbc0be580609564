"""The demo customers' landscapes: components of each production environment, the integrations between them
(Akeneo PIM → product export → Umbraco CMS → CDN, and so on), contacts by role — Acme's approver is its
customer admin, who decides changes in the portal — and runbooks. Written through the CMDB's own models."""

import datetime as dt

from picocore.cmdb.choices import ComponentKind, ContactRole, EnvironmentKind, IntegrationDirection
from picocore.cmdb.models import Component, Contact, Environment, Integration, RunbookVersion, Solution
from picocore.tenancy.models import Organisation, User
from picocore.tickets.models import Ticket

# solution name → [(component, kind, product, version, end of life in days from today or None, hosting, owner)]
COMPONENTS: dict[str, list[tuple[str, str, str, str, int | None, str, str]]] = {
    "Acme PIM": [
        ("Akeneo PIM", ComponentKind.APPLICATION, "Akeneo PIM Enterprise", "7.0", None, "Azure West Europe", "Acme IT"),
        ("PIM database", ComponentKind.DATABASE, "MySQL", "8.0", 75, "Azure Database for MySQL", "Pixel Ops"),
        ("PIM search index", ComponentKind.SEARCH_INDEX, "Elasticsearch", "8.11", None, "Elastic Cloud", "Pixel Ops"),
        ("Job queue", ComponentKind.QUEUE, "RabbitMQ", "3.12", None, "Azure West Europe", "Pixel Ops"),
        ("Nightly ERP import", ComponentKind.SCHEDULED_JOB, "Akeneo job", "", None, "Azure West Europe", "Acme IT"),
        ("Product export", ComponentKind.INTEGRATION_ENDPOINT, "Akeneo REST API", "v1", None, "", "Pixel Ops"),
    ],
    "Acme Web": [
        ("Umbraco CMS", ComponentKind.APPLICATION, "Umbraco", "13.4", 160, "Azure App Service", "Acme Marketing"),
        ("Web database", ComponentKind.DATABASE, "Azure SQL", "", None, "Azure West Europe", "Pixel Ops"),
        ("CDN", ComponentKind.CDN, "Azure Front Door", "", None, "Azure", "Pixel Ops"),
        ("Media storage", ComponentKind.STORAGE, "Azure Blob Storage", "", None, "Azure West Europe", "Pixel Ops"),
    ],
    "Nordic PIM": [
        ("inRiver PIM", ComponentKind.APPLICATION, "inRiver", "2024.3", None, "inRiver cloud", "Nordic IT"),
        ("Channel export", ComponentKind.SCHEDULED_JOB, "inRiver connector", "", None, "inRiver cloud", "Pixel Ops"),
    ],
    "Nordic Shop CMS": [
        ("Sitecore XM", ComponentKind.APPLICATION, "Sitecore XM", "10.3", 40, "AWS eu-north-1", "Nordic IT"),
        ("Shop search", ComponentKind.SEARCH_INDEX, "Solr", "8.11", None, "AWS eu-north-1", "Pixel Ops"),
        ("Shop CDN", ComponentKind.CDN, "CloudFront", "", None, "AWS", "Pixel Ops"),
    ],
    "Bolt PIM": [
        ("Struct PIM", ComponentKind.APPLICATION, "Struct PIM", "5", None, "Struct cloud", "Bolt IT"),
        ("Webshop feed", ComponentKind.INTEGRATION_ENDPOINT, "Struct feed", "", None, "Struct cloud", "Pixel Ops"),
    ],
}

# (name, source, target, direction, protocol, schedule, what breaks when it fails)
INTEGRATIONS = [
    ("Storage", "PIM database", "Akeneo PIM", IntegrationDirection.TWO_WAY, "SQL", "",
     "Akeneo cannot read or save products."),
    ("Indexing", "Akeneo PIM", "PIM search index", IntegrationDirection.ONE_WAY, "REST", "on every save",
     "Product search in the PIM shows stale results."),
    ("Jobs", "Job queue", "Akeneo PIM", IntegrationDirection.ONE_WAY, "AMQP", "", "Imports and exports stop."),
    ("ERP import", "Nightly ERP import", "Akeneo PIM", IntegrationDirection.ONE_WAY, "SFTP", "every night at 02:00",
     "Prices and stock in the PIM are a day old."),
    ("Product API", "Akeneo PIM", "Product export", IntegrationDirection.ONE_WAY, "REST", "",
     "The export endpoint answers with errors."),
    ("Product export", "Product export", "Umbraco CMS", IntegrationDirection.ONE_WAY, "REST", "every 15 minutes",
     "New and changed products do not reach the website."),
    ("Content", "Web database", "Umbraco CMS", IntegrationDirection.TWO_WAY, "SQL", "", "The website is down."),
    ("Media", "Media storage", "Umbraco CMS", IntegrationDirection.ONE_WAY, "HTTPS", "", "Images are missing."),
    ("Publish", "Umbraco CMS", "CDN", IntegrationDirection.ONE_WAY, "HTTPS", "on publish",
     "Visitors see old pages until the cache expires."),
    ("Channel feed", "inRiver PIM", "Channel export", IntegrationDirection.ONE_WAY, "REST", "hourly",
     "The shop shows yesterday's assortment."),
    ("Catalogue import", "Channel export", "Sitecore XM", IntegrationDirection.ONE_WAY, "SFTP", "hourly",
     "New products do not appear in the shop."),
    ("Shop indexing", "Sitecore XM", "Shop search", IntegrationDirection.ONE_WAY, "HTTPS", "on publish",
     "Shop search misses new products."),
    ("Shop delivery", "Sitecore XM", "Shop CDN", IntegrationDirection.ONE_WAY, "HTTPS", "", "The shop is slow."),
    ("Feed", "Struct PIM", "Webshop feed", IntegrationDirection.ONE_WAY, "REST", "every 30 minutes",
     "The webshop shows old product data."),
]  # fmt: skip

RUNBOOKS = {
    "Akeneo PIM": [
        "1. Check the status page of Azure West Europe.\n2. Restart the app service.\n3. Check the job queue.",
        "1. Check the status page of Azure West Europe.\n2. Look at the last failed jobs (Activity › Process "
        "tracker).\n3. Restart the app service; if jobs are stuck, restart the queue consumer.\n4. Tell Acme IT "
        "when the ERP import has been missed.",
    ],
    "Umbraco CMS": [
        "1. Open the health check dashboard.\n2. Recycle the app service.\n3. If content is stale, republish the "
        "product root node and purge the CDN.",
    ],
    "Product export": [
        "The export runs every 15 minutes. If products are missing on the website: check the last run in the "
        "export log, re-run it for the missing SKUs, then purge the CDN for the product pages.",
    ],
    "Sitecore XM": ["1. Check the CloudWatch alarms.\n2. Recycle the CM instance.\n3. Rebuild the Solr index."],
}

# organisation slug → [(role, name, e-mail, phone, the person in the portal by e-mail, solution name)]
CONTACTS = {
    "acme-foods": [
        (ContactRole.BUSINESS_OWNER, "Sofie Dahl", "sofie@acme.example", "+45 20 11 22 33", "", ""),
        (ContactRole.APPROVER, "Lars Holm", "admin@acme.example", "+45 20 44 55 66", "admin@acme.example", ""),
        (ContactRole.TECHNICAL, "Anna Jensen", "anna@acme.example", "", "anna@acme.example", "Acme PIM"),
        (ContactRole.ON_SITE, "Reception, Acme HQ", "", "+45 70 20 30 41", "", ""),
    ],
    "nordic-fashion": [
        (ContactRole.APPROVER, "Nils Berg", "nils@nordicfashion.example", "", "nils@nordicfashion.example", ""),
        (ContactRole.TECHNICAL, "Ida Lind", "ida@nordicfashion.example", "+46 70 123 45 67", "", "Nordic Shop CMS"),
    ],
    "bolt-hardware": [
        (ContactRole.APPROVER, "Bo Weber", "bo@bolthardware.example", "", "bo@bolthardware.example", ""),
    ],
}


def load_landscapes(
    *, orgs: dict[str, Organisation], solutions: dict[str, Solution], people: dict[str, User], today: dt.date
) -> dict[str, Component]:
    """Write the landscapes; the demo tickets on a PIM or CMS in production get its main application as their
    component, so the desk's landscape panel has something to show. Returns the components by name."""
    users = {user.email: user for user in people.values()}
    environments = {
        env.solution.name: env
        for env in Environment.objects.filter(kind=EnvironmentKind.PRODUCTION).select_related("solution")
    }
    components: dict[str, Component] = {}
    for solution_name, rows in COMPONENTS.items():
        environment = environments[solution_name]
        for name, kind, product, version, eol_days, hosting, owner in rows:
            end_of_life = today + dt.timedelta(days=eol_days) if eol_days is not None else None
            components[name] = Component.objects.create(
                environment=environment, name=name, kind=kind, product=product, version=version,
                end_of_life=end_of_life, hosting=hosting, owner=owner,
                url=environment.url if kind == ComponentKind.APPLICATION else "",
            )  # fmt: skip
    for name, source, target, direction, protocol, schedule, effect in INTEGRATIONS:
        Integration.objects.create(
            source=components[source], target=components[target], name=name, direction=direction,
            protocol=protocol, schedule=schedule, failure_effect=effect,
        )  # fmt: skip
    author = people["consultant"]
    for name, versions in RUNBOOKS.items():
        for number, text in enumerate(versions, 1):
            RunbookVersion.objects.create(component=components[name], number=number, text=text, author=author)
    for slug, contacts in CONTACTS.items():
        for role, name, email, phone, user_email, solution_name in contacts:
            Contact.objects.create(
                organisation=orgs[slug], role=role, name=name, email=email, phone=phone,
                user=users.get(user_email), solution=solutions.get(solution_name),
            )  # fmt: skip
    main = {"Acme PIM": "Akeneo PIM", "Acme Web": "Umbraco CMS", "Nordic PIM": "inRiver PIM",
            "Nordic Shop CMS": "Sitecore XM", "Bolt PIM": "Struct PIM"}  # fmt: skip
    for solution_name, component_name in main.items():
        Ticket.objects.filter(environment=environments[solution_name]).update(component=components[component_name])
    return components
