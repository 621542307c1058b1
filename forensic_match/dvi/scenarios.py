"""Conflict-grave scenarios: households killed together, only some of the dead registered.

:func:`simulate_programme` draws the families a programme holds and puts in the graves only
the missing persons it searches for and unrelated strangers. Real conflict graves are not like
that. Whole households were killed together (the father and his grown sons; the parents and
several children), and the survivors registered only some of the dead. The grave then holds
a registered missing person beside their unregistered brother, father or son, whose kinship
LR against the family's references is as high as the missing person's own. Neighbouring
families also share ancestry (one village, one subpopulation). And the real mutation process
is not the one the analysis assumes.

:func:`simulate_grave_scenario` builds such programmes with full ground truth, so that a
validation harness (``benchmarks/validation.py``) can measure how often an identification
engine names a relative as the missing person. A household is a realistic pedigree:
grandparents, two parents and their 2-6 children, sometimes the father's brother with his wife
and children, a married eldest child with a spouse and children, or half siblings from another
partner. A killing pattern picks who died: the men and older boys, most of the household, or
a few people scattered through it. Each dead person is registered as missing independently.
The living give the reference samples, in one of several shapes (both parents, one parent, a
parent and a full sibling, a child and the child's other parent, full siblings, an uncle, a
half sibling, a first cousin). The family then draws what it reported: its registered missing
persons, its typed relatives, and the untyped people who connect them. A dead father may
appear there as an untyped person, never as a missing one unless he was registered.

Households are grouped into villages. With ``theta > 0`` every founder of a village, and every
unrelated body buried there, draws alleles from the village's own frequencies (Balding-Nichols,
Dirichlet(p (1 - theta) / theta)). The genotypes are gene-dropped with ``simulate_markers``,
whose mutation models may differ from those of the analysis markers the dataset carries.

Real registers also hold reference samples that do not belong where they are filed. With
``reference_errors`` some registered families get one: a sample swapped with a same-sex
reference of another family, one reference's profile filed also under a second member, or a
reference whose biological father is an outside man and not the father the pedigree states.
The non-paternity is biology: the reference and its descendants are gene-dropped from the
outside man, so their genotypes, ``people`` and the truth's relations follow it, while the
family's pedigree stays as the family states it. The errors are drawn from a random stream
of their own, so that the scenario is otherwise the one without them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from forensic_match.cases import DviDataset, Family, PMSample
from forensic_match.dvi.simulate import (
    RECOVERY_YEARS,
    THREE_FRAGMENTS,
    EvidenceModel,
    SimulatedProgramme,
    _dates,
    _Districts,
    _draw_rows,
    _evidence_model,
    _evidence_rng,
    _EvidenceInput,
    _fraction,
    _gene_drop,
    _Labels,
    _Population,
    _row_cdf,
    _simulate_evidence,
    _simulation_markers,
)
from forensic_match.errors import InputError
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import Pedigree
from forensic_match.simulate import degrade

#: Reference shapes and their weights; a family takes one of the shapes its survivors allow,
#: relative to one of its registered missing persons (the "focus"):
#:
#: ``parents``             father and mother (sometimes a full sibling too);
#: ``one_parent``          one parent;
#: ``parent_sibling``      a parent (the mother when she lives) and 1-2 full siblings;
#: ``child_other_parent``  a child and the child's other parent (the missing person's spouse);
#: ``children``            1-2 children;
#: ``siblings``            1-3 full siblings;
#: ``uncle``               an uncle or aunt;
#: ``half_sibling``        1-2 half siblings;
#: ``cousin``              a first cousin.
REFERENCE_SHAPES: dict[str, float] = {
    "parents": 0.20, "one_parent": 0.08, "parent_sibling": 0.15, "child_other_parent": 0.12,
    "children": 0.05, "siblings": 0.20, "uncle": 0.07, "half_sibling": 0.07, "cousin": 0.06}

#: Killing patterns and their weights: ``men`` (the men and boys from 14 years: the father
#: nearly always), ``household`` (parents and children mostly, grandparents sometimes),
#: ``scattered`` (anyone, a quarter of the household on average).
KILLING_PATTERNS: dict[str, float] = {"men": 0.4, "household": 0.4, "scattered": 0.2}

#: Relations from nearest to farthest; ``truth["relation"]`` names the first that links an
#: unregistered dead person to a registered missing person of the household. ``spouse`` is
#: no blood relation and comes last.
RELATIONS: tuple[str, ...] = (
    "father", "mother", "child", "full sibling", "half sibling", "grandparent", "grandchild",
    "uncle", "aunt", "nephew", "niece", "first cousin", "spouse")

TRUTH_COLUMNS = ("pm", "body", "family", "missing", "person", "relation", "village", "grave")

#: Kinds of reference-sample error (``simulate_grave_scenario(reference_errors=...)``):
#: ``swap`` (a typed reference exchanged with a same-sex one of another registered family),
#: ``duplicate`` (one typed reference's profile filed also under another typed member of the
#: family), ``non_paternity`` (a typed reference's biological father is an outside man).
REFERENCE_ERRORS: tuple[str, ...] = ("swap", "duplicate", "non_paternity")

#: Columns of :attr:`GraveScenario.reference_errors`.
REFERENCE_ERROR_SCHEMA = {"family": pl.String, "person": pl.String, "kind": pl.String,
                          "other": pl.String}

#: Probability that a household's recovered dead lie in one grave (else in two).
ONE_GRAVE = 0.8
#: Year range of the killings (one date per village).
EVENT_YEARS = (1983, 1994)


class _Tree:
    """Parents, children and sex of every person of the simulated population."""

    def __init__(self, records: Sequence[tuple[str, str | None, str | None, str]]) -> None:
        self.parents: dict[str, tuple[str, str] | None] = {}
        self.sex: dict[str, str] = {}
        self.kids: dict[str, list[str]] = {}
        for ident, fa, mo, sex in records:
            self.parents[ident] = None if fa is None or mo is None else (fa, mo)
            self.sex[ident] = sex
            self.kids.setdefault(ident, [])
            for p in (fa, mo):
                if p is not None:
                    self.kids.setdefault(p, []).append(ident)

    def ancestors(self, x: str) -> set[str]:
        """``x`` and all its ancestors."""
        out, todo = {x}, [x]
        while todo:
            p = self.parents.get(todo.pop())
            if p is not None:
                for q in p:
                    if q not in out:
                        out.add(q)
                        todo.append(q)
        return out

    def blood(self, x: str, y: str) -> bool:
        """Whether ``x`` and ``y`` share an ancestor (or one descends from the other)."""
        return bool(self.ancestors(x) & self.ancestors(y))

    def _full_sibs(self, x: str, y: str) -> bool:
        px, py = self.parents.get(x), self.parents.get(y)
        return x != y and px is not None and py is not None and set(px) == set(py)

    def relation(self, x: str, m: str) -> str | None:
        """What ``x`` is to ``m`` (one of :data:`RELATIONS`), or ``None``."""
        if x == m:
            return None
        px, pm = self.parents.get(x), self.parents.get(m)
        male = self.sex.get(x) == "M"
        if pm is not None and x in pm:
            return "father" if male else "mother"
        if px is not None and m in px:
            return "child"
        if px is not None and pm is not None:
            shared = len(set(px) & set(pm))
            if shared:
                return "full sibling" if shared == 2 else "half sibling"
        if pm is not None and any(x in (self.parents.get(p) or ()) for p in pm):
            return "grandparent"
        if px is not None and any(m in (self.parents.get(p) or ()) for p in px):
            return "grandchild"
        if pm is not None and any(self._full_sibs(x, p) for p in pm):
            return "uncle" if male else "aunt"
        if px is not None and any(self._full_sibs(m, p) for p in px):
            return "nephew" if male else "niece"
        if px is not None and pm is not None and \
                any(self._full_sibs(a, b) for a in px for b in pm):
            return "first cousin"
        if set(self.kids.get(x, ())) & set(self.kids.get(m, ())):
            return "spouse"
        return None


@dataclass
class GraveScenario(SimulatedProgramme):
    """A simulated conflict-grave programme: a :class:`SimulatedProgramme` with households.

    Attributes
    ----------
    dataset, truth, families, profiles
        As in :class:`SimulatedProgramme`. ``truth`` has the columns of
        :data:`TRUTH_COLUMNS`: ``family`` is the body's household (also for a household
        nobody registered, which has no ``Family`` in the dataset; null for an unrelated
        body), ``missing`` the registered missing person the body is (else null),
        ``person`` the body's id in its household (``F0012_C3``; ``U0004`` for an unrelated
        body), ``relation`` for an unregistered dead relative of a registered missing person
        of the same household its nearest relation (``"full sibling of F0012_C1"``; else
        empty), and ``village`` and ``grave``. ``families`` has, besides ``family``,
        ``shape`` (a key of :data:`REFERENCE_SHAPES`), ``n_missing`` and ``n_typed``:
        ``village``, ``n_dead``, ``n_recovered`` and ``n_unregistered_dead``.
    people : polars.DataFrame
        Every simulated person: ``person``, ``family`` (null for unrelated bodies),
        ``village``, ``father``, ``mother``, ``sex``, ``age`` (at the killing), ``dead``,
        ``missing`` (registered and in a family of the dataset), ``typed``, ``body``.
    genotypes : dict
        True profile of every person, ``{person: {marker: (a, b)}}``.
    reference_errors : polars.DataFrame
        The reference samples that do not belong where the register puts them
        (``simulate_grave_scenario(reference_errors=...)``), one row per wrong reference:
        ``family``, ``person`` (the typed member the sample is filed under, or whose father
        is not the stated one), ``kind`` (one of :data:`REFERENCE_ERRORS`) and ``other`` (the
        other family of a swap, the member whose profile was copied for a duplicate, null
        for a non-paternity). Empty without errors. ``people`` and ``truth`` follow biology
        (a non-paternity reference's ``father`` is the outside man, ``{family}_NP{role}``);
        the families' pedigrees are as the families state them.
    """

    people: pl.DataFrame = field(default_factory=pl.DataFrame)
    genotypes: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    reference_errors: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=REFERENCE_ERROR_SCHEMA))

    @cached_property
    def _tree(self) -> _Tree:
        return _Tree(list(zip(self.people["person"].to_list(), self.people["father"].to_list(),
                              self.people["mother"].to_list(), self.people["sex"].to_list())))

    def relation(self, person: str, other: str) -> str:
        """What ``person`` is to ``other`` (a key of :data:`RELATIONS`), or ``""``."""
        return self._tree.relation(person, other) or ""


# --- households -------------------------------------------------------------------------------


class _Household:
    """One household's people as records ``(id, father, mother, sex)`` plus ages."""

    def __init__(self, fid: str, rng: np.random.Generator) -> None:
        self.fid = fid
        self.rng = rng
        self.records: list[tuple[str, str | None, str | None, str]] = []
        self.age: dict[str, int] = {}

    def add(self, role: str, sex: str, age: int, parents: tuple[str, str] | None = None
            ) -> str:
        ident = f"{self.fid}_{role}"
        fa, mo = parents if parents is not None else (None, None)
        self.records.append((ident, fa, mo, sex))
        self.age[ident] = max(0, int(age))
        return ident

    def sex(self) -> str:
        return "M" if self.rng.random() < 0.5 else "F"

    def sex_of(self, ident: str) -> str:
        return next(s for i, _, _, s in self.records if i == ident)

    def children(self, prefix: str, parents: tuple[str, str], n: int, first_age: int) -> None:
        age = first_age
        for j in range(1, n + 1):
            self.add(f"{prefix}{j}", self.sex(), age, parents)
            age -= int(self.rng.integers(1, 5))


def _build_household(fid: str, rng: np.random.Generator) -> _Household:
    """Grandparents, parents and 2-6 children; sometimes an uncle's branch, a married eldest
    child, half siblings."""
    h = _Household(fid, rng)
    r = h.rng
    fa_age = int(r.integers(30, 56))
    gf_age = fa_age + int(r.integers(20, 36))
    gf = h.add("GF", "M", gf_age)
    gm = h.add("GM", "F", gf_age - int(r.integers(0, 9)))
    fa = h.add("FA", "M", fa_age, (gf, gm))
    mo_age = fa_age - int(r.integers(0, 9))
    mo = h.add("MO", "F", mo_age)
    n_kids = int(r.integers(2, 7))
    first = mo_age - int(r.integers(18, 27))
    h.children("C", (fa, mo), n_kids, first)
    if r.random() < 0.5:
        un_age = fa_age + int(r.integers(-8, 9))
        un = h.add("UN", "M", un_age, (gf, gm))
        uw_age = un_age - int(r.integers(0, 8))
        uw = h.add("UW", "F", uw_age)
        h.children("K", (un, uw), int(r.integers(1, 5)), uw_age - int(r.integers(18, 27)))
    eldest = f"{fid}_C1"
    if r.random() < 0.3 and h.age[eldest] >= 20:
        c_sex = h.sex_of(eldest)
        cs_age = h.age[eldest] + int(r.integers(-4, 5))
        cs = h.add("CS", "F" if c_sex == "M" else "M", cs_age)
        parents = (eldest, cs) if c_sex == "M" else (cs, eldest)
        young = min(h.age[eldest], cs_age)
        h.children("G", parents, int(r.integers(1, 4)), young - int(r.integers(17, 22)))
    if r.random() < 0.15:
        # A child of the father with an earlier partner, or of the mother with hers.
        if r.random() < 0.6:
            hp = h.add("HP", "F", fa_age - int(r.integers(0, 10)))
            parents = (fa, hp)
        else:
            hp = h.add("HP", "M", mo_age + int(r.integers(0, 10)))
            parents = (hp, mo)
        h.children("H", parents, int(r.integers(1, 3)), first + int(r.integers(2, 8)))
    return h


def _kill(h: _Household, pattern: str, rng: np.random.Generator) -> list[str]:
    """Who of the household died, by killing pattern (at least one person)."""
    dead = []
    for ident, _, _, sex in h.records:
        role = ident[len(h.fid) + 1:]
        age = h.age[ident]
        if pattern == "men":
            p = (0.9 if role == "FA" else 0.6) if sex == "M" and age >= 14 else 0.02
        elif pattern == "household":
            p = 0.75 if role in ("FA", "MO") or role.startswith("C") and role != "CS" else \
                0.4 if role in ("GF", "GM") else 0.15
        else:
            p = 0.25
        if rng.random() < p:
            dead.append(ident)
    if not dead:
        nuclear = [i for i, *_ in h.records if i.split("_")[-1] == "FA"
                   or i.split("_")[-1].startswith("C") and not i.endswith("_CS")]
        dead.append(nuclear[int(rng.integers(len(nuclear)))])
    return dead


def _pick(rng: np.random.Generator, items: Sequence[str], lo: int, hi: int) -> list[str]:
    """``lo``-``hi`` items (as many as there are) in random order."""
    k = min(len(items), int(rng.integers(lo, hi + 1)))
    return [items[j] for j in rng.permutation(len(items))[:k]]


def _reference_options(tree: _Tree, focus: str, alive: Sequence[str],
                       rng: np.random.Generator) -> dict[str, list[str]]:
    """The reference sets each shape of :data:`REFERENCE_SHAPES` would give (feasible only)."""
    rel: dict[str, list[str]] = {}
    for x in alive:
        r = tree.relation(x, focus)
        if r is not None:
            rel.setdefault(r, []).append(x)
    parents = rel.get("father", []) + rel.get("mother", [])
    sibs = rel.get("full sibling", [])
    out: dict[str, list[str]] = {}
    if len(parents) == 2:
        out["parents"] = parents + (_pick(rng, sibs, 1, 1) if rng.random() < 0.3 else [])
    if parents:
        out["one_parent"] = _pick(rng, parents, 1, 1)
        if sibs:
            out["parent_sibling"] = (rel.get("mother") or parents)[:1] + _pick(rng, sibs, 1, 2)
    kids = rel.get("child", [])
    for c in kids:
        other = [p for p in (tree.parents[c] or ()) if p != focus and p in alive]
        if other:
            out["child_other_parent"] = [c, other[0]]
            break
    if kids:
        out["children"] = _pick(rng, kids, 1, 2)
    if sibs:
        out["siblings"] = _pick(rng, sibs, 1, 3)
    uncles = rel.get("uncle", []) + rel.get("aunt", [])
    if uncles:
        out["uncle"] = _pick(rng, uncles, 1, 1)
    if rel.get("half sibling"):
        out["half_sibling"] = _pick(rng, rel["half sibling"], 1, 2)
    if rel.get("first cousin"):
        out["cousin"] = _pick(rng, rel["first cousin"], 1, 1)
    return out


def _reported_pedigree(tree: _Tree, order: Sequence[str], keep: set[str],
                       ) -> list[tuple[str, str | None, str | None, str]]:
    """Records of ``keep`` and the people who connect them (in household ``order``).

    All ancestors of ``keep`` are taken, then founder couples that are not in ``keep`` and
    have a single child in the drawing are removed, repeatedly (they add nothing but HWE
    founders); the child becomes a founder.
    """
    drawn: set[str] = set()
    for k in keep:
        drawn |= tree.ancestors(k)
    changed = True
    while changed:
        changed = False
        for c in order:
            p = tree.parents.get(c)
            if c not in drawn or p is None or not set(p) <= drawn or set(p) & keep:
                continue
            if any(tree.parents.get(q) is not None and set(tree.parents[q] or ()) <= drawn
                   for q in p):
                continue
            if all([k for k in tree.kids[q] if k in drawn] == [c] for q in p):
                drawn -= set(p)
                changed = True
    records = []
    for x in order:
        if x in drawn:
            p = tree.parents.get(x)
            fa, mo = p if p is not None and set(p) <= drawn else (None, None)
            records.append((x, fa, mo, tree.sex[x]))
    return records


# --- reference errors -------------------------------------------------------------------------


def _draw_reference_errors(families: Sequence[Family], sex: Mapping[str, str],
                           rates: Mapping[str, float], rng: np.random.Generator
                           ) -> list[tuple[str, str, str, str | None]]:
    """Rows ``(family, person, kind, other)`` of the reference errors, at most one per family.

    Each family draws one kind with the probabilities ``rates`` (or none); a family that the
    kind does not fit keeps its references: a duplicate needs two typed members, a
    non-paternity a typed member whose father the pedigree draws, a swap a partner. The
    families drawn for a swap are paired in random order, each with the first later one
    that has a typed member of a sex it has too.
    """
    cum = np.cumsum([rates.get(k, 0.0) for k in REFERENCE_ERRORS])
    rows: list[tuple[str, str, str, str | None]] = []
    to_swap: list[Family] = []
    for fam in families:
        j = int(np.searchsorted(cum, rng.random(), side="right"))
        kind = REFERENCE_ERRORS[j] if j < len(REFERENCE_ERRORS) else None
        typed = list(fam.genotypes)
        if kind == "swap":
            to_swap.append(fam)
        elif kind == "duplicate" and len(typed) >= 2:
            src, dst = (typed[int(k)] for k in rng.permutation(len(typed))[:2])
            rows.append((fam.id, dst, kind, src))
        elif kind == "non_paternity":
            fits = [t for t in typed if fam.pedigree.parents(t) is not None]
            if fits:
                rows.append((fam.id, fits[int(rng.integers(len(fits)))], kind, None))
    pool = [to_swap[int(k)] for k in rng.permutation(len(to_swap))]
    while pool:
        a = pool.pop(0)
        sexes_a = {sex[t] for t in a.genotypes}
        b = next((f for f in pool if sexes_a & {sex[t] for t in f.genotypes}), None)
        if b is None:
            continue
        pool.remove(b)
        common = sorted(sexes_a & {sex[t] for t in b.genotypes})
        s = common[int(rng.integers(len(common)))]
        ra, rb = ([t for t in f.genotypes if sex[t] == s] for f in (a, b))
        ta, tb = ra[int(rng.integers(len(ra)))], rb[int(rng.integers(len(rb)))]
        rows += [(a.id, ta, "swap", b.id), (b.id, tb, "swap", a.id)]
    return rows


def _references_in_pm(families: Sequence[Family], p: float, rng: np.random.Generator,
                      genotypes: Mapping[str, dict[str, Any]], grave_of: Mapping[str, int],
                      village: Mapping[str, int], age: Mapping[str, int],
                      sex: Mapping[str, str], *, start: int, width: int, g_width: int,
                      grave_date: Sequence[str], dropout_range: tuple[float, float],
                      loss_range: tuple[float, float]) -> tuple[list[PMSample], list[tuple]]:
    """PM samples carrying a typed reference's profile (one per family drawn with
    probability ``p``), numbered from ``start + 1``, with their truth rows."""
    found: dict[int, set[int]] = {}
    for x, g in grave_of.items():
        found.setdefault(village[x], set()).add(g)
    graves_of_village = {v: sorted(gs) for v, gs in found.items()}
    every_grave = sorted(set(grave_of.values()))
    samples, truth = [], []
    for fam in families:
        typed = sorted(fam.genotypes)
        if not typed or rng.random() >= p:
            continue
        ref = typed[int(rng.integers(len(typed)))]
        v = village[ref]
        graves = graves_of_village.get(v) or every_grave
        g = graves[int(rng.integers(len(graves)))]
        dropout = float(rng.uniform(*dropout_range))
        genos: dict[str, Any] = {}
        while not genos:
            genos = degrade(genotypes[ref], dropout=dropout, seed=rng,
                            marker_loss=float(rng.uniform(*loss_range)))
        k = len(samples)
        pid = f"PM{start + k + 1:0{width}d}"
        site = f"G{g + 1:0{g_width}d}"
        samples.append(PMSample(pid, sex[ref], genos, site=site, dropout=dropout,
                                info={"age_min": max(0, age[ref] - 5),
                                      "age_max": age[ref] + 5,
                                      "date_recovered": grave_date[g],
                                      "district": f"V{v + 1:03d}"}))
        truth.append((pid, f"L{k + 1:04d}", fam.id, None, ref, "living reference",
                      f"V{v + 1:03d}", site))
    return samples, truth


def _drop_again(alleles: dict[str, np.ndarray], people: Sequence[str],
                parents: Mapping[str, tuple[str, str] | None], markers: Sequence[Marker],
                rng: np.random.Generator) -> None:
    """Draw again the allele indices (n_markers x 2) of ``people``, in order.

    A founder draws from the markers' frequencies; a child takes one of the two alleles of
    each parent (in ``alleles``, already drawn), mutated by the markers' male and female
    models. Taking either allele of an unordered genotype with probability 1/2 is the
    transmission of a gene drop, so the people are drawn given everyone else's genotypes.
    """
    n = len(markers)
    for x in people:
        row = np.empty((n, 2), dtype=np.int64)
        p = parents.get(x)
        for side in (0, 1):
            if p is None:
                got = np.array([_draw_rows(rng, _row_cdf(np.asarray(m.frequencies,
                                                                 dtype=np.float64))[None, :],
                                           np.zeros(1, dtype=np.int64))[0] for m in markers])
            else:
                got = alleles[p[side]][np.arange(n), rng.integers(0, 2, n)]
                for k, m in enumerate(markers):
                    matrices = m.matrices
                    if matrices is not None:  # (female, male): the father's side is male
                        got[k] = _draw_rows(rng, _row_cdf(matrices[1 - side]), got[k:k + 1])[0]
            row[:, side] = got
        alleles[x] = row


def _outside_fathers(tree: _Tree, references: Sequence[str], family: dict[str, str],
                     village: dict[str, int], age: dict[str, int]) -> list[str]:
    """Give each reference an outside man as its father in ``tree`` (in place); his id.

    The outside man of ``F0012_C2`` is ``F0012_NPC2``, of the household and village of the
    reference and of its stated father's age.
    """
    out = []
    for t in references:
        parents = tree.parents[t]
        assert parents is not None, t  # only references whose father the pedigree draws
        fa, mo = parents
        fid = family[t]
        x = f"{fid}_NP{t[len(fid) + 1:]}"
        tree.parents[x], tree.sex[x], tree.kids[x] = None, "M", [t]
        tree.kids[fa].remove(t)
        tree.parents[t] = (x, mo)
        family[x], village[x], age[x] = fid, village[t], age[fa]
        out.append(x)
    return out


def _descend_again(tree: _Tree, outsiders: Sequence[str], order: Sequence[str],
                   index: dict[str, int], lo: np.ndarray, hi: np.ndarray,
                   markers: Sequence[Marker], rng: np.random.Generator
                   ) -> dict[str, dict[str, tuple[str, str]]]:
    """Profiles of the outside men, their children and their children's descendants (in
    ``tree``), drawn given the genotypes ``lo``, ``hi`` of everyone else."""
    todo = [k for x in outsiders for k in tree.kids[x]]
    below: set[str] = set()
    while todo:
        x = todo.pop()
        if x not in below:
            below.add(x)
            todo.extend(tree.kids.get(x, ()))
    redo = list(outsiders) + [x for x in order if x in below]
    alleles = {}
    for x in redo:
        for p in tree.parents.get(x) or ():
            if p not in alleles and p in index:
                alleles[p] = np.stack([lo[index[p]], hi[index[p]]], axis=1).astype(np.int64)
    _drop_again(alleles, redo, tree.parents, markers, rng)
    return {x: {m.name: (m.alleles[int(a.min())], m.alleles[int(a.max())])
                for m, a in zip(markers, alleles[x])} for x in redo}


# --- markers ----------------------------------------------------------------------------------


def onestep_markers(markers: Sequence[Marker], *, female: tuple[float, float] = (0.0005, 0.001),
                    male: tuple[float, float] = (0.002, 0.003), seed: int = 0) -> list[Marker]:
    """The markers with a one-step stepwise mutation model, for simulating data.

    Each marker's female and male rates are drawn uniformly from the ranges (per generation;
    the defaults are realistic autosomal STR rates). A one-step mutation moves an allele to
    a neighbour one repeat away (``9.3`` to ``8.3`` or ``10.3``), never further.

    Examples
    --------
    >>> m = [Marker("M1", ["8", "9", "10"], [0.2, 0.3, 0.5])]
    >>> onestep_markers(m)[0].mutation.male.model
    'onestep'
    """
    rng = np.random.default_rng(seed)
    out = []
    for m in markers:
        f_rate, m_rate = float(rng.uniform(*female)), float(rng.uniform(*male))
        out.append(m.with_mutation(Mutation(female=MutationModel("onestep", rate=f_rate),
                                            male=MutationModel("onestep", rate=m_rate))))
    return out


# --- the scenario -----------------------------------------------------------------------------


def _span(name: str, value: float | tuple[float, float]) -> tuple[float, float]:
    lo, hi = (value, value) if isinstance(value, (int, float)) else value
    if lo > hi:
        raise InputError(f"{name} range ({lo}, {hi}) is empty")
    return float(lo), float(hi)


def simulate_grave_scenario(
        n_families: int, *, markers: Sequence[Marker], seed: int,
        p_registered: float = 0.6, p_recovered: float = 0.85,
        unrelated_fraction: float = 0.1, village_size: tuple[int, int] = (10, 30),
        theta: float = 0.0, simulate_markers: Sequence[Marker] | None = None,
        single_reference: bool | float = False,
        reference_mix: dict[str, float] | None = None,
        killing: dict[str, float] | None = None,
        mean_grave_size: float = 8.0,
        dropout_range: tuple[float, float] = (0.0, 0.3),
        marker_loss: float | tuple[float, float] = (0.0, 0.2),
        fragments: float = 0.1, unknown_sex: float = 0.1,
        name: str = "grave_scenario",
        evidence: bool | EvidenceModel = False,
        reference_errors: Mapping[str, float] | None = None,
        reference_in_pm: float = 0.0) -> GraveScenario:
    """A conflict-grave programme: households killed together, some of the dead registered.

    Each of ``n_families`` households (see the module text) loses some members in one
    killing. Each dead member is registered as missing with probability ``p_registered``;
    a household enters the register (a :class:`~forensic_match.cases.Family`) when at
    least one dead member is registered and a living blood relative can give a reference
    sample. A registered person who is no blood relative of any typed reference (an in-law)
    cannot be searched for and counts as unregistered. The recovered dead of a household lie
    in one grave (sometimes two) of the household's village, with the dead of other
    households of the village and with unrelated bodies.

    Parameters
    ----------
    n_families : int
        Households simulated (registered or not).
    markers : sequence of Marker
        The analysis markers: the dataset carries them.
    seed : int
        The same seed gives the same scenario.
    p_registered : float
        Probability that a dead person is registered as missing.
    p_recovered : float
        Probability that a dead person's body is in a grave (recovered).
    unrelated_fraction : float
        Share of the bodies that belong to no household (unrelated strangers of the village).
    village_size : (int, int)
        Range of households per village; the villages' founders share a subpopulation.
    theta : float
        Coancestry of the founders (and unrelated bodies) of one village, 0 <= theta < 1.
        The dataset's ``theta`` is left at 0: choosing the analysis theta is the caller's.
    simulate_markers : sequence of Marker, optional
        The same markers (names, alleles, order) with the mutation models to simulate with,
        e.g. :func:`onestep_markers`; default ``markers``.
    single_reference : bool or float
        Share of registered families that give one reference only (``True``: all).
    reference_mix : dict, optional
        Weights of the reference shapes; default :data:`REFERENCE_SHAPES`.
    killing : dict, optional
        Weights of the killing patterns; default :data:`KILLING_PATTERNS`.
    mean_grave_size : float
        Mean number of bodies per grave (geometric; a household's dead can make it larger).
    dropout_range, marker_loss, fragments, unknown_sex
        Degradation of PM samples as in
        :func:`~forensic_match.dvi.simulate.simulate_programme`.
    name : str
        Dataset id.
    evidence : bool or EvidenceModel
        Simulate the non-DNA records from the truth (``True``: the default
        :class:`~forensic_match.dvi.simulate.EvidenceModel`): each registered missing
        person's reported age, date and district of disappearance (the village's killing
        date and district) and reported stature; each PM sample's age interval (and
        sometimes estimate), morphological sex, bone-based stature, date of recovery and the
        grave's district, drawn from the body's own age, sex and stature (an unregistered
        brother's findings are his own). The evidence comes from a random stream of its own:
        the genotypes are those of ``evidence=False``. Without it the records are
        placeholders. See ``docs/simulation-evidence.md``.
    reference_errors : mapping, optional
        Probabilities, per registered family, of a reference sample that does not belong
        where the register puts it (keys of :data:`REFERENCE_ERRORS`, summing to at most 1;
        a family has at most one error):

        - ``"swap"``: one typed reference is exchanged with a same-sex typed reference of
          another registered family (a laboratory or register mix-up: both families hold a
          wrong sample; each family is in at most one swap);
        - ``"duplicate"``: one typed reference's profile is filed also under another typed
          member of the family, whose own profile is lost (families with two or more
          typed references only);
        - ``"non_paternity"``: the biological father of one typed reference is an outside
          man (a new founder, drawn from the markers' frequencies without the village's
          theta; in no pedigree and in no grave) and not the father the family's pedigree
          draws (references whose father it draws only). The reference and its descendants
          are gene-dropped from him, so their genotypes, ``people`` and the truth's
          ``relation`` follow biology; the pedigree stays as the family states it.

        The errors come from a random stream of their own (seeded by ``[seed, 7]``): all
        else is the scenario of ``reference_errors=None``, bar the genotypes of a
        non-paternity reference and its descendants. The errors are in
        ``GraveScenario.reference_errors``.
    reference_in_pm : float
        Probability, per registered family, that one of its typed references' profile is
        also among the PM samples: the reference's DNA in a bone extract (contamination in a
        laboratory that types both), or a reference sample filed as postmortem. The sample
        is degraded as the others, lies in a grave of the family's village, and comes after
        the others; its truth row has the reference as ``person``, body ``L0001``...,
        ``missing`` null and ``relation`` ``living reference``; its records are placeholders
        (with ``evidence``: its grave's date and district only, no findings). Drawn from a
        stream of its own (``[seed, 8]``): all else is the scenario of
        ``reference_in_pm=0``.

    Returns
    -------
    GraveScenario

    Raises
    ------
    InputError
        Parameters out of range, or ``simulate_markers`` that differ from ``markers`` in
        names or alleles.

    Examples
    --------
    >>> m = [Marker(f"M{k}", ["1", "2", "3"], [0.2, 0.3, 0.5]) for k in range(6)]
    >>> sc = simulate_grave_scenario(30, markers=m, seed=1)
    >>> sc.truth.columns[:6]
    ['pm', 'body', 'family', 'missing', 'person', 'relation']
    """
    if n_families < 1:
        raise InputError(f"need at least one household, got n_families={n_families}")
    markers = list(markers)
    if not markers:
        raise InputError("no markers")
    sim_markers = _simulation_markers(markers, simulate_markers)
    if not 0.0 <= theta < 1.0:
        raise InputError(f"theta must lie in [0, 1), got {theta}")
    p_registered = _fraction("p_registered", p_registered)
    p_recovered = _fraction("p_recovered", p_recovered)
    unrelated_fraction = _fraction("unrelated_fraction", unrelated_fraction)
    if unrelated_fraction >= 1.0:
        raise InputError("unrelated_fraction must be below 1")
    single = 1.0 if single_reference is True else _fraction("single_reference",
                                                              float(single_reference))
    fragments = _fraction("fragments", fragments)
    unknown_sex = _fraction("unknown_sex", unknown_sex)
    d_lo, d_hi = (_fraction("dropout_range", x) for x in _span("dropout_range", dropout_range))
    l_lo, l_hi = (_fraction("marker_loss", x) for x in _span("marker_loss", marker_loss))
    if l_hi >= 1.0:
        raise InputError("marker_loss must be below 1 (a PM sample needs some markers)")
    v_lo, v_hi = (int(x) for x in village_size)
    if not 1 <= v_lo <= v_hi:
        raise InputError(f"village_size must be a range of at least one household, got "
                         f"{village_size}")
    if mean_grave_size < 1.0:
        raise InputError(f"mean_grave_size must be at least 1, got {mean_grave_size}")
    shapes = dict(REFERENCE_SHAPES if reference_mix is None else reference_mix)
    patterns = dict(KILLING_PATTERNS if killing is None else killing)
    for what, spec, known in (("reference_mix", shapes, REFERENCE_SHAPES),
                              ("killing", patterns, KILLING_PATTERNS)):
        bad = [k for k in spec if k not in known]
        if bad or not spec or min(spec.values()) < 0 or sum(spec.values()) <= 0:
            raise InputError(f"{what} must give non-negative weights to some of "
                             f"{', '.join(known)}; got {spec!r}")
    rates = dict(reference_errors or {})
    bad = [k for k in rates if k not in REFERENCE_ERRORS]
    if bad or any(not 0.0 <= float(v) <= 1.0 for v in rates.values()) or \
            sum(rates.values()) > 1.0:
        raise InputError(f"reference_errors must give probabilities in [0, 1], summing to at "
                         f"most 1, to some of {', '.join(REFERENCE_ERRORS)}; got {rates!r}")
    if not 0.0 <= reference_in_pm <= 1.0:
        raise InputError(f"reference_in_pm must be a probability, got {reference_in_pm!r}")
    model = _evidence_model(evidence)
    rng = np.random.default_rng(seed)
    width = max(4, len(str(n_families)))

    # Villages: consecutive households, 10-30 to a village by default.
    village_of: list[int] = []
    while len(village_of) < n_families:
        village_of.extend([len(set(village_of))] * int(rng.integers(v_lo, v_hi + 1)))
    village_of = village_of[:n_families]
    n_villages = village_of[-1] + 1
    event_date = _dates(rng, EVENT_YEARS, n_villages)

    pattern_names = list(patterns)
    pattern_w = np.array([patterns[k] for k in pattern_names], dtype=np.float64)
    pattern_w /= pattern_w.sum()
    households = [_build_household(f"F{f + 1:0{width}d}", rng) for f in range(n_families)]
    all_records = [r for h in households for r in h.records]
    tree = _Tree(all_records)
    person_family = {r[0]: h.fid for h in households for r in h.records}
    person_village = {r[0]: village_of[f] for f, h in enumerate(households) for r in h.records}
    age = {k: v for h in households for k, v in h.age.items()}

    dead: set[str] = set()
    registered_all: set[str] = set()
    typed_all: set[str] = set()
    families: list[Family] = []
    fam_rows: list[dict[str, Any]] = []
    missing_of: dict[str, list[str]] = {}
    for f, h in enumerate(households):
        pattern = pattern_names[int(rng.choice(len(pattern_names), p=pattern_w))]
        died = _kill(h, pattern, rng)
        dead.update(died)
        registered = [d for d in died if rng.random() < p_registered]
        order = [r[0] for r in h.records]
        alive = [x for x in order if x not in died]
        chosen: tuple[str, list[str]] | None = None
        for j in rng.permutation(len(registered)):
            options = _reference_options(tree, registered[int(j)], alive, rng)
            names = [s for s in options if shapes.get(s, 0.0) > 0]
            if names:
                w = np.array([shapes[s] for s in names])
                pick = names[int(rng.choice(len(names), p=w / w.sum()))]
                chosen = (pick, options[pick])
                break
        if chosen is None:
            continue
        shape, typed = chosen
        if rng.random() < single:
            typed = typed[:1]
        missing = [m for m in registered if any(tree.blood(m, t) for t in typed)]
        ped = Pedigree.from_records(_reported_pedigree(tree, order, set(missing) | set(typed)))
        if not ped.is_connected():
            continue
        missing = [m for m in order if m in missing]
        registered_all.update(missing)
        typed_all.update(typed)
        missing_of[h.fid] = missing
        v = village_of[f]
        info = {m: {"age": age[m], "date_missing": event_date[v],
                    "place_missing": f"V{v + 1:03d}"} for m in missing}
        families.append(Family(h.fid, ped, missing, {t: {} for t in typed}, info=info))
        fam_rows.append({"family": h.fid, "shape": shape, "n_missing": len(missing),
                         "n_typed": len(typed), "village": f"V{v + 1:03d}",
                         "n_dead": len(died), "n_unregistered_dead": len(died) - len(missing)})

    # Bodies: the recovered dead, then unrelated strangers of the villages.
    order_all = [r[0] for r in all_records]
    recovered = [x for x in order_all if x in dead and rng.random() < p_recovered]
    n_unrel = int(round(unrelated_fraction / (1.0 - unrelated_fraction) * len(recovered)))
    unrel_ids = [f"U{j + 1:0{width}d}" for j in range(n_unrel)]
    unrel_village = rng.integers(0, n_villages, n_unrel)
    for j, u in enumerate(unrel_ids):
        tree.parents[u] = None
        tree.sex[u] = "M" if rng.random() < 0.75 else "F"
        tree.kids[u] = []
        person_village[u] = int(unrel_village[j])
        age[u] = int(rng.integers(15, 71))

    # Genotypes of everyone; founders of a village share its subpopulation.
    people = order_all + unrel_ids
    index = {x: i for i, x in enumerate(people)}
    parent_idx = [tree.parents.get(x) for x in people]
    pop = _Population(
        father=np.array([-1 if p is None else index[p[0]] for p in parent_idx], dtype=np.int64),
        mother=np.array([-1 if p is None else index[p[1]] for p in parent_idx], dtype=np.int64),
        group=np.array([person_village[x] for x in people], dtype=np.int64),
        n_groups=n_villages)
    lo, hi = _gene_drop(pop, sim_markers, rng, theta=theta, mutation=True)
    labels = _Labels(markers, lo, hi)
    genotypes = {x: labels.profile(i) for i, x in enumerate(people)}
    errors: list[tuple[str, str, str, str | None]] = []
    if rates:
        errors = _draw_reference_errors(families, tree.sex, rates,
                                        np.random.default_rng([seed, 7]))
        outsiders = _outside_fathers(tree, [e[1] for e in errors if e[2] == "non_paternity"],
                                     person_family, person_village, age)
        people += outsiders
        if outsiders:
            genotypes.update(_descend_again(tree, outsiders, order_all, index, lo, hi,
                                            sim_markers, np.random.default_rng([seed, 7, 1])))
    for fam in families:
        fam.genotypes = {t: genotypes[t] for t in fam.genotypes}
    if errors:
        by_id = {fam.id: fam for fam in families}
        for fid, person, kind, other in errors:
            if kind == "duplicate":
                by_id[fid].genotypes[person] = dict(genotypes[str(other)])
            elif kind == "swap":
                partner = next(e[1] for e in errors if e[0] == other and e[3] == fid)
                by_id[fid].genotypes[person] = dict(genotypes[partner])

    # Graves: per village, each household's recovered dead as one cluster (or two), and the
    # unrelated bodies as single clusters, shuffled and packed into graves.
    bodies = recovered + unrel_ids
    body_order = rng.permutation(len(bodies))
    b_width = max(4, len(str(len(bodies))))
    body_id = {bodies[j]: f"B{k + 1:0{b_width}d}" for k, j in enumerate(body_order)}
    clusters_by_village: dict[int, list[list[str]]] = {}
    by_household: dict[str, list[str]] = {}
    for x in recovered:
        by_household.setdefault(person_family[x], []).append(x)
    for members in by_household.values():
        v = person_village[members[0]]
        if len(members) > 1 and rng.random() >= ONE_GRAVE:
            cut = int(rng.integers(1, len(members)))
            split = [members[j] for j in rng.permutation(len(members))]
            clusters_by_village.setdefault(v, []).extend([split[:cut], split[cut:]])
        else:
            clusters_by_village.setdefault(v, []).append(members)
    for u in unrel_ids:
        clusters_by_village.setdefault(person_village[u], []).append([u])
    grave_of: dict[str, int] = {}
    n_graves = 0
    for v in sorted(clusters_by_village):
        clusters = clusters_by_village[v]
        clusters = [clusters[c] for c in rng.permutation(len(clusters))]
        c = 0
        while c < len(clusters):
            size = int(rng.geometric(1.0 / mean_grave_size))
            held = 0
            while c < len(clusters) and (held == 0 or held + len(clusters[c]) <= size):
                for x in clusters[c]:
                    grave_of[x] = n_graves
                held += len(clusters[c])
                c += 1
            n_graves += 1
    g_width = max(4, len(str(n_graves)))
    grave_date = _dates(rng, RECOVERY_YEARS, n_graves)

    # Relation of each unregistered dead body to the registered missing of its household.
    def nearest(x: str) -> str:
        fid = person_family.get(x)
        if fid is None or x in registered_all:
            return ""
        best: tuple[int, str] | None = None
        for m in missing_of.get(fid, []):
            r = tree.relation(x, m)
            if r is not None and (best is None or RELATIONS.index(r) < best[0]):
                best = (RELATIONS.index(r), f"{r} of {m}")
        return "" if best is None else best[1]

    # PM samples: one per body, or two or three fragments.
    n_frag = 1 + (rng.random(len(bodies)) < fragments) * \
        (1 + (rng.random(len(bodies)) < THREE_FRAGMENTS))
    sample_body = np.repeat(np.arange(len(bodies)), n_frag)
    sample_body = sample_body[rng.permutation(len(sample_body))]
    n_pm = len(sample_body)
    dropout = rng.uniform(d_lo, d_hi, n_pm)
    loss = rng.uniform(l_lo, l_hi, n_pm)
    sex_unknown = rng.random(n_pm) < unknown_sex
    width_age = rng.choice([6, 10, 16], size=n_pm)
    centre_err = rng.normal(0.0, 4.0, n_pm)
    pm_width = max(4, len(str(n_pm)))
    samples, truth_rows = [], []
    for s in range(n_pm):
        x = bodies[int(sample_body[s])]
        genos: dict[str, Any] = {}
        while not genos:
            genos = degrade(genotypes[x], dropout=float(dropout[s]), seed=rng,
                            marker_loss=float(loss[s]))
        g = grave_of[x]
        site = f"G{g + 1:0{g_width}d}"
        pid = f"PM{s + 1:0{pm_width}d}"
        age_min = max(0, int(round(age[x] + centre_err[s] - width_age[s] / 2)))
        samples.append(PMSample(
            pid, "U" if sex_unknown[s] else tree.sex[x], genos, site=site,
            dropout=float(dropout[s]),
            info={"age_min": age_min, "age_max": age_min + int(width_age[s]),
                  "date_recovered": grave_date[g],
                  "district": f"V{person_village[x] + 1:03d}"}))
        fid = person_family.get(x)
        truth_rows.append((pid, body_id[x], fid, x if x in registered_all else None, x,
                           nearest(x), f"V{person_village[x] + 1:03d}", site))
    evidence_truth = None
    if model is not None:
        ev_rng = _evidence_rng(seed)
        districts = _Districts(max(4, n_villages), ev_rng, model.district_spacing_km)
        village_district = ev_rng.integers(0, len(districts.codes), n_villages)
        grave_village = np.zeros(n_graves, dtype=np.int64)
        for x, g in grave_of.items():
            grave_village[g] = person_village[x]
        grave_district = districts.near(ev_rng, village_district[grave_village],
                                        model.burial_district)
        bodies_set = set(bodies)
        persons = [x for x in order_all if x in registered_all or x in bodies_set] + unrel_ids
        position = {x: j for j, x in enumerate(persons)}
        ev = _simulate_evidence(model, ev_rng, districts, _EvidenceInput(
            person=persons, family=[person_family.get(x) for x in persons],
            body=[body_id.get(x) for x in persons],
            registered=[x in registered_all for x in persons],
            sex=[tree.sex[x] for x in persons], age=np.array([age[x] for x in persons]),
            date_missing=[event_date[person_village[x]] for x in persons],
            home=village_district[[person_village[x] for x in persons]],
            sibship=[tree.parents.get(x) for x in persons],
            sample_person=np.array([position[bodies[int(b)]] for b in sample_body],
                                   dtype=np.int64),
            sample_grave=np.array([grave_of[bodies[int(b)]] for b in sample_body],
                                  dtype=np.int64),
            grave_district=grave_district, grave_date=list(grave_date)))
        for sample, info in zip(samples, ev.pm, strict=True):
            sample.info = info
        for fam in families:
            fam.info = {m: ev.am[m] for m in fam.missing}
        evidence_truth = ev.truth

    if reference_in_pm > 0:
        extra_samples, extra_truth = _references_in_pm(
            families, reference_in_pm, np.random.default_rng([seed, 8]), genotypes, grave_of,
            person_village, age, tree.sex, start=n_pm, width=pm_width, g_width=g_width,
            grave_date=grave_date, dropout_range=(d_lo, d_hi), loss_range=(l_lo, l_hi))
        if model is not None:
            # the grave's records (date, district) as its bodies' samples have them; no
            # findings of the sample's own
            grave_info = {s.site: s.info for s in samples}
            for s in extra_samples:
                s.info = {k: grave_info[s.site][k] for k in ("date_recovered", "district")
                          if k in grave_info.get(s.site, {})}
        samples += extra_samples
        truth_rows += extra_truth
    truth = pl.DataFrame(truth_rows, schema={c: pl.String for c in TRUTH_COLUMNS},
                         orient="row")
    fam_table = pl.DataFrame(
        fam_rows, schema={"family": pl.String, "shape": pl.String, "n_missing": pl.Int64,
                          "n_typed": pl.Int64, "village": pl.String, "n_dead": pl.Int64,
                          "n_unregistered_dead": pl.Int64})
    people_table = pl.DataFrame(
        {"person": people, "family": [person_family.get(x) for x in people],
         "village": [f"V{person_village[x] + 1:03d}" for x in people],
         "father": [None if p is None else p[0] for p in map(tree.parents.get, people)],
         "mother": [None if p is None else p[1] for p in map(tree.parents.get, people)],
         "sex": [tree.sex[x] for x in people], "age": [age[x] for x in people],
         "dead": [x in dead or x in unrel_ids for x in people],
         "missing": [x in registered_all for x in people],
         "typed": [x in typed_all for x in people],
         "body": [body_id.get(x) for x in people]},
        schema={"person": pl.String, "family": pl.String, "village": pl.String,
                "father": pl.String, "mother": pl.String, "sex": pl.String,
                "age": pl.Int64, "dead": pl.Boolean, "missing": pl.Boolean,
                "typed": pl.Boolean, "body": pl.String})
    profiles = {body_id[x]: genotypes[x] for x in bodies}
    from forensic_match import __version__

    params = {"n_families": n_families, "seed": seed, "p_registered": p_registered,
              "p_recovered": p_recovered, "unrelated_fraction": unrelated_fraction,
              "village_size": [v_lo, v_hi], "theta": theta, "single_reference": single,
              "reference_mix": shapes, "killing": patterns, "mean_grave_size": mean_grave_size,
              "dropout_range": [d_lo, d_hi], "marker_loss": [l_lo, l_hi],
              "fragments": fragments, "unknown_sex": unknown_sex,
              "simulate_mutation": _mutation_text(sim_markers),
              "analysis_mutation": _mutation_text(markers)}
    if model is not None:
        params["evidence"] = model.to_dict()
    if rates:
        params["reference_errors"] = rates
    if reference_in_pm > 0:
        params["reference_in_pm"] = reference_in_pm
    n_reg_households = len(families)
    text = (f"Synthetic conflict-grave scenario (forensic_match {__version__} "
            f"simulate_grave_scenario, seed {seed}): {n_families} households in {n_villages} "
            f"villages, {len(dead)} dead, {n_reg_households} registered families with "
            f"{len(registered_all)} missing persons; {len(bodies)} bodies "
            f"({n_unrel} unrelated) in {n_graves} graves, {n_pm} PM samples; village theta "
            f"{theta:g}; simulated with {params['simulate_mutation']} mutation. Ground truth "
            f"in 'truth'; "
            + ("ages, dates and sites are placeholders." if model is None else
               "AM records and PM findings drawn from the true ages, sexes, statures, dates "
               "and districts with the stated error models (docs/simulation-evidence.md).")
            + ("" if not rates else
               " Reference errors: " + ", ".join(
                   f"{sum(e[2] == k for e in errors)} {k}" for k in REFERENCE_ERRORS)
               + " (wrong references, in 'reference_errors')."))
    extra: dict[str, Any] = {"simulation": {"generator": "forensic_match.dvi.scenarios."
                                            "simulate_grave_scenario",
                                            "version": __version__, "parameters": params}}
    if model is not None:
        extra["district_coordinates"] = districts.coordinates()
    dataset = DviDataset(name, markers, samples, families, theta=0.0, description=text,
                         extra=extra)
    return GraveScenario(dataset, truth, fam_table, profiles, evidence_truth,
                         people=people_table, genotypes=genotypes,
                         reference_errors=pl.DataFrame(errors, schema=REFERENCE_ERROR_SCHEMA,
                                                       orient="row"))


def _mutation_text(markers: Sequence[Marker]) -> str:
    """The markers' mutation models in a few words (``"equal, female 0.0005, male 0.002"``)."""
    muts = [m.mutation for m in markers if m.mutation is not None]
    if not muts:
        return "none"
    models = sorted({x.female.model for x in muts} | {x.male.model for x in muts})

    def span(rates: list[float]) -> str:
        lo, hi = min(rates), max(rates)
        return f"{lo:.4g}" if lo == hi else f"{lo:.4g}-{hi:.4g}"

    return (f"{'/'.join(models)}, female {span([x.female.rate for x in muts])}, "
            f"male {span([x.male.rate for x in muts])}"
            + ("" if len(muts) == len(markers) else " (some markers without mutation)"))
