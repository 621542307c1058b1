"""mtDNA mitotypes: variants against the revised Cambridge Reference Sequence (rCRS) over
stated read ranges, their comparison, and transmission along a maternal line.

Notation (as in EMPOP and ``FORMAT.md``): ``16189C`` a substitution (the base at 16189 is C),
``16189Y`` a point heteroplasmy (IUPAC: C and T), ``315.1C`` an insertion of C after 315,
``249d`` (or ``249del``) a deletion, ``8281-8289d`` the deletion of 8281 to 8289. A leading
rCRS base (``T16189C``) is accepted and ignored.

Comparison is over the positions read in both samples only. A heteroplasmic position is
compatible with either of its bases: a coarsened observation, whose likelihood is summed over
them (:func:`transmission_probability`, :func:`tree_site_likelihood`). Insertions and
deletions inside the C-tracts (:data:`C_TRACTS`) are length variants and are ignored, as is
customary (SWGDAM 2019).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from forensic_match.errors import InputError
from forensic_match.lineage.keys import check_keys

#: Length of the rCRS (Andrews et al. 1999, Nat Genet 23:147).
MT_LENGTH = 16569
#: Homopolymeric C-tracts whose length variants (insertions, deletions) are not used for
#: comparison: HV1 16184-16193, HV2 303-315, HV3 568-573 (SWGDAM Interpretation Guidelines
#: for Mitochondrial DNA Analysis by Forensic DNA Testing Laboratories, 2019).
C_TRACTS = ((16184, 16193), (303, 315), (568, 573))
#: Per-site, per-generation substitution rate of the control region: 10 substitutions in 327
#: generational events over about 610 sequenced sites of HV1 and HV2 (Parsons et al. 1997,
#: Nat Genet 15:363-368).
PARSONS_1997_RATE = 10 / 327 / 610

IUPAC = {"A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "K": "GT", "M": "AC",
         "S": "CG", "W": "AT", "B": "CGT", "H": "ACT", "V": "ACG", "N": "ACGT"}
_CODE = {bases: code for code, bases in IUPAC.items()}

_RANGE_DEL = re.compile(r"^[ACGT]?(\d+)-(\d+)(?:d|del|DEL|Del)$")
_DEL = re.compile(r"^[ACGT]?(\d+)(?:d|del|DEL|Del|-)$")
_INS = re.compile(r"^(\d+)\.(\d+)([ACGTRYKMSWBHVN])$")
_SUB = re.compile(r"^[ACGT]?(\d+)([ACGTRYKMSWBHVN])$")


def in_c_tract(position: int) -> bool:
    """Whether ``position`` lies in one of the :data:`C_TRACTS`."""
    return any(a <= position <= b for a, b in C_TRACTS)


@dataclass(frozen=True)
class Mitotype:
    """An mtDNA sequence as variants against rCRS over inclusive read ranges.

    Attributes
    ----------
    ranges : tuple of (int, int)
        Inclusive read ranges, e.g. ``((16024, 16569), (1, 576))``.
    substitutions : dict
        ``{position: bases}``: one base, or the bases of a heteroplasmy (``"CT"``).
    deletions : frozenset of int
    insertions : dict
        ``{(position, index): bases}`` for ``315.1C`` -> ``{(315, 1): "C"}``.
    variants : tuple of str
        The variants as written (not compared: two mitotypes are equal when their ranges,
        substitutions, deletions and insertions are).
    """

    ranges: tuple[tuple[int, int], ...]
    substitutions: dict[int, str] = field(default_factory=dict)
    deletions: frozenset[int] = frozenset()
    insertions: dict[tuple[int, int], str] = field(default_factory=dict)
    variants: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def positions(self) -> frozenset[int]:
        """All positions read."""
        return frozenset(p for a, b in self.ranges for p in range(a, b + 1))

    def notation(self) -> list[str]:
        """The variants in canonical notation, by position: ``73G``, ``16189Y``, ``249d``,
        ``315.1C`` (a run of deletions as single positions)."""
        items = [(p, 0, f"{p}{_CODE[b]}") for p, b in self.substitutions.items()]
        items += [(p, 0, f"{p}d") for p in self.deletions]
        items += [(p, i, f"{p}.{i}{_CODE[b]}") for (p, i), b in self.insertions.items()]
        return [t for _, _, t in sorted(items)]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``{"range": [[a, b], ...], "variants": [...]}`` (canonical
        notation, :meth:`notation`)."""
        return {"range": [list(r) for r in self.ranges], "variants": self.notation()}


