"""Y-STR haplotypes and their transmission along a paternal line.

A haplotype maps each typed locus to the multiset of its alleles: one allele for a single-copy
locus, two for DYS385a/b or DYF387S1a/b (unordered: the lab cannot tell which copy is which),
none for a null allele, one more than usual for a duplication. Alleles are repeat numbers,
possibly with a partial repeat (``"10.2"``).

Transmission model (``docs/lineage.md``): in each meiosis each copy of a locus mutates with
probability ``rate / copies``; a mutation adds or removes one repeat (probability
``1 - multistep`` split evenly between gain and loss) or two repeats (``multistep``, likewise),
and never changes the partial-repeat part. Loci and copies mutate independently.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forensic_match.errors import InputError, LineageMarkerWarning
from forensic_match.frequencies import marker_key
from forensic_match.lineage.keys import check_keys

#: Fraction of Y-STR mutations that change more than one repeat: 924 mutations with single-
#: against multi-repeat changes 25.23:1 (Ballantyne et al. 2010, Am J Hum Genet 87:341-353),
#: so 1 / 26.23. All multi-repeat changes are taken to be two-repeat changes.
MULTISTEP_FRACTION = 1.0 / 26.23

#: Per-meiosis mutation rates (medians of the Bayesian posteriors of Ballantyne et al. 2010,
#: Am J Hum Genet 87:341-353, as tabulated in Table 1 of the Proc. R. Soc. B page cited in
#: docs/lineage.md), used when a dataset gives no ``rate`` for a locus.
BALLANTYNE_2010_RATES = {
    "DYS448": 0.000394, "DYS392": 0.00097, "DYS438": 0.000956, "DYS390": 0.00152,
    "DYS393": 0.00211, "DYS439": 0.00384, "DYS437": 0.00153, "DYS635": 0.00385,
    "DYS456": 0.00494, "DYS389II": 0.00383, "DYS391": 0.00323, "DYS458": 0.00836,
    "DYS19": 0.00437, "YGATAH4": 0.00322, "DYS389I": 0.00551,
}

_ALLELE = re.compile(r"^(\d+)(?:\.(\d))?$")
_COPY_SUFFIX = re.compile(r"^(.*\d)(?:A/B/C/D|ABCD|A/B|AB|[A-D])$")

#: A Y haplotype: ``{locus key: sorted tuple of alleles}``; ``()`` is a null allele.
YHaplotype = dict[str, tuple[str, ...]]


def locus_key(name: str) -> str:
    """The key under which Y-STR loci are compared: :func:`marker_key` without a copy suffix,
    so that ``DYS385a/b``, ``DYS385`` and the rows ``DYS385a``, ``DYS385b`` are one locus.

    Examples
    --------
    >>> [locus_key(x) for x in ("DYS385a/b", "DYF387S1 a", "Y-GATA-H4", "DYS389 II")]
    ['DYS385', 'DYF387S1', 'YGATAH4', 'DYS389II']
    """
    key = marker_key(name)
    m = _COPY_SUFFIX.match(key)
    return m.group(1) if m else key


def split_allele(allele: str) -> tuple[int, int]:
    """``(repeats, partial)`` of an allele label: ``"10.2"`` -> ``(10, 2)``."""
    m = _ALLELE.match(allele)
    if m is None:
        raise ValueError(allele)
    return int(m.group(1)), int(m.group(2) or 0)


def is_allele(label: str) -> bool:
    """Whether ``label`` is a repeat number with an optional one-digit partial repeat."""
    return _ALLELE.match(label) is not None


def _allele_sort(allele: str) -> tuple[int, int]:
    return split_allele(allele)


def parse_haplotype(raw: Mapping[str, Any], *, sample: str = "", where: str = "") -> YHaplotype:
    """A Y haplotype from ``{locus: [allele, ...]}`` as in the dataset JSON or a lab export.

    Rows of the copies of one locus (``DYS385a``, ``DYS385b``) are merged. Alleles are repeat
    numbers with an optional one-digit partial repeat (``"10"``, ``"10.2"``); ``[]`` is a null
    allele; a single string is one allele.

    Raises
    ------
    InputError
        An allele that is not a repeat number (``"OL"``, ``"10,2"``), naming sample and locus;
        one locus given by two rows that are not its separate copies (``DYS385`` beside
        ``DYS385a``, ``DYS19`` beside ``DYS 19``), naming the rows.

    Examples
    --------
    >>> parse_haplotype({"DYS391": ["10"], "DYS385a": ["14"], "DYS385b": "11"})
    {'DYS391': ('10',), 'DYS385': ('11', '14')}
    """
    prefix = ", ".join(p for p in (where, f"sample {sample!r}" if sample else "") if p)
    prefix = prefix + ": " if prefix else ""
    if not isinstance(raw, Mapping):
        raise InputError(f"{prefix}a Y haplotype must map loci to lists of alleles, got "
                         f"{type(raw).__name__}")
    out: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    for name, alleles in raw.items():
        if alleles is None:
            continue
        key = locus_key(str(name))
        names.setdefault(key, []).append(str(name))
        suffixes = [marker_key(n)[len(key):] for n in names[key]]
        if len(suffixes) > 1 and (any(len(x) != 1 for x in suffixes)
                                  or len(set(suffixes)) < len(suffixes)):
            raise InputError(f"{prefix}locus {key!r} is given by the rows "
                             f"{', '.join(map(repr, names[key]))}: only the rows of its "
                             f"separate copies (such as 'DYS385a' and 'DYS385b') are merged; "
                             f"keep one way of writing it")
        if isinstance(alleles, (str, int, float)):
            alleles = [alleles]
        labels = []
        for a in alleles:
            text = str(a).strip()
            if text.endswith(".0"):
                text = text[:-2]
            if not is_allele(text):
                raise InputError(f"{prefix}locus {str(name)!r}: allele {a!r} is not a repeat "
                                 f"number such as '10' or '10.2' (off-ladder and unreadable "
                                 f"calls must be left out, not guessed)")
            labels.append(text)
        out.setdefault(key, []).extend(labels)
    return {k: tuple(sorted(v, key=_allele_sort)) for k, v in out.items()}


@dataclass(frozen=True)
class YMarker:
    """A Y-STR locus of a panel.

    Attributes
    ----------
    name : str
        Name as given (``"DYS385"``); compared through :func:`locus_key`.
    copies : int
        Number of copies on a normal Y chromosome (2 for DYS385a/b).
    rate : float
        Per-meiosis mutation rate of the locus (all copies together).
    copies_stated : bool
        Whether the panel stated ``copies`` (``False``: absent, read as 1). Only a stated copy
        number reads a lone call or repeated equal calls (:func:`read_copies`).
    """

    name: str
    copies: int
    rate: float
    copies_stated: bool = True

    @property
    def key(self) -> str:
        return locus_key(self.name)


#: Keys of an entry of ``lineage.ystr.markers``.
MARKER_KEYS = ("name", "copies", "rate")

#: A panel rate above this is warned about: the fastest of the 186 loci of Ballantyne et al.
#: (2010) mutates at 7.44e-2 per meiosis, the Yfiler loci below 1e-2; a rate given in percent
#: as a fraction (0.23 for 0.23 %) is 100 times too fast.
PLAUSIBLE_RATE = 0.05


def y_markers(spec: Sequence[Mapping[str, Any]], *, where: str = "lineage.ystr") -> list[YMarker]:
    """Y markers from the dataset's ``lineage.ystr.markers`` list.

    A missing ``rate`` is taken from :data:`BALLANTYNE_2010_RATES`; a locus in neither is
    refused, and so is a rate of 0 (a mutation rate must be stated, never assumed zero: at
    rate 0 a one-repeat difference excludes the pair). A rate above :data:`PLAUSIBLE_RATE`
    is warned about (a :class:`~forensic_match.errors.LineageMarkerWarning`). A missing
    ``copies`` is 1, not stated (:attr:`YMarker.copies_stated`). Another key of an entry
    (``"kit"``, ``"source"``) is left alone and named in one warning
    (:func:`~forensic_match.lineage.keys.check_keys`).

    Raises
    ------
    InputError
        A marker without a name, listed twice, with a key that is ``name``, ``copies`` or
        ``rate`` written another way (``"Rate"``, ``"rates"``, ``"mutation_rate"`` and
        ``"copy"`` fell back to the defaults without a word), copies below 1, or a rate
        not in (0, 1).
    """
    out = []
    seen: set[str] = set()
    fast = []
    for k, m in enumerate(spec):
        if not isinstance(m, Mapping) or "name" not in m:
            raise InputError(f"{where}: marker {k + 1} needs a 'name'")
        name = str(m["name"])
        check_keys(m, MARKER_KEYS, f"{where}: marker {k + 1} ({name!r})",
                   kind="lineage.ystr.markers")
        key = locus_key(name)
        if key in seen:
            raise InputError(f"{where}: marker {name!r} listed twice")
        seen.add(key)
        try:
            copies = int(m.get("copies", 1))
            rate = m.get("rate")
            rate = BALLANTYNE_2010_RATES.get(key) if rate is None else float(rate)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: marker {name!r}: copies and rate must be numbers "
                             f"({exc})") from None
        if rate is None:
            raise InputError(f"{where}: marker {name!r} has no 'rate' and none is tabulated "
                             f"(forensic_match.lineage.ystr.BALLANTYNE_2010_RATES): give its "
                             f"per-meiosis mutation rate")
        if copies < 1:
            raise InputError(f"{where}: marker {name!r}: copies must be >= 1, got {copies}")
        if not 0.0 < rate < 1.0:
            # at rate 0 a one-repeat difference from the father excluded the pair, whatever
            # its autosomal LR, and the pair vanished from every output
            raise InputError(f"{where}: marker {name!r}: rate must be above 0 and below 1, "
                             f"got {rate} (a mutation rate is never assumed zero: at 0 one "
                             f"repeat step would exclude the pair)")
        if rate > PLAUSIBLE_RATE:
            fast.append(f"{name} {rate:g}")
        out.append(YMarker(name, copies, rate, "copies" in m))
    if fast:
        warnings.warn(f"{where}: Y-STR mutation rates above {PLAUSIBLE_RATE:g} per meiosis: "
                      f"{', '.join(fast)}; the fastest locus measured by Ballantyne et al. "
                      f"(2010) mutates at 0.0744, the Yfiler loci below 0.01; a rate in "
                      f"percent written as a fraction (0.23 for 0.23 %) is 100 times too fast",
                      LineageMarkerWarning, stacklevel=3)
    return out


def read_copies(haplotype: YHaplotype, copies: Mapping[str, int]
                ) -> tuple[YHaplotype, dict[str, str]]:
    """A haplotype read by the panel's copy numbers ``copies`` (``{locus key: copies}``, the
    loci whose panel entry states them): a lone call at a locus of two or more copies is the
    allele on every copy (a homozygous DYS385 written "14", as capillary-electrophoresis
    exports show one peak), and equal calls at a single-copy locus are one call (DYS19
    written "14,14"). Two different calls at a single-copy locus stay (a duplication); a
    null (``()``) stays; loci not in ``copies`` stay as written.

    Returns
    -------
    haplotype : dict
        The haplotype so read (the same object when nothing changed).
    read : dict
        ``{locus key: "lone" or "repeated"}`` of the loci so read.

    Examples
    --------
    >>> hap, read = read_copies({"DYS385": ("14",), "DYS19": ("14", "14"),
    ...                          "DYS391": ("10", "11")}, {"DYS385": 2, "DYS19": 1, "DYS391": 1})
    >>> hap
    {'DYS385': ('14', '14'), 'DYS19': ('14',), 'DYS391': ('10', '11')}
    >>> read
    {'DYS385': 'lone', 'DYS19': 'repeated'}
    """
    read: dict[str, str] = {}
    for key, alleles in haplotype.items():
        n = copies.get(key)
        if n is None:
            continue
        if n >= 2 and len(alleles) == 1:
            read[key] = "lone"
        elif n == 1 and len(alleles) >= 2 and len(set(alleles)) == 1:
            read[key] = "repeated"
    if not read:
        return haplotype, read
    out = dict(haplotype)
    for key, how in read.items():
        out[key] = out[key] * copies[key] if how == "lone" else out[key][:1]
    return out, read


@functools.lru_cache(maxsize=4096)
def step_distribution(rate: float, meioses: int, *,
                      multistep: float = MULTISTEP_FRACTION) -> np.ndarray:
    """Probabilities of a net change of ``d`` repeats over ``meioses`` meioses of one copy,
    indexed ``d + 2 * meioses`` (``d`` from ``-2k`` to ``2k``).

    One meiosis: no change ``1 - rate``; +-1 with ``rate (1 - multistep) / 2`` each; +-2 with
    ``rate multistep / 2`` each. ``meioses`` of them: the ``meioses``-fold convolution.

    Examples
    --------
    >>> step_distribution(0.01, 1, multistep=0.0).round(4).tolist()
    [0.0, 0.005, 0.99, 0.005, 0.0]
    """
    if meioses < 0:
        raise InputError(f"meioses must be >= 0, got {meioses}")
    one = np.array([rate * multistep / 2, rate * (1 - multistep) / 2, 1 - rate,
                    rate * (1 - multistep) / 2, rate * multistep / 2])
    out = np.ones(1)
    for _ in range(meioses):
        out = np.convolve(out, one)
    out.setflags(write=False)  # cached: shared by every caller
    return out


def copy_probability(dist: np.ndarray, meioses: int, ref: str, pm: str) -> float:
    """P(one copy carrying ``ref`` is ``pm`` after ``meioses`` meioses) from
    :func:`step_distribution`; 0 when the partial-repeat parts differ."""
    (r, rp), (p, pp) = split_allele(ref), split_allele(pm)
    d = p - r
    if rp != pp or abs(d) > 2 * meioses:
        return 0.0
    return float(dist[d + 2 * meioses])


def locus_probability(ref: Sequence[str], pm: Sequence[str], *, rate: float, copies: int,
                      meioses: int, multistep: float = MULTISTEP_FRACTION) -> float:
    """P(PM alleles | reference alleles) at one locus over ``meioses`` meioses.

    Both are multisets of the same size (the caller sets aside loci whose copy numbers
    differ). The reference's copies are placed in any order; the PM's multiset is observed
    when the copies, in that order, became any distinct ordering of it:
    ``sum over distinct orderings s of pm of prod_i q(s_i - ref_i)``, with ``q`` the per-copy
    :func:`step_distribution` at rate ``rate / copies``. A null allele on both sides is 1.

    Examples
    --------
    >>> p = locus_probability(["11", "14"], ["11", "15"], rate=0.004, copies=2, meioses=1,
    ...                       multistep=0.0)
    >>> round(p, 8) == round(0.998 * 0.001, 8)
    True
    """
    if len(ref) != len(pm):
        raise InputError(f"copy numbers differ ({list(ref)} against {list(pm)})")
    if not ref:
        return 1.0
    dist = step_distribution(rate / copies, meioses, multistep=multistep)
    total = 0.0
    for order in set(itertools.permutations(pm)):
        total += math.prod(copy_probability(dist, meioses, r, p) for r, p in zip(ref, order))
    return total


@dataclass(frozen=True)
class YComparison:
    """A PM haplotype against a reference's, locus by locus.

    Attributes
    ----------
    probability : float
        P(PM haplotype over ``loci`` | reference haplotype, ``meioses``).
    loci : tuple of str
        Loci typed in both with equal copy numbers, compared.
    set_aside : dict
        ``{locus: reason}`` of loci typed in both but not compared (copy numbers differ: a
        null, a duplication; or a locus not in the panel).
    differences : dict
        ``{locus: (reference alleles, PM alleles)}`` of compared loci that differ.
    """

    probability: float
    loci: tuple[str, ...]
    set_aside: dict[str, str]
    differences: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]


def compare_haplotypes(ref: YHaplotype, pm: YHaplotype, markers: Sequence[YMarker], *,
                       meioses: int, multistep: float = MULTISTEP_FRACTION) -> YComparison:
    """Compare a PM Y haplotype with a reference's ``meioses`` meioses away.

    Loci compared: those of ``markers`` typed in both with equal copy numbers. A locus where
    one is null or duplicated and the other not is set aside with its reason (copy-number
    changes are not part of the step model; `docs/lineage.md`), as is a locus typed in both but
    absent from the panel (no rate).
    """
    panel = {m.key: m for m in markers}
    loci, aside, diffs = [], {}, {}
    prob = 1.0
    for key in sorted(set(ref) & set(pm)):
        if key not in panel:
            aside[key] = "not in the Y-STR panel (no mutation rate)"
            continue
        a = tuple(sorted(ref[key], key=_allele_sort))
        b = tuple(sorted(pm[key], key=_allele_sort))
        if len(a) != len(b):
            aside[key] = (f"copy numbers differ ({len(a)} against {len(b)} alleles: a null "
                          f"or a duplication)")
            continue
        m = panel[key]
        prob *= locus_probability(a, b, rate=m.rate, copies=m.copies, meioses=meioses,
                                  multistep=multistep)
        loci.append(key)
        if a != b:
            diffs[key] = (a, b)
    return YComparison(prob, tuple(loci), aside, diffs)


def _peel(parent: Mapping[str, str | None], order: Sequence[str], values: Mapping[str, int],
          lo: int, size: int, one: np.ndarray) -> float:
    """Likelihood of one copy's repeat numbers ``values`` at observed nodes of a Y-line tree
    (``parent``: node -> father or ``None``; ``order``: children before fathers), one meiosis
    per edge with per-meiosis distribution ``one`` (5 entries, -2..+2), and a flat prior on
    the root's value: sum over the root value of the product of edge and observation terms."""
    vec: dict[str, np.ndarray] = {}
    total = 0.0
    for node in order:
        v = vec.pop(node, None)
        if node in values:
            obs = np.zeros(size)
            obs[values[node] - lo] = 1.0
            v = obs if v is None else v * obs
        if v is None:  # nothing observed below: the message is 1 everywhere
            continue
        up = parent[node]
        if up is None:
            total += float(v.sum())
            continue
        msg = np.convolve(v, one, mode="same")
        vec[up] = msg if up not in vec else vec[up] * msg
    return total


