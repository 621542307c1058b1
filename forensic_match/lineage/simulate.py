"""Simulated lineage data: Y haplotypes and mitotypes of unrelated people, of villages made of
a few patrilineages, and passed down pedigrees with mutation.

The mutation processes are those of the LR models (:mod:`~forensic_match.lineage.ystr`: one-
and two-repeat steps per copy; :mod:`~forensic_match.lineage.mtdna`: Jukes-Cantor
substitutions), so that simulations check the LRs under their own assumptions and show what a
departure from them does: village patrilineages and matrilines, rates other than the analysed
ones (:func:`add_lineage`), degraded PM data (:func:`degrade_lineage`). Every function
takes ``seed``, an integer or a :class:`numpy.random.Generator`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forensic_match.errors import InputError
from forensic_match.lineage.disclap import disclap_pmf
from forensic_match.lineage.mtdna import PARSONS_1997_RATE, Mitotype
from forensic_match.lineage.ystr import MULTISTEP_FRACTION, YHaplotype, YMarker
from forensic_match.pedigree import FEMALE, Pedigree

Seed = int | np.random.Generator


def _rng(seed: Seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


@dataclass(frozen=True)
class YPopulation:
    """A population of Y haplotypes: a discrete Laplace mixture over single-copy loci
    (:mod:`~forensic_match.lineage.disclap`) truncated to at least one repeat at every locus,
    whose probabilities are known exactly.

    A discrete Laplace draw can fall below one repeat (from a centre of 10 with dispersion
    0.45, about 1e-4 of draws a locus); no real allele does, and the lab-export readers refuse
    one. Haplotypes are drawn from the mixture conditional on every locus having at least one
    repeat (rejection), and :meth:`probability` is the mixture's divided by the probability of
    that event, ``Z = sum_j tau_j prod_k (1 - p_jk^c_jk / (1 + p_jk))`` for centres
    ``c_jk >= 1`` (``P(D <= -c) = p^c / (1 + p)`` for a discrete Laplace ``D``).

    Attributes
    ----------
    markers : tuple of YMarker
        Single-copy loci, in the column order of ``centers``.
    centers : numpy.ndarray of int, (clusters, loci)
    dispersion : numpy.ndarray, (clusters, loci)
    tau : numpy.ndarray, (clusters,)
    """

    markers: tuple[YMarker, ...]
    centers: np.ndarray
    dispersion: np.ndarray
    tau: np.ndarray

    def __post_init__(self) -> None:
        if any(m.copies != 1 for m in self.markers):
            raise InputError("YPopulation: single-copy loci only")
        if np.any(np.asarray(self.centers) < 1):
            raise InputError("YPopulation: every centre must be at least one repeat")

    @property
    def mass(self) -> float:
        """``Z``, the mixture's probability of at least one repeat at every locus."""
        p = np.asarray(self.dispersion, dtype=float)
        below = p ** np.asarray(self.centers) / (1 + p)
        return float(np.prod(1 - below, axis=1) @ self.tau)

    def sample(self, n: int, *, seed: Seed) -> list[YHaplotype]:
        """``n`` haplotypes of unrelated men."""
        rng = _rng(seed)
        x = np.empty((n, len(self.markers)), dtype=np.int64)
        todo = np.arange(n)
        while todo.size:
            z = rng.choice(len(self.tau), size=todo.size, p=self.tau)
            p = self.dispersion[z]
            d = (rng.geometric(1 - p) - 1) - (rng.geometric(1 - p) - 1)
            x[todo] = self.centers[z] + d
            todo = todo[np.any(x[todo] < 1, axis=1)]
        return [self._haplotype(row) for row in x]

    def _haplotype(self, row: np.ndarray) -> YHaplotype:
        return {m.key: (str(int(v)),) for m, v in zip(self.markers, row, strict=True)}

    def probability(self, haplotype: YHaplotype) -> float:
        """The exact population probability of a haplotype over the population's loci."""
        x = np.array([int(haplotype[m.key][0]) for m in self.markers])
        if np.any(x < 1):
            return 0.0
        per = disclap_pmf(x[None, :] - self.centers, self.dispersion).prod(axis=1)
        return float(per @ self.tau) / self.mass


