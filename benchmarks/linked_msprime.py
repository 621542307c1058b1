"""Power of the pairwise linked-SNP LR on pairs whose meioses msprime simulates (issue 11).

Usage::

    python benchmarks/linked_msprime.py                       # 50 pairs per relationship
    python benchmarks/linked_msprime.py --pairs 300 --unrelated 2000 --seed 1

The project's own power table (``benchmarks/linked_power.py``) gene-drops its pairs with
``forensic_match/linked/simulate.py``, written by the same hands as the likelihood. Here the
meioses come from an independent, widely used simulator: msprime's fixed-pedigree ancestry
model (Baumdicker et al. 2022, *Genetics* 220:iyab229; the pedigree model: Anderson-Trocme
et al. 2023, *Genetics*). For each relationship of ``RELATIONSHIPS``:

1. its pedigree (``Relationship.pedigree``, intermediate sexes drawn at random per pair as in
   ``linked_power.py``) becomes an msprime pedigree, each person one generation above his
   deepest child, the two persons of the pair the samples;
2. msprime simulates the ancestry of the samples' genomes through that pedigree only (the
   simulation is not continued beyond its founders), over the 22 autosomes laid end to end:
   within a chromosome the recombination rate between consecutive FORCE SNPs is the
   **sex-averaged** deCODE 2019 map distance, ``(cm_male + cm_female) / 2``, in Morgans
   divided by the physical distance (msprime's pedigree model has one map for both sexes);
   between chromosomes a gap of ``GAP_BP`` bases carries ``GAP_MORGANS`` Morgans, so an odd
   number of crossovers there (a switch of parental copy) has probability
   ``(1 - exp(-2 GAP_MORGANS)) / 2``, 1/2 to 1e-17: free recombination. The genome is
   continuous (``discrete_genome=False``);
3. founder alleles are dropped: every founder genome copy (msprime node) gets at each SNP an
   allele drawn from the panel frequencies ``freq_a1``; each sample genome copy takes, at each
   SNP, the allele of the founder copy at the root of its tree there (the founder it
   descends from);
4. calls are degraded with ``linked.simulate.degrade`` (genotype error, then missing calls:
   FORMAT.md's model; it draws no meiosis).

Each pair is scored against unrelated with the pair HMM under two maps: (a) the panel's
sex-specific map with the pair's intermediate sexes (the default model, mildly misspecified
against the sex-averaged simulation) and (b) a panel whose male and female positions are both
the average (the model that matches the simulation). Unrelated pairs are two founders' genomes
(independent allele draws: msprime plays no part in them), scored against every relationship
with both maps. Scores use ``pair_log_likelihood`` with an emission table (the likelihood
that ``linked_kinship_lr`` calls, with its emissions looked up instead of computed); the first
pair of each relationship is also scored with ``linked_kinship_lr`` and must agree to 1e-9.

Controls: ``--simulator own-averaged`` (or ``own``) drops the genes with the project's own
simulator on the sex-averaged (or sex-specific) map instead of msprime; ``--out`` writes the
per-pair log10 LRs and IBD sharing, and ``--compare A.csv B.csv`` compares two such files
(``docs/validation.md``, "Linked SNPs on pairs simulated by msprime").
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import platform
import time
from datetime import datetime, timezone
from functools import cache

import numpy as np

from forensic_match.linked import (
    RELATIONSHIPS,
    linked_kinship_lr,
    load_force_panel,
    pair_log_likelihood,
)
from forensic_match.linked.pair import _unrelated_process, emission_table, pair_process
from forensic_match.linked.panel import SnpPanel
from forensic_match.linked.simulate import degrade, drop_labels
from forensic_match.pedigree import Pedigree

THRESHOLDS = (10.0, 100.0, 1e3, 1e4)
#: Morgans across the gap between two chromosomes (free recombination), spread over
#: ``GAP_BP`` bases: with 20 Morgans over a single base, two crossovers can fall on the same
#: floating-point coordinate (positions reach ~3e9) and msprime 1.4.4 aborts on an internal
#: assertion (seen at seed 137 of full siblings); spread over a megabase they cannot.
GAP_MORGANS = 20.0
GAP_BP = 1e6
#: The project's own simulator's LR >= 1e4 fractions (docs/validation.md, "Linked SNPs:
#: power on the FORCE panel": 1,000 pairs each, seed 1, 1% error, 30% missing calls).
OWN_SIMULATOR = {
    "parent-child": 1.000, "full siblings": 1.000, "half siblings": 1.000,
    "grandparent": 1.000, "avuncular": 1.000, "first cousins": 0.952,
    "half avuncular": 0.959, "great-grandparent": 0.957, "great-avuncular": 0.940,
    "first cousins once removed": 0.377, "half first cousins": 0.502,
    "great-great-grandparent": 0.509, "second cousins": 0.038,
    "first cousins twice removed": 0.026, "half first cousins once removed": 0.078,
}


def averaged_panel(panel: SnpPanel) -> SnpPanel:
    """The panel with both sex maps replaced by their average (the sex-averaged map)."""
    avg = (np.asarray(panel.cm_male) + np.asarray(panel.cm_female)) / 2.0
    return dataclasses.replace(panel, cm_male=avg.copy(), cm_female=avg.copy(),
                               source=f"{panel.source} (sex-averaged map)")


def genome_layout(panel: SnpPanel) -> tuple[object, np.ndarray]:
    """msprime ``RateMap`` of the panel's autosomes laid end to end, and each SNP's
    coordinate on it.

    Chromosome ``c`` occupies ``[o_c, o_c + (last bp - first bp)]`` with its SNPs at ``o_c +
    (bp - first bp)``; between consecutive SNPs the rate (crossovers per base per meiosis)
    is the sex-averaged map distance in Morgans over the physical distance; the next
    chromosome starts ``GAP_BP`` bases after the last SNP, the gap carrying ``GAP_MORGANS``
    Morgans in all.
    """
    import msprime

    bp = np.asarray(panel.mb, dtype=np.float64) * 1e6
    morgans = (np.asarray(panel.cm_male) + np.asarray(panel.cm_female)) / 200.0
    starts = np.flatnonzero(panel.chrom_start)
    ends = np.append(starts[1:], len(panel))
    coords = np.empty(len(panel))
    edges: list[float] = [0.0]
    rates: list[float] = []
    offset = 0.0
    for c, (lo, hi) in enumerate(zip(starts, ends)):
        x = offset + bp[lo:hi] - bp[lo]
        if np.any(np.diff(x) <= 0.0):
            raise ValueError(f"chromosome {panel.chrom[lo]}: SNPs must have increasing bp")
        coords[lo:hi] = x
        if c > 0:  # the gap before this chromosome: edges[-1] is the previous last SNP
            rates.append(GAP_MORGANS / GAP_BP)
            edges.append(x[0])
        d = np.diff(morgans[lo:hi]) / np.diff(x)
        rates.extend(np.maximum(d, 0.0).tolist())
        edges.extend(x[1:].tolist())
        offset = x[-1] + GAP_BP
    rates.append(0.0)
    edges.append(offset)
    return msprime.RateMap(position=edges, rate=rates), coords


def _generations(ped: Pedigree) -> dict[str, int]:
    """Each person's generation: 0 for a person without children, else one above his
    deepest child (msprime needs parents strictly older than their children)."""
    gen: dict[str, int] = {}
    for k in reversed(ped.topological_order):
        ident = ped.ids[k]
        gen[ident] = 1 + max((gen[c] for c in ped.children(ident)), default=-1)
    return gen


def msprime_pedigree(ped: Pedigree, samples: tuple[str, ...], length: float,
                     ) -> tuple[object, dict[str, int]]:
    """msprime pedigree tables of ``ped`` with ``samples`` marked as samples, and each
    person's msprime individual id (his genome copies are nodes ``2 id`` and ``2 id + 1``:
    the first from the parent listed first, here the father)."""
    import msprime

    gen = _generations(ped)
    builder = msprime.PedigreeBuilder()
    ids: dict[str, int] = {}
    for k in ped.topological_order:
        ident = ped.ids[k]
        parents = ped.parents(ident)
        ids[ident] = builder.add_individual(
            time=gen[ident], is_sample=ident in samples,
            parents=None if parents is None else [ids[parents[0]], ids[parents[1]]])
    return builder.finalise(sequence_length=length), ids


def founder_labels(ped: Pedigree, samples: tuple[str, ...], ratemap: object,
                   coords: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Founder genome copy (msprime node id) that each of the samples' two genome copies
    descends from at each SNP, ``{sample: array (2, SNPs)}``, from one msprime
    fixed-pedigree simulation.

    Every root of every tree must be a genome copy of a founder of ``ped`` (an individual
    without parents): the simulation is not continued beyond the pedigree.
    """
    import msprime

    tables, ids = msprime_pedigree(ped, samples, ratemap.sequence_length)  # type: ignore
    ts = msprime.sim_ancestry(initial_state=tables, model="fixed_pedigree",
                              recombination_rate=ratemap, discrete_genome=False,
                              random_seed=seed)
    nodes = [2 * ids[s] + h for s in samples for h in (0, 1)]
    founder_nodes = {2 * ids[f] + h for f in ped.founders for h in (0, 1)}
    out = np.empty((len(nodes), coords.size), dtype=np.int64)
    lefts = ts.breakpoints(as_array=True)
    first = np.searchsorted(coords, lefts[:-1], side="left")
    last = np.searchsorted(coords, lefts[1:], side="left")
    for tree, lo, hi in zip(ts.trees(), first, last):
        if lo == hi:
            continue
        for j, u in enumerate(nodes):
            while (p := tree.parent(u)) != -1:
                u = p
            out[j, lo:hi] = u
    bad = set(np.unique(out).tolist()) - founder_nodes
    if bad:
        raise AssertionError(f"tree roots {sorted(bad)} are not founder genome copies")
    return {s: out[2 * k:2 * k + 2] for k, s in enumerate(samples)}


