"""Simulated DNA profiles: random people, gene dropping through pedigrees, degraded samples.

Every function takes ``seed``, an integer or a :class:`numpy.random.Generator`: the same
integer gives the same profiles on every run and platform of one numpy version, and a shared
Generator lets a caller draw many cases from one stream.

Genotypes are returned as ``(a, b)`` with the two labels in the marker's allele order, so the
same genotype always prints the same way (the parental origin is not kept).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from forensic_match.errors import InputError, where
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree
from forensic_match.profiles import Genotype

Seed = int | np.random.Generator


def _rng(seed: Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _draw(rng: np.random.Generator, weights: np.ndarray, size: int | tuple[int, ...]
          ) -> np.ndarray:
    """Indices drawn from ``weights``, which need not sum exactly to 1 (rounded tables)."""
    cum = np.cumsum(weights)
    u = rng.random(size) * cum[-1]
    return np.minimum(np.searchsorted(cum, u, side="right"), len(weights) - 1)


def _mutate(rng: np.random.Generator, cum: np.ndarray, alleles: np.ndarray) -> np.ndarray:
    """Pass each allele through the row of a transition matrix (``cum``: cumulative rows)."""
    rows = cum[alleles]
    u = rng.random(len(alleles)) * rows[:, -1]
    return np.minimum((rows <= u[:, None]).sum(axis=1), cum.shape[1] - 1)


def _genotype(marker: Marker, a: int, b: int) -> tuple[str, str]:
    lo, hi = (a, b) if a <= b else (b, a)
    return marker.alleles[lo], marker.alleles[hi]


def random_profile(markers: Sequence[Marker], *, seed: Seed) -> dict[str, tuple[str, str]]:
    """A random person's genotype at every marker, under Hardy-Weinberg equilibrium.

    Parameters
    ----------
    markers : sequence of Marker
    seed : int or numpy.random.Generator

    Returns
    -------
    dict
        ``{marker name: (a, b)}``, the labels in the marker's allele order.

    Examples
    --------
    >>> m = Marker("M1", ["1", "2", "3"], [0.2, 0.3, 0.5])
    >>> random_profile([m], seed=1) == random_profile([m], seed=1)
    True
    """
    rng = _rng(seed)
    out = {}
    for marker in markers:
        a, b = _draw(rng, marker.frequencies, 2)
        out[marker.name] = _genotype(marker, int(a), int(b))
    return out


def _generations(pedigree: Pedigree) -> list[np.ndarray]:
    """Indices grouped so that every parent is in an earlier group than its children."""
    depth = np.zeros(len(pedigree), dtype=np.int64)
    for i in pedigree.topological_order:
        if pedigree.father[i] >= 0:
            depth[i] = 1 + max(depth[pedigree.father[i]], depth[pedigree.mother[i]])
    return [np.flatnonzero(depth == d) for d in range(int(depth.max()) + 1)]


def simulate_profiles(pedigree: Pedigree, markers: Sequence[Marker], *, seed: Seed,
                      typed: Iterable[str] | None = None, founders_theta: float = 0.0
                      ) -> dict[str, dict[str, tuple[str, str]]]:
    """Drop genes through a pedigree: founders from the frequencies, children from parents.

    Founder alleles are drawn from the marker's frequencies. With ``founders_theta`` > 0 all
    founder alleles of the pedigree are drawn jointly from the Balding-Nichols urn: the next
    allele is ``a`` with probability ``(b*theta + (1-theta)*p_a) / (1 + (n-1)*theta)`` when
    ``b`` of the ``n`` alleles drawn so far are ``a``. This urn is a Pólya urn, so the draws
    are made equivalently (same distribution, fewer steps) by drawing subpopulation
    frequencies from Dirichlet(``p * (1-theta)/theta``) and the alleles independently from
    them. A child receives one of its father's two alleles (probability 1/2 each), passed
    through the male mutation matrix, and one of its mother's, through the female matrix;
    without a mutation model transmission is Mendelian.

    Parameters
    ----------
    pedigree : Pedigree
    markers : sequence of Marker
        Markers are simulated independently (unlinked).
    seed : int or numpy.random.Generator
    typed : iterable of str, optional
        Ids whose profiles are returned; all individuals by default.
    founders_theta : float
        Coancestry coefficient of the founders, 0 <= theta < 1.

    Returns
    -------
    dict
        ``{id: {marker name: (a, b)}}``, the labels of each genotype in the marker's allele
        order.

    Raises
    ------
    PedigreeError
        An id in ``typed`` that is not in the pedigree.
    InputError
        ``founders_theta`` outside [0, 1).

    Examples
    --------
    >>> from forensic_match.pedigree import trio
    >>> m = Marker("M1", ["1", "2", "3"], [0.2, 0.3, 0.5])
    >>> profiles = simulate_profiles(trio(), [m], seed=7, typed=["C", "AF"])
    >>> sorted(profiles)
    ['AF', 'C']
    """
    if not 0.0 <= founders_theta < 1.0:
        raise InputError(f"founders_theta must lie in [0, 1), got {founders_theta}")
    rng = _rng(seed)
    keep = [pedigree.index(i) for i in (pedigree.ids if typed is None else typed)]
    founders = np.flatnonzero(pedigree.father < 0)
    generations = _generations(pedigree)[1:]
    out: dict[str, dict[str, tuple[str, str]]] = {pedigree.ids[i]: {} for i in keep}
    for marker in markers:
        freqs = marker.frequencies / marker.frequencies.sum()
        if founders_theta > 0.0:
            freqs = rng.dirichlet(freqs * (1.0 - founders_theta) / founders_theta)
        alleles = np.empty((len(pedigree), 2), dtype=np.int64)
        alleles[founders] = _draw(rng, freqs, (len(founders), 2))
        matrices = marker.matrices
        cum_female, cum_male = ((None, None) if matrices is None
                                else (np.cumsum(matrices[0], axis=1),
                                      np.cumsum(matrices[1], axis=1)))
        for kids in generations:
            pick = rng.integers(0, 2, size=(len(kids), 2))
            paternal = alleles[pedigree.father[kids], pick[:, 0]]
            maternal = alleles[pedigree.mother[kids], pick[:, 1]]
            if cum_male is not None and cum_female is not None:
                paternal = _mutate(rng, cum_male, paternal)
                maternal = _mutate(rng, cum_female, maternal)
            alleles[kids, 0] = paternal
            alleles[kids, 1] = maternal
        for i in keep:
            out[pedigree.ids[i]][marker.name] = _genotype(marker, int(alleles[i, 0]),
                                                          int(alleles[i, 1]))
    return out


def degrade(profile: Mapping[str, Genotype], *, dropout: float | Mapping[str, float],
            seed: Seed, marker_loss: float = 0.0) -> dict[str, Genotype]:
    """A degraded copy of a profile: alleles drop out and whole markers fail.

    Each allele copy drops out independently with probability ``dropout``: a heterozygote
    a/b that loses b is seen as ``(a, a)``; a homozygote a/a is seen as ``(a, a)`` unless both
    copies drop. A marker is removed when all its alleles drop out, or, with probability
    ``marker_loss``, as a whole. There is no drop-in.

    Parameters
    ----------
    profile : mapping
        ``{marker name: (a, b)}``; ``(a, None)`` (one allele known) keeps ``None``.
    dropout : float or mapping of str to float
        Per-allele dropout probability, one for all markers or one per marker (markers not
        in the mapping have none), e.g. higher for long amplicons.
    seed : int or numpy.random.Generator
    marker_loss : float
        Probability that a marker yields no result at all.

    Returns
    -------
    dict
        The markers that were typed, in the order of ``profile``.

    Raises
    ------
    InputError
        A probability outside [0, 1].

    Examples
    --------
    >>> degrade({"M1": ("1", "2")}, dropout=0.0, seed=1)
    {'M1': ('1', '2')}
    >>> degrade({"M1": ("1", "2")}, dropout=0.0, marker_loss=1.0, seed=1)
    {}
    """
    rates = {m: (dropout.get(m, 0.0) if isinstance(dropout, Mapping) else dropout)
             for m in profile}
    for m, d in [*rates.items(), ("", marker_loss)]:
        if not 0.0 <= d <= 1.0:
            what = "marker_loss" if m == "" else f"{where(marker=m)}: dropout"
            raise InputError(f"{what} probability must lie in [0, 1], got {d}")
    rng = _rng(seed)
    u = rng.random((len(profile), 3))
    out: dict[str, Genotype] = {}
    for (name, genotype), (lost, u_a, u_b) in zip(profile.items(), u, strict=True):
        if lost < marker_loss:
            continue
        d = rates[name]
        a, b = genotype
        seen_a = a if u_a >= d else None
        seen_b = b if b is not None and u_b >= d else None
        if seen_a is None and seen_b is None:
            continue
        if b is None:
            out[name] = (a, None)
        elif seen_a is None or seen_b is None:
            allele = seen_a if seen_a is not None else seen_b
            out[name] = (allele, allele)  # type: ignore[assignment]
        else:
            out[name] = (a, b)
    return out