def mutate_y(haplotype: YHaplotype, markers: Sequence[YMarker], meioses: int, *, seed: Seed,
             multistep: float = MULTISTEP_FRACTION) -> YHaplotype:
    """A haplotype after ``meioses`` father-son transmissions under the step model of
    :func:`~forensic_match.lineage.ystr.step_distribution` (each copy at ``rate / copies``)."""
    rng = _rng(seed)
    out = dict(haplotype)
    for m in markers:
        alleles = haplotype.get(m.key)
        if not alleles:
            continue
        new = []
        for a in alleles:
            whole, _, part = a.partition(".")
            v = int(whole)
            for _ in range(meioses):
                if rng.random() < m.rate / m.copies:
                    size = 2 if rng.random() < multistep else 1
                    v += size if rng.random() < 0.5 else -size
            new.append(f"{v}.{part}" if part else str(v))
        out[m.key] = tuple(sorted(new, key=lambda s: tuple(int(t) for t in s.split("."))))
    return out


def drop_y(pedigree: Pedigree, markers: Sequence[YMarker], founders: Mapping[str, YHaplotype],
           *, seed: Seed) -> dict[str, YHaplotype]:
    """Y haplotypes of every man of ``pedigree``: a male founder has ``founders[id]``, a son
    his father's after one meiosis. Women get none."""
    rng = _rng(seed)
    out: dict[str, YHaplotype] = {}
    for i in pedigree.topological_order:
        ident = pedigree.ids[i]
        if int(pedigree.sex[i]) == FEMALE:
            continue
        fa = int(pedigree.father[i])
        if fa < 0:
            if ident not in founders:
                raise InputError(f"drop_y: no haplotype for male founder {ident!r}")
            out[ident] = founders[ident]
        else:
            out[ident] = mutate_y(out[pedigree.ids[fa]], markers, 1, seed=rng)
    return out


def village_haplotypes(population: YPopulation, *, villages: int, lineages: int, men: int,
                       generations: int, seed: Seed) -> list[tuple[int, int, YHaplotype]]:
    """Men of villages made of patrilineages: each village has ``lineages`` founders drawn from
    ``population``; each of its ``men`` per lineage descends from his lineage's founder
    ``generations`` generations back along his own line (two men of one lineage are then
    ``2 * generations`` meioses apart, though no pedigree records it).

    Returns ``[(village, lineage, haplotype), ...]``.
    """
    rng = _rng(seed)
    out = []
    for v in range(villages):
        for lin, founder in enumerate(population.sample(lineages, seed=rng)):
            for _ in range(men):
                out.append((v, lin, mutate_y(founder, population.markers, generations,
                                             seed=rng)))
    return out


def _synthetic_base(pos: int) -> str:
    """A fixed stand-in for the rCRS base at ``pos`` (the simulation never needs the real
    sequence: mitotypes are compared by their variants)."""
    return "ACGT"[(pos * 2654435761) % 4]


def mutate_mt(mitotype: Mitotype, meioses: int, *, rate: float, seed: Seed) -> Mitotype:
    """A mitotype after ``meioses`` maternal transmissions: each read site changes with
    probability ``rate`` per transmission to one of the three other bases (Jukes-Cantor)."""
    rng = _rng(seed)
    subs = dict(mitotype.substitutions)
    sites = np.array(sorted(mitotype.positions))
    for _ in range(meioses):
        hit = sites[rng.random(len(sites)) < rate]
        for pos in hit.tolist():
            current = subs.get(pos, _synthetic_base(pos))
            new = rng.choice([b for b in "ACGT" if b != current])
            if new == _synthetic_base(pos):
                subs.pop(pos, None)
            else:
                subs[pos] = str(new)
    variants = tuple(f"{p}{b}" for p, b in sorted(subs.items()))
    return Mitotype(mitotype.ranges, subs, mitotype.deletions, dict(mitotype.insertions),
                    variants)


def drop_mt(pedigree: Pedigree, founders: Mapping[str, Mitotype], *, rate: float, seed: Seed
            ) -> dict[str, Mitotype]:
    """Mitotypes of everyone in ``pedigree``: a founder has ``founders[id]``, a child its
    mother's after one transmission."""
    rng = _rng(seed)
    out: dict[str, Mitotype] = {}
    for i in pedigree.topological_order:
        ident = pedigree.ids[i]
        mo = int(pedigree.mother[i])
        if mo < 0:
            if ident not in founders:
                raise InputError(f"drop_mt: no mitotype for founder {ident!r}")
            out[ident] = founders[ident]
        else:
            out[ident] = mutate_mt(out[pedigree.ids[mo]], 1, rate=rate, seed=rng)
    return out


