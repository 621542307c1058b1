"""Read and write cases in the neutral JSON format (``docs/case-format.md``).

A kinship case holds markers, two pedigree hypotheses, genotypes and optional theta and
dropout; an identification dataset holds markers, postmortem samples and reference families.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forensic_match.errors import ForensicMatchError, GenotypeError, InputError, strict_json
from forensic_match.kinship import KinshipResult, kinship_lr
from forensic_match.lineage.data import (
    LineageData,
    parse_family_lineage,
    parse_pm_lineage,
    warn_y_on_female,
)
from forensic_match.lineage.keys import unread_keys
from forensic_match.lineage.mtdna import Mitotype
from forensic_match.lineage.ystr import YHaplotype
from forensic_match.markers import SMALLEST_MIN_FREQUENCY, Marker
from forensic_match.mutation import Mutation
from forensic_match.pedigree import Pedigree, sex_label
from forensic_match.profiles import (
    Genotype,
    Profiles,
    allele_label,
    file_id,
    is_canonical_allele,
    parse_profiles,
)

if TYPE_CHECKING:
    from forensic_match.linked.case import LinkedCaseResult


@dataclass
class KinshipCase:
    """One kinship question: two hypotheses for the same profiles.

    Attributes
    ----------
    id, description : str
    markers : list of Marker
    h1, h2 : Pedigree
    genotypes : dict
        ``{individual: {marker: (a, b)}}``.
    theta : float
    dropout : dict
        ``{individual: probability}``.
    expected : dict
        Reference values shipped with the case, if any.
    """

    id: str
    markers: list[Marker]
    h1: Pedigree
    h2: Pedigree
    genotypes: Profiles
    theta: float = 0.0
    dropout: dict[str, float] = field(default_factory=dict)
    description: str = ""
    expected: dict[str, Any] = field(default_factory=dict)
    computed_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    linkage: str = ""
    positions: dict[str, dict[str, Any]] = field(default_factory=dict)
    genotype_error: dict[str, float] = field(default_factory=dict)

    kind = "kinship"

    def solve(self, **options: Any) -> KinshipResult | LinkedCaseResult:
        """The kinship LR of H1 against H2 (options as for :func:`kinship_lr`): a
        :class:`~forensic_match.kinship.KinshipResult`, or with ``linkage`` ``"map"`` and
        positioned markers a :class:`~forensic_match.linked.case.LinkedCaseResult` (FORMAT.md
        "Linked markers"; ``docs/linked.md``, "Linked kinship cases")."""
        if self.linkage == "map" and self.positions:
            from forensic_match.linked.case import linked_case_lr

            if options:
                raise InputError(f"case {self.id!r}: options {sorted(options)} do not apply "
                                 f"to a case with linked markers")
            return linked_case_lr(self)
        if any(e > 0 for e in self.genotype_error.values()):
            raise InputError(f"case {self.id!r}: genotype_error is modelled on linked markers "
                             f"only (\"linkage\": \"map\" with marker positions); the "
                             f"independent markers' engine has none")
        return kinship_lr(self.h1, self.h2, self.markers, self.genotypes, theta=self.theta,
                          observation=self.dropout or None, **options)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "kinship", "id": self.id, "description": self.description,
            "markers": [_marker_to_dict(m) for m in self.markers], "theta": self.theta,
            "hypotheses": {"H1": {"pedigree": self.h1.to_dicts()},
                           "H2": {"pedigree": self.h2.to_dicts()}},
            "genotypes": _genotypes_to_dict(self.genotypes)}
        if self.dropout:
            out["dropout"] = dict(self.dropout)
        for spec in out["markers"]:
            spec.update(self.positions.get(spec["name"], {}))
        if self.linkage:
            out["linkage"] = self.linkage
        if self.genotype_error:
            out["genotype_error"] = dict(self.genotype_error)
        return _with_provenance(out, self.expected, self.computed_by, self.extra)


@dataclass
class Family:
    """A reference family: pedigree, typed relatives and the missing persons in it.

    Attributes
    ----------
    id : str
    pedigree : Pedigree
    missing : list of str
        Ids (in ``pedigree``) of the missing persons of this family.
    genotypes : dict
        Profiles of the typed relatives ``{id: {marker: (a, b)}}``.
    references : dict
        Direct references: ``{missing id: profile}`` from personal effects (a toothbrush,
        a stored biopsy). They are compared with PM samples as "same person", not by kinship.
    info : dict
        Antemortem non-DNA records per missing person (``{missing id: {field: value}}``):
        age, dates, places, dental; kept for the evidence modules.
    lineage : dict
        Y- and X-chromosome STR data of relatives and references, set aside for lineage
        matching: ``{id: {marker: [allele, ...]}}`` (see ``docs/records.md``).
    ystr, mtdna : dict
        Y haplotypes and mitotypes of relatives from the dataset's ``am[].ystr`` and
        ``am[].mtdna`` (``{id: ...}``; see ``docs/lineage.md``); mitotypes also from the
        ``mtDNA`` rows of lab tables (``docs/records.md``).
    """

    id: str
    pedigree: Pedigree
    missing: list[str]
    genotypes: Profiles
    references: dict[str, dict[str, tuple[str, str | None]]] = field(default_factory=dict)
    info: dict[str, dict[str, Any]] = field(default_factory=dict)
    lineage: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    ystr: dict[str, YHaplotype] = field(default_factory=dict)
    mtdna: dict[str, Mitotype] = field(default_factory=dict)

    def sex_of(self, missing: str) -> str:
        """Recorded sex of a missing person ("M", "F" or "U")."""
        return self.pedigree.sex_of(missing)


@dataclass
class PMSample:
    """A postmortem sample.

    Attributes
    ----------
    id : str
    sex : str
        "M", "F" or "U" (from amelogenin or anthropology).
    genotypes : dict
        ``{marker: (a, b)}``; ``(a, a)`` with dropout means only ``a`` was seen.
    site : str
        Grave or site of recovery.
    dropout : float
        Per-allele dropout probability of this sample (degraded bone), 0 for a good profile.
    info : dict
        Postmortem non-DNA records (estimated age, stature, date of recovery...).
    ystr : dict or None
        Y haplotype from the dataset's ``pm[].ystr`` (``{locus: (allele, ...)}``).
    mtdna : Mitotype or None
        Mitotype from ``pm[].mtdna``, or from the sample's ``mtDNA`` row of a lab table.
    """

    id: str
    sex: str
    genotypes: dict[str, tuple[str, str | None]]
    site: str = ""
    dropout: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    ystr: YHaplotype | None = None
    mtdna: Mitotype | None = None

    def __post_init__(self) -> None:
        # A sex outside M/F/U ("m", "male", "1") would be compatible with nobody in the joint
        # analysis and with everybody in the search: read it as a pedigree's sex is, or refuse.
        if self.sex not in ("M", "F", "U"):
            self.sex = sex_label(self.sex, context=f"PM sample {self.id!r}")


def with_dropout(samples: Sequence[PMSample], dropout: float) -> list[PMSample]:
    """The samples, each declaring no dropout (0) given ``dropout`` instead; the others as
    they are.

    A laboratory's files without a dropout column give every sample dropout 0, at which two
    bones of one body that lost different alleles exclude each other (``docs/records.md``).

    Raises
    ------
    InputError
        ``dropout`` outside [0, 1).
    """
    if not 0.0 <= dropout < 1.0:
        raise InputError(f"pm_dropout must lie in [0, 1), got {dropout!r}")
    if dropout == 0.0:
        return list(samples)
    return [s if s.dropout > 0 else dataclasses.replace(s, dropout=dropout) for s in samples]


@dataclass
class DviDataset:
    """An identification dataset: PM samples and reference families over common markers.

    ``lineage`` holds the Y-STR panel and the Y and mtDNA databases of the dataset's
    ``"lineage"`` key (empty when absent). ``snp`` holds the linked markers of a dataset
    with ``"linkage": "map"`` read with ``linked=True`` (:func:`case_from_dict`): a
    :class:`~forensic_match.linked.scores.SnpData` for ``identify(snp=...)``, the other
    fields holding the independent markers only; ``snp_options`` the ``SnpScores`` error
    options its ``genotype_error`` gives (``docs/linked.md``, "Linked kinship cases").
    """

    id: str
    markers: list[Marker]
    pm: list[PMSample]
    am: list[Family]
    theta: float = 0.0
    description: str = ""
    expected: dict[str, Any] = field(default_factory=dict)
    computed_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    lineage: LineageData = field(default_factory=LineageData)
    snp: Any = None
    snp_options: dict[str, float] = field(default_factory=dict)

    kind = "dvi"

    def to_dict(self) -> dict[str, Any]:
        if self.snp is not None:
            raise InputError(f"dataset {self.id!r}: its linked markers were read as SNP data "
                             f"(linked=True) and are not written back; keep the file it was "
                             f"read from")
        out: dict[str, Any] = {
            "kind": "dvi", "id": self.id, "description": self.description,
            "markers": [_marker_to_dict(m) for m in self.markers], "theta": self.theta,
            "pm": [_pm_to_dict(s) for s in self.pm],
            "am": [_family_to_dict(f) for f in self.am]}
        if self.lineage:
            out["lineage"] = self.lineage.to_dict()
        return _with_provenance(out, self.expected, self.computed_by, self.extra)


def check_family_records(families: Sequence[Family], *, where: str = "") -> None:
    """Refuse reference families whose records contradict each other.

    - Two families with one id: every table keyed by family and person would mix them (the
      pairwise LRs of one family read from the other's pedigree).
    - A missing person listed twice in a family.
    - A missing person with a profile among the typed relatives: a missing person is not
      typed. The engines read such a profile two ways (one put the PM sample in its place,
      another compared the sample with it), so it is refused; a profile of the missing person
      from personal effects is a direct reference (``references``).

    Raises
    ------
    InputError
        Naming ``where`` (a file), the family and the person.
    """
    at = f"{where}: " if where else ""
    first: dict[str, int] = {}
    for k, fam in enumerate(families):
        if fam.id in first:
            raise InputError(f"{at}families {first[fam.id] + 1} and {k + 1} both have the id "
                             f"{fam.id!r}; family ids must be unique")
        first[fam.id] = k
        seen: set[str] = set()
        for m in fam.missing:
            if m in seen:
                raise InputError(f"{at}family {fam.id!r}: missing person {m!r} is listed twice")
            seen.add(m)
            if m in fam.genotypes:
                raise InputError(f"{at}family {fam.id!r}: missing person {m!r} has a profile "
                                 f"among the typed relatives; a missing person is not typed "
                                 f"(a profile from his or her personal effects is a direct "
                                 f"reference: 'references')")


def typed_at(genotypes: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The markers of ``names`` (in their order) at which a profile has a call: the one count
    of "typed at a marker of the panel" that ``search``'s ``not_searched``, identify's warning
    about bodies with too few markers and the store's refusal of an untyped PM sample share."""
    return [n for n in names if (genotypes.get(n) or (None,))[0] is not None]


def typed_markers(families: Sequence[Family], samples: Sequence[PMSample]) -> set[str]:
    """Names of the markers at which some typed relative or PM sample is typed."""
    return {m for s in samples for m in s.genotypes} | \
        {m for f in families for p in f.genotypes.values() for m in p}


def _with_provenance(out: dict[str, Any], expected: dict[str, Any], computed_by: str,
                     extra: dict[str, Any]) -> dict[str, Any]:
    """Add the optional reference values, their source, and unknown keys kept on reading."""
    if expected:
        out["expected"] = expected
    if computed_by:
        out["computed_by"] = computed_by
    out.update(extra)
    return out


def _pm_to_dict(s: PMSample) -> dict[str, Any]:
    out: dict[str, Any] = {"id": s.id, "sex": s.sex,
                           "genotypes": {k: list(v) for k, v in s.genotypes.items()}}
    if s.site:
        out["site"] = s.site
    if s.dropout:
        out["dropout"] = s.dropout
    if s.info:
        out["info"] = s.info
    if s.ystr:
        out["ystr"] = {k: list(v) for k, v in s.ystr.items()}
    if s.mtdna is not None:
        out["mtdna"] = s.mtdna.to_dict()
    return out


def _family_to_dict(f: Family) -> dict[str, Any]:
    out: dict[str, Any] = {"family": f.id, "pedigree": f.pedigree.to_dicts(),
                           "missing": f.missing, "genotypes": _genotypes_to_dict(f.genotypes)}
    if f.references:
        out["references"] = _genotypes_to_dict(f.references)
    if f.info:
        out["info"] = f.info
    if f.lineage:
        out["lineage"] = f.lineage
    if f.ystr:
        out["ystr"] = {i: {k: list(v) for k, v in h.items()} for i, h in f.ystr.items()}
    if f.mtdna:
        out["mtdna"] = {i: m.to_dict() for i, m in f.mtdna.items()}
    return out


def _marker_to_dict(m: Marker) -> dict[str, Any]:
    out = {"name": m.name, "alleles": list(m.alleles),
           "frequencies": [float(f) for f in m.frequencies],
           "mutation": None if m.mutation is None else m.mutation.to_dict(m.alleles,
                                                                          m.frequencies)}
    if m.min_frequency is not None:
        # The table's frequency for alleles it lacks (5/(2N)): without it a dataset saved
        # from the laboratory's tables gave a rare allele 0.001 where 'search' gives the
        # table's own, and an LR 11.7 times higher per such allele (an outside check).
        out["min_frequency"] = float(m.min_frequency)
    return out


def _genotypes_to_dict(g: Profiles) -> dict[str, dict[str, list[str | None]]]:
    return {i: {m: list(v) for m, v in p.items()} for i, p in g.items()}


#: Keys of each object of the JSON format that forensic_match reads (``FORMAT.md``,
#: ``docs/case-format.md``); other keys are kept (``extra``) or left alone.
_KEYS = {
    "case": {"kind", "id", "description", "markers", "theta", "hypotheses", "genotypes",
             "dropout", "expected", "computed_by", "pm", "am", "lineage", "linkage",
             "genotype_error"},
    "marker": {"name", "alleles", "frequencies", "mutation", "min_frequency", "chrom", "mb",
               "cm_male", "cm_female"},
    "pm sample": {"id", "sex", "site", "dropout", "info", "genotypes", "ystr", "mtdna"},
    "family": {"family", "pedigree", "missing", "genotypes", "references", "info", "lineage",
               "ystr", "mtdna"},
}


def _no_personal(info: Any, where: str) -> None:
    """Refuse a record field of personal identity (a name, an identity document: see
    :func:`~forensic_match.tables.personal_column`) in a family's or PM sample's ``info``: a
    store keeps every version of it in its history and exports it without ``--identities``."""
    from forensic_match.tables import personal_column

    if isinstance(info, Mapping):
        for key in info:
            if personal_column(key):
                raise InputError(f"{where}: field {key!r} holds personal identity; records "
                                 f"are keyed by pseudonymous ids: keep names in the case "
                                 f"store's identities table ('forensic-match store "
                                 f"identities'), not in the dataset")


def _no_typos(data: Any, what: str, where: str) -> None:
    """Refuse a key of a JSON object that is not read but is one typo from one that is
    (``"mutaton"``, ``"genotype"``, ``"mising"``, ``"thetha"``): before, such a key was left
    alone without a word, and a marker's mutation model, a case's genotypes or a family's
    missing persons were silently absent (a stepwise LR of 8.7e-7 became an exclusion, LR
    0). Keys not near any (another tool's notes) are still left alone."""
    if not isinstance(data, Mapping):
        return
    known = _KEYS[what]
    for key in data:
        if key in known or not isinstance(key, str):
            continue
        near = sorted(k for k in known if _one_edit(key, k))
        if near and near[0] not in data:
            raise InputError(f"{where}: key {key!r} of a {what} is not read; did you mean "
                             f"{near[0]!r}?")


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one letter inserted, deleted or replaced, or two
    neighbours swapped (a typo: ``mutaton``, ``genotype``, ``dropuot``), not a key that
    extends a known one (``expected_lr``, ``computed_on``, ``lineage_db`` are kept)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _markers(data: Any, src: str) -> list[Marker]:
    if not isinstance(data, list) or not data:
        raise InputError(f"{src}: 'markers' must be a non-empty list")
    out = []
    for k, spec in enumerate(data):
        try:
            name = str(spec["name"])
            alleles = list(spec["alleles"])
            freqs = [float(f) for f in spec["frequencies"]]
        except (KeyError, TypeError, ValueError) as exc:
            label = f"marker {k + 1}"
            if isinstance(spec, Mapping) and "name" in spec:
                label += f" ({str(spec['name'])!r})"
            raise InputError(f"{src}: {label}: needs name, alleles and numeric "
                             f"frequencies ({exc})") from exc
        numbers = [a for a in alleles if not isinstance(a, str)]
        if numbers:
            # str(10.0) is "10.0", which no genotype's "10" matches: every allele of the
            # marker would have been unknown to the table.
            raise InputError(f"{src}: marker {name!r}: allele {numbers[0]!r} is a number; "
                             f"alleles are strings as printed on a report ('10', '9.3')")
        floor = spec.get("min_frequency")
        if floor is not None and (isinstance(floor, bool) or not isinstance(floor, (int, float))
                                  or not SMALLEST_MIN_FREQUENCY <= floor < 1.0):
            raise InputError(f"{src}: marker {name!r}: min_frequency (the frequency of an "
                             f"allele the table lacks) must be a number in [1e-9, 1), got "
                             f"{floor!r}")
        try:
            out.append(Marker(name, alleles, freqs,
                              Mutation.from_dict(spec.get("mutation"), marker=name),
                              min_frequency=None if floor is None else float(floor)))
        except ForensicMatchError as exc:
            raise InputError(f"{src}: {exc}") from exc
    return out


def _linkage(data: Mapping[str, Any], src: str,
             ) -> tuple[str, dict[str, dict[str, Any]], dict[str, float]]:
    """FORMAT.md "Linked markers": the ``linkage`` switch (``"map"`` or absent), the
    markers' genetic positions and ``genotype_error``."""
    linkage = data.get("linkage")
    if linkage not in (None, "", "map"):
        raise InputError(f"{src}: 'linkage' must be \"map\" (markers on one chromosome "
                         f"linked) or absent (markers independent), got {linkage!r}")
    return (str(linkage or ""), _positions(data.get("markers") or [], src),
            _probabilities(data.get("genotype_error"), "genotype_error", src))


def _with_dropout(pm: list[PMSample], am: list[Family], data: Any, src: str,
                  ) -> list[PMSample]:
    """The PM samples with FORMAT.md's dataset-level ``dropout`` (``{"ID": d}``) applied: a
    PM sample's ``d`` becomes its dropout (as ``pm[].dropout``, which it must not
    contradict); a nonzero ``d`` of a family member is refused (the identification does not
    model dropout in the references), as is an id that is neither."""
    by_id = {s.id: k for k, s in enumerate(pm)}
    members = {i: f.id for f in am for i in f.pedigree.ids}
    out = list(pm)
    for ident, d in _probabilities(data, "dropout", src).items():
        if ident in by_id:
            sample = out[by_id[ident]]
            if sample.dropout not in (0.0, d):
                raise InputError(f"{src}: PM sample {ident!r}: dropout {d} in 'dropout' and "
                                 f"{sample.dropout} in its own entry")
            out[by_id[ident]] = dataclasses.replace(sample, dropout=d)
        elif ident in members:
            if d > 0:
                raise InputError(f"{src}: family {members[ident]!r}, {ident!r}: dropout of a "
                                 f"typed relative is not modelled in identification datasets "
                                 f"(PM samples only)")
        else:
            raise InputError(f"{src}: 'dropout' names {ident!r}, neither a PM sample nor a "
                             f"family member")
    return out


#: The genetic-position fields of a marker (FORMAT.md "Linked markers").
POSITION_FIELDS = ("chrom", "mb", "cm_male", "cm_female")


def _positions(specs: Sequence[Any], src: str) -> dict[str, dict[str, Any]]:
    """The genetic positions of the markers that carry them, by name; a marker with some
    but not all of :data:`POSITION_FIELDS`, or non-numeric ones, is refused."""
    out: dict[str, dict[str, Any]] = {}
    for spec in specs:
        if not isinstance(spec, Mapping):
            continue
        have = [f for f in POSITION_FIELDS if f in spec]
        if not have:
            continue
        name = str(spec.get("name"))
        if len(have) < len(POSITION_FIELDS):
            lacking = [f for f in POSITION_FIELDS if f not in spec]
            raise InputError(f"{src}, marker {name!r}: a genetic position needs "
                             f"{', '.join(POSITION_FIELDS)}; {', '.join(lacking)} missing")
        try:
            pos = {"chrom": str(spec["chrom"]), "mb": float(spec["mb"]),
                   "cm_male": float(spec["cm_male"]), "cm_female": float(spec["cm_female"])}
        except (TypeError, ValueError):
            raise InputError(f"{src}, marker {name!r}: mb, cm_male and cm_female must be "
                             f"numbers, got {[spec[f] for f in POSITION_FIELDS[1:]]}") from None
        if not all(math.isfinite(pos[f]) for f in ("mb", "cm_male", "cm_female")):
            raise InputError(f"{src}, marker {name!r}: positions must be finite numbers")
        out[name] = pos
    return out


def _probabilities(data: Any, name: str, src: str) -> dict[str, float]:
    """A FORMAT.md ``{person: probability}`` map (``dropout``, ``genotype_error``), each
    in [0, 1); empty when absent."""
    if not data:
        return {}
    if not isinstance(data, Mapping):
        raise InputError(f"{src}: {name!r} must map individuals to probabilities")
    out = {}
    for ident, value in data.items():
        try:
            p = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{src}: {name} of {ident!r} must be a number, got "
                             f"{value!r}") from None
        if not 0.0 <= p < 1.0:
            raise InputError(f"{src}: {name} of {ident!r} must lie in [0, 1), got {p}")
        out[str(ident)] = p
    return out


