"""dvir's ``dviSolve()`` workflow: AM and PM tables of conclusions.

A port of the rules of R's dvir 3.4.2 (Vigeland & Egeland; ``R/dviSolve.R`` and the functions
it calls), written on forensic_match's engines:

1. pairings: each PM sample against the missing persons of *equal* recorded sex
   (``generatePairings``);
2. non-identifiable missing persons, unrelated (kinship 0) to every typed reference of their
   family, directly or through other missing persons (``findNonidentifiable``);
3. a loop until nothing changes: exclusions (a pair with more than ``max_incomp``
   Mendelian-inconsistent markers is dropped; a sample or missing person left with no pair
   is *Excluded*, ``findExcluded``), then undisputed matches, step by step with the
   identified profiles moved into their families (``findUndisputed``);
4. AM-driven: each family with one missing person left is concluded from its column of the
   last LR matrix (``.simpleFamDVI``); each family with several is solved jointly and
   concluded by generalised LRs (``dviJoint``, ``pairwiseGLR``, ``symmetricGLR``);
5. PM-driven: each remaining sample from its row of the last LR matrix (``.pmDrivenDVI``);
6. the two tables (``formatSummary``).

The initial LR matrix and exclusion counts come from the compiled tables
(:mod:`forensic_match.dvi.compile`, one table gather per marker); LRs in families that
received identified profiles, the joint likelihoods, and every LR that lies within
:data:`BOUNDARY_RTOL` of a decision threshold are computed with the exact engine, summed
the way dvir sums them (per-marker natural logs, accumulated in extended precision, then
``exp(loglik_move - loglik_0)``), which reproduces dvir's rounding: an LR that is 1 in
theory and 0.9999999999999964 in dvir is a "No match" in both. The rules, with their
sources, are in ``docs/dvisolve.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from forensic_match.cases import DviDataset, Family
from forensic_match.errors import ForensicMatchError

if TYPE_CHECKING:
    import polars as pl

#: An LR from the compiled tables within this relative distance of a threshold (1, the
#: probable and the undisputed thresholds) is recomputed exactly, dvir's way.
BOUNDARY_RTOL = 1e-6

#: R's ``sqrt(.Machine$double.eps)`` and ``.Machine$double.eps``.
_SQRT_EPS = math.sqrt(2.220446049250313e-16)
_EPS = 2.220446049250313e-16

AM_COLUMNS = ("Family", "Missing", "Sample", "LR", "GLR", "Conclusion", "Comment")
PM_COLUMNS = ("Sample", "Missing", "Family", "LR", "GLR", "Conclusion", "Comment")

Pairs = frozenset[tuple[str, str]]  # {(missing person, PM sample)} moved into a family


def _rsum(values: Any) -> float:
    """R's ``sum()``: sequential accumulation in extended precision, rounded to double."""
    acc = np.longdouble(0.0)
    for x in values:
        acc += np.longdouble(x)
    return float(acc)


def compiled_pairs(dataset: DviDataset, *, no_mutation: Sequence[str] = (),
                   ) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], int], Any] | None:
    """Pairwise LRs and exclusion counts of every PM sample against every missing person
    from the compiled tables (:func:`~forensic_match.dvi.compile.compile_families` and the
    search kernel: one table gather per marker), regardless of sex.

    ``LR = P(F's data, V typed as M) / (P(F's data) P(V))`` as
    :func:`~forensic_match.dvi.joint.pairwise_lr_matrix` computes it with the exact engine
    (agreement 4e-10 relative or better on the reference datasets), and the number of
    markers at which that placement is impossible without mutation (forrel
    ``findExclusions``: a marker where the family's data alone are impossible counts too).

    Parameters
    ----------
    dataset : DviDataset
    no_mutation : sequence of str
        Families compiled with every mutation model switched off (the joint analysis's
        convention for Mendelian-consistent families).

    Returns
    -------
    (dict, dict, CompiledTables) or None
        ``{(pm, missing): LR}``, ``{(pm, missing): count}`` and the tables; None when they cannot
        serve (theta > 0: the peer's pairwise LR evaluates the sample on its own, which the
        tables do not; no sample or no missing person; an allele outside the panel).
    """
    ds = dataset
    if ds.theta > 0 or not ds.pm or not any(f.missing for f in ds.am):
        return None
    off = set(no_mutation) if any(m.mutation is not None for m in ds.markers) else set()
    # Cached on the dataset object (as markers cache their derived forms): the command line
    # asks for the same tables for the pairwise list, the joint and the dviSolve tables.
    cache = ds.__dict__.setdefault("_fm_compiled_pairs", {})
    key = frozenset(off)
    if key not in cache:
        cache[key] = _compiled_pairs(ds, off)
    return cache[key]


def _encoded(ds: DviDataset, tables: Any) -> Any:
    """The PM samples encoded for the search kernel on ``tables``' panel (cached)."""
    from forensic_match.dvi._search_numba import compact
    from forensic_match.dvi.search import encode_samples

    cache = ds.__dict__.setdefault("_fm_encoded", {})
    key = tuple((m.name, len(m)) for m in tables.markers)
    if key not in cache:
        enc = encode_samples(ds.pm, tables.markers, tables.offsets)
        cache[key] = (enc, compact(
            enc.pos, enc.drop_idx,
            enc.drop_w if enc.drop_w.size else np.zeros(enc.pos.shape + (2,))))
    return cache[key]


def _scores(ds: DviDataset, tables: Any) -> np.ndarray:
    """log10 LR of every compiled row (rows) against every PM sample (columns)."""
    from forensic_match.dvi._search_numba import score_block

    enc, (n_e, e_pos, n_d, d_aa, d_a, d_c, n_g, g_e) = _encoded(ds, tables)
    n_rows, n_s = len(tables.rows), len(ds.pm)
    sums = tables.allele_sums if tables.allele_sums.shape[:2] == (
        n_rows, enc.allele_off[-1]) else np.zeros((n_rows, 1, 2))
    rows = np.arange(n_rows, dtype=np.int64)
    score = np.empty((n_rows, n_s))
    top = np.empty((n_rows, 1))
    top_idx = np.empty((n_rows, 1), dtype=np.int64)
    score_block(tables.log10_lr, sums, False, np.zeros((1, 1)), np.zeros((1, 1, 2)), rows,
                np.zeros(n_rows, dtype=np.int64), enc.sex, n_e, e_pos, n_d, d_a, d_c, n_g,
                g_e, enc.unc_ptr, enc.unc_pos, enc.unc_w, 0, score, top, top_idx)
    return score


