"""Lineage LRs under simulated populations: E[LR | unrelated] = 1, P(LR >= t) <= 1/t, and what
village patrilineages do to both. Fixed seeds; no wall-time checks."""

from __future__ import annotations

import numpy as np
import pytest

from forensic_match.errors import InputError
from forensic_match.lineage.data import LineageData, YDatabase
from forensic_match.lineage.lines import lineage_links
from forensic_match.lineage.lr import y_lr
from forensic_match.lineage.mtdna import compare_mitotypes, parse_mitotype
from forensic_match.lineage.simulate import (
    YPopulation,
    drop_mt,
    drop_y,
    mutate_y,
    village_haplotypes,
)
from forensic_match.lineage.ystr import BALLANTYNE_2010_RATES, YMarker, compare_haplotypes
from forensic_match.pedigree import first_cousins

LOCI = ("DYS19", "DYS389I", "DYS389II", "DYS390", "DYS391", "DYS392", "DYS393", "DYS437",
        "DYS438", "DYS439", "DYS448", "DYS456", "DYS458", "DYS635", "YGATAH4")


def _population() -> YPopulation:
    markers = tuple(YMarker(k, 1, BALLANTYNE_2010_RATES[k]) for k in LOCI)
    rng = np.random.default_rng(1)
    centers = rng.integers(10, 30, size=(4, len(LOCI)))
    dispersion = rng.uniform(0.15, 0.45, size=(4, len(LOCI)))
    return YPopulation(markers, centers, dispersion, np.array([0.4, 0.3, 0.2, 0.1]))


def _exact_lr(pop: YPopulation, pm, ref, meioses) -> float:
    num = compare_haplotypes(ref, pm, pop.markers, meioses=meioses).probability
    return num / pop.probability(pm)


def test_expected_lr_of_unrelated_men_is_one_with_exact_frequencies():
    """Two fast loci and a distant reference, so that the LR is not heavy-tailed and a Monte
    Carlo mean over 40,000 unrelated men can be checked against 1."""
    markers = (YMarker("DYS570", 1, 0.05), YMarker("DYS576", 1, 0.08))
    pop = YPopulation(markers, np.array([[17, 18]]), np.array([[0.25, 0.3]]), np.array([1.0]))
    ref = {"DYS570": ("17",), "DYS576": ("18",)}
    men = np.array([[int(h["DYS570"][0]), int(h["DYS576"][0])]
                    for h in pop.sample(40_000, seed=7)])
    rows, counts = np.unique(men, axis=0, return_counts=True)
    lrs = np.array([_exact_lr(pop, {"DYS570": (str(a),), "DYS576": (str(b),)}, ref, 6)
                    for a, b in rows])
    mean = float((lrs * counts).sum() / counts.sum())
    se = float(np.sqrt(((lrs - mean) ** 2 * counts).sum() / counts.sum() / counts.sum()))
    assert abs(mean - 1.0) < 4 * se + 1e-3, (mean, se)
    assert se < 0.05


def test_tail_bound_holds_for_population_men_with_counting_frequencies():
    pop = _population()
    rng = np.random.default_rng(3)
    data = LineageData(pop.markers, YDatabase("sim", tuple(pop.sample(400, seed=rng))))
    refs = pop.sample(40, seed=rng)
    men = pop.sample(500, seed=rng)
    lrs = np.array([y_lr(m, r, 4, data).lr for r in refs for m in men])
    for t in (10, 100, 1000):
        assert (lrs >= t).mean() <= 1 / t, t
    # the true missing man, four meioses from the reference, usually matches; counting caps
    # his LR near (N + 1) * P(no mutation in 4 meioses) = 401 * 0.82
    true = np.array([y_lr(mutate_y(r, pop.markers, 4, seed=rng), r, 4, data).lr
                     for r in refs])
    assert np.median(true) > 300 and true.max() < 401


