"""Kinship likelihood ratios: two pedigree hypotheses for the same DNA profiles.

Paternity, sibship, missing-person and any other kinship question is one call of
:func:`kinship_lr` with two pedigrees: ``LR = P(data | H1) / P(data | H2)``, per marker and
in total (markers are independent, so per-marker LRs multiply; we sum their log10).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forensic_match.errors import IgnoredMarkerWarning, InputError
from forensic_match.likelihood.engine import (
    ObservationSpec,
    _evaluate,
    evaluate_with_unknown_alleles,
    unknown_allele_frequency,
)
from forensic_match.marker_names import aligned, check_panel
from forensic_match.markers import Marker, markers_digest
from forensic_match.pedigree import Pedigree
from forensic_match.profiles import Observation


@dataclass(frozen=True)
class KinshipResult:
    """The outcome of :func:`kinship_lr`.

    Attributes
    ----------
    markers : tuple of str
    likelihood_h1, likelihood_h2 : numpy.ndarray
        Per-marker likelihoods under each hypothesis.
    provenance : dict
        Package version, date, parameters and hashes of the frequency data and the profiles:
        what an auditor needs to reproduce the number.
    """

    markers: tuple[str, ...]
    likelihood_h1: np.ndarray
    likelihood_h2: np.ndarray
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def log10_lr_per_marker(self) -> np.ndarray:
        """log10 LR of each marker (``inf`` / ``-inf`` where one hypothesis excludes)."""
        with np.errstate(divide="ignore"):
            return np.log10(self.likelihood_h1) - np.log10(self.likelihood_h2)

    @property
    def lr_per_marker(self) -> dict[str, float]:
        """``{marker: LR}``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            lrs = self.likelihood_h1 / self.likelihood_h2
        return dict(zip(self.markers, (float(x) for x in lrs)))

    @property
    def log10_lr_total(self) -> float:
        """Sum of the per-marker log10 LRs."""
        return float(np.sum(self.log10_lr_per_marker))

    @property
    def lr_total(self) -> float:
        """The total LR (may overflow to ``inf`` for very strong evidence: use log10)."""
        return lr_from_log10(self.log10_lr_total)

    @property
    def table(self) -> Any:
        """polars DataFrame: marker, likelihood_h1, likelihood_h2, lr, log10_lr."""
        import polars as pl

        with np.errstate(divide="ignore", invalid="ignore"):
            lr = self.likelihood_h1 / self.likelihood_h2
        return pl.DataFrame({"marker": list(self.markers),
                             "likelihood_h1": self.likelihood_h1,
                             "likelihood_h2": self.likelihood_h2,
                             "lr": lr, "log10_lr": self.log10_lr_per_marker})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: ``lr_total``, ``log10_lr_total``, ``lr_per_marker``, provenance."""
        return {"lr_total": self.lr_total, "log10_lr_total": self.log10_lr_total,
                "lr_per_marker": self.lr_per_marker,
                "likelihood_H1": self.likelihood_h1.tolist(),
                "likelihood_H2": self.likelihood_h2.tolist(),
                "provenance": self.provenance}

    def __repr__(self) -> str:
        return (f"KinshipResult(LR={self.lr_total:.6g}, log10 LR={self.log10_lr_total:.4f}, "
                f"{len(self.markers)} markers)")


def lr_from_log10(log10: float) -> float:
    """``10 ** log10`` as a float: ``inf`` beyond the largest float (where ``10 ** x`` would
    raise ``OverflowError``), 0 for ``-inf``, NaN for NaN."""
    if np.isnan(log10):
        return float("nan")
    if log10 > 308.25:
        return float("inf")
    return float(10.0 ** log10) if np.isfinite(log10) else 0.0


def profiles_digest(profiles: Mapping[str, Mapping[str, Any]]) -> str:
    """sha256 of the profiles in a canonical form."""
    canon = {str(i): {str(m): list(g) for m, g in sorted(p.items())}
             for i, p in sorted(profiles.items())}
    return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()


def _provenance(markers: Sequence[Marker], profiles: Mapping[str, Any], **params: Any,
                ) -> dict[str, Any]:
    from forensic_match import __version__

    return {"package": "forensic_match", "version": __version__,
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "parameters": params, "frequencies_sha256": markers_digest(markers),
            "profiles_sha256": profiles_digest(profiles)}


def _aligned_profiles(by_key: Mapping[str, str], profiles: Mapping[str, Mapping[str, Any]]
                      ) -> dict[str, dict[str, Any]]:
    """The profiles under the markers' spelling (``vWA`` for ``VWA``:
    :mod:`~forensic_match.marker_names`), warning about markers that are not analysed (a
    misspelt name would hide an exclusion)."""
    out = {}
    for ident, prof in profiles.items():
        out[ident], extra = aligned(prof, by_key, f"sample {ident!r}")
        if extra:
            warnings.warn(f"sample {ident!r}: markers {sorted(extra)} are not among the "
                          f"markers analysed and are ignored", IgnoredMarkerWarning,
                          stacklevel=3)
    return out


def kinship_lr(h1: Pedigree, h2: Pedigree, markers: Sequence[Marker],
               profiles: Mapping[str, Mapping[str, Any]], *, theta: float = 0.0,
               observation: ObservationSpec = None, lump: bool = True,
               min_frequency: float | None = None) -> KinshipResult:
    """Likelihood ratio of hypothesis ``h1`` against ``h2`` for the same profiles.

    Parameters
    ----------
    h1, h2 : Pedigree
        The two hypotheses. Every typed individual must be in both. For "the missing person
        is unrelated to the family" use ``h1.with_unrelated(missing)``
        (:meth:`~forensic_match.pedigree.Pedigree.with_unrelated`: the references stay
        related to each other as drawn); making every typed person a founder
        (:func:`~forensic_match.pedigree.unrelated`) is that only when the references are
        unrelated to each other (two parents).
    markers : sequence of Marker
    profiles : mapping
        ``{individual: {marker: (a, b)}}``.
    theta : float
        Balding-Nichols correction, applied to all founder alleles of each hypothesis.
    observation : mapping, optional
        ``{individual: Observation or dropout probability}``.
    lump : bool
        Merge unseen alleles where exact (faster, same result).
    min_frequency : float, optional
        Frequency for alleles missing from a marker's table (with a warning); by default each
        marker's own, from its frequency database (5 / (2N) or the value given to
        ``load_frequencies``), else 0.001.

    Returns
    -------
    KinshipResult

    Examples
    --------
    >>> from forensic_match import Marker
    >>> from forensic_match.pedigree import trio, unrelated
    >>> m = Marker("TH01", ["6", "7", "9.3"], [0.2, 0.3, 0.5])
    >>> res = kinship_lr(trio(), unrelated(["AF", "MO", "C"], ["M", "F", "M"]), [m],
    ...                  {"AF": {"TH01": ("6", "6")}, "C": {"TH01": ("6", "7")}})
    >>> round(res.lr_total, 6)
    2.5
    """
    for ident in profiles:
        for name, ped in (("H1", h1), ("H2", h2)):
            if ident not in ped:
                raise InputError(f"typed individual {ident!r} is not in hypothesis {name}")
    for ident in observation or {}:
        for name, ped in (("H1", h1), ("H2", h2)):
            if ident not in ped:
                raise InputError(f"dropout given for {ident!r}, who is not in hypothesis "
                                 f"{name}")
    by_key = check_panel(markers)
    profiles = _aligned_profiles(by_key, profiles)
    l1, _, markers = evaluate_with_unknown_alleles(
        h1, markers, profiles, theta=theta, observation=observation, target=None, lump=lump,
        min_frequency=min_frequency)
    l2, _ = _evaluate(h2, markers, profiles, theta=theta, observation=observation,
                      target=None, lump=lump)
    both = np.flatnonzero((l1 == 0) & (l2 == 0))
    if both.size:
        names = [markers[i].name for i in both]
        raise InputError(f"markers {names}: the profiles are impossible under both hypotheses "
                         f"(a Mendelian inconsistency with no mutation model?)")
    obs = {k: (v if isinstance(v, Observation) else Observation(float(v))).__dict__
           for k, v in (observation or {}).items()}
    prov = _provenance(markers, profiles, theta=theta, lump=lump, observation=obs,
                       min_frequency={m.name: unknown_allele_frequency(m, min_frequency)
                                      for m in markers},
                       mutation={m.name: (m.mutation.to_record() if m.mutation else None)
                                 for m in markers})
    return KinshipResult(tuple(m.name for m in markers), l1, l2, prov)