def conditioned_pairs(dataset: DviDataset, family: Family, fixed: Pairs,
                      missing: Sequence[str], markers: Sequence[Any],
                      ) -> dict[tuple[str, str], float] | None:
    """Pairwise LRs of every PM sample against ``missing`` of ``family`` once the samples of
    ``fixed`` ({(missing person, sample)}) are placed in it, from tables compiled on the
    family with those profiles added: what dvir's ``findUndisputed`` recomputes after each
    step, at the cost of one compile instead of one pedigree likelihood per pair.

    A placed sample with dropout is placed with its observation model. Returns None where
    the tables cannot serve (theta > 0, impossible data); the caller then uses the exact
    engine.
    """
    from forensic_match.dvi.compile import CompiledTables, compile_rows
    from forensic_match.errors import InputError
    from forensic_match.profiles import Observation

    samples = {s.id: s for s in dataset.pm}
    if dataset.theta > 0 or not missing:
        return None
    genotypes = dict(family.genotypes)
    observation = {}
    for mp, pm in fixed:
        genotypes[mp] = samples[pm].genotypes
        if samples[pm].dropout > 0:
            observation[mp] = Observation(dropout=samples[pm].dropout)
    placed = Family(family.id, family.pedigree, list(missing), genotypes)
    try:
        rows = compile_rows(placed, list(missing), list(markers),
                            observation=observation or None)
        tables = CompiledTables.stack(list(markers), [(family.id, m) for m in missing], rows,
                                      [family.sex_of(m) for m in missing])
        if not np.all(np.isfinite(tables.log10_likelihood)):
            return None
        score = _scores(dataset, tables)
    except InputError:
        return None
    with np.errstate(over="ignore"):
        lr = np.power(10.0, score)
    ids = [s.id for s in dataset.pm]
    out: dict[tuple[str, str], float] = {}
    for r, (_, m) in enumerate(tables.rows):
        out.update(zip(((v, m) for v in ids), lr[r].tolist()))
    return out


def compiled_tables(dataset: DviDataset) -> Any:
    """The :class:`~forensic_match.dvi.compile.CompiledTables` that
    :func:`compiled_pairs` built for ``dataset`` (mutation models as given), or None; for
    reuse by :func:`~forensic_match.dvi.identify.identify`."""
    got = dataset.__dict__.get("_fm_compiled_pairs", {}).get(frozenset())
    return None if got is None else got[2]


def _compiled_pairs(ds: DviDataset, off: set[str]) -> Any:
    from forensic_match.dvi._search_numba import pair_counts
    from forensic_match.dvi.compile import _concatenate, compile_families
    from forensic_match.errors import InputError

    plain = [m if m.mutation is None else m.with_mutation(None) for m in ds.markers]
    try:
        parts = [compile_families([f], plain if f.id in off else ds.markers)
                 for f in ds.am] if off else [compile_families(ds.am, ds.markers)]
        tables = _concatenate(parts[0].markers, parts, 0.0) if off else parts[0]
        enc, (n_e, e_pos, n_d, d_aa, d_a, d_c, n_g, g_e) = _encoded(ds, tables)
    except InputError:
        return None
    if not np.all(np.isfinite(tables.log10_likelihood)):
        return None  # impossible reference data: the exact path says where
    n_rows, n_s = len(tables.rows), len(ds.pm)
    rows = np.arange(n_rows, dtype=np.int64)
    score = _scores(ds, tables)
    r_all = np.repeat(rows, n_s)
    s_all = np.tile(np.arange(n_s, dtype=np.int64), n_rows)
    _, bad = pair_counts(tables.consistent, r_all, s_all, n_e, e_pos, n_d, d_aa, d_a, n_g,
                         g_e, enc.unc_ptr, enc.unc_pos, tables.offsets, enc.allele_off)
    bad = bad.reshape(n_rows, n_s)
    # A marker where the reference data alone are impossible without mutation counts for
    # every sample (forrel::findExclusions); the compiled flags call every genotype possible
    # there (no judgement), so those markers are found with the engine, once per family.
    if any(m.mutation is not None for m in tables.markers):
        from forensic_match.likelihood import pedigree_likelihood

        plain_markers = [m if m.mutation is None else m.with_mutation(None)
                         for m in tables.markers]
        row_of = {key: r for r, key in enumerate(tables.rows)}
        for f in ds.am:
            if not f.missing:
                continue
            dead = int(np.sum(~(pedigree_likelihood(f.pedigree, plain_markers,
                                                    f.genotypes) > 0)))
            if dead:
                for m in f.missing:
                    bad[row_of[(f.id, m)]] += dead
    with np.errstate(over="ignore"):
        lr = np.power(10.0, score)
    ids = [s.id for s in ds.pm]
    lr_out: dict[tuple[str, str], float] = {}
    bad_out: dict[tuple[str, str], int] = {}
    for r, (_, m) in enumerate(tables.rows):
        lr_out.update(zip(((v, m) for v in ids), lr[r].tolist()))
        bad_out.update(zip(((v, m) for v in ids), bad[r].tolist()))
    return lr_out, bad_out, tables


# --------------------------------------------------------------------------------------------
# Likelihoods
# --------------------------------------------------------------------------------------------