def _pedigree(data: Any, src: str) -> Pedigree:
    if not isinstance(data, list):
        raise InputError(f"{src}: a pedigree must be a list of individuals")
    return Pedigree.from_records(data, source=src)


def _check_genotypes(genotypes: Profiles, markers: list[Marker], src: str) -> None:
    names = {m.name for m in markers}
    for ident, prof in genotypes.items():
        for marker in prof:
            if marker not in names:
                raise InputError(f"{src}: sample {ident!r}: marker {marker!r} is not among the "
                                 f"case's markers")
    _check_labels(genotypes, markers, src)


def _check_labels(genotypes: Profiles, markers: list[Marker], src: str) -> None:
    """Every allele of a case's genotypes is a label of its marker's table or in the canonical
    form of :func:`~forensic_match.profiles.allele_label` (then the rule for alleles unknown to
    the table applies): "9,3" or "7.0" would otherwise be a rare unknown allele and change the
    LR silently. Markers not in the case are left to the caller."""
    by_name = {m.name: m for m in markers}
    for ident, prof in genotypes.items():
        for name, genotype in prof.items():
            marker = by_name.get(name)
            if marker is None:
                continue
            for allele in genotype:
                if allele is None or marker.has(allele):
                    continue
                try:
                    allele_label(allele, marker=name, options=False)
                except GenotypeError as exc:
                    raise GenotypeError(f"{src}, sample {ident!r}, marker {name!r}: {exc}") \
                        from None


