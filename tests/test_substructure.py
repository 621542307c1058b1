"""The references' excess homozygosity (``forensic_match/dvi/substructure.py``): close to 0
for people drawn from the table, close to F_ST for people of several communities drawn by
Balding-Nichols from it, and warned about only then."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from forensic_match.cases import Family
from forensic_match.dvi.substructure import reference_homozygosity, warn_substructure
from forensic_match.errors import ForensicMatchWarning
from forensic_match.frequencies import load_frequencies
from forensic_match.pedigree import missing_person_family

DB = load_frequencies("fbi2015_sw_hispanic")
MARKERS = DB.markers_for(DB.markers)


def _families(n: int, fst: float, villages: int, seed: int) -> list[Family]:
    """``n`` families with two typed, unrelated references (the missing person's parents),
    each family of one village whose frequencies are Dirichlet(p (1 - F) / F) draws."""
    rng = np.random.default_rng(seed)
    ped = missing_person_family("MP", relatives={"FA": "father", "MO": "mother"})
    local = []
    for _ in range(villages):
        local.append([m.frequencies if fst == 0 else
                      rng.dirichlet(m.frequencies * (1 - fst) / fst) for m in MARKERS])
    out = []
    for k in range(n):
        freqs = local[k % villages]
        profiles = {}
        for who in ("FA", "MO"):
            profiles[who] = {m.name: tuple(sorted(
                (m.alleles[i] for i in rng.choice(len(m), 2, p=f / f.sum())), key=str))
                for m, f in zip(MARKERS, freqs)}
        out.append(Family(f"F{k}", ped, ["MP"], profiles))
    return out


def test_people_drawn_from_the_table_show_no_excess_and_no_warning() -> None:
    fams = _families(300, 0.0, 1, seed=1)
    h = reference_homozygosity(fams, MARKERS)
    assert h is not None and h.genotypes == 300 * 2 * len(MARKERS) and h.persons == 600
    assert abs(h.f) < 3 * h.se + 0.005
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForensicMatchWarning)
        warn_substructure(fams, MARKERS, 0.0)


def test_several_communities_show_their_fst_and_are_warned_about() -> None:
    fams = _families(300, 0.05, 6, seed=2)
    h = reference_homozygosity(fams, MARKERS)
    assert h is not None and h.f == pytest.approx(0.05, abs=0.02)
    with pytest.warns(ForensicMatchWarning, match=r"more often homozygous than the frequency "
                                                  r"table predicts: F = 0\.0[3-7]\d"):
        warn_substructure(fams, MARKERS, 0.0)
    # a theta at the estimate silences it; a small programme is not judged
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForensicMatchWarning)
        warn_substructure(fams, MARKERS, 0.08)
        warn_substructure(fams[:5], MARKERS, 0.0)
