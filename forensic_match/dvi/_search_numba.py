"""Numba kernels of the blind search: gather and sum of compiled log10 LR tables.

Plain arrays in, plain arrays out; no Dask, no objects. ``pos[s, k]`` is the absolute position
in a compiled row of PM sample ``s``'s genotype at marker ``k``: ``>= 0`` for a complete
profile (one gather), ``-1`` untyped, ``<= -2`` for an uncertain observation (dropout,
drop-in, partial) whose genotypes and weights are in CSR entry ``-(pos + 2)``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from forensic_match.accelerate import jit


@jit(parallel=True)
def score_block(table, consistent, rows, pos, unc_ptr, unc_pos, unc_w, score, n_used,
                n_incons):
    """Scores of every PM sample against the compiled rows ``rows`` (parallel over rows).

    ``score[b, s]`` receives the log10 LR of row ``rows[b]`` and sample ``s``, ``n_used`` the
    number of markers compared and ``n_incons`` the number where the pair is impossible
    without mutation.
    """
    n_pm, n_markers = pos.shape
    for b in prange(rows.size):
        r = rows[b]
        row = table[r]
        ok = consistent[r]
        for s in range(n_pm):
            acc = 0.0
            used = 0
            bad = 0
            for k in range(n_markers):
                p = pos[s, k]
                if p >= 0:
                    acc += row[p]
                    used += 1
                    if not ok[p]:
                        bad += 1
                elif p <= -2:
                    e = -(p + 2)
                    total = 0.0
                    any_ok = False
                    for j in range(unc_ptr[e], unc_ptr[e + 1]):
                        total += unc_w[j] * 10.0 ** row[unc_pos[j]]
                        if ok[unc_pos[j]]:
                            any_ok = True
                    acc += np.log10(total) if total > 0.0 else -np.inf
                    used += 1
                    if not any_ok:
                        bad += 1
            score[b, s] = acc
            n_used[b, s] = used
            n_incons[b, s] = bad
