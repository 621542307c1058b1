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
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from forensic_match.cases import PMSample, typed_at
from forensic_match.dvi.compile import hardy_weinberg, marker_offsets
from forensic_match.markers import Marker

#: Default same-source log10 LR to join two samples into one body. Between samples of
#: different people P(LR >= t) <= 1/t, and a programme of 10,000 samples has 5e7 pairs: 1e10
#: keeps the expected number of false joins below 0.005.
SAME_SOURCE_LOG10 = 10.0
#: Same-source log10 LR at or below which two samples are taken to come from two people
#: (:func:`split_conflicts`): 10^4 to 1 against one source; two samples that share no allele
#: at a marker (with no drop-in) have LR 0.
CONFLICT_LOG10 = -4.0


@dataclass
class Body:
    """One body: one or more PM samples judged to come from the same person."""

    id: str
    fragments: list[PMSample]

    @cached_property
    def _distinct(self) -> tuple[list[PMSample], list[tuple[PMSample, PMSample]]]:
        return distinct_fragments(self.fragments)

    @property
    def scored(self) -> list[PMSample]:
        """The fragments whose observations enter the body's DNA likelihood: each extract
        once (:func:`distinct_fragments`)."""
        return self._distinct[0]

    @property
    def counted_once(self) -> list[tuple[PMSample, PMSample]]:
        """(fragment, earlier fragment with the same calls) of the fragments left out of
        :attr:`scored`."""
        return self._distinct[1]

    def typed_markers(self, names: Sequence[str]) -> int:
        """How many of the markers ``names`` any fragment is typed at."""
        return len({k for f in self.fragments for k in typed_at(f.genotypes, names)})

    @property
    def best(self) -> PMSample:
        """The fragment with the most typed markers (lowest dropout on ties): the one a family
        is conditioned on once the body is identified."""
        return max(self.fragments, key=lambda f: (len(f.genotypes), -f.dropout))

    @property
    def sex(self) -> str:
        sexes = {f.sex for f in self.fragments if f.sex in ("M", "F")}
        return sexes.pop() if len(sexes) == 1 else "U"


def _calls(sample: PMSample) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((m, tuple(sorted((a for a in g if a is not None), key=str)))
                        for m, g in sample.genotypes.items() if g and g[0] is not None))


def distinct_fragments(fragments: Sequence[PMSample]
                       ) -> tuple[list[PMSample], list[tuple[PMSample, PMSample]]]:
    """The fragments of one body with each whose calls equal an earlier one's at every marker
    left out, and the (left out, earlier) pairs.

    Two samples with the same calls at every marker are taken to be one extract entered twice
    (a re-injection, a sample filed under two ids): scored as two bones, every allele they
    both lack would count as lost twice, independently (an outside check, 2026-12-07: one
    bone entered twice lowered its body's LR up to 176-fold and lost 2 of 4 identifications).
    Two bones of one person with the same calls give the same LR either way unless a call
    shows one allele (where two independent losses are less likely than one); counting them
    once is the cautious reading.
    """
    kept: list[PMSample] = []
    seen: dict[Any, PMSample] = {}
    dropped: list[tuple[PMSample, PMSample]] = []
    for f in fragments:
        key = _calls(f)
        if key in seen:
            dropped.append((f, seen[key]))
        else:
            seen[key] = f
            kept.append(f)
    return kept, dropped


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


@dataclass
class SameSourceMemo:
    """The pairs an earlier :func:`same_source_pairs` call found, keyed by content, for the
    next call to take instead of comparing its unchanged samples again.

    Attributes
    ----------
    setting : str
        sha256 of the call's panel (:func:`~forensic_match.markers.markers_digest`),
        threshold, minimum markers and drop-in: used only by a call with the same setting.
    keys : list of str
        :func:`~forensic_match.dvi.search_reuse.sample_key` of each sample compared, in the
        call's order.
    first, second : numpy.ndarray
        The pairs found, as positions in ``keys`` (``first < second``).
    log10_lr, n_markers : numpy.ndarray
        Their scores.
    """

    setting: str = ""
    keys: list[str] = field(default_factory=list)
    first: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    second: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    log10_lr: np.ndarray = field(default_factory=lambda: np.empty(0))
    n_markers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


