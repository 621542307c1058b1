"""Checks of a family's typed members against the pedigree it reports.

Every LR of a family's missing persons assumes that its pedigree is right. A reference sample
filed under the wrong name (a mix-up between families in the laboratory or the register), a
reported father who is not the biological one, one person sampled twice under two names: the
pedigree then states relationships that its own DNA contradicts, and a body can be given to the
wrong family on LRs computed on a wrong hypothesis.

For each pair of typed members of a family (relatives, and the missing persons that have a
direct reference), :func:`check_families` computes, exactly and marker by marker,

    LR = P(g_a, g_b | the pedigree) / P(g_a, g_b | unrelated),

the likelihood of the two profiles on the family's pedigree with only the two typed (the
markers' mutation models and ``theta`` as in the analysis) against the two being unrelated
(``P(g_a) P(g_b)`` at theta 0; one urn for both at theta > 0). A
stated relationship that the profiles make at least :data:`CONTRADICTED_LR` (1,000) times
less probable than no relationship at all is *contradicted*; at least :data:`QUESTIONABLE_LR`
(100) times, *questionable*. Beside it: the markers at which the pair is impossible without
mutation (a parent and child who share no allele), and pairs stated as two people whose
profiles are identical at every marker both have (at least
:data:`MIN_IDENTICAL_MARKERS`): one person sampled twice, or one sample filed twice.

A family with one typed member cannot be checked this way: nothing in it can contradict the
pedigree. The rule's error rates on simulated families are in ``docs/validation.md``
("References that contradict their pedigree"); the method in ``docs/methods.md``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from forensic_match.cases import Family
from forensic_match.dvi.dvisolve import relationship
from forensic_match.dvi.memo_file import read_entries, save_entries
from forensic_match.likelihood.engine import pedigree_likelihood
from forensic_match.markers import Marker, markers_digest
from forensic_match.pedigree import unrelated

__all__ = ["CHECK_COLUMNS", "CONTRADICTED_LR", "MIN_IDENTICAL_MARKERS", "QUESTIONABLE_LR",
           "check_families", "contradicted_families", "family_check_digest", "load_check_memo",
           "questionable_families", "save_check_memo", "typed_members"]

#: A stated relationship is contradicted when its LR against "unrelated" is below
#: ``1 / CONTRADICTED_LR``: the family's proposals are held back (``docs/decisions.md``).
#: Fewer than 5 in 100,000 correctly stated pairs of any relationship fall below it in
#: simulation (``docs/validation.md``, "References that contradict their pedigree").
CONTRADICTED_LR = 1000.0

#: Below ``1 / QUESTIONABLE_LR`` (and not contradicted) a stated relationship is
#: questionable: reported, the family's proposals stand. Up to 0.2 % of correctly stated
#: second-degree pairs fall below it.
QUESTIONABLE_LR = 100.0

#: Two members with identical profiles at this many shared markers or more are flagged.
MIN_IDENTICAL_MARKERS = 10

CHECK_COLUMNS = ("family", "first", "second", "relationship", "n_markers", "log10_lr",
                 "exclusions", "verdict")

#: Raised whenever what :func:`check_family` gives for a family changes (its rule included):
#: it enters every digest, so memos of the earlier rule are not used.
RULES = f"family-check-2/{CONTRADICTED_LR!r}/{QUESTIONABLE_LR!r}/{MIN_IDENTICAL_MARKERS}"

#: The earlier values of :data:`RULES` (a memo of one of them is checked again without a
#: warning: :func:`~forensic_match.dvi.memo_file.read_entries`).
EARLIER_RULES = ("family-check-1/100.0/10",)

#: A memo's entries: the columns of a row after ``family``, all as text
#: (:mod:`~forensic_match.dvi.memo_file`); ``log10_lr`` as its ``repr``, exact.
_MEMO_COLUMNS = tuple((name, "text") for name in CHECK_COLUMNS[1:])

_SCHEMA = {"family": pl.Utf8, "first": pl.Utf8, "second": pl.Utf8, "relationship": pl.Utf8,
           "n_markers": pl.Int64, "log10_lr": pl.Float64, "exclusions": pl.Utf8,
           "verdict": pl.Utf8}


def _typed(family: Family) -> dict[str, dict[str, Any]]:
    """The family's typed members: relatives, then missing persons with a direct reference."""
    out = {k: dict(v) for k, v in family.genotypes.items() if v}
    for mid, profile in family.references.items():
        if profile and mid not in out:
            out[mid] = dict(profile)
    return out


