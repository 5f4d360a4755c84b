"""Key rotation: re-encrypt every stored ciphertext that is not under the current key.

`hushpost manage rotate-keys` walks `EncryptedText.registry`. Each ciphertext
names its key (``hp1.<key id>.…``), so what is left to do is simply the rows
whose column does not start with the current key's prefix: an interrupted run
resumes by running again. Each batch is its own short transaction that locks
only its rows and re-reads them inside the lock, so the running service keeps
writing and a value changed meanwhile is never overwritten with an old one.
A row no key can decrypt is left as it is and reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model
from django.db.models.functions import Substr

from hushpost.crypto.encrypted_attributes import EncryptedText
from hushpost.crypto.keyring import PREFIX, DecryptionError, key_id_of, keyring, reencrypt

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class Target:
    """One encrypted attribute of one model."""

    model: type[Model]
    attribute: EncryptedText

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.attribute.name}"

    @property
    def column(self) -> str:
        return self.attribute.column

    def stored(self):
        return self.model._base_manager.exclude(**{self.column: ""})

    def not_under(self, key_id: str):
        return self.stored().exclude(**{f"{self.column}__startswith": f"{PREFIX}.{key_id}."})


@dataclass(frozen=True)
class Unreadable:
    label: str
    pk: object
    key_id: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.label} of row {self.pk} (key id {self.key_id!r}) can't be decrypted: "
            f"{self.reason}"
        )


@dataclass
class Progress:
    target: Target
    total: int
    done: int
    unreadable: list[Unreadable] = field(default_factory=list)


def targets() -> list[Target]:
    seen: set[tuple[str, str]] = set()
    found = []
    for model, attribute in EncryptedText.registry:
        if (
            model._meta.abstract
            or not model._meta.managed
            or (model._meta.label, attribute.name) in seen
        ):
            continue
        seen.add((model._meta.label, attribute.name))
        found.append(Target(model, attribute))
    return sorted(found, key=lambda t: t.label)


def old_key_ids(target: Target, key_id: str) -> set[str]:
    """Which keys the rows not yet under `key_id` are under (reads only the prefixes)."""
    heads = (
        target.not_under(key_id)
        .order_by()
        .annotate(head=Substr(target.column, 1, 40))
        .values_list("head", flat=True)
    )
    return {
        key_id_of(head) if head.count(".") >= 2 else "?" for head in heads.distinct().iterator()
    }


@dataclass(frozen=True)
class Survey:
    target: Target
    total: int
    left: int
    key_ids: set[str]


def survey() -> Iterator[Survey]:
    """What is still under an older key, per attribute (for --dry-run and --check)."""
    current = keyring().current_id
    for target in targets():
        left = target.not_under(current).count()
        yield Survey(
            target, target.stored().count(), left, old_key_ids(target, current) if left else set()
        )


def rotate(
    target: Target,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[Progress], None] = lambda progress: None,
) -> Progress:
    current = keyring().current_id
    prefix = f"{PREFIX}.{current}."
    left = target.not_under(current)
    progress = Progress(target, total=target.stored().count(), done=0)
    progress.done = progress.total - left.count()
    after = None
    while True:
        # Walk forward by primary key so an unreadable row is looked at once, not forever.
        page = left.order_by("pk")
        if after is not None:
            page = page.filter(pk__gt=after)
        pks = list(page.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return progress
        after = pks[-1]
        _rotate_batch(target, pks, prefix, progress)
        on_batch(progress)


def _rotate_batch(target: Target, pks: list, prefix: str, progress: Progress) -> None:
    manager = target.model._base_manager
    with transaction.atomic():
        # Re-read inside the lock: the service may have rewritten a row since it was picked.
        for row in manager.select_for_update(of=("self",)).filter(pk__in=pks).order_by("pk"):
            token = getattr(row, target.column)
            if not token or token.startswith(prefix):
                continue
            try:
                fresh = reencrypt(token, target.attribute.aad(row))
            except DecryptionError as error:
                kid = key_id_of(token) if token.count(".") >= 2 else "?"
                progress.unreadable.append(Unreadable(target.label, row.pk, kid, str(error)))
                continue
            manager.filter(pk=row.pk).update(**{target.column: fresh})
            progress.done += 1
