"""Lineage likelihood ratios of a PM sample against a missing person, and their combination
with the autosomal LR.

For the Y line (and likewise mtDNA):

- **H1**: the PM sample is the missing person M; the typed relative R nearest to M on M's
  paternal line is ``k`` meioses from M;
- **H2**: the PM sample is a man of the population that the database samples, unrelated to R;

    LR = P(h_PM | h_R, k) / P(h_PM | population),

the numerator from the mutation model (:mod:`~forensic_match.lineage.ystr`,
:mod:`~forensic_match.lineage.mtdna`), the denominator a stated frequency estimate.
Y, mtDNA and autosomal markers are taken to be independent given the hypotheses (no linkage
between them; the pedigree alone ties them), so their log10 LRs add: the lineage LR is an
extra factor and replaces nothing. ``docs/lineage.md`` states what this ignores.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args

import numpy as np

from forensic_match.errors import InputError
from forensic_match.lineage.data import (
    LineageData,
    family_mitotypes,
    family_y_haplotypes,
    pm_mitotype,
    pm_y_haplotype,
)
from forensic_match.lineage.frequency import HaplotypeFrequency, frequency_from_count
from forensic_match.lineage.lines import line_tree, lineage_links
from forensic_match.lineage.mtdna import (
    PARSONS_1997_RATE,
    Mitotype,
    compare_mitotypes,
    transmission_probability,
    tree_mitotype_probability,
)
from forensic_match.lineage.ystr import (
    MULTISTEP_FRACTION,
    YHaplotype,
    compare_haplotypes,
    split_allele,
    tree_locus_probability,
)
from forensic_match.pedigree import Pedigree

YMethod = Literal["count", "count_upper", "kappa", "disclap"]
MtMethod = Literal["count", "count_upper"]
#: Options of :func:`lineage_lr` and their defaults.
OPTIONS = {"y_method": "count", "mt_method": "count", "level": 0.95,
           "multistep": MULTISTEP_FRACTION, "mt_rate": PARSONS_1997_RATE,
           "references": "all", "y_theta": 0.0, "mt_theta": 0.0}


@dataclass(frozen=True)
class LineageLR:
    """The LR of one line (Y or mtDNA) for one PM sample and missing person.

    Attributes
    ----------
    line : {"Y", "mtDNA"}
    lr, log10_lr : float
        ``numerator / frequency.value`` (``log10_lr`` is ``-inf`` for 0).
    reference : str
        The relative compared with (nearest on the line; ties: first id).
    meioses : int
        Meioses between the missing person and ``reference`` on the line.
    numerator : float
        P(PM data | reference data, ``meioses``).
    frequency : HaplotypeFrequency
        P(PM data | H2), with its method and database.
    compared : tuple of str
        Loci compared (Y), or the count of sites as one string (mtDNA).
    differences : tuple of str
        What differs between PM and reference.
    set_aside : dict
        Loci typed in both but not compared, and why (Y); C-tract length variants ignored
        (mtDNA).
    other_references : tuple of str
        The other typed relatives on the same line, farther than ``reference``.
    hypotheses : str
        H1 and H2 in words, with the database and method: for every report.
    joint : bool
        Whether ``other_references`` entered the numerator (the tree likelihood of
        :func:`~forensic_match.lineage.ystr.tree_locus_probability` for Y,
        :func:`~forensic_match.lineage.mtdna.tree_mitotype_probability` for mtDNA); otherwise
        they are listed only.
    """

    line: str
    lr: float
    log10_lr: float
    reference: str
    meioses: int
    numerator: float
    frequency: HaplotypeFrequency
    compared: tuple[str, ...]
    differences: tuple[str, ...]
    set_aside: dict[str, str]
    other_references: tuple[str, ...]
    hypotheses: str
    joint: bool = False


@dataclass(frozen=True)
class LineageResult:
    """Y and mtDNA LRs of one PM sample against one missing person.

    Attributes
    ----------
    pm, family, missing : str
    y, mtdna : LineageLR or None
        ``None`` with the reason in ``notes`` when the line could not be compared.
    notes : tuple of str
    """

    pm: str
    family: str
    missing: str
    y: LineageLR | None
    mtdna: LineageLR | None
    notes: tuple[str, ...]

    @property
    def log10_lr(self) -> float:
        """Sum of the available lines' log10 LRs (0 when neither was compared)."""
        return sum(x.log10_lr for x in (self.y, self.mtdna) if x is not None)