class _Engine:
    """Component log-likelihoods as dvir computes them, and the compiled shortcut."""

    def __init__(self, dataset: DviDataset, compiled: bool) -> None:
        from forensic_match.dvi.joint import _Likelihoods

        self.ds = dataset
        self.lik = _Likelihoods(dataset)
        self.fam = {f.id: f for f in dataset.am}
        self.fam_of = {m: f.id for f in dataset.am for m in f.missing}
        self._ll_fam: dict[tuple[str, Pairs], float] = {}
        self._ll_pm: dict[str, float] = {}
        self.lr0: dict[tuple[str, str], float] = {}
        self.bad0: dict[tuple[str, str], int] = {}
        self.compiled = False
        if compiled and dataset.theta == 0:
            self.compiled = self._compile()

    def _compile(self) -> bool:
        got = compiled_pairs(self.ds)
        if got is None:
            return False
        self.lr0, self.bad0 = got[:2]
        return True

    # -- exact, dvir's way ---------------------------------------------------------------
    def fam_ll(self, fid: str, fixed: Pairs) -> float:
        key = (fid, fixed)
        ll = self._ll_fam.get(key)
        if ll is None:
            vals = self.lik.family(self.fam[fid], fixed, mutation=True)
            with np.errstate(divide="ignore"):
                ll = _rsum(np.log(vals))
            self._ll_fam[key] = ll
        return ll

    def pm_ll(self, pm: str) -> float:
        ll = self._ll_pm.get(pm)
        if ll is None:
            with np.errstate(divide="ignore"):
                ll = _rsum(np.log(self.lik.sample(pm)))
            self._ll_pm[pm] = ll
        return ll

    def n_incompatible(self, fid: str, fixed: Pairs, mp: str, pm: str) -> int:
        """Markers where the family with ``pm`` placed on ``mp`` is impossible without
        mutation (forrel::findExclusions)."""
        if not fixed and (pm, mp) in self.bad0:
            return self.bad0[(pm, mp)]
        vals = self.lik.family(self.fam[fid], fixed | {(mp, pm)}, mutation=False)
        return int(np.sum(~(vals > 0)))


# --------------------------------------------------------------------------------------------
# The evolving problem (dvir's dviData)
# --------------------------------------------------------------------------------------------

@dataclass
class _State:
    pm: list[str]                            # PM samples, in order
    missing: list[str]                       # missing persons, in order
    fixed: dict[str, Pairs]                  # family -> (missing, sample) moved into it
    pairings: dict[str, list[str]]           # sample -> candidate missing persons (no "*")
    fam_of: Mapping[str, str] = field(default_factory=dict)

    def families(self) -> list[str]:
        """Families with a missing person left, in dataset order (dvir drops the others)."""
        out: list[str] = []
        for m in self.missing:
            f = self.fam_of[m]
            if f not in out:
                out.append(f)
        return out

    def key(self) -> tuple[Any, ...]:
        return (tuple(self.pm), tuple(self.missing),
                tuple(sorted((f, tuple(sorted(p))) for f, p in self.fixed.items())),
                tuple((v, frozenset(self.pairings.get(v, ()))) for v in self.pm))

    def subset(self, *, pm: Sequence[str] | None = None, missing: Sequence[str] | None = None,
               families: Sequence[str] | None = None, remove_unpaired: bool = True,
               ) -> tuple[_State, list[str]]:
        """dvir's ``subsetDVI``; also returns the samples dropped for having no pairing."""
        new_pm = list(pm) if pm is not None else list(self.pm)
        if missing is not None:
            keep = set(missing)
            new_missing = [m for m in self.missing if m in keep]
        elif families is not None:
            keep_f = set(families)
            new_missing = [m for m in self.missing if self.fam_of[m] in keep_f]
        else:
            new_missing = list(self.missing)
        kept = set(new_missing)
        pairings = {v: [m for m in self.pairings.get(v, []) if m in kept] for v in new_pm}
        dropped = []
        if remove_unpaired:
            dropped = [v for v in new_pm if not pairings[v]]
            new_pm = [v for v in new_pm if pairings[v]]
            pairings = {v: pairings[v] for v in new_pm}
        return _State(new_pm, new_missing, dict(self.fixed), pairings, self.fam_of), dropped


def _row(cols: Sequence[str], **values: Any) -> dict[str, Any]:
    return {c: values.get(c) for c in cols}


def _fmt2g(x: float) -> str:
    return "Inf" if x == math.inf else f"{x:.2g}"


# --------------------------------------------------------------------------------------------
# Relationship words (verbalisr::verbalise, as dviSolve formats it)
# --------------------------------------------------------------------------------------------

def _ancestors_inclusive(ped: Any, ident: str) -> set[str]:
    return ped.ancestors(ident) | {ident}


def _paths_down(ped: Any, anc: str, target: str) -> list[list[str]]:
    """Every path from ``anc`` down to ``target`` (both included)."""
    if anc == target:
        return [[anc]]
    out = []
    for child in ped.children(anc):
        if child == target or target in ped.descendants(child):
            out.extend([[anc] + p for p in _paths_down(ped, child, target)])
    return out


_TUPLE = {2: "double", 3: "triple", 4: "quadruple", 5: "quintuple", 6: "sextuple",
          7: "septuple", 8: "octuple"}


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"{n}'th")


def _numtimes(n: int) -> str:
    return {0: "", 1: "once", 2: "twice"}.get(n, f"{n} times")


def relationship(family: Family, a: str, b: str, *, cap: bool = False) -> str:
    """Description of the relationship of ``a`` and ``b`` in ``family``'s pedigree, as
    ``verbalisr::verbalise(...) |> format(simplify = TRUE, collapse = " + ")`` words it
    (verbalisr 0.7, ``R/verbalise.R``, ``R/pathData.R``): "full siblings", "father-son",
    "half siblings", "uncle-nephew", "first cousins", "unrelated"...

    Parameters
    ----------
    family : Family
    a, b : str
        Two members of the pedigree.
    cap : bool
        Capitalise the first letter.

    Returns
    -------
    str

    Examples
    --------
    >>> from forensic_match.pedigree import full_siblings  # doctest: +SKIP
    >>> relationship(fam, "M1", "M2")  # doctest: +SKIP
    'full siblings'
    """
    ped = family.pedigree
    common = _ancestors_inclusive(ped, a) & _ancestors_inclusive(ped, b)
    order = {x: i for i, x in enumerate(ped.ids)}
    paths: list[dict[str, Any]] = []
    taken: set[str] = set()
    for anc in sorted(common, key=order.__getitem__):
        for p1 in _paths_down(ped, anc, a):
            for p2 in _paths_down(ped, anc, b):
                if set(p1[1:]) & set(p2):
                    continue
                pd = _path_data(ped, p1, p2)
                if pd["path"] in taken:
                    continue
                taken.add(pd["path"])
                paths.append(pd)
    if not paths:
        return "Unrelated" if cap else "unrelated"
    paths.sort(key=lambda p: (p["degree"], sum(p["steps"]), -p["removal"]))
    descr = [p["details2"] or p["rel"] for p in paths]
    uniq = list(dict.fromkeys(descr))
    words = []
    for d in uniq:
        n = descr.count(d)
        words.append(d if n == 1 else f"{_TUPLE.get(n, f'{n} times')} {d}")
    text = " + ".join(words)
    return text[:1].upper() + text[1:] if cap else text


