"""Reading the catalogue."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.db.models import Model, Prefetch, QuerySet
from django.utils.translation import gettext as _

from picocore.catalog.models import FormField, RequestType
from picocore.cmdb.models import Component, Environment, Solution
from picocore.contracts.models import Contract
from picocore.contracts.selectors import kept_contract_in_force
from picocore.core import reference
from picocore.core.errors import NotFound
from picocore.tenancy.models import Organisation


def offered_request_types(*, organisation: Organisation) -> QuerySet[RequestType]:
    """The active request types the organisation's contract in force offers, in catalogue order (the contract
    from the kept reference data: `kept_contract_in_force`)."""
    contract = kept_contract_in_force(organisation=organisation)
    if contract is None:
        return RequestType.objects.none()
    return RequestType.objects.filter(active=True, tiers=contract.tier_id).order_by("position", "name")


@dataclass(frozen=True)
class Offer:
    """A request type the organisation's contract in force offers, with that contract (its tier and calendar):
    what was checked, so that filing the request need not read it again."""

    request_type: RequestType
    contract: Contract


def offer_get(*, organisation: Organisation, slug: str) -> Offer:
    """One offered request type with its form fields, and the contract offering it; NotFound when the
    organisation is not offered it. Both come from the per-process reference data (`reference.cached`): shared,
    read them, never change them."""
    contract = kept_contract_in_force(organisation=organisation)
    request_type = tier_request_type(contract.tier_id, slug) if contract is not None else None
    if request_type is None or contract is None:
        raise NotFound(_("Your subscription does not offer this kind of request."))
    return Offer(request_type=request_type, contract=contract)


def tier_request_type(tier_id: int, slug: str) -> RequestType | None:
    """The active request type `slug` if the tier offers it, with its form fields in form order; None otherwise.
    Kept per process while the reference data is unchanged."""
    return reference.cached("catalog.tier_request_type", _tier_request_type, tier_id, slug)


def _tier_request_type(tier_id: int, slug: str) -> RequestType | None:
    return (
        RequestType.objects.filter(active=True, tiers=tier_id, slug=slug)
        .prefetch_related(Prefetch("fields", queryset=FormField.objects.order_by("position", "id")))
        .first()
    )


@dataclass(frozen=True)
class Listed[M: Model]:
    """Rows to choose from, in their order, and by id."""

    rows: tuple[M, ...]
    by_id: Mapping[int, M]

    @classmethod
    def of(cls, rows: Iterable[M]) -> "Listed[M]":
        listed = tuple(rows)
        return cls(rows=listed, by_id=MappingProxyType({row.pk: row for row in listed}))


def organisation_solutions(organisation_id: int) -> Listed[Solution]:
    """The organisation's solutions by name, for its request forms; kept per process while the reference data is
    unchanged (`reference.cached`): shared, never change them."""
    return reference.cached("catalog.solutions", _organisation_solutions, organisation_id)


def _organisation_solutions(organisation_id: int) -> Listed[Solution]:
    return Listed.of(Solution.objects.filter(organisation_id=organisation_id).order_by("name"))


def organisation_environments(organisation_id: int) -> Listed[Environment]:
    """The organisation's environments, each with its solution, by solution name and kind, for its request forms;
    kept per process while the reference data is unchanged (`reference.cached`): shared, never change them."""
    return reference.cached("catalog.environments", _organisation_environments, organisation_id)


def _organisation_environments(organisation_id: int) -> Listed[Environment]:
    return Listed.of(
        Environment.objects.filter(organisation_id=organisation_id)
        .select_related("solution")
        .order_by("solution__name", "kind")
    )


def organisation_components(organisation_id: int) -> Listed[Component]:
    """The organisation's components, each with its environment and solution, for its incident forms; kept per
    process while the reference data is unchanged (`reference.cached`): shared, never change them."""
    return reference.cached("catalog.components", _organisation_components, organisation_id)


def _organisation_components(organisation_id: int) -> Listed[Component]:
    return Listed.of(
        Component.objects.filter(organisation_id=organisation_id)
        .select_related("environment__solution")
        .order_by("environment__solution__name", "environment__kind", "name", "id")
    )


def offered_request_type_get(*, organisation: Organisation, slug: str) -> RequestType:
    """One offered request type with its form fields; NotFound when the organisation is not offered it."""
    return offer_get(organisation=organisation, slug=slug).request_type
