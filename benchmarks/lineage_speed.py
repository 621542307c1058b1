"""CPU time of the lineage scores (Y-STR and mtDNA LRs of every row against every sample).

A programme of distantly referenced families (``simulate_programme`` with the shapes of
``benchmarks/lineage_validation.py``) with Y haplotypes and mitotypes from
``lineage.simulate.add_lineage`` (20 villages), scored by ``LineageScores.block`` over every
row and sample, as ``identify(lineage=...)`` does in its first round::

    .venv/bin/python -m benchmarks.lineage_speed --families 100 --samples 100
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from forensic_match.dvi.simulate import simulate_programme
from forensic_match.lineage.scores import LineageScores
from forensic_match.lineage.simulate import add_lineage

from .cases import markers as bench_markers
from .lineage_power import _mt_population, _y_population


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=100)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    prog = simulate_programme(args.families, args.samples, markers=bench_markers("equal"),
                              seed=args.seed,
                              shapes=["half_siblings", "nephew", "cousin_aunt"],
                              missing_per_family=(1, 1), unrelated=0.2)
    add_lineage(prog, population=_y_population(rng), mitotypes=_mt_population(rng, 2000),
                seed=rng, database_size=1000, villages=20, lineages=3, generations=5)
    ds = prog.dataset
    rows = [(f.id, m) for f in ds.am for m in f.missing]
    start = time.process_time()
    LineageScores(rows, ds.am, ds.pm, ds.lineage).block(np.arange(len(rows)))
    cpu = time.process_time() - start
    pairs = len(rows) * len(ds.pm)
    print(f"{len(rows)} rows x {len(ds.pm)} samples: {cpu:.2f} CPU-s, "
          f"{1e3 * cpu / pairs:.3f} ms per pair")


if __name__ == "__main__":
    main()