class _ProfileReader:
    """:func:`~forensic_match.profiles.parse_profiles` followed by :func:`_check_labels`, for
    the many profiles of one dataset: an allele text already found canonical (a string with
    no surrounding spaces that is neither a missing-value token nor off-ladder, which
    ``parse_genotype`` keeps as it is) and a (marker, allele) label already checked are
    remembered, so a genotype ``[a, b]`` of such alleles is read without parsing. Anything
    else goes through ``parse_genotype`` and ``_check_labels`` as before: the result and the
    errors are theirs (``tests/test_store_load.py`` checks the equality)."""

    def __init__(self, markers: list[Marker], source: str, src: str) -> None:
        self.markers, self.source, self.src = markers, source, src
        self.canonical: set[str] = set()
        self.labelled: set[tuple[str, str]] = set()

    def _is_canonical(self, allele: Any) -> bool:
        if type(allele) is not str:
            return False
        if allele in self.canonical:
            return True
        if not is_canonical_allele(allele):
            return False
        self.canonical.add(allele)
        return True

    def _fast(self, prof: Any) -> dict[str, Genotype] | None:
        """The profile read without parsing, or None if some genotype needs parsing."""
        if not isinstance(prof, Mapping):
            return None
        pairs = list(prof.items())
        try:
            if not all(type(m) is str and (type(v) is list or type(v) is tuple) and len(v) == 2
                       for m, v in pairs):
                return None
            alleles = {v[0] for _, v in pairs} | {v[1] for _, v in pairs if v[1] is not None}
        except TypeError:  # an unhashable allele: parse_genotype names it
            return None
        if not alleles <= self.canonical and \
                not all(self._is_canonical(a) for a in alleles - self.canonical):
            return None
        return {m: (v[0], v[1]) for m, v in pairs}

    def profiles(self, data: Any) -> Profiles:
        """``{individual: {marker: genotype}}`` read, then its labels checked (in the order
        ``parse_profiles`` and ``_check_labels`` would raise their errors)."""
        if not isinstance(data, Mapping):
            return parse_profiles(data, file=self.source)
        out: Profiles = {}
        for sample, prof in data.items():
            fast = self._fast(prof) if type(sample) is str else None
            out[str(sample)] = fast if fast is not None else \
                parse_profiles({sample: prof}, file=self.source)[str(sample)]
        for sample, prof in out.items():
            for name, genotype in prof.items():
                for allele in genotype:
                    if allele is not None and (name, allele) not in self.labelled:
                        _check_labels({sample: {name: genotype}}, self.markers, self.src)
                        self.labelled.add((name, allele))
        return out


