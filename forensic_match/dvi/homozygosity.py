"""Excess homozygosity of PM samples recorded without dropout: allelic dropout not declared.

A degraded sample loses alleles; a laboratory exports a heterozygote that lost one allele as
a homozygote (``a/a``). With the sample's dropout declared, the observation model reads such
a call as "a, and perhaps another allele that dropped out" (``docs/methods.md``). Recorded
with dropout 0 (the dropout column left empty), every such call is a true homozygote, and
each marker where a relative of the body inherited the allele that dropped out becomes an
exclusion of the true relationship. An outside check (2026-12-06, gene-drop worlds of its
own) found a son proposed as his registered father that way (posterior 0.99983, LR 1.1e13):
his own hypothesis, the father of the typed grandchildren, lost 1e8-1e13 to those false
exclusions, while the grandfather's did not (the allele can come through the untyped son
from the grandfather's wife). The body showed 16 homozygous markers of 22 where 4.7 were
expected.

So each PM sample recorded with dropout 0 is tested for more homozygous markers than its
population gives: ``H`` homozygous of the ``n`` typed markers (a partial genotype ``(a,
None)`` is not counted), against the Poisson-binomial distribution with per-marker
probability ``h_k = θ + (1 - θ) Σ_a p_a²`` (Hardy-Weinberg with the Balding-Nichols
correction; ``θ`` at least :data:`SCREEN_THETA`, so that a population's own substructure is
not taken for dropout). Placed in a family whose pedigree makes the candidate inbred (parents
related: a child of first cousins ``F = 1/16``, of an uncle and his niece ``1/8``), the
expectation is that of the candidate, ``F + (1 - F) h_k``: an outside check (2026-12-06)
found true identifications in such families held back (up to 18 of 200 with uncle-niece
parents). A placement with ``P(H' >= H) <`` :data:`ALPHA` is suspect; identification holds
back the body's proposals and family-level rows (``docs/decisions.md``, "Undeclared
dropout").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from forensic_match.cases import Family, PMSample
from forensic_match.markers import Marker

#: Tail probability below which a sample recorded without dropout is taken to hide it:
#: about one good profile in 100 is held back by chance (fewer with the theta floor).
ALPHA = 0.01

#: The least theta of the screen's expected homozygosity (whatever the analysis' theta).
SCREEN_THETA = 0.02


@dataclass(frozen=True)
class Homozygosity:
    """One sample's homozygous markers against its population's expectation."""

    sample: str
    homozygous: int
    typed: int
    expected: float
    p_value: float

    def short(self) -> str:
        """The count in words: "sample PM1: 16 of 22 typed markers homozygous where 4.7 are
        expected (P = 6.2e-07)"."""
        return (f"sample {self.sample}: {self.homozygous} of {self.typed} typed markers "
                f"homozygous where {self.expected:.1f} are expected (P = {self.p_value:.2g})")

    def words(self) -> str:
        """The finding in words, for a held-back row's reason."""
        return (f"{self.short()}, recorded without dropout: allelic dropout not declared? "
                f"(an allele lost from a heterozygote reads as a homozygote and excludes the "
                f"body's true relatives); give the sample's dropout and run again, or, if "
                f"the profile is good (parents related beyond what the pedigree states, an "
                f"inbred community), give it dropout 0.01, which lifts this hold")


def homozygosity(sample: PMSample, markers: Sequence[Marker], *,
                 theta: float = 0.0) -> Homozygosity:
    """``sample``'s homozygous markers among ``markers`` and the upper tail probability of
    that many or more (Poisson-binomial, exact)."""
    return _Counts.of(sample, _expected(markers, theta)).against(0.0)


def _expected(markers: Sequence[Marker], theta: float) -> dict[str, float]:
    """Per marker the probability that a person is homozygous: ``θ + (1 - θ) Σ p²``, ``θ``
    at least :data:`SCREEN_THETA`."""
    return expected_homozygosity(markers, max(theta, SCREEN_THETA))


def expected_homozygosity(markers: Sequence[Marker], theta: float = 0.0) -> dict[str, float]:
    """Per marker the probability that a person of the table's population is homozygous,
    ``θ + (1 - θ) Σ p²`` (the frequencies normalised)."""
    out = {}
    for m in markers:
        f = np.asarray(m.frequencies, dtype=np.float64)
        f = f / f.sum()
        out[m.name] = theta + (1.0 - theta) * float(np.dot(f, f))
    return out


