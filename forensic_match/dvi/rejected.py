"""Pairs a review rejected, kept out of an identification (``docs/decisions.md``, "Pairs a
review rejected").

A reviewer who rejects a proposal on its merits judges that the body is not that missing
person. ``identify(..., rejected=...)`` takes such judgements as knowledge: each rejected pair
gets weight 0 in the joint posterior (the body is never that person, in every round), so it
is neither proposed again nor conditioned on, and the family's later rounds are decided
without the rejected body. Its LR still counts where the search counted it (a body's LR sum
over the missing persons not listed as its candidates): that sum only weighs against every
identification of the body, so leaving it there can hold a placement back, never make one.

A rejection names the PM samples of the proposal (one, or a body's fragments joined by
commas). It holds for any body of this run that contains one of them: a fragment joined to
the body since the rejection does not lift it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from forensic_match.errors import ForensicMatchWarning, InputError

#: A pair as ``identify`` keys it: (body id, family id, missing person id).
Key = tuple[str, str, str]


def rejected_keys(rejected: Iterable[Sequence[str]] | Any, bodies: Sequence[Any],
                  missing: Iterable[tuple[str, str]]) -> set[Key]:
    """The pairs (body, family, missing person) of this run that ``rejected`` rules out.

    Parameters
    ----------
    rejected : iterable of (pm, family, missing), or a DataFrame with those columns
        ``pm`` is a PM sample id, or several joined by commas (a body's fragments).
    bodies : sequence of Body
        This run's bodies (``id`` and ``fragments``).
    missing : iterable of (family, missing)
        The run's registered missing persons.

    Warns
    -----
    ForensicMatchWarning
        For rejected pairs that name no PM sample or no missing person of this run (a
        withdrawn sample, say): they rule nothing out.
    """
    entries = rejected_entries(rejected)
    body_of = {f.id: b.id for b in bodies for f in b.fragments}
    known = set(missing)
    out: set[Key] = set()
    unused: list[str] = []
    for pm, family, person in entries:
        hit = {body_of[p] for p in pm.split(",") if p in body_of}
        if not hit or (family, person) not in known:
            unused.append(f"{pm} -> {person} of {family}")
            continue
        out |= {(b, family, person) for b in hit}
    if unused:
        warnings.warn(ForensicMatchWarning(
            f"{len(unused)} rejected pair{'s name' if len(unused) != 1 else ' names'} no PM "
            f"sample or no missing person of this run and rule{'' if len(unused) != 1 else 's'}"
            f" nothing out: " + "; ".join(unused[:5])
            + (f"; and {len(unused) - 5} more" if len(unused) > 5 else "")), stacklevel=3)
    return out


def rejected_entries(rejected: Iterable[Sequence[str]] | Any) -> list[tuple[str, str, str]]:
    """``rejected`` as sorted, distinct (pm, family, missing) triples of stripped ids (a
    body's fragments joined by commas); an entry that is not three non-empty ids is refused,
    naming it."""
    if hasattr(rejected, "columns") and hasattr(rejected, "iter_rows"):
        missing_cols = {"pm", "family", "missing"} - set(rejected.columns)
        if missing_cols:
            raise InputError(f"rejected pairs: the table lacks the column(s) "
                             f"{', '.join(sorted(missing_cols))} (it needs pm, family, missing)")
        rejected = [(r["pm"], r["family"], r["missing"])
                    for r in rejected.iter_rows(named=True)]
    out = []
    for i, entry in enumerate(rejected, start=1):
        if isinstance(entry, str) or len(entry) != 3 or \
                not all(isinstance(x, str) and x.strip() for x in entry):
            raise InputError(f"rejected pair {i}: {entry!r} is not (PM sample, family, "
                             f"missing person), three non-empty ids")
        pm, family, person = (x.strip() for x in entry)
        out.append((",".join(p.strip() for p in pm.split(",")), family, person))
    return sorted(set(out))


def warn_kept_out(keys: set[Key], listed: Mapping[Key, float],
                  names: Mapping[str, str]) -> None:
    """Say which rejected pairs the decision kept out, with the log10 LR each has now where
    it was among the candidates (``listed``): a pair that the data now support strongly is
    the reviewers' to reopen. ``names``: each body's PM samples, as a proposal names them."""
    if not keys:
        return
    words = []
    for body, family, person in sorted(keys, key=lambda k: -listed.get(k, float("-inf"))):
        lr = listed.get((body, family, person))
        words.append(f"{names.get(body, body)} -> {person} of {family}"
                     + (f" (log10 LR {lr:.2f} now)" if lr is not None else ""))
    warnings.warn(ForensicMatchWarning(
        f"{len(keys)} pair{'s' if len(keys) != 1 else ''} rejected in review "
        f"{'were' if len(keys) != 1 else 'was'} kept out of the decision (the body is taken "
        f"not to be that person; reopen the rejection to weigh the pair again): "
        + "; ".join(words[:5]) + (f"; and {len(words) - 5} more" if len(words) > 5 else "")),
        stacklevel=3)


__all__ = ["rejected_entries", "rejected_keys", "warn_kept_out"]
