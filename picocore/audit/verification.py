"""Walking the audit chain to find the first entry altered, missing or forged.

`audit_verify` reads the entries in sequence order in batches (keyset pagination: memory stays constant
whatever the length of the trail, but for one counter per redaction entry) and stops at the first fault."""

from collections.abc import Callable
from dataclasses import dataclass, field

from picocore.audit import chain
from picocore.audit.models import AuditAction, AuditChainHead, AuditEntry

BATCH_SIZE = 2_000


@dataclass(frozen=True)
class Fault:
    """The first thing wrong with the chain: at which sequence number (and entry id, when the entry exists)."""

    sequence: int
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry #{self.sequence}" + (f" (id {self.entry_id})" if self.entry_id is not None else "")
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class Verification:
    """What a walk found: how many entries it checked, how many were redacted, the head's hash, and the fault
    that stopped it (None: the chain is whole)."""

    checked: int
    redacted: int
    head_hash: str
    fault: Fault | None = None

    @property
    def ok(self) -> bool:
        return self.fault is None


@dataclass
class _Walk:
    checked: int = 0
    redacted: int = 0
    previous_hash: str = chain.GENESIS
    # Redaction entry sequence → how many earlier entries carry its mark (checked when it is reached).
    marks: dict[int, int] = field(default_factory=dict)


def _entry_fault(entry: AuditEntry, walk: _Walk, expected: int) -> Fault | None:
    if entry.sequence != expected:
        return Fault(expected, None, f"missing (deleted?): the next entry found is #{entry.sequence}")
    if entry.previous_hash != walk.previous_hash:
        return Fault(entry.sequence, entry.pk, "does not follow the entry before it (it or its predecessor altered)")
    recomputed = chain.hash_of(entry)
    if recomputed != entry.hash:
        return Fault(entry.sequence, entry.pk, "altered: its hash does not match its content")
    if entry.redacted_in is None:
        if chain.text_digest(entry.object_repr, entry.changes) != entry.text_digest:
            return Fault(entry.sequence, entry.pk, "altered: its text does not match its digest")
    elif entry.redacted_in <= entry.sequence:
        return Fault(entry.sequence, entry.pk, "altered: marked redacted by an entry that is not later")
    else:
        walk.marks[entry.redacted_in] = walk.marks.get(entry.redacted_in, 0) + 1
    if entry.sequence in walk.marks or entry.action == AuditAction.REDACTED:
        claimed = entry.changes.get("entries", {}).get("after") if isinstance(entry.changes, dict) else None
        if entry.action != AuditAction.REDACTED or claimed != walk.marks.pop(entry.sequence, 0):
            problem = "altered: the entries marked redacted by it are not those it rewrote"
            return Fault(entry.sequence, entry.pk, problem)
    return None


def audit_verify(*, batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None) -> Verification:
    """Check every entry in order: numbered without a gap from 1, linked to its predecessor's hash, its own
    hash and text digest matching its content, redaction marks matching the redaction entries; and the head
    row pointing at the newest entry. `progress` is told the number of entries checked after each batch."""
    walk = _Walk()
    entries = AuditEntry.objects.select_related("content_type").order_by("sequence")
    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash = head.hash if head else chain.GENESIS

    def found(fault: Fault) -> Verification:
        return Verification(walk.checked, walk.redacted, head_hash, fault)

    while True:
        batch = list(entries.filter(sequence__gt=walk.checked)[:batch_size])
        for entry in batch:
            fault = _entry_fault(entry, walk, walk.checked + 1)
            if fault is not None:
                return found(fault)
            walk.checked, walk.previous_hash = entry.sequence, entry.hash
            walk.redacted += entry.redacted_in is not None
        if progress is not None and batch:
            progress(walk.checked)
        if len(batch) < batch_size:
            break
    if walk.marks:
        first = min(walk.marks)
        return found(Fault(first, None, "missing: the redaction entry that earlier entries name"))
    head_sequence = head.sequence if head else 0
    if head_sequence > walk.checked:
        return found(Fault(walk.checked + 1, None, f"missing (deleted?): the head names #{head_sequence}"))
    if head_sequence < walk.checked or (walk.checked and head_hash != walk.previous_hash):
        return found(Fault(walk.checked, None, "the head does not point at the newest entry"))
    return Verification(walk.checked, walk.redacted, head_hash)
