"""CPU time of compiling one-missing-person families (issue 12, items 2 and 4).

The panel and programme shape of ``programme.py scale`` (23 markers of
``fbi2015_sw_hispanic``; female 0.0005, male 0.002 per meiosis), one process, 20 families
compiled first (numba warm-up), then CPU seconds of ``compile_families`` over all::

    .venv/bin/python benchmarks/compile_overhead.py 3000 equal
    .venv/bin/python benchmarks/compile_overhead.py 3000 stepwise
    .venv/bin/python benchmarks/compile_overhead.py 100 stepwise --theta 0.02

Run it alternately on two checkouts (``PYTHONPATH=<checkout>``) to compare them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from programme import panel  # noqa: E402

from forensic_match.dvi.compile import compile_families  # noqa: E402
from forensic_match.dvi.identify import prepare_panel  # noqa: E402
from forensic_match.dvi.simulate import simulate_programme  # noqa: E402
from forensic_match.mutation import Mutation, MutationModel  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("families", type=int)
    ap.add_argument("model", nargs="?", default="equal", help="mutation model")
    ap.add_argument("--theta", type=float, default=0.0)
    a = ap.parse_args()
    markers = panel()
    if a.model != "equal":
        mutation = Mutation(female=MutationModel(a.model, rate=0.0005),
                            male=MutationModel(a.model, rate=0.002))
        markers = [m.with_mutation(mutation) for m in markers]
    ds = simulate_programme(a.families, a.families // 2, markers=markers, seed=1,
                            missing_per_family={1: 1.0}, unrelated=0.5).dataset
    markers = prepare_panel(markers, ds.am, ds.pm)
    compile_families(ds.am[:20], markers, theta=a.theta)
    start = time.process_time()
    compile_families(ds.am, markers, theta=a.theta)
    cpu = time.process_time() - start
    print(f"{a.model} theta {a.theta} {a.families} families: {cpu:.2f} CPU-s, "
          f"{1e3 * cpu / a.families:.3f} ms per family")


if __name__ == "__main__":
    main()