def typed_members(families: Sequence[Family]) -> dict[str, int]:
    """``{family: n}``: how many members of each family are typed (relatives with a
    profile, and missing persons with a direct reference), the members
    :func:`check_families` compares pair by pair."""
    return {f.id: len(_typed(f)) for f in families}


def families_registered_twice(families: Sequence[Family], *, min_shared: int = 2
                              ) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Pairs of families whose typed members hold the same profiles, at least ``min_shared``
    of them (each over at least :data:`MIN_IDENTICAL_MARKERS` markers, identical at every
    marker): the same family registered twice, by two relatives or two offices. One shared
    profile is common and legitimate (a mother who is a reference for her son and for her
    brother); two or more point to one family under two ids, whose bodies then fit both
    equally, so that neither is proposed.

    Returns
    -------
    list of (family, other family, [(member, other member), ...])
        Sorted by the families' ids.
    """
    holders: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
    for fam in families:
        for member, profile in _typed(fam).items():
            calls = tuple(sorted((m, tuple(sorted(g, key=str))) for m, g in profile.items()
                                 if g and g[0] is not None and g[1] is not None))
            if len(calls) >= MIN_IDENTICAL_MARKERS:
                holders.setdefault(calls, []).append((fam.id, member))
    shared: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for owners in holders.values():
        for (fa, ma), (fb, mb) in itertools.combinations(sorted(owners), 2):
            if fa != fb:
                shared.setdefault((fa, fb), []).append((ma, mb))
    return [(fa, fb, sorted(pairs)) for (fa, fb), pairs in sorted(shared.items())
            if len(pairs) >= min_shared]


def warn_registered_twice(families: Sequence[Family], *, min_shared: int = 2) -> None:
    """Warn (:class:`~forensic_match.errors.ForensicMatchWarning`, one message) about the
    pairs :func:`families_registered_twice` finds, naming the families and the members whose
    profiles are the same."""
    import warnings

    from forensic_match.errors import ForensicMatchWarning

    found = families_registered_twice(families, min_shared=min_shared)
    if not found:
        return
    listed = "; ".join(f"{fa} and {fb} ({len(pairs)} typed members with the same profile: "
                       + ", ".join(f"{a} = {b}" for a, b in pairs[:4])
                       + (", ..." if len(pairs) > 4 else "") + ")"
                       for fa, fb, pairs in found[:20])
    more = f" and {len(found) - 20} more pairs" if len(found) > 20 else ""
    warnings.warn(f"families that hold the same reference profiles, perhaps one family "
                  f"registered twice, or relatives who are references of two registrations "
                  f"(the grandparents of two missing cousins): {listed}{more}. Where the "
                  f"shared references are all a body is compared with, it fits both equally "
                  f"and is proposed for neither; merge a family registered twice, draw two "
                  f"related registrations in one pedigree, or check for a sample filed in both",
                  ForensicMatchWarning, stacklevel=3)


def unconnected_members(family: Family) -> list[str]:
    """The family's typed relatives that no chain of parent-child links in its pedigree
    joins to any of its missing persons: their DNA cannot speak to who a body is, so every
    LR of the family is computed as if they were not typed. A register that wrote the
    relationship in words and left father and mother empty gives such a pedigree (an outside
    check, 2026-12-07: a family's LR 2.0e16 became 1, silently)."""
    ped = family.pedigree
    part = ped.components
    joined = {int(part[ped.index(m)]) for m in family.missing if m in ped}
    return sorted(m for m, profile in family.genotypes.items()
                  if m in ped and profile and int(part[ped.index(m)]) not in joined)


def warn_unconnected(families: Sequence[Family]) -> None:
    """Warn (:class:`~forensic_match.errors.ForensicMatchWarning`, one message) about the
    typed relatives :func:`unconnected_members` finds, naming family and members."""
    import warnings

    from forensic_match.errors import ForensicMatchWarning

    found = [(f.id, members) for f in families if (members := unconnected_members(f))]
    if not found:
        return
    listed = "; ".join(f"family {fid}: {', '.join(members)}" for fid, members in found[:20])
    more = f" and {len(found) - 20} more families" if len(found) > 20 else ""
    warnings.warn(f"{len(found)} families have typed relatives that no father or mother in "
                  f"their pedigree links to any of their missing persons, so their DNA is "
                  f"not used (every LR of the family is computed without them): {listed}"
                  f"{more}. Give the parents that link them (a relationship written in "
                  f"words, such as a 'parentesco' column, is not read; add untyped parents "
                  f"where needed); a relative by marriage with no child drawn in the "
                  f"pedigree adds nothing and can be left out", ForensicMatchWarning,
                  stacklevel=3)


def _log10(values: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        return float(np.sum(np.log10(values)))


def _check_pair(family: Family, a: str, b: str, ga: dict[str, Any], gb: dict[str, Any],
                markers: Sequence[Marker], plain: Sequence[Marker], theta: float,
                min_frequency: float | None) -> dict[str, Any]:
    names = [m.name for m in markers]
    both = [n for n in names if n in ga and n in gb]
    rel = relationship(family, a, b)
    row: dict[str, Any] = {"family": family.id, "first": a, "second": b, "relationship": rel,
                           "n_markers": len(both), "log10_lr": 0.0, "exclusions": "",
                           "verdict": "consistent"}
    if not both:
        row["verdict"] = "no shared markers"
        return row
    identical = all(sorted(map(str, ga[n])) == sorted(map(str, gb[n])) for n in both)
    if rel != "unrelated":
        profiles = {a: ga, b: gb}
        keep = [m for m in markers if m.name in both]
        joint = pedigree_likelihood(family.pedigree, keep, profiles, theta=theta,
                                    min_frequency=min_frequency)
        sexes = [family.pedigree.sex_of(x) for x in (a, b)]
        apart = pedigree_likelihood(unrelated([a, b], [s if s in ("M", "F") else "M"
                                                        for s in sexes]),
                                    keep, profiles, theta=theta, min_frequency=min_frequency)
        row["log10_lr"] = _log10(joint) - _log10(apart)
        if row["log10_lr"] < 0.0:  # only a pair that looks unrelated can be excluded
            mendel = pedigree_likelihood(family.pedigree,
                                         [p for p in plain if p.name in both], profiles,
                                         theta=theta, min_frequency=min_frequency)
            row["exclusions"] = ",".join(m.name for m, v in zip(keep, mendel) if v == 0.0)
    if identical and len(both) >= MIN_IDENTICAL_MARKERS:
        row["verdict"] = "identical profiles"
    elif row["log10_lr"] < -math.log10(CONTRADICTED_LR):
        row["verdict"] = "contradicted"
    elif row["log10_lr"] < -math.log10(QUESTIONABLE_LR):
        row["verdict"] = "questionable"
    return row


def check_family(family: Family, markers: Sequence[Marker], *, theta: float = 0.0,
                 min_frequency: float | None = None,
                 plain: Sequence[Marker] | None = None) -> list[dict[str, Any]]:
    """The rows of :func:`check_families` for one family (one per pair of typed members).

    ``plain``: the markers without mutation models (for the exclusions), if the caller has
    them already."""
    typed = _typed(family)
    ids = [x for x in family.pedigree.ids if x in typed]
    pairs = list(itertools.combinations(ids, 2))
    if not pairs:
        return []
    if plain is None:
        plain = [m.with_mutation(None) for m in markers]
    return [_check_pair(family, a, b, typed[a], typed[b], markers, plain, theta, min_frequency)
            for a, b in pairs]


def family_check_digest(family: Family, panel_digest: str, theta: float) -> str:
    """sha256 of everything :func:`check_family` reads of a family: its id, pedigree, typed
    profiles and direct references, the panel's
    :func:`~forensic_match.markers.markers_digest`, theta and :data:`RULES`."""
    canon = {"family": family.id, "pedigree": sorted(family.pedigree.records()),
             "typed": {i: {m: list(g) for m, g in sorted(p.items())}
                       for i, p in sorted(_typed(family).items())},
             "references": sorted(family.references), "panel": panel_digest,
             "theta": repr(float(theta)), "rules": RULES}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, default=str).encode()).hexdigest()


