"""The case store's ingest row by row: the reference for the batched ingest.

This is how ``ingest_dataset`` wrote until 2026-12-04 (one ``INSERT`` per row, each followed
by its own audit entry that reads and moves the chain's head): slow, and plain enough to
trust. ``tests/test_store_load.py`` ingests the same datasets both ways under a frozen clock
and requires the two stores to be equal row for row, the audit log's hashes included.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from forensic_match.store import schema
from forensic_match.store.audit import audit_values, canonical_json, lock_audit, now
from forensic_match.store.database import StoreError
from forensic_match.store.records import (
    IngestSummary,
    _genotypes,
    _Known,
    family_content,
    flag_stale,
    pm_content,
)


def _ensure(conn: sa.Connection, known: _Known, entity: str, values: dict[str, Any], *,
            actor: str) -> None:
    table = schema.metadata.tables[entity]
    (pk,) = [c.name for c in table.primary_key.columns]
    seen = known.ids[entity]
    if values[pk] in seen:
        if "kind" in values and seen[values[pk]] != values["kind"]:
            raise StoreError(f"sample {values[pk]!r} is stored as a {seen[values[pk]]} "
                             f"sample and cannot become a {values['kind']} sample")
        return
    conn.execute(table.insert().values(**values))
    audit_values(conn, entity, values, actor=actor, action="create")
    seen[values[pk]] = values.get("kind")


def _put_version(conn: sa.Connection, known: _Known, kind: str, ref_id: str,
                 content: dict[str, Any], *, actor: str, run_id: str | None,
                 summary: IngestSummary) -> None:
    import hashlib

    table = schema.family_versions if kind == "family" else schema.profiles
    key = "family_id" if kind == "family" else "sample_id"
    latest = known.latest[kind].get(ref_id)
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    if latest is not None and latest[1] == digest:
        summary.unchanged += 1
        return
    version = 1 if latest is None else latest[0] + 1
    values = {key: ref_id, "version": version, "content": canonical_json(content),
              "sha256": digest, "created_at": now(), "run_id": run_id}
    conn.execute(table.insert().values(**values))
    audit_values(conn, table.name, values, actor=actor, action="new_version")
    known.latest[kind][ref_id] = (version, digest)
    summary.new_versions.append((kind, ref_id, version))
    if version > 1:
        summary.flagged += flag_stale(conn, kind, ref_id, version, actor=actor)


def ingest_per_row(conn: sa.Connection, dataset: Any, *, actor: str,
                   run_id: str | None = None) -> IngestSummary:
    """``ingest_dataset`` row by row (same arguments, same result)."""
    summary = IngestSummary()
    lock_audit(conn)
    known = _Known(conn)
    t = now()
    pm_ids = {s.id for s in dataset.pm}
    for fam in dataset.am:
        _ensure(conn, known, "families", {"family_id": fam.id, "created_at": t}, actor=actor)
        for ind, *_ in fam.pedigree.records():
            _ensure(conn, known, "persons", {"person_id": f"{fam.id}/{ind}",
                                             "family_id": fam.id, "created_at": t},
                    actor=actor)
        _put_version(conn, known, "family", fam.id, family_content(fam), actor=actor,
                     run_id=run_id, summary=summary)
        for kind, profiles, suffix in (("relative", fam.genotypes, ""),
                                       ("reference", fam.references, "/reference")):
            for ind, prof in sorted(profiles.items()):
                sid = f"{fam.id}/{ind}{suffix}"
                if sid in pm_ids:
                    raise StoreError(f"PM sample id {sid!r} is also the id of a sample of "
                                     f"family {fam.id!r}")
                _ensure(conn, known, "samples",
                        {"sample_id": sid, "kind": kind, "family_id": fam.id,
                         "person_id": f"{fam.id}/{ind}", "created_at": t}, actor=actor)
                _put_version(conn, known, "profile", sid, {"genotypes": _genotypes(prof)},
                             actor=actor, run_id=run_id, summary=summary)
    for s in dataset.pm:
        _ensure(conn, known, "samples", {"sample_id": s.id, "kind": "pm", "family_id": None,
                                         "person_id": None, "created_at": t}, actor=actor)
        _put_version(conn, known, "profile", s.id, pm_content(s), actor=actor, run_id=run_id,
                     summary=summary)
    return summary