def add_lineage(programme: Any, *, population: YPopulation, mitotypes: Sequence[Mitotype],
                seed: Seed, database_size: int = 1000, mt_rate: float = PARSONS_1997_RATE,
                villages: int = 0, lineages: int = 5, generations: int = 5,
                name: str = "simulated",
                simulate_y_markers: Sequence[YMarker] | None = None,
                matrilines: int = 0) -> Any:
    """Add Y haplotypes and mitotypes to a simulated programme
    (:func:`~forensic_match.dvi.simulate.simulate_programme`), in place, and return it.

    Every family's pedigree gets Y haplotypes (men) and mitotypes (everyone) dropped from its
    founders with mutation (:func:`drop_y`, :func:`drop_mt`); its typed relatives (those with
    autosomal profiles) get ``Family.ystr`` / ``Family.mtdna``, and each PM sample the data of
    the person it is (``programme.truth``): the missing person's, or for a body that matches
    nobody a man or woman of the population. ``dataset.lineage`` gets the Y panel
    (``population.markers``) and databases of ``database_size`` people drawn afresh from the
    populations.

    Village structure (``villages`` > 0): each village has ``lineages`` patrilineage founders
    drawn from ``population``; every family and every unrelated body belongs to a random
    village, and a male founder's haplotype is that of one of his village's patrilineages
    after ``generations`` meioses. The database is still drawn from the population at large,
    so men of a village share Y haplotypes more often than the database says.

    Mitotypes of founders and of unrelated bodies are drawn from ``mitotypes``; with
    ``villages`` and ``matrilines`` > 0 each village also has ``matrilines`` maternal-line
    founders drawn from ``mitotypes``, and a founder's (or an unrelated body's) mitotype is
    that of one of its village's matrilines after ``generations`` transmissions at
    ``mt_rate`` (the mtDNA database is still drawn from ``mitotypes`` at large). A body that
    matches nobody gets a Y haplotype when one of its samples is typed male (its true sex is
    not recorded by the simulator); a sample typed female gets none.

    A world whose mutation process is not the one analysed: ``mt_rate`` is the simulated
    mtDNA rate (the analysis states its own), and ``simulate_y_markers`` (the loci of
    ``population.markers``, in order, with other rates) mutates the Y haplotypes while the
    panel states ``population.markers``.
    """
    from forensic_match.lineage.data import LineageData, YDatabase
    from forensic_match.lineage.mtdna import MitotypeDatabase

    rng = _rng(seed)
    ds = programme.dataset
    markers = population.markers
    if simulate_y_markers is not None:
        if [(m.key, m.copies) for m in simulate_y_markers] != \
                [(m.key, m.copies) for m in markers]:
            raise InputError("simulate_y_markers must have the loci and copies of the "
                             "population's markers, in the same order")
        markers = tuple(simulate_y_markers)
    pool = list(mitotypes)
    patri = [population.sample(lineages, seed=rng) for _ in range(villages)]
    # drawn after the patrilineages: without matrilines the stream is as before
    matri = [[pool[int(k)] for k in rng.integers(len(pool), size=matrilines)]
             for _ in range(villages)] if matrilines > 0 else []

    def founder_y() -> YHaplotype:
        if not villages:
            return population.sample(1, seed=rng)[0]
        lines = patri[int(rng.integers(villages))]
        return mutate_y(lines[int(rng.integers(len(lines)))], markers, generations, seed=rng)

    def population_mt() -> Mitotype:
        return pool[int(rng.integers(len(pool)))]

    def village_mt(village: int) -> Mitotype:
        lines = matri[village]
        return mutate_mt(lines[int(rng.integers(len(lines)))], generations, rate=mt_rate,
                         seed=rng)

    def founder_mt() -> Mitotype:
        return village_mt(int(rng.integers(villages))) if matri else population_mt()

    person_y: dict[tuple[str, str], YHaplotype] = {}
    person_mt: dict[tuple[str, str], Mitotype] = {}
    for fam in ds.am:
        ped = fam.pedigree
        if villages:
            v = int(rng.integers(villages))
            lines = patri[v]

            def village_founder(lines: list[YHaplotype] = lines) -> YHaplotype:
                return mutate_y(lines[int(rng.integers(len(lines)))], markers, generations,
                                seed=rng)

            fy = {i: village_founder() for i in ped.founders if ped.sex_of(i) != "F"}
        else:
            fy = {i: founder_y() for i in ped.founders if ped.sex_of(i) != "F"}
        ys = drop_y(ped, markers, fy, seed=rng)
        fm = {i: village_mt(v) if matri else population_mt() for i in ped.founders}
        mts = drop_mt(ped, fm, rate=mt_rate, seed=rng)
        for ident in ped.ids:
            if ident in ys:
                person_y[(fam.id, ident)] = ys[ident]
            person_mt[(fam.id, ident)] = mts[ident]
        fam.ystr = {i: ys[i] for i in fam.genotypes if i in ys}
        fam.mtdna = {i: mts[i] for i in fam.genotypes}
    truth = programme.truth
    by_id = {s.id: s for s in ds.pm}
    rows = list(zip(truth["pm"].to_list(), truth["body"].to_list(), truth["family"].to_list(),
                    truth["missing"].to_list(), strict=True))
    male_bodies = {body for pm_id, body, _, _ in rows if by_id[pm_id].sex == "M"}
    body_data: dict[str, tuple[YHaplotype | None, Mitotype]] = {}
    for _, body, fid, mid in rows:
        if body in body_data:
            continue
        if mid is not None:
            body_data[body] = (person_y.get((fid, mid)), person_mt[(fid, mid)])
        else:
            body_data[body] = (founder_y() if body in male_bodies else None, founder_mt())
    for pm_id, body, _, _ in rows:
        sample = by_id[pm_id]
        y, m = body_data[body]
        sample.ystr = y if sample.sex != "F" else None
        sample.mtdna = m
    y_database = YDatabase(name, tuple(population.sample(database_size, seed=rng)))
    ds.lineage = LineageData(population.markers, y_database,
                             MitotypeDatabase(name, tuple(population_mt()
                                                          for _ in range(database_size))))
    return programme


