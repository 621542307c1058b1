"""The compiled search agrees with the exact pairwise kinship LR of the engine.

Random families (the relationship builders), mutation models (none, equal, proportional,
stepwise), PM samples that are the true missing person, a relative, or unrelated, with partial
profiles and dropout. Agreement is required to 1e-9 relative in the LR (frequencies summing to
exactly 1: see docs/matching.md for tables that sum to 1 only within rounding).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.cases import Family, PMSample, load_case
from forensic_match.dvi.compile import compile_families, hardy_weinberg, table_size
from forensic_match.dvi.search import exact_pair_log10_lr, search_samples
from forensic_match.errors import ThetaFallbackWarning
from forensic_match.likelihood import prepare_markers
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import missing_person_family
from forensic_match.simulate import degrade, random_profile, simulate_profiles

RTOL = 1e-9

SHAPES = [
    {"F": "father", "M": "mother"},
    {"M": "mother", "S1": "full_sibling", "S2": "full_sibling"},
    {"S1": "full_sibling"},
    {"W": "spouse", "K1": "child", "K2": "child"},
    {"H": "half_sibling_paternal", "M": "mother"},
    {"U": "paternal_uncle", "C": "first_cousin_paternal"},
]
MODELS = [None,
          Mutation(female=MutationModel("equal", rate=0.01), male=MutationModel("equal", 0.03)),
          Mutation.same(MutationModel("proportional", rate=0.02)),
          Mutation(female=MutationModel("stepwise", rate=0.01, range=0.3, rate2=1e-3),
                   male=MutationModel("stepwise", rate=0.02, range=0.3, rate2=1e-3))]


def _markers(rng: np.random.Generator, n_markers: int) -> list[Marker]:
    out = []
    for k in range(n_markers):
        n = int(rng.integers(3, 14))
        alleles = [str(9 + i) for i in range(n - 1)] + ["12.3"]
        f = rng.dirichlet(np.full(n, 0.8)) + 1e-3
        out.append(Marker(f"M{k}", alleles, f / f.sum(), MODELS[k % len(MODELS)]))
    return out


def _programme(seed: int) -> tuple[list[Marker], list[Family], list[PMSample]]:
    rng = np.random.default_rng(seed)
    markers = _markers(rng, 8)
    families, samples = [], []
    for f, shape in enumerate(SHAPES):
        ped = missing_person_family("MP", missing_sex="M", relatives=shape)
        truth = simulate_profiles(ped, markers, seed=rng)
        typed = {i: truth[i] for i in shape}
        if f % 2:
            typed[next(iter(shape))].pop(markers[0].name)  # an untyped marker
        families.append(Family(f"F{f}", ped, ["MP"], typed))
        mp = truth["MP"]
        samples.append(PMSample(f"true{f}", "M", dict(mp)))
        degraded = degrade(mp, dropout=0.3, seed=rng)
        samples.append(PMSample(f"bone{f}", "U", degraded, dropout=0.3))
        partial = dict(mp)
        first = markers[1].name
        partial[first] = (partial[first][0], None)
        samples.append(PMSample(f"partial{f}", "M", partial))
    for u in range(3):
        samples.append(PMSample(f"unrel{u}", "F", random_profile(markers, seed=rng)))
    return markers, families, samples


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_search_equals_exact_pairwise(seed: int) -> None:
    markers, families, samples = _programme(seed)
    compiled = compile_families(families, markers)
    res = search_samples(compiled, samples, top=len(families), threshold=-math.inf,
                         sex_filter=False)
    got = {(r["pm"], r["family"]): r["log10_lr"] for r in res.pairs.iter_rows(named=True)}
    fams = {f.id: f for f in families}
    checked = 0
    for sample in samples:
        for fid, fam in fams.items():
            exact = float(np.sum(exact_pair_log10_lr(fam, "MP", sample, markers)))
            if exact == -math.inf:
                assert got[(sample.id, fid)] == -math.inf
                continue
            checked += 1
            assert math.isclose(10 ** (got[(sample.id, fid)] - exact), 1.0, rel_tol=RTOL), \
                (sample.id, fid, got[(sample.id, fid)], exact)
    assert checked > 40


def test_true_missing_person_ranks_first() -> None:
    markers, families, samples = _programme(7)
    res = search_samples(compile_families(families, markers), samples, top=3,
                         threshold=4.0)
    best = {r["pm"]: r["family"] for r in res.by_sample.iter_rows(named=True)
            if r["rank"] == 1}
    for f in range(len(families)):
        assert best[f"true{f}"] == f"F{f}"


def test_tables_are_compact_and_normalised() -> None:
    markers, families, _ = _programme(4)
    compiled = compile_families(families[:2], markers)
    assert compiled.log10_lr.shape[1] == sum(table_size(len(m)) for m in markers)
    # E[LR] = 1 under "unrelated": sum_g P(g) LR(g) = 1 for every marker.
    for r in range(len(compiled.rows)):
        for k, m in enumerate(markers):
            lo, hi = compiled.offsets[k], compiled.offsets[k + 1]
            lr = 10.0 ** compiled.log10_lr[r, lo:hi]
            assert float(np.sum(hardy_weinberg(m.frequencies) * lr)) == pytest.approx(1, 1e-12)


def test_sex_filter_and_thresholds() -> None:
    markers, families, samples = _programme(5)
    compiled = compile_families(families, markers)
    res = search_samples(compiled, samples, top=2, threshold=2.0)
    females = {s.id for s in samples if s.sex == "F"}
    assert not set(res.by_sample["pm"]) & females  # every missing person here is male
    assert (res.pairs["log10_lr"] >= 2.0).all()
    assert res.by_missing.group_by(["family", "missing"]).len()["len"].max() <= 2


def test_reference_datasets_by_search(reference_dir: Path) -> None:
    for path in sorted((reference_dir / "dvi").glob("*.json")):
        if "scaling_100" in path.name:
            continue
        ds = load_case(path)
        profiles = {p.id: p.genotypes for p in ds.pm}
        for fam in ds.am:
            profiles.update(fam.genotypes)
        markers = prepare_markers(ds.markers, profiles)
        res = search_samples(compile_families(ds.am, markers), ds.pm, top=50,
                             threshold=-math.inf, sex_filter=False)
        got = {(a, b): c for a, b, c in res.pairs.select("pm", "missing", "lr").iter_rows()}
        for rec in ds.expected["pairwise"]:
            key = (rec["pm"], rec["missing"])
            if rec["lr"] == 0:
                assert got[key] == 0.0, (ds.id, key)
            else:
                assert math.isclose(got[key], rec["lr"], rel_tol=1e-8), (ds.id, key)


def test_pm_sample_without_markers_is_refused() -> None:
    from forensic_match.errors import InputError

    markers, families, _ = _programme(6)
    compiled = compile_families(families[:1], markers)
    with pytest.raises(InputError, match="sample 'empty': PM sample has no typed marker"):
        search_samples(compiled, [PMSample("empty", "M", {"XYZ": ("1", "2")})])
    s = PMSample("dup", "M", {markers[0].name: (markers[0].alleles[0],) * 2})
    with pytest.raises(InputError, match="sample 'dup': duplicate PM sample id"):
        search_samples(compiled, [s, s])


def test_compiled_tables_are_reused_until_a_family_changes(tmp_path: Path) -> None:
    import dataclasses

    from forensic_match.dvi.compile import CompiledTables

    markers, families, _ = _programme(8)
    first = compile_families(families, markers)
    first.save(tmp_path / "tables.npz")
    loaded = CompiledTables.load(tmp_path / "tables.npz")
    np.testing.assert_array_equal(loaded.log10_lr, first.log10_lr)
    assert loaded.rows == first.rows and loaded.keys == first.keys
    # One family gains a typed relative's marker: only its row may change.
    changed = dataclasses.replace(families[2], genotypes={
        **families[2].genotypes,
        next(iter(families[2].genotypes)): {
            **next(iter(families[2].genotypes.values())),
            markers[0].name: (markers[0].alleles[0], markers[0].alleles[1])}})
    again = [*families[:2], changed, *families[3:]]
    calls: list[str] = []
    import forensic_match.dvi.compile as comp

    real = comp._compile_one

    def spy(fam, *args):  # type: ignore[no-untyped-def]
        calls.append(fam.id)
        return real(fam, *args)

    comp._compile_one = spy  # type: ignore[assignment]
    try:
        reused = compile_families(again, markers, reuse=loaded)
    finally:
        comp._compile_one = real  # type: ignore[assignment]
    assert calls == [changed.id]
    fresh = compile_families(again, markers)
    np.testing.assert_array_equal(reused.log10_lr, fresh.log10_lr)
    assert reused.keys[2] != first.keys[2] and reused.keys[0] == first.keys[0]


@st.composite
def _marker_and_family(draw: st.DrawFn) -> tuple[Marker, Family, tuple[str, str]]:
    n = draw(st.integers(6, 14))
    alleles = [str(9 + i) for i in range(n - 1)] + ["12.3"]
    raw = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n)))
    model = draw(st.sampled_from(MODELS))
    marker = Marker("M", alleles, raw / raw.sum(), model)
    shape = draw(st.sampled_from(SHAPES))
    ped = missing_person_family("MP", missing_sex="M", relatives=shape)
    seed = draw(st.integers(0, 2**31))
    truth = simulate_profiles(ped, [marker], seed=seed)
    fam = Family("F", ped, ["MP"], {i: truth[i] for i in shape})
    a = draw(st.sampled_from(alleles))
    b = draw(st.sampled_from(alleles))
    return marker, fam, (a, b)


@settings(deadline=None, max_examples=60)
@given(_marker_and_family())
def test_compiled_table_reproduces_exact_pairwise_likelihood(case) -> None:
    """Any genotype, seen in the family or not, under every lumpable and non-lumpable model."""
    marker, fam, genotype = case
    compiled = compile_families([fam], [marker])
    sample = PMSample("V", "M", {"M": genotype})
    exact = float(exact_pair_log10_lr(fam, "MP", sample, [marker])[0])
    a, b = marker.index(genotype[0]), marker.index(genotype[1])
    got = float(compiled.log10_lr[0, max(a, b) * (max(a, b) + 1) // 2 + min(a, b)])
    if exact == -math.inf:
        assert got == -math.inf
    else:
        assert math.isclose(10 ** (got - exact), 1.0, rel_tol=RTOL), (got, exact)


LUMPABLE = MODELS[:3]


def _theta_programme(seed: int) -> tuple[list[Marker], list[Family], list[PMSample]]:
    """:func:`_programme` with models the theta quadrature can take (equal, proportional or
    none: a stepwise model needs every allele in the quadrature)."""
    markers, families, samples = _programme(seed)
    return ([m.with_mutation(LUMPABLE[k % len(LUMPABLE)]) for k, m in enumerate(markers)],
            families, samples)


@pytest.mark.parametrize("seed", [4])
def test_theta_tables_equal_the_exact_theta_lr(seed: int) -> None:
    """Tables compiled with theta give the exact Balding-Nichols LR (H1 the family with the
    sample on M, H2 the sample an unrelated founder of the same urn) for complete profiles,
    single alleles with dropout and partial genotypes: the three search paths."""
    theta = 0.03
    markers, families, samples = _theta_programme(seed)
    compiled = compile_families(families, markers, theta=theta)
    assert compiled.theta == theta and compiled.denominator.shape == compiled.log10_lr.shape
    res = search_samples(compiled, samples, top=len(families), threshold=-math.inf,
                         sex_filter=False)
    got = {(r["pm"], r["family"]): r["log10_lr"] for r in res.pairs.iter_rows(named=True)}
    plain = search_samples(compile_families(families, markers), samples,
                           top=len(families), threshold=-math.inf, sex_filter=False)
    free = {(r["pm"], r["family"]): r["log10_lr"] for r in plain.pairs.iter_rows(named=True)}
    fams = {f.id: f for f in families}
    moved = 0
    for sample in samples:
        for fid, fam in fams.items():
            exact = float(np.sum(exact_pair_log10_lr(fam, "MP", sample, markers, theta=theta)))
            if exact == -math.inf:
                assert got[(sample.id, fid)] == -math.inf
                continue
            assert math.isclose(10 ** (got[(sample.id, fid)] - exact), 1.0, rel_tol=RTOL), \
                (sample.id, fid, got[(sample.id, fid)], exact)
            moved += abs(got[(sample.id, fid)] - free[(sample.id, fid)]) > 1e-3
    assert moved > 40  # theta changed the LRs


@settings(deadline=None, max_examples=10)  # the exact theta engine takes seconds per case
@given(_marker_and_family(), st.sampled_from([0.01, 0.05, 0.2]))
def test_theta_table_reproduces_exact_theta_lr(case, theta: float) -> None:
    """Any genotype, seen in the family or not, under theta and every lumpable model."""
    marker, fam, genotype = case
    marker = marker.with_mutation(LUMPABLE[hash(marker.mutation) % len(LUMPABLE)]) \
        if marker.mutation is not None and marker.mutation not in LUMPABLE else marker
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ThetaFallbackWarning)
        compiled = compile_families([fam], [marker], theta=theta)
    fell_back = [w for w in caught if issubclass(w.category, ThetaFallbackWarning)]
    sample = PMSample("V", "M", {"M": genotype})
    # The documented fallback, never silent: only where the exact correction exceeds the
    # quadrature limit (here the unrelated person's urn), with a warning, and the row then
    # carries theta 0.
    assert bool(fell_back) == (compiled.row_theta[0] == 0.0)
    if fell_back:
        from forensic_match.dvi.compile import family_denominator

        assert family_denominator(fam, [marker], theta)[2][0] == 0.0
        theta = 0.0
    exact = float(exact_pair_log10_lr(fam, "MP", sample, [marker], theta=theta)[0])
    a, b = marker.index(genotype[0]), marker.index(genotype[1])
    got = float(compiled.log10_lr[0, max(a, b) * (max(a, b) + 1) // 2 + min(a, b)])
    if exact == -math.inf:
        assert got == -math.inf
    else:
        assert math.isclose(10 ** (got - exact), 1.0, rel_tol=RTOL), (got, exact)


def test_theta_tables_are_saved_and_not_reused_across_theta(tmp_path: Path) -> None:
    from forensic_match.dvi.compile import CompiledTables

    markers, families, samples = _theta_programme(6)
    families = families[:2]
    tables = compile_families(families, markers, theta=0.02)
    tables.save(tmp_path / "t.npz")
    loaded = CompiledTables.load(tmp_path / "t.npz")
    assert loaded.theta == 0.02
    np.testing.assert_array_equal(loaded.denominator, tables.denominator)
    np.testing.assert_array_equal(loaded.denominator_sums, tables.denominator_sums)
    one = search_samples(tables, samples, threshold=-math.inf, sex_filter=False).pairs
    two = search_samples(loaded, samples, threshold=-math.inf, sex_filter=False).pairs
    assert one.equals(two)
    free = compile_families(families, markers, reuse=loaded)
    assert free.theta == 0.0 and set(free.keys).isdisjoint(loaded.keys)
    assert not np.allclose(free.log10_lr, loaded.log10_lr)


@pytest.mark.parametrize("theta", [0.0, 0.02])
def test_tables_compiled_in_workers_are_the_tables_compiled_here(theta: float) -> None:
    """``compile_families(workers=2)`` fills one table as the workers' chunks come back, in
    whatever order they finish: the same rows, sexes and arrays, bit for bit, as one
    process."""
    markers, families, _ = _theta_programme(5)
    here = compile_families(families, markers, theta=theta)
    there = compile_families(families, markers, theta=theta, workers=2)
    assert there.rows == here.rows and there.sex == here.sex and there.keys == here.keys
    for name in ("log10_lr", "consistent", "log10_likelihood", "allele_sums", "row_theta",
                 "denominator", "denominator_sums"):
        np.testing.assert_array_equal(getattr(there, name), getattr(here, name), err_msg=name)
