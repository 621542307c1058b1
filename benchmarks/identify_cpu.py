"""CPU seconds of a whole ``identify()`` on a simulated programme, for A/B runs across commits.

Usage (on a worktree of each commit, alternately, as ``exact_ab.py``)::

    PYTHONPATH=. python benchmarks/identify_cpu.py --families 1000 --pm 500 --seed 3
    PYTHONPATH=. python benchmarks/identify_cpu.py --families 2000 --pm 2000 --no-reuse

CPU seconds (``time.process_time``, one process) are the figure to compare on a shared
machine, where wall time depends on the other jobs. ``--no-reuse`` searches every relative
alternative every decision round (``identify.REUSE_RELATIVE_SEARCH = False``; only on
commits that have the reuse). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from programme import panel  # noqa: E402

import forensic_match  # noqa: E402
from forensic_match.dvi import identify as identify_module  # noqa: E402
from forensic_match.dvi.simulate import simulate_programme  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=1000)
    ap.add_argument("--pm", type=int, default=500)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--no-reuse", action="store_true")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    markers = panel()
    ds = simulate_programme(a.families, a.pm, markers=markers, seed=a.seed).dataset
    identify_module.identify(ds.am[:10], ds.pm[:10], markers)  # numba warm-up
    if a.no_reuse:
        identify_module.REUSE_RELATIVE_SEARCH = False
    cpu, wall = time.process_time(), time.perf_counter()
    res = identify_module.identify(ds.am, ds.pm, markers, min_markers=8)
    print(json.dumps({"code": str(Path(forensic_match.__file__).parent),
                      "families": a.families, "pm": a.pm, "seed": a.seed,
                      "reuse": not a.no_reuse,
                      "cpu_s": round(time.process_time() - cpu, 1),
                      "wall_s": round(time.perf_counter() - wall, 1),
                      "identifications": res.identifications.height}))


if __name__ == "__main__":
    main()
