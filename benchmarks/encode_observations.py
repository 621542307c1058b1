"""CPU time of the same-source encoding of degraded PM samples (``encode_observations``).

The bundled programme's PM samples, each given a dropout probability (0.05, 0.15 or 0.25 in
turn, so that every typed marker takes the general path), repeated to ``n`` samples; one
process; the best of three calls, after one call on 50 samples (numba warm-up)::

    .venv/bin/python benchmarks/encode_observations.py 10000

Run it alternately on two checkouts (``PYTHONPATH=<checkout>``) to compare them; ``--save
FILE`` pickles the arrays, to check that two checkouts give them bit for bit.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import time
from pathlib import Path

from forensic_match.cases import load_case
from forensic_match.dvi.fragments import encode_observations
from forensic_match.dvi.identify import prepare_panel

PROGRAMME = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "programme_small.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=10_000, help="PM samples")
    ap.add_argument("--save", help="pickle the arrays to this file")
    a = ap.parse_args()
    ds = load_case(PROGRAMME)
    pm = [dataclasses.replace(s, dropout=0.05 + 0.1 * (i % 3)) for i, s in enumerate(ds.pm)]
    pm = (pm * (a.n // len(pm) + 1))[:a.n]
    markers = prepare_panel(ds.markers, ds.am, pm)
    encode_observations(pm[:50], markers)
    times = []
    for _ in range(3):
        start = time.process_time()
        arrays = encode_observations(pm, markers)
        times.append(time.process_time() - start)
    print(f"{a.n} samples with dropout: best {min(times):.3f} CPU-s "
          f"({', '.join(f'{t:.3f}' for t in times)})")
    if a.save:
        with open(a.save, "wb") as handle:
            pickle.dump(arrays, handle)


if __name__ == "__main__":
    main()
