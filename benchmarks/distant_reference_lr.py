"""Autosomal log10 LRs of true pairs with one distant reference (first cousin, uncle).

300 families per relationship (``missing_person_family`` with one typed relative), the 23
markers of ``fbi2015_sw_hispanic`` with the equal mutation model; compiled tables searched
with every pair listed; prints the median, the 90th percentile and the share of true pairs
with log10 LR >= 3.3 (the autosomal support the kinsmen rule of ``docs/decisions.md`` asks
of a body with a strong lineage match)::

    .venv/bin/python benchmarks/distant_reference_lr.py
"""

from __future__ import annotations

import numpy as np

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.search import search_samples
from forensic_match.frequencies import load_frequencies
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import missing_person_family
from forensic_match.simulate import simulate_profiles


def main(n: int = 300) -> None:
    db = load_frequencies("fbi2015_sw_hispanic")
    mutation = Mutation(female=MutationModel("equal", rate=0.0005),
                        male=MutationModel("equal", rate=0.002))
    markers = db.markers_for(db.markers, mutation=mutation)
    for relation in ("first_cousin_paternal", "paternal_uncle"):
        ped = missing_person_family("MP", missing_sex="M", relatives={"R": relation})
        families, samples = [], []
        for k in range(n):
            truth = simulate_profiles(ped, markers, seed=k)
            families.append(Family(f"F{k}", ped, ["MP"], {"R": truth["R"]}))
            samples.append(PMSample(f"S{k}", "M", dict(truth["MP"])))
        pairs = search_samples(compile_families(families, markers), samples, top=n + 100,
                               threshold=-np.inf).pairs
        true = pairs.filter(pairs["family"].str.slice(1) == pairs["pm"].str.slice(1))
        lr = true["log10_lr"].to_numpy()
        print(f"{relation}: {lr.size} true pairs, median log10 LR {np.median(lr):.2f}, "
              f"90th percentile {np.quantile(lr, 0.9):.2f}, log10 LR >= 3.3 in "
              f"{(lr >= 3.3).mean():.1%}")


if __name__ == "__main__":
    main()
