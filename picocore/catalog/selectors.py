"""Reading the catalogue."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from picocore.catalog.models import FormField, RequestType
from picocore.contracts.selectors import contract_in_force
from picocore.core.errors import NotFound
from picocore.tenancy.models import Organisation


def offered_request_types(*, organisation: Organisation) -> QuerySet[RequestType]:
    """The active request types the organisation's contract in force offers, in catalogue order."""
    contract = contract_in_force(organisation=organisation)
    if contract is None:
        return RequestType.objects.none()
    return RequestType.objects.filter(active=True, tiers=contract.tier).order_by("position", "name")


def offered_request_type_get(*, organisation: Organisation, slug: str) -> RequestType:
    """One offered request type with its form fields; NotFound when the organisation is not offered it."""
    request_type = (
        offered_request_types(organisation=organisation)
        .filter(slug=slug)
        .prefetch_related(Prefetch("fields", queryset=FormField.objects.order_by("position", "id")))
        .first()
    )
    if request_type is None:
        raise NotFound(_("Your subscription does not offer this kind of request."))
    return request_type