def restrict_mitotype(mitotype: Mitotype, ranges: Sequence[tuple[int, int]]) -> Mitotype | None:
    """The mitotype as read over the parts of its ranges inside ``ranges`` only (a degraded
    sample's shorter read); ``None`` when nothing of it is left."""
    kept = tuple((max(a, c), min(b, d)) for a, b in mitotype.ranges for c, d in ranges
                 if max(a, c) <= min(b, d))
    if not kept:
        return None
    inside = frozenset(p for a, b in kept for p in range(a, b + 1))
    subs = {p: b for p, b in mitotype.substitutions.items() if p in inside}
    out = Mitotype(kept, subs, frozenset(p for p in mitotype.deletions if p in inside),
                   {k: b for k, b in mitotype.insertions.items() if k[0] in inside})
    return Mitotype(out.ranges, out.substitutions, out.deletions, out.insertions,
                    tuple(out.notation()))


def degrade_lineage(programme: Any, *, seed: Seed, y_loss: tuple[float, float] = (0.0, 0.0),
                    mt_partial: float = 0.0,
                    mt_ranges: Sequence[tuple[int, int]] = ((16024, 16365),)) -> Any:
    """Degrade the PM lineage data of a programme that :func:`add_lineage` filled, in place,
    per body (its fragments alike), and return it.

    Each body's Y haplotype loses each locus with a probability drawn uniformly in ``y_loss``
    for that body (a haplotype left with no locus is dropped: no Y result); with probability
    ``mt_partial`` its mitotype is read over ``mt_ranges`` only (default HV1, 16024-16365:
    the short read of a degraded bone). The references' data are untouched.
    """
    lo, hi = y_loss
    if not (0.0 <= lo <= hi <= 1.0) or not 0.0 <= mt_partial <= 1.0:
        raise InputError(f"degrade_lineage: y_loss {y_loss} must be a range within [0, 1] and "
                         f"mt_partial {mt_partial} within [0, 1]")
    rng = _rng(seed)
    ds = programme.dataset
    keys = [m.key for m in ds.lineage.markers]
    truth = programme.truth
    body_of = dict(zip(truth["pm"].to_list(), truth["body"].to_list(), strict=True))
    # per body: the Y loci it loses and whether its mitotype is a short read
    fate: dict[str, tuple[frozenset[str], bool]] = {}
    for sample in ds.pm:
        body = body_of[sample.id]
        if body not in fate:
            loss = rng.uniform(lo, hi)
            fate[body] = (frozenset(k for k in keys if rng.random() < loss),
                          bool(rng.random() < mt_partial))
        lost, partial = fate[body]
        if sample.ystr is not None:
            sample.ystr = {k: v for k, v in sample.ystr.items() if k not in lost} or None
        if sample.mtdna is not None and partial:
            sample.mtdna = restrict_mitotype(sample.mtdna, mt_ranges)
    return programme