def parse_mitotype(raw: Mapping[str, Any], *, sample: str = "", where: str = "") -> Mitotype:
    """A :class:`Mitotype` from ``{"range": [[start, end], ...], "variants": [...]}``.

    Raises
    ------
    InputError
        A record without ``variants`` (absent or null: ``[]`` is a sequence equal to rCRS
        over the read ranges) or with a key that is ``range`` or ``variants`` written
        another way (``"variant"``), a malformed range (a fractional bound: ``16024.9``) or
        variant, overlapping read ranges, or a variant outside the read ranges, naming the
        sample and the variant.

    Examples
    --------
    >>> mt = parse_mitotype({"range": [[16024, 16569], [1, 576]],
    ...                      "variants": ["73G", "263G", "315.1C", "16189Y", "523-524d"]})
    >>> mt.substitutions, sorted(mt.deletions), mt.insertions
    ({73: 'G', 263: 'G', 16189: 'CT'}, [523, 524], {(315, 1): 'C'})
    """
    label = ", ".join(p for p in (where, f"sample {sample!r}" if sample else "sample") if p)
    check_keys(raw, ("range", "variants"), f"{label}: mtDNA record", kind="mtDNA records")
    if not isinstance(raw, Mapping) or "range" not in raw:
        raise InputError(f"{label}: an mtDNA record needs 'range' and 'variants'")
    if raw.get("variants") is None:
        # read as "no variant" it made the sample rCRS over its range: the true body's
        # mtDNA log10 LR went from 2.11 to -32.3 (docs/lineage.md, section 4, "Reading")
        raise InputError(f"{label}: an mtDNA record needs 'variants' (a list of variants "
                         f"against rCRS; [] when the sequence equals rCRS over the read "
                         f"range); it {'is null' if 'variants' in raw else 'has none'}")
    ranges = []
    try:
        spans = raw["range"]
        if spans and not isinstance(spans[0], (list, tuple)):
            spans = [spans]
        for span in spans:
            if any(isinstance(v, float) and not v.is_integer() for v in span):
                raise ValueError("a bound is not a whole position")
            a, b = (int(v) for v in span)
            ranges.append((a, b))
    except (TypeError, ValueError) as exc:
        raise InputError(f"{label}: 'range' must be a list of [start, end] pairs of whole "
                         f"positions, got {raw['range']!r}") from exc
    for a, b in ranges:
        if not 1 <= a <= b <= MT_LENGTH:
            raise InputError(f"{label}: read range [{a}, {b}] must have 1 <= start <= end <= "
                             f"{MT_LENGTH} (write a range across the origin as two ranges, "
                             f"[16024, 16569] and [1, 576])")
    for (a, b), (c, d) in zip(sorted(ranges), sorted(ranges)[1:]):
        if c <= b:
            raise InputError(f"{label}: read ranges [{a}, {b}] and [{c}, {d}] overlap (write "
                             f"each position read once)")
    subs: dict[int, str] = {}
    dels: set[int] = set()
    ins: dict[tuple[int, int], str] = {}
    variants = raw.get("variants") or []
    if isinstance(variants, str):
        variants = variants.split()
    inside = frozenset(p for a, b in ranges for p in range(a, b + 1))
    shown = [list(r) for r in ranges]
    called: dict[tuple[int, ...], str] = {}
    for v in variants:
        text = str(v).strip()
        where_v = f"{label}: variant {text!r}"
        if m := _RANGE_DEL.match(text):
            a, b = int(m.group(1)), int(m.group(2))
            if a > b:
                raise InputError(f"{where_v}: deletion range runs backwards")
            pos = list(range(a, b + 1))
            dels.update(pos)
        elif m := _DEL.match(text):
            pos = [int(m.group(1))]
            dels.add(pos[0])
        elif m := _INS.match(text):
            pos = [int(m.group(1))]
            if int(m.group(2)) == 0:    # "73.0G": a spreadsheet's 73G, or a slip; no slot 0
                raise InputError(f"{where_v}: insertion slots count from 1 (315.1C); write a "
                                 f"substitution without '.0' ({pos[0]}{m.group(3)})")
            ins[(pos[0], int(m.group(2)))] = IUPAC[m.group(3)]
        elif m := _SUB.match(text):
            pos = [int(m.group(1))]
            subs[pos[0]] = IUPAC[m.group(2)]
        else:
            hint = (" (write a deletion as 249d or 249DEL: D is also the IUPAC code for A/G/T)"
                    if text.upper().endswith("D") else "")
            raise InputError(f"{where_v} is not in the usual notation (16189C, 16189Y, "
                             f"315.1C, 249d, 8281-8289d){hint}")
        if any(not inside.__contains__(p) for p in pos):
            raise InputError(f"{where_v} is outside the read ranges {shown}")
        calls = [(pos[0], int(m.group(2)))] if m.re is _INS else [(p,) for p in pos]
        twice = [c for c in calls if c in called]
        if twice:
            # "16189C 16189T" kept the last call
            raise InputError(f"{where_v}: a second call at {'.'.join(map(str, twice[0]))} "
                             f"(first {called[twice[0]]!r}); write one call per position (a "
                             f"mixture of two bases as its IUPAC code, 16189Y)")
        called.update((c, text) for c in calls)
    return Mitotype(tuple(ranges), subs, frozenset(dels), ins,
                    tuple(str(v).strip() for v in variants))


