"""Commingled remains: which PM samples are fragments of the same body.

Same-source LR of two samples at one marker (independent observations of one genotype):

``LR = Σ_g P(g) P(x1|g) P(x2|g) / (Σ_g P(g) P(x1|g) · Σ_g P(g) P(x2|g))``

which is ``1 / P(g)`` for two identical complete genotypes and 0 for two different ones;
dropout and partial profiles enter through ``P(x|g)``. Markers multiply. Samples whose
same-source LR reaches a threshold are joined (single linkage) into bodies; a body's profile
for the search is the product of its fragments' observation probabilities, so the kinship LR
of a body uses all of its fragments exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forensic_match.cases import PMSample
from forensic_match.dvi.compile import hardy_weinberg, marker_offsets
from forensic_match.markers import Marker

#: Default same-source log10 LR to join two samples into one body. Between samples of
#: different people P(LR >= t) <= 1/t, and a programme of 10,000 samples has 5e7 pairs: 1e10
#: keeps the expected number of false joins below 0.005.
SAME_SOURCE_LOG10 = 10.0


@dataclass
class Body:
    """One body: one or more PM samples judged to come from the same person."""

    id: str
    fragments: list[PMSample]

    @property
    def best(self) -> PMSample:
        """The fragment with the most typed markers (lowest dropout on ties): the one a family
        is conditioned on once the body is identified."""
        return max(self.fragments, key=lambda f: (len(f.genotypes), -f.dropout))

    @property
    def sex(self) -> str:
        sexes = {f.sex for f in self.fragments if f.sex in ("M", "F")}
        return sexes.pop() if len(sexes) == 1 else "U"


def observation_weights(sample: PMSample, markers: Sequence[Marker], offsets: np.ndarray,
                        *, dropin: float = 0.0) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Per marker: positions (in a compiled row) and ``P(g) P(x|g)`` of every genotype the
    sample's observation allows (unnormalised), or ``None`` when the marker is untyped."""
    from forensic_match.dvi._fragments_numba import observation_vector
    from forensic_match.likelihood._kernels import OBS_PARTIAL, OBS_SET

    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    for k, marker in enumerate(markers):
        g = sample.genotypes.get(marker.name)
        if g is None or g[0] is None:
            out.append(None)
            continue
        p = marker.frequencies
        a = marker.index(g[0])
        kind, b = (OBS_PARTIAL, -1) if g[1] is None else (OBS_SET, marker.index(g[1]))
        if kind == OBS_SET and (sample.dropout == 0.0 and dropin == 0.0):
            lo, hi = min(a, b), max(a, b)
            hw = p[lo] * p[lo] if lo == hi else 2.0 * p[lo] * p[hi]
            out.append((np.array([offsets[k] + hi * (hi + 1) // 2 + lo]), np.array([hw])))
            continue
        w = observation_vector(p, kind, a, b, sample.dropout, dropin)
        keep = np.flatnonzero(w > 0)
        out.append((offsets[k] + keep, w[keep]))
    return out


def same_source_pairs(samples: Sequence[PMSample], markers: Sequence[Marker], *,
                      threshold: float = SAME_SOURCE_LOG10, min_markers: int = 6,
                      dropin: float = 0.0) -> Any:
    """Pairs of PM samples whose same-source log10 LR reaches ``threshold``.

    Returns
    -------
    polars.DataFrame
        pm1, pm2, log10_lr, n_markers.
    """
    import polars as pl

    from forensic_match.dvi._fragments_numba import pair_scores

    offsets = marker_offsets(markers)
    hw = np.concatenate([hardy_weinberg(m.frequencies) for m in markers])
    n_s, n_m = len(samples), len(markers)
    start = np.zeros((n_s, n_m), dtype=np.int64)
    stop = np.zeros((n_s, n_m), dtype=np.int64)
    pos_parts, w_parts = [], []
    cursor = 0
    for s, sample in enumerate(samples):
        for k, entry in enumerate(observation_weights(sample, markers, offsets, dropin=dropin)):
            if entry is None:
                start[s, k] = stop[s, k] = cursor
                continue
            order = np.argsort(entry[0])
            pos_parts.append(entry[0][order])
            w = entry[1][order]
            w_parts.append(w / w.sum())
            start[s, k] = cursor
            cursor += w.size
            stop[s, k] = cursor
    pos = np.concatenate(pos_parts) if pos_parts else np.empty(0, dtype=np.int64)
    wts = np.concatenate(w_parts) if w_parts else np.empty(0)
    i, j, score, used = pair_scores(start, stop, pos.astype(np.int64), wts, hw, threshold,
                                    min_markers)
    ids = [s.id for s in samples]
    return pl.DataFrame({"pm1": [ids[x] for x in i.tolist()],
                         "pm2": [ids[x] for x in j.tolist()],
                         "log10_lr": score, "n_markers": used},
                        schema={"pm1": pl.Utf8, "pm2": pl.Utf8, "log10_lr": pl.Float64,
                                "n_markers": pl.Int64})


def group_fragments(samples: Sequence[PMSample], markers: Sequence[Marker], *,
                    threshold: float = SAME_SOURCE_LOG10, min_markers: int = 6,
                    dropin: float = 0.0) -> tuple[list[Body], Any]:
    """Join samples into bodies by single linkage on the same-source LR.

    Returns
    -------
    bodies : list of Body
        In the order of each body's first sample; a body's id is its first sample's id.
    pairs : polars.DataFrame
        The same-source pairs that joined them (see :func:`same_source_pairs`).
    """
    pairs = same_source_pairs(samples, markers, threshold=threshold, min_markers=min_markers,
                              dropin=dropin)
    return bodies_from_pairs(samples, pairs, threshold=threshold), pairs


def bodies_from_pairs(samples: Sequence[PMSample], pairs: Any, *,
                      threshold: float = SAME_SOURCE_LOG10) -> list[Body]:
    """Single-linkage bodies from same-source pairs at or above ``threshold``.

    The connected components of the pairs' graph (union-find; no graph library, so that
    ``solve`` does not import one), each in sample order, in the order of their first
    sample.
    """
    pairs = pairs.filter(pairs["log10_lr"] >= threshold)
    root = list(range(len(samples)))

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    index = {s.id: k for k, s in enumerate(samples)}
    for a, b in zip(pairs["pm1"].to_list(), pairs["pm2"].to_list()):
        ra, rb = find(index[a]), find(index[b])
        root[max(ra, rb)] = min(ra, rb)
    comps: dict[int, list[int]] = {}
    for k in range(len(samples)):
        comps.setdefault(find(k), []).append(k)
    return [Body(samples[c[0]].id, [samples[k] for k in c]) for c in comps.values()]
