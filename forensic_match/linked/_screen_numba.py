"""Screen kernel: unlinked per-marker log LR looked up by the pair's two calls."""

from __future__ import annotations

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
