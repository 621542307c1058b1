"""What ``SnpScores`` keeps of a row between the rounds of an identification
(``linked/scores.py``, ``SnpCache``): the family emission kernel against a plain loop (bit for
bit), every pair's ``SnpResult`` the same with the rows' parts kept and rebuilt over several
rounds (a conditioned family among them), each exact-family row's unlinked limit built once,
changed references never taking a kept entry, and identify the same bit for bit."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.cases import Family
from forensic_match.decide.alternatives import relative_alternatives
from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.errors import InputError
from forensic_match.linked import load_force_panel
from forensic_match.linked import scores as snp_scores
from forensic_match.linked.family import family_process
from forensic_match.linked.programme import SubstructureWarning
from forensic_match.linked.scores import SnpCache, SnpData, SnpScores
from forensic_match.linked.simulate import degrade, drop_genes, simulate_programme_snps
from forensic_match.pedigree import Pedigree


@pytest.fixture(scope="module")
def small_panel():
    """Chromosomes 21 and 22 of the FORCE panel (153 SNPs)."""
    panel = load_force_panel()
    return panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in ("21", "22")])


def _pedigree() -> Pedigree:
    """The missing man MP, his parents FA, MO and sister S2, grandparents GF, GM, paternal
    uncle UN and aunt AU, the uncle's wife UW and child CO (MP's first cousin)."""
    return Pedigree.from_records([
        ("GF", None, None, "M"), ("GM", None, None, "F"), ("FA", "GF", "GM", "M"),
        ("MO", None, None, "F"), ("UN", "GF", "GM", "M"), ("AU", "GF", "GM", "F"),
        ("UW", None, None, "F"), ("MP", "FA", "MO", "M"), ("CO", "UN", "UW", "F"),
        ("S2", "FA", "MO", "F")])


# --- the family emission kernel against a plain loop ----------------------------------------

def _founder_weight(p: float, bits: int, blocks: int, fst: float) -> float:
    """The founders' alleles' probability written independently of the kernel: ``n1`` genes
    of allele 1 and ``n2`` of allele 2 in a given order; the Dirichlet-multinomial
    ``a1^(n1) a2^(n2) / A^(n)`` (rising factorials, ``a = p (1 - fst) / fst``) with ``fst``."""
    n1 = sum((bits >> j) & 1 for j in range(blocks))
    n2 = blocks - n1
    if fst == 0.0:
        return p ** n1 * (1.0 - p) ** n2

    def rising(a: float, n: int) -> float:
        return math.prod(a + i for i in range(n))

    lam = (1.0 - fst) / fst
    return rising(lam * p, n1) * rising(lam * (1.0 - p), n2) / rising(lam, blocks)


def _emission_loop(freq, like, patterns, fst):
    """Per marker and pattern: over the alleles of the distinct genes, the urn's (or
    independent) probability times each person's likelihood of his two genes' alleles."""
    out = np.empty((len(freq), len(patterns)))
    for i, p in enumerate(freq.tolist()):
        for u, pattern in enumerate(patterns.tolist()):
            blocks = max(pattern) + 1
            s = 0.0
            for bits in range(1 << blocks):
                w = _founder_weight(p, bits, blocks, fst)
                for j in range(like.shape[0]):
                    w *= float(like[j, i, ((bits >> pattern[2 * j]) & 1)
                                    + ((bits >> pattern[2 * j + 1]) & 1)])
                s += w
            out[i, u] = s
    return out


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2 ** 31),
       persons=st.sampled_from([("MP", "CO"), ("MP", "UN", "GM"), ("MP", "S2", "UN", "CO"),
                                ("MP", "GF", "GM")]),
       fst=st.sampled_from([0.0, 0.01, 0.1]))
def test_family_emission_kernels_equal_a_plain_loop(seed, persons, fst):
    """``family_emission_rows`` (calls) and ``family_likelihood_rows`` (likelihoods), whose
    founder weights are computed once per marker, equal the plain enumeration with the urn
    written as rising factorials (to 1e-12: another order of operations)."""
    from forensic_match.linked._family_numba import family_emission_rows, family_likelihood_rows
    from forensic_match.linked._pair_numba import observation_likelihoods

    rng = np.random.default_rng(seed)
    n = 7
    proc = family_process(_pedigree(), persons)
    freq = rng.uniform(0.02, 0.98, n)
    calls = rng.integers(-1, 3, (len(persons), n)).astype(np.int64)
    error = rng.choice([0.0, 0.01, 0.05], len(persons))
    dropout = rng.choice([0.0, 0.2], len(persons))
    like = np.stack([observation_likelihoods(freq, calls[j], error[j], dropout[j])
                     for j in range(len(persons))])
    want = _emission_loop(freq, like, proc.patterns, fst)
    np.testing.assert_allclose(
        family_emission_rows(freq, calls, error, dropout, proc.patterns, fst), want,
        rtol=1e-12, atol=0.0)
    free = rng.uniform(0.0, 1.0, like.shape)
    np.testing.assert_allclose(family_likelihood_rows(freq, free, proc.patterns, fst),
                               _emission_loop(freq, free, proc.patterns, fst), rtol=1e-12,
                               atol=0.0)


@pytest.mark.parametrize(("persons", "n"), [(("MP", "CO", "UN", "S2"), 150),
                                             (("MP", "CO", "UN", "AU", "S2", "GM", "FA"), 9)])
def test_family_emissions_do_not_depend_on_the_marker_blocks(persons, n):
    """The kernels compute markers in blocks (64, or fewer for many genes: 7 persons give
    blocks of 4): every marker's emissions equal those computed for it alone, bit for bit."""
    from forensic_match.linked._family_numba import family_emission_rows

    rng = np.random.default_rng(len(persons))
    proc = family_process(_pedigree(), persons)
    freq = rng.uniform(0.02, 0.98, n)
    calls = rng.integers(-1, 3, (len(persons), n)).astype(np.int64)
    error, dropout = np.full(len(persons), 0.01), np.zeros(len(persons))
    rows = family_emission_rows(freq, calls, error, dropout, proc.patterns, 0.02)
    for i in range(n):
        alone = family_emission_rows(freq[i:i + 1], np.ascontiguousarray(calls[:, i:i + 1]),
                                     error, dropout, proc.patterns, 0.02)
        assert np.array_equal(rows[i:i + 1], alone)


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2 ** 31), n=st.integers(1, 30))
def test_screen_vector_equals_a_plain_gather(seed, n):
    """``screen_vector``: the table's entry of each PM call (rows, -1 first) against the
    reference's call at each marker, -inf written as the impossible value, bit for bit."""
    from forensic_match.linked._screen_numba import screen_vector

    rng = np.random.default_rng(seed)
    table = rng.normal(size=(n, 4, 4))
    table[rng.random(table.shape) < 0.1] = -np.inf
    codes = rng.integers(-1, 3, n).astype(np.int8)
    want = [-1e200 if table[m, c, codes[m] + 1] == -np.inf else table[m, c, codes[m] + 1]
            for c in range(4) for m in range(n)]
    got = np.empty(4 * n)
    screen_vector(table, codes, -1e200, got)
    assert got.tolist() == want


