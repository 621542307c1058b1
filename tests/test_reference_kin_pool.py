"""The references' relatives compiled over worker processes
(``ReferenceKinTables.prepare``, ``compile_row_sets``): the same relatives, rows (bit for bit),
row ids, rows kept (in the same order, the same ones taken from last night's file) and memo
as compiling them one family at a time in this process, on a first night and on a second
night with every kind of change; no row is compiled in this process when they go to the
workers; the workers' warnings reach the caller."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from store_helpers import programme_with_panel
from test_reference_kin_memo import KINDS, Item, _families, _first_night, _night, _row

import forensic_match.dvi.compile as compile_mod
import forensic_match.dvi.reference_kin as reference_kin_mod
from forensic_match.dvi.compile import CompiledRow, compile_row_sets, compile_rows
from forensic_match.dvi.identify import _load_cache, _RowsById
from forensic_match.dvi.reference_kin import ReferenceKinTables
from forensic_match.dvi.reference_kin_memo import load_reference_kin_memo
from forensic_match.errors import ThetaFallbackWarning


def _tables(markers: list, folder: Path | None, workers: int) -> ReferenceKinTables:
    """Tables with rows kept by id (last night's from ``folder``) and a memo."""
    from forensic_match.dvi.reference_kin_memo import ReferenceKinMemo

    if folder is None:
        return ReferenceKinTables(markers, kept=_RowsById(markers, 0.0, None),
                                  memo=ReferenceKinMemo(), workers=workers)
    return ReferenceKinTables(markers, kept=_RowsById(markers, 0.0,
                                                      _load_cache(folder / "kin.npz")),
                              memo=load_reference_kin_memo(folder / "memo.npz"),
                              workers=workers)


def _state(tables: ReferenceKinTables, items: list[Item]) -> Any:
    """Everything an identification reads of the tables after ``entry`` of each item."""
    got = []
    for fam, refs, obs in items:
        alts, sexes, rows = tables.entry(fam, refs, obs)
        got.append((alts, sexes, [_row(r) for r in rows], tables.ids(fam, refs, obs)))
    kept = tables.kept
    where = [(i, kept.rows[i][0], kept.rows[i][2],
              "compiled" if isinstance(kept.rows[i][1], CompiledRow) else "reused")
             for i in kept.used]
    return got, where, tables.memo_now().entries, tables.from_memo


def _pooled(monkeypatch: pytest.MonkeyPatch, markers: list, folder: Path | None,
            items: list[Item]) -> Any:
    """``_state`` with the rows compiled by ``prepare`` over two worker processes (and
    none in this process: the serial paths are made to fail)."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("compiled in the main process")

    with monkeypatch.context() as m:
        m.setattr(compile_mod, "POOL_MIN_FAMILIES", 2)
        m.setattr(compile_mod, "compile_rows", refuse)
        m.setattr(reference_kin_mod, "compile_rows", refuse)
        tables = _tables(markers, folder, workers=2)
        tables.prepare(items)
        # every row is ready (compiled or kept): entry compiles nothing more
        return _state(tables, items)


def test_pooled_equals_serial_on_a_first_and_a_second_night(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    families = _families()[:10]
    markers = programme_with_panel().markers
    kinds = {f.id: KINDS[k % len(KINDS)] for k, f in enumerate(families)}
    first = [_night(f, kinds[f.id], 1) for f in families]
    assert _pooled(monkeypatch, markers, None, first) == _state(_tables(markers, None, 1),
                                                                first)
    _first_night(markers, first, tmp_path)
    second = [_night(f, kinds[f.id], 2) for f in families]
    serial = _state(_tables(markers, tmp_path, 1), second)
    assert _pooled(monkeypatch, markers, tmp_path, second) == serial
    got, where, _, from_memo = serial
    # the second night both takes rows from last night's file and compiles others
    assert from_memo == 2
    assert {w[3] for w in where} == {"reused", "compiled"}
    assert sum(len(g[2]) for g in got) > 10


def test_prepare_without_a_pool_compiles_what_entry_would(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Below ``POOL_MIN_FAMILIES`` (or with one worker) ``prepare`` compiles here, and
    ``entry`` neither draws nor compiles again."""
    items = [_night(f, "same", 1) for f in _families()[:3]]
    markers = programme_with_panel().markers
    serial = _state(_tables(markers, None, 1), items)
    tables = _tables(markers, None, workers=2)
    tables.prepare(items)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("drawn or compiled again")

    monkeypatch.setattr(reference_kin_mod, "compile_rows", refuse)
    monkeypatch.setattr(reference_kin_mod, "reference_kin", refuse)
    assert _state(tables, items) == serial


def test_row_sets_at_theta_from_workers_equal_compile_rows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows with a theta denominator, and a worker's ThetaFallbackWarning given here."""
    ds = programme_with_panel()
    fams = ds.am[:3]
    jobs = [(f, f.missing, None) for f in fams]
    monkeypatch.setattr(compile_mod, "POOL_MIN_FAMILIES", 2)
    pooled = compile_row_sets(jobs, ds.markers, theta=0.01, workers=2)
    serial = [compile_rows(f, f.missing, ds.markers, theta=0.01) for f in fams]
    assert [[_row(r) for r in rs] for rs in pooled] == \
        [[_row(r) for r in rs] for rs in serial]
    assert all(np.all(r.denominator > 0) for rs in pooled for r in rs)


def test_a_workers_warning_is_given_to_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """A warning raised while a chunk compiles (in a worker) is recorded there and given
    again by ``compile_row_sets``, once per warning (the pool run in this process here, so
    that the warning can be planted)."""
    import concurrent.futures

    ds = programme_with_panel()
    fams = ds.am[:4]

    def warned(family: Any, persons: Any, *args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"family {family.id!r}: fallback", ThetaFallbackWarning, stacklevel=2)
        return [family.id]

    class InProcess(concurrent.futures.ThreadPoolExecutor):
        def __init__(self, workers: int, mp_context: Any = None) -> None:
            super().__init__(1)     # catch_warnings is not thread-safe

    monkeypatch.setattr(compile_mod, "compile_rows", warned)
    monkeypatch.setattr(compile_mod, "POOL_MIN_FAMILIES", 2)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", InProcess)
    with pytest.warns(ThetaFallbackWarning) as caught:
        rows = compile_row_sets([(f, f.missing, None) for f in fams], ds.markers,
                                theta=0.01, workers=2)
    assert rows == [[f.id] for f in fams]
    assert [str(w.message) for w in caught] == [f"family {f.id!r}: fallback" for f in fams]
