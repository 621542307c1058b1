"""Synthetic identification programmes with ground truth.

:func:`simulate_programme` builds a whole programme the way a national search institution
holds one: reference families of realistic shapes, each with one to four missing persons and
one to five typed relatives, and postmortem (PM) samples exhumed from graves that hold several
bodies, some bodies giving several fragments, some remains belonging to nobody searched for,
many profiles partial and degraded. Every PM sample records which body and which missing
person it truly is, so that search and identification can be scored (identification rate,
false identifications, Tippett plots).

Genotypes are gene-dropped through every family with the markers' mutation models, all
families at once with numpy (one vectorised pass per marker and generation), so that a
programme the size of Peru's register (22,295 missing persons, 10,000 remains) is generated in
seconds. By default the non-DNA records (ages, dates, places, recovery sites) are random
placeholders with plausible types and ranges and no other meaning; with ``evidence=True`` (or
an :class:`EvidenceModel`) they are antemortem records and postmortem findings drawn from the
truth with stated error models (``docs/simulation-evidence.md``), from a random stream of
their own so that the DNA is the same either way.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import polars as pl

from forensic_match.cases import DviDataset, Family, PMSample, case_from_dict
from forensic_match.errors import InputError
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree
from forensic_match.simulate import degrade

Seed = int | np.random.Generator

#: Family shapes and their default share of a programme. Typed relatives of each shape:
#:
#: ``parents``          both parents (and sometimes a sibling) of the missing children;
#: ``parent_siblings``  one parent and 1-3 full siblings (sometimes the father is missing
#:                      too, with his son);
#: ``spouse_children``  the spouse and 1-3 children of a missing parent (sometimes a child is
#:                      missing too);
#: ``siblings``         1-3 full siblings, parents not typed;
#: ``half_siblings``    1-3 half siblings (sometimes with their other parent);
#: ``nephew``           1-2 nephews or nieces through a sibling (sometimes with the sibling's
#:                      partner);
#: ``cousin_aunt``      a first cousin (through an uncle) and an aunt.
#:
#: Shapes with a single distant reference (not in the default mix; for lineage-marker
#: studies: the side is drawn, so a paternal relative shares the missing man's Y line and a
#: maternal one his mtDNA line in about half the families):
#:
#: ``cousin``           one first cousin, child of a brother or sister of the father or of
#:                      the mother;
#: ``half_sibling``     one half sibling, through the father or the mother;
#: ``uncle``            one uncle or aunt, a brother or sister of the father or the mother.
DEFAULT_SHAPES: dict[str, float] = {
    "parents": 0.20, "parent_siblings": 0.20, "spouse_children": 0.15, "siblings": 0.15,
    "half_siblings": 0.10, "nephew": 0.10, "cousin_aunt": 0.10}

#: Share of men among missing persons who are someone's child or sibling; internal-conflict
#: programmes search mostly for men. A synthetic default.
MALE_MISSING = 0.75
#: Share of men among missing persons who leave a spouse and children.
MALE_MISSING_PARENT = 0.85
#: Probability that the found members of one family lie in one grave (killed together).
SAME_GRAVE = 0.6
#: Probability that a family's missing person disappeared on the family's common date.
SAME_EVENT = 0.6
#: Of the bodies that give several fragments, the share that give three (the others two).
THREE_FRAGMENTS = 0.3
#: Years of disappearance and of recovery for the placeholder dates.
DISAPPEARANCE_YEARS = (1980, 2000)
RECOVERY_YEARS = (2002, 2024)

TRUTH_COLUMNS = ("pm", "body", "family", "missing")


@dataclass
class SimulatedProgramme:
    """A simulated identification programme and its ground truth.

    Attributes
    ----------
    dataset : DviDataset
        What an institution would hold: reference families and PM samples (with site,
        dropout and non-DNA ``info``). ``dataset.extra["simulation"]`` records the
        parameters.
    truth : polars.DataFrame
        One row per PM sample: ``pm``, ``body`` (fragments of one body share it),
        ``family`` and ``missing`` (both null for remains that match nobody).
    families : polars.DataFrame
        One row per family: ``family``, ``shape`` (a key of :data:`DEFAULT_SHAPES`),
        ``n_missing``, ``n_typed``.
    profiles : dict
        True (undegraded) profile of every body, ``{body: {marker: (a, b)}}``.
    evidence_truth : polars.DataFrame or None
        With simulated evidence (``evidence=True``), the true non-DNA attributes behind the
        AM records and PM findings: one row per registered missing person and per body's
        person, columns of :data:`EVIDENCE_TRUTH_SCHEMA` (``person``, ``family``, ``body``,
        ``registered``, ``sex``, ``age_missing``, ``age_death`` (fractional years),
        ``date_missing``, ``date_death``, ``stature_missing``, ``stature_death`` (cm),
        ``place_missing``). ``None`` otherwise.
    """

    dataset: DviDataset
    truth: pl.DataFrame
    families: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"family": pl.String, "shape": pl.String, "n_missing": pl.Int64,
                "n_typed": pl.Int64}))
    profiles: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    evidence_truth: pl.DataFrame | None = None

    @property
    def pm_to_missing(self) -> dict[str, str | None]:
        """``{pm id: true missing id or None}``, the ``truth`` map of the reference files."""
        return dict(zip(self.truth["pm"].to_list(), self.truth["missing"].to_list()))

    def sample_evidence_truth(self) -> pl.DataFrame:
        """One row per PM sample (in ``truth`` order): ``pm``, ``body`` and the true
        non-DNA attributes of the body's person (the columns of :attr:`evidence_truth`).

        Raises
        ------
        InputError
            The programme was simulated without evidence.
        """
        if self.evidence_truth is None:
            raise InputError("no simulated evidence: simulate with evidence=True")
        bodies = self.evidence_truth.filter(pl.col("body").is_not_null())
        return self.truth.select("pm", "body").join(bodies, on="body", how="left",
                                                    maintain_order="left")

    def to_dict(self) -> dict[str, Any]:
        """The dataset's JSON dictionary with the ground truth embedded.

        Besides the dataset format (``docs/case-format.md``) it carries ``"truth"``
        (``{pm: missing id or null}``, as the simulated reference datasets
        ``scaling_*.json``), ``"truth_detail"`` (body of each PM sample, shape of each family,
        true profile of each body), and, on each PM sample, ``site``, ``dropout`` and
        ``info``; on each family, ``info``; with simulated evidence, ``truth_detail``
        also holds ``"evidence"`` (:attr:`evidence_truth` as columns).
        """
        out = self.dataset.to_dict()
        for rec, s in zip(out["pm"], self.dataset.pm, strict=True):
            rec.setdefault("site", s.site)
            rec.setdefault("dropout", s.dropout)
            rec.setdefault("info", s.info)
        for rec, f in zip(out["am"], self.dataset.am, strict=True):
            rec.setdefault("info", f.info)
        out["truth"] = self.pm_to_missing
        out["truth_detail"] = {
            "body": dict(zip(self.truth["pm"].to_list(), self.truth["body"].to_list())),
            "shape": dict(zip(self.families["family"].to_list(),
                              self.families["shape"].to_list())),
            "profiles": {b: {m: list(g) for m, g in p.items()}
                         for b, p in self.profiles.items()}}
        if self.evidence_truth is not None:
            out["truth_detail"]["evidence"] = self.evidence_truth.to_dict(as_series=False)
        return out

    def save(self, path: str | Path) -> None:
        """Write the programme as dataset JSON with its truth (temporary file, then rename).

        One line per marker, PM sample and family, so that large programmes stay compact and
        diffs stay readable. :func:`load_case` reads the file as a plain dataset;
        :meth:`load` reads the truth too.
        """
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(_dumps(self.to_dict()), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> SimulatedProgramme:
        """Read a programme written by :meth:`save` (see :func:`load_programme`)."""
        return load_programme(path)


def load_programme(path: str | Path) -> SimulatedProgramme:
    """Read a simulated programme: the dataset and its ground truth.

    Parameters
    ----------
    path : str or Path
        A file written by :meth:`SimulatedProgramme.save`, or any dataset JSON with a
        ``"truth"`` map (such as the reference ``scaling_*.json``); then ``body`` is the PM
        id and ``family`` is looked up from the missing person.

    Raises
    ------
    InputError
        Unreadable file, malformed JSON, not a dataset, or no ``"truth"``.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"file {str(path)!r}: cannot read: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"file {str(path)!r}, line {exc.lineno}, column {exc.colno}: "
                         f"malformed JSON: {exc.msg}") from exc
    dataset = case_from_dict(data, source=str(path))
    if not isinstance(dataset, DviDataset):
        raise InputError(f"file {str(path)!r}: not an identification dataset (kind 'dvi')")
    truth_map = dataset.extra.pop("truth", None)
    detail = dataset.extra.pop("truth_detail", None) or {}
    if not isinstance(truth_map, Mapping):
        raise InputError(f"file {str(path)!r}: no 'truth' map of PM samples to missing persons")
    for rec, s in zip(data.get("pm") or [], dataset.pm):
        s.site = str(rec.get("site", s.site) or "")
        s.dropout = float(rec.get("dropout", s.dropout) or 0.0)
        s.info = dict(rec.get("info", s.info) or {})
    for rec, f in zip(data.get("am") or [], dataset.am):
        f.info = dict(rec.get("info", f.info) or {})
    family_of = {m: f.id for f in dataset.am for m in f.missing}
    bodies = detail.get("body") or {}
    pms = [s.id for s in dataset.pm]
    unknown = sorted(set(truth_map) - set(pms))
    if unknown:
        raise InputError(f"file {str(path)!r}: truth names PM samples that are not in the "
                         f"dataset: {unknown[:5]}")
    missing = [truth_map.get(p) for p in pms]
    bad = sorted({m for m in missing if m is not None and m not in family_of})
    if bad:
        raise InputError(f"file {str(path)!r}: truth names missing persons that are in no "
                         f"family: {bad[:5]}")
    truth = pl.DataFrame({"pm": pms, "body": [str(bodies.get(p, p)) for p in pms],
                          "family": [None if m is None else family_of[m] for m in missing],
                          "missing": missing},
                         schema={c: pl.String for c in TRUTH_COLUMNS})
    shapes = detail.get("shape") or {}
    families = pl.DataFrame(
        {"family": [f.id for f in dataset.am],
         "shape": [shapes.get(f.id) for f in dataset.am],
         "n_missing": [len(f.missing) for f in dataset.am],
         "n_typed": [len(f.genotypes) for f in dataset.am]},
        schema={"family": pl.String, "shape": pl.String, "n_missing": pl.Int64,
                "n_typed": pl.Int64})
    profiles = {str(b): {str(m): (str(g[0]), str(g[1])) for m, g in p.items()}
                for b, p in (detail.get("profiles") or {}).items()}
    evidence = detail.get("evidence")
    evidence_truth = None if evidence is None else pl.DataFrame(
        {c: evidence.get(c, []) for c in EVIDENCE_TRUTH_SCHEMA}, schema=EVIDENCE_TRUTH_SCHEMA)
    return SimulatedProgramme(dataset, truth, families, profiles, evidence_truth)


