"""Families, persons, samples and versioned profiles in the case store; identities.

Ids are pseudonymous: a family's id, ``family/individual`` for a person of its pedigree and
for a typed relative's sample, ``family/missing/reference`` for a direct reference (personal
effects), the lab's id for a PM sample. Names are only in ``identities``.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from forensic_match.store import schema
from forensic_match.store._bulk import paused_gc
from forensic_match.store.audit import (
    append_entries,
    audit_row,
    canonical_json,
    lock_audit,
    now,
    values_entry,
)
from forensic_match.store.database import StoreError


@dataclass
class IngestSummary:
    """What :func:`ingest_dataset` wrote.

    Attributes
    ----------
    new_versions : list of (kind, id, version)
        ``("family", id, v)`` or ``("profile", sample id, v)`` for every version written
        (version 1 for data new to the store).
    unchanged : int
        Families and profiles identical to their newest stored version (nothing written).
    flagged : list of int
        Proposals flagged for re-review because data they were computed from changed.
    """

    new_versions: list[tuple[str, str, int]] = field(default_factory=list)
    unchanged: int = 0
    flagged: list[int] = field(default_factory=list)


def _genotypes(profile: dict[str, Any]) -> dict[str, list[str | None]]:
    return {m: list(g) for m, g in sorted(profile.items())}


#: Audit entries (and their rows) buffered before one multi-row insert of each table: bounds
#: the memory of a first load at Peru scale (~280,000 entries) at a few tens of MB.
FLUSH_ENTRIES = 5000

#: The key of a withdrawn sample's profile version or a withdrawn family's version
#: (``forensic_match/store/withdrawal.py``): ``{"reason": ..., "by": ...}`` beside the
#: content it had.
WITHDRAWN = "withdrawn"

#: Identity and version tables in the order their rows can be inserted (foreign keys).
_INSERT_ORDER = ("families", "persons", "samples", "family_versions", "profiles",
                 "snp_layouts", "snp_calls")


class _Known:
    """What the store holds, read once per ingest (inside its transaction, under the write
    lock): the ids of families, persons and samples, and the newest version of each family
    and profile with its sha256. Kept up to date as the ingest writes."""

    def __init__(self, conn: sa.Connection) -> None:
        self.ids: dict[str, dict[str, Any]] = {
            "families": {r[0]: None for r in conn.execute(sa.select(
                schema.families.c.family_id))},
            "persons": {r[0]: None for r in conn.execute(sa.select(
                schema.persons.c.person_id))},
            "samples": {r[0]: r[1] for r in conn.execute(sa.select(
                schema.samples.c.sample_id, schema.samples.c.kind))}}
        self.latest: dict[str, dict[str, tuple[int, str]]] = {}
        for kind, table, key in (("family", schema.family_versions, "family_id"),
                                 ("profile", schema.profiles, "sample_id")):
            newest = sa.select(table.c[key], sa.func.max(table.c.version).label("v")) \
                .group_by(table.c[key]).subquery()
            rows = conn.execute(sa.select(table.c[key], table.c.version, table.c.sha256)
                                .join(newest, sa.and_(newest.c[key] == table.c[key],
                                                      newest.c.v == table.c.version)))
            self.latest[kind] = {r[0]: (r[1], r[2]) for r in rows}
        self.withdrawn = withdrawn_samples(conn)
        self.withdrawn_families = withdrawn_families(conn)


def withdrawn_samples(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    """``{sample id: {"reason", "by"}}`` of the samples (PM samples, relatives' and
    references' profiles) whose newest profile version is a withdrawal."""
    return _withdrawn(conn, "profile")


def withdrawn_families(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    """``{family id: {"reason", "by"}}`` of the families whose newest version is a
    withdrawal."""
    return _withdrawn(conn, "family")


def _withdrawn(conn: sa.Connection, kind: str) -> dict[str, dict[str, Any]]:
    """Newest versions of profiles or families (``kind``) that are withdrawals (one scan of
    the newest versions' text, then the few that mention it parsed)."""
    table, key = _versions(kind)
    newest = sa.select(table.c[key], sa.func.max(table.c.version).label("v")) \
        .group_by(table.c[key]).subquery()
    query = sa.select(table.c[key], table.c.content) \
        .join(newest, sa.and_(newest.c[key] == table.c[key], newest.c.v == table.c.version)) \
        .where(table.c.content.contains(f'"{WITHDRAWN}":'))
    out = {}
    for ref, text in conn.execute(query):
        content = json.loads(text)
        if WITHDRAWN in content:
            out[ref] = content[WITHDRAWN]
    return out


class _Batch:
    """The rows an ingest writes and their audit entries, in the order of the entries.

    Rows wait here and are written by :meth:`flush`, each table in one multi-row insert (in
    the order of :data:`_INSERT_ORDER`, so that foreign keys hold), followed by the entries
    in one append (:func:`~forensic_match.store.audit.append_entries`): the log and the rows
    are the same as if each row had been inserted and logged on its own, at a fraction of the
    statements. Everything stays inside the caller's transaction."""

    def __init__(self, conn: sa.Connection, actor: str) -> None:
        self.conn, self.actor = conn, actor
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in _INSERT_ORDER}
        self.entries: list[dict[str, Any]] = []

    def add(self, entity: str, values: dict[str, Any], action: str) -> None:
        self.rows[entity].append(values)
        self.entries.append(values_entry(entity, values, actor=self.actor, action=action))
        if len(self.entries) >= FLUSH_ENTRIES:
            self.flush()

    def flush(self) -> None:
        for name in _INSERT_ORDER:
            if self.rows[name]:
                self.conn.execute(schema.metadata.tables[name].insert(), self.rows[name])
                self.rows[name] = []
        append_entries(self.conn, self.entries)
        self.entries = []


def _ensure(batch: _Batch, known: _Known, entity: str, values: dict[str, Any]) -> bool:
    """Insert a row of an identity table (families, persons, samples) unless present; the
    existing row must agree on ``kind``."""
    table = schema.metadata.tables[entity]
    (pk,) = [c.name for c in table.primary_key.columns]
    seen = known.ids[entity]
    if values[pk] in seen:
        if "kind" in values and seen[values[pk]] != values["kind"]:
            raise StoreError(f"sample {values[pk]!r} is stored as a {seen[values[pk]]} "
                             f"sample and cannot become a {values['kind']} sample")
        return False
    batch.add(entity, values, "create")
    seen[values[pk]] = values.get("kind")
    return True


def _versions(kind: str) -> tuple[sa.Table, str]:
    """The versions table of a family (``kind`` "family") or profile, and its id column."""
    return (schema.family_versions, "family_id") if kind == "family" else \
        (schema.profiles, "sample_id")


def newest_versions(conn: sa.Connection, refs: list[tuple[str, str]]
                    ) -> dict[tuple[str, str], int]:
    """The newest stored version of each ``(kind, id)`` of ``refs``: a family, a profile or
    a sample's SNP calls (kind ``"snp"``)."""
    out: dict[tuple[str, str], int] = {}
    for kind in ("family", "profile", "snp"):
        ids = sorted({ref for k, ref in refs if k == kind})
        if not ids:
            continue
        table, key = (schema.snp_calls, "sample_id") if kind == "snp" else _versions(kind)
        for start in range(0, len(ids), 500):
            for ref, version in conn.execute(
                    sa.select(table.c[key], sa.func.max(table.c.version))
                    .where(table.c[key].in_(ids[start:start + 500])).group_by(table.c[key])):
                out[kind, ref] = int(version)
    return out


def superseded_versions(conn: sa.Connection, basis: Iterable[Sequence[Any]]
                        ) -> list[tuple[str, str, int, int]]:
    """The items ``(kind, id, version)`` of a proposal's basis whose version is no longer the
    newest stored, as ``(kind, id, version, newest)`` (families, profiles, SNP calls; the
    configuration item is not a stored version)."""
    basis = list(basis)
    newest = newest_versions(conn, [(k, ref) for k, ref, _ in basis])
    return [(k, ref, v, newest[k, ref]) for k, ref, v in basis
            if (k, ref) in newest and newest[k, ref] > v]


def reverted_to(conn: sa.Connection, kind: str, ref_id: str, version: int) -> int | None:
    """The earlier version (not the one just before) whose data version ``version`` of a
    family or profile repeats, else ``None``: an older file sent again after a correction.
    A repeat after withdrawals only (a reinstatement) is none."""
    if kind not in ("family", "profile"):
        return None
    table, key = _versions(kind)
    digest = conn.execute(sa.select(table.c.sha256).where(
        table.c[key] == ref_id, table.c.version == version)).scalar()
    earlier = _same_data_before(conn, kind, ref_id, digest, version - 1)
    if earlier is None or all(withdrawal_at(conn, kind, ref_id, v) is not None
                              for v in range(earlier + 1, version)):
        return None
    return earlier


def _same_data_before(conn: sa.Connection, kind: str, ref_id: str, digest: str,
                      below: int) -> int | None:
    """The newest version below ``below`` of a family or profile whose content has
    ``digest``, else ``None``."""
    table, key = _versions(kind)
    return conn.execute(sa.select(sa.func.max(table.c.version)).where(
        table.c[key] == ref_id, table.c.sha256 == digest, table.c.version < below)).scalar()


def reverted_words(version: int, earlier: int) -> str:
    """What :func:`reverted_to` found, in words for a flag."""
    return (f"version {version} is the same data as version {earlier}, which version "
            f"{earlier + 1} replaced: an older file sent again undoes a correction (a "
            f"re-typing)? Send the newest data again")


def version_words(kind: str) -> str:
    """What a basis item of ``kind`` is, in words ("profile of sample"; a family's version
    holds its pedigree, missing persons, typed members and records: "record of family", not
    "pedigree", which a withdrawn relative left unchanged)."""
    return {"family": "record of family", "snp": "SNP calls of sample"}.get(
        kind, "profile of sample")


def _version_content(conn: sa.Connection, kind: str, ref_id: str,
                     version: int) -> dict[str, Any]:
    """The stored content of one version of a family or profile."""
    table, key = _versions(kind)
    return json.loads(conn.execute(sa.select(table.c.content).where(
        table.c[key] == ref_id, table.c.version == version)).scalar_one())


def withdrawal_at(conn: sa.Connection, kind: str, ref_id: str,
                  version: int) -> dict[str, Any] | None:
    """``{"reason", "by"}`` when version ``version`` of a basis item is a withdrawal of a
    sample or a family (``forensic_match/store/withdrawal.py``), else ``None``."""
    if kind not in ("profile", "family"):
        return None
    return _version_content(conn, kind, ref_id, version).get(WITHDRAWN)


def _warn_reverted(conn: sa.Connection, kind: str, ref_id: str, digest: str,
                   newest: int) -> None:
    """Warn when new content equals an earlier version that a later one replaced: an old
    file sent again would undo a correction (a re-typed allele) without a word (an outside
    check, 2026-12-06). The content is still stored, as the data the run was given."""
    from forensic_match.errors import ForensicMatchWarning

    earlier = _same_data_before(conn, kind, ref_id, digest, newest)
    if earlier is not None:
        warnings.warn(f"{version_words(kind)} {ref_id!r}: the data sent equals version "
                      f"{earlier}, which version {earlier + 1} replaced; stored as version "
                      f"{newest + 1}. If version {earlier + 1} was a correction (a "
                      f"re-typing), an older file was sent again and undoes it: send the "
                      f"newest data again", ForensicMatchWarning, stacklevel=5)


def _put_version(batch: _Batch, known: _Known, kind: str, ref_id: str,
                 content: dict[str, Any], *, run_id: str | None,
                 summary: IngestSummary) -> int | None:
    """Write ``content`` as the next version of a family or profile if it differs from the
    newest; earlier versions are never changed. Returns the version the new one supersedes
    (``None``: nothing written, or the first version)."""
    table, key = _versions(kind)
    latest = known.latest[kind].get(ref_id)
    text = canonical_json(content)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if latest is not None and (latest[1] == digest or _same_data(
            batch.conn, kind, ref_id, latest[0], content)):
        summary.unchanged += 1
        return None
    version = 1 if latest is None else latest[0] + 1
    if latest is not None:
        _warn_reverted(batch.conn, kind, ref_id, digest, latest[0])
    values = {key: ref_id, "version": version, "content": text,
              "sha256": digest, "created_at": now(), "run_id": run_id}
    batch.add(table.name, values, "new_version")
    known.latest[kind][ref_id] = (version, digest)
    summary.new_versions.append((kind, ref_id, version))
    if version > 1:
        stale = _stale_proposals(batch.conn, kind, ref_id, version)
        if stale:
            # The flags' entries follow the new version's entry in the chain.
            batch.flush()
            summary.flagged += _flag(batch.conn, stale, kind, ref_id, version,
                                     actor=batch.actor)
        if kind == "profile":
            summary.flagged += flag_conditioned_on_changed(batch.conn, kind, ref_id, version,
                                                           "changed", actor=batch.actor,
                                                           before=batch.flush)
    return None if latest is None else latest[0]


def _same_data(conn: sa.Connection, kind: str, ref_id: str, version: int,
               content: dict[str, Any]) -> bool:
    """Whether ``content`` holds the same data as the stored version in another order: the
    pedigree's rows, the missing persons, the two alleles of a genotype or the alleles of a
    multi-copy Y locus listed otherwise (an export sorted another way; an outside check
    found every approval flagged by a pedigree table with two rows swapped). The stored
    version then stays the newest, so the runs read what they read before."""
    return _in_order(kind, _version_content(conn, kind, ref_id, version)) == \
        _in_order(kind, content)


def _in_order(kind: str, content: dict[str, Any]) -> str:
    """A family's or profile's (``kind``) ``content`` with every list whose order carries no
    meaning sorted, as canonical JSON."""
    def alleles(values: list[Any]) -> list[Any]:
        return sorted(values, key=lambda a: (a is None, str(a)))

    c = dict(content)
    if isinstance(c.get("pedigree"), list):
        c["pedigree"] = sorted(c["pedigree"], key=lambda r: str(r.get("id")))
    if isinstance(c.get("missing"), list):
        c["missing"] = sorted(c["missing"], key=str)
    if isinstance(c.get("genotypes"), dict):
        c["genotypes"] = {m: alleles(g) for m, g in c["genotypes"].items()}
    ystr = c.get("ystr")
    if isinstance(ystr, dict):
        if kind == "family":  # by person
            c["ystr"] = {i: {k: alleles(v) for k, v in h.items()} for i, h in ystr.items()}
        else:
            c["ystr"] = {k: alleles(v) for k, v in ystr.items()}
    return canonical_json(c)


def _stale_proposals(conn: sa.Connection, kind: str, ref_id: str, version: int, *,
                     flagged_too: bool = False) -> list[tuple[int, int]]:
    """``(proposal id, version of ref_id it rests on)`` of the unflagged proposals computed
    from a version of ``ref_id`` older than ``version`` (``flagged_too``: flagged ones as
    well, as a withdrawal takes them)."""
    b, p = schema.proposal_basis, schema.proposals
    query = sa.select(p.c.proposal_id, b.c.version) \
        .join(b, b.c.proposal_id == p.c.proposal_id) \
        .where(b.c.kind == kind, b.c.ref_id == ref_id, b.c.version < version)
    if not flagged_too:
        query = query.where(p.c.needs_review == sa.false())
    return [(pid, old) for pid, old in conn.execute(query.order_by(p.c.proposal_id)).all()]


def flag_conditioned_on_changed(conn: sa.Connection, kind: str, ref_id: str, version: int,
                                what: str, *, actor: str,
                                before: Callable[[], None] | None = None) -> list[int]:
    """Flag the unflagged proposals whose LR was conditioned on a body whose proposal rests on
    a version of ``ref_id`` older than ``version`` (``what``: "changed" or "withdrawn"), and
    return their ids. A family is conditioned on an identified body's profile, which is not
    in the family's own proposals' basis: before 2026-12-08 a re-typed or withdrawn
    conditioning body flagged its own proposal only, and the LRs resting on its old profile
    stayed unflagged (``docs/store.md``, "Proposals that rest on other proposals").
    ``before`` is called once before the first flag (a batch's flush: the flags' audit
    entries follow the new version's)."""
    p, c = schema.proposals, schema.proposal_conditioning
    resting = dict(_stale_proposals(conn, kind, ref_id, version, flagged_too=True))
    if not resting:
        return []
    rows = conn.execute(sa.select(c.c.proposal_id, c.c.conditioning_proposal_id, c.c.pm)
                        .join(p, p.c.proposal_id == c.c.proposal_id)
                        .where(c.c.conditioning_proposal_id.in_(sorted(resting)),
                               p.c.needs_review == sa.false())
                        .order_by(c.c.proposal_id, c.c.seq)).all()
    flagged: list[int] = []
    for pid, on, pm in rows:
        if pid in flagged or pid in resting:
            continue
        if before is not None and not flagged:
            before()
        flag_proposal(conn, pid, f"{version_words(kind)} {ref_id!r} of body {pm} (proposal "
                                 f"{on}), on which this proposal's LR was conditioned, {what} "
                                 f"(version {resting[on]} -> {version})", actor=actor,
                      extra={"conditioning": {"proposal_id": on, "kind": kind,
                                              "ref_id": ref_id, "version": version}})
        flagged.append(pid)
    return flagged


def flag_proposal(conn: sa.Connection, proposal_id: int, reason: str, *, actor: str,
                  extra: dict[str, Any] | None = None) -> None:
    """Flag one proposal for re-review (``needs_review``, ``stale_reason``), with its
    ``flag_rereview`` audit entry carrying ``reason`` and ``extra``: the one way a changed
    data version (:func:`flag_stale`) or configuration
    (:func:`~forensic_match.store.configuration.flag_configuration_change`) flags."""
    p = schema.proposals
    conn.execute(p.update().where(p.c.proposal_id == proposal_id)
                 .values(needs_review=True, stale_reason=reason, updated_at=now()))
    audit_row(conn, "proposals", {"proposal_id": proposal_id}, actor=actor,
              action="flag_rereview", extra={"reason": reason, **(extra or {})})


def _flag(conn: sa.Connection, stale: list[tuple[int, int]], kind: str, ref_id: str,
          version: int, *, actor: str) -> list[int]:
    what = version_words(kind)
    if not stale:
        return []
    # the new version may be an old one sent again: say so where the reviewer reads (it was
    # only in the run's warnings: an outside check, 2026-12-07)
    earlier = reverted_to(conn, kind, ref_id, version)
    undone = "" if earlier is None else "; " + reverted_words(version, earlier)
    for pid, old in stale:
        flag_proposal(conn, pid, f"{what} {ref_id!r} changed (version {old} -> {version}) "
                                 f"after this proposal{undone}", actor=actor)
    return [pid for pid, _ in stale]


def flag_stale(conn: sa.Connection, kind: str, ref_id: str, version: int, *,
               actor: str) -> list[int]:
    """Flag for re-review every proposal computed from an older version of ``ref_id``.

    Returns the ids of the proposals flagged now (already flagged ones are left as they are).
    """
    return _flag(conn, _stale_proposals(conn, kind, ref_id, version), kind, ref_id, version,
                 actor=actor)


def family_content(fam: Any) -> dict[str, Any]:
    """What a family version stores of a :class:`~forensic_match.cases.Family`."""
    content = {"pedigree": fam.pedigree.to_dicts(), "missing": list(fam.missing),
               "typed": sorted(fam.genotypes), "references": sorted(fam.references),
               "info": fam.info, "lineage": fam.lineage}
    # Y haplotypes and mitotypes only when present, so that a family without them keeps
    # the content (and hash) it had before they existed.
    if fam.ystr:
        content["ystr"] = {i: {k: list(v) for k, v in h.items()}
                           for i, h in sorted(fam.ystr.items())}
    if fam.mtdna:
        content["mtdna"] = {i: m.to_dict() for i, m in sorted(fam.mtdna.items())}
    return content


def pm_content(s: Any) -> dict[str, Any]:
    """What a profile version stores of a :class:`~forensic_match.cases.PMSample`."""
    content = {"sex": s.sex, "genotypes": _genotypes(s.genotypes), "site": s.site,
               "dropout": s.dropout, "info": s.info}
    if s.ystr:
        content["ystr"] = {k: list(v) for k, v in s.ystr.items()}
    if s.mtdna is not None:
        content["mtdna"] = s.mtdna.to_dict()
    return content


def ingest_dataset(conn: sa.Connection, dataset: Any, *, actor: str,
                   run_id: str | None = None) -> IngestSummary:
    """Store a dataset's families and PM samples, as new versions where they changed.

    A family version holds the pedigree, the missing persons, the ids of the typed relatives
    and references, the antemortem records and the relatives' lineage data (Y haplotypes and
    mitotypes when there are any); each typed relative, direct reference and PM sample has its
    own profile versions (a PM sample's with its Y haplotype and mitotype, if any). The
    dataset's Y-STR panel and lineage databases are not stored (like the frequency tables,
    they are given to each run). Nothing stored is overwritten. Proposals computed
    from a version that is now superseded are flagged for re-review (:func:`flag_stale`).

    Every row written gets its own audit entry, as always; rows and entries are written in
    multi-row inserts of up to :data:`FLUSH_ENTRIES` entries (``docs/store.md``, "Loading").

    Parameters
    ----------
    conn : sqlalchemy.Connection
        Inside the caller's transaction: the whole dataset is stored, or nothing.
    dataset : DviDataset
    actor : str
        Who stores it (the audit log's actor).
    run_id : str, optional
        The run that stores it.

    Returns
    -------
    IngestSummary
    """
    with paused_gc():
        return _ingest(conn, dataset, actor=actor, run_id=run_id)


def _check_ids(dataset: Any) -> None:
    """Family and person ids without ``/``: the store keys a person and a relative's sample
    as ``family/person`` (a direct reference ``family/person/reference``), so family ``A/B``
    with person ``C`` and family ``A`` with person ``B/C`` would be one stored person, the
    second family's data written into the first's. Then the families' records as
    :func:`~forensic_match.cases.check_family_records` checks them (two families with one
    id would be stored as two versions of one), and every PM sample typed at some marker
    of the panel (identification refuses a sample typed at none, so one stored would stop
    every later run)."""
    from forensic_match.cases import check_family_records, typed_at

    check_family_records(dataset.am, where=f"dataset {dataset.id!r}")
    panel = [m.name for m in dataset.markers]
    for sample in dataset.pm:
        if not typed_at(sample.genotypes, panel):
            raise StoreError(f"dataset {dataset.id!r}, PM sample {sample.id!r}: no typed marker "
                             f"of the dataset's panel; nothing is stored (stored, it would "
                             f"stop every later run): leave the sample out until it is typed")
    for fam in dataset.am:
        if "/" in fam.id:
            raise StoreError(f"family {fam.id!r}: a family id cannot hold '/' in the case "
                             f"store (it joins family and person ids); rename the family")
        for ind in fam.pedigree.ids:
            if "/" in ind:
                raise StoreError(f"family {fam.id!r}, person {ind!r}: a person id cannot hold "
                                 f"'/' in the case store (it joins family and person ids); "
                                 f"rename the person")
    _check_id_lengths(dataset)


def _check_id_lengths(dataset: Any) -> None:
    """Every id as the store keeps it within :data:`~forensic_match.store.schema.ID`
    characters, on every backend: SQLite does not enforce a VARCHAR's length, and PostgreSQL
    refused a 206-character PM sample id with a raw traceback in the run's first transaction
    (an outside check, h_pg F1, 2026-12-08), so the limit is checked here, before anything of
    the dataset is stored."""
    where = f"dataset {dataset.id!r}"

    def check(stored: str, what: str, column: str) -> None:
        if len(stored) > schema.ID:
            raise StoreError(f"{where}, {what}: the case store keeps ids of at most {schema.ID} "
                             f"characters ({column}), and this one has {len(stored)} "
                             f"({stored!r}); nothing is stored: shorten the id")

    for fam in dataset.am:
        check(fam.id, "a family's id", "families.family_id")
        for ind in fam.pedigree.ids:
            check(f"{fam.id}/{ind}", f"family {fam.id!r}, person {ind!r} (stored as "
                  f"'family/person')", "persons.person_id")
        for ind in fam.references:
            check(f"{fam.id}/{ind}/reference", f"family {fam.id!r}, direct reference of "
                  f"{ind!r} (stored as 'family/person/reference')", "samples.sample_id")
    for sample in dataset.pm:
        check(sample.id, "a PM sample's id", "samples.sample_id")


def _warn_near_ids(known: _Known, dataset: Any) -> None:
    """Warn about a new family or PM sample whose id differs from a stored one only in case,
    accents or Unicode form ("pm-001" beside "PM-001"): most likely one body or family typed
    two ways, which the store would keep as two."""
    from forensic_match.errors import ForensicMatchWarning, folded_id, show_id

    for entity, what, ids in (("families", "family", [f.id for f in dataset.am]),
                              ("samples", "PM sample", [s.id for s in dataset.pm])):
        stored = known.ids[entity]
        new = [i for i in ids if i not in stored]
        if not new:
            continue
        folded: dict[str, str] = {}
        for i in stored:
            folded.setdefault(folded_id(i), i)
        for i in new:
            near = folded.get(folded_id(i))
            if near is not None:
                warnings.warn(f"{what} {show_id(i)} is new to the store, which holds "
                              f"{show_id(near)}: the ids differ only in case or accents, so "
                              f"they are kept as two; if they are one, correct the id",
                              ForensicMatchWarning, stacklevel=4)


def _warn_dropped_profiles(conn: sa.Connection, family: str, version: int,
                           content: dict[str, Any]) -> None:
    """Warn when a family's new version types fewer of its relatives (or has fewer direct
    references) than the stored one: the dropped profiles stay stored but are no longer used.
    Most often a night's pedigree table came without the relatives' table; a withdrawn
    profile is the other cause."""
    from forensic_match.errors import ForensicMatchWarning

    old = _version_content(conn, "family", family, version)
    for key, what in (("typed", "typed relatives"), ("references", "direct references")):
        dropped = sorted(set(old.get(key, [])) - set(content[key]))
        if dropped:
            warnings.warn(f"family {family!r}: its new version (version {version + 1}) leaves "
                          f"out {len(dropped)} of the {len(old.get(key, []))} {what} of version "
                          f"{version} ({', '.join(map(repr, dropped))}), whose stored profiles "
                          f"are then not used; if tonight's tables left them out by mistake "
                          f"(a pedigree table without its relatives' table), run again with "
                          f"them", ForensicMatchWarning, stacklevel=4)
    new_info = content.get("info") or {}
    lost = {person: sorted(set(fields) - set(new_info.get(person) or {}))
            for person, fields in (old.get("info") or {}).items()}
    lost = {person: fields for person, fields in lost.items() if fields}
    if lost:
        listed = "; ".join(f"{person!r}: {', '.join(map(repr, fields))}"
                           for person, fields in sorted(lost.items()))
        warnings.warn(f"family {family!r}: its new version (version {version + 1}) leaves out "
                      f"antemortem records of version {version} ({listed}); if tonight's "
                      f"pedigree table came without those columns by mistake, run again with "
                      f"them", ForensicMatchWarning, stacklevel=4)


def _warn_dropped_profile_data(conn: sa.Connection, what: str, sample: str, version: int,
                               content: dict[str, Any]) -> None:
    """Warn when a sample's new profile version has lost what the stored one said: markers
    it typed (a re-typing on another kit sent alone replaces the whole profile) and, for a
    PM sample, a known sex (the sex filter), the site, a dropout probability (which changes
    its LRs) or PM records (most often a genotype table sent without its samples' table)."""
    from forensic_match.errors import ForensicMatchWarning

    old = _version_content(conn, "profile", sample, version)
    lost = []
    markers = [m for m in old.get("genotypes", {}) if m not in content["genotypes"]]
    if markers:
        lost.append(f"{len(markers)} typed marker{'s' if len(markers) > 1 else ''} "
                    f"({', '.join(map(repr, markers))})")
    if "sex" in content:
        if old.get("sex") in ("M", "F") and content["sex"] not in ("M", "F"):
            lost.append(f"sex {old['sex']!r}")
        if old.get("site") and not content["site"]:
            lost.append(f"site {old['site']!r}")
        if old.get("dropout", 0.0) > 0.0 and content["dropout"] == 0.0:
            lost.append(f"dropout {old['dropout']:g}")
        gone = sorted(set(old.get("info") or {}) - set(content["info"] or {}))
        if gone:
            lost.append(f"records {', '.join(map(repr, gone))}")
    if lost:
        tables = "its samples' table, or with the earlier markers" if "sex" in content else \
            "the earlier markers"
        warnings.warn(f"{what} {sample!r}: its new version (version {version + 1}) leaves "
                      f"out what version {version} had: {'; '.join(lost)}; if tonight's "
                      f"tables left them out by mistake, run again with {tables}",
                      ForensicMatchWarning, stacklevel=4)


def _ingest(conn: sa.Connection, dataset: Any, *, actor: str,
            run_id: str | None) -> IngestSummary:
    summary = IngestSummary()
    _check_ids(dataset)
    lock_audit(conn)
    known = _Known(conn)
    _warn_near_ids(known, dataset)
    batch = _Batch(conn, actor)
    t = now()
    pm_ids = {s.id for s in dataset.pm}
    for fam in dataset.am:
        if fam.id in known.withdrawn_families:
            _warn_withdrawn("family", fam.id, known.withdrawn_families[fam.id])
            continue
        _ensure(batch, known, "families", {"family_id": fam.id, "created_at": t})
        for ind, *_ in fam.pedigree.records():
            _ensure(batch, known, "persons", {"person_id": f"{fam.id}/{ind}",
                                              "family_id": fam.id, "created_at": t})
        content = family_content(fam)
        old = _put_version(batch, known, "family", fam.id, content, run_id=run_id,
                           summary=summary)
        if old is not None:
            _warn_dropped_profiles(conn, fam.id, old, content)
        for kind, profiles, suffix in (("relative", fam.genotypes, ""),
                                       ("reference", fam.references, "/reference")):
            for ind, prof in sorted(profiles.items()):
                sid = f"{fam.id}/{ind}{suffix}"
                if sid in pm_ids:
                    raise StoreError(f"PM sample id {sid!r} is also the id of a sample of "
                                     f"family {fam.id!r}")
                if sid in known.withdrawn:
                    _warn_withdrawn(f"{kind} sample", sid, known.withdrawn[sid])
                    continue
                _ensure(batch, known, "samples",
                        {"sample_id": sid, "kind": kind, "family_id": fam.id,
                         "person_id": f"{fam.id}/{ind}", "created_at": t})
                content = {"genotypes": _genotypes(prof)}
                old = _put_version(batch, known, "profile", sid, content, run_id=run_id,
                                   summary=summary)
                if old is not None:
                    _warn_dropped_profile_data(conn, f"{kind} sample", sid, old, content)
    for s in dataset.pm:
        if s.id in known.withdrawn:
            _warn_withdrawn("PM sample", s.id, known.withdrawn[s.id])
            continue
        _ensure(batch, known, "samples", {"sample_id": s.id, "kind": "pm", "family_id": None,
                                          "person_id": None, "created_at": t})
        content = pm_content(s)
        old = _put_version(batch, known, "profile", s.id, content, run_id=run_id,
                           summary=summary)
        if old is not None:
            _warn_dropped_profile_data(conn, "PM sample", s.id, old, content)
    batch.flush()
    return summary


def _warn_withdrawn(what: str, ref: str, withdrawal: dict[str, Any]) -> None:
    """A night's data of a withdrawn sample or family are not stored: an old file sent again
    must not undo a recall, a revoked consent or a closed case."""
    from forensic_match.errors import ForensicMatchWarning

    family = what == "family"
    warnings.warn(f"{what} {ref!r} is withdrawn (by {withdrawal['by']}: "
                  f"{withdrawal['reason']}); the data sent for it are not stored and "
                  f"{'it is not searched' if family or what == 'PM sample' else 'not used'}. "
                  f"If it should be used again, reinstate it first ('forensic-match store "
                  f"reinstate{' --family' if family else ''}'), then send its data",
                  ForensicMatchWarning, stacklevel=4)


def profile_versions(conn: sa.Connection, sample_id: str) -> list[dict[str, Any]]:
    """Every version of a sample's profile, oldest first (``content`` decoded)."""
    t = schema.profiles
    rows = conn.execute(sa.select(t).where(t.c.sample_id == sample_id)
                        .order_by(t.c.version)).mappings()
    return [dict(r) | {"content": json.loads(r["content"])} for r in rows]


def _latest(conn: sa.Connection, table: sa.Table, key: str) -> dict[str, tuple[int, Any]]:
    newest = sa.select(table.c[key], sa.func.max(table.c.version).label("v")) \
        .group_by(table.c[key]).subquery()
    rows = conn.execute(sa.select(table.c[key], table.c.version, table.c.content,
                                  table.c.sha256)
                        .join(newest, sa.and_(newest.c[key] == table.c[key],
                                              newest.c.v == table.c.version)))
    what = "family" if key == "family_id" else "sample"
    out = {}
    for ref_id, version, text, digest in rows:
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != digest:
            raise StoreError(f"{table.name} of {what} {ref_id!r}, version {version}: its content "
                             f"does not hash to its sha256 (changed behind the audit log); "
                             f"'forensic-match store verify' names what changed")
        out[ref_id] = (version, json.loads(text))
    return out


def latest_versions(conn: sa.Connection) -> tuple[dict[str, tuple[int, Any]],
                                                   dict[str, tuple[int, Any]]]:
    """``({family id: (version, content)}, {sample id: (version, content)})``, newest only.

    Each content is checked against its row's sha256 before it is used: a row changed
    behind the audit log stops the reading (:class:`StoreError`) instead of entering a run.
    """
    return (_latest(conn, schema.family_versions, "family_id"),
            _latest(conn, schema.profiles, "sample_id"))


def latest_dataset(conn: sa.Connection, markers: Any, *, id: str = "store",
                   versions: tuple[dict[str, tuple[int, Any]], dict[str, tuple[int, Any]]]
                   | None = None) -> Any:
    """The newest version of every family and PM sample in the store, as a ``DviDataset``
    over ``markers`` (read back through :func:`forensic_match.cases.case_from_dict`); a
    withdrawn PM sample, family, or relative's or reference's profile is left out
    (``forensic_match/store/withdrawal.py``).

    ``versions``: what :func:`latest_versions` returned in the same transaction, so that a
    caller who needs both reads and parses the store once.
    """
    from forensic_match.cases import _marker_to_dict, case_from_dict

    fams, profs = versions if versions is not None else latest_versions(conn)
    kinds = {r.sample_id: r.kind for r in
             conn.execute(sa.select(schema.samples.c.sample_id, schema.samples.c.kind))}
    am = []
    for fid in sorted(fams):
        c = fams[fid][1]
        if WITHDRAWN in c:
            continue
        am.append({"family": fid, "pedigree": c["pedigree"], "missing": c["missing"],
                   "genotypes": {i: profs[f"{fid}/{i}"][1]["genotypes"] for i in c["typed"]
                                 if WITHDRAWN not in profs[f"{fid}/{i}"][1]},
                   "references": {i: profs[f"{fid}/{i}/reference"][1]["genotypes"]
                                  for i in c["references"]
                                  if WITHDRAWN not in profs[f"{fid}/{i}/reference"][1]},
                   "info": c["info"], "lineage": c["lineage"]}
                  | {k: c[k] for k in ("ystr", "mtdna") if k in c})
    pm = [{"id": sid} | profs[sid][1] for sid in sorted(profs)
          if kinds.get(sid) == "pm" and WITHDRAWN not in profs[sid][1]]
    ds = case_from_dict({"kind": "dvi", "id": id, "markers": [_marker_to_dict(m)
                                                               for m in markers],
                         "pm": pm, "am": am})
    # The markers themselves, not their JSON: a marker's unknown-allele frequency (5/(2N) of
    # its table) is not a field of the format, and without it an allele first seen in the
    # store would get the default 0.001 where 'search' gives the table's own.
    ds.markers = list(markers)
    return ds


def read_latest(conn: sa.Connection, markers: Any, *, id: str = "store") -> tuple[
        dict[str, tuple[int, Any]], dict[str, tuple[int, Any]], Any]:
    """What a run reads before identifying, parsing the store once: the newest versions
    (:func:`latest_versions`) and the dataset built from them (:func:`latest_dataset`)."""
    with paused_gc():
        fams, profs = latest_versions(conn)
        return fams, profs, latest_dataset(conn, markers, id=id, versions=(fams, profs))


def set_identity(conn: sa.Connection, person_id: str, name: str, *, actor: str,
                 details: dict[str, Any] | None = None) -> None:
    """Record (or replace) the name and personal data of a stored person.

    The audit log keeps only the sha256 of the identity row, never the name.
    """
    lock_audit(conn)
    if conn.execute(sa.select(schema.persons.c.person_id)
                    .where(schema.persons.c.person_id == person_id)).first() is None:
        raise StoreError(f"no person {person_id!r} in the store")
    if not name.strip():
        raise StoreError(f"person {person_id!r}: the name is empty")
    t = schema.identities
    values = {"name": name, "details": canonical_json(details or {}), "updated_at": now()}
    exists = conn.execute(sa.select(t.c.person_id).where(t.c.person_id == person_id)).first()
    if exists:
        conn.execute(t.update().where(t.c.person_id == person_id).values(**values))
    else:
        conn.execute(t.insert().values(person_id=person_id, **values))
    audit_row(conn, "identities", {"person_id": person_id}, actor=actor,
              action="update" if exists else "create")


def family_level_rows(conn: sa.Connection, samples: set[str], *, run_id: str | None = None
                      ) -> list[dict[str, Any]]:
    """The rows of ``run_family_level`` (of run ``run_id``, or of every run) whose body holds
    one of ``samples`` (a body's id is its first sample's, so its samples are its
    ``fragments``), with their run's ``finished_at``, in run order then ``seq``."""
    fl, r = schema.run_family_level, schema.runs
    query = sa.select(fl, r.c.finished_at).join(r, r.c.run_id == fl.c.run_id).where(
        sa.or_(*(fl.c.fragments.contains(s, autoescape=True) for s in sorted(samples))))
    if run_id is not None:
        query = query.where(fl.c.run_id == run_id)
    rows = conn.execute(query.order_by(r.c.finished_at, fl.c.run_id, fl.c.seq)).mappings()
    return [dict(row) for row in rows if samples & set(row["fragments"].split(","))]


def _caution_words(reason: str | None) -> str:
    """A proposal's closed-list caution for the trace (``"; CLOSED-LIST CAUTION: ..."``)."""
    from forensic_match.dvi.closed_list import read_closed_list_caution

    caution = read_closed_list_caution(reason)
    return "" if caution is None else f"; CLOSED-LIST CAUTION: {caution.short()}"


def trace_sample(conn: sa.Connection, sample_id: str) -> list[dict[str, Any]]:
    """The history of one sample, oldest first: its profile versions, the runs that ranked it
    (PM samples), placed its body in a family without saying who in it, or held a pair of it
    back, the proposals resting on it, their review steps and re-review flags. A run's rows
    are dated by the run's end, when they were committed.

    Returns
    -------
    list of dict
        ``{"at": ISO time, "event": str, "detail": str}``.

    Raises
    ------
    StoreError
        No such sample.
    """
    from forensic_match.profiles import normal_id

    sample_id = normal_id(sample_id)  # stored ids are in NFC; a terminal may send NFD
    s, pv, c, r = schema.samples, schema.profiles, schema.candidates, schema.runs
    if conn.execute(sa.select(s.c.sample_id).where(s.c.sample_id == sample_id)).first() is None:
        raise StoreError(f"no sample {sample_id!r} in the store")
    events = []
    log = schema.audit_log
    withdrawals = {int(row.entity_key.rsplit("|", 1)[1]): {
        "action": row.action, "actor": row.actor, "reason": json.loads(row.data)["reason"]}
        for row in conn.execute(sa.select(log.c.entity_key, log.c.action, log.c.actor,
                                          log.c.data).where(
            log.c.entity == "profiles", log.c.action.in_(("withdraw", "reinstate")),
            log.c.entity_key.startswith(f"{sample_id}|", autoescape=True)))
        if row.entity_key.rsplit("|", 1)[0] == sample_id}
    for v in conn.execute(sa.select(pv).where(pv.c.sample_id == sample_id)
                          .order_by(pv.c.version)).mappings():
        by = f", stored by run {v['run_id']}" if v["run_id"] else ""
        event, detail = "profile version", f"version {v['version']} (sha256 " \
                                           f"{v['sha256'][:16]}){by}"
        entry = withdrawals.get(v["version"])
        if entry is not None:
            event = "withdrawn" if entry["action"] == "withdraw" else "reinstated"
            detail += f" by {entry['actor']}: {entry['reason']}"
        events.append({"at": v["created_at"], "event": event, "detail": detail})
    # a list is kept from the run that first ranked it until one that ranks the sample
    # otherwise (store/candidates.py): each run's are the rows valid at its place
    o = schema.run_order
    order = conn.execute(sa.select(o.c.seq, o.c.run_id, r.c.finished_at)
                         .join(r, r.c.run_id == o.c.run_id).order_by(o.c.seq)).all()
    at = {row.run_id: row.seq for row in order}
    lists = conn.execute(sa.select(c.c.run_id, c.c.until_run_id, sa.func.count().label("n"),
                                   sa.func.max(c.c.log10_lr).label("best"))
                         .where(c.c.pm == sample_id)
                         .group_by(c.c.run_id, c.c.until_run_id)).all()
    spans = [(at.get(x.run_id, math.inf), at.get(x.until_run_id, math.inf), x) for x in lists]
    for row in order:
        for start, end, x in spans:
            if start <= row.seq < end:
                events.append({"at": row.finished_at, "event": "candidates",
                               "detail": f"run {row.run_id}: {x.n} candidates, best log10 LR "
                                         f"{x.best:.2f}"})
    held = schema.run_held
    for row in family_level_rows(conn, {sample_id}):
        caution = f"; {row['caution']}" if row["caution"] else ""
        events.append({"at": row["finished_at"], "event": "placed at family level",
                       "detail": f"run {row['run_id']}: body {row['pm']} (samples "
                                 f"{row['fragments']}) in family {row['family_id']} at "
                                 f"posterior {row['posterior']:.6g}, who in it not decided: "
                                 f"{row['candidates']}{caution}"})
    for row in conn.execute(sa.select(held, r.c.finished_at).join(r, r.c.run_id ==
                                                                   held.c.run_id)
                            .where(held.c.pm == sample_id)).mappings():
        who = f"{row['missing']} of {row['family_id']}" if row["missing"] else \
            f"family {row['family_id']}"
        events.append({"at": row["finished_at"], "event": "held back",
                       "detail": f"run {row['run_id']}: {row['pm']} -> {who}: "
                                 f"{row['reason']}"})
    b, p = schema.proposal_basis, schema.proposals
    props = conn.execute(sa.select(p, b.c.version.label("basis_version"),
                                   r.c.finished_at.label("run_finished_at"))
                         .join(b, b.c.proposal_id == p.c.proposal_id)
                         .join(r, r.c.run_id == p.c.run_id)
                         .where(b.c.kind == "profile", b.c.ref_id == sample_id)
                         .order_by(p.c.proposal_id)).mappings().all()
    for row in props:
        events.append({"at": row["run_finished_at"], "event": "proposal",
                       "detail": f"proposal {row['proposal_id']} (run {row['run_id']}): "
                                 f"{row['pm']} -> {row['missing']} of {row['family_id']}, "
                                 f"on profile version {row['basis_version']}; now "
                                 f"{row['state']}"
                                 + (", flagged for re-review" if row["needs_review"] else "")
                                 + _caution_words(row["engine_reason"])})
    ids = [row["proposal_id"] for row in props]
    if ids:
        rv = schema.reviews
        for row in conn.execute(sa.select(rv).where(rv.c.proposal_id.in_(ids))
                                .order_by(rv.c.review_id)).mappings():
            events.append({"at": row["at"], "event": row["action"],
                           "detail": f"proposal {row['proposal_id']} by {row['actor']} "
                                     f"({row['from_state']} -> {row['to_state']}): "
                                     f"{row['reason']}"})
        for row in conn.execute(sa.select(log).where(
                log.c.entity == "proposals", log.c.action == "flag_rereview",
                log.c.entity_key.in_([str(i) for i in ids])).order_by(log.c.seq)).mappings():
            events.append({"at": row["at"], "event": "flagged for re-review",
                           "detail": f"proposal {row['entity_key']}: "
                                     f"{json.loads(row['data']).get('reason', '')}"})
    return sorted(events, key=lambda e: e["at"])
