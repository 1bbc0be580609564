"""Reading the catalogue."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from picocore.catalog.models import FormField, RequestType
from picocore.contracts.models import Contract
from picocore.contracts.selectors import contract_in_force
from picocore.core.errors import NotFound
from picocore.tenancy.models import Organisation


def offered_request_types(*, organisation: Organisation) -> QuerySet[RequestType]:
    """The active request types the organisation's contract in force offers, in catalogue order."""
    contract = contract_in_force(organisation=organisation)
    if contract is None:
        return RequestType.objects.none()
    return RequestType.objects.filter(active=True, tiers=contract.tier).order_by("position", "name")


@dataclass(frozen=True)
class Offer:
    """A request type the organisation's contract in force offers, with that contract (its tier and calendar):
    what was checked, so that filing the request need not read it again."""

    request_type: RequestType
    contract: Contract


def offer_get(*, organisation: Organisation, slug: str) -> Offer:
    """One offered request type with its form fields, and the contract offering it; NotFound when the
    organisation is not offered it."""
    contract = contract_in_force(organisation=organisation)
    request_type = (
        RequestType.objects.filter(active=True, tiers=contract.tier, slug=slug)
        .prefetch_related(Prefetch("fields", queryset=FormField.objects.order_by("position", "id")))
        .first()
        if contract is not None
        else None
    )
    if request_type is None or contract is None:
        raise NotFound(_("Your subscription does not offer this kind of request."))
    return Offer(request_type=request_type, contract=contract)


def offered_request_type_get(*, organisation: Organisation, slug: str) -> RequestType:
    """One offered request type with its form fields; NotFound when the organisation is not offered it."""
    return offer_get(organisation=organisation, slug=slug).request_type