def _log10(x: float) -> float:
    return math.log10(x) if x > 0 else -math.inf


def y_lr(pm: YHaplotype, reference: YHaplotype, meioses: int, data: LineageData, *,
         method: YMethod = "count", level: float = 0.95,
         multistep: float = MULTISTEP_FRACTION, reference_id: str = "R",
         missing: str = "M", other_references: tuple[str, ...] = (),
         others: Mapping[str, YHaplotype] | None = None,
         tree: Mapping[str, str | None] | None = None,
         theta: float = 0.0) -> LineageLR | None:
    """Y-STR LR of a PM haplotype against a reference ``meioses`` meioses from the missing
    person on the paternal line; ``None`` when no locus can be compared.

    With ``others`` (``{id: haplotype}`` of further references on the line) and ``tree`` (the
    line's tree, :func:`~forensic_match.lineage.lines.line_tree`, with ``missing`` and
    ``reference_id`` in it), the numerator at each compared locus is the tree likelihood
    P(PM | every reference typed there with the PM's copy number); otherwise the pairwise
    formula.

    Parameters
    ----------
    pm, reference : dict
        Y haplotypes (:func:`~forensic_match.lineage.ystr.parse_haplotype`), compared as
        read by the panel's copy numbers (:meth:`LineageData.read_y`; ``others`` too).
    meioses : int
        Meioses between the missing person and the reference on the paternal line.
    data : LineageData
        The Y-STR panel (rates) and database.
    method : {"count", "count_upper", "kappa", "disclap"}
        The frequency (:func:`~forensic_match.lineage.frequency.count_frequency`, or the
        fitted discrete Laplace model over the loci it describes only).
    level : float
        Confidence level of ``"count_upper"``.
    multistep : float
        Fraction of mutations that change two repeats.
    reference_id, missing : str
        Ids used in the result's text.
    other_references : tuple of str
        Ids of further references on the line, for the record.
    theta : float
        Subpopulation correction of the match probability (0 <= theta < 1; default 0, none):
        H2's man is of the reference's subpopulation, so the PM haplotype's probability given
        the reference's is ``theta + (1 - theta) f`` when the two are the same at every
        compared locus and ``(1 - theta) f`` otherwise, ``f`` the frequency of ``method``
        (the haploid Balding-Nichols draw, as Buckleton, Krawczak & Weir 2011, FSI Genetics
        5:78, discuss for lineage markers; conditioned on the nearest reference only).

    Returns
    -------
    LineageLR or None

    Examples
    --------
    >>> from forensic_match.lineage.ystr import YMarker
    >>> from forensic_match.lineage.data import YDatabase
    >>> data = LineageData((YMarker("DYS391", 1, 0.01),),
    ...                    YDatabase("toy", ({"DYS391": ("10",)}, {"DYS391": ("11",)})))
    >>> r = y_lr({"DYS391": ("10",)}, {"DYS391": ("10",)}, 1, data)
    >>> round(r.lr, 10) == round(0.99 / (2 / 3), 10)    # (1 - rate) / ((1 + 1) / (2 + 1))
    True
    """
    if not data.markers:
        raise InputError("Y-STR LR: the dataset has no Y-STR panel (lineage.ystr.markers)")
    if data.y_database is None:
        raise InputError("Y-STR LR: the dataset has no Y-STR database (lineage.ystr.database)")
    if method == "disclap" and data.disclap is None:
        raise InputError("Y-STR LR by discrete Laplace: fit the model first "
                         "(LineageData.fit_disclap)")
    # as the database entries are (LineageData.read_y): a lone DYS385 "14" on both sides
    # against entries "14,14" counted 0 of 230 and raised the LR 31 times
    pm, reference = data.read_y(pm), data.read_y(reference)
    if others:
        others = {i: data.read_y(h) for i, h in others.items()}
    cmp = compare_haplotypes(reference, pm, data.markers, meioses=meioses, multistep=multistep)
    aside = dict(cmp.set_aside)
    loci = list(cmp.loci)
    if method == "disclap":
        assert data.disclap is not None
        model_loci = set(data.disclap.loci)
        keep = [k for k in loci if k in model_loci and len(pm[k]) == 1
                and split_allele(pm[k][0])[1] == 0 and split_allele(reference[k][0])[1] == 0]
        for k in sorted(set(loci) - set(keep)):
            aside[k] = ("not in the discrete Laplace model (multi-copy, null, duplicated or "
                        "partial-repeat)")
        loci = keep
    joint = bool(others) and tree is not None
    per_locus: dict[str, float] = {}
    if joint:
        assert tree is not None and others is not None
        panel = {m.key: m for m in data.markers}
        for k in loci:
            obs = {missing: pm[k], reference_id: reference[k]}
            obs.update({i: h[k] for i, h in others.items()
                        if k in h and len(h[k]) == len(pm[k])})
            per_locus[k] = tree_locus_probability(tree, obs, missing, rate=panel[k].rate,
                                                  copies=panel[k].copies, multistep=multistep)
        broken = [k for k in loci if math.isnan(per_locus[k])]
        for k in broken:
            shown = ", ".join(f"{i} {'/'.join(h[k]) or 'null'}"
                              for i, h in sorted({reference_id: reference, **others}.items())
                              if k in h)
            aside[k] = (f"the references on the line cannot all be right there ({shown}): a "
                        f"typing error, or a change the mutation model does not allow; not "
                        f"compared")
        loci = [k for k in loci if k not in broken]
    if loci != list(cmp.loci):     # the comparison over the loci kept
        cmp = compare_haplotypes({k: reference[k] for k in loci}, {k: pm[k] for k in loci},
                                 data.markers, meioses=meioses, multistep=multistep)
    if not loci:
        return None
    db = data.y_database
    if method == "disclap":
        assert data.disclap is not None
        row = np.array([[split_allele(pm[k][0])[0] for k in loci]])
        model = float(data.disclap.probability(row, tuple(loci))[0])
        value = max(model, data.disclap_floor(loci))
        size = db.counts(loci)[1]
        fit = data.disclap
        floored = (f", below 1/(N+1) = {value:.4g} for the {size} database haplotypes "
                   f"typed there: floored to it" if model < value else "")
        freq = HaplotypeFrequency(
            value, "disclap", db.name, 0, fit.n,
            f"discrete Laplace mixture ({len(fit.tau)} clusters, {fit.model} dispersions) "
            f"fitted to {fit.n} haplotypes of database {db.name!r}, over {len(loci)} loci: "
            f"{model:.4g}{floored}")
    else:
        counts, size = db.counts(loci)
        mine = tuple(tuple(sorted(pm[k], key=split_allele)) for k in loci)
        freq = frequency_from_count(counts.get(mine, 0), size, method=method, name=db.name,
                                    level=level, type_counts=list(counts.values()))
    if theta > 0:
        freq = theta_corrected(freq, theta, same=not cmp.differences)
    num = math.prod(per_locus[k] for k in loci) if joint else cmp.probability
    lr = num / freq.value
    diffs = tuple(f"{k}: {'/'.join(a) or 'null'} -> {'/'.join(b) or 'null'}"
                  for k, (a, b) in cmp.differences.items())
    also = f" (with {', '.join(sorted(others or {}))} on the same line)" if joint else ""
    hyp = (f"H1: the PM sample is {missing}, {meioses} "
           f"{'meiosis' if meioses == 1 else 'meioses'} from {reference_id} on the paternal line"
           f"{also}; H2: it is a man of the population sampled by database "
           f"{db.name!r}, unrelated to {reference_id}. Frequency: {freq.description}")
    return LineageLR("Y", lr, _log10(lr), reference_id, meioses, num, freq, tuple(loci),
                     diffs, aside, other_references, hyp, joint)


