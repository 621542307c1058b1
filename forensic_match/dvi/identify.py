"""From ranked candidates to proposed identifications, with the reasoning for each.

The pipeline (``docs/matching.md``):

1. compile every missing person's LR table; search every PM sample against every table;
2. **undisputed** identifications: LR >= ``threshold`` and at least ``margin`` times every
   competing LR in the sample's row (other missing persons) and the missing person's column
   (other samples) — the dvir rule;
3. **conditioning**: an accepted sample is added to its family as the typed missing person,
   the family's other missing persons are recompiled and searched again; repeated until nothing
   changes (two missing brothers: identifying one makes the other's table sharper);
4. **assignment**: for what is left, the one-to-one assignment of samples to missing persons
   that maximises the summed log LR, with "not identified" allowed; a pair is proposed when its
   posterior reaches ``posterior_threshold``.

The posterior of "sample s is missing person m" uses a prior uniform over the N compiled
missing persons plus a mass ``prior_not_in_database`` for "none of them":
``P = LR_sm / (Σ_m' LR_sm' + N π0 / (1 − π0))``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.compile import CompiledTables, compile_families, compile_missing
from forensic_match.dvi.fragments import (
    SAME_SOURCE_LOG10,
    Body,
    bodies_from_pairs,
    same_source_pairs,
)
from forensic_match.dvi.search import SearchResult, exact_pair_log10_lr, search_samples
from forensic_match.markers import Marker
from forensic_match.profiles import Observation


@dataclass
class IdentificationResult:
    """Proposed identifications and the evidence behind them.

    Attributes
    ----------
    identifications : polars.DataFrame
        pm, family, missing, lr, log10_lr, posterior, rule, round, n_markers, n_inconsistent,
        exact, reason.
    search : SearchResult
        The final round's ranked candidates.
    parameters : dict
    family_level : polars.DataFrame
        Bodies not identified individually whose family is certain: the summed posterior over
        the family's still-missing persons reaches ``posterior_threshold`` (typically two
        missing brothers with the same references: DNA cannot say which; antemortem data
        can). Columns pm, family, candidates, posterior, best_lr, fragments, joint_pairing
        (the exact within-family pairing probabilities).
    held_back : polars.DataFrame
        Proposals withheld because the body may be a fragment of a body already identified in
        the same family (same-source log10 LR >= 4), with the reason.
    """

    identifications: Any
    search: SearchResult
    compiled: CompiledTables
    parameters: dict[str, Any] = field(default_factory=dict)
    family_level: Any = None
    held_back: Any = None


def prepare_panel(markers: Sequence[Marker], families: Sequence[Family],
                  samples: Sequence[PMSample], *, min_frequency: float | None = None,
                  ) -> list[Marker]:
    """The markers extended by every allele a family or PM sample shows (warning for each)."""
    from forensic_match.frequencies import DEFAULT_MIN_FREQUENCY
    from forensic_match.likelihood import prepare_markers

    profiles: dict[str, Any] = {}
    for fam in families:
        for ident, prof in fam.genotypes.items():
            profiles[f"{fam.id}/{ident}"] = prof
    for s in samples:
        profiles[s.id] = s.genotypes
    return prepare_markers(markers, profiles,
                           min_frequency=min_frequency or DEFAULT_MIN_FREQUENCY)


#: Same-source log10 LR from which two bodies are suspected to be one person: such a pair is
#: never proposed as two members of one family (a fragment of an identified body would
#: otherwise look like that person's sibling once the family is conditioned on it).
SUSPECT_LOG10 = 4.0


def _suspect_bodies(pairs: Any, body_of: dict[str, str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for a, b, v in pairs.select("pm1", "pm2", "log10_lr").iter_rows():
        ba, bb = body_of[a], body_of[b]
        if ba != bb:
            out.setdefault(ba, {})[bb] = max(v, out.get(ba, {}).get(bb, -np.inf))
            out.setdefault(bb, {})[ba] = max(v, out.get(bb, {}).get(ba, -np.inf))
    return out


def _screen(new: list[dict[str, Any]], accepted: list[dict[str, Any]],
            suspects: dict[str, dict[str, float]], flags: list[dict[str, Any]],
            ) -> list[dict[str, Any]]:
    """Hold back a body that may be the same person as a body already given to its family."""
    by_family: dict[str, set[str]] = {}
    for rec in accepted:
        by_family.setdefault(rec["family"], set()).add(rec["pm"])
    out = []
    for rec in new:
        partners = suspects.get(rec["pm"], {})
        clash = [b for b in by_family.get(rec["family"], ()) if b in partners]
        if clash:
            if any((f["pm"], f["family"], f["missing"]) ==
                   (rec["pm"], rec["family"], rec["missing"]) for f in flags):
                continue
            flags.append({**rec, "held_back": f"same-source log10 LR "
                          f"{partners[clash[0]]:.1f} with {clash[0]}, already identified in "
                          f"family {rec['family']}"})
            continue
        by_family.setdefault(rec["family"], set()).add(rec["pm"])
        out.append(rec)
    return out


#: Id prefix of direct references (personal effects) in the same-source comparison.
REF_PREFIX = "\u0000ref:"


def _reference_samples(families: Sequence[Family]) -> list[tuple[PMSample, str, str]]:
    """Direct references as samples to compare with the PM samples: (sample, family, missing)."""
    out = []
    for fam in families:
        for m, prof in fam.references.items():
            out.append((PMSample(f"{REF_PREFIX}{fam.id}:{m}", fam.sex_of(m), dict(prof)),
                        fam.id, m))
    return out


def _direct_matches(pairs: Any, references: list[tuple[PMSample, str, str]],
                    body_of: dict[str, str], threshold: float, n_missing: int,
                    pi0: float) -> list[dict[str, Any]]:
    """Bodies matching a missing person's direct reference as the same source."""
    owner = {ref.id: (fam, m) for ref, fam, m in references}
    best: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a, b, v, n in pairs.select("pm1", "pm2", "log10_lr", "n_markers").iter_rows():
        ref, sample = (a, b) if a in owner else (b, a)
        if v < threshold or sample in owner:
            continue
        fam, m = owner[ref]
        key = (body_of[sample], fam, m)
        if key not in best or v > best[key]["log10_lr"]:
            lr = 10.0 ** min(v, 308.0)
            best[key] = {"pm": key[0], "family": fam, "missing": m, "lr": lr, "log10_lr": v,
                         "posterior": float(_posterior(np.array([lr]), np.array([lr]),
                                                       n_missing, pi0)[0]),
                         "rule": "direct reference", "round": 0, "n_markers": n,
                         "n_inconsistent": 0, "second_lr": 0.0}
    # One body per missing person: a second body matching the same reference is a fragment
    # that was not joined, or a contamination; keep the strongest and flag nothing here.
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in sorted(best.values(), key=lambda r: -r["log10_lr"]):
        chosen.setdefault((rec["family"], rec["missing"]), rec)
    return list(chosen.values())


