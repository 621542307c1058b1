"""Numba kernel of the distinctive evidence: plain arrays in, plain arrays out.

:func:`distinctive_rows` adds, for each requested compiled row with a distinctive record, the
log10 LR of its dental chart, features, implants and effects against every body to a block of
scores. The tables are built by :class:`~forensic_match.evidence.distinctive.
DistinctiveTables` (its docstring gives their layout); the formulas are those of
:mod:`~forensic_match.evidence.dental` and :mod:`~forensic_match.evidence.features`. Bodies
are the inner loop and the body tables are stored entry-major (one contiguous vector of
bodies per tooth and per item code), so each step is a gather over contiguous memory.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from forensic_match.accelerate import jit

#: Status of an item's code on a body (``status_by_code``), also the column of ``item_value``.
UNKNOWN, FOUND, ABSENT = 0, 1, 2
#: ``item_piece`` of a personal effect (features 0 and implant kinds 1 sum freely).
EFFECTS = 2
#: PM dental code of a tooth not comparable (its column of ``dental_table`` holds 0.0).
NOT_COMPARABLE = 5


@jit(parallel=True)
def distinctive_rows(rows, row_slot, dental_ptr, dental_tooth, dental_table, dental_by_tooth,
                     dental_cap, item_ptr, item_code, item_piece, item_value, status_by_code,
                     effects_bound, extra_ptr, extra_body, extra_log10, out):
    """``out[i, j] +=`` the summed pieces of compiled row ``rows[i]`` against body ``j``
    (nothing for a row without a distinctive record):
    ``min(Σ_teeth dental, cap) + Σ features + Σ implant kinds + clamp(Σ effects)``, then the
    one-by-one implant pairs."""
    n_bodies = out.shape[1]
    for i in prange(rows.size):
        slot = row_slot[rows[i]]
        if slot < 0:
            continue
        lo, hi = dental_ptr[slot], dental_ptr[slot + 1]
        if hi > lo:
            acc = np.zeros(n_bodies)
            for e in range(lo, hi):
                codes = dental_by_tooth[dental_tooth[e]]
                for j in range(n_bodies):
                    acc[j] += dental_table[e, codes[j]]
            for j in range(n_bodies):
                out[i, j] += min(acc[j], dental_cap)
        lo, hi = item_ptr[slot], item_ptr[slot + 1]
        if hi > lo:
            effects = np.zeros(n_bodies)
            any_effect = False
            for e in range(lo, hi):
                status = status_by_code[item_code[e]]
                if item_piece[e] == EFFECTS:
                    any_effect = True
                    for j in range(n_bodies):
                        effects[j] += item_value[e, status[j]]
                else:
                    for j in range(n_bodies):
                        out[i, j] += item_value[e, status[j]]
            if any_effect:
                for j in range(n_bodies):
                    out[i, j] += min(max(effects[j], -effects_bound), effects_bound)
        for k in range(extra_ptr[slot], extra_ptr[slot + 1]):
            if extra_body[k] >= 0:  # (-1: a body outside the columns asked for)
                out[i, extra_body[k]] += extra_log10[k]
