"""Screen kernel: unlinked per-marker log LR looked up by the pair's two calls."""

from __future__ import annotations

import numba
import numpy as np

from forensic_match.accelerate import jit


@jit
def screen_scores(table: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``out[i, j] = sum_m table[m, first[i, m] + 1, second[j, m] + 1]``.

    table : float64 (n, 4, 4) per-marker log10 LR by call (-1 missing, 0, 1, 2)
    first : int8 (P, n); second : int8 (R, n) call codes
    """
    n_first, n_markers = first.shape
    n_second = second.shape[0]
    out = np.empty((n_first, n_second))
    for i in range(n_first):
        for j in range(n_second):
            s = 0.0
            for m in range(n_markers):
                s += table[m, first[i, m] + 1, second[j, m] + 1]
            out[i, j] = s
    return out


@jit(parallel=True)
def one_hot(codes: np.ndarray, shift: int) -> np.ndarray:
    """Indicator rows of the calls: ``out[i, c * n + m] = 1`` where ``codes[i, m] + shift ==
    c``; ``shift`` is 1 (columns for -1 missing, 0, 1, 2) or 0 (a missing call sets none).

    codes : int8 (N, n); returns float64 (N, (3 + shift) * n)
    """
    rows, n = codes.shape
    out = np.zeros((rows, (3 + shift) * n))
    for i in numba.prange(rows):
        for m in range(n):
            c = codes[i, m] + shift
            if c >= 0:
                out[i, c * n + m] = 1.0
    return out


@jit(parallel=True)
def gathered(table: np.ndarray, codes: np.ndarray, shift: int) -> np.ndarray:
    """The table's column of each call: ``out[j, c * n + m] = table[m, c + 1 - shift,
    codes[j, m] + 1]`` for the first sample's call ``c - shift`` (see :func:`one_hot`).

    table : float64 (n, 4, 4); codes : int8 (N, n); returns float64 (N, (3 + shift) * n)
    """
    rows, n = codes.shape
    width = 3 + shift
    out = np.empty((rows, width * n))
    for j in numba.prange(rows):
        for m in range(n):
            b = codes[j, m] + 1
            for c in range(width):
                out[j, c * n + m] = table[m, c + 1 - shift, b]
    return out


def screen_scores_blocked(table: np.ndarray, first: np.ndarray, second: np.ndarray, *,
                          block: int = 512) -> np.ndarray:
    """The same sums as :func:`screen_scores`, as matrix products in blocks.

    ``sum_m table[m, a_m, b_m] = sum_{m, c} [a_m = c] * table[m, c, b_m]``: the first
    samples' call indicators (:func:`one_hot`) times the table entries picked by the second
    samples' calls (:func:`gathered`), one BLAS product per block of ``block`` x ``block``
    samples. When a missing first call scores 0 at every marker (a non-inbred hypothesis),
    its column is left out.
    """
    shift = 0 if not np.any(table[:, 0, :]) else 1
    n_first, n_second = first.shape[0], second.shape[0]
    out = np.empty((n_first, n_second))
    for i0 in range(0, n_first, block):
        x = one_hot(first[i0:i0 + block], shift)
        for j0 in range(0, n_second, block):
            out[i0:i0 + block, j0:j0 + block] = x @ gathered(table, second[j0:j0 + block],
                                                             shift).T
    return out


def screen_scores_likelihoods(num: np.ndarray, den: np.ndarray, like: np.ndarray,
                              second: np.ndarray, *, block: int = 512) -> np.ndarray:
    """Screen of first samples given as genotype likelihoods against second samples' calls:
    ``out[i, j] = sum_m log10(sum_g like[i, m, g] num[m, g, c] / sum_g like[i, m, g]
    den[m, g, c])`` with ``c = second[j, m] + 1``.

    num, den : float64 (n, 3, 4) emissions of the first sample's true genotype g and the
    second's call (column 0 missing) under the hypothesis (kappa-weighted) and unrelated;
    like : float64 (P, n, 3); second : int8 (R, n). The per-marker log ratio depends on the
    pair only through the second sample's call, so it is computed once per first sample,
    marker and call, and the sum over markers is a matrix product with the second samples'
    call indicators (:func:`one_hot`), in blocks of ``block`` x ``block`` samples. An
    impossible marker (ratio 0) counts as -1e300, so that products with a 0 indicator stay
    0.
    """
    n_first, n_second = like.shape[0], second.shape[0]
    n = num.shape[0]
    out = np.empty((n_first, n_second))
    for i0 in range(0, n_first, block):
        part = like[i0:i0 + block]
        with np.errstate(divide="ignore"):
            ratio = np.log10(np.einsum("img,mgc->icm", part, num)
                             / np.einsum("img,mgc->icm", part, den))
        x = np.maximum(ratio, -1e300).reshape(part.shape[0], 4 * n)
        for j0 in range(0, n_second, block):
            out[i0:i0 + block, j0:j0 + block] = x @ one_hot(second[j0:j0 + block], 1).T
    return out


@jit
def screen_vector(table: np.ndarray, codes: np.ndarray, impossible: float,
                  out: np.ndarray) -> None:
    """A reference's score vector: ``out[c * n + m] = table[m, c, codes[m] + 1]``, the
    per-marker log10 LR of PM call ``c - 1`` against the reference's call at marker ``m``
    (-inf written as ``impossible``).

    table : float64 (n, 4, 4); codes : int8 (n,); out : float64 (4 n,)
    """
    n = codes.size
    for c in range(4):
        for m in range(n):
            v = table[m, c, codes[m] + 1]
            out[c * n + m] = impossible if v == -np.inf else v


def vector_scores_blocked(vectors: np.ndarray, codes: np.ndarray, shift: int, *,
                          block: int = 512) -> np.ndarray:
    """``out[i, v] = sum_m vectors[v, (codes[i, m] + shift) * n + m]``: each sample's calls
    looked up in per-marker score vectors, as matrix products of the call indicators
    (:func:`one_hot`) with the vectors, in blocks of ``block`` samples.

    vectors : float64 (V, (3 + shift) * n), column ``c * n + m`` the score of call
    ``c - shift`` at marker ``m`` (``shift`` 0: a missing call scores 0); codes : int8 (N, n)
    """
    out = np.empty((codes.shape[0], vectors.shape[0]))
    for i0 in range(0, codes.shape[0], block):
        out[i0:i0 + block] = one_hot(codes[i0:i0 + block], shift) @ vectors.T
    return out