def _path_data(ped: Any, p1: list[str], p2: list[str]) -> dict[str, Any]:
    """verbalisr's ``pathData`` (the parts that dviSolve prints)."""
    v1, v2 = p1[1:], p2[1:]
    l1, l2 = len(v1), len(v2)
    if l1 == 0 or l2 == 0:
        kind = "lineal"
    elif l1 == 1 and l2 == 1:
        kind = "sibling"
    elif l1 == 1 or l2 == 1:
        kind = "avuncular"
    else:
        kind = "cousin"
    anc = [p1[0]]
    full = None
    if kind != "lineal":
        par1, par2 = ped.parents(v1[0]) or (), ped.parents(v2[0]) or ()
        full = set(par1) == set(par2)
        if full:
            anc = list(par1)
    half = full is False
    degree = l1 + l2 - (1 if full else 0)
    removal = abs(l1 - l2)
    ng = removal - 1 if removal > 1 else 0
    leaves = (p1[-1], p2[-1])
    top = leaves[0] if l1 < l2 else leaves[1]
    bottom = leaves[1] if top == leaves[0] else leaves[0]
    sex = {"U": 0, "M": 1, "F": 2}
    details2 = None
    if kind == "lineal":
        rel = f"lineal of degree {degree}"
        top_d = ("parent", "father", "mother")[sex[ped.sex_of(top)]]
        bot_d = ("child", "son", "daughter")[sex[ped.sex_of(bottom)]]
        if ng > 0:
            greats = "great-" * (ng - 1) + "grand"
            top_d, bot_d = greats + top_d, greats + bot_d
        details2 = f"{top_d}{'--' if ng > 1 else '-'}{bot_d}"
    elif kind == "sibling":
        rel = f"{'half' if half else 'full'} siblings"
    elif kind == "avuncular":
        rel = ("half-" if half else "") + ("great-" * (ng - 1) if ng > 1 else "") + \
            ("grand-" if ng > 0 else "") + "avuncular"
        top_d = ("uncle", "uncle", "aunt")[sex[ped.sex_of(top)]]
        bot_d = ("nephew", "nephew", "niece")[sex[ped.sex_of(bottom)]]
        if ng > 0:
            greats = "great-" * (ng - 1) + "grand"
            top_d, bot_d = greats + top_d, greats + bot_d
        if half:
            top_d, bot_d = "half-" + top_d, "half-" + bot_d
        details2 = f"{top_d}{'--' if half or ng > 1 else '-'}{bot_d}"
    else:
        rel = f"{_ordinal(min(l1, l2) - 1)} cousins"
        if half:
            rel = "half " + rel
        if removal > 0:
            rel = f"{rel} {_numtimes(removal)} removed"
    path = "-".join(list(reversed(v1)) + [f"[{','.join(anc)}]"] + v2)
    return {"rel": rel, "details2": details2, "degree": degree, "steps": (l1, l2),
            "removal": removal, "path": path}


# --------------------------------------------------------------------------------------------
# The workflow
# --------------------------------------------------------------------------------------------

@dataclass
class DviSolveResult:
    """dvir's ``dviSolve()`` output.

    Attributes
    ----------
    am_table : list of dict
        One row per missing person (dataset order): ``Family``, ``Missing``, ``Sample``,
        ``LR``, ``GLR``, ``Conclusion``, ``Comment`` (None where dvir has NA).
    pm_table : list of dict
        One row per PM sample (dataset order): ``Sample``, ``Missing``, ``Family``, ``LR``,
        ``GLR``, ``Conclusion``, ``Comment``.
    lr_matrix : dict
        The last LR matrix, ``{(pm, missing): LR}``.
    notes : list of str
        Families whose joint analysis was skipped, and why.
    parameters : dict
    """

    am_table: list[dict[str, Any]]
    pm_table: list[dict[str, Any]]
    lr_matrix: dict[tuple[str, str], float]
    notes: list[str]
    parameters: dict[str, Any]

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The two tables as polars DataFrames."""
        import polars as pl

        def frame(rows: list[dict[str, Any]], cols: Sequence[str]) -> pl.DataFrame:
            schema = {c: (pl.Float64 if c in ("LR", "GLR") else pl.Utf8) for c in cols}
            return pl.DataFrame(rows, schema=schema)
        return frame(self.am_table, AM_COLUMNS), frame(self.pm_table, PM_COLUMNS)


def _nonidentifiable(ds: DviDataset, missing: Sequence[str]) -> list[tuple[str, str, str]]:
    """(family, missing, comment) of missing persons with kinship 0 to every typed reference,
    directly or through other missing persons (dvir ``findNonidentifiable``; kinship > 0 iff
    the two share an ancestor, one being possibly the other)."""
    out = []
    for f in ds.am:
        miss = [m for m in missing if m in f.missing]
        if not miss:
            continue
        refs = [i for i in f.genotypes if i in f.pedigree and f.genotypes[i]]
        anc = {i: _ancestors_inclusive(f.pedigree, i) for i in set(miss) | set(refs)}
        cand, linked = list(miss), list(refs)
        while cand and linked:
            linked = [c for c in cand if any(anc[c] & anc[x] for x in linked)]
            cand = [c for c in cand if c not in linked]
        comment = "No references in family" if not refs else "Unrelated to all references"
        out.extend((f.id, m, comment) for m in cand)
    return out


def _lr_matrix(eng: _Engine, st: _State, thresholds: Sequence[float],
               ) -> dict[tuple[str, str], float]:
    """dvir's ``pairwiseLR`` on the current problem: ``{(pm, missing): LR}`` over the
    pairings; compiled where the family received no profile and the LR is not near a
    threshold, dvir's exact sum otherwise."""
    fams = st.families()
    ll_am = {f: eng.fam_ll(f, st.fixed.get(f, frozenset())) for f in fams} \
        if not eng.compiled or any(st.fixed.get(f) for f in fams) else None
    out: dict[tuple[str, str], float] = {}
    cache: dict[str, Any] = {}

    def exact(v: str, m: str) -> float:
        nonlocal ll_am
        if ll_am is None:
            ll_am = {f: eng.fam_ll(f, st.fixed.get(f, frozenset())) for f in fams}
        if "ll0" not in cache:
            cache["pm"] = [eng.pm_ll(x) for x in st.pm]
            cache["ll0"] = _rsum(cache["pm"]) + _rsum(ll_am.values())
        if v not in cache:
            cache[v] = _rsum(x for x, p in zip(cache["pm"], st.pm) if p != v)
        f = eng.fam_of[m]
        fixed = st.fixed.get(f, frozenset())
        new = [eng.fam_ll(g, fixed | {(m, v)}) if g == f else ll_am[g] for g in fams]
        move = cache[v] + _rsum(new)
        with np.errstate(over="ignore"):
            return math.exp(move - cache["ll0"]) if move > -math.inf else 0.0

    cond: dict[str, dict[tuple[str, str], float] | None] = {}
    for v in st.pm:
        for m in st.pairings.get(v, []):
            f = eng.fam_of[m]
            if not eng.compiled:
                lr = None
            elif not st.fixed.get(f):
                lr = eng.lr0.get((v, m))
            else:
                if f not in cond:
                    cond[f] = conditioned_pairs(eng.ds, eng.fam[f], st.fixed[f],
                                                [x for x in st.missing if eng.fam_of[x] == f],
                                                eng.ds.markers)
                lr = cond[f].get((v, m)) if cond[f] is not None else None
            if lr is None or any(abs(lr - t) <= BOUNDARY_RTOL * t for t in thresholds):
                lr = exact(v, m)
            out[(v, m)] = lr
    return out


