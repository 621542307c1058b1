"""Lineage LRs as scores for the search: the ``evidence`` hook of
:func:`forensic_match.dvi.search.search_samples`.

``search_samples(compiled, samples, evidence=LineageScores(compiled.rows, families, samples,
data))`` ranks and lists pairs by ``log10 LR_DNA + log10 LR_lineage`` (the combination of
:func:`~forensic_match.lineage.lr.combine_log10_lr`: lineage and autosomal markers independent
given the hypotheses). AM/PM evidence scores can ride along (``also``): their log10 LRs are
added too. A pair with no lineage data on either side scores 0; a Y or mtDNA LR of 0 (more
repeat steps than the meioses allow) is ``-inf``, which the search treats as an impossible pair.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from forensic_match.errors import InputError, LineageMarkerWarning
from forensic_match.lineage.data import (
    LineageData,
    family_y_haplotypes,
    pm_mitotype,
    pm_y_haplotype,
)
from forensic_match.lineage.fast import LineageCache, RowScorer
from forensic_match.lineage.lines import lineage_links
from forensic_match.lineage.lr import OPTIONS, LineageResult, lineage_lr
from forensic_match.lineage.ystr import MULTISTEP_FRACTION, locus_probability, split_allele


class LineageScores:
    """Lineage log10 LRs of compiled rows (missing persons) against PM samples.

    Parameters
    ----------
    rows : sequence of (family id, missing id)
        The compiled rows, in order (``CompiledTables.rows``).
    families : sequence of Family
        The families of those rows.
    samples : sequence of PMSample
        The samples searched, in the order given to the search.
    data : LineageData
        Panel and databases (``DviDataset.lineage``).
    also : object, optional
        Another evidence object (``block(rows)``), e.g. AM/PM evidence scores, added in.
    cache : LineageCache, optional
        The scores computed so far (per row and sample id) and the full results asked for,
        shared between score objects (the rounds of an identification), so that no pair is
        computed twice.
    **options
        Passed to :func:`~forensic_match.lineage.lr.lineage_lr` (``y_method``, ...).

    Examples
    --------
    >>> scores = LineageScores(compiled.rows, ds.am, ds.pm, ds.lineage)  # doctest: +SKIP
    >>> search_samples(compiled, ds.pm, evidence=scores).pairs  # doctest: +SKIP
    """

    def __init__(self, rows: Sequence[tuple[str, str]], families: Sequence[Any],
                 samples: Sequence[Any], data: LineageData, *, also: Any = None,
                 cache: LineageCache | None = None,
                 **options: Any) -> None:
        self.rows = list(rows)
        self.families = {f.id: f for f in families}
        missing = sorted({fid for fid, _ in self.rows} - set(self.families))
        if missing:
            raise InputError(f"lineage scores: families {missing} of the compiled rows were not "
                             f"given")
        self.samples = list(samples)
        self.data = data
        self.also = also
        self.options = options
        self.cache = LineageCache() if cache is None else cache
        self._columns = self.cache.column_of([s.id for s in self.samples])
        self._typed = np.array([pm_y_haplotype(s) is not None or pm_mitotype(s) is not None
                                for s in self.samples], dtype=bool)
        self._scorer: RowScorer | None = None

    @property
    def results(self) -> dict[tuple[str, str, str], LineageResult]:
        """The full results computed so far (:meth:`result`)."""
        return self.cache.results

    def result(self, row: int, sample: int) -> LineageResult:
        """The :class:`LineageResult` of one pair, by
        :func:`~forensic_match.lineage.lr.lineage_lr` (computed once, then kept): its log10
        LR is the one :meth:`block` gives (to 1e-9), with references, meioses and texts."""
        fid, mid = self.rows[row]
        key = (fid, mid, self.samples[sample].id)
        if key not in self.results:
            self.results[key] = lineage_lr(self.samples[sample], self.families[fid], mid,
                                           self.data, **self.options)
        return self.results[key]

    def log10(self, row: int, sample: int) -> float:
        """The lineage log10 LR of one pair, as :meth:`block` gives it (from the cache when
        its row was scored)."""
        if not self._typed[sample]:
            return 0.0
        value = self.cache.row(self.rows[row])[0][self._columns[sample]]
        if np.isnan(value):
            self.block(np.array([row]))
            value = self.cache.row(self.rows[row])[0][self._columns[sample]]
        return float(value)

    def block(self, rows: np.ndarray) -> np.ndarray:
        """log10 lineage LR (plus ``also``'s) of ``rows`` against every sample.

        Each row is scored against all samples at once by
        :class:`~forensic_match.lineage.fast.RowScorer` (equal to
        :func:`~forensic_match.lineage.lr.lineage_lr` to 1e-9 in log10,
        ``tests/test_lineage_fast.py``) the first time it is asked for, then read from the
        cache."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((rows.size, len(self.samples)))
        typed = self._typed
        cols = self._columns
        for i, r in enumerate(rows.tolist()):
            key = self.rows[r]
            vals, comp = self.cache.row(key)
            if np.isnan(vals[cols[typed]]).any():
                if self._scorer is None:
                    self._scorer = RowScorer(self.samples, self.data, self.cache,
                                             **self.options)
                log10, seen = self._scorer.row(self.families[key[0]], key[1])
                vals, comp = self.cache.row(key)
                vals[cols[typed]] = log10[typed]
                comp[cols[typed]] = seen[typed]
            out[i] = np.where(typed, vals[cols], 0.0)
        if self.also is not None:
            out += np.asarray(self.also.block(rows), dtype=np.float64)
        return out


def excluded_by_lineage(candidates: Any, scores: LineageScores, *, threshold: float,
                        warn: bool = True) -> list[dict[str, Any]]:
    """The pairs among ``candidates`` that lineage markers alone exclude (lineage LR 0) and
    that would reach ``threshold`` with the loci that exclude them set aside, with one
    :class:`~forensic_match.errors.LineageMarkerWarning` naming them (``warn``).

    A Y LR is 0 when a locus differs by a partial-repeat digit (``25`` against ``25.2``) or by
    more repeats than the meioses reach (``docs/lineage.md``, section 2): a stated rule of the
    step model, but also what one sizing miscall in a degraded bone sample gives, and the pair
    is then in no output (pairs, family level, held back): a body whose autosomal LR with the
    missing man was 577 and whose Y and mtDNA LRs would have made it 1.3e7 vanished without a
    word (outside check of 2026-12-06).

    A pair on a line with one typed man is screened first by an upper bound of its LR
    without the excluding loci (the product of the other differing loci's probabilities,
    over the least frequency the databases can give: ``1 / (N + 1)``, divided by ``1 -
    theta``), so that the full LRs are computed only for pairs that may reach
    ``threshold``; with Brenner's kappa or discrete Laplace frequencies, or several typed men
    on the line, every excluded candidate is computed.

    Parameters
    ----------
    candidates : polars.DataFrame
        ``pm``, ``family``, ``missing`` and ``log10_lr``: the bodies' best candidates by their
        autosomal LR alone (``SearchResult.by_sample`` of a search without lineage scores).
    scores : LineageScores
        The lineage scores of the search (their cache makes the lineage LR a lookup); the
        pairs' full results come from :meth:`LineageScores.result`.
    threshold : float
        log10 LR from which a pair is listed (the search's ``threshold``).

    Returns
    -------
    list of dict
        ``pm``, ``family``, ``missing``, ``dna_log10_lr``, ``without_log10_lr`` (autosomal +
        lineage log10 LR with the excluding loci set aside) and ``lineage`` (what excluded
        the pair, in words), by decreasing ``without_log10_lr``.
    """
    row_of = {key: r for r, key in enumerate(scores.rows)}
    sample_of = {s.id: j for j, s in enumerate(scores.samples)}
    excluded = []
    lines: dict[tuple[str, str], Any] = {}
    for p in candidates.iter_rows(named=True):
        r, j = row_of.get((p["family"], p["missing"])), sample_of.get(p["pm"])
        if r is None or j is None or scores.log10(r, j) != -np.inf:
            continue
        if _below(scores, r, j, float(p["log10_lr"]), threshold, lines):
            continue
        res = scores.result(r, j)
        if res.y is None or res.y.lr > 0:   # mtDNA is 0 only by underflow: no near miss
            continue
        shown, without = _without_excluding_loci(scores, r, j, res)
        total = float(p["log10_lr"]) + without
        if total < threshold:
            continue
        excluded.append({"pm": p["pm"], "family": p["family"], "missing": p["missing"],
                         "dna_log10_lr": float(p["log10_lr"]), "without_log10_lr": total,
                         "lineage": f"Y against {res.y.reference}, {res.y.meioses} "
                                    f"{'meiosis' if res.y.meioses == 1 else 'meioses'}: "
                                    f"{shown}"})
    excluded.sort(key=lambda e: -e["without_log10_lr"])
    if excluded and warn:
        shown = "; ".join(f"body {e['pm']} ~ {e['missing']!r} of family {e['family']!r}: "
                          f"autosomal LR {10 ** e['dna_log10_lr']:.3g}, with the lineage "
                          f"markers except these loci {10 ** e['without_log10_lr']:.3g} "
                          f"({e['lineage']})" for e in excluded[:5])
        more = f"; and {len(excluded) - 5} more" if len(excluded) > 5 else ""
        warnings.warn(f"lineage markers alone exclude {len(excluded)} pairs that would reach "
                      f"log10 LR {threshold:g} without the Y loci that exclude them, so they "
                      f"are in no output (pairs, family level, held back): {shown}{more}. A "
                      f"partial-repeat change (25 against 25.2) or more repeat steps than the "
                      f"meioses allow has probability 0 in the Y step model (docs/lineage.md, "
                      f"section 2): check these loci for a sizing or typing error",
                      LineageMarkerWarning, stacklevel=3)
    return excluded


def _without_excluding_loci(scores: LineageScores, row: int, sample: int,
                            res: LineageResult) -> tuple[str, float]:
    """The Y loci that make a pair's Y LR 0 (pairwise probability 0 against the nearest
    reference; every differing locus when the zero comes from the line's tree), in words
    (``"DYS458 25 -> 25.2"``), and the pair's lineage log10 LR with them left out of the PM
    haplotype."""
    assert res.y is not None
    fid, mid = scores.rows[row]
    family, pm = scores.families[fid], scores.samples[sample]
    data = scores.data
    ref = data.read_y(family_y_haplotypes(family)[res.y.reference]) or {}
    hap = data.read_y(pm_y_haplotype(pm)) or {}
    panel = {m.key: m for m in data.markers}
    multistep = scores.options.get("multistep", MULTISTEP_FRACTION)
    differing = [k for k in res.y.compared if ref[k] != hap[k]]
    loci = [k for k in differing
            if locus_probability(ref[k], hap[k], rate=panel[k].rate, copies=panel[k].copies,
                                 meioses=res.y.meioses, multistep=multistep) == 0] \
        or differing
    shown = ", ".join(f"{k} {'/'.join(ref[k])} -> {'/'.join(hap[k])}" for k in loci)
    kept = {k: v for k, v in hap.items() if k not in loci}
    mt = res.mtdna.log10_lr if res.mtdna is not None else 0.0
    if not kept:
        return shown, mt
    again = lineage_lr(dataclasses.replace(pm, ystr=kept), family, mid, data, **scores.options)
    return shown, again.log10_lr


def _below(scores: LineageScores, row: int, sample: int, dna: float, threshold: float,
           lines: dict[tuple[str, str], Any]) -> bool:
    """Whether an upper bound of the pair's log10 LR with the impossible Y loci set aside
    stays below ``threshold``: with one typed man on the line, the numerator is at most the
    product of the other differing loci's probabilities and each frequency at least
    ``(1 - theta) / (N + 1)``. ``False`` when no bound is taken (kappa, disclap, a joint
    line).
    ``lines`` keeps each row's line (nearest typed man, meioses, whether he is alone)."""
    opt = {**OPTIONS, **scores.options}
    data = scores.data
    if opt["y_method"] in ("kappa", "disclap") or data.y_database is None:
        return False    # kappa's frequency has no such floor; disclap compares fewer loci
    key = scores.rows[row]
    if key not in lines:
        family = scores.families[key[0]]
        refs = family_y_haplotypes(family)
        links = lineage_links(family.pedigree, key[1], "Y", among=sorted(refs))
        lines[key] = (data.read_y(refs[links[0].relative]), links[0].meioses,
                      len(links) == 1 or opt["references"] == "nearest") if links else None
    line = lines[key]
    if line is None or not line[2]:
        return False
    ref, meioses, _ = line
    hap = data.read_y(pm_y_haplotype(scores.samples[sample])) or {}
    panel = {m.key: m for m in data.markers}
    bound = 0.0
    for k in set(ref) & set(hap) & set(panel):
        if len(ref[k]) != len(hap[k]) or sorted(ref[k]) == sorted(hap[k]):
            continue
        p = locus_probability(sorted(ref[k], key=split_allele),
                              sorted(hap[k], key=split_allele), rate=panel[k].rate,
                              copies=panel[k].copies, meioses=meioses,
                              multistep=opt["multistep"])
        if p > 0:
            bound += math.log10(p)
    bound += math.log10(len(data.y_database.haplotypes) + 1) - math.log10(1 - opt["y_theta"])
    if data.mt_database is not None and pm_mitotype(scores.samples[sample]) is not None:
        bound += math.log10(len(data.mt_database.mitotypes) + 1) \
            - math.log10(1 - opt["mt_theta"])
    return dna + bound < threshold