def match_probability(frequency: Any, theta: float, same: Any) -> Any:
    """``theta [same] + (1 - theta) frequency``: the probability of a haplotype of that
    frequency given one of the same subpopulation already seen, the same (``same``) or not
    (Balding-Nichols for a haploid marker); scalars or numpy arrays alike (the oracle's
    :func:`theta_corrected` and the fast path's)."""
    return np.where(same, theta, 0.0) + (1.0 - theta) * frequency


def theta_corrected(freq: HaplotypeFrequency, theta: float, *, same: bool,
                    kind: str = "haplotype") -> HaplotypeFrequency:
    """The match probability of a haplotype (``kind``: ``"haplotype"`` or ``"mitotype"``,
    for the text) of frequency ``freq`` given one of the same subpopulation already seen
    (the reference's): ``theta + (1 - theta) f`` when it is the same, ``(1 - theta) f`` when
    not (Balding-Nichols for a haploid marker).

    Examples
    --------
    >>> f = HaplotypeFrequency(0.001, "count", "db", 0, 999, "1/1000")
    >>> round(theta_corrected(f, 0.02, same=True).value, 8)
    0.02098
    """
    value = float(match_probability(freq.value, theta, same))
    how = (f"theta + (1 - theta) x that, the PM {kind} being the reference's"
           if same else f"(1 - theta) x that, the PM {kind} differing from the reference's")
    return replace(
        freq, value=value,
        description=f"{freq.description}; subpopulation correction theta = {theta:g}: {how} "
                    f"= {value:.4g}")


