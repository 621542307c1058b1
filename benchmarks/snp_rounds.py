"""CPU seconds of the linked-SNP evidence in ``identify(snp=...)`` with the screen (threshold
1), for alternating runs of two trees: ``SnpScores.block`` over every row (the families'
missing persons and relative alternatives) against every body from an empty cache (one
round), and ``identify`` (every round, the references' relatives included), each with a
sha256 of its output so that two trees are compared bit for bit.

The programme is ``benchmarks/snp_screen.py``'s (default family shapes, FORCE panel, 1%
error on both sides, 30% missing PM calls, fst 0.01, seed 1). Run as a file, so that
``PYTHONPATH`` chooses the tree measured (its ``forensic_match`` and ``benchmarks.cases``):

    NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=TREE \\
        python benchmarks/snp_rounds.py --families 100 --bodies 100
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import platform
import time
import warnings
from typing import Any

import numpy as np

import forensic_match
from benchmarks.cases import markers as bench_markers
from forensic_match.decide.alternatives import relative_alternatives
from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.linked import load_force_panel
from forensic_match.linked.programme import SubstructureWarning
from forensic_match.linked.scores import SnpCache, SnpScores
from forensic_match.linked.simulate import simulate_programme_snps


def _digest(obj: Any) -> str:
    return hashlib.sha256(pickle.dumps(obj)).hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=100)
    ap.add_argument("--bodies", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-block", action="store_true", help="time identify only")
    args = ap.parse_args()
    warnings.simplefilter("ignore", SubstructureWarning)
    panel = load_force_panel()
    prog = simulate_programme(args.families, args.bodies, markers=bench_markers("equal"),
                              seed=args.seed, missing_per_family=(1, 2), fragments=0.0,
                              unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(args.seed + 1000),
                                  pm_error=0.01, reference_error=0.01, pm_missing=0.3)
    ds = prog.dataset
    opts = {"fst": 0.01, "pm_error": 0.01, "reference_error": 0.01}
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[:3]
    print(f"{forensic_match.__file__}; {platform.node()}, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"load {' '.join(load)}")
    if not args.skip_block:
        families, rows = [], []
        for fam in ds.am:
            ext = relative_alternatives(fam)
            families.append(ext.family)
            rows += [(fam.id, m) for m in fam.missing]
            rows += [(fam.id, a.person) for a in ext.alternatives]
        t0 = time.process_time()
        obj = SnpScores(rows, families, list(ds.pm), snp, cache=SnpCache(), warn=False,
                        screen_threshold=1.0, **opts)
        block = obj.block(np.arange(len(rows)))
        print(f"block, {len(rows)} rows x {len(ds.pm)} bodies: CPU "
              f"{time.process_time() - t0:.1f} s, sha256 {_digest(block.tobytes())}")
    t0 = time.process_time()
    res = identify(ds.am, ds.pm, ds.markers, snp=snp,
                   snp_options={**opts, "screen_threshold": 1.0})
    cpu = time.process_time() - t0
    out = [res.identifications.to_dicts(), res.family_level.to_dicts(),
           res.held_back.to_dicts(), res.parameters["snp"]["pairs_by_method"]]
    print(f"identify: CPU {cpu:.1f} s; {res.identifications.height} identifications, "
          f"{res.family_level.height} family level, {res.held_back.height} held back; "
          f"sha256 {_digest(out)}")


if __name__ == "__main__":
    main()
