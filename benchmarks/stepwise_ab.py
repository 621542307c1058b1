"""A/B timing of the stepwise and equal models between two checkouts, one process.

Run it alternately on each checkout so that the machine's load falls on both alike::

    for d in /tmp/old /work/main /tmp/old /work/main; do
        python benchmarks/stepwise_ab.py $d; done

Prints, for the equal and the stepwise model (rates 0.0005 female, 0.002 male; stepwise
range 0.1, rate2 1e-6) on the 23 markers of ``fbi2015_sw_hispanic``:

- ``likelihood``: the median time per call of the likelihood benchmarks of
  ``benchmarks/test_likelihood.py`` (trio, family12, cousin_loop, the posterior of family12's
  missing person), after a warm-up call;
- ``compile``: CPU time per missing person of ``compile_missing`` for each family shape of
  ``simulate_programme`` (40 families per shape, after a warm-up family);
- ``programme``: CPU time of ``compile_families`` (one process) on
  ``simulate_programme(N, 100, missing_per_family={1: 1.0})`` (one missing person per family,
  as ``programme.py scale``) with the default mix of shapes (``N`` the second argument,
  default 2000), and a checksum of the tables (equal on both checkouts when the tables are).

A third argument (``equal`` or ``stepwise``) runs only the programme, for that model (the
Peru-size run: ``python benchmarks/stepwise_ab.py <checkout> 22295 stepwise``).
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _median_call(fn: Any, *args: Any, min_time: float = 0.5) -> float:
    fn(*args)
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_time or len(times) < 5:
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def small_benchmarks(checkout: str, model: str, markers: list[Any]) -> None:
    """The likelihood benchmarks and the compile per family shape."""
    from benchmarks.cases import case
    from forensic_match.dvi.compile import compile_missing
    from forensic_match.dvi.identify import prepare_panel
    from forensic_match.dvi.simulate import DEFAULT_SHAPES, simulate_programme
    from forensic_match.likelihood import genotype_posterior, pedigree_likelihood

    row = []
    for shape in ("trio", "family12", "cousin_loop"):
        ped, ms, profiles = case(shape, model)
        row.append(f"{shape} {1e6 * _median_call(pedigree_likelihood, ped, ms, profiles):,.0f}")
    ped, ms, profiles = case("family12", model)
    us = 1e6 * _median_call(genotype_posterior, ped, ms, profiles, "MP")
    row.append(f"family12-posterior {us:,.0f}")
    print(f"{checkout} {model} likelihood µs/call: {', '.join(row)}", flush=True)

    per_shape = []
    for shape in DEFAULT_SHAPES:
        prog = simulate_programme(41, 10, markers=markers, seed=1, shapes={shape: 1.0})
        am = prog.dataset.am
        panel = prepare_panel(prog.dataset.markers, am, prog.dataset.pm)
        compile_missing(am[0], am[0].missing[0], panel)
        t = time.process_time()
        n = 0
        for fam in am[1:]:
            for m in fam.missing:
                compile_missing(fam, m, panel)
                n += 1
        per_shape.append(f"{shape} {1e3 * (time.process_time() - t) / n:.2f}")
    print(f"{checkout} {model} compile ms/missing person: {', '.join(per_shape)}", flush=True)


def programme(checkout: str, model: str, markers: list[Any], n_families: int) -> None:
    """``compile_families`` in one process on a simulated programme."""
    import numpy as np

    from forensic_match.dvi.compile import compile_families
    from forensic_match.dvi.identify import prepare_panel
    from forensic_match.dvi.simulate import simulate_programme

    prog = simulate_programme(n_families, 100, markers=markers, seed=1,
                              missing_per_family={1: 1.0})
    ds = prog.dataset
    panel = prepare_panel(ds.markers, ds.am, ds.pm)
    compile_families(ds.am[:20], panel)  # JIT warm-up
    t = time.process_time()
    tables = compile_families(ds.am, panel, workers=1)
    cpu = time.process_time() - t
    finite = np.isfinite(tables.log10_lr)
    checksum = float(np.sum(tables.log10_lr[finite])) + float(np.sum(~finite))
    print(f"{checkout} {model} programme {n_families} families, {len(tables.rows)} "
          f"missing: compile CPU {cpu:.1f} s ({1e3 * cpu / len(tables.rows):.2f} ms per "
          f"missing person); table checksum {checksum:.10e}", flush=True)


def main(checkout: str, n_families: int, only: str | None = None) -> None:
    sys.path.insert(0, checkout)
    import forensic_match

    if not forensic_match.__file__.startswith(checkout):
        raise SystemExit(f"imported {forensic_match.__file__}, not from {checkout}")
    from benchmarks.cases import MODELS
    from forensic_match.frequencies import load_frequencies

    db = load_frequencies("fbi2015_sw_hispanic")
    for model in (only,) if only else ("equal", "stepwise"):
        markers = db.markers_for(db.markers, mutation=MODELS[model])
        if not only:
            small_benchmarks(checkout, model, markers)
        programme(checkout, model, markers, n_families)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".",
         int(sys.argv[2]) if len(sys.argv) > 2 else 2000,
         sys.argv[3] if len(sys.argv) > 3 else None)
