"""The texts of `picocore seed`: names, and the templates its tickets' titles, descriptions, answers, notes and
next steps are filled from (`picocore.demo.seed_tickets` renders each customer's variants of them)."""

from picocore.catalog.choices import TicketType
from picocore.cmdb.choices import SolutionKind
from picocore.tickets.choices import Status

FIRST_NAMES = [
    "Anna", "Lars", "Mette", "Nils", "Sofie", "Jonas", "Emma", "Oliver", "Ida", "Mikkel", "Freja", "Lukas", "Clara",
    "Henrik", "Maja", "Jakob", "Sara", "Elias", "Laura", "Mathias", "Eva", "Tobias", "Hanna", "Felix", "Julia",
    "Pieter", "Camille", "Marco", "Lucia", "Tomasz", "Aino", "Sven", "Ingrid", "Daan", "Lea",
]  # fmt: skip
LAST_NAMES = [
    "Jensen", "Nielsen", "Hansen", "Berg", "Lund", "Holm", "Andersson", "Johansson", "Larsen", "Virtanen", "Korhonen",
    "Schmidt", "Weber", "Fischer", "Becker", "Janssen", "Dubois", "Martin", "Rossi", "Bianchi", "Garcia", "Lopez",
    "Silva", "Kowalski", "Novak", "Murphy", "Smith", "Ek", "Dahl", "Bakker", "Meyer", "Olsen", "Lindqvist", "Moreau",
]  # fmt: skip

PREFERRED_KINDS = {
    "product-import-issue": (SolutionKind.PIM,),
    "translation-update": (SolutionKind.CMS, SolutionKind.PIM),
    "content-model-change": (SolutionKind.PIM, SolutionKind.CMS),
}