def _entry(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(repr(float(row[n])) if n == "log10_lr" else str(row[n])
                 for n, _ in _MEMO_COLUMNS)


def _row(family: str, entry: Sequence[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"family": family}
    for (name, _), value in zip(_MEMO_COLUMNS, entry, strict=True):
        row[name] = float(value) if name == "log10_lr" else \
            int(value) if name == "n_markers" else value
    return row


def load_check_memo(path: str | Path | None) -> dict[str, list[tuple[str, ...]]]:
    """The memo :func:`save_check_memo` wrote (``{digest: rows}``); none for an absent
    file or a memo of other rules (:data:`EARLIER_RULES`), and none with a
    :class:`~forensic_match.errors.CacheWarning` for a damaged one."""
    return read_entries(path, RULES, _MEMO_COLUMNS, "family checks", earlier=EARLIER_RULES)


def save_check_memo(path: str | Path, memo: dict[str, list[tuple[str, ...]]]) -> None:
    """Write a memo of :func:`check_families` (written to a temporary name and renamed)."""
    save_entries(path, RULES, memo, _MEMO_COLUMNS)


def check_families(families: Sequence[Family], markers: Sequence[Marker], *,
                   theta: float = 0.0, min_frequency: float | None = None,
                   memo: dict[str, list[tuple[str, ...]]] | None = None,
                   progress: Callable[[int], None] | None = None) -> Any:
    """Check each family's typed members against the relationships its pedigree states.

    Parameters
    ----------
    families : sequence of Family
    markers : sequence of Marker
        The analysis markers (frequencies and mutation models).
    theta : float
        Balding-Nichols correction of the founders' alleles, as in the analysis.
    min_frequency : float, optional
        Frequency of an allele absent from a marker's table; by default each marker's own.
    memo : dict, optional
        The rows of earlier checks by :func:`family_check_digest` (e.g.
        :func:`load_check_memo` of last night's file), read and replaced in place by this
        call's families' rows: a family whose digest is in it is not checked again.
    progress : callable, optional
        Called with the number of families done after each family.

    Returns
    -------
    polars.DataFrame
        One row per pair of typed members (:data:`CHECK_COLUMNS`): the family, the two
        members, the relationship the pedigree states between them (in
        :func:`~forensic_match.dvi.dvisolve.relationship`'s words), the markers both have,
        the log10 LR of the stated relationship against unrelated (0 for a pair stated as
        unrelated), the markers at which the pair is impossible without mutation
        (comma-separated), and the verdict: ``consistent``, ``questionable``,
        ``contradicted``, ``identical profiles`` or ``no shared markers``.

    Examples
    --------
    >>> from forensic_match import Marker
    >>> from forensic_match.cases import Family
    >>> from forensic_match.pedigree import trio
    >>> m = Marker("TH01", ["6", "7", "9.3"], [0.2, 0.3, 0.5])
    >>> fam = Family("F1", trio(), ["C"], {"AF": {"TH01": ("6", "6")},
    ...                                    "MO": {"TH01": ("9.3", "9.3")}})
    >>> check_families([fam], [m]).select("first", "second", "relationship", "verdict").rows()
    [('AF', 'MO', 'unrelated', 'consistent')]
    """
    rows: list[dict[str, Any]] = []
    kept: dict[str, list[tuple[str, ...]]] = {}
    plain = [m.with_mutation(None) for m in markers]  # once: it was a third of the time
    panel = markers_digest(markers) if memo is not None else ""
    for k, family in enumerate(families, 1):
        digest = family_check_digest(family, panel, theta) if memo is not None else ""
        if memo is not None and digest in memo:
            got = [_row(family.id, e) for e in memo[digest]]
        else:
            got = check_family(family, markers, theta=theta, min_frequency=min_frequency,
                               plain=plain)
        rows.extend(got)
        if memo is not None:
            kept[digest] = [_entry(r) for r in got]
        if progress is not None:
            progress(k)
    if memo is not None:
        memo.clear()
        memo.update(kept)
    return pl.DataFrame(rows, schema=_SCHEMA)


def _pair_words(r: dict[str, Any]) -> str:
    if r["verdict"] == "identical profiles":
        return (f"{r['first']} and {r['second']} have identical profiles at {r['n_markers']} "
                f"markers (one person filed twice, or identical twins)")
    return (f"{r['first']} and {r['second']}, stated {r['relationship']}: log10 LR "
            f"{r['log10_lr']:.1f} against unrelated"
            + (f", excluded at {r['exclusions']}" if r["exclusions"] else ""))


def _families_with(checks: Any, verdicts: Sequence[str]) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for r in checks.filter(pl.col("verdict").is_in(list(verdicts))).iter_rows(named=True):
        out.setdefault(r["family"], []).append(_pair_words(r))
    return {f: "; ".join(v) for f, v in out.items()}


def contradicted_families(checks: Any) -> dict[str, str]:
    """``{family: reason}`` for the families with a contradicted pair or two members of
    identical profiles in ``checks`` (a table of :func:`check_families`), the reason naming
    the pairs: the families whose proposals ``identify()`` holds back."""
    return _families_with(checks, ("contradicted", "identical profiles"))


def questionable_families(checks: Any) -> dict[str, str]:
    """``{family: reason}`` for the families with a questionable pair in ``checks`` and no
    contradicted one: reported, not held back."""
    held = contradicted_families(checks)
    return {f: why for f, why in _families_with(checks, ("questionable",)).items()
            if f not in held}
