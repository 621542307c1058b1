"""Tables gathered from rows of other tables (``CompiledTables.gather``) and streamed into a
file (``CompiledTables.save_rows``) are the tables ``CompiledTables.stack`` makes of the
same rows, bit for bit, saved or not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tables_helpers import random_tables, table_arrays

from forensic_match.dvi.compile import CompiledTables
from forensic_match.markers import Marker

PANEL = (Marker("D18S51", ["12", "13"], [0.4, 0.6]),)


_tables = random_tables
_arrays = table_arrays


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
               for x, y in zip(a, b, strict=True))


@settings(deadline=None, max_examples=60)
@given(seed=st.integers(0, 2**32 - 1), sizes=st.lists(st.integers(1, 6), min_size=1,
                                                      max_size=3),
       theta=st.sampled_from([0.0, 0.01]),
       choice=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5), st.booleans()),
                       min_size=1, max_size=25))
def test_gathered_and_streamed_tables_are_the_stacked_ones(
        tmp_path_factory: pytest.TempPathFactory, seed: int, sizes: list[int], theta: float,
        choice: list[tuple[int, int, bool]]) -> None:
    rng = np.random.default_rng(seed)
    tables = [_tables(rng, n, 7, 4, theta, f"t{i}") for i, n in enumerate(sizes)]
    picks: list = []
    rows, names, sexes, keys = [], [], [], []
    for t, r, alone in choice:
        table = tables[t % len(tables)]
        r %= len(table.rows)
        rows.append(table.row(r))
        picks.append(table.row(r) if alone else (table, r))
        names.append(table.rows[r])
        sexes.append(table.sex[r])
        keys.append(table.keys[r])
    want = CompiledTables.stack(PANEL, names, rows, sexes, theta)
    got = CompiledTables.gather(PANEL, names, picks, sexes, theta)
    assert _same(_arrays(got), _arrays(want))
    assert (got.rows, got.sex, got.theta) == (want.rows, want.sex, want.theta)
    folder = tmp_path_factory.mktemp("tables")
    want.keys = keys
    want.save(folder / "stacked.npz")
    CompiledTables.save_rows(folder / "streamed.npz", PANEL, picks, names, sexes, keys, theta)
    a, b = (CompiledTables.load(folder / f) for f in ("stacked.npz", "streamed.npz"))
    assert _same(_arrays(a), _arrays(b)) and _same(_arrays(a), _arrays(want))
    assert (a.rows, a.sex, a.keys, a.theta) == (b.rows, b.sex, b.keys, b.theta) == \
        (want.rows, want.sex, keys, theta)


def test_nothing_to_gather_or_write_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no rows"):
        CompiledTables.gather(PANEL, [], [], [], 0.0)
    with pytest.raises(ValueError, match="no rows"):
        CompiledTables.save_rows(tmp_path / "t.npz", (), [], [], [], [], 0.0)
    assert not list(tmp_path.iterdir())
