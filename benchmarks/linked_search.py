"""The unlinked screen before the linked HMM: its loss per relationship, and a search of PM
samples against references at programme scale.

Usage::

    python benchmarks/linked_search.py loss [--pairs 300 --unrelated 2000]
    python benchmarks/linked_search.py speed [--pm 1000 --references 10000 --threshold 2]

``loss``: for each relationship, gene-dropped pairs (FORCE panel, 1% genotype error, 30%
missing calls) get the screen score (unlinked log10 LR of the relationship's kappa) and the
HMM log10 LR; the loss at a screen threshold is the fraction of pairs with HMM LR >= 1e4 whose
screen score is below it. Unrelated pairs give the screen's pass rate (the HMM work left).
``speed``: ``--pm`` samples against ``--references`` independent references, screen with the
first-cousin kappa, HMM (first cousins) on the pairs at or above ``--threshold``; wall and CPU
times. ``--kernel loop`` screens with the plain loop (the oracle, the screen before the
blocked matrix-product kernel).
"""

from __future__ import annotations

import argparse
import math
import platform
import time

import numpy as np

from forensic_match.linked import RELATIONSHIPS, load_force_panel, pair_log_likelihood
from forensic_match.linked.pair import _unrelated_process, emission_table, pair_process
from forensic_match.linked.search import screen, screen_table, search_linked
from forensic_match.linked.simulate import degrade, simulate_pair

THRESHOLDS = (0.0, 1.0, 2.0, 3.0)


def _unrelated_codes(panel, rng, n, error, missing):
    return np.stack([degrade((rng.random((2, len(panel))) < panel.freq_a1).astype(np.int8),
                             panel.freq_a1, rng, error=error, missing=missing)
                     for _ in range(n)])


def loss(args: argparse.Namespace) -> None:
    panel = load_force_panel()
    rng = np.random.default_rng(args.seed)
    err = (args.error, args.error)
    unrelated = _unrelated_process("A", "B")
    x = _unrelated_codes(panel, rng, args.unrelated, args.error, args.missing)
    y = _unrelated_codes(panel, rng, args.unrelated, args.error, args.missing)
    head = " | ".join(f"lost @ {t:g}" for t in THRESHOLDS)
    print(f"{args.pairs} pairs per relationship, {args.unrelated} unrelated pairs, seed "
          f"{args.seed}\n")
    print(f"| relationship | HMM LR >= 1e4 | {head} | unrelated pass @ 0 / 1 / 2 / 3 |")
    print("|---|---|" + "---|" * len(THRESHOLDS) + "---|")
    for name, rel in RELATIONSHIPS.items():
        ped = rel.pedigree()
        proc = pair_process(ped, "A", "B")
        scr, hmm = np.empty(args.pairs), np.empty(args.pairs)
        for k in range(args.pairs):
            a, b = simulate_pair(ped, "A", "B", panel, rng, error=args.error,
                                 missing=args.missing)
            scr[k] = screen(panel, a[None], b[None], proc.kappa, error=args.error)[0, 0]
            hmm[k] = (pair_log_likelihood(proc, panel, a, b, error=err)
                      - pair_log_likelihood(unrelated, panel, a, b, error=err)) / math.log(10)
        found = hmm >= 4
        lost = " | ".join(f"{np.mean(found & (scr < t)) / max(found.mean(), 1e-300):.3f}"
                          for t in THRESHOLDS)
        table = screen_table(panel, proc.kappa, error=args.error)
        base = table[np.arange(len(panel)), x + 1, y + 1].sum(axis=1)
        passing = " / ".join(f"{np.mean(base >= t):.3f}" for t in THRESHOLDS)
        print(f"| {name} | {found.mean():.3f} | {lost} | {passing} |", flush=True)


def speed(args: argparse.Namespace) -> None:
    panel = load_force_panel()
    rng = np.random.default_rng(args.seed)
    proc = pair_process(RELATIONSHIPS["first cousins"].pedigree(), "A", "B")
    refs = _unrelated_codes(panel, rng, args.references, args.error, args.missing)
    pm = _unrelated_codes(panel, rng, args.pm, args.error, args.missing)
    search_linked(panel, pm[:2], refs[:2], proc, error=args.error)  # compile
    if args.kernel == "loop":
        from forensic_match.linked._screen_numba import screen_scores

        table = screen_table(panel, proc.kappa, error=args.error)
        screen_scores(table, pm[:2], refs[:2])
    c0, t0 = time.process_time(), time.perf_counter()
    if args.kernel == "loop":
        scores = screen_scores(table, pm.astype(np.int8), refs.astype(np.int8))
    else:
        scores = screen(panel, pm, refs, proc.kappa, error=args.error)
    c1, t1 = time.process_time(), time.perf_counter()
    passed = np.argwhere(scores >= args.threshold)
    err = (args.error, args.error)
    unrelated = _unrelated_process("A", "B")
    tables = [emission_table(p, panel, error=err) for p in (proc, unrelated)]
    for i, j in passed:
        pair_log_likelihood(proc, panel, pm[i], refs[j], table=tables[0])
        pair_log_likelihood(unrelated, panel, pm[i], refs[j], table=tables[1])
    c2, t2 = time.process_time(), time.perf_counter()
    print(f"{platform.node()}: {args.pm} PM x {args.references} references = "
          f"{scores.size:,} pairs, {len(panel)} SNPs, {args.kernel} screen kernel; screen "
          f"{t1 - t0:.1f} s wall, {c1 - c0:.1f} s CPU ({1e6 * (t1 - t0) / scores.size:.2f} us "
          f"per pair wall, {scores.size / (t1 - t0):,.0f} pairs/s); {len(passed):,} pairs at "
          f"screen log10 LR >= {args.threshold:g}, HMM on them {t2 - t1:.1f} s wall, "
          f"{c2 - c1:.1f} s CPU; total {t2 - t0:.1f} s wall, {c2 - c0:.1f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["loss", "speed"])
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--unrelated", type=int, default=2000)
    parser.add_argument("--pm", type=int, default=1000)
    parser.add_argument("--references", type=int, default=10000)
    parser.add_argument("--threshold", type=float, default=2.0)
    parser.add_argument("--error", type=float, default=0.01)
    parser.add_argument("--missing", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kernel", choices=["blocked", "loop"], default="blocked")
    args = parser.parse_args()
    (loss if args.what == "loss" else speed)(args)


if __name__ == "__main__":
    main()
