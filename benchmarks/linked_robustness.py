"""Robustness of the pairwise linked-SNP LR when the data break the model's assumptions.

Usage::

    python benchmarks/linked_robustness.py                           # every setting
    python benchmarks/linked_robustness.py --settings "fst 0.02,ld 0.5" --pairs 300
    python benchmarks/linked_robustness.py --analysis-fst 0.02       # the theta remedy

Pairs are simulated as in ``benchmarks/linked_power.py`` (gene dropping on the deCODE 2019
sex-specific map, intermediate sexes drawn per pair, ``--missing`` missing calls) but in a
world that differs from the model in one respect (a *setting*); the analysis keeps its
defaults: the panel's frequencies, ``--analysis-error`` genotype error, ``--analysis-fst``
coancestry (0: the model as it was). Settings:

- ``model``: the model's own world (1% genotype error), the reference row;
- ``fst F``: population substructure: for each pair (related or unrelated) the founders come
  from one subpopulation whose frequencies are Balding-Nichols draws with F_ST = F around the
  panel's (``simulate.balding_nichols``), drawn afresh per pair;
- ``error E``: genotype error E in the data (the analysis assumes ``--analysis-error``);
- ``other F``: another population: one frequency vector drawn once per run as in ``fst F``
  (a fixed population, not a mixture of subpopulations);
- ``shift D``: another population: each SNP's frequency moved by D up or down (random sign),
  clipped to [0.01, 0.99];
- ``ld R``: crude linkage disequilibrium between neighbouring SNPs (founder alleles copied in
  blocks, copy probability R; ``simulate.founder_haplotypes``), frequencies unchanged.

For each setting: the fraction of related pairs with LR >= 1e4 (one relationship per degree)
and, for unrelated pairs scored against each of these relationships, P(LR >= t) for t = 10,
100, 1e3, 1e4, to compare with the bound 1/t (Markov's inequality, which holds when the
model is right). A column "worst t P" gives max over t of t P(LR >= t) (above 1 breaks the
bound). Results and the command: ``docs/validation.md`` ("Linked SNPs: robustness").
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
from datetime import datetime, timezone
from functools import cache

import numpy as np

from forensic_match.linked import RELATIONSHIPS, load_force_panel, pair_log_likelihood
from forensic_match.linked.pair import (
    PairProcess,
    _unrelated_process,
    emission_table,
    pair_process,
)
from forensic_match.linked.simulate import (
    balding_nichols,
    degrade,
    drop_genes,
    founder_haplotypes,
)

THRESHOLDS = (10.0, 100.0, 1e3, 1e4)
#: One relationship per degree (1-5).
CHOSEN = ("full siblings", "half siblings", "first cousins", "first cousins once removed",
          "second cousins")
DEFAULT_SETTINGS = ("model", "fst 0.01", "fst 0.02", "fst 0.05", "error 0", "error 0.03",
                    "error 0.05", "other 0.05", "other 0.1", "shift 0.1", "ld 0.5", "ld 0.9")


@cache
def _process(name: str, first_line: str, second_line: str, error: float, fst: float,
             ) -> tuple[object, PairProcess, np.ndarray]:
    rel = RELATIONSHIPS[name]
    ped = rel.pedigree(first_line=first_line if rel.up_first > 0 else None,
                       second_line=second_line)
    proc = pair_process(ped, "A", "B")
    return ped, proc, emission_table(proc, load_force_panel(), error=(error, error), fst=fst)


def _world(setting: str, p: np.ndarray, rng: np.random.Generator,
           ) -> tuple[float, float, np.ndarray | None, float]:
    """(simulated error, per-pair F_ST, fixed population frequencies or None, ld)."""
    kind, _, value = setting.partition(" ")
    v = float(value) if value else 0.0
    if kind == "model":
        return 0.01, 0.0, None, 0.0
    if kind == "fst":
        return 0.01, v, None, 0.0
    if kind == "error":
        return v, 0.0, None, 0.0
    if kind == "other":
        return 0.01, 0.0, balding_nichols(p, v, rng), 0.0
    if kind == "shift":
        sign = rng.choice([-1.0, 1.0], size=p.size)
        return 0.01, 0.0, np.clip(p + sign * v, 0.01, 0.99), 0.0
    if kind == "ld":
        return 0.01, 0.0, None, v
    raise SystemExit(f"unknown setting {setting!r}")


def run_setting(setting: str, index: int, args: argparse.Namespace) -> list[str]:
    panel = load_force_panel()
    p = panel.freq_a1
    rng = np.random.default_rng([args.seed, index])
    error, fst, fixed, ld = _world(setting, p, rng)
    afst, aerr = args.analysis_fst, args.analysis_error
    unrelated = _unrelated_process("A", "B")
    base_table = emission_table(unrelated, panel, error=(aerr, aerr), fst=afst)

    def freqs() -> np.ndarray:
        if fixed is not None:
            return fixed
        return balding_nichols(p, fst, rng) if fst > 0 else p

    def pair(ped: object) -> tuple[np.ndarray, np.ndarray]:
        q = freqs()
        haps = drop_genes(ped, panel, rng, freq_a1=q, ld=ld)  # type: ignore[arg-type]
        return tuple(degrade(haps[i], q, rng, error=error, missing=args.missing)  # type: ignore
                     for i in ("A", "B"))

    related = {}
    for name in CHOSEN:
        rel = RELATIONSHIPS[name]
        logs = np.empty(args.pairs)
        for k in range(args.pairs):
            lines = ["".join(rng.choice(["M", "F"], size=max(up - 1, 0)))
                     for up in (rel.up_first, rel.up_second)]
            ped, proc, table = _process(name, lines[0], lines[1], aerr, afst)
            a, b = pair(ped)
            logs[k] = (pair_log_likelihood(proc, panel, a, b, table=table)
                       - pair_log_likelihood(unrelated, panel, a, b, table=base_table)
                       ) / math.log(10)
        related[name] = logs
    procs = {name: _process(name, "M" * max(r.up_first - 1, 0), "F" * (r.up_second - 1),
                            aerr, afst)[1:]
             for name, r in ((n, RELATIONSHIPS[n]) for n in CHOSEN)}
    scores = {name: np.empty(args.unrelated) for name in CHOSEN}
    for k in range(args.unrelated):
        q = freqs()
        haps = founder_haplotypes(q, 4, rng, chrom_start=panel.chrom_start, ld=ld)
        a, b = (degrade(haps[2 * j:2 * j + 2], q, rng, error=error, missing=args.missing)
                for j in (0, 1))
        base = pair_log_likelihood(unrelated, panel, a, b, table=base_table)
        for name, (proc, table) in procs.items():
            scores[name][k] = (pair_log_likelihood(proc, panel, a, b, table=table) - base) \
                / math.log(10)
    lines = []
    for name in CHOSEN:
        s = scores[name]
        frac = [float(np.mean(s >= math.log10(t))) for t in THRESHOLDS]
        worst = max(t * f for t, f in zip(THRESHOLDS, frac))
        cells = " | ".join(f"{f:.4f}" for f in frac)
        lines.append(f"| {setting} | {RELATIONSHIPS[name].degree} | {name} | "
                     f"{np.mean(related[name] >= 4):.3f} | {cells} | {worst:.2f} | "
                     f"{np.median(s):.2f} | {s.max():.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=",".join(DEFAULT_SETTINGS))
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--unrelated", type=int, default=2000)
    parser.add_argument("--missing", type=float, default=0.3)
    parser.add_argument("--analysis-error", type=float, default=0.01)
    parser.add_argument("--analysis-fst", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    start, cpu = time.perf_counter(), time.process_time()
    print(f"FORCE panel; missing calls {args.missing}; analysis: panel frequencies, genotype "
          f"error {args.analysis_error}, fst {args.analysis_fst}; {args.pairs} related pairs "
          f"per relationship, {args.unrelated} unrelated pairs, seed {args.seed}; "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, load "
          f"{os.getloadavg()[0]:.2f}\n")
    print("| setting | degree | relationship | related LR >= 1e4 | "
          + " | ".join(f"unrel. P(LR >= {t:g})" for t in THRESHOLDS)
          + " | worst t P | unrel. median log10 LR | unrel. max log10 LR |")
    print("|---|---|---|---|" + "---|" * (len(THRESHOLDS) + 3))
    for setting in settings:
        index = DEFAULT_SETTINGS.index(setting) if setting in DEFAULT_SETTINGS else \
            1000 + settings.index(setting)
        for line in run_setting(setting, index, args):
            print(line, flush=True)
    print(f"\n{time.perf_counter() - start:.0f} s wall, {time.process_time() - cpu:.0f} s CPU")


if __name__ == "__main__":
    main()
