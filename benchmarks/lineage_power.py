"""What lineage markers add for families whose only reference is a distant relative.

For each relationship (a first cousin, an uncle or aunt, a half sibling, on the paternal line
for Y-STRs and on the maternal line for mtDNA), ``--families`` simulated families: the missing
person MP and one typed reference REF in the builders' pedigree. Autosomal profiles are dropped
through the pedigree (23 markers of fbi2015_sw_hispanic, equal mutation model); Y haplotypes (15
loci, Ballantyne 2010 rates) from a discrete Laplace population, mitotypes (HV1 16024-16365 and
HV2 73-340) from a population of 40 haplogroups grown for 400 generations, both with the LR
models' own mutation. Frequencies by counting (Y: ``--method kappa`` for Brenner's kappa,
``--method disclap`` for a discrete Laplace fit) over a database of 1,000 unrelated people drawn
from the same population.

Three kinds of PM sample are scored against the family: MP himself (true), a man of the
population (unrelated), and, for Y, an unregistered man of MP's patrilineage (his haplotype that
of the pedigree's paternal founder after 10 more meioses, his autosomal profile unrelated).
Printed per relationship: the fraction of each kind with log10 LR >= 4 and >= 6.3 (the LR of
about 2e6 that a 99.95% posterior needs with 1,000 missing persons), autosomal only and with the
lineage LR added.

    .venv/bin/python -m benchmarks.lineage_power --families 100 --seed 1 [--method disclap]
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from forensic_match.kinship import kinship_lr
from forensic_match.lineage.data import LineageData, YDatabase
from forensic_match.lineage.lines import lineage_links
from forensic_match.lineage.lr import mt_lr, y_lr
from forensic_match.lineage.mtdna import PARSONS_1997_RATE, Mitotype, MitotypeDatabase
from forensic_match.lineage.simulate import YPopulation, drop_mt, drop_y, mutate_mt, mutate_y
from forensic_match.lineage.ystr import BALLANTYNE_2010_RATES, YMarker
from forensic_match.pedigree import Pedigree, avuncular, first_cousins, half_siblings
from forensic_match.simulate import random_profile, simulate_profiles

from .cases import markers as bench_markers

LOCI = tuple(BALLANTYNE_2010_RATES)
RANGES = ((16024, 16365), (73, 340))


def _pedigrees(line: str) -> dict[str, Pedigree]:
    paternal = line == "Y"
    side = ("M", "M") if paternal else ("F", "F")
    return {
        "first cousin": first_cousins(ids=("MP", "REF"), parent_sexes=side),
        "uncle/aunt": avuncular(uncle="REF", nephew="MP", paternal=paternal,
                                uncle_sex="M" if paternal else "F"),
        "half sibling": half_siblings(paternal=paternal, ids=("MP", "REF")),
    }


def _y_population(rng: np.random.Generator) -> YPopulation:
    markers = tuple(YMarker(k, 1, BALLANTYNE_2010_RATES[k]) for k in LOCI)
    centers = rng.integers(10, 30, size=(6, len(LOCI)))
    return YPopulation(markers, centers, rng.uniform(0.15, 0.45, size=(6, len(LOCI))),
                       np.array([0.3, 0.25, 0.2, 0.1, 0.1, 0.05]))


def _mt_population(rng: np.random.Generator, n: int) -> list[Mitotype]:
    sites = [p for a, b in RANGES for p in range(a, b + 1)]
    roots = []
    for _ in range(40):
        pos = rng.choice(sites, size=8, replace=False)
        roots.append(Mitotype(RANGES, {int(p): "ACGT"[int(rng.integers(4))] for p in pos}))
    weights = rng.dirichlet(np.full(40, 0.5))
    return [mutate_mt(roots[int(rng.choice(40, p=weights))], 400, rate=PARSONS_1997_RATE,
                      seed=rng) for _ in range(n)]


def _auto_log10(ped: Pedigree, markers, ref_profile, pm_profile) -> float:
    h1 = ped.relabel({"MP": "PM"})
    h2 = ped.add([("PM", None, None, "M")])
    profiles = {"REF": ref_profile, "PM": pm_profile}
    return kinship_lr(h1, h2, markers, profiles).log10_lr_total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--method", choices=["count", "kappa", "disclap"], default="count",
                    help="Y frequency method (mtDNA always counts)")
    ap.add_argument("--clusters", type=int, default=6,
                    help="clusters of the discrete Laplace fit (--method disclap)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    markers = bench_markers("equal")
    ypop = _y_population(rng)
    ydata = LineageData(ypop.markers, YDatabase("simulated", tuple(ypop.sample(1000, seed=rng))))
    if args.method == "disclap":
        fit = ydata.fit_disclap(args.clusters)
        print(f"discrete Laplace fit: {len(fit.tau)} clusters, {fit.iterations} EM steps, "
              f"log-likelihood {fit.loglik:.1f}")
    mtpop = _mt_population(rng, 3000)
    mtdata = LineageData(mt_database=MitotypeDatabase("simulated", tuple(mtpop[:1000])))
    founders_mt = mtpop[1000:]
    print(f"families per relationship: {args.families}, seed {args.seed}, Y frequencies by "
          f"{args.method}")
    print("line | relationship | meioses | PM kind | n | auto >=4 | auto+lin >=4 | "
          "auto >=6.3 | auto+lin >=6.3 | median log10 lineage LR")
    for line in ("Y", "mtDNA"):
        for name, ped in _pedigrees(line).items():
            k = lineage_links(ped, "MP", line, among=["REF"])[0].meioses
            rows: dict[str, list[tuple[float, float]]] = {"true": [], "unrelated": []}
            if line == "Y":
                rows["patrilineage kin"] = []
            for _ in range(args.families):
                prof = simulate_profiles(ped, markers, seed=rng, typed=["MP", "REF"])
                if line == "Y":
                    founders = {i: ypop.sample(1, seed=rng)[0] for i in ped.founders
                                if ped.sex_of(i) == "M"}
                    hap = drop_y(ped, ypop.markers, founders, seed=rng)
                    paternal_founder = [x for x in lineage_links(ped, "MP", "Y")
                                        if ped.parents(x.relative) is None][0].relative
                    cands = {"true": (prof["MP"], hap["MP"]),
                             "unrelated": (random_profile(markers, seed=rng),
                                           ypop.sample(1, seed=rng)[0]),
                             "patrilineage kin": (random_profile(markers, seed=rng),
                                                  mutate_y(founders[paternal_founder],
                                                           ypop.markers, 10, seed=rng))}
                    for kind, (auto, h) in cands.items():
                        r = y_lr(h, hap["REF"], k, ydata, method=args.method)
                        rows[kind].append((_auto_log10(ped, markers, prof["REF"], auto),
                                           r.log10_lr))
                else:
                    fm = {i: founders_mt[int(rng.integers(len(founders_mt)))]
                          for i in ped.founders}
                    mts = drop_mt(ped, fm, rate=PARSONS_1997_RATE, seed=rng)
                    other = founders_mt[int(rng.integers(len(founders_mt)))]
                    cands = {"true": (prof["MP"], mts["MP"]),
                             "unrelated": (random_profile(markers, seed=rng), other)}
                    for kind, (auto, m) in cands.items():
                        r = mt_lr(m, mts["REF"], k, mtdata)
                        rows[kind].append((_auto_log10(ped, markers, prof["REF"], auto),
                                           r.log10_lr))
            for kind, vals in rows.items():
                a = np.array([v[0] for v in vals])
                lin = np.array([v[1] for v in vals])
                both = a + lin
                med = float(np.median(lin))
                print(f"{line} | {name} | {k} | {kind} | {len(vals)} | {np.mean(a >= 4):.3f} | "
                      f"{np.mean(both >= 4):.3f} | {np.mean(a >= 6.3):.3f} | "
                      f"{np.mean(both >= 6.3):.3f} | "
                      f"{med if math.isfinite(med) else '-inf'}")


if __name__ == "__main__":
    main()
