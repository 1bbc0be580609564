"""Changing tiers and contracts: each change saved with its SLA targets, audited with before and after, and
the affected tickets' clocks recomputed once it commits — from the admin or from anywhere else."""

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from picocore.audit.services import RowChanges, audited_delete, audited_rows, audited_save
from picocore.contracts.models import Contract, Tier
from picocore.core.errors import ValidationError
from picocore.sla.services import clocks_recompute_later
from picocore.tenancy.models import User


@transaction.atomic
def tier_update(
    *,
    actor: User | None,
    tier: Tier,
    targets: RowChanges | None = None,
    save_m2m: Callable[[], None] | None = None,
) -> Tier:
    """Save the tier as given (new or changed), its many-to-many choices and its SLA target changes, each
    audited; the organisations with a contract on it have their clocks recomputed after commit."""
    audited_save(actor=actor, instance=tier, save_m2m=save_m2m)
    audited_rows(actor=actor, changes=targets)
    clocks_recompute_later(tier.contracts.values_list("organisation_id", flat=True))
    return tier


@transaction.atomic
def contract_update(*, actor: User | None, contract: Contract, targets: RowChanges | None = None) -> Contract:
    """Save the contract as given (new or changed) and its SLA target overrides, each audited; the clocks of
    its organisation (and of the previous one, had it moved) are recomputed after commit. An invalid
    contract (ending before it starts) is refused with ValidationError and nothing is saved."""
    try:
        contract.full_clean()
    except DjangoValidationError as error:
        raise ValidationError(field_errors=error.message_dict) from None
    previous = Contract.objects.filter(pk=contract.pk).values_list("organisation_id", flat=True).first()
    audited_save(actor=actor, instance=contract)
    audited_rows(actor=actor, changes=targets)
    clocks_recompute_later([contract.organisation_id, *([previous] if previous else [])])
    return contract


@transaction.atomic
def contract_delete(*, actor: User | None, contract: Contract) -> None:
    """Delete the contract (and its target overrides), audited; its organisation's clocks are recomputed."""
    organisation_id = contract.organisation_id
    for target in contract.sla_targets.all():
        audited_delete(actor=actor, instance=target)
    audited_delete(actor=actor, instance=contract)
    clocks_recompute_later([organisation_id])
