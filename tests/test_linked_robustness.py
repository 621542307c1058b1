"""Linked SNPs where the world differs from the model: the subpopulation (F_ST) correction of
the founder genes against the oracle and the unlinked engine's theta, and the simulation
pieces of the robustness benchmark (Balding-Nichols frequencies, block linkage
disequilibrium)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.errors import InputError
from forensic_match.likelihood import pedigree_likelihood
from forensic_match.linked import (
    RELATIONSHIPS,
    linked_kinship_lr,
    load_force_panel,
    pair_log_likelihood,
    pair_process,
)
from forensic_match.linked.pair import _unrelated_process, emission_table
from forensic_match.linked.simulate import (
    balding_nichols,
    drop_genes,
    founder_haplotypes,
    simulate_pair,
)
from forensic_match.pedigree import Pedigree
from tests.helpers import call_profiles
from tests.linked_oracle import founder_alleles_probability, oracle_likelihood
from tests.test_linked import SMALL, tiny_panel

PANEL = load_force_panel()


# --- the F_ST correction against the oracle ---------------------------------------------------

def test_founder_urn_is_a_probability_and_reduces_to_independence():
    """The oracle's Beta-binomial founder law sums to 1 over all allele vectors and is the
    product of frequencies when F = 0 (so the oracle itself is sound)."""
    import itertools

    for fst in (0.0, 0.03, 0.4):
        for n in (1, 2, 4, 6):
            total = sum(founder_alleles_probability(a, 0.37, fst)
                        for a in itertools.product((0, 1), repeat=n))
            assert total == pytest.approx(1.0, rel=1e-12)
    assert founder_alleles_probability((1, 0, 1), 0.3, 0.0) == pytest.approx(0.3 * 0.7 * 0.3)
    # two genes identical in state: p^2 + F p (1 - p) (the subpopulation's homozygosity)
    assert founder_alleles_probability((1, 1), 0.3, 0.05) == pytest.approx(
        0.09 + 0.05 * 0.21, rel=1e-12)


def _compare(ped, freq, cmm, cmf, chrom, ca, cb, error, dropout, fst, proc=None):
    panel = tiny_panel(freq, cmm, cmf, chrom)
    proc = pair_process(ped, "A", "B") if proc is None else proc
    kernel = pair_log_likelihood(proc, panel, np.array(ca), np.array(cb), error=error,
                                 dropout=dropout, fst=fst)
    oracle = oracle_likelihood(ped, "A", "B", list(freq), chrom, list(cmm), list(cmf),
                               list(ca), list(cb), error=error, dropout=dropout, fst=fst)
    assert math.exp(kernel) == pytest.approx(oracle, rel=1e-9)


@settings(deadline=None, max_examples=25)
@given(name=st.sampled_from(SMALL), n=st.integers(1, 3),
       fst=st.one_of(st.just(0.0), st.floats(1e-6, 0.3)),
       data=st.data())
def test_kernel_with_fst_agrees_with_oracle(name, n, fst, data):
    ped = RELATIONSHIPS[name].pedigree()
    meioses = 2 * sum(ped.parents(i) is not None for i in ped.ids)
    n = max(1, min(n, 12 // meioses))
    freq = data.draw(st.lists(st.floats(0.05, 0.95), min_size=n, max_size=n))
    steps = st.lists(st.floats(0.0, 80.0), min_size=n, max_size=n)
    cmm, cmf = np.cumsum(data.draw(steps)), np.cumsum(data.draw(steps))
    chrom = sorted(data.draw(st.lists(st.sampled_from(["1", "2"]), min_size=n, max_size=n)))
    calls = st.lists(st.integers(-1, 2), min_size=n, max_size=n)
    error = (data.draw(st.floats(0, 0.3)), data.draw(st.floats(0, 0.3)))
    dropout = (data.draw(st.floats(0, 0.3)), data.draw(st.floats(0, 0.3)))
    _compare(ped, freq, cmm, cmf, chrom, data.draw(calls), data.draw(calls), error, dropout,
             fst)


@pytest.mark.parametrize("name", ["unrelated", "first cousins", "inbred"])
def test_fst_agrees_with_oracle_for_unrelated_cousins_and_inbred(name):
    """Unrelated (four distinct but correlated genes), a 16-state process (one marker: the
    oracle's cost grows as 2 ** (meioses x markers); linkage is tested above), and a person
    whose two genes can be identical by descent and also correlated through F."""
    proc = None
    if name == "unrelated":
        ped = Pedigree.from_records([("A", None, None, "M"), ("B", None, None, "F")])
        proc = _unrelated_process("A", "B")
    elif name == "inbred":
        ped = Pedigree.from_records([("F", None, None, "M"), ("M1", None, None, "F"),
                                     ("M2", None, None, "F"), ("A", "F", "M1", "M"),
                                     ("S", "F", "M2", "F"), ("B", "A", "S", "M")])
    else:
        ped = RELATIONSHIPS[name].pedigree()
    if name == "first cousins":
        _compare(ped, [0.3], [0.0], [0.0], ["1"], [1], [1], (0.02, 0.05), (0.0, 0.1), 0.07)
    else:
        _compare(ped, [0.3, 0.8], [0.0, 12.0], [0.0, 31.0], ["1", "1"], [1, 2], [2, 1],
                 (0.02, 0.05), (0.0, 0.1), 0.07, proc)


@pytest.mark.parametrize("name", ["full siblings", "first cousins", "second cousins"])
def test_unlinked_limit_with_fst_equals_the_engine_with_theta(name):
    """Without linkage the pair model with F_ST is the exact engine with the same theta
    (NRC II 4.10 / Balding-Nichols urn over the founder alleles)."""
    rng = np.random.default_rng(11)
    panel = PANEL.subset([m.name for m in PANEL.markers[:200]])
    ped = RELATIONSHIPS[name].pedigree()
    a, b = simulate_pair(ped, "A", "B", panel, rng, missing=0.2)
    profiles = call_profiles(panel.markers, {"A": a, "B": b})
    exact = np.sum(np.log(pedigree_likelihood(ped, panel.markers, profiles, theta=0.03)))
    unlinked = pair_log_likelihood(pair_process(ped, "A", "B"), panel.without_linkage(), a, b,
                                   fst=0.03)
    assert unlinked == pytest.approx(exact, rel=1e-9)
    assert pair_log_likelihood(pair_process(ped, "A", "B"), panel.without_linkage(), a, b) \
        != pytest.approx(exact, rel=1e-6)


def test_fst_table_equals_direct_and_zero_is_the_old_model():
    rng = np.random.default_rng(3)
    ped = RELATIONSHIPS["half siblings"].pedigree()
    a, b = simulate_pair(ped, "A", "B", PANEL, rng, error=0.01, missing=0.3)
    proc = pair_process(ped, "A", "B")
    table = emission_table(proc, PANEL, error=(0.01, 0.01), fst=0.02)
    direct = pair_log_likelihood(proc, PANEL, a, b, error=(0.01, 0.01), fst=0.02)
    assert pair_log_likelihood(proc, PANEL, a, b, table=table) == pytest.approx(direct,
                                                                               rel=1e-12)
    assert pair_log_likelihood(proc, PANEL, a, b, error=(0.01, 0.01), fst=0.0) == \
        pair_log_likelihood(proc, PANEL, a, b, error=(0.01, 0.01))


def test_fst_lowers_a_distant_lr_and_is_refused_outside_range():
    """Shared alleles are less surprising within a subpopulation, so an unrelated pair's LR
    for second cousins falls as F grows; bad F is an InputError naming the parameter."""
    rng = np.random.default_rng(5)
    p = PANEL.freq_a1
    q = balding_nichols(p, 0.05, rng)
    from forensic_match.linked.simulate import degrade

    haps = founder_haplotypes(q, 4, rng)
    a, b = (degrade(haps[2 * j:2 * j + 2], q, rng, error=0.01, missing=0.3) for j in (0, 1))
    proc = pair_process(RELATIONSHIPS["second cousins"].pedigree(), "A", "B")
    unrel = _unrelated_process("A", "B")

    def log_lr(f):
        return (pair_log_likelihood(proc, PANEL, a, b, error=(0.01, 0.01), fst=f)
                - pair_log_likelihood(unrel, PANEL, a, b, error=(0.01, 0.01), fst=f))

    values = [log_lr(f) for f in (0.0, 0.02, 0.05)]
    assert values[0] > values[1] > values[2]
    with pytest.raises(InputError, match="fst"):
        pair_log_likelihood(proc, PANEL, a, b, fst=1.0)
    with pytest.raises(InputError, match="fst"):
        linked_kinship_lr(RELATIONSHIPS["second cousins"].pedigree(), None, PANEL.subset(
            ["rs9442372"]), {}, first="A", second="B", fst=-0.1)


# --- simulation pieces ------------------------------------------------------------------------

@pytest.mark.parametrize("fst", [0.01, 0.02, 0.05])
def test_balding_nichols_draws_have_the_stated_fst(fst):
    """Over 200 subpopulations of the 3,930 FORCE SNPs: mean of the draws = panel frequency
    and var / (p (1 - p)) = F within 5% (the estimate's relative standard error is ~0.2%)."""
    rng = np.random.default_rng(int(fst * 1000))
    p = PANEL.freq_a1
    q = np.stack([balding_nichols(p, fst, rng) for _ in range(200)])
    assert np.all((q >= 0) & (q <= 1))
    assert np.abs(q.mean(axis=0) - p).max() < 6 * math.sqrt(fst * 0.25 / 200)
    estimate = np.mean(q.var(axis=0, ddof=1) / (p * (1 - p)))
    assert estimate == pytest.approx(fst, rel=0.05)
    assert np.array_equal(balding_nichols(p, 0.0, rng), p)
    with pytest.raises(InputError, match="F_ST"):
        balding_nichols(p, 1.0, rng)


def test_block_ld_keeps_frequencies_and_correlates_neighbours():
    rng = np.random.default_rng(9)
    p = PANEL.freq_a1
    n = 2000
    for ld in (0.0, 0.6):
        h = founder_haplotypes(p, n, rng, chrom_start=PANEL.chrom_start, ld=ld).astype(float)
        z = (h.mean(axis=0) - p) / np.sqrt(p * (1 - p) / n)
        assert np.abs(z).max() < 5.5  # every SNP keeps its frequency
        x = (h - h.mean(axis=0)) / h.std(axis=0)
        r = (x[:, 1:] * x[:, :-1]).mean(axis=0)  # neighbour correlation
        within = ~PANEL.chrom_start[1:]
        if ld == 0.0:
            assert abs(r.mean()) < 0.005
        else:
            assert r[within].mean() > 0.2
            # the first SNP of a chromosome is drawn afresh: no correlation across the border
            assert abs(r[~within].mean()) < 4 / math.sqrt(n)
    # the default path of drop_genes is the original draw (seeded results unchanged)
    ped = RELATIONSHIPS["half siblings"].pedigree()
    one = drop_genes(ped, PANEL, np.random.default_rng(1))
    two = drop_genes(ped, PANEL, np.random.default_rng(1), freq_a1=PANEL.freq_a1)
    assert all(np.array_equal(one[k], two[k]) for k in one)


# --- F_ST in the family model and the search screen ------------------------------------------

def test_family_kernel_with_fst_agrees_with_the_pair_model_and_the_engine():
    """Three typed persons (uncle, missing person, grandmother) with F (the kernel against
    the enumeration oracle with F: tests/test_linked.py): k = 2 equals the pair model, and
    without linkage the exact engine with the same theta."""
    from forensic_match.linked.family import (
        family_log_likelihood,
        family_process,
        linked_pedigree_lr,
    )
    from tests.test_linked import _family

    ped = _family()
    typed = ["U", "MP", "GM"]

    rng = np.random.default_rng(17)
    sub = PANEL.subset([m.name for m in PANEL.markers[:150]])
    from forensic_match.linked.simulate import degrade

    haps = drop_genes(ped, sub, rng)
    codes = np.stack([degrade(haps[i], sub.freq_a1, rng, missing=0.2) for i in typed])
    pair = pair_log_likelihood(pair_process(ped, "U", "MP"), sub, codes[0], codes[1],
                               error=(0.01, 0.02), fst=0.03)
    fam = family_log_likelihood(family_process(ped, ["U", "MP"]), sub, codes[:2],
                                error=[0.01, 0.02], fst=0.03)
    assert fam == pytest.approx(pair, rel=1e-12)
    profiles = call_profiles(sub.markers, dict(zip(typed, codes)))
    exact = np.sum(np.log(pedigree_likelihood(ped, sub.markers, profiles, theta=0.03)))
    unlinked = family_log_likelihood(family_process(ped, typed), sub.without_linkage(), codes,
                                     fst=0.03)
    assert unlinked == pytest.approx(exact, rel=1e-9)
    assert linked_pedigree_lr(ped, ped, sub, profiles, fst=0.03) == 0.0


def test_screen_with_fst_is_the_unlinked_limit_of_the_hmm():
    from forensic_match.linked.search import screen

    rng = np.random.default_rng(19)
    panel = PANEL.subset([m.name for m in PANEL.markers[:200]])
    ped = RELATIONSHIPS["half siblings"].pedigree()
    proc = pair_process(ped, "A", "B")
    a, b = simulate_pair(ped, "A", "B", panel, rng, error=0.01, missing=0.3)
    score = screen(panel, a, b, proc.kappa, error=0.02, fst=0.03)[0, 0]
    free = panel.without_linkage()
    hmm = (pair_log_likelihood(proc, free, a, b, error=(0.02, 0.02), fst=0.03)
           - pair_log_likelihood(_unrelated_process("A", "B"), free, a, b, error=(0.02, 0.02),
                                 fst=0.03)) / math.log(10)
    assert score == pytest.approx(hmm, rel=1e-9, abs=1e-9)
    assert score != pytest.approx(screen(panel, a, b, proc.kappa, error=0.02)[0, 0], rel=1e-6)