#: Above this share of samples not in the memo every pair is compared (less work).
FULL_PAIRS_ABOVE = 0.25


def _pair_setting(markers: Sequence[Marker], threshold: float, min_markers: int,
                  dropin: float) -> str:
    import hashlib
    import json

    from forensic_match.markers import markers_digest

    canon = {"markers": markers_digest(markers), "threshold": repr(float(threshold)),
             "min_markers": int(min_markers), "dropin": repr(float(dropin))}
    return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()


def encode_observations(samples: Sequence[PMSample], markers: Sequence[Marker], *,
                        dropin: float = 0.0) -> tuple[np.ndarray, ...]:
    """The arrays the same-source kernels read (``start, stop, pos, w, hw``): per sample and
    marker, the span of its genotypes' positions and weights (:func:`observation_weights`,
    normalised, sorted by position) in ``pos`` and ``w``; ``hw`` the Hardy-Weinberg
    probability of every genotype of the panel."""
    from forensic_match.dvi._fragments_numba import encode_kernel
    from forensic_match.likelihood._kernels import OBS_NONE, OBS_PARTIAL, OBS_SET

    offsets = marker_offsets(markers)
    hw = np.concatenate([hardy_weinberg(m.frequencies) for m in markers])
    n_s, n_m = len(samples), len(markers)
    kind = np.full((n_s, n_m), OBS_NONE, dtype=np.int64)
    first = np.full((n_s, n_m), -1, dtype=np.int64)
    second = np.full((n_s, n_m), -1, dtype=np.int64)
    dropout = np.zeros(n_s)
    names = [m.name for m in markers]
    for s, sample in enumerate(samples):
        dropout[s] = sample.dropout
        got = sample.genotypes
        for k, name in enumerate(names):
            g = got.get(name)
            if g is None or g[0] is None:
                continue
            first[s, k] = markers[k].index(g[0])
            if g[1] is None:
                kind[s, k] = OBS_PARTIAL
            else:
                kind[s, k] = OBS_SET
                second[s, k] = markers[k].index(g[1])
    freq_start = np.concatenate([[0], np.cumsum([len(m) for m in markers])]).astype(np.int64)
    freqs = np.concatenate([m.frequencies for m in markers]) if markers else np.empty(0)
    start, stop, pos, w, general = encode_kernel(kind, first, second, dropout, float(dropin),
                                                 freqs, freq_start, offsets)
    _normalise_spans(w, start[general], stop[general])
    return start, stop, pos, w, hw


def _normalise_spans(w: np.ndarray, start: np.ndarray, stop: np.ndarray) -> None:
    """Divide each span ``w[start:stop]`` by its sum, in place, the sum as numpy's own
    (pairwise: a sum in a kernel would differ in the last bits). The spans of one length are
    done at once as the rows of a matrix: numpy sums each row of a contiguous matrix as it
    sums the row alone (``tests/test_living.py``), and one call per length replaces one
    per span (230,000 spans for 10,000 samples with dropout)."""
    lengths = stop - start
    for length in np.unique(lengths):
        at = start[lengths == length]
        idx = at[:, None] + np.arange(length)
        block = w[idx]
        w[idx] = block / block.sum(axis=1)[:, None]


def same_source_pairs(samples: Sequence[PMSample], markers: Sequence[Marker], *,
                      threshold: float = SAME_SOURCE_LOG10, min_markers: int = 6,
                      dropin: float = 0.0, memo: SameSourceMemo | None = None) -> Any:
    """Pairs of PM samples whose same-source log10 LR reaches ``threshold``.

    Parameters
    ----------
    samples : sequence of PMSample
    markers : sequence of Marker
    threshold : float
        log10 LR a pair must reach.
    min_markers : int
        Markers a pair must be compared on.
    dropin : float
        Drop-in probability of the observation model.
    memo : SameSourceMemo, optional
        An earlier call's pairs (e.g. last night's), read and replaced in place by this
        call's. A pair of two samples whose :func:`~forensic_match.dvi.search_reuse.
        sample_key` the memo holds is taken from it (its score depends on the two samples
        and the setting alone), so only pairs with a new or changed sample are compared;
        the result is the same table as without (``docs/store.md``). A memo of another
        setting is not used.

    Returns
    -------
    polars.DataFrame
        pm1, pm2, log10_lr, n_markers; pm1 before pm2 in ``samples``, in that order.
    """
    import polars as pl

    from forensic_match.dvi._fragments_numba import pair_scores

    arrays = encode_observations(samples, markers, dropin=dropin)
    if memo is None:
        i, j, score, used = pair_scores(*arrays, threshold, min_markers)
    else:
        i, j, score, used = _pairs_reusing(memo, samples, markers, threshold, min_markers,
                                           dropin, arrays)
    ids = [s.id for s in samples]
    return pl.DataFrame({"pm1": [ids[x] for x in i.tolist()],
                         "pm2": [ids[x] for x in j.tolist()],
                         "log10_lr": score, "n_markers": used},
                        schema={"pm1": pl.Utf8, "pm2": pl.Utf8, "log10_lr": pl.Float64,
                                "n_markers": pl.Int64})