def _posterior(lr: np.ndarray, lr_sum: np.ndarray, n_missing: int, pi0: float) -> np.ndarray:
    return lr / (lr_sum + n_missing * pi0 / (1.0 - pi0))


def identify(families: Sequence[Family], samples: Sequence[PMSample],
             markers: Sequence[Marker], *, threshold: float = 1e4, margin: float = 1e4,
             prior_not_in_database: float = 0.5, posterior_threshold: float = 0.9995,
             theta: float = 0.0, min_markers: int = 8, sex_filter: bool = True,
             max_rounds: int = 10, same_source: float | None = None, workers: int = 1,
             cache: str | Path | None = None, progress: bool = False,
             ) -> IdentificationResult:
    """Blind search and joint identification of PM samples against reference families.

    Parameters
    ----------
    families, samples : sequences of Family and PMSample
    markers : sequence of Marker
        The panel; alleles absent from it are added with a warning (see
        :func:`prepare_panel`).
    threshold, margin : float
        Undisputed rule: LR >= threshold and >= margin x every competitor (dvir's defaults).
    prior_not_in_database : float
        Prior mass that a sample is none of the compiled missing persons.
    posterior_threshold : float
        Posterior needed to propose a pair of the final assignment (ICMP: 99.95%).
    theta : float
        Subpopulation correction. Candidates are ranked with theta-free tables, then every
        proposed pair's LR is recomputed exactly with theta (``exact`` column).
    min_markers : int
        Pairs compared on fewer markers are not considered.
    sex_filter : bool
        Drop pairs whose known sexes differ.
    max_rounds : int
        Bound on the conditioning rounds.
    same_source : float, optional
        log10 same-source LR from which PM samples are joined into one body (default
        :data:`~forensic_match.dvi.fragments.SAME_SOURCE_LOG10`). Pairs from
        :data:`SUSPECT_LOG10` up are never given to one family as two people.
    workers : int
        Processes for compiling.
    cache : path, optional
        File of compiled tables (``.npz``). Rows whose family data and markers are unchanged
        are taken from it instead of being compiled again; it is then rewritten with this
        run's tables (before any conditioning), ready for the next night's run.
    progress : bool
        Progress bars on standard error.
    """
    import polars as pl

    if same_source is None:
        same_source = SAME_SOURCE_LOG10
    panel = prepare_panel(markers, families, samples)
    references = _reference_samples(families)
    everything = list(samples) + [ref for ref, _, _ in references]
    all_pairs = same_source_pairs(everything, panel,
                                  threshold=min(SUSPECT_LOG10, same_source))
    is_ref = pl.col("pm1").str.starts_with(REF_PREFIX) | \
        pl.col("pm2").str.starts_with(REF_PREFIX)
    pairs = all_pairs.filter(~is_ref)
    bodies = bodies_from_pairs(samples, pairs, threshold=same_source)
    body_of = {f.id: b.id for b in bodies for f in b.fragments}
    suspects = _suspect_bodies(pairs, body_of)
    previous = CompiledTables.load(cache) if cache is not None and Path(cache).exists() \
        else None
    compiled = compile_families(families, panel, workers=workers, progress=progress,
                                reuse=previous)
    if cache is not None:
        compiled.save(cache)
        compiled = dataclasses.replace(compiled, log10_lr=compiled.log10_lr.copy(),
                                       consistent=compiled.consistent.copy(),
                                       log10_likelihood=compiled.log10_likelihood.copy(),
                                       allele_sums=compiled.allele_sums.copy())
    fam_by_id = {f.id: f for f in families}
    row_of = {key: r for r, key in enumerate(compiled.rows)}
    sample_by_id: dict[str, Body] = {b.id: b for b in bodies}
    flags: list[dict[str, Any]] = []
    n_missing = len(compiled.rows)
    accepted: list[dict[str, Any]] = []
    remaining: list[Body] = list(bodies)
    active = np.ones(n_missing, dtype=bool)
    conditioned: dict[str, dict[str, PMSample]] = {}
    res: SearchResult | None = None
    direct = _direct_matches(all_pairs.filter(is_ref), references, body_of, same_source,
                             n_missing, prior_not_in_database)
    direct = _screen(direct, accepted, suspects, flags)
    touched_direct: set[str] = set()
    for rec in direct:
        r = row_of[(rec["family"], rec["missing"])]
        if not active[r] or rec["pm"] not in {b.id for b in remaining}:
            continue
        accepted.append(rec)
        active[r] = False
        conditioned.setdefault(rec["family"], {})[rec["missing"]] = \
            sample_by_id[rec["pm"]].best
        touched_direct.add(rec["family"])
        remaining = [b for b in remaining if b.id != rec["pm"]]
    _recondition(compiled, fam_by_id, conditioned, touched_direct, row_of, active, panel)
    for round_no in range(1, max_rounds + 1):
        if not remaining or not active.any():
            break
        res = search_samples(compiled, remaining, top=2, threshold=np.log10(threshold),
                             sex_filter=sex_filter, min_markers=min_markers,
                             active=np.flatnonzero(active))
        new = _screen(_undisputed(res, threshold, margin), accepted, suspects, flags)
        if not new:
            break
        sums = dict(zip(res.samples["pm"].to_list(), res.samples["lr_sum"].to_list()))
        touched: set[str] = set()
        for rec in new:
            rec.update(rule="undisputed" if round_no == 1 else "undisputed after conditioning",
                       round=round_no,
                       posterior=float(_posterior(np.array([rec["lr"]]),
                                                  np.array([sums[rec["pm"]]]), n_missing,
                                                  prior_not_in_database)[0]))
            accepted.append(rec)
            active[row_of[(rec["family"], rec["missing"])]] = False
            conditioned.setdefault(rec["family"], {})[rec["missing"]] = \
                sample_by_id[rec["pm"]].best
            touched.add(rec["family"])
        taken = {rec["pm"] for rec in new}
        remaining = [s for s in remaining if s.id not in taken]
        _recondition(compiled, fam_by_id, conditioned, touched, row_of, active, panel)

    final = search_samples(compiled, remaining, top=5, threshold=0.0, sex_filter=sex_filter,
                           min_markers=min_markers, active=np.flatnonzero(active)) \
        if remaining and active.any() else res
    if remaining and active.any() and final is not None:
        accepted.extend(_screen(_assign(final, n_missing, prior_not_in_database,
                                        posterior_threshold), accepted, suspects, flags))
    family_level = _family_level(final, {r["pm"] for r in accepted}, n_missing,
                                 prior_not_in_database, posterior_threshold, sample_by_id) \
        if remaining and active.any() and final is not None else _family_level_empty()
    family_level, resolved = _resolve_within_families(
        family_level, fam_by_id, conditioned, sample_by_id, panel, theta, posterior_threshold,
        sex_filter)
    accepted.extend(_screen(resolved, accepted, suspects, flags))
    for rec in accepted:
        rec["fragments"] = ",".join(f.id for f in sample_by_id[rec["pm"]].fragments)
    table = pl.DataFrame(accepted, schema={
        "pm": pl.Utf8, "family": pl.Utf8, "missing": pl.Utf8, "lr": pl.Float64,
        "log10_lr": pl.Float64, "posterior": pl.Float64, "rule": pl.Utf8, "round": pl.Int64,
        "n_markers": pl.Int64, "n_inconsistent": pl.Int64, "second_lr": pl.Float64,
        "fragments": pl.Utf8})
    exact = np.zeros(table.height, dtype=bool)
    if theta > 0 and table.height:
        logs = []
        for r in table.iter_rows(named=True):
            fam = _conditioned_family(fam_by_id[r["family"]], conditioned, r["missing"])
            # A body is scored on its best fragment (the engine takes one observation per
            # individual), as the family is conditioned on it.
            obs = {m: Observation(dropout=b.dropout)
                   for m, b in conditioned.get(r["family"], {}).items()
                   if m != r["missing"] and b.dropout > 0}
            logs.append(float(np.sum(exact_pair_log10_lr(fam, r["missing"],
                                                         sample_by_id[r["pm"]].best, panel,
                                                         theta=theta, observation=obs))))
        table = table.with_columns(pl.Series("log10_lr", logs),
                                   pl.Series("lr", np.power(10.0, np.minimum(logs, 308.0))))
        exact[:] = True
    table = table.with_columns(pl.Series("exact", exact),
                               pl.Series("reason", [_reason(r, threshold, margin)
                                                    for r in table.iter_rows(named=True)]))
    held = pl.DataFrame([{k: r[k] for k in ("pm", "family", "missing", "lr", "held_back")}
                         for r in flags],
                        schema={"pm": pl.Utf8, "family": pl.Utf8, "missing": pl.Utf8,
                                "lr": pl.Float64, "held_back": pl.Utf8})
    return IdentificationResult(
        table.sort(["round", "log10_lr"], descending=[False, True]),
        final if final is not None else search_samples(compiled, bodies, top=5),
        compiled,
        {"threshold": threshold, "margin": margin, "prior_not_in_database":
         prior_not_in_database, "posterior_threshold": posterior_threshold, "theta": theta,
         "min_markers": min_markers, "sex_filter": sex_filter}, family_level, held)