def _upper_tail(probs: Sequence[float], k: int) -> float:
    """P(X >= k) for X the number of successes of independent trials with ``probs``."""
    dist = np.zeros(len(probs) + 1)
    dist[0] = 1.0
    for i, p in enumerate(probs):
        dist[1:i + 2] = dist[1:i + 2] * (1.0 - p) + dist[:i + 1] * p
        dist[0] *= 1.0 - p
    return float(min(1.0, dist[k:].sum()))


@dataclass(frozen=True)
class _Counts:
    """A sample's homozygous count and the probability of homozygosity of each typed marker
    (a partial genotype is not typed here), to be judged against a candidate."""

    sample: str
    homozygous: int
    probs: tuple[float, ...]

    @classmethod
    def of(cls, sample: PMSample, expected: Mapping[str, float]) -> _Counts:
        probs: list[float] = []
        hom = 0
        for name, g in sample.genotypes.items():
            h = expected.get(name)
            if h is None or g is None or g[0] is None or g[1] is None:
                continue
            probs.append(h)
            hom += g[0] == g[1]
        return cls(sample.id, hom, tuple(probs))

    def against(self, inbreeding: float) -> Homozygosity:
        """The finding for a candidate with inbreeding coefficient ``inbreeding`` (0: the
        population's own expectation)."""
        probs = [inbreeding + (1.0 - inbreeding) * h for h in self.probs]
        return Homozygosity(self.sample, self.homozygous, len(probs), float(sum(probs)),
                            _upper_tail(probs, self.homozygous))


class DropoutScreen:
    """The bodies recorded without dropout whose homozygosity says they have some, judged
    per placement: against a candidate of a family whose pedigree makes him inbred, the
    expectation is his (``F + (1 - F) h_k``).

    Parameters
    ----------
    samples : sequence of PMSample
    markers : sequence of Marker
        The panel.
    body_of : mapping
        ``{sample id: body id}``.
    families : mapping
        ``{family id: Family}``, for the candidates' inbreeding.
    theta : float
        The analysis' theta (the screen takes at least :data:`SCREEN_THETA`).
    """

    def __init__(self, samples: Sequence[PMSample], markers: Sequence[Marker],
                 body_of: Mapping[str, str], families: Mapping[str, Family], *,
                 theta: float = 0.0) -> None:
        expected = _expected(markers, theta)
        self.families = families
        # the bodies' first fragments recorded without dropout that are beyond ALPHA for a
        # candidate who is not inbred
        self.suspects: dict[str, _Counts] = {}
        for s in samples:
            if s.dropout > 0.0 or s.id not in body_of or body_of[s.id] in self.suspects:
                continue
            suspect = _Counts.of(s, expected)
            if suspect.against(0.0).p_value < ALPHA:
                self.suspects[body_of[s.id]] = suspect

    def __bool__(self) -> bool:
        return bool(self.suspects)

    def findings(self) -> dict[str, Homozygosity]:
        """``{body: finding}`` for a candidate who is not inbred (the warning's list)."""
        return {b: s.against(0.0) for b, s in sorted(self.suspects.items())}

    def held(self, body: str, family: str, missing: str | None = None) -> Homozygosity | None:
        """The finding that holds back ``body``'s placement in ``family`` (as ``missing``;
        ``None``: at family level, against the family's most inbred missing person), or
        ``None``."""
        suspect = self.suspects.get(body)
        if suspect is None:
            return None
        fam = self.families.get(family)
        inbreeding = 0.0
        if fam is not None:
            inbreeding = max((fam.pedigree.inbreeding(m) for m in
                              ([missing] if missing is not None else fam.missing)
                              if m in fam.pedigree), default=0.0)
        found = suspect.against(inbreeding)
        return found if found.p_value < ALPHA else None


def undeclared_dropout(samples: Sequence[PMSample], markers: Sequence[Marker],
                       body_of: Mapping[str, str], *, theta: float = 0.0,
                       families: Mapping[str, Family] | None = None) -> DropoutScreen:
    """The :class:`DropoutScreen` of ``samples``."""
    return DropoutScreen(samples, markers, body_of, families or {}, theta=theta)


__all__ = ["ALPHA", "SCREEN_THETA", "DropoutScreen", "Homozygosity", "homozygosity",
           "undeclared_dropout"]
