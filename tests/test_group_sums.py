"""Sums of a table's groups that are the same to the last bit on every run
(:func:`forensic_match.group_sums.sum_by`), and the decision's family posteriors built on them."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.group_sums import sum_by

_rows = st.lists(st.tuples(st.sampled_from(["PM1", "PM2", "PM3"]), st.sampled_from(["F1", "F2"]),
                           st.floats(0.0, 1.0, allow_nan=False)), max_size=60)


def _frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"pm": pl.Utf8, "family": pl.Utf8, "posterior": pl.Float64},
                        orient="row")


@settings(max_examples=200, deadline=None)
@given(_rows, st.randoms(use_true_random=False))
def test_sums_do_not_depend_on_the_order_of_rows(rows: list, rnd: object) -> None:
    """Groups in the order of their first rows (as polars' maintain_order); each sum within
    an ulp or two of the exact sum (math.fsum), and bit for bit the same whatever the order of
    the rows."""
    got = sum_by(_frame(rows), ["pm", "family"], "posterior")
    firsts = list(dict.fromkeys((pm, f) for pm, f, _ in rows))
    assert list(zip(got["pm"].to_list(), got["family"].to_list())) == firsts
    exact = {k: math.fsum(v for pm, f, v in rows if (pm, f) == k) for k in firsts}
    for pm, f, total in got.iter_rows():
        assert math.isclose(total, exact[(pm, f)], rel_tol=1e-14, abs_tol=1e-300)
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    again = dict(((pm, f), v) for pm, f, v in
                 sum_by(_frame(shuffled), ["pm", "family"], "posterior").iter_rows())
    assert {(pm, f): v for pm, f, v in got.iter_rows()} == again


def test_an_empty_frame_gives_no_group() -> None:
    got = sum_by(_frame([]), ["pm", "family"], "posterior")
    assert got.height == 0 and got.columns == ["pm", "family", "posterior"]
    assert got.schema["posterior"] == pl.Float64


def test_many_small_values_sum_the_same_every_time() -> None:
    """The case polars' threaded group sum got wrong in the last bit now and then: one
    group of thousands of rows among many; 50 sums of the same frame, one value."""
    rng = np.random.default_rng(7)
    n = 20_000
    frame = pl.DataFrame({"pm": rng.integers(0, 300, n).astype(str),
                          "family": rng.integers(0, 4, n).astype(str),
                          "posterior": rng.random(n) * 10.0 ** rng.integers(-12, 0, n)})
    first = sum_by(frame, ["pm", "family"], "posterior")
    for _ in range(50):
        assert sum_by(frame, ["pm", "family"], "posterior").equals(first)
