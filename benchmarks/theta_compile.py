"""CPU time of compiling simulated families with and without theta.

``simulate_programme(N, 10, seed=3)`` on the 23 markers of ``fbi2015_sw_hispanic`` with the
given mutation model (female 0.0005, male 0.002 per meiosis); two families are compiled first
(numba warm-up), then all N in one process::

    .venv/bin/python benchmarks/theta_compile.py equal 0 40
    .venv/bin/python benchmarks/theta_compile.py equal 0.02 40
"""

from __future__ import annotations

import argparse
import time

from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.identify import prepare_panel
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.frequencies import load_frequencies
from forensic_match.mutation import Mutation, MutationModel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="mutation model, e.g. equal or stepwise")
    ap.add_argument("theta", type=float)
    ap.add_argument("families", type=int)
    a = ap.parse_args()
    db = load_frequencies("fbi2015_sw_hispanic")
    mutation = Mutation(female=MutationModel(a.model, rate=0.0005),
                        male=MutationModel(a.model, rate=0.002))
    ds = simulate_programme(a.families, 10, markers=db.markers_for(db.markers,
                                                                  mutation=mutation),
                            seed=3).dataset
    panel = prepare_panel(ds.markers, ds.am, ds.pm)
    compile_families(ds.am[:2], panel, theta=a.theta)
    start = time.process_time()
    compiled = compile_families(ds.am, panel, theta=a.theta)
    cpu = time.process_time() - start
    print(f"{a.model} theta {a.theta}: {len(compiled.rows)} rows of {a.families} families: "
          f"{cpu:.1f} CPU-s, {1e3 * cpu / a.families:.0f} ms per family")


if __name__ == "__main__":
    main()