def _undisputed(res: SearchResult, threshold: float, margin: float) -> list[dict[str, Any]]:
    """Pairs meeting the dvir rule against the best competitor in row and column."""
    by_s = res.by_sample
    by_m = res.by_missing
    second_s = {r["pm"]: r["lr"] for r in by_s.filter(by_s["rank"] == 2).iter_rows(named=True)}
    first_m = {(r["family"], r["missing"]): r for r in
               by_m.filter(by_m["rank"] == 1).iter_rows(named=True)}
    second_m = {(r["family"], r["missing"]): r["lr"] for r in
                by_m.filter(by_m["rank"] == 2).iter_rows(named=True)}
    out = []
    for r in by_s.filter(by_s["rank"] == 1).iter_rows(named=True):
        key = (r["family"], r["missing"])
        if r["lr"] < threshold or first_m.get(key, {}).get("pm") != r["pm"]:
            continue
        competitor = max(second_s.get(r["pm"], 0.0), second_m.get(key, 0.0))
        if r["lr"] >= margin * competitor:
            out.append({"pm": r["pm"], "family": r["family"], "missing": r["missing"],
                        "lr": r["lr"], "log10_lr": r["log10_lr"],
                        "n_markers": r["n_markers"], "n_inconsistent": r["n_inconsistent"],
                        "second_lr": competitor})
    return out