# --- the rows kept over rounds ----------------------------------------------------------------

#: References typed per family: one (pair), two and three (exact family), four (branches).
VARIANTS = {"F1": ["CO"], "F2": ["UN", "GM"], "F3": ["UN", "GM", "S2"],
            "F4": ["CO", "UN", "AU", "S2"]}


def _setting(panel, seed):
    rng = np.random.default_rng(seed)
    ped = _pedigree()
    calls = {}
    for fid in VARIANTS:
        haps = drop_genes(ped, panel, rng)
        calls.update({(fid, p): degrade(h, panel.freq_a1, rng, error=0.01,
                                        missing=0.3).astype(np.int8) for p, h in haps.items()})
    lone = Pedigree.from_records([("X", None, None, "M")])
    pm = {f"{fid}-{p}": calls[(fid, p)] for fid in VARIANTS for p in ("MP", "UN", "FA")}
    for name in ("X1", "X2"):
        pm[name] = degrade(drop_genes(lone, panel, rng)["X"], panel.freq_a1, rng,
                           error=0.01, missing=0.3).astype(np.int8)
    families, rows = [], []
    for fid in VARIANTS:
        ext = relative_alternatives(Family(fid, ped, ["MP"], {}))
        families.append(ext.family)
        rows += [(fid, "MP")] + [(fid, a.person) for a in ext.alternatives]
    data = SnpData(panel, pm, {fid: {r: calls[(fid, r)] for r in refs}
                               for fid, refs in VARIANTS.items()})
    return rows, families, _bodies(sorted(pm)), data


