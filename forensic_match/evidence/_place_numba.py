"""Numba kernel of the place-and-date prior's log10 factors: plain arrays in, plain arrays out.

:func:`add_place_log10` adds the factors of a block of (person, body) pairs to a block of
scores in one pass; :meth:`~forensic_match.evidence.place.PlaceFactors.log10_block` prepares its
tables (the kernel's log10 per pair of places, each body's normalising term) and documents the
rules, which are those of :class:`~forensic_match.evidence.place.PlacePrior`.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from forensic_match.accelerate import jit

#: An unrecorded day (as ``place._NO_DAY``).
NO_DAY = np.iinfo(np.int64).min


@jit(parallel=True)
def add_place_log10(person_code, person_day, body_code, body_day, body_event, log_w, scale,
                    slack, timed_col, log_time, out):
    """``out[r, b] +=`` the log10 place-and-date factor of person r against body b.

    ``log_w[person_code[r], body_code[b]]`` is the log10 weight before dates (a person code
    -1: a person the prior does not know, nothing added); ``-inf`` where the person
    disappeared more than ``slack`` days after the body's date or its dated event (a day of
    ``NO_DAY``: unrecorded, excludes nobody); plus, for a body with a dated event, the log10
    time kernel ``log_time[r, timed_col[b]]`` (``timed_col`` -1: no event); plus ``scale[b] =
    log10(N / total_b)``.
    """
    n_bodies = out.shape[1]
    for r in prange(person_code.size):
        p = person_code[r]
        if p < 0:
            continue
        day = person_day[r]
        dated = day != NO_DAY
        for b in range(n_bodies):
            v = log_w[p, body_code[b]]
            found, event = body_day[b], body_event[b]
            if dated and ((found != NO_DAY and day > found + slack)
                          or (event != NO_DAY and day > event + slack)):
                v = -np.inf
            if timed_col[b] >= 0:
                v += log_time[r, timed_col[b]]
            v += scale[b]
            out[r, b] += v
