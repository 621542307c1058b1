"""The rows kept by id between nights (the references' relatives' rows, the rows of families
conditioned on identified bodies: ``identify._RowsById``) are written as pieces and an index:
read back, the table a full write of the night's rows gives, bit for bit; only the rows not
taken from last night's file are written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tables_helpers import assert_same_tables, random_tables

from forensic_match.dvi.compile import CompiledTables
from forensic_match.dvi.identify import _load_cache, _RowsById
from forensic_match.dvi.table_parts import PartedTables, load_tables
from forensic_match.markers import Marker

PANEL = (Marker("D18S51", ["12", "13"], [0.4, 0.6]),)


def _pieces(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("t.part-*.npz")}


def _night(path: Path, fresh: CompiledTables, theta: float,
           choice: list[tuple[bool, int]]) -> tuple[_RowsById, list, int]:
    """One night as identify runs it: ids taken from last night's file (``take``, then
    ``keep`` of what it gave) or compiled fresh (``take`` fails, ``keep`` of the new row).
    Returns the kept rows, what a full write holds (name, row, sex, id; first keep wins)
    and how many of them were not taken from last night's file."""
    kept = _RowsById(PANEL, theta, _load_cache(path))
    want: dict[str, tuple] = {}
    new = 0
    for old, r in choice:
        reuse = kept.reuse
        if old and reuse is not None and len(reuse.rows):
            r %= len(reuse.rows)
            i, name, sex = reuse.keys[r], reuse.rows[r], reuse.sex[r]
            rows = kept.take([i])
            assert rows is not None
        else:
            r %= len(fresh.rows)
            i, name, sex = fresh.keys[r], fresh.rows[r], fresh.sex[r]
            rows = kept.take([i]) or [fresh.row(r)]
        if i not in want:
            want[i] = (name, rows[0], sex, i)
            new += i not in kept.index
        kept.keep([i], [name], rows, [sex])
    return kept, list(want.values()), new


@settings(deadline=None, max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), theta=st.sampled_from([0.0, 0.01]),
       nights=st.lists(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), max_size=12),
                       min_size=1, max_size=5))
def test_rows_kept_by_id_read_back_as_the_full_write(
        tmp_path_factory: pytest.TempPathFactory, seed: int, theta: float,
        nights: list[list[tuple[bool, int]]]) -> None:
    rng = np.random.default_rng(seed)
    folder = tmp_path_factory.mktemp("byid")
    path, full = folder / "t.npz", folder / "full.npz"
    for n, choice in enumerate(nights):
        before = _pieces(folder)
        fresh = random_tables(rng, 6, 3, 2, theta, f"n{n}-", PANEL)
        kept, want, new = _night(path, fresh, theta, choice)
        kept.save(path)
        if not want:
            # Nothing used tonight: the index and its pieces are gone.
            assert not path.exists() and not _pieces(folder)
            continue
        CompiledTables.save_rows(full, PANEL, [w[1] for w in want], [w[0] for w in want],
                                 [w[2] for w in want], [w[3] for w in want], theta)
        got = load_tables(path)
        assert isinstance(got, PartedTables)
        assert_same_tables(got, CompiledTables.load(full))
        assert _pieces(folder) == set(got.files)
        # Tonight's piece holds the rows not taken from last night's file, unless the
        # write compacted everything into one new base piece.
        written = [p for p, f in zip(got.pieces, got.files) if f not in before]
        assert [len(p.rows) for p in written] in ([new] if new else [], [len(want)])
        if [len(p.rows) for p in written] == [len(want)] and new < len(want):
            assert len(got.files) == 1    # compacted: one new base piece


def test_a_row_not_given_by_take_is_written_again(tmp_path: Path) -> None:
    """Only the very row ``take`` gave is referenced in last night's piece: a row of the
    same id from elsewhere (compiled again) is written."""
    rng = np.random.default_rng(3)
    path = tmp_path / "t.npz"
    first = random_tables(rng, 10, 3, 2, 0.0, "a", PANEL)
    kept = _RowsById(PANEL, 0.0, None)
    kept.keep(list(first.keys), list(first.rows), [first.row(r) for r in range(10)],
              list(first.sex))
    kept.save(path)
    kept = _RowsById(PANEL, 0.0, _load_cache(path))
    ids = list(first.keys)
    given_rows = kept.take(ids[:9])
    assert given_rows is not None
    kept.keep(ids[:8], list(first.rows[:8]), given_rows[:8], list(first.sex[:8]))
    kept.keep(ids[8:9], list(first.rows[8:9]), [first.row(8)], list(first.sex[8:9]))
    kept.save(path)
    # (2 dead rows of 11 stored: under the compaction fraction, so appended)
    got = load_tables(path)
    assert isinstance(got, PartedTables) and len(got.files) == 2
    assert got.part.tolist() == [0] * 8 + [1] and len(got.pieces[1].rows) == 1
    want = CompiledTables.stack(PANEL, list(first.rows[:9]),
                                [first.row(r) for r in range(9)], list(first.sex[:9]), 0.0)
    want.keys = ids[:9]
    assert_same_tables(got, want)


def test_a_full_file_of_an_earlier_version_is_read_and_replaced(tmp_path: Path) -> None:
    """A night after an upgrade reads the single tables file an earlier version wrote and
    leaves an index and one piece in its place."""
    rng = np.random.default_rng(5)
    path = tmp_path / "t.npz"
    old = random_tables(rng, 3, 3, 2, 0.0, "a", PANEL)
    old.save(path)
    kept = _RowsById(PANEL, 0.0, _load_cache(path))
    assert isinstance(kept.reuse, CompiledTables)
    rows = kept.take(list(old.keys))
    assert rows is not None
    kept.keep(list(old.keys), list(old.rows), rows, list(old.sex))
    kept.save(path)
    got = load_tables(path)
    assert isinstance(got, PartedTables) and len(got.files) == 1
    assert_same_tables(got, CompiledTables.load(path.parent / got.files[0]))
    assert_same_tables(got, old)
