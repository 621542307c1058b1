"""PM samples whose DNA is a living person's: a typed relative of a registered family.

A relative who gave a reference sample is alive. A PM sample with his or her profile is
therefore no body of the programme but an error: DNA of the reference carried into the
postmortem sample (contamination in a laboratory that types both), or a reference sample
filed as a postmortem one. The kinship search cannot see it: a mother's own profile is, to
the search, an excellent child or parent of her family's missing persons (a mother's profile
as her missing son: log10 LR 13 on the bundled programme), and the identification would
place her DNA in her son's grave.

:func:`living_matches` compares every PM sample with every typed relative by the same-source
LR of :func:`~forensic_match.dvi.fragments.same_source_pairs` (each sample's observation
model, its dropout included; the same kernel arithmetic) and lists the pairs that reach
``threshold``. ``identify()`` then holds back a proposal whose body matches a living relative
at least as strongly as it matches the proposed missing person (``docs/decisions.md``,
"Rules").
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.fragments import (
    FULL_PAIRS_ABOVE,
    SAME_SOURCE_LOG10,
    SameSourceMemo,
    _pair_setting,
    encode_observations,
    memo_kept_pairs,
    memo_positions,
    remember_pairs,
    sorted_pairs,
)
from forensic_match.markers import Marker

__all__ = ["LIVING_COLUMNS", "LIVING_PREFIX", "living_matches", "relative_samples"]

#: Id prefix of a typed relative compared as a sample (it cannot clash with a PM id).
LIVING_PREFIX = "\u0000living:"

LIVING_COLUMNS = ("pm", "family", "person", "log10_lr", "n_markers")


def relative_samples(families: Sequence[Family]) -> list[tuple[PMSample, str, str]]:
    """Every typed relative of ``families`` as a sample to compare: (sample, family, person).

    The relative's profile is a reference's: read without dropout."""
    out = []
    for fam in families:
        for person in sorted(fam.genotypes):
            profile = fam.genotypes[person]
            if profile:
                out.append((PMSample(f"{LIVING_PREFIX}{fam.id}:{person}",
                                     fam.pedigree.sex_of(person), dict(profile)),
                            fam.id, person))
    return out


def living_matches(samples: Sequence[PMSample], families: Sequence[Family],
                   markers: Sequence[Marker], *, threshold: float = SAME_SOURCE_LOG10,
                   min_markers: int = 6, dropin: float = 0.0,
                   memo: SameSourceMemo | None = None) -> Any:
    """PM samples whose same-source log10 LR with a typed relative reaches ``threshold``.

    Parameters
    ----------
    samples : sequence of PMSample
    families : sequence of Family
        Their typed relatives (``Family.genotypes``) are compared with every sample.
    markers : sequence of Marker
        The panel (every allele of the samples and relatives in it: see
        :func:`~forensic_match.dvi.identify.prepare_panel`).
    threshold : float
        log10 LR a pair must reach (default: the join threshold of fragments, 10).
    min_markers : int
        Markers a pair must be compared on.
    dropin : float
        Drop-in probability of the observation model.
    memo : SameSourceMemo, optional
        An earlier call's pairs (e.g. last night's), read and replaced in place by this
        call's: a pair of a sample and a relative both unchanged (by
        :func:`~forensic_match.dvi.search_reuse.sample_key`) is taken from it, so only pairs
        with a new or changed side are compared; the result is the same table as without.

    Returns
    -------
    polars.DataFrame
        :data:`LIVING_COLUMNS`: the PM sample, the relative's family and id, the log10 LR
        and the markers compared; in the order of ``samples``, then of ``families``.
    """
    import polars as pl

    from forensic_match.dvi._fragments_numba import cross_pair_scores

    relatives = relative_samples(families)
    everything = list(samples) + [r for r, _, _ in relatives]
    arrays = encode_observations(everything, markers, dropin=dropin)
    n_pm = len(samples)
    rows = np.arange(n_pm, dtype=np.int64)
    cols = np.arange(n_pm, len(everything), dtype=np.int64)
    if memo is None:
        i, j, score, used = cross_pair_scores(*arrays, threshold, min_markers, rows, cols)
    else:
        i, j, score, used = _reusing(memo, everything, n_pm, markers, threshold, min_markers,
                                     dropin, arrays)
    owner = [(fam, person) for _, fam, person in relatives]
    table = pl.DataFrame({"pm": [samples[x].id for x in i.tolist()],
                          "family": [owner[x - n_pm][0] for x in j.tolist()],
                          "person": [owner[x - n_pm][1] for x in j.tolist()],
                          "log10_lr": score, "n_markers": used},
                         schema={"pm": pl.Utf8, "family": pl.Utf8, "person": pl.Utf8,
                                 "log10_lr": pl.Float64, "n_markers": pl.Int64})
    return table


def _reusing(memo: SameSourceMemo, everything: list[PMSample], n_pm: int,
             markers: Sequence[Marker], threshold: float, min_markers: int, dropin: float,
             arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """The pairs as :func:`cross_pair_scores` over every sample and relative gives them, the
    pairs of an unchanged sample and an unchanged relative taken from ``memo``; ``memo``
    then holds this call's."""
    from forensic_match.dvi._fragments_numba import cross_pair_scores
    from forensic_match.dvi.search_reuse import sample_key

    setting = hashlib.sha256(("living/" + _pair_setting(markers, threshold, min_markers,
                                                        dropin)).encode()).hexdigest()
    keys = [sample_key(s) for s in everything]
    now, fresh = memo_positions(memo, setting, keys)
    rows = np.arange(n_pm, dtype=np.int64)
    cols = np.arange(n_pm, len(keys), dtype=np.int64)
    if fresh.sum() > FULL_PAIRS_ABOVE * len(keys):
        found = cross_pair_scores(*arrays, threshold, min_markers, rows, cols)
    else:
        # new samples against every relative, old samples against new relatives, and the
        # memo's pairs of an old sample and an old relative
        found = sorted_pairs([
            cross_pair_scores(*arrays, threshold, min_markers, rows[fresh[rows]], cols),
            cross_pair_scores(*arrays, threshold, min_markers, rows[~fresh[rows]],
                              cols[fresh[cols]]),
            memo_kept_pairs(memo, now)])
    return remember_pairs(memo, setting, keys, found)
