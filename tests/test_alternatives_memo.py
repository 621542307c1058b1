"""The relative alternatives' memo (``forensic_match.dvi.alternatives_memo``): a family taken
from the memo and last night's tables has the alternatives, sexes, row ids and rows (bit for
bit) that drawing and compiling it again gives; the digest changes with every part of the
family's content; the file round-trips and a damaged one is ignored with a warning."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from helpers import damaged_npz
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import programme_with_panel

from forensic_match.cases import Family
from forensic_match.dvi.alternatives_memo import (
    AlternativesMemo,
    family_digest,
    load_alternatives_memo,
    save_alternatives_memo,
)
from forensic_match.dvi.identify import _RelativeTables, _state_key
from forensic_match.dvi.table_parts import load_tables
from forensic_match.errors import CacheWarning
from forensic_match.markers import markers_digest


def _retyped(family: Family, k: int) -> Family:
    who = sorted(family.genotypes)[k % len(family.genotypes)]
    profile = dict(family.genotypes[who])
    profile.pop(sorted(profile)[k % len(profile)])
    return dataclasses.replace(family, genotypes={**family.genotypes, who: profile})


def _entries(tables: _RelativeTables, families: list[Family]) -> list:
    out = []
    for f in families:
        alts, sexes, rows, _, ids = tables.cache[_state_key(f)]
        out.append(([(a.family, a.person, a.relation, a.drawn) for a in alts], list(sexes),
                    list(ids), [tuple(np.asarray(x).tobytes() if isinstance(x, np.ndarray)
                                      else x for x in row) for row in rows]))
    return out


@settings(deadline=None, max_examples=8)
@given(st.sets(st.integers(0, 29), min_size=3, max_size=6),
       st.sets(st.integers(0, 29), max_size=3), st.integers(0, 5))
def test_taken_from_the_memo_equals_drawn_and_compiled(tmp_path_factory: pytest.TempPathFactory,
                                                       first: set[int], changed: set[int],
                                                       k: int) -> None:
    ds = programme_with_panel()
    tmp = tmp_path_factory.mktemp("alt")
    am = ds.am[:30]
    night1 = [am[i] for i in sorted(first)]
    tables = _RelativeTables(ds.markers, memo=AlternativesMemo())
    tables.prepare(night1)
    tables.save(tmp / "rel.npz", tmp / "alt.npz")
    # The next night: some families re-typed, some new.
    night2 = [_retyped(am[i], k) if i in changed else am[i]
              for i in sorted(first | changed)]
    reuse = load_tables(tmp / "rel.npz")
    taken = _RelativeTables(ds.markers, reuse=reuse, memo=load_alternatives_memo(tmp / "alt.npz"))
    taken.prepare(night2)
    fresh = _RelativeTables(ds.markers)
    fresh.prepare(night2)
    assert _entries(taken, night2) == _entries(fresh, night2)
    assert taken.families == fresh.families
    unchanged = [f for i, f in zip(sorted(first | changed), night2) if i not in changed]
    assert len(taken.kept) == len(night2) and \
        {f.id for f in unchanged} <= {n[0] for n, *_ in taken.taken} | \
        {f.id for f in unchanged if not taken.cache[_state_key(f)][0]}
    # Extended families are drawn on demand for a family taken from the memo.
    for f in night2:
        assert taken.extended(f) == fresh.extended(f)


def test_the_digest_follows_every_part_of_the_content() -> None:
    ds = programme_with_panel()
    f = ds.am[3]
    digest = markers_digest(ds.markers)
    base = family_digest(f, digest, 0.0)
    reordered = dataclasses.replace(f, genotypes=dict(reversed(list(f.genotypes.items()))))
    assert family_digest(reordered, digest, 0.0) == base
    assert family_digest(_retyped(f, 0), digest, 0.0) != base
    assert family_digest(dataclasses.replace(f, id="other"), digest, 0.0) != base
    assert family_digest(ds.am[4], digest, 0.0) != base
    assert family_digest(f, digest, 0.01) != base
    assert family_digest(f, markers_digest(ds.markers[:-1]), 0.0) != base


texts = st.text(min_size=0, max_size=12)


@settings(deadline=None, max_examples=30)
@given(st.dictionaries(st.text("0123456789abcdef", min_size=64, max_size=64),
                       st.lists(st.tuples(texts, texts, st.booleans(),
                                          st.sampled_from(["M", "F", "U"]),
                                          st.text("0123456789abcdef", min_size=64,
                                                  max_size=64)), max_size=4),
                       max_size=5))
def test_the_memo_file_round_trips(tmp_path_factory: pytest.TempPathFactory,
                                   entries: dict) -> None:
    path = tmp_path_factory.mktemp("memo") / "alt.npz"
    save_alternatives_memo(path, AlternativesMemo(entries))
    assert load_alternatives_memo(path).entries == entries


def test_a_damaged_memo_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "alt.npz"
    entries = {"a" * 64: [("P1::sibling", "full sibling of P1", False, "U", "b" * 64)]}
    save_alternatives_memo(path, AlternativesMemo(entries))
    for damage in damaged_npz(path, "relation/utf8.npy"):
        path.write_bytes(damage)
        with pytest.warns(CacheWarning, match="alternatives' memo could not be read"):
            assert load_alternatives_memo(path).entries == {}
    assert load_alternatives_memo(tmp_path / "absent.npz").entries == {}
