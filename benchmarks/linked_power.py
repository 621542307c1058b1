"""Power of the pairwise linked-SNP LR on the FORCE panel, degrees 1 to 5, and the tail of the
LR for unrelated pairs.

Usage::

    python benchmarks/linked_power.py                    # 1,000 pairs per relationship
    python benchmarks/linked_power.py --pairs 200 --unrelated 500 --seed 2

Pairs are gene-dropped through each relationship's pedigree with crossovers on the deCODE 2019
sex-specific map (the sexes of the intermediate ancestors drawn at random per pair), then
typed with genotype error ``--error`` (a call replaced by a population draw) and
``--missing`` missing calls. Each pair's LR is the relationship's pedigree against unrelated,
computed with the same error rate. Unrelated pairs are scored against every relationship. The
markdown tables are printed; ``docs/validation.md`` holds a copy with the command.

By default the likelihood uses the pair's own intermediate sexes (known family tree). With
``--average-sexes`` they are unknown: the likelihood of the relationship is the mean over all
``2 ** k`` sex assignments of its ``k`` intermediate ancestors (equal prior), for related and
unrelated pairs alike. The common ancestor of a half relationship and the ancestor of a
lineal one are male in the simulation and the analysis (their sexes are not drawn).
"""

from __future__ import annotations

import argparse
import itertools
import math
import platform
import time
from datetime import datetime, timezone
from functools import cache

import numpy as np
from scipy.special import logsumexp

from forensic_match.linked import RELATIONSHIPS, load_force_panel, pair_log_likelihood
from forensic_match.linked.pair import (
    PairProcess,
    _unrelated_process,
    emission_table,
    pair_process,
)
from forensic_match.linked.simulate import degrade, simulate_pair

THRESHOLDS = (10.0, 100.0, 1e3, 1e4)


@cache
def _process(name: str, first_line: str, second_line: str, error: float,
             ) -> tuple[object, PairProcess, np.ndarray]:
    rel = RELATIONSHIPS[name]
    ped = rel.pedigree(first_line=first_line if rel.up_first > 0 else None,
                       second_line=second_line)
    proc = pair_process(ped, "A", "B")
    return ped, proc, emission_table(proc, load_force_panel(), error=(error, error))


def _all_lines(name: str) -> list[tuple[str, str]]:
    """Every assignment of sexes to the intermediate ancestors of both lines."""
    rel = RELATIONSHIPS[name]
    n1, n2 = max(rel.up_first - 1, 0), rel.up_second - 1
    return [("".join(x[:n1]), "".join(x[n1:]))
            for x in itertools.product("MF", repeat=n1 + n2)]


def _averaged(name: str, panel: object, a: np.ndarray, b: np.ndarray, error: float) -> float:
    """Natural log of the mean likelihood over the unknown intermediate sexes."""
    logs = [pair_log_likelihood(proc, panel, a, b, table=table)  # type: ignore[arg-type]
            for proc, table in (_process(name, f, s, error)[1:] for f, s in _all_lines(name))]
    return float(logsumexp(logs) - math.log(len(logs)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--unrelated", type=int, default=2000)
    parser.add_argument("--error", type=float, default=0.01)
    parser.add_argument("--missing", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--average-sexes", action="store_true",
                        help="average the likelihood over the unknown intermediate sexes")
    args = parser.parse_args()
    panel = load_force_panel()
    rng = np.random.default_rng(args.seed)
    err = (args.error, args.error)
    unrelated = _unrelated_process("A", "B")
    base_table = emission_table(unrelated, panel, error=err)
    start = time.perf_counter()
    print(f"FORCE panel, {len(panel)} SNPs; genotype error {args.error}, missing calls "
          f"{args.missing}; {args.pairs} pairs per relationship, seed {args.seed}; "
          f"intermediate sexes {'averaged' if args.average_sexes else 'known'}; "
          f"{datetime.now(timezone.utc):%Y-%m-%d}, {platform.node()}\n")
    print("| degree | relationship | pairs | LR >= 1e4 | median log10 LR | 5% log10 LR |")
    print("|---|---|---|---|---|---|")
    for name, rel in RELATIONSHIPS.items():
        logs = np.empty(args.pairs)
        for k in range(args.pairs):
            lines = ["".join(rng.choice(["M", "F"], size=max(up - 1, 0)))
                     for up in (rel.up_first, rel.up_second)]
            ped, proc, table = _process(name, lines[0], lines[1], args.error)
            a, b = simulate_pair(ped, "A", "B", panel, rng, error=args.error,  # type: ignore
                                 missing=args.missing)
            h1 = _averaged(name, panel, a, b, args.error) if args.average_sexes else \
                pair_log_likelihood(proc, panel, a, b, table=table)
            logs[k] = (h1 - pair_log_likelihood(unrelated, panel, a, b, table=base_table)
                       ) / math.log(10)
        print(f"| {rel.degree} | {name} | {args.pairs} | {np.mean(logs >= 4):.3f} | "
              f"{np.median(logs):.2f} | {np.percentile(logs, 5):.2f} |", flush=True)
    print(f"\nUnrelated pairs ({args.unrelated}) scored against each relationship: "
          f"fraction with LR >= t (bound 1/t)\n")
    print("| relationship | " + " | ".join(f"t = {t:g}" for t in THRESHOLDS) + " | max log10 LR |")
    print("|---|" + "---|" * (len(THRESHOLDS) + 1))
    procs = {name: _process(name, "M" * max(r.up_first - 1, 0), "F" * (r.up_second - 1),
                            args.error)[1:]
             for name, r in RELATIONSHIPS.items()}
    scores = {name: np.empty(args.unrelated) for name in RELATIONSHIPS}
    for k in range(args.unrelated):
        a, b = (degrade((rng.random((2, len(panel))) < panel.freq_a1).astype(np.int8),
                        panel.freq_a1, rng, error=args.error, missing=args.missing)
                for _ in range(2))
        base = pair_log_likelihood(unrelated, panel, a, b, table=base_table)
        for name, (proc, table) in procs.items():
            h1 = _averaged(name, panel, a, b, args.error) if args.average_sexes else \
                pair_log_likelihood(proc, panel, a, b, table=table)
            scores[name][k] = (h1 - base) / math.log(10)
    for name, s in scores.items():
        cells = " | ".join(f"{np.mean(s >= math.log10(t)):.4f}" for t in THRESHOLDS)
        print(f"| {name} | {cells} | {s.max():.2f} |")
    print(f"\n{time.perf_counter() - start:.0f} s wall, {time.process_time():.0f} s CPU")


if __name__ == "__main__":
    main()
