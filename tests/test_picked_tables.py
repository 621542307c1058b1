"""Rows searched where they are (``PickedTables``): what they read is the gathered table's
rows, and a search of them gives the search of the gathered table, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tables_helpers import random_tables, table_arrays

import forensic_match.dvi.search as search_module
from forensic_match.cases import Family, PMSample
from forensic_match.dvi.compile import CompiledTables, compile_families
from forensic_match.dvi.picked_tables import PickedTables
from forensic_match.dvi.search import search_samples
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import missing_person_family
from forensic_match.simulate import degrade, random_profile, simulate_profiles

PANEL = (Marker("D18S51", ["12", "13"], [0.4, 0.6]),)
NAMES = ("log10_lr", "consistent", "log10_likelihood", "allele_sums", "denominator",
         "denominator_sums", "row_theta")


def _picks(rng: np.random.Generator, tables: list[CompiledTables], n: int,
           ) -> tuple[list, list, list]:
    """``n`` picks over ``tables`` (runs of consecutive rows, single rows, rows compiled
    alone), names and sexes."""
    picks, names, sexes = [], [], []
    while len(picks) < n:
        t = tables[int(rng.integers(len(tables)))]
        r = int(rng.integers(len(t.rows)))
        for rr in range(r, min(len(t.rows), r + int(rng.integers(1, 4)))):
            picks.append(t.row(rr) if rng.random() < 0.3 else (t, rr))
            names.append(t.rows[rr])
            sexes.append(t.sex[rr])
    return picks[:n], names[:n], sexes[:n]


@settings(deadline=None, max_examples=60)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), theta=st.sampled_from([0.0, 0.01]),
       asked=st.lists(st.integers(0, 10**6), max_size=40))
def test_read_rows_are_the_gathered_rows(seed: int, n: int, theta: float,
                                         asked: list[int]) -> None:
    rng = np.random.default_rng(seed)
    tables = [random_tables(rng, int(rng.integers(1, 7)), 7, 4, theta, f"t{i}")
              for i in range(3)]
    picks, names, sexes = _picks(rng, tables, n)
    picked = PickedTables(PANEL, names, picks, sexes, theta)
    whole = CompiledTables.gather(PANEL, names, picks, sexes, theta)
    at = np.array([a % n for a in asked], dtype=np.int64)  # any order, repeats
    for name in NAMES if theta > 0 else NAMES[:4] + NAMES[6:]:
        want = getattr(whole, name)[at]
        got = picked.read(name, at)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes(), name
        assert picked.shape(name) == getattr(whole, name).shape
    for x, y in zip(table_arrays(picked.tables()), table_arrays(whole), strict=True):
        assert x.tobytes() == y.tobytes()
    r = int(rng.integers(n))
    for x, y in zip(picked.row(r), whole.row(r), strict=True):
        assert np.asarray(x).tobytes() == np.asarray(y).tobytes()
    assert picked.log10_lr.tobytes() == whole.log10_lr.tobytes()  # gathered on demand


def test_rows_outside_the_table_and_empty_picks_are_refused() -> None:
    rng = np.random.default_rng(0)
    t = random_tables(rng, 3, 5, 2, 0.0, "t")
    picked = PickedTables(PANEL, t.rows, [(t, 0), (t, 1), (t, 2)], t.sex)
    with pytest.raises(IndexError, match="outside"):
        picked.read("log10_lr", np.array([3]))
    with pytest.raises(ValueError, match="no rows"):
        PickedTables(PANEL, [], [], [])
    with pytest.raises(ValueError, match="names"):
        PickedTables(PANEL, t.rows[:2], [(t, 0), (t, 1), (t, 2)], t.sex)


def _programme(seed: int, theta: float) -> tuple[list[Marker], CompiledTables,
                                                 list[PMSample]]:
    """Compiled tables of six families and their missing persons' (true, degraded, partial)
    samples with some unrelated ones; lumpable models for theta."""
    rng = np.random.default_rng(seed)
    models = [None, Mutation.same(MutationModel("equal", rate=0.01))]
    if theta == 0:
        models.append(Mutation.same(MutationModel("stepwise", rate=0.01, range=0.3)))
    markers = []
    for k in range(7):
        n = int(rng.integers(3, 10))
        f = rng.dirichlet(np.full(n, 0.8)) + 1e-3
        markers.append(Marker(f"M{k}", [str(9 + i) for i in range(n)], f / f.sum(),
                              models[k % len(models)]))
    shapes = [{"F": "father", "M": "mother"}, {"S1": "full_sibling"},
              {"M": "mother", "S1": "full_sibling", "S2": "full_sibling"},
              {"W": "spouse", "K1": "child", "K2": "child"},
              {"U": "paternal_uncle", "C": "first_cousin_paternal"},
              {"H": "half_sibling_paternal", "M": "mother"}]
    families, samples = [], []
    for f, shape in enumerate(shapes):
        ped = missing_person_family("MP", missing_sex="M" if f % 2 else "F",
                                    relatives=shape)
        truth = simulate_profiles(ped, markers, seed=rng)
        families.append(Family(f"F{f}", ped, ["MP"], {i: truth[i] for i in shape}))
        mp = truth["MP"]
        samples.append(PMSample(f"true{f}", "U", dict(mp)))
        samples.append(PMSample(f"bone{f}", "U", degrade(mp, dropout=0.3, seed=rng),
                                dropout=0.3))
        partial = dict(mp)
        partial[markers[1].name] = (partial[markers[1].name][0], None)
        samples.append(PMSample(f"partial{f}", "M", partial))
    for u in range(3):
        samples.append(PMSample(f"unrel{u}", "F", random_profile(markers, seed=rng)))
    return markers, compile_families(families, markers, theta=theta), samples


def _same_result(a, b) -> None:
    for name in ("by_sample", "by_missing", "pairs", "samples"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.columns == y.columns and x.equals(y), name
    assert a.parameters == b.parameters


class _Evidence:
    """Made-up non-DNA log10 LRs per (row, sample), some pairs excluded."""

    def __init__(self, n_rows: int, n_s: int) -> None:
        rng = np.random.default_rng(7)
        self.table = rng.normal(0, 2, (n_rows, n_s))
        self.table[rng.random((n_rows, n_s)) < 0.1] = -np.inf

    def block(self, rows: np.ndarray) -> np.ndarray:
        return self.table[rows]


@pytest.mark.parametrize("theta", [0.0, 0.02])
def test_search_of_picked_rows_is_the_search_of_the_gathered_table(
        monkeypatch: pytest.MonkeyPatch, theta: float) -> None:
    markers, compiled, samples = _programme(3, theta)
    rng = np.random.default_rng(11)
    halves = [CompiledTables.gather(markers, compiled.rows[a:b],
                                    [(compiled, r) for r in range(a, b)],
                                    compiled.sex[a:b], theta) for a, b in ((0, 3), (3, 6))]
    order = rng.permutation(6).tolist() + [0, 4]  # some rows twice, under other names
    picks, names, sexes = [], [], []
    for i, r in enumerate(order):
        source = halves[r // 3]
        picks.append(source.row(r % 3) if i % 3 == 1 else (source, r % 3))
        names.append((compiled.rows[r][0], f"{compiled.rows[r][1]}#{i}"))
        sexes.append(compiled.sex[r])
    picked = PickedTables(markers, names, picks, sexes, theta)
    whole = CompiledTables.gather(markers, names, picks, sexes, theta)
    monkeypatch.setattr(search_module, "BLOCK_ROWS", 3)  # blocks of 3, 3 and 2 rows
    evidence = _Evidence(len(names), len(samples))
    for options in ({}, {"threshold": -np.inf, "top": 3},
                    {"active": np.array([6, 1, 2, 7]), "min_markers": 4},
                    {"evidence": evidence, "threshold": 0.0}):
        _same_result(search_samples(picked, samples, **options),
                     search_samples(whole, samples, **options))
    assert picked._whole is None  # the search read blocks, never the whole table