def _calls_at(m: Mitotype, positions: frozenset[int]) -> dict[int, tuple[str, ...]]:
    """``{position: variants there in canonical notation}`` over ``positions`` (an insertion
    at the position it follows)."""
    out: dict[int, list[str]] = {}
    for p, b in m.substitutions.items():
        if p in positions:
            out.setdefault(p, []).append(f"{p}{_CODE[b]}")
    for p in m.deletions:
        if p in positions:
            out.setdefault(p, []).append(f"{p}d")
    for (p, i), b in m.insertions.items():
        if p in positions:
            out.setdefault(p, []).append(f"{p}.{i}{_CODE[b]}")
    return {p: tuple(sorted(v)) for p, v in out.items()}


def mitotype_conflicts(a: Mitotype, b: Mitotype) -> tuple[frozenset[int], list[str]]:
    """The positions two records of one sample both read, and each position among them where
    their calls differ, as text (``"16189: 16189C / rCRS"``); no differences means the records
    agree wherever both read."""
    both = a.positions & b.positions
    ca, cb = _calls_at(a, both), _calls_at(b, both)
    diffs = [f"{p}: {' '.join(ca.get(p, ())) or 'rCRS'} / {' '.join(cb.get(p, ())) or 'rCRS'}"
             for p in sorted(set(ca) | set(cb)) if ca.get(p) != cb.get(p)]
    return both, diffs