def _conditioned_family(fam: Family, conditioned: dict[str, dict[str, PMSample]],
                        skip: str | None = None) -> Family:
    extra = {m: s.genotypes for m, s in conditioned.get(fam.id, {}).items() if m != skip}
    if not extra:
        return fam
    return dataclasses.replace(fam, genotypes={**fam.genotypes, **extra})


def _recondition(compiled: CompiledTables, fam_by_id: dict[str, Family],
                 conditioned: dict[str, dict[str, PMSample]], touched: set[str],
                 row_of: dict[tuple[str, str], int], active: np.ndarray,
                 panel: Sequence[Marker]) -> None:
    """Recompile the still-missing persons of families that gained an identified member."""
    for fid in touched:
        fam = _conditioned_family(fam_by_id[fid], conditioned)
        obs = {m: Observation(dropout=s.dropout) for m, s in conditioned[fid].items()
               if s.dropout > 0}
        for m in fam.missing:
            r = row_of[(fid, m)]
            if active[r]:
                compiled.set_row(r, compile_missing(fam, m, panel, observation=obs or None))


def _assign(res: SearchResult, n_missing: int, pi0: float, posterior_threshold: float,
            ) -> list[dict[str, Any]]:
    """One-to-one assignment over the remaining candidates; proposes confident pairs."""
    from scipy.optimize import linear_sum_assignment

    cand = res.by_sample.filter(res.by_sample["lr"] > 1.0)
    if cand.height == 0:
        return []
    sums = dict(zip(res.samples["pm"].to_list(), res.samples["lr_sum"].to_list()))
    pms = sorted(set(cand["pm"]))
    mps = sorted(set(zip(cand["family"], cand["missing"])))
    pi, mi = {p: i for i, p in enumerate(pms)}, {m: i for i, m in enumerate(mps)}
    # Columns: the missing persons, then one "not identified" column per sample (weight 0).
    weight = np.full((len(pms), len(mps) + len(pms)), -1e9)
    weight[:, len(mps):] = -1e9
    weight[np.arange(len(pms)), len(mps) + np.arange(len(pms))] = 0.0
    rows = {}
    for r in cand.iter_rows(named=True):
        i, j = pi[r["pm"]], mi[(r["family"], r["missing"])]
        weight[i, j] = r["log10_lr"]
        rows[(i, j)] = r
    ri, ci = linear_sum_assignment(-weight)
    out = []
    for i, j in zip(ri, ci):
        if j >= len(mps):
            continue
        r = rows[(i, j)]
        post = float(_posterior(np.array([r["lr"]]), np.array([sums[r["pm"]]]), n_missing,
                                pi0)[0])
        if post >= posterior_threshold:
            second = cand.filter((cand["pm"] == r["pm"]) & (cand["rank"] == 2))
            out.append({"pm": r["pm"], "family": r["family"], "missing": r["missing"],
                        "lr": r["lr"], "log10_lr": r["log10_lr"], "posterior": post,
                        "rule": "assignment", "round": 0, "n_markers": r["n_markers"],
                        "n_inconsistent": r["n_inconsistent"],
                        "second_lr": float(second["lr"][0]) if second.height else 0.0})
    return out


