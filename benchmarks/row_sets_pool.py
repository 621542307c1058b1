"""What starting the worker pool of ``compile_row_sets`` costs against compiling in this process.

Usage::

    python benchmarks/row_sets_pool.py [--repeats 2]

The bundled programme's families with a distant reference: each family's references' relatives
are drawn (``reference_kin``) and their rows compiled by ``compile_row_sets``, alternately with
one worker (this process) and two (spawned processes, ``POOL_MIN_FAMILIES`` lowered so that
they are used). Prints one JSON line per run: workers, wall seconds, CPU seconds of this process
and of the workers (the children that ended). Behind ``dvi.compile.POOL_MIN_FAMILIES``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> None:
    from store_helpers import programme_with_panel

    from forensic_match.decide.alternatives import distant_references, reference_kin
    from forensic_match.dvi import compile as compile_mod

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    ds = programme_with_panel()
    jobs = []
    for fam in ds.am:
        refs = distant_references(fam)
        if refs:
            drawn = reference_kin(fam, refs)
            persons = [x.person for x in drawn.alternatives]
            if persons:
                jobs.append((drawn.family, persons, None))
    compile_mod.compile_row_sets(jobs[:2], ds.markers)   # kernels loaded before timing
    compile_mod.POOL_MIN_FAMILIES = 2
    for _ in range(a.repeats):
        for workers in (1, 2):
            t, cpu = time.perf_counter(), time.process_time()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            compile_mod.compile_row_sets(jobs, ds.markers, workers=workers)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            print(json.dumps({
                "families": len(jobs), "rows": sum(len(j[1]) for j in jobs),
                "workers": workers, "wall_s": round(time.perf_counter() - t, 2),
                "cpu_s": round(time.process_time() - cpu, 2),
                "cpu_workers_s": round(after.ru_utime + after.ru_stime
                                       - before.ru_utime - before.ru_stime, 2)}))


if __name__ == "__main__":
    main()
