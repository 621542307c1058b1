"""A short list of missing persons for remains with no usable DNA.

Some remains give no profile (burnt, or decades in acid soil), and some families have no
donor: then the AM/PM evidence is all there is. It does not identify, but it says whom to test
next (a tooth for a second extraction, a family to ask for a donor) and in what order.
:func:`shortlist` ranks, for each body, every registered missing person by

    score(s, m) = log10 LR_evidence(s, m) + log10 place factor(s, m)

(the evidence LR of :class:`~forensic_match.evidence.scoring.EvidenceScores` against "another
member of the victim population", and the place-and-date prior when the
:class:`~forensic_match.evidence.scoring.Evidence` has one), and gives the ``top`` best with
their ``share``: ``10^score / Σ_m 10^score`` over all registered persons, the posterior that
the body is m *if* it is one of them with equal priors. The share is not a posterior of
identity (the body may be nobody registered, or an unregistered relative, whom the evidence
alone barely separates); it orders the list.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from forensic_match.errors import InputError
from forensic_match.evidence.scoring import Evidence

#: Rows scored at once: a block is rows x bodies float64.
BLOCK_ROWS = 2000


def shortlist(evidence: Evidence, bodies: Sequence[str] | None = None, *, top: int = 10,
              describe: bool = True) -> pl.DataFrame:
    """The ``top`` registered missing persons for each body, by evidence alone.

    Parameters
    ----------
    evidence : Evidence
        AM records (the registered missing persons, with their families) and PM findings.
    bodies : sequence of str, optional
        PM ids to rank for (default: every body with findings).
    top : int
        Candidates kept per body.
    describe : bool
        Add the ``evidence`` column (each piece's LR in words) for the kept candidates.

    Returns
    -------
    polars.DataFrame
        One row per (body, candidate), best first: ``pm``, ``rank`` (1 = best), ``missing``,
        ``family``, ``log10_score``, ``share``, and ``evidence`` when asked. A candidate a
        date makes impossible (``-inf``) is never listed.

    Examples
    --------
    >>> from forensic_match.evidence import AMRecord, PMFindings
    >>> ev = Evidence({"A": AMRecord("A", family="F1", sex="M", age=20.0),
    ...                "B": AMRecord("B", family="F2", sex="F", age=60.0)},
    ...               {"PM1": PMFindings("PM1", dna_sex="F", age_min=50, age_max=70)})
    >>> shortlist(ev, top=1, describe=False)["missing"].to_list()
    ['B']
    """
    if top < 1:
        raise InputError(f"shortlist: top must be at least 1, got {top!r}")
    ids = list(evidence.findings) if bodies is None else list(bodies)
    unknown = [b for b in ids if b not in evidence.findings]
    if unknown:
        raise InputError(f"shortlist: no PM findings for {', '.join(map(repr, unknown[:5]))}")
    persons = sorted(evidence.records)
    schema = {"pm": pl.Utf8, "rank": pl.Int64, "missing": pl.Utf8, "family": pl.Utf8,
              "log10_score": pl.Float64, "share": pl.Float64}
    if describe:
        schema["evidence"] = pl.Utf8
    if not persons or not ids:
        return pl.DataFrame(schema=schema)
    rows = [(evidence.records[p].family, p) for p in persons]
    findings = [evidence.findings[b] for b in ids]
    scores = evidence.scores(rows, findings)
    k = min(top, len(persons))
    best = np.full((k, len(ids)), -np.inf)
    best_row = np.full((k, len(ids)), -1, dtype=np.int64)
    peak = np.full(len(ids), -np.inf)
    sums = np.zeros(len(ids))
    for start in range(0, len(persons), BLOCK_ROWS):
        block = scores.block(np.arange(start, min(start + BLOCK_ROWS, len(persons))))
        # The shares' denominators, summed in blocks against the running maximum.
        high = np.maximum(peak, block.max(axis=0))
        finite = np.isfinite(high)
        ref = np.where(finite, high, 0.0)
        part = np.sum(10.0 ** (block - ref), axis=0)
        sums = np.where(finite, sums * 10.0 ** (peak - ref) + part, 0.0)
        peak = high
        # The block's best k per body, merged with the best so far.
        take = min(k, block.shape[0])
        idx = np.argpartition(-block, take - 1, axis=0)[:take]
        both = np.concatenate([best, np.take_along_axis(block, idx, axis=0)])
        rows_of = np.concatenate([best_row, idx + start])
        order = np.argsort(-both, axis=0, kind="stable")[:k]
        best = np.take_along_axis(both, order, axis=0)
        best_row = np.take_along_axis(rows_of, order, axis=0)
    out = []
    for j, pm in enumerate(ids):
        for rank in range(k):
            value = float(best[rank, j])
            if not np.isfinite(value):
                break
            i = int(best_row[rank, j])
            share = 10.0 ** (value - peak[j]) / sums[j]
            entry = {"pm": pm, "rank": rank + 1, "missing": persons[i], "family": rows[i][0],
                     "log10_score": value, "share": float(share)}
            if describe:
                entry["evidence"] = evidence.describe(scores, i, j)
            out.append(entry)
    return pl.DataFrame(out, schema=schema)