def _family_level_empty() -> Any:
    import polars as pl

    return pl.DataFrame(schema={"pm": pl.Utf8, "family": pl.Utf8, "candidates": pl.Utf8,
                                "posterior": pl.Float64, "best_lr": pl.Float64,
                                "fragments": pl.Utf8})


def _family_level(res: SearchResult, identified: set[str], n_missing: int, pi0: float,
                  posterior_threshold: float, bodies: dict[str, Body]) -> Any:
    """Bodies whose family is certain although the missing person within it is not."""
    import polars as pl

    cand = res.by_sample.filter(~pl.col("pm").is_in(list(identified)))
    if cand.height == 0:
        return _family_level_empty()
    sums = res.samples.select("pm", "lr_sum")
    grouped = (cand.group_by(["pm", "family"])
               .agg(pl.col("lr").sum().alias("family_lr"), pl.col("lr").max().alias("best_lr"),
                    pl.col("missing").sort().str.join(" or ").alias("candidates"),
                    pl.len().alias("n"))
               .join(sums, on="pm")
               .with_columns((pl.col("family_lr") / (pl.col("lr_sum") + n_missing * pi0 /
                                                     (1.0 - pi0))).alias("posterior"))
               .filter((pl.col("posterior") >= posterior_threshold) & (pl.col("n") > 1)))
    return grouped.select(
        "pm", "family", "candidates", "posterior", "best_lr",
        pl.col("pm").map_elements(lambda b: ",".join(f.id for f in bodies[b].fragments),
                                  return_dtype=pl.Utf8).alias("fragments")).sort("pm")


