"""identify() with and without lineage markers on programmes of distantly referenced families.

A simulated programme (``simulate_programme``) whose families are all of the distant shapes
(half siblings, a nephew or niece, an aunt and a cousin), one missing person each, with Y
haplotypes and mitotypes added by ``lineage.simulate.add_lineage`` (a six-cluster discrete
Laplace Y population over 15 loci with Ballantyne 2010 rates, mitotypes of 40 haplogroups over
HV1 and HV2, databases of 1,000; ``--villages`` > 0 adds village patrilineages: every family
and unrelated body belongs to a village of 3 patrilineages, 5 generations deep). Counted
against the truth: individual identifications and family-level proposals, right and wrong,
for the default relative alternatives and for closed family lists (``relatives=0``).

    .venv/bin/python -m benchmarks.lineage_validation --families 300 --bodies 300 --seed 1
    .venv/bin/python -m benchmarks.lineage_validation --families 300 --bodies 300 --villages 20
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.lineage.simulate import add_lineage

from .cases import markers as bench_markers
from .lineage_power import _mt_population, _y_population


def _count(res, truth_missing, truth_family) -> tuple[int, int, int, int]:
    ids = res.identifications
    right = sum(all(truth_missing[f] == r["missing"] for f in r["fragments"].split(","))
                for r in ids.iter_rows(named=True))
    fam = res.family_level
    fright = sum(all(truth_family[f] == r["family"] for f in r["fragments"].split(","))
                 for r in fam.iter_rows(named=True))
    return right, ids.height - right, fright, fam.height - fright


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=300)
    ap.add_argument("--bodies", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--villages", type=int, default=0)
    ap.add_argument("--shapes", nargs="+", default=["half_siblings", "nephew", "cousin_aunt"],
                    help="family shapes of simulate_programme (e.g. the single-reference "
                         "shapes cousin, half_sibling, uncle)")
    ap.add_argument("--y-method", default="count", choices=["count", "kappa", "disclap"],
                    help="Y haplotype frequency method of lineage_lr")
    ap.add_argument("--clusters", type=int, default=6,
                    help="clusters of the discrete Laplace fit (--y-method disclap)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    markers = bench_markers("equal")
    prog = simulate_programme(args.families, args.bodies, markers=markers, seed=args.seed,
                              shapes=args.shapes,
                              missing_per_family=(1, 1), unrelated=0.2)
    add_lineage(prog, population=_y_population(rng), mitotypes=_mt_population(rng, 2000),
                seed=rng, database_size=1000, villages=args.villages, lineages=3,
                generations=5)
    ds = prog.dataset
    if args.y_method == "disclap":
        ds.lineage.fit_disclap(args.clusters)
    truth_missing = prog.pm_to_missing
    truth_family = dict(zip(prog.truth["pm"].to_list(), prog.truth["family"].to_list()))
    found = sum(1 for m in truth_missing.values() if m is not None)
    print(f"families {args.families}, PM samples {args.bodies} ({found} of missing persons), "
          f"seed {args.seed}, villages {args.villages}, Y frequencies {args.y_method}, shapes "
          f"{' '.join(args.shapes)}")
    print("relatives | lineage | identifications right | wrong | family level right | wrong "
          "| seconds")
    for relatives in (1.0, 0.0):
        for lineage in (None, ds.lineage):
            t = time.perf_counter()
            res = identify(ds.am, ds.pm, ds.markers, relatives=relatives, lineage=lineage,
                           lineage_options={"y_method": args.y_method})
            right, wrong, fright, fwrong = _count(res, truth_missing, truth_family)
            print(f"{relatives:g} | {'yes' if lineage else 'no'} | {right} | {wrong} | "
                  f"{fright} | {fwrong} | {time.perf_counter() - t:.1f}")


if __name__ == "__main__":
    main()