def mt_lr(pm: Mitotype, reference: Mitotype, meioses: int, data: LineageData, *,
          method: MtMethod = "count", level: float = 0.95, rate: float = PARSONS_1997_RATE,
          reference_id: str = "R", missing: str = "M",
          other_references: tuple[str, ...] = (),
          others: Mapping[str, Mitotype] | None = None,
          tree: Mapping[str, str | None] | None = None,
          theta: float = 0.0) -> LineageLR | None:
    """mtDNA LR of a PM mitotype against a reference ``meioses`` meioses from the missing
    person on the maternal line; ``None`` when the two share no read position.

    The frequency counts database mitotypes that read every compared site and do not differ
    from the PM mitotype there (:meth:`MitotypeDatabase.matches`). With ``others`` and
    ``tree``, every reference enters the numerator jointly
    (:func:`~forensic_match.lineage.mtdna.tree_mitotype_probability`), over the positions the
    PM sample reads and at least one reference reads; the frequency is over the same
    positions.

    Parameters
    ----------
    pm, reference : Mitotype
    meioses : int
        Meioses between the missing person and the reference on the maternal line.
    data : LineageData
        Holds the mtDNA database.
    method : {"count", "count_upper"}
    level : float
        Confidence level of ``"count_upper"``.
    rate : float
        Per-site, per-generation substitution rate (default Parsons et al. 1997).
    reference_id, missing : str
        Ids used in the result's text.
    other_references : tuple of str
        Ids of further references on the line, for the record.
    others : mapping, optional
        ``{id: Mitotype}`` of further references on the line, used jointly with ``tree``.
    tree : mapping, optional
        The line's tree (:func:`~forensic_match.lineage.lines.line_tree`) through the missing
        person (``missing``), ``reference_id`` and ``others``.
    theta : float
        Subpopulation correction of the match probability (0 <= theta < 1; default 0, none),
        as :func:`y_lr`'s: ``theta + (1 - theta) f`` when the PM mitotype shows no
        difference from the reference's over the sites both read (a heteroplasmy that fits
        is no difference), ``(1 - theta) f`` otherwise (Buckleton, Krawczak & Weir 2011;
        conditioned on the nearest reference only).

    Returns
    -------
    LineageLR or None
    """
    if data.mt_database is None:
        raise InputError("mtDNA LR: the dataset has no mtDNA database (lineage.mtdna.database)")
    cmp = compare_mitotypes(reference, pm)
    joint = bool(others) and tree is not None
    if joint:
        assert tree is not None and others is not None
        typed = {**others, reference_id: reference, missing: pm}
        num, region = tree_mitotype_probability(tree, typed, missing, rate=rate)
        sites = len(region)
    else:
        region = reference.positions & pm.positions
        num = transmission_probability(cmp, meioses=meioses, rate=rate)
        sites = cmp.sites
    if sites == 0:
        return None
    x, n = data.mt_database.matches(pm, region)
    freq = frequency_from_count(x, n, method=method, name=data.mt_database.name, level=level)
    if theta > 0:
        freq = theta_corrected(freq, theta, same=not cmp.differences, kind="mitotype")
    lr = num / freq.value
    also = f" (with {', '.join(sorted(others or {}))} on the same line)" if joint else ""
    read = "read by the PM sample and a reference" if joint else "read in both"
    hyp = (f"H1: the PM sample is {missing}, {meioses} "
           f"{'meiosis' if meioses == 1 else 'meioses'} from {reference_id} on the maternal line"
           f"{also}; H2: it is a person of the population sampled by database "
           f"{data.mt_database.name!r}, not maternally related to {reference_id}. Frequency "
           f"over the {sites} sites {read}: {freq.description}")
    aside = {v: "C-tract length variant, ignored" for v in cmp.ignored}
    return LineageLR("mtDNA", lr, _log10(lr), reference_id, meioses, num, freq,
                     (f"{sites} sites",), cmp.differences, aside, other_references, hyp,
                     joint)