def _bodies(ids):
    class _S:
        def __init__(self, ident):
            self.id = ident
    return [_S(i) for i in ids]


def _scores(rows, families, bodies, data, cache, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SubstructureWarning)
        return SnpScores(rows, families, bodies, data, cache=cache, min_snps=10, fst=0.01,
                         **options)


def _rounds(rows, families, bodies, data, cache):
    """Three rounds as identify runs them: every row and body; then the family F2 conditioned
    on an identified body (its STR genotypes changed, not its pedigree or SNP references)
    and that body gone; then half the rows against the bodies left. Per round, the block and
    every pair's ``SnpResult``."""
    out = []
    conditioned = [dataclasses.replace(f, genotypes={**f.genotypes, "MP": {"D3S1358": (15, 16)}})
                   if f.id == "F2" else f for f in families]
    left = [b for b in bodies if b.id != "F2-MP"]
    for fams, bods, active in ((families, bodies, np.arange(len(rows))),
                               (conditioned, left, np.arange(len(rows))),
                               (conditioned, left[::2], np.arange(0, len(rows), 2))):
        obj = _scores(rows, fams, bods, data, cache)
        block = obj.block(active)
        results = [obj.result(int(r), j) for r in active for j in range(len(bods))]
        out.append((block, results))
    return out


@pytest.mark.parametrize("seed", [5, 6])
def test_every_pair_is_the_same_with_the_rows_kept(small_panel, seed):
    """Over three rounds (one of a conditioned family), every block and every pair's
    ``SnpResult`` (log10 LR, method, references) are the same bit for bit whether the rows'
    screens and unlinked limits are kept (default) or rebuilt in each round
    (``keep_bytes=0``); with them kept, each exact-family row's limit is built once (the
    cache's count), rebuilt, once per round that scores it."""
    rows, families, bodies, data = _setting(small_panel, seed)
    kept, rebuilt = SnpCache(), SnpCache(keep_bytes=0)
    got = _rounds(rows, families, bodies, data, kept)
    want = _rounds(rows, families, bodies, data, rebuilt)
    for (b1, r1), (b2, r2) in zip(got, want):
        assert np.array_equal(b1, b2)
        assert r1 == r2
    methods = {r.method for _, results in got for r in results}
    assert snp_scores.SCREENED in methods and len(methods) >= 3
    family_rows = {key for key, screen in kept.screens.items() if screen.method == "family"}
    assert family_rows and set(kept.built) == family_rows == set(kept.limits)
    assert set(kept.built.values()) == {1}
    assert kept.kept_bytes == sum(v.nbytes for v in kept.limits.values())
    # rebuilt: rows scored in all three rounds (the even ones) thrice, the others twice
    assert set(rebuilt.built.values()) == {2, 3} and not rebuilt.limits
    assert sum(rebuilt.built.values()) > sum(kept.built.values())


