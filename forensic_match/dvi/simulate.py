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
seconds. The non-DNA records (ages, dates, places, recovery sites) are random placeholders for
the evidence modules: they have plausible types and ranges and no other meaning.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
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
    """

    dataset: DviDataset
    truth: pl.DataFrame
    families: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={"family": pl.String, "shape": pl.String, "n_missing": pl.Int64,
                "n_typed": pl.Int64}))
    profiles: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    @property
    def pm_to_missing(self) -> dict[str, str | None]:
        """``{pm id: true missing id or None}``, the ``truth`` map of the reference files."""
        return dict(zip(self.truth["pm"].to_list(), self.truth["missing"].to_list()))

    def to_dict(self) -> dict[str, Any]:
        """The dataset's JSON dictionary with the ground truth embedded.

        Besides the dataset format (``docs/case-format.md``) it carries ``"truth"``
        (``{pm: missing id or null}``, as the simulated reference datasets
        ``scaling_*.json``), ``"truth_detail"`` (body of each PM sample, shape of each family,
        true profile of each body), and, on each PM sample, ``site``, ``dropout`` and
        ``info``; on each family, ``info``.
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
    return SimulatedProgramme(dataset, truth, families, profiles)


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


def _cousin_aunt(b: _Builder, k: int) -> None:
    grandparents = b.person("GF", "M"), b.person("GM", "F")
    if b.chance(0.5):
        parents = b.person("FA", "M", grandparents), b.person("MO", "F")
    else:
        parents = b.person("FA", "M"), b.person("MO", "F", grandparents)
    b.missing_children(parents, k)
    b.person("AU", "F", grandparents, typed=True)
    uncle = b.person("UN", "M", grandparents)
    b.person("CO", b.sex(), (uncle, b.person("UW", "F")), typed=True)


_SHAPE_BUILDERS = {"parents": _parents, "parent_siblings": _parent_siblings,
                   "spouse_children": _spouse_children, "siblings": _siblings,
                   "half_siblings": _half_siblings, "nephew": _nephew,
                   "cousin_aunt": _cousin_aunt}


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
                       description: str = "") -> SimulatedProgramme:
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
    lo, hi = _gene_drop(pop, markers, rng, theta=theta, mutation=mutation)
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
    from forensic_match import __version__

    text = (f"Synthetic identification programme (forensic_match {__version__} "
            f"simulate_programme, seed {params['seed']}): {n_families} families of realistic "
            f"reference shapes with {n_missing} missing persons; {n_pm} PM samples from "
            f"{n_bodies} bodies in {n_graves} graves ({n_found} found missing persons, "
            f"{n_unrel} unrelated bodies, {int((per_body > 1).sum())} bodies in fragments), "
            f"per-sample dropout {d_lo:g}-{d_hi:g} and marker loss {l_lo:g}-{l_hi:g}; "
            f"{len(markers)} markers, {_mutation_summary(markers)}"
            f"{'' if mutation else ' (gene-dropped without mutation)'}, theta {theta:g}. "
            f"Ground truth in 'truth'; ages, dates, places and sites are random placeholders.")
    dataset = DviDataset(name, markers, samples, families, theta=theta,
                         description=f"{description} {text}".strip(),
                         extra={"simulation": {"generator": "forensic_match.dvi.simulate."
                                               "simulate_programme",
                                               "version": __version__, "parameters": params}})
    return SimulatedProgramme(dataset, truth, fam_table, true_profiles)

