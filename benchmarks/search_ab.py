"""A/B timing of compile and search between two checkouts of forensic_match, one process.

Run it alternately on each checkout (a ``git worktree`` of the old commit and this one) so
that the machine's load falls on both alike::

    for d in /tmp/old /work/main /tmp/old /work/main; do
        python benchmarks/search_ab.py $d; done

Programme: ``simulate_programme(3000, 4000)`` with parents as references (3,000 missing
persons, 4,000 PM samples, 10 % of bodies in fragments) on the 23 markers of
``fbi2015_sw_hispanic`` with the equal mutation model. Prints the compile wall time (one
process) and the best of three search CPU times.
"""

from __future__ import annotations

import sys
import time


def main(checkout: str) -> None:
    sys.path.insert(0, checkout)
    import forensic_match
    from forensic_match.dvi.compile import compile_families
    from forensic_match.dvi.identify import prepare_panel
    from forensic_match.dvi.search import search_samples
    from forensic_match.dvi.simulate import simulate_programme
    from forensic_match.frequencies import load_frequencies
    from forensic_match.mutation import Mutation, MutationModel

    if not forensic_match.__file__.startswith(checkout):
        raise SystemExit(f"imported {forensic_match.__file__}, not from {checkout}")
    db = load_frequencies("fbi2015_sw_hispanic")
    mutation = Mutation(female=MutationModel("equal", rate=0.0005),
                        male=MutationModel("equal", rate=0.002))
    markers = db.markers_for(db.markers, mutation=mutation)
    prog = simulate_programme(3000, 4000, markers=markers, seed=1, fragments=0.1,
                              shapes={"parents": 1.0})
    ds = prog.dataset
    panel = prepare_panel(ds.markers, ds.am, ds.pm)
    t = time.perf_counter()
    compiled = compile_families(ds.am, panel, workers=1)
    compile_s = time.perf_counter() - t
    search_samples(compiled, ds.pm[:50])  # JIT warm-up
    cpu = []
    for _ in range(3):
        t = time.process_time()
        search_samples(compiled, ds.pm)
        cpu.append(time.process_time() - t)
    print(f"{checkout}: compile {compile_s:.1f} s, search CPU best {min(cpu):.2f} s "
          f"({', '.join(f'{c:.2f}' for c in cpu)})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
