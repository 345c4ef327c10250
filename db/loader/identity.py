"""A dataset's identity: its canonical order, the hash of its content, and composing one from
another (a release added or replaced)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from bot.models import Country, Dataset, FrozenModel, Release, SpendingRecord


def canonical_dataset(
    members: Sequence[Country],
    releases: Sequence[Release],
    records: Sequence[SpendingRecord],
    *,
    validated: bool = False,
) -> Dataset:
    """A Dataset in canonical order, so equal content compares (and hashes) equal.

    ``validated``: every model was just built (validated) by this module's parsers, so the
    Dataset is assembled without validating them again.
    """
    build = Dataset.model_construct if validated else Dataset
    return build(
        members=tuple(sorted(members, key=lambda c: c.iso3)),
        releases=tuple(sorted(releases, key=lambda r: r.release_id)),
        records=tuple(sorted(records, key=lambda r: (r.release_id, r.iso3, r.year))),
    )


#: Records serialised per step of ``dataset_sha256``.
_HASH_CHUNK = 2000


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _json_fields(item: FrozenModel) -> dict[str, object]:
    """The model's fields as JSON values. A record's are JSON values already (text, numbers,
    booleans, None), so its own fields are used as they are: the same JSON as ``model_dump``
    (tests/unit/db/loader/test_loader.py checks), a third faster at 100,000 records."""
    if isinstance(item, SpendingRecord):
        return item.__dict__
    return item.model_dump(mode="json")


def dataset_sha256(dataset: Dataset) -> str:
    """Hash of the dataset's content; the order of members, releases and records is irrelevant.

    The sha256 of the canonical JSON of the whole dataset (sorted keys, no spaces), fed in
    chunks: a 100,000-row dataset never exists as one JSON text, and no single call holds the
    GIL for long (a reload hashes in a worker thread while the bot answers commands).
    """
    # Only reordered: its models are the dataset's own, validated (or checked) already.
    canonical = canonical_dataset(
        dataset.members, dataset.releases, dataset.records, validated=True
    )
    digest = hashlib.sha256(b"{")
    for n, name in enumerate(sorted(Dataset.model_fields)):
        items: tuple[FrozenModel, ...] = getattr(canonical, name)
        digest.update(f"{',' if n else ''}{_canonical_json(name)}:[".encode())
        for start in range(0, len(items), _HASH_CHUNK):
            chunk = [_json_fields(item) for item in items[start : start + _HASH_CHUNK]]
            text = _canonical_json(chunk)[1:-1]  # the items, without the list's brackets
            digest.update((("," if start else "") + text).encode("utf-8"))
        digest.update(b"]")
    digest.update(b"}")
    return digest.hexdigest()


def with_release(base: Dataset, release: Release, records: Sequence[SpendingRecord]) -> Dataset:
    """``base`` with ``release`` added, or replacing the release of the same id and its figures."""
    rid = release.release_id
    if any(r.release_id != rid for r in records):
        raise ValueError(f"records passed with release {rid} belong to another release")
    return canonical_dataset(
        base.members,
        [r for r in base.releases if r.release_id != rid] + [release],
        [r for r in base.records if r.release_id != rid] + list(records),
    )