def test_changed_references_take_nothing_kept(small_panel):
    """A family whose SNP references change (a reference's calls, a reference added) is
    another variant: scored with a cache that kept the old one's rows, every pair equals a
    fresh cache's, and the old rows' entries are not reused."""
    rows, families, bodies, data = _setting(small_panel, 7)
    cache = SnpCache()
    every = np.arange(len(rows))
    before = _scores(rows, families, bodies, data, cache).block(every)
    refs = {fid: dict(m) for fid, m in data.references.items()}
    refs["F2"]["UN"] = refs["F2"]["UN"].copy()
    refs["F2"]["UN"][:40] = (refs["F2"]["UN"][:40] + 1) % 3
    refs["F3"]["CO"] = refs["F4"]["CO"]
    changed = SnpData(small_panel, data.pm, refs)
    built = sum(cache.built.values())
    after = _scores(rows, families, bodies, changed, cache).block(every)
    fresh = _scores(rows, families, bodies, changed, SnpCache()).block(every)
    assert np.array_equal(after, fresh)
    f2, f3 = [i for i, (fid, _) in enumerate(rows) if fid == "F2"], \
        [i for i, (fid, _) in enumerate(rows) if fid == "F3"]
    assert not np.array_equal(after[f2], before[f2])
    assert not np.array_equal(after[f3], before[f3])
    unchanged = [i for i, (fid, _) in enumerate(rows) if fid in ("F1", "F4")]
    assert np.array_equal(after[unchanged], before[unchanged])
    assert {v for v in cache.variants.values() if v.startswith(("F2", "F3"))} \
        == {"F2", "F2~1", "F3", "F3~1"}
    # only the changed families' exact-family rows were built again
    again = sum(cache.built.values()) - built
    assert again == sum(1 for (vid, _), s in cache.screens.items()
                        if vid in ("F2~1", "F3~1") and s.method == "family") > 0


def test_a_cache_of_other_options_is_refused(small_panel):
    rows, families, bodies, data = _setting(small_panel, 8)
    cache = SnpCache()
    _scores(rows, families, bodies, data, cache)
    _scores(rows, families, bodies, SnpData(small_panel, data.pm, data.references), cache)
    with pytest.raises(InputError, match="SnpCache"):
        _scores(rows, families, bodies, data, cache, pm_error=0.02)
    other = small_panel.subset([m.name for m in small_panel.markers][:-1])
    with pytest.raises(InputError, match="SnpCache"):
        _scores([], [], [], SnpData(other), cache)


def test_identify_is_the_same_with_the_rows_kept(markers, monkeypatch):
    """identify on 12 simulated families (default shapes, chromosomes 20-22; identifications
    in the first round condition their families for the next) gives the same tables bit for
    bit with the rows kept (each exact-family row's limit built once) and rebuilt in every
    round (``KEEP_BYTES`` 0: some built in two rounds or more)."""
    panel = load_force_panel()
    panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom)
                          if c in ("20", "21", "22")])
    prog = simulate_programme(12, 12, markers=markers, seed=21, missing_per_family=(1, 2),
                              fragments=0.0, unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(22), pm_missing=0.3)
    ds = prog.dataset
    caches: list[SnpCache] = []

    class Recorded(SnpCache):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            caches.append(self)

    monkeypatch.setattr(snp_scores, "SnpCache", Recorded)
    out = []
    for keep in (snp_scores.KEEP_BYTES, 0):
        monkeypatch.setattr(snp_scores, "KEEP_BYTES", keep)
        out.append(identify(ds.am, ds.pm, ds.markers, snp=snp,
                            snp_options={"fst": 0.01, "screen_threshold": 1.0}))
    a, b = out
    assert a.identifications.height > 0
    for name in ("identifications", "family_level", "held_back"):
        assert getattr(a, name).equals(getattr(b, name))
    assert a.parameters["snp"] == b.parameters["snp"]
    kept, rebuilt = [c for c in caches if c.results]  # identify's (not _prepare_snp's)
    assert kept.keep_bytes > 0 and rebuilt.keep_bytes == 0
    assert kept.built and set(kept.built.values()) == {1}
    assert max(rebuilt.built.values()) >= 2
    assert set(rebuilt.built) == set(kept.built)