def founder_alleles(labels: dict[str, np.ndarray], freq_a1: np.ndarray,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Haplotypes (2, SNPs; 1 = allele 1) of the samples: each founder genome copy carries
    at each SNP an allele drawn from ``freq_a1``, passed to the sample copies that descend
    from it."""
    used = np.unique(np.concatenate([lab.ravel() for lab in labels.values()]))
    alleles = (rng.random((used.size, freq_a1.size)) < freq_a1).astype(np.int8)
    cols = np.arange(freq_a1.size)
    return {s: alleles[np.searchsorted(used, lab), cols] for s, lab in labels.items()}


def ibd_count(labels: dict[str, np.ndarray], first: str, second: str) -> np.ndarray:
    """Genes (0, 1, 2) shared identical by descent by the two samples at each SNP (no
    inbreeding: each person's two copies come from different founders' lines)."""
    a, b = labels[first], labels[second]
    return ((a[0] == b[0]) | (a[0] == b[1])).astype(np.int64) + \
        ((a[1] == b[0]) | (a[1] == b[1])).astype(np.int64)


@cache
def _scoring(name: str, first_line: str, second_line: str, error: float, averaged: bool,
             ) -> tuple[object, object, np.ndarray]:
    rel = RELATIONSHIPS[name]
    panel = load_force_panel()
    panel = averaged_panel(panel) if averaged else panel
    ped = rel.pedigree(first_line=first_line if rel.up_first > 0 else None,
                       second_line=second_line)
    proc = pair_process(ped, "A", "B")
    return ped, proc, emission_table(proc, panel, error=(error, error))


@cache
def _panels() -> tuple[SnpPanel, SnpPanel]:
    panel = load_force_panel()
    return panel, averaged_panel(panel)


@cache
def _unrelated_table(error: float, averaged: bool) -> np.ndarray:
    return emission_table(_unrelated_process("A", "B"), _panels()[int(averaged)],
                          error=(error, error))


def score(name: str, lines: tuple[str, str], a: np.ndarray, b: np.ndarray, error: float,
          averaged: bool) -> float:
    """log10 LR of relationship ``name`` (intermediate sexes ``lines``) against unrelated."""
    panel = _panels()[int(averaged)]
    _, proc, table = _scoring(name, lines[0], lines[1], error, averaged)
    h1 = pair_log_likelihood(proc, panel, a, b, table=table)  # type: ignore[arg-type]
    h0 = pair_log_likelihood(_unrelated_process("A", "B"), panel, a, b,
                             table=_unrelated_table(error, averaged))
    return (h1 - h0) / math.log(10.0)


def _check_api(name: str, lines: tuple[str, str], a: np.ndarray, b: np.ndarray,
               error: float, averaged: bool, value: float) -> None:
    """The same LR through the public ``linked_kinship_lr`` (profiles as allele pairs)."""
    panel = _panels()[int(averaged)]
    ped = _scoring(name, lines[0], lines[1], error, averaged)[0]

    def profile(codes: np.ndarray) -> dict[str, tuple[str, str]]:
        out = {}
        for m, c in zip(panel.markers, codes):
            if c >= 0:
                a1, a2 = m.alleles
                out[m.name] = ((a1, a1), (a1, a2), (a2, a2))[2 - int(c)]
        return out

    res = linked_kinship_lr(ped, None, panel, {"A": profile(a), "B": profile(b)},  # type: ignore
                            first="A", second="B", genotype_error={"A": error, "B": error})
    if abs(res.log10_lr - value) > 1e-9:
        raise AssertionError(f"{name}: linked_kinship_lr {res.log10_lr} != {value}")


def compare(first: str, second: str) -> None:
    """Per relationship, two ``--out`` files side by side: LR >= 1e4 fractions (sex-specific
    map) with the standard error of their difference, and the two-sample Kolmogorov-Smirnov
    p-value of the log10 LRs under both maps and of the IBD sharing."""
    import polars as pl
    from scipy.stats import ks_2samp

    a, b = pl.read_csv(first), pl.read_csv(second)
    sims = (a["simulator"][0], b["simulator"][0])
    print(f"| relationship | LR >= 1e4 {sims[0]} | {sims[1]} | difference (SE) | KS p, "
          f"sex-specific map | KS p, averaged map | KS p, IBD sharing |")
    print("|---|---|---|---|---|---|---|")
    for name in a["relationship"].unique(maintain_order=True):
        x, y = (t.filter(pl.col("relationship") == name) for t in (a, b))
        p = [float(np.mean(t["log10_lr_sex_specific"].to_numpy() >= 4.0)) for t in (x, y)]
        se = math.sqrt(p[0] * (1 - p[0]) / x.height + p[1] * (1 - p[1]) / y.height)
        ks = [ks_2samp(x[c].to_numpy(), y[c].to_numpy()).pvalue
              for c in ("log10_lr_sex_specific", "log10_lr_averaged", "ibd_sharing")]
        print(f"| {name} | {p[0]:.3f} | {p[1]:.3f} | {p[0] - p[1]:+.3f} ({se:.3f}) | "
              + " | ".join(f"{v:.2f}" for v in ks) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--unrelated", type=int, default=500)
    parser.add_argument("--error", type=float, default=0.01)
    parser.add_argument("--missing", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--relationships", default="",
                        help="comma-separated names (default: all of RELATIONSHIPS)")
    parser.add_argument("--simulator", choices=("msprime", "own-averaged", "own"),
                        default="msprime",
                        help="meioses by msprime (default), or, as a control, by the "
                        "project's own gene drop on the sex-averaged map or on the "
                        "sex-specific map")
    parser.add_argument("--out", default="",
                        help="CSV file for the per-pair log10 LRs and IBD sharing")
    parser.add_argument("--compare", nargs=2, metavar="CSV",
                        help="compare two --out files instead of simulating")
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    import msprime

    names = [n.strip() for n in args.relationships.split(",") if n.strip()] or \
        list(RELATIONSHIPS)
    panel = load_force_panel()
    p = panel.freq_a1
    ratemap, coords = genome_layout(panel)
    rng = np.random.default_rng(args.seed)
    start, cpu0 = time.perf_counter(), time.process_time()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    sim_panel = panel if args.simulator == "own" else averaged_panel(panel)
    simulator = {"msprime": f"msprime {msprime.__version__} fixed pedigree, sex-averaged",
                 "own-averaged": "own gene drop (linked/simulate.py), sex-averaged",
                 "own": "own gene drop (linked/simulate.py), sex-specific"}[args.simulator]
    print(f"FORCE panel, {len(panel)} SNPs; {simulator} deCODE 2019 map; genotype error "
          f"{args.error}, missing calls "
          f"{args.missing}; {args.pairs} pairs per relationship, seed {args.seed}; "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"load {load:.1f}\n")
    print("| degree | relationship | pairs | LR >= 1e4, sex-specific map | LR >= 1e4, "
          "averaged map | own simulator at 1% error, 30% missing (1,000 pairs) | "
          "median log10 LR (sex-specific / averaged) | mean IBD sharing (expected) |")
    print("|---|---|---|---|---|---|---|---|")
    sim_cpu = 0.0
    rows: list[str] = []
    for name in names:
        rel = RELATIONSHIPS[name]
        logs = np.empty((args.pairs, 2))
        sharing = np.empty(args.pairs)
        for k in range(args.pairs):
            lines = tuple("".join(rng.choice(["M", "F"], size=max(up - 1, 0)))
                          for up in (rel.up_first, rel.up_second))
            ped = _scoring(name, lines[0], lines[1], args.error, False)[0]
            t0 = time.process_time()
            if args.simulator == "msprime":
                labels = founder_labels(ped, ("A", "B"), ratemap,  # type: ignore[arg-type]
                                        coords, seed=int(rng.integers(1, 2**31 - 1)))
            else:  # the control: the project's own gene drop on the chosen map
                labels = drop_labels(ped, sim_panel, rng)  # type: ignore[arg-type]
            sim_cpu += time.process_time() - t0
            sharing[k] = ibd_count(labels, "A", "B").mean() / 2.0
            haps = founder_alleles(labels, p, rng)
            a, b = (degrade(haps[s], p, rng, error=args.error, missing=args.missing)
                    for s in ("A", "B"))
            for j, averaged in enumerate((False, True)):
                logs[k, j] = score(name, lines, a, b, args.error, averaged)  # type: ignore
                if k == 0:
                    _check_api(name, lines, a, b, args.error, averaged,  # type: ignore
                               logs[k, j])
        rows += [f"{name},{k},{args.simulator},{logs[k, 0]:.6f},{logs[k, 1]:.6f},"
                 f"{sharing[k]:.6f}" for k in range(args.pairs)]
        frac = np.mean(logs >= 4.0, axis=0)
        med = np.median(logs, axis=0)
        print(f"| {rel.degree} | {name} | {args.pairs} | {frac[0]:.3f} | {frac[1]:.3f} | "
              f"{OWN_SIMULATOR[name]:.3f} | {med[0]:.2f} / {med[1]:.2f} | "
              f"{sharing.mean():.4f} ({2 * rel.kinship:.4f}) |", flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("relationship,pair,simulator,log10_lr_sex_specific,log10_lr_averaged,"
                     "ibd_sharing\n" + "".join(r + "\n" for r in rows))
    per_pair = sim_cpu / max(len(names) * args.pairs, 1)
    print(f"\n{args.simulator} gene drop: {per_pair:.3f} s CPU per pair")
    print(f"\nUnrelated pairs ({args.unrelated}, two founders) scored against each "
          f"relationship: fraction with LR >= t (bound 1/t), sex-specific / averaged map\n")
    print("| relationship | " + " | ".join(f"t = {t:g}" for t in THRESHOLDS)
          + " | max log10 LR |")
    print("|---|" + "---|" * (len(THRESHOLDS) + 1))
    fixed = {n: ("M" * max(RELATIONSHIPS[n].up_first - 1, 0),
                 "F" * (RELATIONSHIPS[n].up_second - 1)) for n in names}
    scores = {n: np.empty((args.unrelated, 2)) for n in names}
    for k in range(args.unrelated):
        a, b = (degrade((rng.random((2, len(panel))) < p).astype(np.int8), p, rng,
                        error=args.error, missing=args.missing) for _ in range(2))
        for n in names:
            for j, averaged in enumerate((False, True)):
                scores[n][k, j] = score(n, fixed[n], a, b, args.error, averaged)
    for n, s in scores.items():
        cells = " | ".join(f"{np.mean(s[:, 0] >= math.log10(t)):.4f} / "
                           f"{np.mean(s[:, 1] >= math.log10(t)):.4f}" for t in THRESHOLDS)
        print(f"| {n} | {cells} | {s[:, 0].max():.2f} / {s[:, 1].max():.2f} |")
    print(f"\n{time.perf_counter() - start:.0f} s wall, {time.process_time() - cpu0:.0f} s CPU")


if __name__ == "__main__":
    main()
