"""Whole-process time of ``forensic-match solve`` (issue 9's speed goal), and the floors under it.

Each run is a fresh ``python -m forensic_match.cli solve DATASET`` with the numba cache warm
(one unmeasured run first); wall and CPU (user + system, of the child) seconds are read from
``resource.getrusage``. The floors are processes that do only part of the work: the bare
interpreter, ``import numpy, numba`` and ``import polars``, and a first call of one cached
forensic_match kernel (numba's import plus its one-time loading of a cached kernel's
target, which imports numba's array libraries and scipy.linalg for BLAS). Run from a
checkout of each commit, alternately (the checkout's code wins because ``python -m`` and
``python -c`` put the current directory first on ``sys.path``)::

    cd CHECKOUT && PYTHONPATH=CHECKOUT python benchmarks/solve_process.py --runs 5

Set ``--bytecode`` to compile the checkout's ``.pyc`` files first (what ``pip install``
does; an environment with ``PYTHONDONTWRITEBYTECODE=1`` otherwise recompiles every module
of the package in each process). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: As the tests name it, from the checkout (the shared folder is beside it).
DEFAULT = "../shared/reference/dvi/scaling_100x100.json"

KERNEL = ("import numpy as np; from forensic_match.dvi._compile_numba import allele_sums; "
          "allele_sums(np.eye(2) / 2, np.full(2, 0.5), np.empty((2, 2)))")


def measure(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process (its output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def summary(argv: list[str], runs: int) -> dict[str, object]:
    measure(argv)  # warm: numba cache, file system
    times = [measure(argv) for _ in range(runs)]
    walls, cpus = [w for w, _ in times], [c for _, c in times]
    return {"wall_s": [round(w, 3) for w in walls], "cpu_s": [round(c, 3) for c in cpus],
            "median_wall_s": round(statistics.median(walls), 3),
            "median_cpu_s": round(statistics.median(cpus), 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default=DEFAULT)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bytecode", action="store_true")
    ap.add_argument("--no-floors", action="store_true")
    a = ap.parse_args()
    py = sys.executable
    if a.bytecode:
        subprocess.run([py, "-m", "compileall", "-q", "forensic_match"], check=True)
    out: dict[str, object] = {
        "code": os.getcwd(), "dataset": Path(a.dataset).name, "bytecode": a.bytecode,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "solve": summary([py, "-m", "forensic_match.cli", "solve", a.dataset], a.runs)}
    if not a.no_floors:
        out["floors"] = {
            "python": summary([py, "-c", "pass"], a.runs),
            "import numpy, numba": summary([py, "-c", "import numpy, numba"], a.runs),
            "import polars": summary([py, "-c", "import polars"], a.runs),
            "one cached kernel": summary([py, "-c", KERNEL], a.runs)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
