"""What a report reads from the case store: a proposal, the data versions it rests on, its
run's provenance, its reviews, and (only when asked) identities."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from forensic_match.cases import Family, PMSample
from forensic_match.errors import InputError
from forensic_match.markers import Marker
from forensic_match.store import schema


@dataclass
class ProposalData:
    """A proposal with everything its report shows, read in one snapshot of the store.

    Attributes
    ----------
    proposal : dict
        The proposal's row.
    run : dict
        Its run's row (``config``, ``inputs``, ``counts`` decoded).
    family : Family
        The family at the version the proposal rests on.
    family_version : int
    fragments : list of PMSample
        The body's PM samples at the versions the proposal rests on.
    basis : list of dict
        ``kind``, ``ref_id``, ``version`` of every basis row.
    reviews : list of dict
        The review actions and the re-review flags (``action`` "flag", the run's actor,
        the flag's reason), in time order.
    identities : dict
        ``{person id: {"name", "details"}}``; empty unless asked.
    prior : float or None
        The prior that a body is a registered missing person, as the engine's reason states
        it (``None`` when the reason does not state one).
    """

    proposal: dict[str, Any]
    run: dict[str, Any]
    family: Family
    family_version: int
    fragments: list[PMSample]
    basis: list[dict[str, Any]]
    reviews: list[dict[str, Any]] = field(default_factory=list)
    identities: dict[str, dict[str, Any]] = field(default_factory=dict)
    prior: float | None = None


_PRIOR = re.compile(r"prior that a body is a registered missing person ([0-9.eE+-]+)")


def stated_prior(reason: str) -> float | None:
    """The prior that a body is a registered missing person, read from the engine's reason.

    Examples
    --------
    >>> stated_prior("...; prior that a body is a registered missing person 0.5 (programme")
    0.5
    >>> stated_prior("direct reference match") is None
    True
    """
    m = _PRIOR.search(reason)
    if m is None:
        return None
    try:
        return float(m.group(1).rstrip("."))
    except ValueError:
        return None


def _json(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return row | {k: json.loads(row[k]) for k in keys if isinstance(row.get(k), str)}


def _version(conn: sa.Connection, table: sa.Table, key: str, ref: str, version: int,
             proposal_id: int) -> dict[str, Any]:
    row = conn.execute(sa.select(table.c.content).where(
        table.c[key] == ref, table.c.version == version)).first()
    if row is None:
        raise InputError(f"proposal {proposal_id}: its basis names {key} {ref!r} version "
                         f"{version}, which is not in the store")
    return json.loads(row[0])


def read_proposal(conn: sa.Connection, proposal_id: int, markers: list[Marker], *,
                  identities: bool = False) -> ProposalData:
    """Read a proposal and the data versions it rests on (genotypes read over ``markers``).

    Raises
    ------
    InputError
        No such proposal, or its basis names a version the store does not hold.
    """
    from forensic_match.cases import _marker_to_dict, case_from_dict

    p = schema.proposals
    row = conn.execute(sa.select(p).where(p.c.proposal_id == proposal_id)).mappings().first()
    if row is None:
        raise InputError(f"no proposal {proposal_id} in the store")
    proposal = dict(row)
    run = _json(dict(conn.execute(sa.select(schema.runs).where(
        schema.runs.c.run_id == proposal["run_id"])).mappings().one()),
        "config", "inputs", "counts", "timings")
    b = schema.proposal_basis
    basis = [dict(r) for r in conn.execute(sa.select(b.c.kind, b.c.ref_id, b.c.version).where(
        b.c.proposal_id == proposal_id).order_by(b.c.kind, b.c.ref_id)).mappings()]
    fam_rows = [r for r in basis if r["kind"] == "family"]
    if len(fam_rows) != 1:
        raise InputError(f"proposal {proposal_id}: its basis holds {len(fam_rows)} family "
                         f"versions, expected 1")
    fid, fver = fam_rows[0]["ref_id"], fam_rows[0]["version"]
    content = _version(conn, schema.family_versions, "family_id", fid, fver, proposal_id)
    versions = {r["ref_id"]: r["version"] for r in basis if r["kind"] == "profile"}

    def profile(sid: str) -> dict[str, Any]:
        if sid not in versions:
            raise InputError(f"proposal {proposal_id}: sample {sid!r} is not in its basis")
        return _version(conn, schema.profiles, "sample_id", sid, versions[sid], proposal_id)

    pm_ids = proposal["pm"].split(",")
    data = {"kind": "dvi", "id": f"proposal-{proposal_id}",
            "markers": [_marker_to_dict(m) for m in markers],
            "pm": [{"id": s} | profile(s) for s in pm_ids],
            "am": [{"family": fid, "pedigree": content["pedigree"],
                    "missing": content["missing"],
                    "genotypes": {i: profile(f"{fid}/{i}")["genotypes"]
                                  for i in content["typed"]},
                    "references": {i: profile(f"{fid}/{i}/reference")["genotypes"]
                                   for i in content["references"]},
                    "info": content["info"], "lineage": content["lineage"]}
                   | {k: content[k] for k in ("ystr", "mtdna") if k in content}]}
    ds = case_from_dict(data, source=f"proposal {proposal_id}")
    rv = schema.reviews
    reviews = [dict(r) for r in conn.execute(sa.select(rv).where(
        rv.c.proposal_id == proposal_id).order_by(rv.c.review_id)).mappings()]
    # Every re-review flag the proposal had, cleared or not, beside the reviews: a report
    # of an approval that a later run stopped supporting says so (an outside check,
    # 2026-12-06: the re-approved report showed only the old posterior).
    log = schema.audit_log
    for at, actor, data in conn.execute(sa.select(log.c.at, log.c.actor, log.c.data).where(
            log.c.action == "flag_rereview", log.c.entity == "proposals",
            log.c.entity_key == str(proposal_id)).order_by(log.c.seq)):
        reviews.append({"at": at, "actor": actor, "action": "flag",
                        "reason": json.loads(data).get("reason", "")})
    reviews.sort(key=lambda r: r["at"])
    names: dict[str, dict[str, Any]] = {}
    if identities:
        t = schema.identities
        for r in conn.execute(sa.select(t).where(
                t.c.person_id.like(f"{fid}/%"))).mappings():
            names[r["person_id"].split("/", 1)[1]] = {"name": r["name"],
                                                      "details": json.loads(r["details"])}
    return ProposalData(proposal, run, ds.am[0], fver, list(ds.pm), basis, reviews, names,
                        stated_prior(proposal["engine_reason"]))


def run_panel(conn: sa.Connection, markers: list[Marker], run: dict[str, Any]) -> list[Marker]:
    """The run's markers extended, as the run extended them, by every allele that a stored
    profile shows and the frequency table lacks (with the rescaling of
    :func:`~forensic_match.dvi.identify.prepare_panel`).

    A run that recorded its panel (``inputs["panel"]``: its markers and the alleles it added,
    with the panel's sha256) gets exactly that panel back. For older runs the extension is
    computed again from the store's newest profiles; when profiles were added after the run
    with new alleles, it (and so the LRs) can differ slightly from the run's: the report
    prints the recomputed total beside the stored one.

    Raises
    ------
    InputError
        ``markers`` are not the frequency table the run used (their digest differs from the
        run's ``frequencies_sha256``).
    """
    import warnings

    from forensic_match.dvi.identify import prepare_panel
    from forensic_match.errors import UnknownAlleleWarning
    from forensic_match.markers import markers_digest
    from forensic_match.store.records import latest_dataset

    digest = markers_digest(markers)
    if digest != run["frequencies_sha256"]:
        raise InputError(f"run {run['run_id']}: its markers (frequency table and mutation "
                         f"models) have sha256 {run['frequencies_sha256'][:16]}..., the "
                         f"markers given have {digest[:16]}...: give the frequency table and "
                         f"the mutation models the run used (--config, --frequencies, "
                         f"--mutation, or its dataset)")
    recorded = (run.get("inputs") or {}).get("panel")
    if recorded:
        # The run recorded its panel: rebuilt exactly, without reading the store's profiles.
        from forensic_match.likelihood.engine import extend_markers

        by_name = {m.name: m for m in markers}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnknownAlleleWarning)
            panel = extend_markers([by_name[n] for n in recorded["markers"]],
                                   recorded["added_alleles"])
        if markers_digest(panel) != recorded["sha256"]:
            raise InputError(f"run {run['run_id']}: its panel could not be rebuilt from the "
                             f"markers given and the alleles it added (sha256 differs)")
        return panel
    ds = latest_dataset(conn, markers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownAlleleWarning)
        return prepare_panel(markers, ds.am, ds.pm)
