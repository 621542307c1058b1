"""Same-source comparisons that reuse an earlier call's pairs (``same_source_pairs(...,
memo=)``) against the full comparison: after random additions, removals, re-typings and
reorderings of the samples, the pairs table is the full one, row for row and bit for bit; a
memo of another setting is not used; the memo file round-trips and a damaged one is ignored
with a warning."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import damaged_npz
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.cases import PMSample
from forensic_match.dvi.fragments import (
    SameSourceMemo,
    load_same_source_memo,
    same_source_pairs,
    save_same_source_memo,
)
from forensic_match.errors import CacheWarning
from forensic_match.frequencies import load_frequencies
from forensic_match.simulate import degrade, random_profile

_DB = load_frequencies("fbi2015_sw_hispanic")
#: Few markers, so that samples of different people often reach the threshold too.
PANEL = _DB.markers_for(_DB.markers[:4])


def _pool(seed: int, n: int = 24) -> list[PMSample]:
    """Fragments of a few people: complete, degraded and partial profiles."""
    rng = np.random.default_rng(seed)
    people = [random_profile(PANEL, seed=rng) for _ in range(6)]
    out = []
    for k in range(n):
        person = people[k % len(people)]
        dropout = float(rng.choice([0.0, 0.0, 0.3]))
        g = person if dropout == 0.0 else degrade(person, dropout=dropout, seed=rng,
                                                  marker_loss=0.2)
        out.append(PMSample(f"S{k:02d}", "U", g, dropout=dropout))
    return out


def _retyped(sample: PMSample, k: int) -> PMSample:
    genotypes = dict(sample.genotypes)
    if len(genotypes) > 1:
        genotypes.pop(sorted(genotypes)[k % len(genotypes)])
    return dataclasses.replace(sample, genotypes=genotypes, dropout=0.1 * (k % 3))


@st.composite
def nights(draw: st.DrawFn) -> list[list[PMSample]]:
    pool = _pool(draw(st.integers(0, 3)))
    chosen = sorted(draw(st.sets(st.integers(0, len(pool) - 1), min_size=4, max_size=16)))
    out = [[pool[i] for i in chosen]]
    changed: dict[int, int] = {}
    for _ in range(draw(st.integers(1, 3))):
        chosen = sorted((set(chosen) - draw(st.sets(st.sampled_from(chosen), max_size=3)))
                        | draw(st.sets(st.integers(0, len(pool) - 1), max_size=4)))
        if not chosen:
            chosen = [0]
        for i in draw(st.sets(st.sampled_from(chosen), max_size=2)):
            changed[i] = changed.get(i, 0) + 1
        night = [_retyped(pool[i], changed[i]) if i in changed else pool[i] for i in chosen]
        if draw(st.booleans()):
            night = draw(st.permutations(night))
        out.append(night)
    return out


@settings(deadline=None, max_examples=40)
@given(nights(), st.sampled_from([-math.inf, 0.0, 2.0]), st.integers(0, 3))
def test_reused_pairs_equal_the_full_comparison(nights: list[list[PMSample]],
                                                threshold: float, min_markers: int) -> None:
    from forensic_match.dvi import _fragments_numba, fragments

    default = fragments.FULL_PAIRS_ABOVE
    memos = {0.0: SameSourceMemo(), default: SameSourceMemo(), 1.0: SameSourceMemo()}
    block = _fragments_numba.PAIRS_PER_BLOCK
    # Blocks of one to a few marked samples: the pairs are listed block by block.
    _fragments_numba.PAIRS_PER_BLOCK = 3 * len(nights[0])
    try:
        for night in nights:
            want = same_source_pairs(night, PANEL, threshold=threshold,
                                     min_markers=min_markers)
            # Never, sometimes and always from the memo (however many samples are new).
            for above, memo in memos.items():
                fragments.FULL_PAIRS_ABOVE = above
                got = same_source_pairs(night, PANEL, threshold=threshold,
                                        min_markers=min_markers, memo=memo)
                assert got.equals(want)
                assert len(memo.keys) == len(night) and memo.first.size == want.height
    finally:
        fragments.FULL_PAIRS_ABOVE = default
        _fragments_numba.PAIRS_PER_BLOCK = block


def test_a_few_new_samples_are_compared_with_everything(monkeypatch: pytest.MonkeyPatch,
                                                        ) -> None:
    """With one new sample in 24 only its pairs are compared; the others come from the
    memo, and the table is the full one."""
    from forensic_match.dvi import _fragments_numba as kernels

    pool = _pool(7)
    memo = SameSourceMemo()
    same_source_pairs(pool[:23], PANEL, threshold=0.0, min_markers=1, memo=memo)
    compared = []
    real = kernels.pair_scores_with

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        compared.append(int(np.sum(args[-1])))
        return real(*args, **kwargs)

    monkeypatch.setattr(kernels, "pair_scores_with", spy)
    got = same_source_pairs(pool, PANEL, threshold=0.0, min_markers=1, memo=memo)
    assert compared == [1]
    assert got.equals(same_source_pairs(pool, PANEL, threshold=0.0, min_markers=1))
    assert got.height > 0 and (got["pm2"] == "S23").any()


def test_a_memo_of_another_setting_is_not_used() -> None:
    pool = _pool(2)
    memo = SameSourceMemo()
    same_source_pairs(pool, PANEL, threshold=2.0, min_markers=1, memo=memo)
    got = same_source_pairs(pool, PANEL, threshold=0.0, min_markers=1, memo=memo)
    assert got.equals(same_source_pairs(pool, PANEL, threshold=0.0, min_markers=1))
    other = PANEL[:3]
    got = same_source_pairs(pool, other, threshold=0.0, min_markers=1, memo=memo)
    assert got.equals(same_source_pairs(pool, other, threshold=0.0, min_markers=1))


def test_the_memo_file_round_trips_and_damage_is_ignored(tmp_path: Path) -> None:
    pool = _pool(5)
    memo = SameSourceMemo()
    want = same_source_pairs(pool, PANEL, threshold=0.0, min_markers=1, memo=memo)
    path = tmp_path / "tables.pairs.npz"
    save_same_source_memo(path, memo)
    back = load_same_source_memo(path)
    assert back.setting == memo.setting and back.keys == memo.keys
    for name in ("first", "second", "log10_lr", "n_markers"):
        assert np.array_equal(getattr(back, name), getattr(memo, name))
    assert same_source_pairs(pool, PANEL, threshold=0.0, min_markers=1,
                             memo=back).equals(want)
    assert load_same_source_memo(tmp_path / "absent.npz").keys == []
    for damage in damaged_npz(path, "log10_lr.npy"):
        path.write_bytes(damage)
        with pytest.warns(CacheWarning, match="same-source memo could not be read"):
            damaged = load_same_source_memo(path)
        assert damaged.keys == [] and damaged.setting == ""
        assert same_source_pairs(pool, PANEL, threshold=0.0, min_markers=1,
                                 memo=damaged).equals(want)