#: Bound on the joint assignments enumerated within one family.
JOINT_MAX_ASSIGNMENTS = 100_000


def _resolve_within_families(family_level: Any, fam_by_id: dict[str, Family],
                             conditioned: dict[str, dict[str, PMSample]],
                             bodies: dict[str, Body], panel: Sequence[Marker], theta: float,
                             posterior_threshold: float, sex_filter: bool,
                             ) -> tuple[Any, list[dict[str, Any]]]:
    """Exact joint analysis inside each family of the family-level table.

    The bodies placed in family F and F's still-missing persons are enumerated jointly
    (``joint.joint_solutions``, exact models, nothing fixed). With ``q`` the family-level
    posterior and ``π(b, m)`` the joint pairing probability, ``P(b is m) = q π(b, m) /
    (1 − π(b, nobody))``; a pair reaching ``posterior_threshold`` becomes an identification
    (rule ``joint within family``). The pairing probabilities are added to the table.
    Without the sex filter, the joint analysis ignores recorded sexes too (the same evidence
    in both steps).
    """
    import polars as pl

    from forensic_match.cases import DviDataset
    from forensic_match.dvi.joint import AssignmentLimitError, joint_solutions

    if family_level.height == 0:
        return family_level.with_columns(pl.lit("").alias("joint_pairing")), []
    notes: dict[str, str] = {}
    resolved: list[dict[str, Any]] = []
    for (fid,), group in family_level.group_by(["family"], maintain_order=True):
        fam = _conditioned_family(fam_by_id[fid], conditioned)
        still = [m for m in fam.missing if m not in conditioned.get(fid, {})]
        fam = dataclasses.replace(fam, missing=still)
        samples = [dataclasses.replace(bodies[b].best, id=b,
                                       sex=bodies[b].sex if sex_filter else "U")
                   for b in group["pm"].to_list()]
        ds = DviDataset(f"{fid}-joint", list(panel), samples, [fam], theta)
        try:
            joint = joint_solutions(ds, max_solutions=1, mutation_off_if_consistent=False,
                                    fix_undisputed=False,
                                    max_assignments=JOINT_MAX_ASSIGNMENTS)
        except AssignmentLimitError:
            continue
        pairing = joint.pairing
        q = dict(zip(group["pm"].to_list(), group["posterior"].to_list()))
        for b in q:
            rows = pairing.filter(pl.col("pm") == b)
            nobody = float(rows.filter(pl.col("missing").is_null())["probability"].sum())
            named = rows.filter(pl.col("missing").is_not_null())
            notes[b] = ", ".join(f"{m}: {p:.4f}" for m, p in
                                 zip(named["missing"].to_list(), named["probability"].to_list()))
            if nobody >= 1.0:
                continue
            for m, p in zip(named["missing"].to_list(), named["probability"].to_list()):
                post = q[b] * p / (1.0 - nobody)
                if post >= posterior_threshold:
                    best_lr = float(group.filter(pl.col("pm") == b)["best_lr"][0])
                    resolved.append({
                        "pm": b, "family": fid, "missing": m, "lr": best_lr,
                        "log10_lr": float(np.log10(best_lr)), "posterior": post,
                        "rule": "joint within family", "round": 0,
                        "n_markers": int(sum(1 for _ in bodies[b].best.genotypes)),
                        "n_inconsistent": 0, "second_lr": 0.0})
    taken = {r["pm"] for r in resolved}
    out = family_level.with_columns(
        pl.col("pm").map_elements(lambda b: notes.get(b, ""), return_dtype=pl.Utf8)
        .alias("joint_pairing")).filter(~pl.col("pm").is_in(list(taken)))
    return out, resolved