def tree_locus_probability(parent: Mapping[str, str | None], observed: Mapping[str, Sequence[str]],
                           target: str, *, rate: float, copies: int,
                           multistep: float = MULTISTEP_FRACTION) -> float:
    """P(``target``'s alleles | the other observed nodes' alleles) at one locus on a Y-line tree.

    ``parent`` maps each node of the tree (the missing person, the references and their
    paternal ancestors up to a common one) to its father (``None`` at the root); each edge is
    one meiosis, each copy mutates as in :func:`step_distribution` at ``rate / copies``, the
    root's allele has a flat prior (so that only differences matter, as with one reference,
    where this equals :func:`locus_probability`). Multi-copy observations are unordered: the
    likelihood sums over the distinct orderings of every observed node but one reference,
    whose order is fixed (the same factor in numerator and denominator). Every observed
    multiset must have the same size.

    NaN when the references alone are impossible at the locus (two of them differ in a
    partial-repeat digit, or by more repeats than the meioses between them reach): P(target
    | references) is then 0/0, and the locus cannot be compared on this tree.
    """
    if target not in observed or len(observed) < 2:
        raise InputError("tree_locus_probability: need the target and at least one reference")
    sizes = {len(v) for v in observed.values()}
    if len(sizes) != 1:
        raise InputError(f"tree_locus_probability: copy numbers differ ({sizes})")
    if not next(iter(sizes)):
        return 1.0
    children: dict[str, list[str]] = {n: [] for n in parent}
    for node, up in parent.items():
        if up is not None:
            children[up].append(node)
    order: list[str] = []

    def visit(node: str) -> None:
        for c in sorted(children[node]):
            visit(c)
        order.append(node)

    for root in sorted(n for n, up in parent.items() if up is None):
        visit(root)
    edges = sum(1 for up in parent.values() if up is not None)
    split = {n: [split_allele(a) for a in v] for n, v in observed.items()}
    whole = [r for v in split.values() for r, _ in v]
    lo = min(whole) - 2 * edges - 2
    size = max(whole) + 2 * edges + 3 - lo
    c = rate / copies
    one = np.array([c * multistep / 2, c * (1 - multistep) / 2, 1 - c,
                    c * (1 - multistep) / 2, c * multistep / 2])
    anchor = min(n for n in observed if n != target)
    others = sorted(n for n in observed if n != anchor)

    def likelihood(nodes: list[str]) -> float:
        total = 0.0
        choices = [sorted(set(itertools.permutations(split[n]))) for n in nodes]
        for combo in itertools.product(*choices):
            assigned = dict(zip(nodes, combo, strict=True))
            assigned[anchor] = tuple(split[anchor])
            term = 1.0
            for i in range(len(split[anchor])):
                fracs = {assigned[n][i][1] for n in assigned}
                if len(fracs) > 1:
                    term = 0.0
                    break
                term *= _peel(parent, order, {n: assigned[n][i][0] for n in assigned}, lo,
                              size, one)
            total += term
        return total

    denominator = likelihood([n for n in others if n != target])
    return likelihood(others) / denominator if denominator > 0 else math.nan