def memo_positions(memo: SameSourceMemo, setting: str, keys: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Where each sample the memo compared is now (``-1``: gone, or a memo of another
    setting), and which of ``keys`` the memo did not compare (``fresh``)."""
    old = {k: p for p, k in enumerate(memo.keys)} if memo.setting == setting else {}
    now = np.full(len(memo.keys), -1, dtype=np.int64)
    fresh = np.ones(len(keys), dtype=bool)
    for p, k in enumerate(keys):
        q = old.get(k)
        if q is not None:
            now[q] = p
            fresh[p] = False
    return now, fresh


def _pairs_reusing(memo: SameSourceMemo, samples: Sequence[PMSample],
                   markers: Sequence[Marker], threshold: float, min_markers: int,
                   dropin: float, arrays: tuple[np.ndarray, ...],
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of ``samples`` as :func:`~forensic_match.dvi._fragments_numba.pair_scores`
    gives them, the pairs of two samples ``memo`` holds taken from it; ``memo`` then holds
    this call's."""
    from forensic_match.dvi._fragments_numba import pair_scores, pair_scores_with
    from forensic_match.dvi.search_reuse import sample_key

    setting = _pair_setting(markers, threshold, min_markers, dropin)
    keys = [sample_key(s) for s in samples]
    n_s = len(keys)
    now, fresh = memo_positions(memo, setting, keys)
    if fresh.sum() > FULL_PAIRS_ABOVE * n_s:
        found = pair_scores(*arrays, threshold, min_markers)
    else:
        found = sorted_pairs([pair_scores_with(*arrays, threshold, min_markers, fresh),
                              memo_kept_pairs(memo, now)])
    return remember_pairs(memo, setting, keys, found)


def memo_kept_pairs(memo: SameSourceMemo, now: np.ndarray) -> tuple[np.ndarray, ...]:
    """The memo's pairs of two samples still compared, at their positions now
    (:func:`memo_positions`), the lower first: (i, j, log10 LR, markers)."""
    a, b = now[memo.first], now[memo.second]
    kept = (a >= 0) & (b >= 0)
    # The score of a pair does not depend on which of the two comes first.
    a, b = a[kept], b[kept]
    return (np.minimum(a, b), np.maximum(a, b), memo.log10_lr[kept], memo.n_markers[kept])


def sorted_pairs(parts: Sequence[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """Pairs (i, j, log10 LR, markers) found in ``parts``, as one set sorted by (i, j)."""
    i, j, score, used = (np.concatenate([p[k] for p in parts]) for k in range(4))
    order = np.lexsort((j, i))
    return i[order], j[order], score[order], used[order]


def remember_pairs(memo: SameSourceMemo, setting: str, keys: list[str],
                   pairs: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Keep ``pairs`` (i, j, log10 LR, markers) in ``memo`` as this call's, with the call's
    setting and sample keys; returns the pairs."""
    i, j, score, used = pairs
    memo.setting, memo.keys = setting, keys
    memo.first, memo.second = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    memo.log10_lr = np.asarray(score, dtype=np.float64)
    memo.n_markers = np.asarray(used, dtype=np.int64)
    return i, j, score, used


def save_same_source_memo(path: str | Path, memo: SameSourceMemo) -> None:
    """Write ``memo`` to ``path`` (numpy ``.npz``, no pickled objects) with the sha256 of its
    content; written to a temporary file, then renamed, so a crash never leaves a
    half-written file."""
    from forensic_match.dvi.npz_file import save_npz

    arrays = _memo_arrays(memo)
    save_npz(path, arrays, {"setting": memo.setting,
                            "sha256": _memo_digest(memo.setting, arrays)})


def load_same_source_memo(path: str | Path | None) -> SameSourceMemo:
    """The memo written by :func:`save_same_source_memo`, or an empty one: an absent file
    gives an empty memo; an unreadable one, or one whose content does not match its sha256
    or is inconsistent, a :class:`~forensic_match.errors.CacheWarning` and an empty memo
    (every pair is then compared: the memo holds only what can be recomputed)."""
    import warnings

    from forensic_match.dvi.npz_file import load_npz
    from forensic_match.errors import CacheWarning

    if path is None or not Path(path).exists():
        return SameSourceMemo()
    try:
        arrays, meta = load_npz(path, _MEMO_ARRAYS)
        if _memo_digest(meta["setting"], arrays) != meta["sha256"]:
            raise ValueError("content does not match its sha256")
        keys = np.char.decode(arrays["keys"], "ascii").tolist() if arrays["keys"].size \
            else []
        first, second = arrays["first"].astype(np.int64), arrays["second"].astype(np.int64)
        n = first.size
        if not (second.size == arrays["log10_lr"].size == arrays["n_markers"].size == n) or \
                (n and (first.min() < 0 or second.max() >= len(keys)
                        or not np.all(first < second))):
            raise ValueError("inconsistent pairs")
        return SameSourceMemo(str(meta["setting"]), keys, first, second,
                              arrays["log10_lr"].astype(np.float64),
                              arrays["n_markers"].astype(np.int64))
    except Exception as exc:  # noqa: BLE001 - any damage to a derived file means recomputing
        warnings.warn(f"file {str(path)!r}: same-source memo could not be read "
                      f"({type(exc).__name__}: {exc}); comparing every pair", CacheWarning,
                      stacklevel=2)
        return SameSourceMemo()


_MEMO_ARRAYS = ("keys", "first", "second", "log10_lr", "n_markers")


def _memo_arrays(memo: SameSourceMemo) -> dict[str, np.ndarray]:
    keys = np.array([k.encode("ascii") for k in memo.keys], dtype="S64") if memo.keys \
        else np.zeros(0, dtype="S64")
    return {"keys": keys, "first": np.asarray(memo.first, dtype=np.int64),
            "second": np.asarray(memo.second, dtype=np.int64),
            "log10_lr": np.asarray(memo.log10_lr, dtype=np.float64),
            "n_markers": np.asarray(memo.n_markers, dtype=np.int64)}


def _memo_digest(setting: str, arrays: dict[str, np.ndarray]) -> str:
    from forensic_match.dvi.npz_file import arrays_sha256

    return arrays_sha256(setting, arrays, _MEMO_ARRAYS)


def group_fragments(samples: Sequence[PMSample], markers: Sequence[Marker], *,
                    threshold: float = SAME_SOURCE_LOG10, min_markers: int = 6,
                    dropin: float = 0.0) -> tuple[list[Body], Any]:
    """Join samples into bodies by single linkage on the same-source LR, split where two
    samples of a body cannot be one person (:func:`split_conflicts`).

    Returns
    -------
    bodies : list of Body
        In the order of each body's first sample; a body's id is its first sample's id.
    pairs : polars.DataFrame
        The same-source pairs that joined them (see :func:`same_source_pairs`).
    """
    pairs = same_source_pairs(samples, markers, threshold=threshold, min_markers=min_markers,
                              dropin=dropin)
    bodies, _ = split_conflicts(bodies_from_pairs(samples, pairs, threshold=threshold),
                                markers, threshold=threshold, min_markers=min_markers,
                                dropin=dropin)
    return bodies, pairs


def bodies_from_pairs(samples: Sequence[PMSample], pairs: Any, *,
                      threshold: float = SAME_SOURCE_LOG10) -> list[Body]:
    """Single-linkage bodies from same-source pairs at or above ``threshold``.

    The connected components of the pairs' graph (union-find; no graph library, so that
    ``solve`` does not import one), in the order of their first sample; each body's fragments
    in the order of their ids, the body named after the first. So a body is the same whatever
    the order of the input: its name, the order its fragments' likelihoods are taken in, and
    the fragment whose AM/PM findings it takes where two record one field differently
    (:func:`~forensic_match.evidence.body_findings.findings_for_bodies`: the first by id).
    Before 2026-12-07 the fragments kept the input's order: reversing a PM table changed which
    sample's findings a body carried, and with them which right identifications were made
    (an outside check: 3 of 8 scenarios of 40 households, 5 identifications in all).
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
    out = []
    for c in comps.values():
        fragments = sorted((samples[k] for k in c), key=lambda s: s.id)
        out.append(Body(fragments[0].id, fragments))
    return out


def split_conflicts(bodies: Sequence[Body], markers: Sequence[Marker], *,
                    threshold: float = SAME_SOURCE_LOG10, min_markers: int = 6,
                    dropin: float = 0.0) -> tuple[list[Body], list[str]]:
    """Bodies of single linkage whose fragments hold two samples of two people, split.

    A partial sample typed only where two brothers agree matches both brothers' samples, and
    single linkage then joins the brothers into one body whose fragments exclude each other:
    no one fits it, and it vanished from every output (an outside check, 2026-12-07). In each
    body of three or more samples, every pair is compared (:func:`same_source_pairs`); where
    a pair's log10 LR is at most :data:`CONFLICT_LOG10`, the body's samples are joined again
    pair by pair from the strongest, never joining two groups that hold such a pair, and a
    sample joined at ``threshold`` or more to a sample of another group (it fits both) is
    left on its own.

    Returns
    -------
    bodies : list of Body
        In the order of each body's first sample, as :func:`bodies_from_pairs`.
    notes : list of str
        One sentence per body split, naming its samples, the pair that excludes and the
        groups searched.
    """
    out: list[Body] = []
    notes: list[str] = []
    for body in bodies:
        frags = body.fragments
        if len(frags) < 3:
            out.append(body)
            continue
        # every pair, excluded ones (LR 0 at a marker: not listed) at -inf
        table = same_source_pairs(frags, markers, threshold=-np.inf, min_markers=0,
                                  dropin=dropin)
        lr = {(a.id, b.id): -np.inf for k, a in enumerate(frags) for b in frags[k + 1:]}
        joins = {}
        for a, b, v, n in table.select("pm1", "pm2", "log10_lr", "n_markers").iter_rows():
            lr[(a, b)] = v
            if v >= threshold and n >= min_markers:
                joins[(a, b)] = v
        apart = {frozenset(k) for k, v in lr.items() if v <= CONFLICT_LOG10}
        if not apart:
            out.append(body)
            continue
        group = {f.id: frozenset([f.id]) for f in frags}
        for a, b in sorted(joins, key=lambda k: -joins[k]):
            ga, gb = group[a], group[b]
            if ga == gb or any(frozenset((x, y)) in apart for x in ga for y in gb):
                continue
            for x in ga | gb:
                group[x] = ga | gb
        alone = {x for a, b in joins if group[a] != group[b] for x in (a, b)
                 if len(group[x]) > 1}
        for x in alone:
            for y in group[x] - {x}:
                group[y] = group[y] - {x}
            group[x] = frozenset([x])
        by_id = {f.id: f for f in frags}
        order = {f.id: k for k, f in enumerate(frags)}  # frags: in id order (bodies_from_pairs)
        parts = sorted({g for g in group.values()}, key=lambda g: min(order[x] for x in g))
        for g in parts:
            members = sorted(g, key=order.__getitem__)
            out.append(Body(members[0], [by_id[x] for x in members]))
        (a, b), v = min(((k, v) for k, v in lr.items() if frozenset(k) in apart),
                        key=lambda kv: kv[1])
        notes.append(f"PM samples {', '.join(f.id for f in frags)} were joined as one body by "
                     f"single linkage, but {a} and {b} cannot be one person (same-source "
                     f"log10 LR {v:.1f}): searched as {len(parts)} bodies ("
                     + "; ".join("+".join(sorted(g, key=order.__getitem__)) for g in parts)
                     + ("" if not alone else f"; {', '.join(sorted(alone))} fitting more than "
                        f"one of them, on its own") + ")")
    first = {s.id: k for k, s in enumerate(f for b in bodies for f in b.fragments)}
    out.sort(key=lambda b: first[b.fragments[0].id])
    return out, notes