def _undisputed_entries(lrs: Mapping[tuple[str, str], float], st: _State,
                        threshold: float) -> list[tuple[str, str]]:
    """dvir's ``undisputedEntries(strict = FALSE)``, in its (column-major) order."""
    row: dict[str, list[float]] = {v: [] for v in st.pm}
    col: dict[str, list[float]] = {m: [] for m in st.missing}
    for (v, m), lr in lrs.items():
        row[v].append(lr)
        col[m].append(lr)
    out = []
    m_pos = {m: k for k, m in enumerate(st.missing)}
    v_pos = {v: k for k, v in enumerate(st.pm)}
    high = sorted((key for key, lr in lrs.items() if lr >= threshold - _SQRT_EPS),
                  key=lambda k: (m_pos[k[1]], v_pos[k[0]]))
    for v, m in high:
        lr = lrs[(v, m)]
        others = row[v] + col[m]
        others.remove(lr)
        others.remove(lr)
        # NA entries of the matrix count as -1 in dvir: they never block.
        if all(x <= lr / threshold for x in others):
            out.append((v, m))
    return out


def dvi_solve(dataset: DviDataset, *, threshold: float = 1e4, threshold2: float | None = None,
              max_incomp: int = 2, max_assign: int = 100_000, compiled: bool = True,
              ) -> DviSolveResult:
    """dvir 3.4's ``dviSolve()``: exclusions, undisputed, AM- and PM-driven conclusions.

    Parameters
    ----------
    dataset : DviDataset
    threshold : float
        LR for an undisputed match and GLR for a joint match (dvir's ``threshold``).
    threshold2 : float, optional
        LR for a probable match; default ``max(1, threshold / 10)``.
    max_incomp : int
        A pair is excluded when more markers than this are incompatible without mutation.
    max_assign : int
        A family whose joint analysis would exceed this many assignments is skipped (dvir's
        ``maxAssign``; its missing persons and samples keep no AM conclusion, the samples get
        PM-driven ones), with a note.
    compiled : bool
        Take the initial LRs and exclusion counts from the compiled tables (default); False
        computes every LR with the exact engine.

    Returns
    -------
    DviSolveResult

    Examples
    --------
    >>> from forensic_match import load_case
    >>> res = dvi_solve(load_case("../shared/reference/dvi/planecrash.json"))  # doctest: +SKIP
    >>> res.pm_table[1]["Conclusion"]  # doctest: +SKIP
    'Undisputed'
    """
    from forensic_match.dvi.joint import _check_dataset, sex_compatible

    _check_dataset(dataset)
    if not threshold > 1:
        raise ForensicMatchError(f"threshold must be larger than 1, got {threshold}")
    t2 = max(1.0, threshold / 10) if threshold2 is None else float(threshold2)
    eng = _Engine(dataset, compiled)
    ds = dataset
    fam_of = eng.fam_of
    sex_pm = {s.id: s.sex for s in ds.pm}
    all_missing = [m for f in ds.am for m in f.missing]
    # dvir pairs by equal sex; a sex unknown on either side pairs with any (sex_compatible):
    # dvir reads no unknown sex from a .fam (a missing person named only in relations is
    # guessed female), while the .fam reader says "U", and equality then excluded every
    # sample of a known sex (an outside check, 2026-12-07: all 8 samples of planecrash.fam
    # "Excluded", where dvir has three Undisputed)
    pairings = {s.id: [m for m in all_missing if ds.am and
                       sex_compatible(sex_pm[s.id], eng.fam[fam_of[m]].sex_of(m))]
                for s in ds.pm}
    st = _State([s.id for s in ds.pm], all_missing, {}, pairings, fam_of)
    thresholds = (1.0, t2, threshold)
    am_rows: list[dict[str, Any]] = []
    pm_rows: list[dict[str, Any]] = []
    notes: list[str] = []

    # Nonidentifiable missing persons.
    non = _nonidentifiable(ds, st.missing)
    for f, m, comment in non:
        am_rows.append(_row(AM_COLUMNS, Family=f, Missing=m, Conclusion="Nonidentifiable",
                            Comment=comment))
    if non:
        gone = {m for _, m, _ in non}
        st, _ = st.subset(missing=[m for m in st.missing if m not in gone])

    lr_mat: dict[tuple[str, str], float] = {}
    lr_dims: tuple[list[str], list[str]] = ([], [])
    iteration = 0
    while True:
        iteration += 1
        # Exclusions.
        counts = {(v, m): eng.n_incompatible(fam_of[m], st.fixed.get(fam_of[m], frozenset()),
                                             m, v)
                  for v in st.pm for m in st.pairings.get(v, [])}
        pm_min = {v: min((counts[(v, m)] for m in st.pairings.get(v, [])), default=math.inf)
                  for v in st.pm}
        mp_min: dict[str, float] = dict.fromkeys(st.missing, math.inf)
        for (_, m), c in counts.items():
            if c < mp_min[m]:
                mp_min[m] = c

        def comment(x: float) -> str:
            return "No compatible pairings" if x == math.inf else f"{int(x)}+ inconsistencies"

        ex_pm = [v for v in st.pm if pm_min[v] > max_incomp]
        ex_mp = [m for m in st.missing if mp_min[m] > max_incomp]
        keep_pm = [v for v in st.pm if v not in ex_pm]
        keep_mp = [m for m in st.missing if m not in ex_mp]
        if ex_pm or ex_mp:
            new, _ = st.subset(pm=keep_pm, missing=keep_mp)
        else:
            new = _State(list(st.pm), list(st.missing), dict(st.fixed), dict(st.pairings),
                         fam_of)
        new.pairings = {v: [m for m in keep_mp if (v, m) in counts and
                            counts[(v, m)] <= max_incomp] for v in keep_pm}
        if new.key() == st.key():
            if iteration > 1:
                break
        else:
            for v in ex_pm:
                pm_rows.append(_row(PM_COLUMNS, Sample=v, Conclusion="Excluded",
                                    Comment=comment(pm_min[v])))
            for m in ex_mp:
                am_rows.append(_row(AM_COLUMNS, Family=fam_of[m], Missing=m,
                                    Conclusion="Excluded", Comment=comment(mp_min[m])))
            st = new

        # Undisputed, step by step.
        before = st.key()
        found_rows: list[dict[str, Any]] = []
        work = st
        step = 0
        last = None
        if work.pm and work.missing:
            base_pairings = dict(work.pairings)
            while True:
                step += 1
                lrs = _lr_matrix(eng, work, thresholds)
                last = (work, lrs)
                und = _undisputed_entries(lrs, work, threshold)
                if not und:
                    break
                for v, m in und:
                    found_rows.append({"Family": fam_of[m], "Missing": m, "Sample": v,
                                       "LR": lrs[(v, m)], "Conclusion": "Undisputed",
                                       "Comment": f"Step {step}"})
                done_v = {v for v, _ in und}
                done_m = {m for _, m in und}
                work.pairings = base_pairings
                new_pm = [v for v in work.pm if v not in done_v]
                new_mp = [m for m in work.missing if m not in done_m]
                red, dropped = work.subset(pm=new_pm, missing=new_mp)
                for v in dropped:
                    found_rows.append({"Sample": v, "Conclusion": "Excluded",
                                       "Comment": "No compatible pairings"})
                fixed = dict(red.fixed)
                for v, m in und:
                    f = fam_of[m]
                    if any(fam_of[x] == f for x in red.missing):
                        fixed[f] = fixed.get(f, frozenset()) | {(m, v)}
                red.fixed = fixed
                base_pairings = dict(red.pairings)
                work = red
                if not work.missing or not work.pm:
                    break
            assert last is not None
            lr_mat, lr_dims = last[1], (list(last[0].pm), list(last[0].missing))
            # pairings of the last LR matrix: LR > 0 (dvir's limit = 0).
            work.pairings = {v: [m for m in last[0].pairings.get(v, [])
                                 if last[1][(v, m)] > 0] for v in last[0].pm}
            if work is not last[0]:
                work.pairings = {v: [m for m in ps if m in work.missing]
                                 for v, ps in work.pairings.items()}
        if work.key() == before:
            break
        for r in found_rows:
            am_rows.append(_row(AM_COLUMNS, **r))
            pm_rows.append(_row(PM_COLUMNS, **r))
        st = work

    by_col: dict[str, list[tuple[str, float]]] = {}
    by_row: dict[str, list[tuple[str, float]]] = {}
    for (v, m), lr in lr_mat.items():
        by_col.setdefault(m, []).append((v, lr))
        by_row.setdefault(v, []).append((m, lr))

    # AM-driven: families with one missing person.
    n_miss: dict[str, int] = {}
    for m in st.missing:
        n_miss[fam_of[m]] = n_miss.get(fam_of[m], 0) + 1
    fams = st.families()
    for f in fams:
        if n_miss[f] != 1:
            continue
        m = next(x for x in st.missing if fam_of[x] == f)
        am_rows.append(_simple_family(f, m, by_col.get(m, []), t2))

    # AM-driven: families with several missing persons, jointly.
    for f in fams:
        if n_miss[f] < 2:
            continue
        sub, _ = st.subset(families=[f])
        res = _complex_family(eng, sub, f, lr_mat, by_col, lr_dims, threshold, max_assign,
                              notes)
        if res is None:
            continue
        s_am, s_pm = res
        am_rows.extend(s_am)
        pm_rows.extend(s_pm)
        done = {r["Sample"] for r in s_pm}
        st, _ = st.subset(pm=[v for v in st.pm if v not in done],
                          families=[g for g in st.families() if g != f],
                          remove_unpaired=False)

    # PM-driven: the remaining samples.
    pm_rows.extend(_pm_driven(st.pm, by_row, t2, fam_of))

    am_table = _format(am_rows, AM_COLUMNS, "Missing", all_missing, fam_of)
    pm_table = _format(pm_rows, PM_COLUMNS, "Sample", [s.id for s in ds.pm])
    return DviSolveResult(am_table, pm_table, lr_mat, notes,
                          {"threshold": threshold, "threshold2": t2, "max_incomp": max_incomp,
                           "max_assign": max_assign, "compiled": eng.compiled})