# The words the templates below are filled with, one drawn per ticket.
WORDS = {
    "market": ["DK", "SE", "NO", "FI", "DE", "AT", "CH", "NL", "BE", "FR", "UK", "IE", "ES", "IT", "PL"],
    "language": ["Danish", "Swedish", "Norwegian", "Finnish", "German", "Dutch", "French", "Spanish", "Italian",
                 "Polish", "English"],
    "category": ["Frozen", "Outdoor jackets", "Power tools", "Garden furniture", "Kitchen appliances",
                 "Running shoes", "Skin care", "Lighting", "Bicycles", "Office chairs", "Pet food", "Wine"],
    "supplier": ["Fischer & Co", "Hallberg Trading", "Meyer Logistik", "Nordisk Engros", "Iberia Imports",
                 "Van Dijk Distributie"],
    "job": ["nightly_supplier_feed", "price_update_hourly", "erp_product_sync", "asset_import_cdn",
            "stock_levels_15min", "gs1_feed_import"],
    "attribute": ["allergens", "energy label", "country of origin", "care instructions", "material composition",
                  "warranty period", "battery type", "sustainability badge"],
    "campaign": ["summer", "Black Friday", "Christmas", "back-to-school", "spring", "Easter", "clearance"],
    "page": ["product page", "category page", "checkout", "search page", "front page", "store locator"],
    "topic": ["data model", "workflows", "integrations", "performance", "search tuning", "user roles"],
}  # fmt: skip
# Titles by request type slug of the demo catalogue, else by ticket type.
TITLES: dict[str, list[str]] = {
    "incident": [
        "Product images missing on the {market} webshop", "Error 500 when saving products in {solution}",
        "The {page} loads slowly since the last release", "Search returns no results for '{category}'",
        "Editors cannot publish pages in {solution}", "Prices on the {market} site not updated",
        "Login to {solution} fails for all editors", "Completeness not calculated for {category}",
        "Broken links on the {market} {page}", "Scheduled export to the {market} webshop did not run",
        "Timeouts in {solution} on {env}", "Wrong stock levels shown for {category}",
    ],
    "product-import-issue": [
        "Supplier feed from {supplier} not imported", "Import job {job} failed on {env}",
        "{n} products missing after the nightly import", "Duplicate SKUs created by {job}",
        "Images not linked after the import of {category}", "Price import rejects products from {supplier}",
    ],
    "new-user-access": [
        "Editor access for {person}", "Administrator rights for {person} in {solution}",
        "Read-only access to {solution} for {person}",
    ],
    "translation-update": [
        "{language} texts for the {campaign} campaign", "Correct {language} descriptions in {category}",
        "Add {language} as a new locale in {solution}", "Update {language} translations on the {page}",
    ],
    "content-model-change": [
        "Add '{attribute}' attribute to {category}", "New page template for {campaign} landing pages",
        "Make '{attribute}' mandatory for the {market} channel", "Split the {category} family into two",
        "New block type for the {page} in {solution}",
    ],
    "guidance": [
        "Best practice for {topic} in {solution}", "How should we model {attribute} variants?",
        "Review of our {topic} set-up", "Advice before we open the {market} market",
    ],
    TicketType.SERVICE_REQUEST: [
        "Export of {category} products from {solution}", "Please re-run the {job} job on {env}",
        "Help with {topic} in {solution}",
    ],
    TicketType.CHANGE_REQUEST: ["Change the {page} in {solution}", "Add '{attribute}' to the {market} export"],
}  # fmt: skip
OPENINGS: dict[str, list[str]] = {
    TicketType.INCIDENT: [
        "Since this morning about {n} products on the {market} webshop are affected.",
        "Several editors reported the problem after yesterday's release of {solution}.",
        "It started around lunch time and we see it on {env}.", "We noticed it in our daily check of the {page}.",
    ],
    TicketType.SERVICE_REQUEST: [
        "We need this before the {campaign} campaign starts.", "{person} joins the {category} team next week.",
        "This is a routine request for {solution}.", "Our {market} team asked for it this week.",
    ],
    TicketType.CHANGE_REQUEST: [
        "For the {campaign} campaign we need {solution} to support this.",
        "New rules in the {market} market require it from next quarter.",
        "Our content team has asked for this for a while.",
    ],
}  # fmt: skip
DETAILS = [
    "The data looks correct in {solution}, so it seems to go wrong on the way out.", "Clearing the cache did not help.",
    "The details are in the form below.", "It concerns the {category} range in particular.",
    "No changes were made on our side as far as we know.", "It can go with the next planned release if easier.",
]  # fmt: skip
CLOSINGS = [
    "Could you please look into it?", "Please let us know when you expect it to be done.",
    "Screenshots can be sent on request.", "Thank you in advance.", "Call me if anything is unclear.",
]  # fmt: skip
TEXT_ANSWERS = {"job": "{job}", "person": "{person}", "email": "{email}", "languages": "{language}"}
LONG_ANSWERS = {
    "steps": "Open the {page} for any product in {category} and compare it with {solution}.",
    "error": "ERROR Validation failed for 12 rows in {job}: attribute '{attribute}' is missing.",
    "change": "A new attribute '{attribute}' on the {category} family, shown on the {market} site.",
    "reason": "Needed for the {campaign} campaign and the {market} market.",
}
# What the team (or, when reopening, the customer) writes with a status change.
NOTES = {
    Status.RESOLVED: [
        "Done and verified on production. Please confirm that it works for you.",
        "The cause was an expired certificate on the integration; it is renewed and monitored now.",
        "We corrected the configuration and re-ran the affected jobs.",
        "Deployed to production in today's release window.",
        "A patch from {vendor} is installed; the problem no longer occurs.",
    ],
    Status.WAITING_ON_CUSTOMER: [
        "Could you send a screenshot and the time it happened?", "Which products are affected? A few SKUs help.",
        "Please approve the estimate of {n} hours before we start.", "Can you confirm the list of languages?",
    ],
    Status.WAITING_ON_THIRD_PARTY: ["We have opened a case with {vendor} support and wait for their answer."],
    Status.CANCELLED: [
        "Cancelled at the customer's request.", "Duplicate of another request; we continue there.",
        "No longer needed after the last release.",
    ],
    "reopened": ["It happens again on a few products.", "The fix does not work on the {market} site."],
}  # fmt: skip
AUTO_CLOSED = "Closed automatically: resolved {days} days ago without a reply."  # as ticket_auto_close writes
NEXT_STEPS = {
    Status.TRIAGED: ["Plan the work for the next sprint", "Estimate the effort"],
    Status.IN_PROGRESS: ["Analyse the logs of {env}", "Fix and deploy to staging for your test",
                         "Re-run the import and verify the result"],
    Status.WAITING_ON_CUSTOMER: ["Waiting for your answer"],
    Status.WAITING_ON_THIRD_PARTY: ["Waiting for {vendor} support"],
}  # fmt: skip

# What requesters write with a rating, by how it went; what consultants write on their time.
COMMENTS = {
    "low": ["It took far too long, and nobody told us why.", "The problem came back the next day.",
            "We had to ask three times for an update.", "The fix works, but our editors lost a day of work."],
    "middle": ["Solved in the end, but the first answer missed the point.", "OK, though a little slow.",
               "Fine, thank you."],
    "high": ["Quick and clear, thank you!", "Great help, and thanks for explaining the cause.",
             "Solved before our campaign started: perfect.", "Very friendly and fast, as always."],
}  # fmt: skip
WORK_DESCRIPTIONS = [
    "Analysis and reproduction", "Fix and test on staging", "Deployment to production", "Call with the customer",
    "Configuration change and verification", "Investigation of the logs", "Data correction and re-import",
    "Follow-up with the vendor",
]  # fmt: skip
