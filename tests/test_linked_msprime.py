"""The msprime gene drop of ``benchmarks/linked_msprime.py`` against what can be computed
exactly: mean IBD sharing of relatives (kinship), free recombination between chromosomes,
the rate of IBD switches along a chromosome (Haldane), and founder alleles passed intact."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("msprime", reason="msprime is not installed (extra 'validation', part of "
                    "'test': pip install -e '.[test]')")

from benchmarks.linked_msprime import (  # noqa: E402
    GAP_MORGANS,
    founder_alleles,
    founder_labels,
    genome_layout,
    ibd_count,
)
from forensic_match.linked import RELATIONSHIPS, load_force_panel  # noqa: E402
from forensic_match.linked.panel import haldane  # noqa: E402
from forensic_match.linked.simulate import degrade  # noqa: E402

PAIRS = 150


@pytest.fixture(scope="module")
def layout():
    panel = load_force_panel()
    ratemap, coords = genome_layout(panel)
    return panel, ratemap, coords


def _drops(name, layout, n, seed):
    panel, ratemap, coords = layout
    ped = RELATIONSHIPS[name].pedigree()
    return [founder_labels(ped, ("A", "B"), ratemap, coords, seed=seed + k) for k in range(n)]


def test_rate_map_is_the_sex_averaged_map(layout):
    panel, ratemap, coords = layout
    avg = (panel.cm_male + panel.cm_female) / 200.0
    starts = np.flatnonzero(panel.chrom_start)
    ends = np.append(starts[1:], len(panel)) - 1
    # Morgans between any two SNPs of a chromosome are the averaged map's distance
    mass = ratemap.get_cumulative_mass(coords)
    for lo, hi in zip(starts, ends):
        np.testing.assert_allclose(mass[lo:hi + 1] - mass[lo], avg[lo:hi + 1] - avg[lo],
                                   atol=1e-9)
    # and each gap between chromosomes carries GAP_MORGANS
    np.testing.assert_allclose(mass[starts[1:]] - mass[ends[:-1]], GAP_MORGANS, rtol=1e-9)


@pytest.mark.parametrize("name", ["full siblings", "half siblings", "first cousins"])
def test_mean_ibd_sharing_is_the_kinship(layout, name):
    """Mean over the panel of (genes shared IBD) / 2 has expectation 2 x kinship (0.5, 0.25,
    0.125); the tolerance is 4 standard errors of the mean over the simulated pairs."""
    share = np.array([ibd_count(lab, "A", "B").mean() / 2.0
                      for lab in _drops(name, layout, PAIRS, seed=1)])
    expected = 2.0 * RELATIONSHIPS[name].kinship
    se = share.std(ddof=1) / np.sqrt(PAIRS)
    assert 0.0 < se < 0.01
    assert abs(share.mean() - expected) < 4.0 * se
    if name == "full siblings":  # kappa = (1/4, 1/2, 1/4) at every SNP
        counts = np.stack([ibd_count(lab, "A", "B") for lab in _drops(name, layout, 40, 9)])
        for g, kappa in enumerate((0.25, 0.5, 0.25)):
            per_pair = (counts == g).mean(axis=1)
            assert abs(per_pair.mean() - kappa) < 4.0 * per_pair.std(ddof=1) / np.sqrt(40)


def test_chromosomes_recombine_freely_and_switches_follow_haldane(layout):
    """Half siblings share one gene IBD or none, each with probability 1/2 at every SNP.
    Across a chromosome boundary the two states are independent (same state with probability
    1/2); between adjacent SNPs of a chromosome the state switches when exactly one of the
    two meioses from the shared parent has an odd number of crossovers: 2 t (1 - t), t the
    Haldane recombination fraction on the (sex-averaged) map."""
    panel = layout[0]
    starts = panel.chrom_start.astype(bool)
    last_first = np.flatnonzero(starts)[1:]
    avg = (panel.cm_male + panel.cm_female) / 2.0
    t = haldane(np.diff(avg))[~starts[1:]]
    same, switches = [], []
    for lab in _drops("half siblings", layout, PAIRS, seed=1000):
        ibd = ibd_count(lab, "A", "B")
        assert set(np.unique(ibd).tolist()) <= {0, 1}
        same.append(np.mean(ibd[last_first] == ibd[last_first - 1]))
        switches.append(np.sum((ibd[1:] != ibd[:-1])[~starts[1:]]))
    same_arr = np.array(same)
    assert abs(same_arr.mean() - 0.5) < 4.0 * 0.5 / np.sqrt(PAIRS * last_first.size)
    sw = np.array(switches, dtype=float)
    expected = float(np.sum(2.0 * t * (1.0 - t)))
    assert abs(sw.mean() - expected) < 4.0 * sw.std(ddof=1) / np.sqrt(PAIRS)


@pytest.mark.parametrize("name", ["parent-child", "grandparent"])
def test_founder_alleles_pass_intact(layout, name):
    """A parent and child share exactly one gene IBD at every SNP, so with no error and no
    missing call they always share an allele; a grandparent shares one or none, and where
    none, opposite homozygotes occur (the check is not empty)."""
    panel = layout[0]
    rng = np.random.default_rng(5)
    opposite = []
    for lab in _drops(name, layout, 20, seed=50):
        ibd = ibd_count(lab, "A", "B")
        haps = founder_alleles(lab, panel.freq_a1, rng)
        a, b = (degrade(haps[s], panel.freq_a1, rng) for s in ("A", "B"))
        assert a.min() >= 0 and b.min() >= 0
        opp = np.abs(a - b) == 2
        if name == "parent-child":
            assert np.all(ibd == 1)
        assert not np.any(opp & (ibd > 0))
        opposite.append(opp.sum())
    if name == "grandparent":
        assert sum(opposite) > 0
    else:
        assert sum(opposite) == 0