def _format(rows: list[dict[str, Any]], cols: Sequence[str], key: str,
            order: Sequence[str], family: Mapping[str, str] | None = None,
            ) -> list[dict[str, Any]]:
    """dvir's ``formatSummary(dvi = origdvi)``: one row per id, first summary row wins,
    ids without a conclusion get an empty row."""
    first: dict[str, dict[str, Any]] = {}
    for r in rows:
        k = r.get(key)
        if k is not None and k not in first:
            first[k] = r
    out = []
    for k in order:
        r = first.get(k)
        if r is None:
            r = _row(cols, **{key: k})
        if family is not None:
            r = {**r, "Family": family[k]}
        out.append({c: r.get(c) for c in cols})
    return out


def _best(lrs: Sequence[tuple[str, float]]) -> tuple[str, float]:
    """First maximum (R's ``which.max``)."""
    best = lrs[0]
    for x in lrs[1:]:
        if x[1] > best[1]:
            best = x
    return best


def _simple_family(f: str, m: str, lrs: list[tuple[str, float]], t2: float,
                   ) -> dict[str, Any]:
    """dvir's ``.simpleFamDVI``: the missing person's column of the last LR matrix
    (``lrs``, in row order)."""
    if not lrs:
        return _row(AM_COLUMNS, Family=f, Missing=m, Conclusion=None,
                    Comment="No LRs for this missing person")
    best, max_lr = _best(lrs)
    high = [(v, lr) for v, lr in lrs if lr > t2]
    rups = [(v, lr) for v, lr in lrs if v != best]
    if len(high) > 1:
        concl = "Disputed"
        comment = "Also: " + ", ".join(f"{v} (LR={_fmt2g(lr)})" for v, lr in high if v != best)
    elif len(high) == 1:
        concl = "Probable"
        if rups:
            rv, rl = _best(rups)
            comment = f"Runner-up: {rv} (LR={_fmt2g(rl)})"
        else:
            comment = "Runner-up: -"
    elif max_lr >= 1:
        concl, comment = "Inconclusive", f"Best: {best}"
    else:
        concl, comment = "No match", None
    return _row(AM_COLUMNS, Family=f, Missing=m, Sample=best, LR=max_lr, Conclusion=concl,
                Comment=comment)


