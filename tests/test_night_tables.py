"""The missing persons' own tables (identify's ``cache``, the store's ``tables.npz``) kept as
a base, appended pieces and an index (``table_parts.save_compiled``): read back as the full
write of the same night, bit for bit; a night writes only the rows it compiled; a write
killed between its steps leaves last night's or tonight's tables; a damaged or missing piece
is compiled again; an older full file is read and replaced by an index on the first night."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import programme_with_panel
from tables_helpers import assert_same_tables

from forensic_match.cases import Family
from forensic_match.dvi import table_parts
from forensic_match.dvi.compile import CompiledTables, compile_families
from forensic_match.dvi.identify import _load_cache, identify
from forensic_match.dvi.table_parts import PartedTables, load_tables, save_compiled
from forensic_match.errors import CacheWarning

N_FAMILIES = 24


def _retyped(family: Family, k: int) -> Family:
    """The family with the first marker of its ``k``-th typed relative no longer typed."""
    who = sorted(family.genotypes)[k % len(family.genotypes)]
    profile = dict(family.genotypes[who])
    profile.pop(sorted(profile)[0])
    return dataclasses.replace(family, genotypes={**family.genotypes, who: profile})


_assert_same = assert_same_tables


def _pieces(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("tables.part-*.npz")}


def _night(ds: Any, members: set[int], retyped: dict[int, int]) -> list[Family]:
    return [_retyped(ds.am[i], retyped[i]) if retyped.get(i) else ds.am[i]
            for i in sorted(members)]


@settings(deadline=None, max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(dead=st.sampled_from([0.0, 0.2, 1.0]),
       nights=st.lists(st.tuples(st.sets(st.integers(0, N_FAMILIES - 1), min_size=1,
                                         max_size=N_FAMILIES),
                                 st.sets(st.integers(0, N_FAMILIES - 1), max_size=3)),
                       min_size=1, max_size=4))
def test_nights_kept_as_pieces_read_back_as_the_full_write(
        tmp_path_factory: pytest.TempPathFactory, dead: float,
        nights: list[tuple[set[int], set[int]]]) -> None:
    ds = programme_with_panel()
    folder = tmp_path_factory.mktemp("night")
    path, full = folder / "tables.npz", folder / "full.npz"
    retyped: dict[int, int] = {}
    with mock.patch.object(table_parts, "COMPACT_DEAD_FRACTION", dead):
        for members, changed in nights:
            for i in changed:
                retyped[i] = retyped.get(i, 0) + 1
            previous = _load_cache(path)
            compiled = compile_families(_night(ds, members, retyped), ds.markers,
                                        reuse=previous)
            counts = save_compiled(path, compiled, previous)
            compiled.save(full)
            got = load_tables(path)
            assert isinstance(got, PartedTables)
            _assert_same(got, CompiledTables.load(full))
            assert _pieces(folder) == set(got.files)
            # Only the rows compiled tonight are written (all of them on a compaction).
            fresh = len(compiled.rows) if previous is None else \
                int((compiled.reused_from < 0).sum())
            assert fresh == sum(len(f.missing) for f in _night(ds, members, retyped)
                                if f.id in compiled.compiled_families)
            assert counts["written"] == (len(compiled.rows) if counts["compacted"]
                                         else fresh)
            assert counts["stored"] - counts["live"] <= dead * counts["stored"]
            if counts["compacted"]:
                assert (folder / got.files[0]).read_bytes() == full.read_bytes()


def _two_nights(folder: Path) -> tuple[Any, list[Family], list[Family]]:
    ds = programme_with_panel()
    first = list(ds.am[:N_FAMILIES])
    second = [_retyped(f, 0) if i in (2, 7) else f for i, f in enumerate(first)] + \
        list(ds.am[N_FAMILIES:N_FAMILIES + 3])
    compiled = compile_families(first, ds.markers)
    save_compiled(folder / "tables.npz", compiled)
    return ds, first, second


@pytest.mark.parametrize(("step", "compact"), [
    ("pieces written", False), ("index written", False), ("pieces written", True),
    ("index written", True), ("piece deleted", True)])
def test_a_night_killed_between_steps_leaves_last_nights_or_tonights_tables(
        tmp_path: Path, step: str, compact: bool) -> None:
    ds, first, second = _two_nights(tmp_path)
    path = tmp_path / "tables.npz"
    before = load_tables(path)
    assert isinstance(before, PartedTables)
    want_before = before.tables()
    compiled = compile_families(second, ds.markers, reuse=before)
    assert 0 < int((compiled.reused_from < 0).sum()) < len(compiled.rows)

    def kill(at: str) -> None:
        if at == step:
            raise KeyboardInterrupt(at)

    with mock.patch.object(table_parts, "_hook", kill), \
            mock.patch.object(table_parts, "COMPACT_DEAD_FRACTION", -1.0 if compact else 0.2), \
            pytest.raises(KeyboardInterrupt):
        save_compiled(path, compiled, before)
    left = _load_cache(path)
    _assert_same(left, want_before if step == "pieces written" else compiled)
    assert not list(tmp_path.glob("*.tmp.npz"))
    # The next night works from what was left and leaves only the pieces its index names.
    again = compile_families(second, ds.markers, reuse=left)
    assert set(again.compiled_families) == \
        (set() if step != "pieces written" else set(compiled.compiled_families))
    save_compiled(path, again, left)
    _assert_same(load_tables(path), compiled)
    assert _pieces(tmp_path) == set(load_tables(path).files)


def _identify(ds: Any, families: list[Family], cache: Path) -> Any:
    cache.parent.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", CacheWarning)
        return identify(families, ds.pm[:20], ds.markers, min_markers=8, cache=cache)


def _decided(res: Any) -> list[tuple[Any, ...]]:
    return sorted((r["pm"], r["family"], r["missing"]) for r in
                  res.identifications.iter_rows(named=True))


def test_identify_appends_only_the_nights_compiled_rows(tmp_path: Path) -> None:
    ds, first, second = _two_nights(tmp_path)
    path = tmp_path / "tables.npz"
    base = load_tables(path)
    assert isinstance(base, PartedTables) and len(base.files) == 1
    res = _identify(ds, second, path)
    assert set(res.compiled.compiled_families) == \
        {second[2].id, second[7].id} | {f.id for f in second[N_FAMILIES:]}
    tables = load_tables(path)
    assert isinstance(tables, PartedTables) and tables.files[0] == base.files[0]
    assert len(tables.files) == 2
    added = tables.pieces[1]
    assert sorted(added.rows) == sorted(
        (f.id, m) for f in second if f.id in res.compiled.compiled_families for m in f.missing)
    want = compile_families(second, ds.markers)
    want.save(tmp_path / "full.npz")
    _assert_same(tables, CompiledTables.load(tmp_path / "full.npz"))
    # Decided as without any cache.
    fresh = _identify(ds, second, tmp_path / "other" / "tables.npz")
    assert _decided(res) == _decided(fresh)


@pytest.mark.parametrize("damage", ["missing", "flipped"])
def test_a_damaged_or_missing_piece_is_compiled_again(tmp_path: Path, damage: str) -> None:
    ds, first, second = _two_nights(tmp_path)
    path = tmp_path / "tables.npz"
    _identify(ds, second, path)
    tables = load_tables(path)
    assert isinstance(tables, PartedTables) and len(tables.files) == 2
    piece = tmp_path / tables.files[1 if damage == "missing" else 0]
    if damage == "missing":
        piece.unlink()
    else:
        data = bytearray(piece.read_bytes())
        data[data.find(tables.pieces[0].log10_lr[1].tobytes())] ^= 1
        piece.write_bytes(bytes(data))
    del tables
    with pytest.warns(CacheWarning, match="tables.npz"):
        res = _identify(ds, second, path)
    assert set(res.compiled.compiled_families) == {f.id for f in second}
    assert _decided(res) == _decided(_identify(ds, second, tmp_path / "o" / "tables.npz"))
    again = load_tables(path)
    assert isinstance(again, PartedTables) and len(again.files) == 1
    assert _pieces(tmp_path) == set(again.files)
    _assert_same(again, compile_families(second, ds.markers))


def test_the_old_full_file_is_read_and_replaced_on_the_first_night(tmp_path: Path) -> None:
    ds = programme_with_panel()
    families = list(ds.am[:N_FAMILIES])
    path = tmp_path / "tables.npz"
    old = compile_families(families, ds.markers)
    old.save(path)  # as every night wrote it before the pieces
    whole = path.read_bytes()
    assert isinstance(load_tables(path), CompiledTables)
    res = _identify(ds, families, path)
    assert res.compiled.compiled_families == ()
    tables = load_tables(path)
    assert isinstance(tables, PartedTables) and len(tables.files) == 1
    # The one base piece is the old file's bytes (every row reused, written in full once).
    assert (tmp_path / tables.files[0]).read_bytes() == whole
    _assert_same(tables, old)


def test_compiled_tables_load_reads_an_index_as_the_whole_table(tmp_path: Path) -> None:
    """A user's program that reads identify's cache with ``CompiledTables.load`` (as it
    could before the pieces) gets the whole table the index names, bit for bit."""
    ds = programme_with_panel()
    path = tmp_path / "tables.npz"
    first = compile_families(ds.am, ds.markers)
    save_compiled(path, first, None)
    previous = _load_cache(path)
    second = compile_families([_retyped(ds.am[0], 1), *ds.am[1:]], ds.markers, reuse=previous)
    save_compiled(path, second, previous)
    assert isinstance(load_tables(path), PartedTables)
    _assert_same(CompiledTables.load(path), second)