def _spans(positions: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Inclusive ranges coalesced where they overlap or touch, by start."""
    out: list[list[int]] = []
    for a, b in sorted(positions):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def merge_mitotypes(parts: Sequence[Mitotype], labels: Sequence[str] | None = None, *,
                    sample: str = "", where: str = "") -> Mitotype:
    """One mitotype from several records of one sample, e.g. an HV1 row (16024-16365) and an
    HV2 row (73-340) of a laboratory export.

    Each record has been read on its own (:func:`parse_mitotype`: every variant inside that
    record's ranges). The merged mitotype reads the union of the ranges (coalesced where they
    overlap or touch, by start) and carries the union of the variants. Records equal to an
    earlier one (same ranges and variants, however written) are duplicates and are dropped.
    Records that read a position in common must make the same calls at every such position
    (the same substitution or heteroplasmy, deletion, insertions, or no variant); otherwise
    the records are refused, naming both and the positions: the reader does not guess which
    is right. A single distinct record is returned unchanged.

    Parameters
    ----------
    parts : sequence of Mitotype
    labels : sequence of str, optional
        Where each record was read (``"line 3"``, ``"record 2"``), for error messages.
    sample, where : str
        The sample and the file or dataset, for error messages.

    Raises
    ------
    InputError
        Two records reading a common position with different calls there.

    Examples
    --------
    >>> hv1 = parse_mitotype({"range": [[16024, 16365]], "variants": ["16189C", "16223T"]})
    >>> hv2 = parse_mitotype({"range": [[73, 340]], "variants": ["73G", "263G", "315.1C"]})
    >>> mt = merge_mitotypes([hv1, hv2])
    >>> mt.ranges, mt.notation()
    (((73, 340), (16024, 16365)), ['73G', '263G', '315.1C', '16189C', '16223T'])
    """
    if not parts:
        raise InputError(f"{where or 'mtDNA'}: no mtDNA record to merge")
    labels = list(labels) if labels is not None else [f"record {k + 1}" for k in
                                                       range(len(parts))]
    distinct: list[tuple[Mitotype, str]] = []
    for m, label in zip(parts, labels, strict=True):
        if any(m == d for d, _ in distinct):
            continue
        for d, dlabel in distinct:
            both, diffs = mitotype_conflicts(d, m)
            if diffs:
                head = ", ".join(x for x in (where, f"sample {sample!r}" if sample else "")
                                 if x)
                raise InputError(f"{head + ': ' if head else ''}the mtDNA records on {dlabel} "
                                 f"and {label} both read {len(both)} positions "
                                 f"({[list(r) for r in _spans((p, p) for p in both)]}) and "
                                 f"differ there ({'; '.join(diffs[:5])}"
                                 f"{'; ...' if len(diffs) > 5 else ''}); a sample has one "
                                 f"mitotype: correct or remove one of them")
        distinct.append((m, label))
    if len(distinct) == 1:
        return distinct[0][0]
    subs: dict[int, str] = {}
    ins: dict[tuple[int, int], str] = {}
    dels: set[int] = set()
    variants: dict[str, None] = {}
    for m, _ in distinct:
        subs.update(m.substitutions)
        ins.update(m.insertions)
        dels |= m.deletions
        variants.update(dict.fromkeys(m.variants))
    return Mitotype(_spans(r for m, _ in distinct for r in m.ranges), subs, frozenset(dels),
                    ins, tuple(variants))


def parse_mitotypes(raw: Any, *, sample: str = "", where: str = "") -> Mitotype:
    """A mitotype from one record ``{"range", "variants"}`` or a list of records of the same
    sample (e.g. one per read range), merged by :func:`merge_mitotypes` (errors name the
    record, counted from 1)."""
    if isinstance(raw, Sequence) and not isinstance(raw, (str, bytes)):
        if not raw:
            label = ", ".join(p for p in (where, f"sample {sample!r}" if sample else "") if p)
            raise InputError(f"{label}: an empty list of mtDNA records")
        labels = [f"mtDNA record {k + 1}" for k in range(len(raw))]
        parts = [parse_mitotype(r, sample=sample, where=f"{where}, {lab}" if where else lab)
                 for r, lab in zip(raw, labels, strict=True)]
        return merge_mitotypes(parts, labels, sample=sample, where=where)
    return parse_mitotype(raw, sample=sample, where=where)


@dataclass(frozen=True)
class MtComparison:
    """Two mitotypes compared over a region.

    Attributes
    ----------
    sites : int
        Positions compared (read in both, and in ``region`` when given).
    differences : tuple of str
        Each difference, e.g. ``"16189: T/C"`` style text (``"16189 C/-"`` means C in the first
        and the rCRS base in the second).
    heteroplasmic : tuple of int
        Positions where a heteroplasmy was compatible with the other's base.
    ignored : tuple of str
        Length variants in C-tracts, present in one only, that were ignored.
    coarse : tuple of (float, int, int, int)
        The compared positions and insertion slots where either side shows a heteroplasmy
        (a coarsened observation), as ``(position, n_a, n_b, shared)``: the number of states
        the first and the second mitotype are compatible with there and how many they share
        (no variant counts as the rCRS base, taken to be among the heteroplasmy's bases; a
        C-tract length variant as the state that fits). An insertion slot ``315.1`` is
        ``315.01``. Used by :func:`transmission_probability`.
    """

    sites: int
    differences: tuple[str, ...]
    heteroplasmic: tuple[int, ...]
    ignored: tuple[str, ...]
    coarse: tuple[tuple[float, int, int, int], ...] = ()

    @property
    def n_differences(self) -> int:
        return len(self.differences)


def _show(bases: str | None) -> str:
    return "rCRS" if bases is None else bases


def compare_mitotypes(a: Mitotype, b: Mitotype, *,
                      region: Iterable[int] | None = None) -> MtComparison:
    """Compare two mitotypes over the positions both read (and within ``region``).

    A position differs when one has a variant the other has not, or both have variants with no
    base in common; a heteroplasmy is compatible with either of its bases, and a heteroplasmy
    against no variant is taken to include the rCRS base (the usual reading of a mixture of the
    reference and a variant base). Insertions after a position count when that position is
    compared; insertions and deletions inside :data:`C_TRACTS` are ignored.

    Examples
    --------
    >>> x = parse_mitotype({"range": [[16024, 16365]], "variants": ["16189C", "16193.1C"]})
    >>> y = parse_mitotype({"range": [[16100, 16400]], "variants": ["16189Y", "16311C"]})
    >>> c = compare_mitotypes(x, y)
    >>> c.sites, c.differences, c.heteroplasmic, c.ignored
    (266, ('16311: rCRS/C',), (16189,), ('16193.1C',))
    """
    common = a.positions & b.positions
    if region is not None:
        common = common & frozenset(region)
    diffs: list[tuple[float, str]] = []
    het: list[int] = []
    ignored: list[str] = []
    coarse: list[tuple[float, int, int, int]] = []

    def sizes(key: float, na: int, nb: int, shared: int) -> None:
        if na > 1 or nb > 1:
            coarse.append((key, na, nb, shared))

    for pos in sorted((set(a.substitutions) | set(b.substitutions) | a.deletions | b.deletions)
                      & common):
        da, db = pos in a.deletions, pos in b.deletions
        sa, sb = a.substitutions.get(pos), b.substitutions.get(pos)
        if da or db:
            if da and db:
                continue
            if in_c_tract(pos):
                ignored.append(f"{pos}d")
                # the length variant is resolved to the state that fits the other side
                sizes(pos, 1 if da else len(sa or "r"), 1 if db else len(sb or "r"), 1)
                continue
            diffs.append((pos, f"{pos}: {'-' if da else _show(sa)}/{'-' if db else _show(sb)}"))
            sizes(pos, 1 if da else len(sa or "r"), 1 if db else len(sb or "r"), 0)
            continue
        if sa is None or sb is None:
            one = sa if sb is None else sb
            assert one is not None
            if len(one) > 1:
                het.append(pos)
                sizes(pos, len(sa or "r"), len(sb or "r"), 1)
            else:
                diffs.append((pos, f"{pos}: {_show(sa)}/{_show(sb)}"))
            continue
        shared = len(set(sa) & set(sb))
        if shared:
            if sa != sb:
                het.append(pos)
        else:
            diffs.append((pos, f"{pos}: {sa}/{sb}"))
        sizes(pos, len(sa), len(sb), shared)
    for key in sorted(set(a.insertions) | set(b.insertions)):
        pos, idx = key
        if pos not in common:
            continue
        ia, ib = a.insertions.get(key), b.insertions.get(key)
        in_tract = in_c_tract(pos) or in_c_tract(pos + 1)
        shared = len(set(ia) & set(ib)) if ia is not None and ib is not None else 0
        if not in_tract:
            sizes(pos + idx / 100, len(ia or "0"), len(ib or "0"), shared)
        if shared:
            continue
        if in_tract:
            ignored.append(f"{pos}.{idx}{ia or ib}")
        else:
            diffs.append((pos + idx / 100, f"{pos}.{idx}: {ia or '-'}/{ib or '-'}"))
    diffs.sort()
    return MtComparison(len(common), tuple(t for _, t in diffs), tuple(het), tuple(ignored),
                        tuple(sorted(coarse)))


def site_probabilities(rate: float, meioses: int) -> tuple[float, float]:
    """(P(a site is unchanged), P(it became one given other base)) after ``meioses`` maternal
    transmissions under the Jukes-Cantor model with per-site, per-generation rate ``rate``:
    ``1/4 + 3/4 (1 - 4 rate / 3)**k`` and a third of the rest (Jukes & Cantor 1969)."""
    if not 0 <= rate < 0.75 or meioses < 0:
        raise InputError(f"need 0 <= rate < 0.75 and meioses >= 0, got {rate}, {meioses}")
    same = 0.25 + 0.75 * (1 - 4 * rate / 3) ** meioses
    return same, (1 - same) / 3


def transmission_probability(comparison: MtComparison, *, meioses: int,
                             rate: float = PARSONS_1997_RATE) -> float:
    """P(the PM mitotype over the compared sites | the reference's, ``meioses`` apart), with
    the reference the **first** mitotype of ``comparison``.

    ``same**(sites - d - h) * other**d * prod_h f_h`` from :func:`site_probabilities`: ``d``
    the differences without a heteroplasmy (an insertion or deletion difference counts as one
    site changed), and for each of the ``h`` positions with a heteroplasmy
    (:attr:`MtComparison.coarse`: ``n_r`` and ``n_p`` states the reference and the PM sample
    are compatible with, ``c`` of them shared) the coarsened-observation factor

        f = (c * same + (n_r * n_p - c) * other) / n_r,

    the sum over the reference's compatible states (equally likely a priori) and the PM's of
    the transmission probability: ``same + other`` for a PM heteroplasmy containing the
    reference's base, ``(same + other) / 2`` for a two-base heteroplasmy of the reference
    containing the PM's base. It equals the one-reference case of
    :func:`tree_mitotype_probability` (tested)."""
    same, other = site_probabilities(rate, meioses)
    d = comparison.n_differences - sum(1 for *_, c in comparison.coarse if c == 0)
    factor = 1.0
    for _, n_r, n_p, c in comparison.coarse:
        factor *= (c * same + (n_r * n_p - c) * other) / n_r
    plain = comparison.sites - d - len(comparison.coarse)
    return same ** max(plain, 0) * other ** d * factor


@dataclass(frozen=True)
class MitotypeDatabase:
    """A population sample of mitotypes used for frequencies."""

    name: str
    mitotypes: tuple[Mitotype, ...]
    _matches: dict[Any, tuple[int, int]] = field(default_factory=dict, repr=False,
                                                 compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "lineage.mtdna.database"
                  ) -> MitotypeDatabase:
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: must be an object with 'name' and 'mitotypes'")
        check_keys(data, ("name", "mitotypes"), where, kind="lineage.mtdna.database")
        entries = data.get("mitotypes") or []
        return cls(str(data.get("name", "")),
                   tuple(parse_mitotype(e, sample=f"entry {k + 1}", where=where)
                         for k, e in enumerate(entries)))

    def matches(self, mitotype: Mitotype, region: Sequence[int] | frozenset[int]
                ) -> tuple[int, int]:
        """(x, N): entries that read all of ``region``, and those among them with no difference
        from ``mitotype`` over it (cached by mitotype and region).

        Only entries that could match are compared: an entry with no variant at a position
        where ``mitotype`` has a single-base substitution, or a deletion outside the C-tracts,
        differs there (:func:`compare_mitotypes`), so the candidates are the entries with a
        variant at every such position of the region (an index by position, built once)."""
        region = frozenset(region)
        key = (mitotype.ranges, tuple(sorted(mitotype.substitutions.items())),
               mitotype.deletions, tuple(sorted(mitotype.insertions.items())), region)
        if key in self._matches:
            return self._matches[key]
        reads: dict[tuple[tuple[int, int], ...], bool] = {}
        readers = []
        for k, entry in enumerate(self.mitotypes):
            if entry.ranges not in reads:
                reads[entry.ranges] = region <= entry.positions
            if reads[entry.ranges]:
                readers.append(k)
        required = [p for p, bases in mitotype.substitutions.items()
                    if len(bases) == 1 and p in region]
        required += [p for p in mitotype.deletions if p in region and not in_c_tract(p)]
        candidates = set(readers)
        index = self._by_position
        for p in sorted(required, key=lambda p: len(index.get(p, ()))):
            candidates &= index.get(p, frozenset())
            if not candidates:
                break
        x = sum(compare_mitotypes(mitotype, self.mitotypes[k], region=region).n_differences
                == 0 for k in candidates)
        self._matches[key] = (x, len(readers))
        return x, len(readers)

    @cached_property
    def _by_position(self) -> dict[int, frozenset[int]]:
        """``{position: entries with a substitution, deletion or insertion there}`` (an
        insertion at the position it follows)."""
        at: dict[int, set[int]] = {}
        for k, entry in enumerate(self.mitotypes):
            for p in (*entry.substitutions, *entry.deletions,
                      *(pos for pos, _ in entry.insertions)):
                at.setdefault(p, set()).add(k)
        return {p: frozenset(ks) for p, ks in at.items()}


# Several references on one maternal line ------------------------------------------------------

#: Symbols of a site on a line's tree: the four bases, ``-`` a deletion (outside the C-tracts),
#: ``0`` no insertion at an insertion slot; ``r`` stands for the rCRS base (not shipped), ``*``
#: for a C-tract length variant, resolved to the best-fitting of the bases ``_ANY`` (no ``-``
#: or ``0`` is shown at a C-tract position: its deletions are all ``*`` and its insertion slots
#: are not compared).
_ANY = "ACGT"


def _tree_order(parent: Mapping[str, str | None]) -> tuple[list[str], dict[str, list[str]]]:
    """Nodes children first (post-order from each root) and each node's children."""
    children: dict[str, list[str]] = {n: [] for n in parent}
    for node, up in parent.items():
        if up is not None:
            if up not in children:
                raise InputError(f"line tree: parent {up!r} of {node!r} is not a node")
            children[up].append(node)
    order: list[str] = []
    stack = [(r, False) for r in sorted(n for n, up in parent.items() if up is None)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in sorted(children[node], reverse=True))
    if len(order) != len(parent):
        raise InputError("line tree: not a forest (a node is its own ancestor)")
    return order, children


def _peel_states(order: list[str], children: Mapping[str, list[str]],
                 parent: Mapping[str, str | None], states: Mapping[str, int],
                 same: float, other: float) -> float:
    """Sum over the unobserved nodes' states (4 Jukes-Cantor states, flat root) of the tree's
    probability with each observed node in its state; each edge is ``same`` on the diagonal
    and ``other`` off it."""
    msg: dict[str, list[float]] = {}
    total = 1.0
    for node in order:
        s = states.get(node)
        vec = [1.0] * 4 if s is None else [1.0 if k == s else 0.0 for k in range(4)]
        for c in children[node]:
            m = msg.pop(c)
            tot = sum(m)
            vec = [v * (other * tot + (same - other) * m[k]) for k, v in enumerate(vec)]
        if parent[node] is None:
            total *= sum(vec) / 4
        else:
            msg[node] = vec
    return total


def tree_site_likelihood(parent: Mapping[str, str | None], observed: Mapping[str, str], *,
                         same: float, other: float) -> float:
    """Likelihood of one site's observations on a maternal line's tree.

    Each edge of ``parent`` (node -> mother, ``None`` at the top) is one transmission under
    the Jukes-Cantor model (``same`` = P(unchanged), ``other`` = P(a given other state), from
    :func:`site_probabilities`); the top's state has the flat prior 1/4. ``observed`` maps
    nodes to what they show:

    - one symbol: that state (a base, ``-`` a deletion, ``0`` no insertion);
    - several symbols, e.g. ``"CT"`` for the point heteroplasmy ``Y``: a **coarsened
      observation**, compatible with each of its states, P(observation | state) = 1 for each
      of them and 0 otherwise; the likelihood is **summed** over them;
    - ``*``: a C-tract length variant, ignored as in :func:`compare_mitotypes`: the node is
      **resolved** to the base that gives the largest likelihood.

    Different symbols are different states (a deletion ``-`` or an absent insertion ``0`` is
    a state of its own); an assignment with more than four different symbols on the tree has
    likelihood 0. Unobserved nodes (ancestors, relatives who did not read the site) are
    summed over.

    Examples
    --------
    >>> same, other = site_probabilities(0.01, 1)
    >>> tree = {"M": "MO", "MO": None}
    >>> tree_site_likelihood(tree, {"M": "C", "MO": "C"}, same=same, other=other) == same / 4
    True
    >>> het = tree_site_likelihood(tree, {"M": "CT", "MO": "T"}, same=same, other=other)
    >>> abs(het - (same + other) / 4) < 1e-15
    True
    >>> tree_site_likelihood(tree, {"M": "*", "MO": "T"}, same=same, other=other) == same / 4
    True
    """
    for n in observed:
        if n not in parent:
            raise InputError(f"tree_site_likelihood: observed node {n!r} is not on the tree")
        if not observed[n]:
            raise InputError(f"tree_site_likelihood: node {n!r} has an empty observation")
    order, children = _tree_order(parent)
    return _site_value(order, children, parent, observed, same, other)


def _site_value(order: list[str], children: Mapping[str, list[str]],
                parent: Mapping[str, str | None], observed: Mapping[str, str], same: float,
                other: float) -> float:
    """:func:`tree_site_likelihood` on a tree already ordered by :func:`_tree_order`: the
    maximum over the resolutions of the ``*`` nodes of the sum over the symbols of the
    multi-symbol (coarsened) observations of the peeled likelihood. Jukes-Cantor is symmetric
    in the states, so an assignment's likelihood depends only on which nodes share a symbol
    (its pattern): each pattern is peeled once and weighted by the number of assignments that
    have it."""
    nodes = sorted(observed)
    wild = [n for n in nodes if observed[n] == "*"]
    peeled: dict[tuple[int, ...], float] = {}
    best = 0.0
    for resolved in itertools.product(_ANY, repeat=len(wild)):
        obs = {**observed, **dict(zip(wild, resolved, strict=True))}
        counts: dict[tuple[int, ...], int] = {}
        for combo in itertools.product(*(sorted(set(obs[n])) for n in nodes)):
            code: dict[str, int] = {}
            pattern = tuple(code.setdefault(sym, len(code)) for sym in combo)
            if len(code) <= 4:
                counts[pattern] = counts.get(pattern, 0) + 1
        total = 0.0
        for pattern, count in counts.items():
            if pattern not in peeled:
                peeled[pattern] = _peel_states(order, children, parent,
                                               dict(zip(nodes, pattern, strict=True)),
                                               same, other)
            total += count * peeled[pattern]
        best = max(best, total)
    return best


def _site_observation(m: Mitotype, pos: int) -> str:
    """What a mitotype shows at a position it reads: ``r`` (no variant: the rCRS base), the
    bases of a substitution or heteroplasmy, ``-`` a deletion, or ``*`` for a deletion in a
    C-tract (a length variant: ignored, resolved to the best-fitting state, as pairwise)."""
    if pos in m.deletions:
        return "*" if in_c_tract(pos) else "-"
    return m.substitutions.get(pos, "r")


def _canonical(observed: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The observations with the bases renamed A, C, G, T in order of first appearance (by
    node id): the Jukes-Cantor likelihood, and the choice of the rCRS base among the bases no
    one shows as a substitution, do not change when the four bases are permuted."""
    rename: dict[str, str] = {}
    out = []
    for n in sorted(observed):
        obs = observed[n]
        for b in obs:
            if b in "ACGT" and b not in rename:
                rename[b] = "ACGT"[len(rename)]
        out.append((n, "".join(sorted(rename.get(b, b) for b in obs))))
    return tuple(out)


@functools.lru_cache(maxsize=1 << 16)
def _ordered(tree: tuple[tuple[str, str | None], ...]
             ) -> tuple[dict[str, str | None], list[str], dict[str, list[str]]]:
    parent = dict(tree)
    return (parent, *_tree_order(parent))


@functools.lru_cache(maxsize=1 << 16)
def _with_rcrs(tree: tuple[tuple[str, str | None], ...], observed: tuple[tuple[str, str], ...],
               same: float, other: float) -> float:
    """:func:`tree_site_likelihood` with ``r`` (no variant) read as the rCRS base, unknown
    here: the largest likelihood over the bases that no observation shows as a single-base
    substitution (a substitution differs from rCRS by definition). Cached by tree, canonical
    observations (:func:`_canonical`) and rate. (The rCRS base is a fixed unknown of the
    reference sequence, not an observation: it is chosen, not summed over.)"""
    parent, order, children = _ordered(tree)
    obs = dict(observed)
    if "r" not in obs.values():
        return _site_value(order, children, parent, obs, same, other)
    taken = {o for o in obs.values() if len(o) == 1 and o in "ACGT"}
    free = [b for b in "ACGT" if b not in taken]
    if not free:
        raise InputError("the relatives show all four bases as substitutions, so no base is "
                         "left for rCRS; check the data")
    return max(_site_value(order, children, parent, {n: (b if o == "r" else o)
                                                   for n, o in obs.items()}, same, other)
               for b in free)


def tree_mitotype_probability(parent: Mapping[str, str | None],
                              mitotypes: Mapping[str, Mitotype], target: str, *,
                              rate: float = PARSONS_1997_RATE
                              ) -> tuple[float, frozenset[int]]:
    """P(``target``'s mitotype | the other mitotypes on a maternal line's tree), and the
    region it covers.

    The region is the positions ``target`` reads that at least one other mitotype reads. Per
    position, ``L(target and references) / L(references)`` (:func:`tree_site_likelihood`,
    each edge one maternal transmission at ``rate``; a relative who did not read the position
    is unobserved there; no variant is the rCRS base, see :func:`_with_rcrs`); per insertion
    slot (``315.1`` ...) outside the C-tracts that some mitotype shows in the region, the same
    ratio over "no insertion" and the inserted bases, divided by its value with no insertion
    anywhere (an insertion difference replaces one unchanged site by a changed one, as in
    :func:`transmission_probability`). With one reference this is
    ``transmission_probability(compare_mitotypes(reference, target))`` (tested).

    Parameters
    ----------
    parent : mapping
        The line's tree (:func:`~forensic_match.lineage.lines.line_tree` with ``"mtDNA"``).
    mitotypes : mapping
        ``{node: Mitotype}``: the target (the missing person's node, holding the PM
        mitotype) and at least one reference.
    target : str
    rate : float
        Per-site, per-generation substitution rate.

    Returns
    -------
    (float, frozenset of int)
    """
    if target not in mitotypes or len(mitotypes) < 2:
        raise InputError("tree_mitotype_probability: need the target and a reference")
    same, other = site_probabilities(rate, 1)
    refs = sorted(n for n in mitotypes if n != target)
    nodes = (target, *refs)
    variable = set()
    for m in mitotypes.values():
        variable |= set(m.substitutions) | m.deletions
    # positions in stretches read by the same samples: breakpoints at every range's ends
    cuts = sorted({x for m in mitotypes.values() for a, b in m.ranges for x in (a, b + 1)})
    plain: dict[frozenset[str], int] = {}
    spans: list[range] = []
    for lo, hi in zip(cuts, cuts[1:]):
        readers = frozenset(n for n in nodes
                            if any(a <= lo <= b for a, b in mitotypes[n].ranges))
        if target not in readers or len(readers) < 2:
            continue
        spans.append(range(lo, hi))
        inside = sum(1 for p in variable if lo <= p < hi)
        plain[readers] = plain.get(readers, 0) + (hi - lo - inside)
    region = frozenset().union(*spans)
    prob = 1.0

    tree = tuple(sorted(parent.items()))
    _ordered(tree)   # checks the tree

    def ratio(observed: dict[str, str], pos: int) -> float:
        try:
            den = _with_rcrs(tree, _canonical({n: o for n, o in observed.items()
                                               if n != target}), same, other)
            num = _with_rcrs(tree, _canonical(observed), same, other)
        except InputError as exc:
            raise InputError(f"mtDNA position {pos}: {exc}") from None
        if not den > 0:     # P(target | references) would be 0/0, not an exclusion
            shown = ", ".join(f"{n} {o}" for n, o in sorted(observed.items()) if n != target)
            raise InputError(f"mtDNA position {pos}: the relatives show more different states "
                             f"than the model holds (four, a deletion counting as one: "
                             f"{shown}; r = the rCRS base); check the data")
        return num / den

    for pos in sorted(variable & region):
        readers = [n for n in nodes if pos in mitotypes[n].positions]
        prob *= ratio({n: _site_observation(mitotypes[n], pos) for n in readers}, pos)
    for key, count in plain.items():
        if count:
            prob *= ratio(dict.fromkeys(key, "r"), 0) ** count
    slots = sorted({k for m in mitotypes.values() for k in m.insertions
                    if k[0] in region and not in_c_tract(k[0]) and not in_c_tract(k[0] + 1)})
    for pos, idx in slots:
        readers = [n for n in nodes if pos in mitotypes[n].positions]
        seen = {n: mitotypes[n].insertions.get((pos, idx), "0") for n in readers}
        prob *= ratio(seen, pos) / ratio(dict.fromkeys(readers, "0"), pos)
    return prob, region