def _pm_driven(samples: Sequence[str], by_row: Mapping[str, list[tuple[str, float]]],
               t2: float, fam_of: Mapping[str, str]) -> list[dict[str, Any]]:
    """dvir's ``.pmDrivenDVI``: each sample's row of the last LR matrix."""
    out = []
    for v in samples:
        lrs = by_row.get(v, [])
        if not lrs:
            out.append(_row(PM_COLUMNS, Sample=v, Missing="", Family="", Conclusion="No match",
                            Comment="No remaining pairings"))
            continue
        best, max_lr = _best(lrs)
        high = [(m, lr) for m, lr in lrs if lr >= t2 - _EPS]
        rups = [(m, lr) for m, lr in lrs if m != best]
        fam, miss = "", ""
        if len(high) > 1:
            fam, miss, concl = fam_of[best], best, "Disputed"
            comment = "Also: " + ", ".join(f"{m} (LR={_fmt2g(lr)})" for m, lr in high
                                           if m != best)
        elif len(high) == 1:
            fam, miss, concl = fam_of[best], best, "Probable"
            if rups:
                rm, rl = _best(rups)
                comment = f"Runner-up: {rm} (LR={_fmt2g(rl)})"
            else:
                comment = "Runner-up: -"
        elif max_lr >= 1:
            concl, comment = "Inconclusive", f"Best: {best}"
        else:
            concl, comment = "No match", None
        out.append(_row(PM_COLUMNS, Sample=v, Missing=miss, Family=fam, LR=max_lr,
                        Conclusion=concl, Comment=comment))
    return out


def _joint_table(eng: _Engine, sub: _State, f: str, max_assign: int,
                 ) -> tuple[list[tuple[str | None, ...]], list[float]] | str:
    """dvir's ``dviJoint`` on one family: every assignment of its candidate samples, with
    its log-likelihood, sorted by decreasing loglik then by the assignment (unassigned
    last). Returns a reason string when there are none or too many."""
    vics = sub.pm
    if not vics:
        return "no assignments"
    from forensic_match.dvi.joint import count_assignments

    cands = [sub.pairings[v] for v in vics]
    if count_assignments(cands, max_assign) > max_assign:
        return f"more than {max_assign:,} assignments (max_assign)"
    rows: list[tuple[str | None, ...]] = []
    choice: list[str | None] = [None] * len(vics)
    used: set[str] = set()

    def visit(i: int) -> None:
        if len(rows) > max_assign:
            return
        if i == len(vics):
            rows.append(tuple(choice))
            return
        for m in cands[i]:
            if m in used:
                continue
            used.add(m)
            choice[i] = m
            visit(i + 1)
            used.discard(m)
        choice[i] = None
        visit(i + 1)

    visit(0)
    if len(rows) > max_assign:
        return f"more than {max_assign:,} assignments (max_assign)"
    fixed = sub.fixed.get(f, frozenset())
    pm_ll = [eng.pm_ll(v) for v in vics]
    lls = []
    for a in rows:
        moved = frozenset((m, v) for v, m in zip(vics, a) if m is not None)
        fam = eng.fam_ll(f, fixed | moved)
        lls.append(_rsum(x for x, m in zip(pm_ll, a) if m is None) + _rsum([fam]))
    order = sorted(range(len(rows)), key=lambda i: (
        -lls[i], tuple((1, "") if m is None else (0, m) for m in rows[i])))
    return [rows[i] for i in order], [lls[i] for i in order]


