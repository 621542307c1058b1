"""Where the true missing person ranks when a body is scored by AM/PM evidence alone.

For remains with no usable DNA (``forensic_match.evidence.shortlist``): on a grave scenario
(``simulate_grave_scenario(evidence=True)``), every body of a registered missing person is
scored against every registered missing person by the evidence LR (and the place-and-date
prior with ``--place``), as if it had no DNA. Prints how often the true person is first, in
the top 5, 10 and 50, and the median rank, beside what a random order would give.

    PYTHONPATH=. .venv/bin/python benchmarks/shortlist_rank.py --families 200 [--place]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.validation import analysis_markers
from forensic_match.dvi.scenarios import simulate_grave_scenario
from forensic_match.evidence import Evidence


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=200, help="households")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--place", action="store_true", help="add the place-and-date prior")
    args = ap.parse_args()

    t0 = time.perf_counter()
    prog = simulate_grave_scenario(args.families, markers=analysis_markers(), seed=args.seed,
                                   evidence=True)
    ev = Evidence.from_dataset(prog.dataset, place=args.place)
    truth = dict(zip(prog.truth["pm"].to_list(), prog.truth["missing"].to_list()))
    persons = sorted(ev.records)
    index = {p: i for i, p in enumerate(persons)}
    bodies = [pm for pm in ev.findings if truth.get(pm) in index]
    scores = ev.scores([(ev.records[p].family, p) for p in persons],
                       [ev.findings[b] for b in bodies])
    block = scores.block(np.arange(len(persons)))
    true_row = np.array([index[truth[b]] for b in bodies])
    true_score = block[true_row, np.arange(len(bodies))]
    # Rank 1 + persons scoring strictly higher; ties share the better rank.
    ranks = 1 + (block > true_score[None, :]).sum(axis=0)
    n = len(persons)
    print(f"{args.families} households, seed {args.seed}, place prior: {args.place}: "
          f"{len(bodies)} PM samples of registered persons, {n} registered persons, "
          f"{time.perf_counter() - t0:.0f} s")
    for k in (1, 5, 10, 50):
        print(f"  true person in the top {k:>2}: {np.sum(ranks <= k):>5} "
              f"({np.mean(ranks <= k):.1%}; a random order: {min(k, n) / n:.1%})")
    print(f"  median rank {int(np.median(ranks))} of {n}; true person impossible (-inf): "
          f"{int(np.sum(~np.isfinite(true_score)))}")


if __name__ == "__main__":
    main()
