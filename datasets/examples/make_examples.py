"""Regenerate the bundled example cases (deterministic: fixed seeds).

Run with ``.venv/bin/python datasets/examples/make_examples.py``.
"""

from __future__ import annotations

from pathlib import Path

from forensic_match.cases import KinshipCase, save_case
from forensic_match.frequencies import load_frequencies
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import Pedigree
from forensic_match.simulate import simulate_profiles

HERE = Path(__file__).resolve().parents[2] / "forensic_match" / "data" / "examples"
TABLE = "fbi2015_sw_hispanic"


def demo_mp_parents() -> KinshipCase:
    db = load_frequencies(TABLE)
    mutation = Mutation(female=MutationModel("equal", rate=0.0005),
                        male=MutationModel("equal", rate=0.002))
    markers = db.markers_for(db.markers, mutation=mutation)
    h1 = Pedigree.from_records([("F", None, None, "M"), ("M", None, None, "F"),
                                ("MP", "F", "M", "M")])
    h2 = Pedigree.from_records([("F", None, None, "M"), ("M", None, None, "F"),
                                ("MP", None, None, "M")])
    genotypes = simulate_profiles(h1, markers, seed=2026)
    return KinshipCase(
        "demo_mp_parents", markers, h1, h2, genotypes,
        description=(f"Missing person (MP, from exhumed remains) with both parents typed, "
                     f"{len(markers)} markers, {TABLE} frequencies, equal mutation model "
                     f"(female 0.0005, male 0.002); genotypes simulated under H1, seed 2026"),
        extra={"frequencies": f"{TABLE} (Moretti et al. 2016, FSI Genet 25:175)"})


if __name__ == "__main__":
    case = demo_mp_parents()
    save_case(case, HERE / "demo_mp_parents.json")
    print(f"wrote {HERE / 'demo_mp_parents.json'}: LR {case.solve().lr_total:.6g}")