def _reason(r: dict[str, Any], threshold: float, margin: float) -> str:
    base = (f"LR {r['lr']:.3g} over {r['n_markers']} markers "
            f"({r['n_inconsistent']} inconsistent without mutation); posterior "
            f"{r['posterior']:.6f}")
    if r["rule"] == "joint within family":
        return (f"the family is certain and the exact joint analysis of its missing persons "
                f"and bodies places this body on {r['missing']}; posterior "
                f"{r['posterior']:.6f} (best single LR {r['lr']:.3g})")
    if r["rule"] == "direct reference":
        return (f"same-source LR {r['lr']:.3g} over {r['n_markers']} markers with the direct "
                f"reference (personal effects) of {r['missing']}; posterior "
                f"{r['posterior']:.6f}")
    if r["rule"].startswith("undisputed"):
        competitor = (f"{r['lr'] / r['second_lr']:.3g} times the best competitor "
                      f"(rule: >= {margin:g})" if r["second_lr"] > 0
                      else "no competing candidate")
        return (f"{base}; LR >= {threshold:g} and {competitor}" +
                (" after conditioning the family on earlier identifications"
                 if r["rule"] != "undisputed" else ""))
    return f"{base}; best one-to-one assignment, next candidate LR {r['second_lr']:.3g}"