def _dumps(data: Mapping[str, Any]) -> str:
    """JSON with one line per top-level key, and one line per item of top-level lists."""
    parts = []
    for key, value in data.items():
        head = f" {json.dumps(key)}: "
        if isinstance(value, list) and value:
            body = ",\n".join(f"  {json.dumps(v)}" for v in value)
            parts.append(f"{head}[\n{body}\n ]")
        elif isinstance(value, dict) and value and key.startswith("truth"):
            body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items())
            parts.append(f"{head}{{\n{body}\n }}")
        else:
            parts.append(head + json.dumps(value))
    return "{\n" + ",\n".join(parts) + "\n}\n"


# --- family shapes -----------------------------------------------------------------------------


class _Builder:
    """Records of one family's pedigree, with who is typed and who is missing."""

    def __init__(self, fid: str, rng: np.random.Generator) -> None:
        self.fid = fid
        self.rng = rng
        self.records: list[tuple[str, str | None, str | None, str]] = []
        self.typed: list[str] = []
        self.missing: list[str] = []

    def person(self, role: str, sex: str, parents: tuple[str, str] | None = None, *,
               typed: bool = False, missing: bool = False) -> str:
        ident = f"{self.fid}_{role}"
        fa, mo = parents if parents is not None else (None, None)
        self.records.append((ident, fa, mo, sex))
        if typed:
            self.typed.append(ident)
        if missing:
            self.missing.append(ident)
        return ident

    def sex(self, p_male: float = 0.5) -> str:
        return "M" if self.rng.random() < p_male else "F"

    def count(self, probs: Sequence[float]) -> int:
        """1 + an index drawn with ``probs``."""
        return 1 + int(np.searchsorted(np.cumsum(probs), self.rng.random() * sum(probs),
                                       side="right"))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def missing_children(self, parents: tuple[str, str], k: int, *, first: int = 1) -> None:
        for j in range(first, first + k):
            self.person(f"MP{j}", self.sex(MALE_MISSING), parents, missing=True)

    def typed_children(self, prefix: str, parents: tuple[str, str], n: int) -> None:
        for j in range(1, n + 1):
            self.person(f"{prefix}{j}", self.sex(), parents, typed=True)

    def untyped_parents(self) -> tuple[str, str]:
        return self.person("FA", "M"), self.person("MO", "F")


def _parents(b: _Builder, k: int) -> None:
    parents = b.person("FA", "M", typed=True), b.person("MO", "F", typed=True)
    b.missing_children(parents, k)
    b.typed_children("S", parents, int(b.chance(0.4)))


def _parent_siblings(b: _Builder, k: int) -> None:
    mother_typed = b.chance(0.75)
    father_missing = mother_typed and k >= 2 and b.chance(0.35)
    parents = (b.person("FA", "M", typed=not mother_typed, missing=father_missing),
               b.person("MO", "F", typed=mother_typed))
    b.missing_children(parents, k - father_missing)
    b.typed_children("S", parents, b.count((0.45, 0.35, 0.2)))


def _spouse_children(b: _Builder, k: int) -> None:
    mp_sex = b.sex(MALE_MISSING_PARENT)
    mp = b.person("MP1", mp_sex, missing=True)
    spouse = b.person("SP", "F" if mp_sex == "M" else "M", typed=True)
    parents = (mp, spouse) if mp_sex == "M" else (spouse, mp)
    b.typed_children("C", parents, b.count((0.4, 0.4, 0.2)))
    b.missing_children(parents, k - 1, first=2)


def _siblings(b: _Builder, k: int) -> None:
    parents = b.untyped_parents()
    b.missing_children(parents, k)
    b.typed_children("S", parents, b.count((0.25, 0.45, 0.3)))


def _half_siblings(b: _Builder, k: int) -> None:
    fa, mo = b.untyped_parents()
    b.missing_children((fa, mo), k)
    other_typed = b.chance(0.4)
    if b.chance(0.6):
        parents = (b.person("HF", "M", typed=other_typed), mo)
    else:
        parents = (fa, b.person("HM", "F", typed=other_typed))
    b.typed_children("H", parents, b.count((0.5, 0.35, 0.15)))


def _nephew(b: _Builder, k: int) -> None:
    parents = b.untyped_parents()
    b.missing_children(parents, k)
    sib_sex = b.sex()
    sib = b.person("SB", sib_sex, parents)
    partner = b.person("SBP", "F" if sib_sex == "M" else "M", typed=b.chance(0.4))
    b.typed_children("N", (sib, partner) if sib_sex == "M" else (partner, sib),
                     b.count((0.6, 0.4)))


def _grandparents(b: _Builder, k: int) -> tuple[str, str]:
    """The missing children of untyped parents, one of whom (drawn) is the child of the
    untyped grandparents returned: the link to aunts, uncles and cousins."""
    grandparents = b.person("GF", "M"), b.person("GM", "F")
    if b.chance(0.5):
        parents = b.person("FA", "M", grandparents), b.person("MO", "F")
    else:
        parents = b.person("FA", "M"), b.person("MO", "F", grandparents)
    b.missing_children(parents, k)
    return grandparents


def _cousin_aunt(b: _Builder, k: int) -> None:
    grandparents = _grandparents(b, k)
    b.person("AU", "F", grandparents, typed=True)
    uncle = b.person("UN", "M", grandparents)
    b.person("CO", b.sex(), (uncle, b.person("UW", "F")), typed=True)


def _parent_sibling(b: _Builder, k: int) -> tuple[str, str]:
    """The missing children of untyped parents, one of whose parents has a full sibling
    (returned with his or her sex drawn): the link of the single-reference shapes."""
    grandparents = _grandparents(b, k)
    sex = b.sex()
    return b.person("UN" if sex == "M" else "AU", sex, grandparents), sex


def _uncle(b: _Builder, k: int) -> None:
    ident, _ = _parent_sibling(b, k)
    b.typed.append(ident)


def _cousin(b: _Builder, k: int) -> None:
    link, sex = _parent_sibling(b, k)
    other = b.person("UW" if sex == "M" else "AH", "F" if sex == "M" else "M")
    b.person("CO", b.sex(), (link, other) if sex == "M" else (other, link), typed=True)


def _half_sibling(b: _Builder, k: int) -> None:
    fa, mo = b.untyped_parents()
    b.missing_children((fa, mo), k)
    parents = (b.person("HF", "M"), mo) if b.chance(0.5) else (fa, b.person("HM", "F"))
    b.typed_children("H", parents, 1)


_SHAPE_BUILDERS = {"parents": _parents, "parent_siblings": _parent_siblings,
                   "spouse_children": _spouse_children, "siblings": _siblings,
                   "half_siblings": _half_siblings, "nephew": _nephew,
                   "cousin_aunt": _cousin_aunt, "cousin": _cousin,
                   "half_sibling": _half_sibling, "uncle": _uncle}


# --- vectorised gene dropping ------------------------------------------------------------------


def _row_cdf(weights: np.ndarray) -> np.ndarray:
    """Cumulative rows scaled to end at exactly 1 (x / x == 1 in IEEE arithmetic)."""
    cum = np.cumsum(weights, axis=-1)
    return cum / cum[..., -1:]


