"""Tables kept as a base file, appended pieces and an index (``dvi/table_parts.py``) read back
as the tables a full write of the same rows gives, bit for bit, over nights of random
changes; a write killed between its steps leaves whole tables; damage is refused."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tables_helpers import assert_same_tables, random_tables

from forensic_match.dvi import table_parts
from forensic_match.dvi.compile import CompiledTables
from forensic_match.dvi.identify import _load_cache
from forensic_match.dvi.table_parts import PartedTables, load_tables, save_parted
from forensic_match.errors import CacheWarning
from forensic_match.markers import Marker

PANEL = (Marker("D18S51", ["12", "13"], [0.4, 0.6]),)


def _tables(rng: np.random.Generator, n: int, theta: float, tag: str) -> CompiledTables:
    return random_tables(rng, n, 3, 2, theta, tag, PANEL)


_assert_same = assert_same_tables


def _night(previous: CompiledTables | PartedTables | None, fresh: CompiledTables,
           choice: list[tuple[bool, int, bool]]) -> tuple[list, list, list, list]:
    """Picks of one night: rows of last night's tables (by their row there) and fresh rows
    (as ``(tables, row)`` or a lone row), each key once (as a run writes them)."""
    picks, names, sexes, keys, seen = [], [], [], [], set()
    for old, r, alone in choice:
        if old and previous is not None and len(previous.rows):
            table, r = previous, r % len(previous.rows)
        else:
            table, r = fresh, r % len(fresh.rows)
        key = table.keys[r]
        if key in seen:
            continue
        seen.add(key)
        picks.append(table.row(r) if alone and table is fresh else (table, r))
        names.append(table.rows[r])
        sexes.append(table.sex[r])
        keys.append(key)
    return picks, names, sexes, keys


def _pieces(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("t.part-*.npz")}


@settings(deadline=None, max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), theta=st.sampled_from([0.0, 0.01]),
       dead=st.sampled_from([0.0, 0.2, 1.0]), max_pieces=st.sampled_from([1, 2, 16]),
       nights=st.lists(st.lists(st.tuples(st.booleans(), st.integers(0, 40), st.booleans()),
                                min_size=1, max_size=20), min_size=1, max_size=5))
def test_appended_tables_read_back_as_the_full_write(
        tmp_path_factory: pytest.TempPathFactory, seed: int, theta: float, dead: float,
        max_pieces: int, nights: list[list[tuple[bool, int, bool]]]) -> None:
    rng = np.random.default_rng(seed)
    folder = tmp_path_factory.mktemp("parted")
    index, full = folder / "t.npz", folder / "full.npz"
    previous: CompiledTables | PartedTables | None = None
    with mock.patch.object(table_parts, "COMPACT_DEAD_FRACTION", dead), \
            mock.patch.object(table_parts, "MAX_PIECES", max_pieces):
        for n, choice in enumerate(nights):
            fresh = _tables(rng, 6, theta, f"n{n}-")
            picks, names, sexes, keys = _night(previous, fresh, choice)
            counts = save_parted(index, PANEL, picks, names, sexes, keys, theta,
                                 previous=previous)
            CompiledTables.save_rows(full, PANEL, picks, names, sexes, keys, theta)
            got, want = load_tables(index), CompiledTables.load(full)
            assert isinstance(got, PartedTables)
            _assert_same(got, want)
            # Only what the index names is left, and never more pieces than allowed.
            assert _pieces(folder) == set(got.files)
            assert len(got.files) <= max(max_pieces, 1) + 1
            assert counts["live"] == len(picks) and counts["stored"] == got.stored()
            # Rows of last night's tables are not written again (unless compacted).
            fresh_rows = sum(not (isinstance(p, tuple) and p[0] is previous) for p in picks)
            if not counts["compacted"] and max_pieces >= 16:
                assert counts["written"] == fresh_rows
            # Dead rows past the fraction are compacted away.
            assert counts["stored"] - counts["live"] <= dead * counts["stored"]
            previous = got


def test_compaction_writes_the_full_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    first, second = _tables(rng, 5, 0.0, "a"), _tables(rng, 4, 0.0, "b")
    index = tmp_path / "t.npz"
    save_parted(index, PANEL, [(first, r) for r in range(5)], first.rows, first.sex,
                first.keys, 0.0)
    old = load_tables(index)
    assert isinstance(old, PartedTables)
    # Night 2 keeps rows 0-3 of night 1 and adds two: 1 dead row of 7 stored (0.14).
    picks = [(old, r) for r in range(4)] + [(second, 0), (second, 1)]
    names = [old.rows[r] for r in range(4)] + second.rows[:2]
    sexes = [old.sex[r] for r in range(4)] + second.sex[:2]
    keys = [old.keys[r] for r in range(4)] + second.keys[:2]
    appended = save_parted(index, PANEL, picks, names, sexes, keys, previous=old)
    assert appended == {"written": 2, "stored": 7, "live": 6, "pieces": 2, "compacted": 0}
    parted = load_tables(index)
    assert isinstance(parted, PartedTables)
    # Night 3 drops two more: 3 dead of 7 (0.43 > 0.2) compacts into one new base file.
    keep = [0, 1, 4, 5]
    counts = save_parted(index, PANEL, [(parted, r) for r in keep],
                         [parted.rows[r] for r in keep], [parted.sex[r] for r in keep],
                         [parted.keys[r] for r in keep], previous=parted)
    assert counts == {"written": 4, "stored": 4, "live": 4, "pieces": 1, "compacted": 1}
    CompiledTables.save_rows(tmp_path / "full.npz", PANEL, [(parted, r) for r in keep],
                             [parted.rows[r] for r in keep], [parted.sex[r] for r in keep],
                             [parted.keys[r] for r in keep])
    compacted = load_tables(index)
    assert isinstance(compacted, PartedTables) and len(compacted.files) == 1
    # The base file of a compaction is the full write's file, byte for byte.
    assert (tmp_path / compacted.files[0]).read_bytes() == \
        (tmp_path / "full.npz").read_bytes()
    assert _pieces(tmp_path) == set(compacted.files)


class _Killed(Exception):
    pass


@pytest.mark.parametrize("step", ["pieces written", "index written", "piece deleted"])
def test_a_write_killed_between_steps_leaves_whole_tables(tmp_path: Path, step: str) -> None:
    rng = np.random.default_rng(2)
    first, second = _tables(rng, 6, 0.0, "a"), _tables(rng, 3, 0.0, "b")
    index = tmp_path / "t.npz"
    save_parted(index, PANEL, [(first, r) for r in range(6)], first.rows, first.sex,
                first.keys, 0.0)
    before = load_tables(index)
    assert isinstance(before, PartedTables)
    want_before = before.tables()
    # A night that drops rows 0-2 (3 dead of 9 stored: compacts, so the old base is deleted).
    picks = [(before, r) for r in range(3, 6)] + [(second, r) for r in range(3)]
    names = [before.rows[r] for r in range(3, 6)] + second.rows
    sexes = [before.sex[r] for r in range(3, 6)] + second.sex
    keys = [before.keys[r] for r in range(3, 6)] + second.keys

    def kill(at: str) -> None:
        if at == step:
            raise _Killed(at)

    with mock.patch.object(table_parts, "_hook", kill), pytest.raises(_Killed):
        save_parted(index, PANEL, picks, names, sexes, keys, previous=before)
    CompiledTables.save_rows(tmp_path / "full.npz", PANEL, picks, names, sexes, keys)
    want_after = CompiledTables.load(tmp_path / "full.npz")
    left = load_tables(index)
    # Killed before the index is renamed: last night's tables, whole; after: tonight's.
    _assert_same(left, want_before if step == "pieces written" else want_after)
    assert not list(tmp_path.glob("*.tmp.npz"))
    # The next write works from what was left and removes the pieces no index names.
    assert isinstance(left, PartedTables)
    n = len(left.rows)
    save_parted(index, PANEL, [(left, r) for r in range(n)], list(left.rows),
                list(left.sex), list(left.keys), previous=left)
    again = load_tables(index)
    assert isinstance(again, PartedTables)
    _assert_same(again, want_before if step == "pieces written" else want_after)
    assert _pieces(tmp_path) == set(again.files)


def test_a_stale_index_is_written_in_full(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    first = _tables(rng, 4, 0.0, "a")
    index = tmp_path / "t.npz"
    rows = (first.rows, first.sex, first.keys)
    save_parted(index, PANEL, [(first, r) for r in range(4)], *rows)
    mine, theirs = load_tables(index), load_tables(index)
    # Another run writes (and compacts, deleting the pieces ``mine`` was read from).
    with mock.patch.object(table_parts, "COMPACT_DEAD_FRACTION", -1.0):
        save_parted(index, PANEL, [(theirs, r) for r in range(4)], *rows, previous=theirs)
    assert isinstance(mine, PartedTables)
    counts = save_parted(index, PANEL, [(mine, r) for r in range(4)], *rows, previous=mine)
    assert counts["compacted"] == 1
    _assert_same(load_tables(index), first)


def test_damaged_or_missing_pieces_are_compiled_again(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    first, second = _tables(rng, 8, 0.0, "a"), _tables(rng, 2, 0.0, "b")
    index = tmp_path / "t.npz"
    save_parted(index, PANEL, [(first, r) for r in range(8)], first.rows, first.sex,
                first.keys)
    old = load_tables(index)
    assert isinstance(old, PartedTables)
    picks = [(old, r) for r in range(8)] + [(second, 0), (second, 1)]
    save_parted(index, PANEL, picks, old.rows + second.rows, old.sex + second.sex,
                old.keys + second.keys, previous=old)
    parted = load_tables(index)
    assert isinstance(parted, PartedTables) and len(parted.files) == 2
    base, added = (tmp_path / f for f in parted.files)
    saved = {p: p.read_bytes() for p in (base, added, index)}

    def refused(match: str) -> None:
        with pytest.warns(CacheWarning, match=match):
            assert _load_cache(index) is None
        for p, data in saved.items():
            p.write_bytes(data)

    added.unlink()
    refused("No such file")
    data = bytearray(saved[base])
    data[data.find(first.log10_lr[3].tobytes())] ^= 1  # one bit of the base's array data
    base.write_bytes(bytes(data))
    refused("CRC|not the piece")
    # Another valid piece under the name the index gives: its content differs.
    base.write_bytes(saved[added])
    refused("not the piece")
    index.write_bytes(saved[index][: len(saved[index]) // 2])
    refused("could not be read")
    _assert_same(load_tables(index), parted.tables())


def test_a_full_tables_file_is_read_and_replaced_by_an_index(tmp_path: Path) -> None:
    """The first night after the upgrade reads the old full file and writes pieces."""
    rng = np.random.default_rng(5)
    first, second = _tables(rng, 3, 0.01, "a"), _tables(rng, 1, 0.01, "b")
    index = tmp_path / "t.npz"
    first.save(index)
    old = load_tables(index)
    assert isinstance(old, CompiledTables)
    picks = [(old, 0), (old, 2), (second, 0)]
    counts = save_parted(index, PANEL, picks, [old.rows[0], old.rows[2], second.rows[0]],
                         [old.sex[0], old.sex[2], second.sex[0]],
                         [old.keys[0], old.keys[2], second.keys[0]], 0.01, previous=old)
    assert counts["compacted"] == 1
    CompiledTables.save_rows(tmp_path / "full.npz", PANEL, picks,
                             [old.rows[0], old.rows[2], second.rows[0]],
                             [old.sex[0], old.sex[2], second.sex[0]],
                             [old.keys[0], old.keys[2], second.keys[0]], 0.01)
    _assert_same(load_tables(index), CompiledTables.load(tmp_path / "full.npz"))