def case_from_dict(data: Mapping[str, Any], *, source: str = "case", linked: bool = False,
                   ) -> KinshipCase | DviDataset:
    """Build a case or dataset from its JSON dictionary.

    An identification dataset with ``"linkage": "map"`` and positioned markers is refused
    unless ``linked``: then its linked markers become the dataset's ``snp`` data
    (:class:`DviDataset`) and the other fields keep the independent markers. Keys of the
    lineage objects that are not read are named in one warning
    (:func:`~forensic_match.lineage.keys.unread_keys`)."""
    with unread_keys(f"file {source!r}" if source != "case" else "case"):
        return _case_from_dict(data, source=source, linked=linked)


def _case_from_dict(data: Mapping[str, Any], *, source: str, linked: bool
                    ) -> KinshipCase | DviDataset:
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: a case must be a JSON object")
    kind = data.get("kind")
    cid = str(data.get("id", Path(source).stem))
    src = f"file {source!r}" if source != "case" else "case"
    try:
        theta = float(data.get("theta", 0.0) or 0.0)
    except (TypeError, ValueError):
        raise InputError(f"{src}: theta must be a number, got {data.get('theta')!r}") from None
    markers = _markers(data.get("markers"), src)
    linkage, positions, genotype_error = _linkage(data, src)
    extra = {k: v for k, v in data.items() if k not in _KEYS["case"]}
    if kind == "kinship":
        hyps = data.get("hypotheses")
        if not isinstance(hyps, Mapping) or "H1" not in hyps or "H2" not in hyps:
            raise InputError(f"{src}: 'hypotheses' must have H1 and H2")
        try:
            h1 = _pedigree(hyps["H1"]["pedigree"], f"{source}: H1")
            h2 = _pedigree(hyps["H2"]["pedigree"], f"{source}: H2")
        except (KeyError, TypeError) as exc:
            raise InputError(f"{src}: each hypothesis needs a 'pedigree' list") from exc
        genotypes = parse_profiles(data.get("genotypes") or {}, file=source)
        _check_genotypes(genotypes, markers, src)
        dropout = _probabilities(data.get("dropout"), "dropout", src)
        return KinshipCase(cid, markers, h1, h2, genotypes, theta, dropout,
                           str(data.get("description", "")), dict(data.get("expected") or {}),
                           str(data.get("computed_by", "")), extra, linkage, positions,
                           genotype_error)
    if kind == "dvi":
        split = linkage == "map" and bool(positions)
        if split and not linked:
            raise InputError(f"{src}: linked markers (\"linkage\": \"map\"): read it with "
                             f"'forensic-match solve' or 'run --store' (or load_case(path, "
                             f"linked=True)), which "
                             f"takes them as SNP data (docs/linked.md)")
        if any(e > 0 for e in genotype_error.values()) and not split:
            raise InputError(f"{src}: genotype_error is modelled on linked markers only (the "
                             f"STR engine has no genotype error model)")
        lineage = LineageData.from_dict(data.get("lineage"), where=f"{src}, lineage")
        reader = _ProfileReader(markers, source, src)
        pm = []
        for k, s in enumerate(data.get("pm") or []):
            try:
                sid = str(s["id"])
                prof = reader.profiles({sid: s.get("genotypes") or {}})[sid]
                ystr, mtdna = parse_pm_lineage(s, sid, src)
                sex = sex_label(s.get("sex"), context=f"{src}: pm sample {sid!r}")
                pm.append(PMSample(sid, sex, prof, str(s.get("site", "")),
                                   float(s.get("dropout", 0.0) or 0.0), dict(s.get("info") or {}),
                                   ystr, mtdna))
            except ForensicMatchError:
                raise
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"{src}: pm sample {k + 1}: needs 'id' and 'genotypes'") \
                    from exc
        am = []
        for k, f in enumerate(data.get("am") or []):
            try:
                fid = str(f["family"])
                ped = _pedigree(f["pedigree"], f"{source}: family {fid}")
                missing = [str(x) for x in f.get("missing") or []]
                geno = reader.profiles(f.get("genotypes") or {})
                refs = reader.profiles(f.get("references") or {})
                info = {str(k): dict(v) for k, v in (f.get("info") or {}).items()}
                set_aside = {str(k): {str(m): [str(a) for a in v] for m, v in p.items()}
                             for k, p in (f.get("lineage") or {}).items()}
                ystrs, mts = parse_family_lineage(f, fid, src, ped)
            except ForensicMatchError:
                raise
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"{src}: family {k + 1}: needs 'family' and 'pedigree'") \
                    from exc
            for x in missing:
                if x not in ped:
                    raise InputError(f"{src}: family {fid!r}: missing person {x!r} is not in "
                                     f"its pedigree")
            am.append(Family(fid, ped, missing, geno, refs, info, set_aside, ystrs, mts))
        check_family_records(am, where=src)
        pm = _with_dropout(pm, am, data.get("dropout"), src)
        ds = DviDataset(cid, markers, pm, am, theta, str(data.get("description", "")),
                        dict(data.get("expected") or {}), str(data.get("computed_by", "")),
                        extra, lineage)
        if split:
            from forensic_match.linked.dataset import split_linked

            ds = split_linked(ds, positions, genotype_error, src,
                              str(source) if source != "case" else None)
        return ds
    raise InputError(f"{src}: 'kind' must be 'kinship' or 'dvi', got {kind!r}")


