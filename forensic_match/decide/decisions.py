"""Posteriors of every hypothesis for every body, from the search's ranked candidates.

One call of :func:`decide` takes

- the search of the bodies against the registered missing persons (each body's best
  candidates, each missing person's best bodies, and each body's LR summed over all missing
  persons),
- the search of the same bodies against the families' relative alternatives
  (:mod:`~forensic_match.decide.alternatives`),
- the priors (:mod:`~forensic_match.decide.priors`),

and returns the joint posterior of every candidate pair under the one-to-one model of
:mod:`~forensic_match.decide.posterior`, the posterior of each listed alternative, and of
each family as a whole. A body's "free" weight is the open set ``W0``, plus the relatives
``ρ Σ_r LR_sr``, plus the LRs of the missing persons not listed among its candidates (they
take no part in the column constraint: too weak to matter), plus, with lineage markers, the
unrecorded kinsmen of the families' lineages ``κ Σ_f K_sf``, ``K_sf`` the largest lineage
LR of family f's members compared with body s on a line (their autosomal LR is 1: a man of
the patrilineage outside the pedigree is, autosomally, anyone; his Y haplotype is the
line's). A kinsman is no member of the family: his mass counts for neither an
identification nor a family-level proposal. The undrawn relatives of the families' distant
references (and, with linked SNPs, of their close SNP-typed ones)
(:func:`~forensic_match.decide.alternatives.reference_kin`: a child, sibling or nephew of a
reference, a cousin through its in-law parent) add ``τ Σ_k LR_sk`` to
the free weight, each scored like a relative alternative on the family extended by him; they
are no members of the family either.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from forensic_match.decide.posterior import matching_posteriors
from forensic_match.decide.priors import Priors
from forensic_match.group_sums import sum_by

LN10 = math.log(10.0)


@dataclass
class Decision:
    """Posteriors of one round (polars DataFrames).

    Attributes
    ----------
    pairs : DataFrame
        Candidate pairs: pm, family, missing, lr, log10_lr, n_markers, n_inconsistent,
        posterior (a lower bound of the exact joint posterior), joint_exact.
    alternatives : DataFrame
        Each body's best relative alternatives: pm, family, person, relation, lr, log10_lr,
        posterior.
    families : DataFrame
        pm, family, posterior (its missing persons and listed alternatives together).
    bodies : DataFrame
        pm, p_open (posterior of the open set: nobody registered nor a listed relative),
        p_lineage_kin (posterior of an unrecorded kinsman of a compared lineage; 0 without
        lineage markers), p_reference_kin (posterior of an undrawn relative of a typed
        reference; 0 without them).
    reference_kin : DataFrame
        Each body's best undrawn relatives of typed references (with SNP data): pm, family,
        person, relation, lr, log10_lr, posterior; not part of ``families``.
    """

    pairs: Any
    alternatives: Any
    families: Any
    bodies: Any
    reference_kin: Any = None


def _logsumexp(*values: float) -> float:
    finite = [v for v in values if v > -math.inf]
    if not finite:
        return -math.inf
    hi = max(finite)
    return hi + math.log(sum(math.exp(v - hi) for v in finite))


#: Rows assumed, at most, behind a body's listed best rows when its LR sum over a search's
#: rows overflowed and the search does not say how many rows it read (:func:`_log_sums`).
MAX_UNLISTED_ROWS = 1e6


def _log_sums(result: Any, pm_ids: list[str]) -> np.ndarray:
    """Natural log of each body's LR summed over the rows of ``result`` (a search of
    alternatives); ``-inf`` for a body not searched. Where the linear sum overflowed (an LR
    above ~1e308, as dense SNPs give a reference's own child), it is bounded from above by its
    listed best rows plus every other row searched (``result.parameters["rows"]``, else
    :data:`MAX_UNLISTED_ROWS`) as large as the smallest listed one (each unlisted row is at
    most that): an alternative is never understated."""
    sums = dict(zip(result.samples["pm"].to_list(), result.samples["lr_sum"].to_list()))
    listed = _listed_logs(result)
    out = np.full(len(pm_ids), -math.inf)
    for i, p in enumerate(pm_ids):
        v = sums.get(p, 0.0)
        if v > 0 and math.isfinite(v):
            out[i] = math.log(v)
        elif v > 0 or (v != v and p in listed):
            rows = listed.get(p, [])
            out[i] = math.inf if not rows else \
                _logsumexp(*rows, _unlisted_bound(result, rows, len(rows)))
    return out


def _listed_logs(result: Any) -> dict[str, list[float]]:
    """Per body, the natural-log LRs of its listed best rows (``result.by_sample``)."""
    listed: dict[str, list[float]] = {}
    for p, v in zip(result.by_sample["pm"].to_list(), result.by_sample["log10_lr"].to_list()):
        if math.isfinite(v):
            listed.setdefault(p, []).append(v * LN10)
    return listed


def _unlisted_bound(result: Any, best: list[float], counted: int) -> float:
    """Log of an upper bound on the LR sum of a body's rows not counted: the rows ``result``
    searched (``parameters["rows"]``, else :data:`MAX_UNLISTED_ROWS`) less the ``counted``
    ones, each at most the smallest of the body's listed best rows ``best`` (logs): a row
    outside a top list is no larger than its last entry. ``inf`` with nothing listed."""
    if not best:
        return math.inf
    unlisted = result.parameters.get("rows", MAX_UNLISTED_ROWS) - counted
    return min(best) + math.log(unlisted) if unlisted > 0 else -math.inf


def _log_residuals(candidates: Any, pm_ids: list[str], s_idx: np.ndarray,
                   log10: np.ndarray) -> np.ndarray:
    """Natural log of each body's LR summed over the missing persons not among its candidate
    pairs (``s_idx``, ``log10``: the pairs' bodies and log10 LRs): the search's ``lr_sum``
    less the listed pairs, ``-inf`` where nothing is left. Where ``lr_sum`` overflowed, the
    residual is bounded from above as in :func:`_log_sums` (every uncounted row as large as
    the body's smallest listed best row): never understated, so an unlisted missing person
    keeps his weight against a body whose best LRs pass 1e308."""
    n_s = len(pm_ids)
    lr_sum = candidates.samples["lr_sum"].to_numpy().astype(np.float64)
    fine = np.isfinite(lr_sum)
    listed = np.zeros(n_s)
    keep = fine[s_idx]                  # the listed pairs of a finite sum are finite too
    np.add.at(listed, s_idx[keep], np.power(10.0, np.minimum(log10[keep], 308.0)))
    out = np.full(n_s, -math.inf)
    residual = np.maximum(np.where(fine, lr_sum, 0.0) - listed, 0.0)
    out[residual > 0] = np.log(residual[residual > 0])
    if not fine.all():
        best = _listed_logs(candidates)
        counted = np.bincount(s_idx, minlength=n_s)
        for i in np.flatnonzero(~fine):
            out[i] = _unlisted_bound(candidates, best.get(pm_ids[i], []), int(counted[i]))
    return out


def _alternative_rows(alternatives: Any, relations: Mapping[tuple[str, str], str],
                      body_of: Mapping[str, int], log_rho: float, log_pf: np.ndarray,
                      schema: dict[str, Any]) -> Any:
    """The relative alternatives' rows of :func:`decide`: each body's best rows and every
    row listed in the search's ``pairs`` (those at or above its threshold: all of a
    family's alternatives that fit the body well, however many), once each, with
    ``P(s = r) = ρ LR_sr P(s free) / f_s``."""
    import polars as pl

    cols = ["pm", "family", "missing", "lr", "log10_lr"]
    rows = pl.concat([alternatives.by_sample.select(cols), alternatives.pairs.select(cols)]) \
        .unique(["pm", "family", "missing"], keep="first", maintain_order=True) \
        .filter(pl.col("log10_lr").is_finite() & pl.col("pm").is_in(list(body_of)))
    if rows.height == 0:
        return pl.DataFrame(schema=schema)
    at = np.array([body_of[p] for p in rows["pm"].to_list()], dtype=np.int64)
    post = np.exp(np.minimum(0.0, log_rho + rows["log10_lr"].to_numpy() * LN10 + log_pf[at]))
    relation = [relations.get(k, "") for k in zip(rows["family"].to_list(),
                                                    rows["missing"].to_list())]
    return rows.rename({"missing": "person"}).with_columns(
        pl.Series("relation", relation, dtype=pl.Utf8), pl.Series("posterior", post)) \
        .select(list(schema)).cast(schema)  # type: ignore[arg-type]


def decide(candidates: Any, alternatives: Any | None, relations: Mapping[tuple[str, str], str],
           priors: Priors, lineage_kin: Mapping[str, float] | None = None,
           reference_kin: tuple[Any, Mapping[tuple[str, str], str]] | None = None,
           excluded: Collection[tuple[str, str, str]] = ()) -> Decision:
    """Joint posteriors of one round (see the module doc).

    Parameters
    ----------
    candidates : SearchResult
        Bodies against the registered missing persons still to identify.
    alternatives : SearchResult or None
        The same bodies against the relative alternatives (rows ``(family, person)``).
    relations : mapping
        ``{(family, person): relation text}`` of the alternatives.
    priors : Priors
    lineage_kin : mapping, optional
        ``{pm: Σ_f K_sf}``: per body, over the families with a member compared with it on
        a line, the largest such member's lineage LR, summed (see the module doc); weighted
        by ``priors.lineage_kin``. ``None``: no lineage markers.
    reference_kin : (SearchResult, mapping), optional
        The same bodies against the undrawn relatives of the families' typed references
        (rows ``(family, person)``) and their relation texts; each weighted by
        ``priors.reference_kin``. ``None``: none drawn.
    excluded : collection of (pm, family, missing)
        Pairs ruled out (a review rejected them: :mod:`~forensic_match.dvi.rejected`):
        weight 0 in the joint posterior (posterior 0). A listed one's LR stays out of the
        body's free weight, as every listed pair's; an unlisted one's stays in it, where it
        can only hold the body's placements back.
    """
    import polars as pl

    cols = ["pm", "family", "missing", "lr", "log10_lr", "n_markers", "n_inconsistent"]
    cand = pl.concat([candidates.by_sample.select(cols), candidates.by_missing.select(cols)]) \
        .unique(["pm", "family", "missing"], keep="first", maintain_order=True) \
        .filter(pl.col("log10_lr").is_finite())
    pm_ids = candidates.samples["pm"].to_list()
    body_of = {p: i for i, p in enumerate(pm_ids)}
    mps = sorted(set(zip(cand["family"].to_list(), cand["missing"].to_list())))
    mp_of = {m: j for j, m in enumerate(mps)}
    s_idx = np.array([body_of[p] for p in cand["pm"].to_list()], dtype=np.int64)
    m_idx = np.array([mp_of[k] for k in zip(cand["family"].to_list(),
                                            cand["missing"].to_list())], dtype=np.int64)
    log10 = cand["log10_lr"].to_numpy().astype(np.float64)
    n_s = len(pm_ids)
    log_residual = _log_residuals(candidates, pm_ids, s_idx, log10)
    log_w = log10 * LN10
    if excluded:
        out = [k in excluded for k in zip(cand["pm"].to_list(), cand["family"].to_list(),
                                          cand["missing"].to_list())]
        log_w[np.array(out, dtype=bool)] = -math.inf
    log_alt = np.full(n_s, -math.inf)
    if alternatives is not None and priors.relatives > 0:
        log_alt = _log_sums(alternatives, pm_ids)
    log_rho = math.log(priors.relatives) if priors.relatives > 0 else -math.inf
    log_kin = np.full(n_s, -math.inf)
    if lineage_kin is not None and priors.lineage_kin > 0:
        kin = np.array([lineage_kin.get(p, 0.0) for p in pm_ids], dtype=np.float64)
        log_kin[kin > 0] = math.log(priors.lineage_kin) + np.log(kin[kin > 0])
    log_ref = np.full(n_s, -math.inf)
    use_ref = reference_kin is not None and priors.reference_kin > 0
    if use_ref:
        assert reference_kin is not None
        log_ref = math.log(priors.reference_kin) + _log_sums(reference_kin[0], pm_ids)
    log_free = np.array([
        _logsumexp(priors.log_open,
                   log_rho + a, r, k, q)
        for a, r, k, q in zip(log_alt.tolist(), log_residual.tolist(), log_kin.tolist(),
                              log_ref.tolist())])
    post = matching_posteriors(n_s, len(mps), s_idx, m_idx, log_w, log_free)
    pairs = cand.with_columns(pl.Series("posterior", post.p_edge),
                              pl.Series("joint_exact", post.exact))
    # P(s = r) = ρ LR_sr P(s free) / f_s; P(open) = W0 P(s free) / f_s.
    log_pf = np.log(np.maximum(post.p_free, 1e-320)) - log_free
    schema = {"pm": pl.Utf8, "family": pl.Utf8, "person": pl.Utf8, "relation": pl.Utf8,
              "lr": pl.Float64, "log10_lr": pl.Float64, "posterior": pl.Float64}
    alts = pl.DataFrame(schema=schema)
    if alternatives is not None and priors.relatives > 0:
        alts = _alternative_rows(alternatives, relations, body_of, log_rho, log_pf, schema)
    ref_rows: list[dict[str, Any]] = []
    if use_ref:
        assert reference_kin is not None
        log_tau = math.log(priors.reference_kin)
        for r in reference_kin[0].by_sample.iter_rows(named=True):
            if not math.isfinite(r["log10_lr"]) or r["pm"] not in body_of:
                continue
            s = body_of[r["pm"]]
            p = math.exp(min(0.0, log_tau + r["log10_lr"] * LN10 + log_pf[s]))
            ref_rows.append({"pm": r["pm"], "family": r["family"], "person": r["missing"],
                             "relation": reference_kin[1].get((r["family"], r["missing"]), ""),
                             "lr": r["lr"], "log10_lr": r["log10_lr"], "posterior": p})
    refs = pl.DataFrame(ref_rows, schema=schema)
    families = sum_by(pl.concat([pairs.select("pm", "family", "posterior"),
                                 alts.select("pm", "family", "posterior")]),
                      ["pm", "family"], "posterior")
    # (a sum of posteriors that are each within rounding of the exact ones: 1.0000000000000047
    # was shown on a family-level row, an outside check, 2026-12-08)
    families = families.with_columns(pl.col("posterior").clip(upper_bound=1.0))
    bodies = pl.DataFrame({"pm": pm_ids,
                           "p_open": np.exp(np.minimum(0.0, priors.log_open + log_pf)),
                           "p_lineage_kin": np.exp(np.minimum(0.0, log_kin + log_pf)),
                           "p_reference_kin": np.exp(np.minimum(0.0, log_ref + log_pf))})
    return Decision(pairs, alts, families, bodies, refs)


__all__ = ["Decision", "decide"]
