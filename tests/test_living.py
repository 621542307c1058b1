"""PM samples whose DNA is a living relative's: the cross same-source kernel against a
plain-Python oracle and against the all-pairs comparison, its memo, and identify()'s hold."""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.cases import load_case
from forensic_match.dvi.compile import marker_offsets
from forensic_match.dvi.fragments import (
    SameSourceMemo,
    load_same_source_memo,
    observation_weights,
    same_source_pairs,
    save_same_source_memo,
)
from forensic_match.dvi.identify import identify, prepare_panel
from forensic_match.dvi.living import living_matches, relative_samples
from forensic_match.errors import ForensicMatchWarning

PROGRAMME = Path(__file__).resolve().parents[1] / "forensic_match" / "data" / "examples" / \
    "programme_small.json"


@pytest.fixture(scope="module")
def programme() -> object:
    return load_case(PROGRAMME)


def _planted(ds: object, n: int, *, dropout: float = 0.0, drop_markers: int = 0) -> tuple:
    """The PM samples with the first ``n`` replaced by typed relatives' profiles (the
    ``drop_markers`` first markers removed), and {pm: (family, person)}."""
    pm = list(ds.pm)
    fams = [f for f in ds.am if f.genotypes]
    planted = {}
    for k in range(n):
        fam = fams[(k * 7) % len(fams)]
        person = sorted(fam.genotypes)[0]
        profile = {m: g for i, (m, g) in enumerate(sorted(fam.genotypes[person].items()))
                   if i >= drop_markers}
        pm[k] = dataclasses.replace(pm[k], genotypes=profile, dropout=dropout)
        planted[pm[k].id] = (fam.id, person)
    return pm, planted


def _oracle_log10(a: object, b: object, markers: list) -> tuple[float, int]:
    """Same-source log10 LR of two samples, marker by marker in plain Python:
    sum over genotypes g of P(obs_a | g) P(obs_b | g) P(g) / (P(obs_a) P(obs_b)), written as
    sum_g w_a(g) w_b(g) / P(g) with w the normalised P(g) P(obs | g)."""
    offsets = marker_offsets(markers)
    wa = observation_weights(a, markers, offsets)
    wb = observation_weights(b, markers, offsets)
    total, used = 0.0, 0
    for k, (ea, eb) in enumerate(zip(wa, wb)):
        if ea is None or eb is None:
            continue
        p = markers[k].frequencies

        def hw(position: int, k: int = k, p: np.ndarray = p) -> float:
            # position - offset = hi (hi + 1) / 2 + lo, lo <= hi
            t = position - int(offsets[k])
            hi = int((math.isqrt(8 * t + 1) - 1) // 2)
            lo = t - hi * (hi + 1) // 2
            return p[lo] * p[lo] if lo == hi else 2 * p[lo] * p[hi]

        da = dict(zip(ea[0].tolist(), (ea[1] / ea[1].sum()).tolist()))
        db = dict(zip(eb[0].tolist(), (eb[1] / eb[1].sum()).tolist()))
        lr = sum(da[g] * db[g] / hw(g) for g in da if g in db)
        if lr <= 0:
            return -math.inf, used
        total += math.log10(lr)
        used += 1
    return total, used


def test_planted_profiles_are_found_and_scored_as_the_oracle_scores_them(programme) -> None:
    pm, planted = _planted(programme, 12, dropout=0.1, drop_markers=3)
    panel = prepare_panel(programme.markers, programme.am, pm)
    found = living_matches(pm, programme.am, panel)
    got = {r["pm"]: (r["family"], r["person"]) for r in found.iter_rows(named=True)}
    assert got == planted
    relatives = {(f, p): s for s, f, p in relative_samples(programme.am)}
    by_id = {s.id: s for s in pm}
    for r in found.iter_rows(named=True):
        want, used = _oracle_log10(by_id[r["pm"]], relatives[(r["family"], r["person"])],
                                   panel)
        assert r["log10_lr"] == pytest.approx(want, rel=1e-10)
        assert r["n_markers"] == used == 20


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), threshold=st.sampled_from([2.0, 4.0, 10.0]))
def test_the_cross_pairs_are_the_all_pairs_comparisons_between_samples_and_relatives(
        programme, seed: int, threshold: float) -> None:
    rng = np.random.default_rng(seed)
    pm, _ = _planted(programme, 3, dropout=float(rng.uniform(0, 0.3)))
    pm = [pm[i] for i in sorted(rng.choice(len(pm), 40, replace=False))]
    families = [programme.am[i] for i in sorted(rng.choice(len(programme.am), 60,
                                                           replace=False))]
    panel = prepare_panel(programme.markers, families, pm)
    cross = living_matches(pm, families, panel, threshold=threshold, min_markers=1)
    relatives = relative_samples(families)
    everything = list(pm) + [s for s, _, _ in relatives]
    owner = {s.id: (f, p) for s, f, p in relatives}
    every = same_source_pairs(everything, panel, threshold=threshold, min_markers=1)
    pm_ids = {s.id for s in pm}
    want = sorted((r["pm1"], *owner[r["pm2"]], r["log10_lr"], r["n_markers"])
                  for r in every.iter_rows(named=True)
                  if r["pm1"] in pm_ids and r["pm2"] in owner)
    got = sorted(cross.iter_rows())
    assert got == want