def _draw_rows(rng: np.random.Generator, cdf: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One index drawn from row ``rows[i]`` of the cumulative table ``cdf`` for each i.

    Adding the row number to each row makes the flattened table increasing, so one
    ``searchsorted`` draws from every row at once.
    """
    n_cols = cdf.shape[1]
    flat = (cdf + np.arange(cdf.shape[0])[:, None]).ravel()
    pos = np.searchsorted(flat, rows + rng.random(len(rows)), side="right") - rows * n_cols
    return np.clip(pos, 0, n_cols - 1)


@dataclass
class _Population:
    """All individuals of all families (and the unrelated bodies) as one set of arrays."""

    father: np.ndarray
    mother: np.ndarray
    group: np.ndarray  # founders of one group share subpopulation frequencies (theta)
    n_groups: int

    def generations(self) -> list[np.ndarray]:
        has = self.father >= 0
        depth = np.zeros(len(self.father), dtype=np.int64)
        while True:
            new = np.where(has, 1 + np.maximum(depth[self.father], depth[self.mother]), 0)
            if np.array_equal(new, depth):
                break
            depth = new
        return [np.flatnonzero(depth == d) for d in range(1, int(depth.max()) + 1)]


def _gene_drop(pop: _Population, markers: Sequence[Marker], rng: np.random.Generator, *,
               theta: float, mutation: bool) -> tuple[np.ndarray, np.ndarray]:
    """Genotypes of everyone as allele indices ``(lo, hi)``, each of shape (n, n_markers)."""
    n = len(pop.father)
    lo = np.empty((n, len(markers)), dtype=np.int16)
    hi = np.empty_like(lo)
    founders = np.flatnonzero(pop.father < 0)
    founder_rows = np.repeat(pop.group[founders], 2)
    generations = pop.generations()
    for m, marker in enumerate(markers):
        freqs = np.asarray(marker.frequencies, dtype=np.float64)
        if theta > 0.0:
            # Balding-Nichols: each group's founders draw from its own subpopulation
            # frequencies, Dirichlet(p (1 - theta) / theta) (the Pólya-urn equivalent).
            sub = rng.dirichlet(freqs / freqs.sum() * (1.0 - theta) / theta, size=pop.n_groups)
            drawn = _draw_rows(rng, _row_cdf(sub), founder_rows)
        else:
            drawn = _draw_rows(rng, _row_cdf(freqs)[None, :],
                               np.zeros(len(founder_rows), dtype=np.int64))
        alleles = np.empty((n, 2), dtype=np.int64)
        alleles[founders] = drawn.reshape(-1, 2)
        matrices = marker.matrices if mutation else None
        cdfs = None if matrices is None else (_row_cdf(matrices[1]), _row_cdf(matrices[0]))
        for kids in generations:
            pick = rng.integers(0, 2, size=(len(kids), 2))
            paternal = alleles[pop.father[kids], pick[:, 0]]
            maternal = alleles[pop.mother[kids], pick[:, 1]]
            if cdfs is not None:
                paternal = _draw_rows(rng, cdfs[0], paternal)
                maternal = _draw_rows(rng, cdfs[1], maternal)
            alleles[kids, 0] = paternal
            alleles[kids, 1] = maternal
        lo[:, m] = alleles.min(axis=1)
        hi[:, m] = alleles.max(axis=1)
    return lo, hi


class _Labels:
    """Allele-index genotypes to ``{marker: (a, b)}`` profiles."""

    def __init__(self, markers: Sequence[Marker], lo: np.ndarray, hi: np.ndarray) -> None:
        self.names = [m.name for m in markers]
        self.table = [[[(a, b) for b in m.alleles] for a in m.alleles] for m in markers]
        self.lo, self.hi = lo, hi

    def profile(self, i: int) -> dict[str, tuple[str, str]]:
        return {name: tab[a][b] for name, tab, a, b in
                zip(self.names, self.table, self.lo[i].tolist(), self.hi[i].tolist())}


# --- the programme -----------------------------------------------------------------------------


def _fraction(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{name} must lie in [0, 1], got {value}")
    return value


def _range(name: str, value: float | tuple[float, float]) -> tuple[float, float]:
    lo, hi = (value, value) if isinstance(value, (int, float)) else value
    lo, hi = _fraction(name, lo), _fraction(name, hi)
    if lo > hi:
        raise InputError(f"{name} range ({lo}, {hi}) is empty")
    return lo, hi


def _missing_weights(spec: tuple[int, int] | Mapping[int, float]) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    if isinstance(spec, Mapping):
        ks = np.array(sorted(spec), dtype=np.int64)
        w = np.array([float(spec[k]) for k in ks])
    else:
        lo, hi = (int(x) for x in spec)
        if lo > hi:
            raise InputError(f"missing_per_family range ({lo}, {hi}) is empty")
        ks = np.arange(lo, hi + 1)
        w = 0.5 ** (ks - lo)
    if len(ks) == 0 or ks.min() < 1 or (w < 0).any() or w.sum() <= 0:
        raise InputError(f"missing_per_family must give positive weights to counts >= 1, "
                         f"got {spec!r}")
    return ks, w / w.sum()


def _shape_weights(shapes: Mapping[str, float] | Sequence[str]) -> tuple[list[str], np.ndarray]:
    spec = dict(shapes) if isinstance(shapes, Mapping) else dict.fromkeys(shapes, 1.0)
    unknown = [s for s in spec if s not in _SHAPE_BUILDERS]
    if unknown:
        raise InputError(f"unknown family shapes {unknown}; expected some of "
                         f"{', '.join(_SHAPE_BUILDERS)}")
    w = np.array([float(v) for v in spec.values()])
    if not spec or (w < 0).any() or w.sum() <= 0:
        raise InputError(f"shapes must give positive weights, got {shapes!r}")
    return list(spec), w / w.sum()


def _dates(rng: np.random.Generator, years: tuple[int, int], n: int) -> list[str]:
    start = date(years[0], 1, 1).toordinal()
    days = date(years[1], 12, 31).toordinal() - start + 1
    return [date.fromordinal(start + int(d)).isoformat() for d in rng.integers(0, days, n)]


def _mutation_summary(markers: Sequence[Marker]) -> str:
    specs = {None if m.mutation is None else json.dumps(m.mutation.to_dict())
             for m in markers}
    if specs == {None}:
        return "no mutation"
    if len(specs) > 1:
        return "mutation models per marker"
    mut = markers[0].mutation
    assert mut is not None
    return (f"{mut.female.model} mutation model (female {mut.female.rate:g}, "
            f"male {mut.male.rate:g})")


def _simulation_markers(markers: list[Marker], simulate_markers: Sequence[Marker] | None,
                        ) -> list[Marker]:
    """The markers to gene-drop with: ``simulate_markers`` when given, which must have the
    names and alleles of ``markers`` in the same order."""
    if simulate_markers is None:
        return markers
    sim = list(simulate_markers)
    if [(m.name, m.alleles) for m in sim] != [(m.name, m.alleles) for m in markers]:
        raise InputError("simulate_markers must have the names and alleles of markers, "
                         "in the same order")
    return sim


def simulate_programme(n_families: int, n_pm: int, *, markers: Sequence[Marker], seed: Seed,
                       missing_per_family: tuple[int, int] | Mapping[int, float] = (1, 4),
                       shapes: Mapping[str, float] | Sequence[str] | None = None,
                       fraction_identifiable: float | None = None,
                       fragments: float = 0.1,
                       unrelated: float | None = None,
                       dropout_range: tuple[float, float] = (0.0, 0.3),
                       marker_loss: float | tuple[float, float] = (0.0, 0.2),
                       unknown_sex: float = 0.1,
                       mean_grave_size: float = 3.0,
                       theta: float = 0.0,
                       mutation: bool = True,
                       name: str = "simulated_programme",
                       description: str = "",
                       evidence: bool | EvidenceModel = False,
                       simulate_markers: Sequence[Marker] | None = None,
                       ) -> SimulatedProgramme:
    """A synthetic identification programme with ground truth.

    Each family is drawn from a mix of reference shapes (:data:`DEFAULT_SHAPES`) with
    1-4 missing persons in one pedigree (two missing brothers, a missing father and son) and
    1-5 typed relatives. The genotypes of the whole pedigree are gene-dropped with the
    markers' mutation models; the relatives' profiles are kept complete. A number of the
    missing persons are *found*: their bodies, and some unrelated bodies (people nobody in
    the programme searches for, random profiles), become the PM samples. Bodies lie in
    graves of several bodies, the found members of a family often in the same grave
    (commingled graves); some bodies give two or three fragments, each a separate PM sample
    degraded independently (per-sample dropout drawn from ``dropout_range``, and whole
    markers lost). The sex of a sample is its body's, sometimes undetermined (``"U"``).

    Non-DNA records are random placeholders (synthetic, with no meaning beyond their types):
    each missing person's ``Family.info`` has ``age`` (at disappearance), ``date_missing``
    (1980-2000) and ``place_missing`` (a district code); each PM sample has ``site`` (its
    grave) and ``info`` with ``age_min``, ``age_max`` (an anthropological estimate, usually
    but not always covering the true age), ``date_recovered`` and ``district``.

    Parameters
    ----------
    n_families : int
        Number of reference families.
    n_pm : int
        Number of PM samples (fragments included).
    markers : sequence of Marker
        Markers with frequencies and mutation models (kept in the dataset).
    seed : int or numpy.random.Generator
        The same integer gives the same programme.
    missing_per_family : (int, int) or mapping of int to float
        Range of missing persons per family, weights halving with each extra person
        (for (1, 4): 53%, 27%, 13%, 7%); or explicit ``{count: weight}``.
    shapes : mapping of str to float or sequence of str, optional
        Family shapes and their weights (a sequence: equal weights); default
        :data:`DEFAULT_SHAPES`.
    fraction_identifiable : float, optional
        Fraction of the programme's missing persons whose remains are among the PM samples;
        the bodies left over are unrelated remains. Give this or ``unrelated``, not both.
    fragments : float
        Fraction of bodies that give several PM samples (two, or three in
        :data:`THREE_FRAGMENTS` of them).
    unrelated : float, optional
        Fraction of bodies that belong to nobody searched for (default 0.1 when
        ``fraction_identifiable`` is not given); the other bodies are missing persons drawn
        at random from all families.
    dropout_range : (float, float)
        Each PM sample's per-allele dropout probability is uniform in this range.
    marker_loss : float or (float, float)
        Probability that a PM sample's marker fails entirely, uniform per sample in the range.
    unknown_sex : float
        Probability that a PM sample's sex is undetermined.
    mean_grave_size : float
        Mean number of bodies per grave (geometric sizes, at least one); a family's bodies
        buried together can make a grave larger.
    theta : float
        Coancestry of the founders of each family (Balding-Nichols), 0 <= theta < 1; also
        the dataset's theta. Each unrelated body is drawn from its own subpopulation.
    mutation : bool
        Gene-drop with the markers' mutation models; ``False`` for Mendelian transmission.
    name, description : str
        Dataset id, and text put before the generated description.
    simulate_markers : sequence of Marker, optional
        Gene-drop with these markers' mutation models instead of ``markers``' (a world whose
        mutation process is not the one analysed, e.g.
        :func:`~forensic_match.dvi.scenarios.onestep_markers`); same names and alleles, in
        the same order. The dataset states ``markers``.
    evidence : bool or EvidenceModel
        Replace the placeholders by non-DNA records simulated from the truth (``True``: the
        default :class:`EvidenceModel`; see ``docs/simulation-evidence.md``): true ages by
        role, sex, stature, dates (a family buried together shares its date) and districts
        (places of disappearance near the graves, coordinates in
        ``dataset.extra["district_coordinates"]``), the reported AM records and the PM
        findings, and the truth behind them in :attr:`SimulatedProgramme.evidence_truth`.
        The evidence has a random stream of its own: the genotypes, graves and truth map are
        those of ``evidence=False`` for the same seed.

    Returns
    -------
    SimulatedProgramme

    Raises
    ------
    InputError
        Parameters out of range, an unknown shape, or more bodies of missing persons than
        the families hold (or than the PM samples can take).

    Examples
    --------
    >>> from forensic_match.markers import Marker
    >>> m = [Marker(f"M{k}", ["1", "2", "3"], [0.2, 0.3, 0.5]) for k in range(5)]
    >>> prog = simulate_programme(20, 15, markers=m, seed=1)
    >>> len(prog.dataset.am), len(prog.dataset.pm), prog.truth.columns
    (20, 15, ['pm', 'body', 'family', 'missing'])
    """
    if n_families < 1 or n_pm < 1:
        raise InputError(f"need at least one family and one PM sample, got n_families="
                         f"{n_families}, n_pm={n_pm}")
    markers = list(markers)
    if not markers:
        raise InputError("no markers")
    sim_markers = _simulation_markers(markers, simulate_markers)
    if not 0.0 <= theta < 1.0:
        raise InputError(f"theta must lie in [0, 1), got {theta}")
    if fraction_identifiable is not None and unrelated is not None:
        raise InputError("give fraction_identifiable or unrelated, not both")
    fragments = _fraction("fragments", fragments)
    unknown_sex = _fraction("unknown_sex", unknown_sex)
    d_lo, d_hi = _range("dropout_range", dropout_range)
    l_lo, l_hi = _range("marker_loss", marker_loss)
    if l_hi >= 1.0:
        raise InputError("marker_loss must be below 1 (a PM sample needs some markers)")
    if mean_grave_size < 1.0:
        raise InputError(f"mean_grave_size must be at least 1, got {mean_grave_size}")
    model = _evidence_model(evidence)
    counts, count_w = _missing_weights(missing_per_family)
    shape_names, shape_w = _shape_weights(DEFAULT_SHAPES if shapes is None else shapes)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    width = max(4, len(str(n_families)))
    fam_shape = np.searchsorted(np.cumsum(shape_w), rng.random(n_families) * shape_w.sum(),
                                side="right").clip(0, len(shape_names) - 1)
    fam_k = counts[np.searchsorted(np.cumsum(count_w), rng.random(n_families) * count_w.sum(),
                                   side="right").clip(0, len(counts) - 1)]
    peds: list[Pedigree] = []
    builders: list[_Builder] = []
    fathers, mothers = [], []
    offset = 0
    for f in range(n_families):
        b = _Builder(f"F{f + 1:0{width}d}", rng)
        _SHAPE_BUILDERS[shape_names[fam_shape[f]]](b, int(fam_k[f]))
        ped = Pedigree.from_records(b.records)
        fathers.append(np.where(ped.father >= 0, ped.father + offset, -1))
        mothers.append(np.where(ped.mother >= 0, ped.mother + offset, -1))
        offset += len(ped)
        peds.append(ped)
        builders.append(b)
    n_people = offset
    ped_offset = np.cumsum([0] + [len(p) for p in peds[:-1]])
    # Global index, id and family of every missing person.
    miss_idx = np.array([o + p.index(m) for o, p, b in zip(ped_offset, peds, builders)
                         for m in b.missing], dtype=np.int64)
    miss_ids = [m for b in builders for m in b.missing]
    miss_fam = np.repeat(np.arange(n_families), [len(b.missing) for b in builders])
    n_missing = len(miss_idx)

    # Bodies and their fragments: draw sample counts per body until n_pm samples.
    per_body = 1 + (rng.random(n_pm) < fragments) * (1 + (rng.random(n_pm) < THREE_FRAGMENTS))
    cum = np.cumsum(per_body)
    n_bodies = int(np.searchsorted(cum, n_pm) + 1)
    per_body = per_body[:n_bodies]
    per_body[-1] -= int(cum[n_bodies - 1] - n_pm)
    if fraction_identifiable is not None:
        n_found = int(round(_fraction("fraction_identifiable", fraction_identifiable)
                            * n_missing))
        if n_found > n_bodies:
            raise InputError(f"fraction_identifiable={fraction_identifiable} asks for "
                             f"{n_found} bodies of missing persons, but {n_pm} PM samples "
                             f"come from {n_bodies} bodies; raise n_pm")
    else:
        share = _fraction("unrelated", 0.1 if unrelated is None else unrelated)
        n_found = n_bodies - int(round(share * n_bodies))
        if n_found > n_missing:
            raise InputError(f"{n_pm} PM samples need {n_found} bodies of missing persons, "
                             f"but the {n_families} families have {n_missing} missing "
                             f"persons; lower n_pm or raise unrelated")
    n_unrel = n_bodies - n_found
    found = np.sort(rng.choice(n_missing, size=n_found, replace=False))

    pop = _Population(
        father=np.concatenate(fathers + [np.full(n_unrel, -1)]).astype(np.int64),
        mother=np.concatenate(mothers + [np.full(n_unrel, -1)]).astype(np.int64),
        group=np.concatenate([np.repeat(np.arange(n_families), [len(p) for p in peds]),
                              n_families + np.arange(n_unrel)]),
        n_groups=n_families + n_unrel)
    lo, hi = _gene_drop(pop, sim_markers, rng, theta=theta, mutation=mutation)
    labels = _Labels(markers, lo, hi)

    # Non-DNA placeholders for the missing persons.
    n_districts = max(5, n_families // 50)
    fam_district = rng.integers(1, n_districts + 1, n_families)
    fam_date = np.array(_dates(rng, DISAPPEARANCE_YEARS, n_families))
    own_date = rng.random(n_missing) >= SAME_EVENT
    miss_date = np.where(own_date, _dates(rng, DISAPPEARANCE_YEARS, n_missing),
                         fam_date[miss_fam])
    is_founder = pop.father[miss_idx] < 0
    miss_age = np.where(is_founder, rng.integers(25, 66, n_missing),
                        rng.integers(14, 46, n_missing))
    # A missing child of a missing parent is a generation younger.
    position = dict(zip(miss_idx.tolist(), range(n_missing)))
    gap = rng.integers(18, 31, n_missing)
    for k, i in enumerate(miss_idx.tolist()):
        for parent in (int(pop.father[i]), int(pop.mother[i])):
            if parent in position:
                miss_age[k] = max(5, miss_age[position[parent]] - gap[k])
    sex_code = np.concatenate([p.sex for p in peds])

    families = []
    k = 0
    for f, (b, ped) in enumerate(zip(builders, peds)):
        info = {}
        for m in b.missing:
            info[m] = {"age": int(miss_age[k]), "date_missing": str(miss_date[k]),
                       "place_missing": f"D{fam_district[f]:03d}"}
            k += 1
        genotypes = {r: labels.profile(int(ped_offset[f] + ped.index(r))) for r in b.typed}
        families.append(Family(b.fid, ped, list(b.missing), genotypes, info=info))

    # Bodies: found missing persons, then unrelated people (after the families' individuals).
    body_person = np.concatenate([miss_idx[found], n_people + np.arange(n_unrel)])
    body_missing = np.concatenate([found, np.full(n_unrel, -1)])
    order = rng.permutation(n_bodies)
    body_person, body_missing = body_person[order], body_missing[order]
    body_ids = [f"B{j + 1:0{width}d}" for j in range(n_bodies)]

    # Graves: a family's found members together with probability SAME_GRAVE.
    clusters: list[list[int]] = []
    by_family: dict[int, list[int]] = {}
    for j, mi in enumerate(body_missing.tolist()):
        if mi < 0:
            clusters.append([j])
        else:
            by_family.setdefault(int(miss_fam[mi]), []).append(j)
    for members in by_family.values():
        if len(members) > 1 and rng.random() < SAME_GRAVE:
            clusters.append(members)
        else:
            clusters.extend([j] for j in members)
    clusters = [clusters[c] for c in rng.permutation(len(clusters))]
    body_grave = np.empty(n_bodies, dtype=np.int64)
    grave_first: list[int] = []
    c = 0
    while c < len(clusters):
        size = int(rng.geometric(1.0 / mean_grave_size))
        grave_first.append(clusters[c][0])
        held = 0
        while c < len(clusters) and (held == 0 or held + len(clusters[c]) <= size):
            body_grave[clusters[c]] = len(grave_first) - 1
            held += len(clusters[c])
            c += 1
    n_graves = len(grave_first)
    grave_ids = [f"G{g + 1:0{width}d}" for g in range(n_graves)]
    grave_date = _dates(rng, RECOVERY_YEARS, n_graves)
    grave_district = [
        (f"D{fam_district[miss_fam[body_missing[j]]]:03d}" if body_missing[j] >= 0
         else f"D{rng.integers(1, n_districts + 1):03d}") for j in grave_first]

    # True ages of bodies (unrelated: random adults) and PM samples.
    body_age = np.where(body_missing >= 0, miss_age[np.maximum(body_missing, 0)],
                        rng.integers(15, 71, n_bodies))
    # Unrelated remains: mostly men, like the missing (sex codes 1 male, 2 female).
    body_sex = np.where(body_missing >= 0, sex_code[np.minimum(body_person, n_people - 1)],
                        np.where(rng.random(n_bodies) < MALE_MISSING, 1, 2))
    sample_body = np.repeat(np.arange(n_bodies), per_body)
    sample_body = sample_body[rng.permutation(n_pm)]
    dropout = rng.uniform(d_lo, d_hi, n_pm)
    loss = rng.uniform(l_lo, l_hi, n_pm)
    sex_unknown = rng.random(n_pm) < unknown_sex
    width_age = rng.choice([6, 10, 16], size=n_pm)
    centre = body_age[sample_body] + rng.normal(0.0, 4.0, n_pm)
    pm_width = max(4, len(str(n_pm)))
    true_profiles = {body_ids[j]: labels.profile(int(body_person[j])) for j in range(n_bodies)}
    samples, truth_rows = [], []
    for s in range(n_pm):
        j = int(sample_body[s])
        profile = true_profiles[body_ids[j]]
        genotypes: dict[str, Any] = {}
        while not genotypes:
            genotypes = degrade(profile, dropout=float(dropout[s]), seed=rng,
                                marker_loss=float(loss[s]))
        age_min = max(0, int(round(centre[s] - width_age[s] / 2)))
        g = int(body_grave[j])
        pid = f"PM{s + 1:0{pm_width}d}"
        sex = "U" if sex_unknown[s] else ("M" if body_sex[j] == 1 else "F")
        samples.append(PMSample(pid, sex, genotypes, site=grave_ids[g],
                                dropout=float(dropout[s]),
                                info={"age_min": age_min, "age_max": age_min + int(width_age[s]),
                                      "date_recovered": grave_date[g],
                                      "district": grave_district[g]}))
        mi = int(body_missing[j])
        truth_rows.append((pid, body_ids[j],
                           None if mi < 0 else builders[miss_fam[mi]].fid,
                           None if mi < 0 else miss_ids[mi]))

    evidence_truth = None
    if model is not None:
        # Bodies as persons: the missing persons (found or not), then the unrelated bodies.
        ev_rng = _evidence_rng(seed)
        districts = _Districts(n_districts, ev_rng, model.district_spacing_km)
        body_of = {int(p): body_ids[j] for j, p in enumerate(body_person.tolist())}
        person_of_body = np.where(body_missing >= 0, body_missing,
                                  n_missing + body_person - n_people)
        # The unrelated persons in the order of their index, each with its body.
        unrel_j = np.empty(n_unrel, dtype=np.int64)
        unrel_j[person_of_body[body_missing < 0] - n_missing] = np.flatnonzero(body_missing < 0)
        grave_d = np.array([int(c[1:]) - 1 for c in grave_district], dtype=np.int64)
        # A found person disappeared near the grave: one draw per family and grave, so
        # that a family buried together shares its place, and its family date.
        grave_of = dict(zip(person_of_body.tolist(), body_grave.tolist()))
        found_k = np.sort(body_missing[body_missing >= 0]).tolist()
        home = np.concatenate([fam_district[miss_fam] - 1, np.zeros(n_unrel, dtype=np.int64)])
        in_grave = Counter((int(miss_fam[k]), grave_of[k]) for k in found_k)
        together = {k for k in found_k if in_grave[(int(miss_fam[k]), grave_of[k])] > 1}
        cluster_keys = sorted(in_grave)
        near = districts.near(ev_rng, grave_d[[g for _, g in cluster_keys]],
                              model.burial_district)
        place = dict(zip(cluster_keys, near.tolist()))
        for k in found_k:
            home[k] = place[(int(miss_fam[k]), grave_of[k])]
        home[n_missing:] = districts.near(ev_rng, grave_d[body_grave[unrel_j]],
                                          model.burial_district)
        dates = [str(fam_date[miss_fam[k]]) if k in together else str(miss_date[k])
                 for k in range(n_missing)]
        dates += _dates(ev_rng, DISAPPEARANCE_YEARS, n_unrel)
        father = pop.father[miss_idx]
        mother = pop.mother[miss_idx]
        ev = _simulate_evidence(model, ev_rng, districts, _EvidenceInput(
            person=miss_ids + [f"U{u + 1:0{width}d}" for u in range(n_unrel)],
            family=[builders[f].fid for f in miss_fam.tolist()] + [None] * n_unrel,
            body=[body_of.get(int(i)) for i in miss_idx.tolist()]
            + [body_ids[j] for j in unrel_j.tolist()],
            registered=[True] * n_missing + [False] * n_unrel,
            sex=["M" if sex_code[i] == 1 else "F" for i in miss_idx.tolist()]
            + ["M" if body_sex[j] == 1 else "F" for j in unrel_j.tolist()],
            age=np.concatenate([miss_age, body_age[unrel_j]]),
            date_missing=dates, home=home,
            sibship=[None if fa < 0 else (int(fa), int(mo))
                     for fa, mo in zip(father.tolist(), mother.tolist())] + [None] * n_unrel,
            sample_person=person_of_body[sample_body], sample_grave=body_grave[sample_body],
            grave_district=grave_d, grave_date=list(grave_date)))
        for sample, info in zip(samples, ev.pm, strict=True):
            sample.info = info
        for fam in families:
            fam.info = {m: ev.am[m] for m in fam.missing}
        evidence_truth = ev.truth

    truth = pl.DataFrame(truth_rows, schema={c: pl.String for c in TRUTH_COLUMNS},
                         orient="row")
    fam_table = pl.DataFrame(
        {"family": [b.fid for b in builders],
         "shape": [shape_names[s] for s in fam_shape],
         "n_missing": [len(b.missing) for b in builders],
         "n_typed": [len(b.typed) for b in builders]},
        schema={"family": pl.String, "shape": pl.String, "n_missing": pl.Int64,
                "n_typed": pl.Int64})
    params = {"n_families": n_families, "n_pm": n_pm,
              "seed": seed if isinstance(seed, int) else None,
              "missing_per_family": (dict(missing_per_family)
                                     if isinstance(missing_per_family, Mapping)
                                     else list(missing_per_family)),
              "shapes": dict(zip(shape_names, shape_w.tolist())),
              "fraction_identifiable": fraction_identifiable, "fragments": fragments,
              "unrelated": None if fraction_identifiable is not None else
              (0.1 if unrelated is None else unrelated),
              "dropout_range": [d_lo, d_hi], "marker_loss": [l_lo, l_hi],
              "unknown_sex": unknown_sex, "mean_grave_size": mean_grave_size,
              "theta": theta, "mutation": mutation}
    if model is not None:
        params["evidence"] = model.to_dict()
    from forensic_match import __version__

    text = (f"Synthetic identification programme (forensic_match {__version__} "
            f"simulate_programme, seed {params['seed']}): {n_families} families of realistic "
            f"reference shapes with {n_missing} missing persons; {n_pm} PM samples from "
            f"{n_bodies} bodies in {n_graves} graves ({n_found} found missing persons, "
            f"{n_unrel} unrelated bodies, {int((per_body > 1).sum())} bodies in fragments), "
            f"per-sample dropout {d_lo:g}-{d_hi:g} and marker loss {l_lo:g}-{l_hi:g}; "
            f"{len(markers)} markers, {_mutation_summary(markers)}"
            f"{'' if mutation else ' (gene-dropped without mutation)'}, theta {theta:g}. "
            + ("Ground truth in 'truth'; ages, dates, places and sites are random placeholders."
               if model is None else
               "Ground truth in 'truth'; AM records and PM findings drawn from the true ages, "
               "sexes, statures, dates and districts with the stated error models "
               "(docs/simulation-evidence.md)."))
    extra: dict[str, Any] = {"simulation": {"generator": "forensic_match.dvi.simulate."
                                            "simulate_programme",
                                            "version": __version__, "parameters": params}}
    if model is not None:
        extra["district_coordinates"] = districts.coordinates()
    dataset = DviDataset(name, markers, samples, families, theta=theta,
                         description=f"{description} {text}".strip(), extra=extra)
    return SimulatedProgramme(dataset, truth, fam_table, true_profiles, evidence_truth)


# --- non-DNA evidence -------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceModel:
    """How the simulators draw antemortem (AM) records and postmortem (PM) findings.

    Every parameter is an error model's knob; ``docs/simulation-evidence.md`` gives the
    sources of the defaults or says that they are assumptions. Where the evidence LRs of
    :mod:`forensic_match.evidence` assume a population value (adult stature, reporting error,
    morphological sex error), the default here is the same, so that by default the data
    follow the model the LRs assume. Ages are in years, stature in
    centimetres, pairs are ``(men, women)`` unless stated.

    Attributes
    ----------
    stature_mean, stature_sd
        Adult stature, normal per sex (Peruvian adults born 1930-1980).
    sibling_stature_correlation
        Correlation of the adult statures of full siblings (a shared sibship component).
    stature_loss_from, stature_loss_per_year
        Stature lost with age after ``stature_loss_from`` years.
    child_stature
        ``(ages, men, women)``: share of adult stature reached at each age (interpolated).
    age_report_error, age_report_sd
        Share of adults (18 and over) whose reported age is off, and the spread of that error
        (normal, rounded); other reported ages are the completed years.
    stature_reported, stature_report_bias, stature_report_sd, stature_report_heaping
        Share of missing persons whose relatives give a stature; the reported stature is the
        true stature plus ``bias`` plus normal error, rounded to whole centimetres, or to
        5 cm for the ``heaping`` share.
    detained, detention_days
        Share of the missing killed after the day they disappeared, and the mean delay
        (exponential, days).
    age_coverage
        Stated coverage of the anthropologist's age-at-death interval.
    age_sd_child, age_sd_adult, adult_age
        Standard error of an age estimate: ``a + b * age`` below ``adult_age``,
        ``a + b * (age - adult_age)`` from it.
    age_limit
        Upper end of an open interval ("60 and over" is written 60-100).
    age_miscalibration
        True error spread over the stated one (1: honest intervals; 1.3: over-confident).
    age_estimate
        Share of PM samples that give a point estimate and its standard error
        (``age_estimate``, ``age_se``) besides the interval.
    sex_min_age, sex_undetermined, sex_error
        Morphological sex: ``"U"`` below ``sex_min_age`` and for the ``sex_undetermined``
        share of older remains; otherwise wrong with probability ``sex_error``.
    stature_estimated, stature_pm_sd, stature_pm_bias
        Share of PM samples with a bone-based stature estimate; its standard error
        ``(adult, child)`` (stated and true); a systematic bias of the formula.
    burial_district
        ``(same, neighbour)``: probability that a grave lies in the district where its dead
        disappeared, or in a neighbouring one; otherwise in any district.
    district_spacing_km
        Distance between the centres of neighbouring synthetic districts.
    early_recovery
        Share of graves recovered before 2002 (between the last burial and 2001).
    dental_chart, dental_examined, dental_observed, dental_error
        Distinctive evidence (its own random stream): share of registered missing persons
        aged 12 or more with a usable AM dental chart of the 28 permanent teeth, dated 0-5
        years before the disappearance; share of PM samples whose teeth are charted; share
        of teeth observable on a PM chart; probability that a charted tooth's state is
        recorded wrong (either side). Everyone's true teeth are drawn from the dental
        population the LRs assume (:mod:`forensic_match.evidence.dental`); no change between
        the AM chart and death is simulated.
    feature_rate, feature_reported, feature_examined, feature_detect
        Share of people with one distinctive feature (a healed fracture, an amputation...,
        one of :data:`FEATURE_CODES`, equally likely); share of those the relatives report;
        share of PM samples examined for every code (the codes not found are recorded as
        absent); probability that an examination finds a feature that is there.
    implant_rate, implant_serial
        Share of people with an implant (a femoral nail, one kind); probability that its
        serial number is known on each side (AM hospital record, PM reading).
    effects_described, effects_retained, effects_inventoried
        Personal effects (a stream of their own, drawn after the distinctive fields): each
        person wears each item of :data:`EFFECT_CATALOGUE` with its probability; share of
        registered persons whose relatives describe what they wore when taken; probability
        that a worn item is found with the body (the AM record states it as ``retained``,
        and ``frequency`` = wear probability x retained, as the LR assumes); share of bodies
        whose effects are inventoried (a body with nothing found has no inventory).
    effects_stated_retained, effects_stated_frequency
        What the AM record states, when it is not the truth: ``retained`` (None: the true
        ``effects_retained``) and a factor on ``frequency`` (1: wear x retained, the truth;
        below 1: families take their clothes for rarer than they are).
    """

    stature_mean: tuple[float, float] = (163.0, 151.0)
    stature_sd: tuple[float, float] = (6.5, 6.0)
    sibling_stature_correlation: float = 0.4
    stature_loss_from: float = 30.0
    stature_loss_per_year: float = 0.06
    child_stature: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]] = (
        (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18),
        (0.30, 0.43, 0.50, 0.54, 0.58, 0.62, 0.65, 0.69, 0.72, 0.75, 0.78, 0.81, 0.84, 0.88,
         0.92, 0.95, 0.97, 0.99, 1.0),
        (0.31, 0.45, 0.53, 0.57, 0.62, 0.66, 0.70, 0.74, 0.77, 0.81, 0.85, 0.89, 0.93, 0.96,
         0.98, 0.99, 1.0, 1.0, 1.0))
    age_report_error: float = 0.15
    age_report_sd: float = 2.0
    stature_reported: float = 0.7
    stature_report_bias: float = 2.0
    stature_report_sd: float = 4.0
    stature_report_heaping: float = 0.3
    detained: float = 0.1
    detention_days: float = 30.0
    age_coverage: float = 0.95
    age_sd_child: tuple[float, float] = (0.5, 0.08)
    age_sd_adult: tuple[float, float] = (2.5, 0.15)
    adult_age: float = 18.0
    age_limit: float = 100.0
    age_miscalibration: float = 1.0
    age_estimate: float = 0.5
    sex_min_age: float = 15.0
    sex_undetermined: float = 0.1
    sex_error: float = 0.05
    stature_estimated: float = 0.7
    stature_pm_sd: tuple[float, float] = (3.5, 4.5)
    stature_pm_bias: float = 0.0
    burial_district: tuple[float, float] = (0.75, 0.2)
    district_spacing_km: float = 20.0
    early_recovery: float = 0.0
    dental_chart: float = 0.1
    dental_examined: float = 0.8
    dental_observed: float = 0.8
    dental_error: float = 0.02
    feature_rate: float = 0.05
    feature_reported: float = 0.7
    feature_examined: float = 0.5
    feature_detect: float = 0.8
    implant_rate: float = 0.005
    implant_serial: float = 0.5
    effects_described: float = 0.5
    effects_retained: float = 0.5
    effects_inventoried: float = 0.8
    effects_stated_retained: float | None = None
    effects_stated_frequency: float = 1.0

    def __post_init__(self) -> None:
        for name in ("sibling_stature_correlation", "age_report_error", "stature_reported",
                     "stature_report_heaping", "detained", "age_estimate", "sex_undetermined",
                     "sex_error", "stature_estimated", "early_recovery", "dental_chart",
                     "dental_examined", "dental_observed", "dental_error", "feature_rate",
                     "feature_reported", "feature_examined", "feature_detect", "implant_rate",
                     "implant_serial", "effects_described", "effects_retained",
                     "effects_inventoried"):
            _fraction(name, getattr(self, name))
        if self.effects_stated_retained is not None:
            _fraction("effects_stated_retained", self.effects_stated_retained)
        if not 0.0 < self.effects_stated_frequency <= 1.0 / max(q for _, q in EFFECT_CATALOGUE):
            raise InputError(f"effects_stated_frequency must make every stated frequency a "
                             f"probability, got {self.effects_stated_frequency}")
        if not 0.0 < self.age_coverage < 1.0:
            raise InputError(f"age_coverage must lie in (0, 1), got {self.age_coverage}")
        same, near = self.burial_district
        if min(same, near) < 0 or same + near > 1:
            raise InputError(f"burial_district must be two probabilities summing to at most 1, "
                             f"got {self.burial_district}")
        if min(*self.stature_sd, *self.stature_pm_sd, self.stature_report_sd,
               self.age_report_sd, self.detention_days, self.age_miscalibration,
               self.district_spacing_km) < 0:
            raise InputError("EvidenceModel spreads, delays and distances must be >= 0")
        ages, men, women = self.child_stature
        if not len(ages) == len(men) == len(women) or list(ages) != sorted(ages):
            raise InputError("child_stature needs increasing ages and one share per age and sex")

    def to_dict(self) -> dict[str, Any]:
        """The parameters as JSON-ready values (tuples as lists)."""
        return json.loads(json.dumps(self.__dict__))

    def age_se(self, age: np.ndarray) -> np.ndarray:
        """Standard error of an anthropological age estimate at ``age`` (stated)."""
        age = np.asarray(age, dtype=np.float64)
        (ca, cb), (aa, ab) = self.age_sd_child, self.age_sd_adult
        return np.where(age < self.adult_age, ca + cb * age,
                        aa + ab * (age - self.adult_age))

    def age_interval(self, estimate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The anthropologist's interval for a point estimate: the true ages ``a`` with
        ``|estimate - a| <= z * age_se(a)``, ``z`` the normal quantile of
        :attr:`age_coverage`. With an estimate drawn as ``N(a, age_se(a))`` it holds the
        true age with probability ``age_coverage`` exactly (a confidence interval by
        inverting the test), and it widens with age as the standard error does.
        """
        est = np.asarray(estimate, dtype=np.float64)
        z = _normal_quantile((1.0 + self.age_coverage) / 2.0)
        (ca, cb), (aa, ab) = self.age_sd_child, self.age_sd_adult
        lo = np.full(est.shape, np.inf)
        hi = np.full(est.shape, -np.inf)
        # se(a) = alpha + beta * a on each piece [start, end).
        for alpha, beta, start, end in ((ca, cb, 0.0, self.adult_age),
                                        (aa - ab * self.adult_age, ab, self.adult_age, np.inf)):
            a = np.maximum(start, (est - z * alpha) / (1.0 + z * beta))
            b = np.minimum(end, (est + z * alpha) / (1.0 - z * beta) if z * beta < 1.0
                           else np.inf)
            ok = a <= b
            lo = np.where(ok, np.minimum(lo, a), lo)
            hi = np.where(ok, np.maximum(hi, b), hi)
        empty = lo > hi
        point = np.clip(est, 0.0, self.age_limit)
        return (np.where(empty, point, np.minimum(lo, self.age_limit)),
                np.where(empty, point, np.minimum(hi, self.age_limit)))

    def stature_at(self, adult: np.ndarray, male: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Stature at ``age`` of people whose adult stature is ``adult``."""
        ages, men, women = (np.asarray(x, dtype=np.float64) for x in self.child_stature)
        share = np.where(male, np.interp(age, ages, men), np.interp(age, ages, women))
        loss = self.stature_loss_per_year * np.maximum(0.0, age - self.stature_loss_from)
        return adult * share - loss


EVIDENCE_TRUTH_SCHEMA: dict[str, Any] = {
    "person": pl.String, "family": pl.String, "body": pl.String, "registered": pl.Boolean,
    "sex": pl.String, "age_missing": pl.Float64, "age_death": pl.Float64,
    "date_missing": pl.String, "date_death": pl.String, "stature_missing": pl.Float64,
    "stature_death": pl.Float64, "place_missing": pl.String}


def _evidence_model(evidence: bool | EvidenceModel) -> EvidenceModel | None:
    if isinstance(evidence, EvidenceModel):
        return evidence
    if evidence is True:
        return EvidenceModel()
    if evidence is False:
        return None
    raise InputError(f"evidence must be True, False or an EvidenceModel, got {evidence!r}")


def _evidence_rng(seed: Seed) -> np.random.Generator:
    """A stream of its own for the non-DNA evidence: drawing it leaves the DNA untouched."""
    if isinstance(seed, np.random.Generator):
        return seed.spawn(1)[0]
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


class _Districts:
    """Synthetic districts on a jittered square grid (codes ``D001``...), with neighbours."""

    #: Centre of the grid (Ayacucho), degrees.
    ORIGIN = (-13.16, -74.22)

    def __init__(self, n: int, rng: np.random.Generator, spacing_km: float) -> None:
        self.codes = [f"D{k + 1:03d}" for k in range(n)]
        cols = int(np.ceil(np.sqrt(n)))
        row, col = np.divmod(np.arange(n), cols)
        jitter = rng.uniform(-0.25, 0.25, (n, 2))
        deg = spacing_km / 111.2
        lat0, lon0 = self.ORIGIN
        self.lat = lat0 - (row - row.mean() + jitter[:, 0]) * deg
        self.lon = lon0 + (col - col.mean() + jitter[:, 1]) * deg / np.cos(np.radians(lat0))
        self.neighbours = [np.flatnonzero((np.abs(row - row[k]) <= 1)
                                          & (np.abs(col - col[k]) <= 1)
                                          & (np.arange(n) != k)) for k in range(n)]

    def coordinates(self) -> dict[str, list[float]]:
        return {c: [round(float(a), 5), round(float(b), 5)]
                for c, a, b in zip(self.codes, self.lat, self.lon)}

    def near(self, rng: np.random.Generator, district: np.ndarray,
             mix: tuple[float, float]) -> np.ndarray:
        """The same district, a neighbour, or any district, with probabilities ``mix``."""
        district = np.asarray(district, dtype=np.int64)
        u = rng.random(len(district))
        pick = rng.random(len(district))
        anywhere = rng.integers(0, len(self.codes), len(district))
        out = district.copy()
        for j, d in enumerate(district.tolist()):
            nb = self.neighbours[d]
            if u[j] >= mix[0] + mix[1]:
                out[j] = anywhere[j]
            elif u[j] >= mix[0] and len(nb):
                out[j] = nb[int(pick[j] * len(nb))]
        return out


def _iso(ordinals: np.ndarray) -> list[str]:
    return [date.fromordinal(int(d)).isoformat() for d in ordinals]


def _ordinals(dates: Sequence[str]) -> np.ndarray:
    return np.array([date.fromisoformat(d).toordinal() for d in dates], dtype=np.int64)


@dataclass
class _EvidenceInput:
    """True attributes of everyone who needs evidence, and where each PM sample lies.

    ``sibship`` is a hashable key shared by full siblings (``None``: nobody's sibling here);
    ``home`` the district index where the person disappeared; ``age`` completed years at
    disappearance; ``date_missing`` ISO dates. Samples name a person and a grave.
    """

    person: list[str]
    family: list[str | None]
    body: list[str | None]
    registered: list[bool]
    sex: list[str]
    age: np.ndarray
    date_missing: list[str]
    home: np.ndarray
    sibship: list[Any]
    sample_person: np.ndarray
    sample_grave: np.ndarray
    grave_district: np.ndarray
    grave_date: list[str]


@dataclass
class _Evidence:
    am: dict[str, dict[str, Any]]
    pm: list[dict[str, Any]]
    truth: pl.DataFrame


def _simulate_evidence(model: EvidenceModel, rng: np.random.Generator,
                       districts: _Districts, x: _EvidenceInput) -> _Evidence:
    """AM records of the registered, PM findings of every sample, and the truth behind them."""
    n = len(x.person)
    male = np.array([s == "M" for s in x.sex])
    sx = np.where(male, 0, 1)

    # Truth: fractional ages, date of death, stature.
    age_missing = np.asarray(x.age, dtype=np.float64) + rng.random(n)
    delay = np.where(rng.random(n) < model.detained,
                     np.ceil(rng.exponential(max(model.detention_days, 1e-9), n)), 0.0)
    missing_day = _ordinals(x.date_missing)
    death_day = missing_day + delay.astype(np.int64)
    age_death = age_missing + delay / 365.25
    keys = sorted({k for k in x.sibship if k is not None}, key=repr)
    shared = dict(zip(keys, rng.standard_normal(len(keys)).tolist()))
    own = rng.standard_normal(n)
    rho = model.sibling_stature_correlation
    z = np.array([np.sqrt(rho) * shared[k] + np.sqrt(1 - rho) * own[j] if k is not None
                  else own[j] for j, k in enumerate(x.sibship)])
    adult = np.array(model.stature_mean)[sx] + np.array(model.stature_sd)[sx] * z
    stature_missing = model.stature_at(adult, male, age_missing)
    stature_death = model.stature_at(adult, male, age_death)

    # AM records: reported age and stature.
    off = (age_missing >= 18) & (rng.random(n) < model.age_report_error)
    reported_age = np.where(off, np.rint(age_missing + rng.normal(0, model.age_report_sd, n)),
                            np.floor(age_missing)).clip(0).astype(np.int64)
    said = rng.random(n) < model.stature_reported
    raw = stature_missing + model.stature_report_bias + rng.normal(0, model.stature_report_sd, n)
    heaped = rng.random(n) < model.stature_report_heaping
    reported_stature = np.where(heaped, 5.0 * np.rint(raw / 5.0), np.rint(raw))
    home_codes = [districts.codes[int(d)] for d in x.home]
    am: dict[str, dict[str, Any]] = {}
    for j in np.flatnonzero(x.registered).tolist():
        rec: dict[str, Any] = {"age": int(reported_age[j]), "date_missing": x.date_missing[j],
                               "place_missing": home_codes[j]}
        if said[j]:
            rec["stature_cm"] = float(reported_stature[j])
        am[x.person[j]] = rec

    # Graves recovered early: between the last burial in them and the end of 2001.
    grave_day = _ordinals(x.grave_date)
    last = np.full(len(grave_day), np.iinfo(np.int64).min)
    np.maximum.at(last, x.sample_grave, death_day[x.sample_person])
    early_day = last + 30 + (rng.random(len(grave_day))
                             * np.maximum(0, date(2001, 12, 31).toordinal() - last - 30))
    early = (rng.random(len(grave_day)) < model.early_recovery) & \
        (last + 30 <= date(2001, 12, 31).toordinal())
    grave_day = np.where(early, early_day.astype(np.int64), grave_day)
    grave_date = _iso(grave_day)

    # PM findings, one set per sample (fragments of a body are examined apart).
    s_person = np.asarray(x.sample_person, dtype=np.int64)
    m = len(s_person)
    true_age = age_death[s_person]
    raw_est = true_age + rng.standard_normal(m) * model.age_miscalibration \
        * model.age_se(true_age)
    est = np.clip(raw_est, 0.0, model.age_limit)
    se = model.age_se(est)
    lo, hi = model.age_interval(raw_est)
    age_min = np.rint(lo).astype(np.int64)
    age_max = np.maximum(age_min + 1, np.rint(hi).astype(np.int64))
    give_point = rng.random(m) < model.age_estimate
    s_male = male[s_person]
    undetermined = (true_age < model.sex_min_age) | (rng.random(m) < model.sex_undetermined)
    wrong = rng.random(m) < model.sex_error
    morph = np.where(undetermined, "U", np.where(s_male ^ wrong, "M", "F"))
    child = true_age < model.adult_age
    st_sd = np.where(child, model.stature_pm_sd[1], model.stature_pm_sd[0])
    st_est = stature_death[s_person] + model.stature_pm_bias + rng.standard_normal(m) * st_sd
    has_stature = rng.random(m) < model.stature_estimated
    pm: list[dict[str, Any]] = []
    for s in range(m):
        g = int(x.sample_grave[s])
        rec = {"age_min": int(age_min[s]), "age_max": int(age_max[s]),
               "age_coverage": model.age_coverage}
        if give_point[s]:
            rec |= {"age_estimate": round(float(est[s]), 1), "age_se": round(float(se[s]), 2)}
        rec["sex_morphology"] = str(morph[s])
        if has_stature[s]:
            rec |= {"stature_cm": round(float(st_est[s]), 1),
                    "stature_sd": float(st_sd[s])}
        rec |= {"date_recovered": grave_date[g],
                "district": districts.codes[int(x.grave_district[g])]}
        pm.append(rec)
    _simulate_distinctive(model, rng.spawn(1)[0], x, age_missing, missing_day, am, pm)
    _simulate_effects(model, rng.spawn(1)[0], x, am, pm)

    truth = pl.DataFrame(
        {"person": x.person, "family": x.family, "body": x.body, "registered": x.registered,
         "sex": x.sex, "age_missing": np.round(age_missing, 3),
         "age_death": np.round(age_death, 3), "date_missing": x.date_missing,
         "date_death": _iso(death_day), "stature_missing": np.round(stature_missing, 2),
         "stature_death": np.round(stature_death, 2), "place_missing": home_codes},
        schema=EVIDENCE_TRUTH_SCHEMA)
    return _Evidence(am, pm, truth)


#: Codes of the simulated distinctive features.
FEATURE_CODES = ("fracture:left_femur", "fracture:right_femur", "fracture:left_tibia",
                 "fracture:right_tibia", "fracture:left_radius", "fracture:right_radius",
                 "fracture:skull", "amputation:finger", "amputation:toe", "anomaly:spine")
#: The 28 permanent teeth (FDI) of a simulated dental chart.
PERMANENT_TEETH = tuple(10 * q + t for q in (1, 2, 3, 4) for t in range(1, 8))


def _simulate_distinctive(model: EvidenceModel, rng: np.random.Generator, x: _EvidenceInput,
                          age_missing: np.ndarray, missing_day: np.ndarray,
                          am: dict[str, dict[str, Any]], pm: list[dict[str, Any]]) -> None:
    """Dental charts, distinctive features and implants (a stream of their own, drawn after
    everything else: the other evidence fields are those of a model without them)."""
    from forensic_match.evidence.dental import STATES, _default_population

    n, teeth = len(x.person), PERMANENT_TEETH
    freq = _default_population().frequencies
    cdf = np.cumsum(np.array([freq[t] for t in teeth]), axis=1)
    mouth = (rng.random((n, len(teeth)))[:, :, None] > cdf[None, :, :]).sum(axis=2)
    mouth = np.minimum(mouth, len(STATES) - 1)
    has_feature = rng.random(n) < model.feature_rate
    feature = rng.integers(0, len(FEATURE_CODES), n)
    reported = rng.random(n) < model.feature_reported
    has_implant = rng.random(n) < model.implant_rate
    serial = rng.integers(10 ** 7, 10 ** 8, n)
    am_serial = rng.random(n) < model.implant_serial
    charted = (rng.random(n) < model.dental_chart) & (age_missing >= 12)
    chart_age = rng.random(n) * 5 * 365.25

    def chart(person: int, observed: np.ndarray) -> dict[str, str]:
        wrong = rng.random(len(teeth)) < model.dental_error
        other = (mouth[person] + rng.integers(1, len(STATES), len(teeth))) % len(STATES)
        states = np.where(wrong, other, mouth[person])
        return {str(t): STATES[int(v)] for t, v, o in zip(teeth, states, observed) if o}

    index = {p: j for j, p in enumerate(x.person)}
    for name, rec in am.items():
        j = index[name]
        if charted[j]:
            rec["dental"] = chart(j, np.ones(len(teeth), dtype=bool))
            rec["dental_date"] = date.fromordinal(int(missing_day[j] - chart_age[j])).isoformat()
        if has_feature[j] and reported[j]:
            rec["features"] = [FEATURE_CODES[int(feature[j])]]
        if has_implant[j]:
            rec["implants"] = [f"femoral_nail:SN{serial[j]}" if am_serial[j]
                               else "femoral_nail"]
    for s, rec in enumerate(pm):
        j = int(x.sample_person[s])
        examined = rng.random() < model.dental_examined
        observed = rng.random(len(teeth)) < model.dental_observed
        looked = rng.random() < model.feature_examined
        found = rng.random() < model.feature_detect
        read = rng.random() < model.implant_serial
        if examined and age_missing[j] >= 12 and observed.any():
            rec["dental"] = chart(j, observed)
        if looked:
            have = [FEATURE_CODES[int(feature[j])]] if has_feature[j] and found else []
            nail = ["femoral_nail"] if has_implant[j] and found else []
            if have:
                rec["features"] = have
            if nail:
                rec["implants"] = [f"femoral_nail:SN{serial[j]}" if read else "femoral_nail"]
            rec["features_absent"] = [c for c in (*FEATURE_CODES, "femoral_nail")
                                      if c not in have and c not in nail]


#: Personal effects of the simulation: (code, probability that a person wears such an item
#: when taken). Synthetic codes and probabilities (assumption: rural highland clothing of
#: the 1980s, no published frequencies); about 2.4 items per person.
EFFECT_CATALOGUE = (
    ("poncho:brown", 0.25), ("poncho:red_striped", 0.08), ("hat:felt_black", 0.20),
    ("hat:chullo_wool", 0.15), ("sandals:tyre_rubber", 0.35), ("shoes:leather_black", 0.10),
    ("trousers:blue_jeans", 0.12), ("shirt:white", 0.20), ("shirt:blue_checked", 0.06),
    ("jacket:green_wool", 0.05), ("belt:woven_chumpi", 0.10), ("ring:metal_plain", 0.03),
    ("cross:wooden", 0.04), ("bag:woven_red", 0.07), ("watch:steel", 0.02))


def _simulate_effects(model: EvidenceModel, rng: np.random.Generator, x: _EvidenceInput,
                      am: dict[str, dict[str, Any]], pm: list[dict[str, Any]]) -> None:
    """Personal effects (a stream of their own, drawn after everything else): the items each
    person wore, the relatives' description of a registered person's, and the items found
    with each body (each worn item with probability ``effects_retained``). The LR's model
    holds: another victim's body has a matching item with probability wear x retained."""
    n, k = len(x.person), len(EFFECT_CATALOGUE)
    wear = np.array([q for _, q in EFFECT_CATALOGUE])
    worn = rng.random((n, k)) < wear[None, :]
    described = rng.random(n) < model.effects_described
    r = model.effects_retained
    stated = r if model.effects_stated_retained is None else model.effects_stated_retained
    factor = model.effects_stated_frequency
    index = {p: j for j, p in enumerate(x.person)}
    for name, rec in am.items():
        j = index[name]
        items = np.flatnonzero(worn[j])
        if described[j] and items.size:
            rec["effects"] = [{"code": EFFECT_CATALOGUE[c][0],
                               "frequency": round(float(min(1.0, wear[c] * r * factor)), 6),
                               "retained": stated}
                              for c in items]
    for s, rec in enumerate(pm):
        j = int(x.sample_person[s])
        inventoried = rng.random() < model.effects_inventoried
        found = worn[j] & (rng.random(k) < r)
        if inventoried and found.any():
            rec["effects"] = [{"code": EFFECT_CATALOGUE[c][0]} for c in np.flatnonzero(found)]


def _normal_quantile(p: float) -> float:
    return NormalDist().inv_cdf(p)