def test_village_patrilineages_break_the_tail_bound():
    """Men of the reference's own patrilineage, unrecorded in any pedigree, are 'unrelated'
    to the family but share its Y line: P(LR >= 100) far exceeds 1/100 for them."""
    pop = _population()
    rng = np.random.default_rng(5)
    data = LineageData(pop.markers, YDatabase("sim", tuple(pop.sample(400, seed=rng))))
    village = village_haplotypes(pop, villages=4, lineages=3, men=15, generations=5, seed=rng)
    same, other = [], []
    for k, (v, lin, ref) in enumerate(village[::15]):
        for j, (v2, lin2, man) in enumerate(village):
            if j == 15 * k:
                continue
            lr = y_lr(man, ref, 4, data).lr
            (same if (v2, lin2) == (v, lin) else other).append(lr)
    same, other = np.array(same), np.array(other)
    assert (same >= 100).mean() > 0.2
    assert (other >= 100).mean() <= 1 / 100


def test_drop_y_and_mt_follow_the_lines_of_a_pedigree():
    pop = _population()
    ped = first_cousins(ids=("MP", "CO"), parent_sexes=("M", "M"))
    founders_y = {i: pop.sample(1, seed=k)[0] for k, i in enumerate(ped.founders)
                  if ped.sex_of(i) == "M"}
    ys = drop_y(ped, pop.markers, founders_y, seed=4)
    assert set(ys) == {i for i in ped.ids if ped.sex_of(i) == "M"}
    assert lineage_links(ped, "MP", "Y", among=["CO"])[0].meioses == 4
    diffs = [len(compare_haplotypes(ys["MP"], ys["CO"], pop.markers, meioses=4).differences)
             for _ in range(1)]
    assert diffs[0] <= 2
    hv = {"range": [[16024, 16569], [1, 576]], "variants": []}
    founders_mt = {i: parse_mitotype(hv | {"variants": [f"{16100 + k}A"]})
                   for k, i in enumerate(ped.founders)}
    mts = drop_mt(ped, founders_mt, rate=0.0, seed=1)
    assert compare_mitotypes(mts["MP"], founders_mt["MP_mother"]).differences == ()
    mutated = drop_mt(ped, founders_mt, rate=0.01, seed=1)
    assert compare_mitotypes(mutated["MP"], founders_mt["MP_mother"]).n_differences == \
        pytest.approx(0.01 * 1122, abs=30)


def _mt_pool(n: int, seed: int) -> list:
    from forensic_match.lineage.mtdna import Mitotype

    rng = np.random.default_rng(seed)
    ranges = ((16024, 16365), (73, 340))
    sites = [p for a, b in ranges for p in range(a, b + 1)]
    return [Mitotype(ranges, {int(p): "ACGT"[int(rng.integers(4))]
                              for p in rng.choice(sites, size=6, replace=False)})
            for _ in range(n)]


def test_add_lineage_to_a_simulated_programme(markers, tmp_path):
    from forensic_match.cases import load_case, save_case
    from forensic_match.dvi.simulate import simulate_programme
    from forensic_match.lineage.lr import lineage_lrs
    from forensic_match.lineage.simulate import add_lineage

    prog = simulate_programme(25, 30, markers=markers, seed=3)
    add_lineage(prog, population=_population(), mitotypes=_mt_pool(50, 1), seed=4,
                database_size=200, villages=3, lineages=2)
    ds = prog.dataset
    for fam in ds.am:
        assert set(fam.mtdna) == set(fam.genotypes)
        assert set(fam.ystr) == {i for i in fam.genotypes if fam.pedigree.sex_of(i) != "F"}
    truth = dict(zip(prog.truth["pm"].to_list(), zip(prog.truth["family"].to_list(),
                                                     prog.truth["missing"].to_list())))
    fams = {f.id: f for f in ds.am}
    checked = 0
    for pm in ds.pm:
        fid, mid = truth[pm.id]
        assert pm.mtdna is not None
        if pm.sex == "F":
            assert pm.ystr is None
        if mid is None:
            continue
        for result in lineage_lrs(ds, {pm.id: [(fid, mid)]}):
            for line in (result.y, result.mtdna):
                if line is not None:
                    assert line.lr > 0     # the true family is never excluded by the model
                    checked += 1
        fam = fams[fid]
        if fam.pedigree.sex_of(mid) == "F":
            assert pm.ystr is None
    assert checked > 10
    path = tmp_path / "prog.json"
    save_case(ds, path)
    again = load_case(path)
    assert [p.ystr for p in again.pm] == [p.ystr for p in ds.pm]
    assert [p.mtdna for p in again.pm] == [p.mtdna for p in ds.pm]
    assert again.lineage.y_database.haplotypes == ds.lineage.y_database.haplotypes
    assert again.lineage.mt_database.mitotypes == ds.lineage.mt_database.mitotypes