def load_case(path: str | Path, *, linked: bool = False) -> KinshipCase | DviDataset:
    """Read a kinship case or identification dataset from a JSON file (``linked``: as
    :func:`case_from_dict`).

    Raises
    ------
    InputError
        Unreadable JSON (with line and column) or content that does not fit the format.

    Examples
    --------
    >>> case = load_case("datasets/examples/missing_person_trio.json")  # doctest: +SKIP
    >>> case.solve().lr_total  # doctest: +SKIP
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")   # a byte-order mark allowed
    except OSError as exc:
        raise InputError(f"file {str(path)!r}: cannot read: {exc.strerror}") from exc
    data = strict_json(text, f"file {str(path)!r}")
    _check_written(data, f"file {str(path)!r}")
    return case_from_dict(data, source=str(path), linked=linked)


def _check_written(data: Any, src: str) -> None:
    """The checks of a case as a person or another tool wrote it (a file), before it is read:
    keys one typo from a key that is read, record fields of personal identity, and ids
    (:func:`_ids_written`). Not made on what a case store reads back: its stored versions are
    what it stored (a version read before these checks existed must not stop every later
    night)."""
    if not isinstance(data, Mapping):
        return
    _no_typos(data, "case", src)
    for k, spec in enumerate(data.get("markers") or []):
        _no_typos(spec, "marker", f"{src}: marker {k + 1}")
    hypotheses = data.get("hypotheses")
    if isinstance(hypotheses, Mapping):
        for name, hypothesis in hypotheses.items():
            if isinstance(hypothesis, Mapping):
                _ids_written(hypothesis.get("pedigree"), f"{src}: {name}", records=True)
    for key in ("genotypes", "dropout", "genotype_error"):
        _ids_written(data.get(key), f"{src}: {key!r}")
    for k, s in enumerate(data.get("pm") or []):
        _no_typos(s, "pm sample", f"{src}: pm sample {k + 1}")
        if isinstance(s, Mapping):
            _ids_written([s.get("id")], f"{src}: pm sample {k + 1}")
            _no_personal(s.get("info"), f"{src}: pm sample {s.get('id', k + 1)!r}")
            _female_with_y(s, f"{src}: pm sample {s.get('id', k + 1)!r}")
    for k, f in enumerate(data.get("am") or []):
        _no_typos(f, "family", f"{src}: family {k + 1}")
        if not isinstance(f, Mapping):
            continue
        _ids_written([f.get("family")], f"{src}: family {k + 1}")
        where = f"{src}: family {f.get('family', k + 1)!r}"
        _ids_written(f.get("pedigree"), where, records=True)
        _ids_written(f.get("missing"), f"{where}, 'missing'")
        for key in ("genotypes", "references", "info", "lineage", "ystr", "mtdna"):
            _ids_written(f.get(key), f"{where}, {key!r}")
        if isinstance(f.get("info"), Mapping):
            for person, fields in f["info"].items():
                _no_personal(fields, f"{where}, individual {person!r}")


def _ids_written(ids: Any, where: str, *, records: bool = False) -> None:
    """Refuse an id of a case file that holds UTF-8 read as Windows-1252 or an invisible
    character, as the laboratory tables' readers do (:func:`~forensic_match.profiles.file_id`;
    ``docs/records.md``, "A file re-saved with the wrong encoding"): ``ids`` is a list of ids,
    the keys of an ``{id: ...}`` object, or with ``records`` a pedigree's records (id, father,
    mother). Only checked, not rewritten: an id read otherwise than before would be a new
    family or body in a case store. Anything not a string is left to the reading."""
    if isinstance(ids, Mapping):
        ids = list(ids)
    if not isinstance(ids, list):
        return
    for k, item in enumerate(ids):
        if records and isinstance(item, Mapping):
            found = [item.get("id"), item.get("father"), item.get("mother")]
        elif records and isinstance(item, list):
            found = item[:3]
        else:
            found = [item]
        for text in found:
            if isinstance(text, str):
                file_id(text, f"{where}, pedigree record {k + 1}" if records else where)


def _female_with_y(sample: Mapping[str, Any], label: str) -> None:
    """Warn about a PM sample written as female with Y-STR alleles (as the laboratory tables'
    reader does); an unreadable sex is left to the reading, which refuses it."""
    y = sample.get("ystr")
    try:
        female = sex_label(sample.get("sex")) == "F"
    except InputError:
        return
    if female and isinstance(y, Mapping):
        loci = [str(k) for k, v in y.items() if v not in (None, "", [], ())]
        if loci:
            warn_y_on_female(label, "the dataset", loci)


def save_case(case: KinshipCase | DviDataset, path: str | Path) -> None:
    """Write a case or dataset as JSON (written to a temporary file, then renamed)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(case.to_dict(), indent=1), encoding="utf-8")
    tmp.replace(path)