def check_lineage_options(data: LineageData, options: Mapping[str, Any]) -> None:
    """Refuse, before any work, options of :func:`lineage_lr` that would stop a search
    half-way.

    Raises
    ------
    InputError
        An unknown option or method; ``y_method="disclap"`` without a fit
        (:meth:`LineageData.fit_disclap`); ``y_method="kappa"`` with a Y database whose
        haplotypes are all distinct over its fully typed loci (Brenner's kappa 1:
        ``(1 - kappa) / (N + 1)`` would be 0 for the first unseen haplotype).
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise InputError(f"lineage options {unknown}: not options of lineage_lr "
                         f"({', '.join(sorted(OPTIONS))})")
    y_method = options.get("y_method", "count")
    mt_method = options.get("mt_method", "count")
    if y_method not in get_args(YMethod):
        raise InputError(f"lineage y_method {y_method!r}: 'count', 'count_upper', 'kappa' "
                         f"or 'disclap'")
    if mt_method not in get_args(MtMethod):
        raise InputError(f"lineage mt_method {mt_method!r}: 'count' or 'count_upper'")
    for name in ("y_theta", "mt_theta"):
        theta = options.get(name, 0.0)
        if isinstance(theta, bool) or not isinstance(theta, (int, float)) \
                or not 0.0 <= theta < 1.0:
            raise InputError(f"lineage {name} {theta!r}: a number from 0 up to (not "
                             f"including) 1")
    if y_method == "disclap" and data.disclap is None:
        raise InputError("lineage y_method 'disclap' needs a discrete Laplace fit of the Y "
                         "database (LineageData.fit_disclap)")
    if y_method == "kappa" and data.y_database is not None and data.markers:
        db = data.y_database
        loci = [m.key for m in data.markers if all(m.key in h for h in db.haplotypes)]
        counts, size = db.counts(loci) if loci else ({}, 0)
        if size and max(counts.values()) == 1:
            raise InputError(
                f"lineage y_method 'kappa': every one of the {size} haplotypes of Y database "
                f"{db.name!r} is distinct over its {len(loci)} fully typed loci, so Brenner's "
                f"kappa is 1 and an unseen haplotype would get frequency 0 (an infinite LR); "
                f"use 'count', 'count_upper' or 'disclap'")


def lineage_lr(pm: Any, family: Any, missing: str, data: LineageData, *,
               y_method: YMethod = "count", mt_method: MtMethod = "count",
               level: float = 0.95, multistep: float = MULTISTEP_FRACTION,
               mt_rate: float = PARSONS_1997_RATE,
               references: Literal["all", "nearest"] = "all",
               y_theta: float = 0.0, mt_theta: float = 0.0) -> LineageResult:
    """Y and mtDNA LRs of a PM sample (:class:`~forensic_match.cases.PMSample`) against a
    missing person of a family (:class:`~forensic_match.cases.Family`).

    Each line is compared with the typed relative nearest to the missing person on it
    (:func:`~forensic_match.lineage.lines.lineage_links`). With ``references="all"`` (default)
    the other typed relatives on the line (men on the Y line) enter the numerator jointly
    (tree likelihoods); with ``"nearest"`` they are only listed in ``other_references``. With
    one typed relative on a line the LR is the pairwise one. A line is skipped,
    with a note, when the PM sample or every relative on it lacks data, or the missing person is
    a woman (Y).

    Parameters
    ----------
    pm : PMSample
        With ``ystr``/``mtdna``, or Y rows of a lab export in ``info["lineage"]``.
    family : Family
        With ``ystr``/``mtdna`` of relatives, or Y rows of lab exports in ``lineage``.
    missing : str
        The missing person, in ``family.pedigree``.
    data : LineageData
        Panel and databases (``DviDataset.lineage``).
    y_method, mt_method : str
        Frequency methods (:func:`y_lr`, :func:`mt_lr`).
    level, multistep, mt_rate
        As for :func:`y_lr` and :func:`mt_lr`.
    references : {"all", "nearest"}
        Every typed relative on each line jointly, or the nearest only.
    y_theta, mt_theta : float
        Subpopulation corrections of the Y and mtDNA match probabilities (:func:`y_lr`'s and
        :func:`mt_lr`'s ``theta``; default 0).

    Returns
    -------
    LineageResult

    Examples
    --------
    >>> ds = load_case("dataset_with_lineage.json")  # doctest: +SKIP
    >>> res = lineage_lr(ds.pm[0], ds.am[0], ds.am[0].missing[0], ds.lineage)  # doctest: +SKIP
    >>> combine_log10_lr(autosomal_log10_lr, res)  # doctest: +SKIP
    """
    ped: Pedigree = family.pedigree
    if missing not in ped:
        raise InputError(f"family {family.id!r}: missing person {missing!r} is not in its "
                         f"pedigree")
    if references not in ("all", "nearest"):
        raise InputError(f"references must be 'all' or 'nearest', not {references!r}")
    notes: list[str] = []
    y_res = mt_res = None
    hy = pm_y_haplotype(pm)
    refs_y = family_y_haplotypes(family)
    if hy is None:
        notes.append("Y: the PM sample has no Y-STR data")
    elif ped.sex_of(missing) == "F":
        notes.append(f"Y: the missing person {missing!r} is a woman")
    else:
        links = lineage_links(ped, missing, "Y", among=sorted(refs_y))
        if not links:
            notes.append("Y: no relative typed for Y-STRs is on the missing person's paternal "
                         "line")
        else:
            best = links[0]
            rest = tuple(x.relative for x in links[1:])
            others = {i: refs_y[i] for i in rest} if references == "all" else {}
            tree = line_tree(ped, [missing, *(x.relative for x in links)], "Y") \
                if others else None
            with _naming(pm, family, missing, "Y"):
                y_res = y_lr(hy, refs_y[best.relative], best.meioses, data, method=y_method,
                             level=level, multistep=multistep, reference_id=best.relative,
                             missing=missing, other_references=rest, others=others,
                             tree=tree, theta=y_theta)
            if y_res is None:
                notes.append(f"Y: no locus typed in both the PM sample and {best.relative!r}")
    hm = pm_mitotype(pm)
    refs_mt = family_mitotypes(family)
    if hm is None:
        notes.append("mtDNA: the PM sample has no mtDNA data")
    else:
        links = lineage_links(ped, missing, "mtDNA", among=sorted(refs_mt))
        if not links:
            notes.append("mtDNA: no relative typed for mtDNA is on the missing person's "
                         "maternal line")
        else:
            best = links[0]
            rest = tuple(x.relative for x in links[1:])
            others_mt = {i: refs_mt[i] for i in rest} if references == "all" else {}
            tree_mt = line_tree(ped, [missing, *(x.relative for x in links)], "mtDNA") \
                if others_mt else None
            with _naming(pm, family, missing, "mtDNA"):
                mt_res = mt_lr(hm, refs_mt[best.relative], best.meioses, data,
                               method=mt_method, level=level, rate=mt_rate,
                               reference_id=best.relative, missing=missing,
                               other_references=rest, others=others_mt, tree=tree_mt,
                               theta=mt_theta)
            if mt_res is None:
                whom = (f"any of {sorted([best.relative, *others_mt])}" if others_mt
                        else repr(best.relative))
                notes.append(f"mtDNA: no position read in both the PM sample and {whom}")
    return LineageResult(pm.id, family.id, missing, y_res, mt_res, tuple(notes))


@contextlib.contextmanager
def _naming(pm: Any, family: Any, missing: str, line: str) -> Iterator[None]:
    """Name the family, missing person and PM sample in an error of the data they hold."""
    try:
        yield
    except InputError as exc:
        raise InputError(f"family {family.id!r}, missing person {missing!r}, PM sample "
                         f"{pm.id!r}, {line}: {exc}") from None


def combine_log10_lr(autosomal_log10_lr: float, lineage: LineageResult | float) -> float:
    """The combined log10 LR: autosomal + Y + mtDNA.

    Assumption (``docs/lineage.md``): given H1 or H2 the autosomal markers, the Y haplotype and
    the mitotype are independent (unlinked, and the pedigree is the only tie between them), so
    the LRs multiply; the lineage LR is an additional factor and replaces nothing. Under H2 this
    also assumes that an unrelated man is not more likely to share the relatives' Y or mtDNA
    line than the database says (village structure breaks this: see the docs).

    Examples
    --------
    >>> combine_log10_lr(3.0, 1.5)
    4.5
    """
    extra = lineage if isinstance(lineage, (int, float)) else lineage.log10_lr
    return float(autosomal_log10_lr) + float(extra)


def lineage_lrs(dataset: Any, pairs: Mapping[str, list[tuple[str, str]]] | None = None,
                **options: Any) -> list[LineageResult]:
    """:func:`lineage_lr` for every PM sample with lineage data against every missing person
    of the dataset.

    Parameters
    ----------
    dataset : DviDataset
    pairs : mapping, optional
        ``{pm id: [(family id, missing id), ...]}``: only these pairs.
    **options
        Passed to :func:`lineage_lr`.

    Returns
    -------
    list of LineageResult
    """
    data = dataset.lineage
    fams = {f.id: f for f in dataset.am}
    out = []
    for pm in dataset.pm:
        if pm_y_haplotype(pm) is None and pm_mitotype(pm) is None:
            continue
        targets = pairs.get(pm.id, []) if pairs is not None else \
            [(f.id, m) for f in dataset.am for m in f.missing]
        for fid, m in targets:
            out.append(lineage_lr(pm, fams[fid], m, data, **options))
    return out


def lineage_frame(results: list[LineageResult]) -> Any:
    """The results as a polars DataFrame, one row per (PM sample, missing person): ``pm``,
    ``family``, ``missing``, ``log10_lr`` (Y and mtDNA together), and per line (``y_``,
    ``mt_``) ``log10_lr``, ``reference``, ``meioses``, ``method``, ``database``,
    ``differences``; a line not compared has nulls. ``notes`` joins the reasons."""
    import polars as pl

    rows = []
    for r in results:
        row: dict[str, Any] = {"pm": r.pm, "family": r.family, "missing": r.missing,
                               "log10_lr": r.log10_lr}
        for prefix, x in (("y_", r.y), ("mt_", r.mtdna)):
            row[prefix + "log10_lr"] = None if x is None else x.log10_lr
            row[prefix + "reference"] = None if x is None else x.reference
            row[prefix + "meioses"] = None if x is None else x.meioses
            row[prefix + "method"] = None if x is None else x.frequency.method
            row[prefix + "database"] = None if x is None else x.frequency.database
            row[prefix + "differences"] = None if x is None else len(x.differences)
        row["notes"] = "; ".join(r.notes)
        rows.append(row)
    schema = {"pm": pl.String, "family": pl.String, "missing": pl.String,
              "log10_lr": pl.Float64}
    for prefix in ("y_", "mt_"):
        schema |= {prefix + "log10_lr": pl.Float64, prefix + "reference": pl.String,
                   prefix + "meioses": pl.Int64, prefix + "method": pl.String,
                   prefix + "database": pl.String, prefix + "differences": pl.Int64}
    schema["notes"] = pl.String
    return pl.DataFrame(rows, schema=schema)
