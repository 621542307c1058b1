"""identify() with STR alone and with STR + linked SNPs on programmes of distantly referenced
families.

A simulated programme (``simulate_programme``) whose families each have one missing person
and a single reference of one shape (``cousin``: a first cousin; ``uncle``: an uncle or aunt,
second degree), 20% unrelated bodies, one fragment per body; SNP calls on the FORCE panel
(``simulate_programme_snps``: genes dropped down each family pedigree independently of the
STR drop, references and bodies typed with ``--error`` genotype error and ``--missing`` PM
missing calls). Counted against the truth: individual identifications and family-level
proposals, right and wrong, STR only and STR + SNP, for the default relative alternatives
and for closed family lists (``relatives=0``); CPU seconds of each identify() call.

    .venv/bin/python -m benchmarks.snp_combination --families 200 --shape cousin --seed 1
    .venv/bin/python -m benchmarks.snp_combination --families 200 --shape uncle --seed 1
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.linked import load_force_panel
from forensic_match.linked.programme import SubstructureWarning
from forensic_match.linked.simulate import simulate_programme_snps

from .cases import markers as bench_markers
from .lineage_validation import _count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=200)
    ap.add_argument("--bodies", type=int, default=None, help="default: --families")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", default="cousin", choices=["cousin", "uncle", "half_sibling"])
    ap.add_argument("--error", type=float, default=0.01, help="SNP genotype error")
    ap.add_argument("--missing", type=float, default=0.3, help="PM missing-call rate")
    ap.add_argument("--fst", type=float, nargs="+", default=[0.0, 0.01])
    ap.add_argument("--chromosomes", default="", help="comma-separated subset of the panel")
    args = ap.parse_args()
    bodies = args.bodies or args.families
    panel = load_force_panel()
    if args.chromosomes:
        keep = set(args.chromosomes.split(","))
        panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in keep])
    prog = simulate_programme(args.families, bodies, markers=bench_markers("equal"),
                              seed=args.seed, shapes=[args.shape], missing_per_family=(1, 1),
                              fragments=0.0, unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(args.seed + 1000),
                                  pm_error=args.error, reference_error=args.error,
                                  pm_missing=args.missing)
    ds = prog.dataset
    truth_missing = prog.pm_to_missing
    truth_family = dict(zip(prog.truth["pm"].to_list(), prog.truth["family"].to_list()))
    found = sum(1 for m in truth_missing.values() if m is not None)
    print(f"families {args.families} (one {args.shape} each), PM samples {bodies} ({found} of "
          f"missing persons), seed {args.seed}; SNPs {len(panel)} of the FORCE panel, error "
          f"{args.error}, PM missing calls {args.missing}")
    print("relatives | evidence | fst | identifications right | wrong | family level right | "
          "wrong | CPU s")
    for relatives in (None, 0.0):
        label = "default" if relatives is None else "0 (closed)"
        extra = {} if relatives is None else {"relatives": relatives}
        for fst in [None, *args.fst]:
            t = time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SubstructureWarning)
                res = identify(ds.am, ds.pm, ds.markers, **extra,
                               **({} if fst is None else
                                  {"snp": snp, "snp_options": {"fst": fst}}))
            c = _count(res, truth_missing, truth_family,
                       {f.id: args.shape for f in ds.am})["all"]
            right, wrong, fright, fwrong = (c["id_right"], c["id_wrong"], c["fam_right"],
                                            c["fam_wrong"])
            print(f"{label} | {'STR' if fst is None else 'STR + SNP'} | "
                  f"{'-' if fst is None else f'{fst:g}'} | {right} | {wrong} | {fright} | "
                  f"{fwrong} | {time.process_time() - t:.1f}", flush=True)


if __name__ == "__main__":
    main()
