"""Dense SNP data in the case store (``docs/store.md``, "Linked SNPs").

A run with SNP data (``run_store(snp=SnpData, snp_options=...)``) keeps the SNP calls it is
given as versioned rows (``snp_calls``, one per PM sample and SNP-typed reference and version,
as profiles are kept), and identifies on the newest calls of every sample the store holds, not
only tonight's. A call vector is written against a *layout*, the panel's SNP names and their
two alleles in panel order (``snp_layouts``, one row per layout), as one character per SNP:
``0``, ``1``, ``2`` copies of the layout's first allele, ``.`` missing. A run whose panel has
other positions, frequencies or a subset of the chromosomes reads the same calls by SNP name;
an SNP its layout lacks is missing. A new version of a sample's calls flags the proposals that
rest on an older one (kind ``snp`` of ``proposal_basis``), as a new profile version does.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa

from forensic_match.errors import InputError
from forensic_match.store import schema
from forensic_match.store.audit import canonical_json, now, sha256_json
from forensic_match.store.database import StoreError

if TYPE_CHECKING:
    from forensic_match.linked.panel import SnpPanel
    from forensic_match.linked.scores import SnpData

#: The characters of the stored calls, by code (-1 missing, then 0, 1, 2 copies of allele 1).
_CHARS = ".012"
_CODES = {c: k - 1 for k, c in enumerate(_CHARS)}

#: The basis kind of a proposal's SNP calls (``proposal_basis.kind``).
BASIS_KIND = "snp"


def panel_layout(panel: SnpPanel) -> tuple[list[list[str]], str]:
    """The layout the calls of ``panel`` are written against: ``[[name, a1, a2], ...]`` in
    panel order, and the sha256 of its canonical JSON.

    Examples
    --------
    >>> from forensic_match.linked import load_force_panel
    >>> markers, digest = panel_layout(load_force_panel())
    >>> markers[0][0], len(markers), len(digest)
    ('rs9442372', 3930, 64)
    """
    markers = [[m.name, str(m.alleles[0]), str(m.alleles[1])] for m in panel.markers]
    return markers, sha256_json(markers)


def encode_calls(codes: np.ndarray) -> str:
    """Call codes (-1, 0, 1, 2) as the stored text, one character each.

    Examples
    --------
    >>> encode_calls(np.array([0, 2, -1, 1], dtype=np.int8))
    '02.1'
    """
    return "".join(_CHARS[int(c) + 1] for c in np.asarray(codes).tolist())


def decode_calls(text: str) -> np.ndarray:
    """The call codes of a stored text (:func:`encode_calls`'s inverse)."""
    return np.array([_CODES[c] for c in text], dtype=np.int8)


def calls_sha256(layout_sha256: str, calls: str) -> str:
    """sha256 of a version of SNP calls: its layout's sha256 and the calls' text."""
    return sha256_json({"calls": calls, "layout": layout_sha256})


@cache
def _score_defaults() -> dict[str, Any]:
    from forensic_match.linked.scores import SnpScores

    params = inspect.signature(SnpScores.__init__).parameters
    return {k: p.default for k, p in params.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY and k not in ("also", "cache", "warn")}


def snp_options_in_force(options: dict[str, Any] | None) -> dict[str, Any]:
    """Every option of :class:`~forensic_match.linked.scores.SnpScores` that sets an SNP LR,
    with the defaults filled in for those not given (what a run records, so that a later
    default that differs is still compared with what the run used).

    Raises
    ------
    InputError
        An option ``SnpScores`` does not have.
    """
    defaults = _score_defaults()
    unknown = sorted(set(options or {}) - set(defaults))
    if unknown:
        raise InputError(f"snp_options: unknown options {unknown}; known: {sorted(defaults)}")
    return dict(sorted((defaults | dict(options or {})).items()))


def snp_provenance(data: SnpData, options: dict[str, Any]) -> dict[str, Any]:
    """What a run records of its SNP model (``runs.config["snp"]``): the panel (source, SNP
    count, chromosomes, sha256 of its markers, alleles, frequencies and positions), the sha256
    of its call layout, the map's source, the options in force
    (:func:`snp_options_in_force`), the observation (error) model and how SNP and STR LRs
    combine (:meth:`~forensic_match.linked.scores.SnpScores.parameters`' words).

    Raises
    ------
    InputError
        Options ``SnpScores`` refuses (unknown, or out of range).
    """
    from forensic_match.linked.scores import SnpData as _SnpData
    from forensic_match.linked.scores import SnpScores

    in_force = snp_options_in_force(options)
    described = SnpScores([], [], [], _SnpData(data.panel, map_source=data.map_source),
                          warn=False, **options).parameters()
    return {"panel": described["panel"], "layout_sha256": panel_layout(data.panel)[1],
            "map_source": described["map_source"], "options": in_force,
            "error_model": described["error_model"],
            "combination": described["combination"]}


@dataclass
class SnpIngest:
    """What :func:`ingest_snp` wrote: new versions ``(sample id, version)``, the number
    unchanged, and the proposals flagged for re-review."""

    new_versions: list[tuple[str, int]] = field(default_factory=list)
    unchanged: int = 0
    flagged: list[int] = field(default_factory=list)


def _family_members(conn: sa.Connection, dataset: Any, fid: str) -> tuple[set[str], set[str]]:
    """The individuals and the missing persons of family ``fid``: tonight's dataset's version,
    else the store's newest."""
    for fam in dataset.am:
        if fam.id == fid:
            return {r[0] for r in fam.pedigree.records()}, set(fam.missing)
    fv = schema.family_versions
    row = conn.execute(sa.select(fv.c.content).where(fv.c.family_id == fid)
                       .order_by(fv.c.version.desc()).limit(1)).first()
    if row is None:
        raise InputError(f"SNP references of family {fid!r}: no such family in the store or "
                         f"in tonight's data; nothing was stored")
    content = json.loads(row.content)
    return {p["id"] for p in content["pedigree"]}, set(content["missing"])


def _newest(conn: sa.Connection) -> dict[str, tuple[int, str, str, str | None]]:
    """``{sample id: (version, sha256, kind, family id)}`` of the newest SNP calls."""
    t = schema.snp_calls
    newest = sa.select(t.c.sample_id, sa.func.max(t.c.version).label("v")) \
        .group_by(t.c.sample_id).subquery()
    rows = conn.execute(sa.select(t.c.sample_id, t.c.version, t.c.sha256, t.c.kind,
                                  t.c.family_id)
                        .join(newest, sa.and_(newest.c.sample_id == t.c.sample_id,
                                              newest.c.v == t.c.version)))
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def ingest_snp(conn: sa.Connection, data: SnpData, dataset: Any, *, actor: str,
               run_id: str | None) -> SnpIngest:
    """Store ``data``'s calls as new versions where they changed, and flag the proposals
    resting on a superseded version.

    Called in a run's first transaction, after its dataset is stored. Each PM sample must be
    a PM sample of the store or of ``dataset``; each reference an individual, not a missing
    person, of its family's pedigree (tonight's version, else the store's newest): anything
    else is an :class:`~forensic_match.errors.InputError` naming the sample, and the caller's
    transaction stores nothing.

    Returns
    -------
    SnpIngest
    """
    from forensic_match.store.records import (
        _Batch,
        _stale_proposals,
        flag_proposal,
        withdrawn_samples,
    )

    summary = SnpIngest()
    markers, layout = panel_layout(data.panel)
    batch = _Batch(conn, actor)
    lay = schema.snp_layouts
    if conn.execute(sa.select(lay.c.layout_sha256)
                    .where(lay.c.layout_sha256 == layout)).first() is None:
        batch.add("snp_layouts", {"layout_sha256": layout, "markers": canonical_json(markers),
                                  "created_at": now(), "run_id": run_id}, "create")
    s = schema.samples
    pm_ids = {r[0] for r in conn.execute(sa.select(s.c.sample_id).where(s.c.kind == "pm"))}
    pm_ids |= {p.id for p in dataset.pm}
    entries: list[tuple[str, str, str | None, np.ndarray]] = []
    # A withdrawn sample's calls are not stored either (its STR data are not, with a warning
    # of the ingest): a lagging export must not change what a reinstatement brings back.
    withdrawn = withdrawn_samples(conn)
    for sid in sorted(data.pm):
        if sid not in pm_ids:
            raise InputError(f"SNP calls of PM sample {sid!r}: no such PM sample in the store "
                             f"or in tonight's data (its STR profile comes first); nothing "
                             f"was stored")
        if sid not in withdrawn:
            entries.append((sid, "pm", None, data.pm[sid]))
    for fid in sorted(data.references):
        people, missing = _family_members(conn, dataset, fid)
        for ind in sorted(data.references[fid]):
            if ind not in people:
                raise InputError(f"family {fid!r}, SNP reference {ind!r}: not an individual "
                                 f"of the family pedigree; nothing was stored")
            if ind in missing:
                raise InputError(f"family {fid!r}, SNP reference {ind!r}: a missing person; "
                                 f"a direct reference is not searched on SNPs; nothing was "
                                 f"stored")
            entries.append((f"{fid}/{ind}", "reference", fid, data.references[fid][ind]))
    latest = _newest(conn)
    for sid, kind, fid, codes in entries:
        old = latest.get(sid)
        if old is not None and (old[2], old[3]) != (kind, fid):
            raise InputError(f"SNP calls of {sid!r}: stored as a {old[2]} sample"
                             + (f" of family {old[3]!r}" if old[3] else "")
                             + f", given as a {kind} sample"
                             + (f" of family {fid!r}" if fid else "") + "; nothing was stored")
        calls = encode_calls(codes)
        digest = calls_sha256(layout, calls)
        if old is not None and old[1] == digest:
            summary.unchanged += 1
            continue
        version = 1 if old is None else old[0] + 1
        batch.add("snp_calls", {"sample_id": sid, "version": version, "kind": kind,
                                "family_id": fid, "layout_sha256": layout, "calls": calls,
                                "sha256": digest, "created_at": now(), "run_id": run_id},
                  "new_version")
        summary.new_versions.append((sid, version))
        if version > 1:
            stale = _stale_proposals(conn, BASIS_KIND, sid, version)
            if stale:
                batch.flush()   # the flags' entries follow the new version's
                for pid, was in stale:
                    flag_proposal(conn, pid, f"SNP calls of {sid!r} changed (version {was} -> "
                                             f"{version}) after this proposal", actor=actor)
                    summary.flagged.append(pid)
    batch.flush()
    return summary


def read_snp(conn: sa.Connection, panel: SnpPanel, *, map_source: str = ""
             ) -> tuple[SnpData, dict[str, int]]:
    """The newest SNP calls of every PM sample and reference in the store, on ``panel``.

    Calls written against another layout are read by SNP name (an SNP of ``panel`` the layout
    lacks is missing; one whose alleles are the layout's swapped is recoded). Each row's
    calls are checked against its sha256 first: a row changed behind the audit log stops the
    run (:class:`~forensic_match.store.database.StoreError`).

    Returns
    -------
    (SnpData, dict)
        The calls (PM samples by id, references by family and individual) with ``panel`` and
        ``map_source``, and ``{sample id: version}`` of the versions read.
    """
    from forensic_match.linked.scores import SnpData

    markers, layout = panel_layout(panel)
    t, lay = schema.snp_calls, schema.snp_layouts
    newest = sa.select(t.c.sample_id, sa.func.max(t.c.version).label("v")) \
        .group_by(t.c.sample_id).subquery()
    rows = conn.execute(sa.select(t).join(newest, sa.and_(
        newest.c.sample_id == t.c.sample_id, newest.c.v == t.c.version))
        .order_by(t.c.sample_id)).mappings().all()
    maps: dict[str, tuple[np.ndarray, np.ndarray] | None] = {layout: None}
    pm: dict[str, np.ndarray] = {}
    refs: dict[str, dict[str, np.ndarray]] = {}
    versions: dict[str, int] = {}
    for r in rows:
        if calls_sha256(r["layout_sha256"], r["calls"]) != r["sha256"]:
            raise StoreError(f"snp_calls of sample {r['sample_id']!r}, version {r['version']}: "
                             f"its calls do not hash to its sha256 (changed behind the audit "
                             f"log); 'forensic-match store verify' names what changed")
        if r["layout_sha256"] not in maps:
            text = conn.execute(sa.select(lay.c.markers).where(
                lay.c.layout_sha256 == r["layout_sha256"])).scalar_one()
            maps[r["layout_sha256"]] = _recode(json.loads(text), markers)
        codes = _on_panel(decode_calls(r["calls"]), maps[r["layout_sha256"]])
        versions[r["sample_id"]] = int(r["version"])
        if r["kind"] == "pm":
            pm[r["sample_id"]] = codes
        else:
            fid = r["family_id"]
            refs.setdefault(fid, {})[r["sample_id"][len(fid) + 1:]] = codes
    return SnpData(panel, pm, refs, map_source), versions


def _recode(stored: list[list[str]], wanted: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Where each SNP of ``wanted`` is in ``stored`` (-1: absent) and whether its alleles are
    swapped there; alleles that are neither the same nor swapped count as absent."""
    at = {m[0]: (k, m[1], m[2]) for k, m in enumerate(stored)}
    index = np.full(len(wanted), -1, dtype=np.int64)
    swap = np.zeros(len(wanted), dtype=bool)
    for k, (name, a1, a2) in enumerate(wanted):
        if name in at:
            j, b1, b2 = at[name]
            if (b1, b2) == (a1, a2):
                index[k] = j
            elif (b1, b2) == (a2, a1):
                index[k], swap[k] = j, True
    return index, swap


def _on_panel(codes: np.ndarray, mapping: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    if mapping is None:
        return codes
    index, swap = mapping
    if codes.size == 0:
        return np.full(index.size, -1, dtype=np.int8)
    out = np.where(index >= 0, codes[np.maximum(index, 0)], -1).astype(np.int8)
    return np.where(swap & (out >= 0), 2 - out, out).astype(np.int8)


def basis_items(family: str, fragments: list[str], data: SnpData,
                versions: dict[str, int]) -> list[list[Any]]:
    """The SNP calls a proposal rests on: the versions read (:func:`read_snp`) of its PM
    samples' calls and of its family's SNP-typed references' (``["snp", sample id,
    version]``)."""
    ids = [f for f in fragments if f in data.pm] + \
        [f"{family}/{i}" for i in data.references.get(family, {})]
    return sorted([BASIS_KIND, sid, versions[sid]] for sid in ids)


def versions_sha256(versions: dict[str, int]) -> str:
    """sha256 of the SNP call versions a run read (``runs.inputs["snp_calls"]``)."""
    return hashlib.sha256(canonical_json(sorted([k, v] for k, v in versions.items()))
                          .encode()).hexdigest()


def result_row(res: Any) -> dict[str, Any]:
    """The columns of ``proposal_snp``/``candidate_snp`` of an
    :class:`~forensic_match.linked.scores.SnpResult`."""
    if not math.isfinite(res.log10_lr):
        raise StoreError(f"SNP log10 LR {res.log10_lr!r} is not finite")
    return {"log10_lr": float(res.log10_lr), "method": res.method,
            "n_references": int(res.n_references), "best_reference": res.best_reference,
            "relationship": res.relationship}


class ProposalSnp:
    """The SNP part of each proposal: as ``identify`` computed it (the body's fragment typed
    at the most SNPs, against the family's pedigree and its SNP-typed references), looked up
    in identify's cache when given, and checked against the identification's
    ``snp_log10_lr``, so that what is stored is what the decision used.

    Parameters
    ----------
    ds : DviDataset
        The run's data (its families).
    data : SnpData
        The SNP calls by PM sample, as given to ``identify``.
    options : dict
        The options of :class:`~forensic_match.linked.scores.SnpScores` given to
        ``identify``.
    cache : SnpCache, optional
        ``identify``'s (``IdentificationResult.score_caches.snp``: keyed by body, as the
        proposals are): its identified pairs' results are taken, not computed again.
        ``None``: every proposal's part is computed.
    """

    def __init__(self, ds: Any, data: SnpData, options: dict[str, Any], *,
                 cache: Any = None) -> None:
        from forensic_match.linked.scores import SnpCache

        self.families = {f.id: f for f in ds.am}
        self.data, self.options = data, options
        self.cache = SnpCache() if cache is None else cache

    def row(self, r: dict[str, Any]) -> dict[str, Any]:
        from forensic_match.linked.scores import SnpScores

        body = SimpleNamespace(id=r["pm"], fragments=[
            SimpleNamespace(id=f) for f in (r["fragments"] or r["pm"]).split(",")])
        data = self.data.for_bodies([body])
        res = SnpScores([(r["family"], r["missing"])], [self.families[r["family"]]], [body],
                        data, cache=self.cache, warn=False, **self.options).result(0, 0)
        used = float(r["snp_log10_lr"])
        if not math.isclose(res.log10_lr, used, rel_tol=1e-9, abs_tol=1e-12):
            raise StoreError(f"proposal {r['pm']} ~ {r['missing']} of family {r['family']}: "
                             f"SNP log10 LR {res.log10_lr!r} recomputed for the store, "
                             f"{used!r} in the identification")
        return result_row(res)
