"""The same identification again and again in one process: are the figures the same to the
last bit?

Usage::

    python benchmarks/repeat_identify.py [--families 25] [--seed 3] [--repeats 40]

A grave scenario (``simulate_grave_scenario``, with its evidence simulated but not weighed) is
identified once, then ``--repeats`` times more, with arrays of random sizes allocated and
freed between the calls (what a long process does to the heap). Every table of every call
(identifications, family-level rows, the decision's pairs, alternatives and families) is
compared with the first call's, value for value; the first differences are printed, then one
line: how many calls differed. Before 2026-12-07 one call in about 40 gave a family posterior
that differed in its last bit (polars' threaded group sum: ``docs/decisions.md``, "The same
figures on every run").
"""

from __future__ import annotations

import argparse
import random

import numpy as np


def _differences(first: object, again: object) -> list[str]:
    out = []
    for name in ("identifications", "family_level"):
        x, y = getattr(first, name), getattr(again, name)
        if not x.equals(y):
            out += [f"{name} {k}: {rx[k]!r} != {ry[k]!r}"
                    for rx, ry in zip(x.iter_rows(named=True), y.iter_rows(named=True))
                    for k in rx if rx[k] != ry[k]] or [f"{name}: {x.height} != {y.height} rows"]
    for name in ("pairs", "alternatives", "families"):
        x, y = getattr(first.decision, name), getattr(again.decision, name)  # type: ignore
        if not x.equals(y):
            if x.height != y.height:
                out.append(f"decision.{name}: {x.height} != {y.height} rows")
                continue
            out += [f"decision.{name} {col}: {u!r} != {v!r}" for col in x.columns
                    for u, v in zip(x[col].to_list(), y[col].to_list()) if u != v]
    return out


def main() -> None:
    from forensic_match.dvi.identify import identify
    from forensic_match.dvi.scenarios import simulate_grave_scenario
    from forensic_match.frequencies import load_frequencies
    from forensic_match.mutation import Mutation, MutationModel

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", type=int, default=25)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=40)
    args = ap.parse_args()
    db = load_frequencies("fbi2015_sw_hispanic")
    mutation = Mutation(female=MutationModel("equal", rate=0.0005),
                        male=MutationModel("equal", rate=0.002))
    markers = db.markers_for(db.markers, mutation=mutation)
    ds = simulate_grave_scenario(args.families, markers=markers, seed=args.seed,
                                 evidence=True).dataset
    first = identify(ds.am, ds.pm, ds.markers)
    rng = random.Random(args.seed)
    held: list[object] = []
    differed = 0
    for i in range(args.repeats):
        held.append(np.empty(rng.randint(1, 5000), dtype=np.uint8))
        if rng.random() < 0.3:
            held = held[rng.randint(0, len(held)):]
        found = _differences(first, identify(ds.am, ds.pm, ds.markers))
        differed += bool(found)
        for line in found[:5]:
            print(f"call {i + 2}: {line}")
    print(f"{differed} of {args.repeats} calls differed from the first")


if __name__ == "__main__":
    main()