def test_population_is_truncated_at_one_repeat_and_its_probabilities_still_sum_to_one():
    """Centres near 1 with wide dispersions: no draw falls below one repeat, the exact
    probabilities over the whole support sum to 1, and the truncation mass ``Z`` equals the
    brute-force sum of the untruncated mixture over alleles >= 1."""
    from forensic_match.lineage.disclap import disclap_pmf

    markers = (YMarker("DYS570", 1, 0.05), YMarker("DYS576", 1, 0.08))
    centers = np.array([[2, 5], [1, 3]])
    dispersion = np.array([[0.6, 0.5], [0.45, 0.7]])
    pop = YPopulation(markers, centers, dispersion, np.array([0.7, 0.3]))
    grid = np.arange(1, 200)
    per = [np.array([disclap_pmf(grid - centers[j, k], np.full(grid.size, dispersion[j, k]))
                     for k in range(2)]).sum(axis=1).prod() for j in range(2)]
    assert pop.mass == pytest.approx(float(np.dot(per, pop.tau)), rel=1e-12)
    assert pop.mass < 0.9
    total = sum(pop.probability({"DYS570": (str(a),), "DYS576": (str(b),)})
                for a in range(1, 120) for b in range(1, 120))
    assert total == pytest.approx(1.0, rel=1e-9)
    men = np.array([[int(h["DYS570"][0]), int(h["DYS576"][0])]
                    for h in pop.sample(20_000, seed=3)])
    assert men.min() >= 1
    # the sample's frequency of the most common haplotype agrees with the exact probability
    rows, counts = np.unique(men, axis=0, return_counts=True)
    top = rows[np.argmax(counts)]
    p = pop.probability({"DYS570": (str(top[0]),), "DYS576": (str(top[1]),)})
    assert abs(counts.max() / 20_000 - p) < 4 * np.sqrt(p * (1 - p) / 20_000)
    with pytest.raises(InputError, match="at least one repeat"):
        YPopulation(markers, np.array([[0, 5]]), np.array([[0.3, 0.3]]), np.array([1.0]))


def _programme_with_lineage(markers, **options):
    from forensic_match.dvi.simulate import simulate_programme
    from forensic_match.lineage.simulate import add_lineage

    prog = simulate_programme(20, 24, markers=markers, seed=5)
    return add_lineage(prog, population=_population(), mitotypes=_mt_pool(40, 2), seed=6,
                       database_size=100, **options)


def _paternal_pairs(ds):
    """(father's, son's) haplotypes of every typed father-son pair of the families."""
    out = []
    for fam in ds.am:
        ped = fam.pedigree
        for i, ident in enumerate(ped.ids):
            fa = int(ped.father[i])
            if fa >= 0 and ident in fam.ystr and ped.ids[fa] in fam.ystr:
                out.append((fam.ystr[ped.ids[fa]], fam.ystr[ident]))
    return out


def test_add_lineage_mutates_y_at_the_simulated_rates_and_states_the_panel(markers):
    """``simulate_y_markers`` changes how the haplotypes mutate, not the panel the analysis
    reads; the population's own markers give the same data as none."""
    from dataclasses import replace

    pop = _population()
    same = _programme_with_lineage(markers, simulate_y_markers=pop.markers)
    plain = _programme_with_lineage(markers)
    assert [p.ystr for p in same.dataset.pm] == [p.ystr for p in plain.dataset.pm]
    assert [f.ystr for f in same.dataset.am] == [f.ystr for f in plain.dataset.am]
    frozen = _programme_with_lineage(
        markers, simulate_y_markers=[replace(m, rate=0.0) for m in pop.markers])
    fast = _programme_with_lineage(
        markers, simulate_y_markers=[replace(m, rate=0.5) for m in pop.markers])
    pairs_frozen, pairs_fast = _paternal_pairs(frozen.dataset), _paternal_pairs(fast.dataset)
    assert pairs_frozen and all(a == b for a, b in pairs_frozen)
    assert sum(a != b for a, b in pairs_fast) > len(pairs_fast) // 2
    for prog in (frozen, fast):
        assert prog.dataset.lineage.markers == pop.markers
    with pytest.raises(InputError, match="simulate_y_markers"):
        _programme_with_lineage(markers, simulate_y_markers=pop.markers[:-1])


