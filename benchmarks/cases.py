"""Pedigrees and profiles for the benchmarks (fixed seeds, bundled frequencies)."""

from __future__ import annotations

from forensic_match.frequencies import load_frequencies
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import Pedigree
from forensic_match.simulate import simulate_profiles

TABLE = "fbi2015_sw_hispanic"  # 23 autosomal STR markers

MODELS = {
    "equal": Mutation(female=MutationModel("equal", rate=0.0005),
                      male=MutationModel("equal", rate=0.002)),
    "stepwise": Mutation(female=MutationModel("stepwise", rate=0.0005, range=0.1, rate2=1e-6),
                         male=MutationModel("stepwise", rate=0.002, range=0.1, rate2=1e-6)),
}


def markers(model: str) -> list[Marker]:
    db = load_frequencies(TABLE)
    return db.markers_for(db.markers, mutation=MODELS[model])


TRIO = Pedigree.from_records([("F", None, None, "M"), ("M", None, None, "F"),
                              ("C", "F", "M", "M")])

# Three generations, 12 people, 4 typed (grandmother, mother, a sister, a cousin); MP untyped.
FAMILY12 = Pedigree.from_records([
    ("GF", None, None, "M"), ("GM", None, None, "F"), ("F", "GF", "GM", "M"),
    ("M", None, None, "F"), ("U", "GF", "GM", "M"), ("UW", None, None, "F"),
    ("C1", "U", "UW", "F"), ("MP", "F", "M", "M"), ("S1", "F", "M", "F"),
    ("S2", "F", "M", "M"), ("SP", None, None, "M"), ("N", "SP", "S1", "M")])

# First-cousin marriage (a loop): X and Y are first cousins, C their child.
COUSIN_LOOP = Pedigree.from_records([
    ("GF", None, None, "M"), ("GM", None, None, "F"), ("A", "GF", "GM", "M"),
    ("B", "GF", "GM", "F"), ("AW", None, None, "F"), ("BH", None, None, "M"),
    ("X", "A", "AW", "M"), ("Y", "BH", "B", "F"), ("C", "X", "Y", "M")])

SHAPES = {
    "trio": (TRIO, ["F", "M", "C"]),
    "family12": (FAMILY12, ["GM", "M", "S1", "C1"]),
    "cousin_loop": (COUSIN_LOOP, ["X", "Y", "C"]),
}


def case(shape: str, model: str, seed: int = 1):
    """(pedigree, markers, profiles) for one benchmark."""
    ped, typed = SHAPES[shape]
    ms = markers(model)
    return ped, ms, simulate_profiles(ped, ms, seed=seed, typed=typed)
