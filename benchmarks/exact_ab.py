"""Exact pairwise LR per pair on fixed simulated inputs, for A/B runs across commits.

Simulates 300 one-missing-person families and 1,000 PM samples (seed 1, the 23 markers of
``benchmarks/programme.py``), prints hashes of the inputs (equal hashes: the commits simulate
the same data) and the best of three timings of 200 random pairs. Run from a checkout of
each commit, alternately:

    cd CHECKOUT && PYTHONPATH=CHECKOUT python /path/to/benchmarks/exact_ab.py
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path.cwd() / "benchmarks"))

from programme import panel  # noqa: E402

from forensic_match.dvi.search import exact_pair_log10_lr  # noqa: E402
from forensic_match.dvi.simulate import simulate_programme  # noqa: E402


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, default=str).encode()).hexdigest()[:12]


def main() -> None:
    markers = panel()
    ds = simulate_programme(300, 1000, markers=markers, seed=1, missing_per_family={1: 1.0},
                            unrelated=0.82).dataset
    print("families", digest([(f.id, f.pedigree.records(), sorted(f.genotypes)) for f in ds.am]),
          "samples", digest([(s.id, sorted(s.genotypes.items())) for s in ds.pm[:50]]))
    rng = np.random.default_rng(1)
    picks = [(ds.am[int(rng.integers(len(ds.am)))], ds.pm[int(rng.integers(len(ds.pm)))])
             for _ in range(200)]
    family, sample = picks[0]
    exact_pair_log10_lr(family, family.missing[0], sample, markers)  # compile the kernels
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        for family, sample in picks:
            exact_pair_log10_lr(family, family.missing[0], sample, markers)
        best = min(best, (time.perf_counter() - start) / len(picks))
    print(f"exact LR per pair: {best * 1e3:.3f} ms (best of 3 over {len(picks)} pairs)")


if __name__ == "__main__":
    main()