def test_restrict_mitotype_keeps_the_overlap_and_its_variants():
    from forensic_match.lineage.simulate import restrict_mitotype

    m = parse_mitotype({"range": [[16024, 16569], [1, 576]],
                        "variants": ["16189C", "16519C", "73G", "249d", "315.1C"]})
    hv1 = restrict_mitotype(m, [(16024, 16365)])
    assert hv1.ranges == ((16024, 16365),)
    assert hv1.notation() == ["16189C"] and list(hv1.variants) == ["16189C"]
    both = restrict_mitotype(m, [(16100, 16200), (200, 400)])
    assert both.ranges == ((16100, 16200), (200, 400))
    assert both.notation() == ["249d", "315.1C", "16189C"]
    assert restrict_mitotype(m, [(577, 16023)]) is None


def test_degrade_lineage_per_body_and_never_the_references(markers):
    from forensic_match.lineage.simulate import degrade_lineage

    prog = _programme_with_lineage(markers)
    before_pm = [(p.ystr, p.mtdna) for p in prog.dataset.pm]
    before_am = [(f.ystr, f.mtdna) for f in prog.dataset.am]
    degrade_lineage(prog, seed=1)
    assert [(p.ystr, p.mtdna) for p in prog.dataset.pm] == before_pm
    degrade_lineage(prog, seed=2, y_loss=(0.3, 0.7), mt_partial=0.5)
    after = [(p.ystr, p.mtdna) for p in prog.dataset.pm]
    assert [(f.ystr, f.mtdna) for f in prog.dataset.am] == before_am
    lost = short = 0
    for (y0, m0), (y1, m1) in zip(before_pm, after, strict=True):
        if y0 is None:
            assert y1 is None
        elif y1 is None or len(y1) < len(y0):
            lost += 1
            assert y1 is None or all(y0[k] == v for k, v in y1.items())
        if m1.ranges != m0.ranges:
            short += 1
            assert m1.ranges == ((16024, 16365),)
    assert lost and short
    # the fragments of one body are degraded alike
    body_of = dict(zip(prog.truth["pm"].to_list(), prog.truth["body"].to_list()))
    seen: dict = {}
    for p in prog.dataset.pm:
        if p.ystr is not None:
            assert seen.setdefault((body_of[p.id], "y"), p.ystr) == p.ystr
        assert seen.setdefault((body_of[p.id], "mt"), p.mtdna) == p.mtdna
    degrade_lineage(prog, seed=3, y_loss=(1.0, 1.0))
    assert all(p.ystr is None for p in prog.dataset.pm)
    with pytest.raises(InputError, match="y_loss"):
        degrade_lineage(prog, seed=3, y_loss=(0.5, 0.2))


def test_village_matrilines_share_mitotypes_beyond_the_database(markers):
    """With ``matrilines``, a village's founders and unrelated bodies take its few maternal
    lines' mitotypes (here one line per village and no mutation: exactly two mitotypes among
    them), while the database is drawn from the population at large; without it the data
    are those of a run that never had the option."""
    base = _programme_with_lineage(markers, villages=2, lineages=2)
    none = _programme_with_lineage(markers, villages=2, lineages=2, matrilines=0)
    assert [p.mtdna for p in none.dataset.pm] == [p.mtdna for p in base.dataset.pm]
    assert [f.mtdna for f in none.dataset.am] == [f.mtdna for f in base.dataset.am]
    prog = _programme_with_lineage(markers, villages=2, lineages=2, matrilines=1,
                                   mt_rate=0.0)
    ds = prog.dataset

    def key(m):
        return m.ranges, tuple(m.notation())

    seen = {key(m) for f in ds.am for m in f.mtdna.values()} | {key(p.mtdna) for p in ds.pm}
    assert len(seen) <= 2
    assert len({key(m) for m in ds.lineage.mt_database.mitotypes}) > 10
    assert len({key(p.mtdna) for p in base.dataset.pm}) > 5
