"""CPU time of a nightly store run with and without lineage markers, and where it goes.

A programme of families referenced by a missing parent's spouse and children
(``simulate_programme(..., shapes=["spouse_children"])``: a son shares a missing man's Y line)
with Y haplotypes and mitotypes from ``lineage.simulate.add_lineage``, run into a fresh SQLite
store twice per setting (the first pair warms the numba caches): ``run_store(store, ds)``
against ``run_store(store, ds, lineage=ds.lineage)``, no tables kept (every family compiled)::

    .venv/bin/python -m benchmarks.lineage_store --families 200 --samples 200
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from forensic_match.dvi.simulate import simulate_programme
from forensic_match.lineage.simulate import add_lineage
from forensic_match.store import CaseStore, run_store

from .cases import markers as bench_markers
from .lineage_power import _mt_population, _y_population


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=200)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    prog = simulate_programme(args.families, args.samples, markers=bench_markers("equal"),
                              seed=args.seed, shapes=["spouse_children"],
                              missing_per_family=(1, 1), unrelated=0.2)
    add_lineage(prog, population=_y_population(rng), mitotypes=_mt_population(rng, 2000),
                seed=rng, database_size=1000)
    ds = prog.dataset
    for rep in ("warm-up", "measured"):
        for lineage in (None, ds.lineage):
            with tempfile.TemporaryDirectory() as tmp, \
                    CaseStore(os.path.join(tmp, "cases.db")) as store:
                start = time.process_time()
                summary = run_store(store, ds, lineage=lineage, min_markers=8, cache=False)
                cpu = time.process_time() - start
            if rep == "measured":
                t = summary.timings
                print(f"{'lineage' if lineage else 'autosomal'}: {cpu:.2f} CPU-s "
                      f"(wall: ingest {t['ingest']:.2f} s, identify and candidates "
                      f"{t['identify']:.2f} s, write {t['write']:.2f} s); "
                      f"{summary.counts['identifications']} identifications, "
                      f"{summary.counts['candidates']} candidates")


if __name__ == "__main__":
    main()
