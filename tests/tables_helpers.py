"""Helpers shared by the tests of compiled tables kept in files (gathered, streamed, kept as
pieces): random tables of a given shape, their arrays, and bit-for-bit equality."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forensic_match.dvi.compile import CompiledTables
from forensic_match.markers import Marker


def random_tables(rng: np.random.Generator, n: int, width: int, alleles: int, theta: float,
                  tag: str, markers: Sequence[Marker] = ()) -> CompiledTables:
    """``n`` rows of random numbers, ``width`` columns (one marker when ``markers`` is
    given, else none), denominators only with ``theta`` > 0."""
    den = (rng.random((n, width)), rng.random((n, alleles, 2))) if theta > 0 else \
        (np.zeros((0, 0)), np.zeros((0, 0, 2)))
    offsets = np.array([0, width], dtype=np.int64) if markers else np.zeros(1, dtype=np.int64)
    return CompiledTables(tuple(markers), offsets,
                          [(f"{tag}{r}", "mp") for r in range(n)],
                          rng.normal(size=(n, width)), rng.random((n, width)) > 0.3,
                          rng.normal(size=n), ["M" if r % 2 else "F" for r in range(n)],
                          [f"{tag}-key{r}" for r in range(n)],
                          rng.random((n, alleles, 2)), theta, *den,
                          np.where(rng.random(n) > 0.2, theta, 0.0))


def table_arrays(t: CompiledTables) -> list[np.ndarray]:
    """Every array of ``t``, in a fixed order."""
    return [t.log10_lr, t.consistent, t.log10_likelihood, t.allele_sums, t.denominator,
            t.denominator_sums, t.row_theta, t.offsets]


def assert_same_tables(got: object, want: CompiledTables) -> None:
    """``got`` (tables, or pieces with ``.tables()``) equals ``want`` bit for bit: arrays
    (dtype, shape, bytes), rows, sexes, keys and theta."""
    whole = got.tables() if hasattr(got, "tables") else got
    for x, y in zip(table_arrays(whole), table_arrays(want), strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    assert (list(got.rows), list(got.sex), list(got.keys), got.theta) == \
        (list(want.rows), list(want.sex), list(want.keys), want.theta)