def test_the_memo_gives_the_same_table_and_compares_only_what_changed(
        programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from forensic_match.dvi import _fragments_numba

    pm, _ = _planted(programme, 5)
    panel = prepare_panel(programme.markers, programme.am, pm)
    memo = SameSourceMemo()
    first = living_matches(pm, programme.am, panel, memo=memo)
    save_same_source_memo(tmp_path / "m.npz", memo)
    memo = load_same_source_memo(tmp_path / "m.npz")
    # tonight: one more sample carrying a relative's profile, one family re-typed
    extra, planted = _planted(programme, 6)
    night = pm + [dataclasses.replace(extra[5], id="NEW1")]
    fams = list(programme.am)
    retyped = sorted(fams[3].genotypes)[0]
    fams[3] = dataclasses.replace(fams[3], genotypes={
        **fams[3].genotypes,
        retyped: dict(sorted(fams[3].genotypes[retyped].items())[1:])})
    pairs = []
    original = _fragments_numba.cross_pair_scores

    def counting(*args: object) -> object:
        pairs.append(len(args[-2]) * len(args[-1]))
        return original(*args)

    monkeypatch.setattr(_fragments_numba, "cross_pair_scores", counting)
    again = living_matches(night, fams, panel, memo=memo)
    monkeypatch.setattr(_fragments_numba, "cross_pair_scores", original)
    assert again.equals(living_matches(night, fams, panel))
    assert again.filter(pl.col("pm") == "NEW1")["person"].to_list() == \
        [planted[extra[5].id][1]]
    assert again.filter(pl.col("pm") != "NEW1").equals(first)
    n_rel = len(relative_samples(fams))
    # the new sample against every relative, the other samples against the re-typed one
    assert sum(pairs) == n_rel + len(pm)


def test_identify_holds_back_a_body_carrying_a_relatives_profile(programme) -> None:
    pm, planted = _planted(programme, 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean = identify(programme.am, programme.pm, programme.markers)
    assert clean.living_matches.height == 0
    with pytest.warns(ForensicMatchWarning, match="20 PM samples match the profile of a typed"):
        res = identify(programme.am, pm, programme.markers)
    assert set(res.living_matches["pm"]) == set(planted)
    assert not res.identifications["pm"].is_in(list(planted)).any()
    assert not res.family_level["pm"].is_in(list(planted)).any()
    held = res.held_back.filter(pl.col("pm").is_in(list(planted)))
    assert held.height >= 2
    assert all(t.startswith("the body's DNA matches a living relative's profile")
               for t in held["held_back"])
    # the proposals of the other bodies stand as in the clean run
    untouched = clean.identifications.filter(~pl.col("pm").is_in(list(planted)))
    assert untouched.select("pm", "family", "missing").sort("pm").equals(
        res.identifications.select("pm", "family", "missing").sort("pm"))


def _encode_by_sample(samples: list, markers: list) -> tuple:
    """The same-source arrays built sample by sample from observation_weights (the plain
    path the encoding kernel replaces)."""
    offsets = marker_offsets(markers)
    start = np.zeros((len(samples), len(markers)), dtype=np.int64)
    stop = np.zeros_like(start)
    pos, wts, cursor = [], [], 0
    for s, sample in enumerate(samples):
        for k, entry in enumerate(observation_weights(sample, markers, offsets)):
            start[s, k] = cursor
            if entry is not None:
                order = np.argsort(entry[0])
                pos.extend(entry[0][order].tolist())
                w = entry[1][order]
                wts.extend((w / w.sum()).tolist())
                cursor += w.size
            stop[s, k] = cursor
    return start, stop, np.array(pos, dtype=np.int64), np.array(wts)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_the_encoding_kernel_gives_the_sample_by_sample_arrays_bit_for_bit(
        programme, seed: int) -> None:
    from forensic_match.dvi.fragments import encode_observations

    rng = np.random.default_rng(seed)
    picked = [programme.pm[i] for i in rng.choice(len(programme.pm), 25, replace=False)]
    samples = []
    for s in picked:  # dropout 0 or not, partial genotypes, untyped markers
        geno = {m: ((g[0], None) if rng.random() < 0.1 else g)
                for m, g in s.genotypes.items() if rng.random() < 0.9}
        samples.append(dataclasses.replace(
            s, genotypes=geno, dropout=float(rng.choice([0.0, 0.05, 0.3]))))
    samples += [s for s, _, _ in relative_samples(programme.am[:10])]
    panel = prepare_panel(programme.markers, programme.am, samples)
    start, stop, pos, w, _ = encode_observations(samples, panel)
    want = _encode_by_sample(samples, panel)
    assert np.array_equal(start, want[0]) and np.array_equal(stop, want[1])
    assert np.array_equal(pos, want[2])
    assert np.array_equal(w, want[3])  # bit for bit


@settings(max_examples=60, deadline=None)
@given(lengths=st.lists(st.integers(0, 300), min_size=1, max_size=40),
       seed=st.integers(0, 10_000))
def test_spans_normalised_at_once_are_the_spans_normalised_one_by_one(lengths, seed) -> None:
    # numpy sums a row of a matrix as it sums the row alone (pairwise, blocks of 8 and 128),
    # so one call per span length gives the weights of one call per span bit for bit.
    from forensic_match.dvi.fragments import _normalise_spans

    rng = np.random.default_rng(seed)
    stop = np.cumsum(lengths)
    start = stop - np.asarray(lengths)
    w = rng.random(int(stop[-1])) * 10.0 ** rng.integers(-12, 3, size=int(stop[-1]))
    want = w.copy()
    for a, b in zip(start, stop):
        want[a:b] = want[a:b] / want[a:b].sum()
    order = rng.permutation(len(lengths))  # spans in any order, as the general ones come
    _normalise_spans(w, start[order], stop[order])
    assert np.array_equal(w, want)