def _complex_family(eng: _Engine, sub: _State, f: str, lr_mat: Mapping[tuple[str, str], float],
                    by_col: Mapping[str, list[tuple[str, float]]],
                    lr_dims: tuple[list[str], list[str]], threshold: float, max_assign: int,
                    notes: list[str],
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """dvir's ``.complexFamDVI``: joint table, pairwise GLRs, then symmetric matches."""
    joint = _joint_table(eng, sub, f, max_assign)
    if isinstance(joint, str):
        notes.append(f"family {f}: joint analysis skipped, {joint}")
        return None
    rows, ll = joint
    vics, missing = list(sub.pm), list(sub.missing)
    col = {v: i for i, v in enumerate(vics)}
    lr_rows, lr_cols = lr_dims

    def lr_at(i: int, j: int) -> float | None:
        """dvir indexes the full LR matrix by the GLR matrix's positions."""
        if i >= len(lr_rows) or j >= len(lr_cols):
            return None
        return lr_mat.get((lr_rows[i], lr_cols[j]))

    def exp_diff(a: float, b: float) -> float:
        with np.errstate(over="ignore"):
            return math.exp(a - b) if a - b < 709.8 else math.inf

    glr: dict[tuple[int, int], float] = {}
    for i, v in enumerate(vics):
        a = [r[col[v]] for r in rows]
        if len(set(a)) < 2:
            continue
        for j, m in enumerate(missing):
            num = next((k for k, x in enumerate(a) if x == m), None)
            if num is None:
                continue
            den = next(k for k, x in enumerate(a) if x != a[0]) if num == 0 else 0
            glr[(i, j)] = exp_diff(ll[num], ll[den])
    high = sorted(((j, i) for (i, j), g in glr.items() if g >= threshold - _SQRT_EPS))
    s_am: list[dict[str, Any]] = []
    s_pm: list[dict[str, Any]] = []
    joint_txt = f"Joint: {{{','.join(missing)}}}"
    found_v, found_m = [], []
    for j, i in high:
        r = {"Family": f, "Missing": missing[j], "Sample": vics[i], "LR": lr_at(i, j),
             "GLR": glr[(i, j)], "Conclusion": "Match (GLR)", "Comment": joint_txt}
        s_am.append(r)
        s_pm.append(r)
        found_v.append(vics[i])
        found_m.append(missing[j])
    red = sub
    if found_v:
        red, _ = sub.subset(pm=[v for v in vics if v not in found_v],
                            missing=[m for m in missing if m not in found_m])
    sym = _symmetric(eng, red, f, rows, ll, col, lr_mat, threshold)
    if sym is not None:
        s_am.extend(sym[0])
        s_pm.extend(sym[1])
    am = _format(s_am, AM_COLUMNS, "Missing", missing, eng.fam_of)
    for r in am:
        if r["GLR"] is None:
            j = missing.index(r["Missing"])
            gl = [glr[(i, j)] for i in range(len(vics)) if (i, j) in glr]
            r["GLR"] = max(gl) if gl else None
            r["Conclusion"] = "Inconclusive"
            lrs = [lr for _, lr in by_col.get(r["Missing"], [])]
            r["LR"] = max(lrs) if lrs else None
    pm = sorted((r for r in s_pm if r.get("Sample") is not None),
                key=lambda r: r["Sample"])
    return am, [{c: r.get(c) for c in PM_COLUMNS} for r in pm]


def _symmetric(eng: _Engine, red: _State, f: str, rows: list[tuple[str | None, ...]],
               ll: list[float], col: Mapping[str, int], lr_mat: Mapping[tuple[str, str], float],
               threshold: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """dvir's ``symmetricGLR``: the best two assignments differ by one sample on two missing
    persons, or by two samples swapped between two missing persons."""
    vics, missing = red.pm, red.missing
    if len(vics) * len(missing) <= 1 or len(rows) < 3:
        return None
    r1 = [rows[0][col[v]] for v in vics]
    r2 = [rows[1][col[v]] for v in vics]
    diffs = [k for k in range(len(vics)) if r1[k] != r2[k]]
    if len(diffs) > 2 or any(r1[k] is None or r2[k] is None for k in diffs):
        return None
    family = eng.fam[f]

    def equal(xs: Sequence[float | None]) -> bool:
        vals = [x for x in xs if x is not None]
        return len(vals) == len(xs) and max(vals) - min(vals) < 1e-3

    def glr_to(end: int | None) -> float | None:
        if end is None:
            return None
        with np.errstate(over="ignore"):
            d = ll[0] - ll[end]
            return math.exp(d) if d < 709.8 else math.inf

    if len(diffs) == 1:
        vic = vics[diffs[0]]
        pair = {r1[diffs[0]], r2[diffs[0]]}
        miss = [m for m in missing if m in pair]
        end = next((k for k, r in enumerate(rows) if r[col[vic]] not in miss), None)
        g = glr_to(end)
        if g is None or g < threshold:
            return None
        lrs = [lr_mat.get((vic, m)) for m in miss]
        rel = relationship(family, miss[0], miss[1], cap=False)
        am = [_row(AM_COLUMNS, Family=f, Missing=m, Sample=vic, LR=lr, GLR=g,
                   Conclusion="Symmetric match", Comment=f"{vic} also matches {other} ({rel})")
              for m, lr, other in zip(miss, lrs, reversed(miss))]
        pm = [_row(PM_COLUMNS, Sample=vic, Family=f, Missing="/".join(miss),
                   LR=lrs[0] if equal(lrs) else None, GLR=g, Conclusion="Symmetric match",
                   Comment=f"{miss[0]} and {miss[1]} are {rel}")]
        return am, pm
    if len(diffs) == 2 and {r1[k] for k in diffs} == {r2[k] for k in diffs}:
        vic = [vics[k] for k in diffs]
        pair = {r1[k] for k in diffs}
        miss = [m for m in missing if m in pair]
        end = next((k for k, r in enumerate(rows)
                    if not (r[col[vic[0]]] in miss and r[col[vic[1]]] in miss)), None)
        g = glr_to(end)
        if g is None or g < threshold:
            return None
        lr_vics = [lr_mat.get((v, miss[0])) if equal([lr_mat.get((v, m)) for m in miss])
                   else None for v in vic]
        lr_miss = [lr_mat.get((vic[0], m)) if equal([lr_mat.get((v, m)) for v in vic])
                   else None for m in miss]
        rel = relationship(family, miss[0], miss[1], cap=True)
        am = [_row(AM_COLUMNS, Family=f, Missing=m, Sample="/".join(vic), LR=lr, GLR=g,
                   Conclusion="Symmetric match",
                   Comment=f"{rel}: {{{', '.join(miss)}}} = {{{', '.join(vic)}}}")
              for m, lr in zip(miss, lr_miss)]
        pm = [_row(PM_COLUMNS, Sample=v, Family=f, Missing="/".join(miss), LR=lr, GLR=g,
                   Conclusion="Symmetric match",
                   Comment=f"{rel}: {{{', '.join(vic)}}} = {{{', '.join(miss)}}}")
              for v, lr in zip(vic, lr_vics)]
        return am, pm
    return None


__all__ = ["AM_COLUMNS", "PM_COLUMNS", "DviSolveResult", "compiled_pairs", "compiled_tables",
           "conditioned_pairs", "dvi_solve",
           "relationship"]
