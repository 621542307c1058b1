"""Markers: allele labels, their frequencies and the marker's mutation model.

Alleles are labels as printed on a report ("9.3", ">27"), always strings, never numbers: "9.3"
and "9.30" are different labels, and an integer or float allele is refused with a
:class:`MarkerError` that says so. Laboratory files are read in one canonical form
(:func:`forensic_match.profiles.allele_label`); a frequency table may hold other labels.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from forensic_match.errors import MarkerError, NormalisationWarning, UnknownAlleleWarning, where
from forensic_match.mutation import Mutation

#: Frequencies must sum to 1 within this tolerance unless the caller asks to normalise.
#: Published tables are rounded to 3-4 decimals; a table of 25 alleles each rounded to 4
#: decimals can be off by 25 * 5e-5 = 1.25e-3 in the worst case.
SUM_TOLERANCE = 5e-3

#: Frequencies within this distance of summing to 1 are used exactly as given (published and
#: reference tables sum to 1 within about 2e-10). Beyond it, and within
#: :data:`SUM_TOLERANCE`, they are rescaled to sum to 1, with a warning: the likelihoods
#: (whose exact rewritings assume a distribution), the search's denominators and the
#: ``proportional`` mutation model agree with one another only on a table that sums to 1.
EXACT_SUM = 1e-9

#: The smallest frequency a table may give an allele it lacks (``min_frequency``, in a
#: table, a run configuration or a JSON marker): 1e-300 made a shared unseen allele's LR
#: infinite with only the allele's warning (an outside review, 2026-12-07).
SMALLEST_MIN_FREQUENCY = 1e-9


@dataclass(frozen=True, eq=False)
class Marker:
    """One marker: allele labels, frequencies in the same order, and a mutation model.

    Parameters
    ----------
    name : str
    alleles : sequence of str
        Distinct allele labels.
    frequencies : sequence of float
        Positive frequencies aligned with ``alleles``; they must sum to 1 within
        :data:`SUM_TOLERANCE` (unless ``normalise``). Within :data:`EXACT_SUM` of 1 they are
        used as given; farther (a rounded table) they are rescaled to sum to 1, with a
        :class:`~forensic_match.errors.NormalisationWarning`.
    mutation : Mutation, optional
        Female and male mutation models; ``None`` means Mendelian transmission.
    normalise : bool
        Rescale frequencies that do not sum to 1 (with a warning) instead of refusing them.
    min_frequency : float, optional
        Frequency given to an allele that a profile shows but the table lacks; set by the
        :class:`~forensic_match.frequencies.FrequencyDB` the marker comes from (5 / (2N), or
        the caller's value). ``None``: the engine's fallback
        :data:`~forensic_match.frequencies.DEFAULT_MIN_FREQUENCY`.

    Examples
    --------
    >>> m = Marker("TH01", ["6", "7", "9.3"], [0.2, 0.3, 0.5])
    >>> m.index("9.3")
    2
    """

    name: str
    alleles: tuple[str, ...]
    frequencies: np.ndarray
    mutation: Mutation | None = None
    normalise: bool = field(default=False, repr=False)
    min_frequency: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        loc = where(marker=self.name)
        _check_labels(self.alleles, loc)
        alleles = tuple(a.strip() for a in self.alleles)
        freqs = np.asarray(self.frequencies, dtype=np.float64).copy()
        if len(alleles) == 0:
            raise MarkerError(f"{loc}: no alleles")
        if len(set(alleles)) != len(alleles):
            dup = sorted({a for a in alleles if alleles.count(a) > 1})
            raise MarkerError(f"{loc}: duplicate alleles {dup}")
        if any(a == "" for a in alleles):
            raise MarkerError(f"{loc}: empty allele label")
        if freqs.shape != (len(alleles),):
            raise MarkerError(f"{loc}: {len(alleles)} alleles but {freqs.size} frequencies")
        if not np.all(np.isfinite(freqs)) or np.any(freqs <= 0):
            bad = [a for a, f in zip(alleles, freqs) if not (np.isfinite(f) and f > 0)]
            raise MarkerError(f"{loc}: frequencies must be positive, not for alleles {bad}")
        total = float(freqs.sum())
        if abs(total - 1.0) > SUM_TOLERANCE:
            if not self.normalise:
                raise MarkerError(f"{loc}: frequencies sum to {total:.6g}, not 1 (tolerance "
                                  f"{SUM_TOLERANCE}); pass normalise=True to rescale them")
            warnings.warn(f"{loc}: frequencies sum to {total:.6g}; rescaled to sum to 1",
                          NormalisationWarning, stacklevel=3)
            freqs = freqs / total
        elif abs(total - 1.0) > EXACT_SUM:
            warnings.warn(f"{loc}: frequencies sum to {total:.9g}, within the tolerance "
                          f"{SUM_TOLERANCE} of 1 (a rounded table); rescaled to sum to 1, "
                          f"as every likelihood, search and mutation model needs",
                          NormalisationWarning, stacklevel=3)
            freqs = freqs / total
        freqs.flags.writeable = False
        object.__setattr__(self, "alleles", alleles)
        object.__setattr__(self, "frequencies", freqs)

    def __len__(self) -> int:
        return len(self.alleles)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Marker):
            return NotImplemented
        return (self.name == other.name and self.alleles == other.alleles
                and np.array_equal(self.frequencies, other.frequencies)
                and self.mutation == other.mutation)

    def __hash__(self) -> int:
        return hash((self.name, self.alleles))

    @cached_property
    def _index(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.alleles)}

    def index(self, allele: str) -> int:
        """Position of ``allele``; :class:`MarkerError` if the marker does not have it."""
        try:
            return self._index[allele]
        except KeyError:
            _check_labels([allele], where(marker=self.name))
            raise MarkerError(f"{where(marker=self.name, allele=allele)}: allele not in the "
                              f"frequency table") from None

    def has(self, allele: str) -> bool:
        """Whether ``allele`` is one of the marker's alleles."""
        return allele in self._index

    @cached_property
    def matrices(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(female, male) mutation matrices over all alleles, or ``None`` without mutation."""
        if self.mutation is None:
            return None
        return self.mutation.matrices(self.alleles, self.frequencies)

    def with_mutation(self, mutation: Mutation | None) -> Marker:
        """The same marker with another mutation model."""
        return Marker(self.name, self.alleles, self.frequencies, mutation,
                      min_frequency=self.min_frequency)

    def with_alleles(self, alleles: Iterable[str], *, min_frequency: float,
                     sample: str | None = None) -> Marker:
        """Add alleles missing from the table, each with ``min_frequency``.

        The table is then rescaled to sum to 1. A :class:`UnknownAlleleWarning` names each
        added allele. Custom mutation matrices cannot be extended and raise.
        """
        alleles = list(alleles)
        _check_labels(alleles, where(sample=sample, marker=self.name))
        new = [a for a in dict.fromkeys(alleles) if not self.has(a)]
        if not new:
            return self
        if self.mutation is not None and "custom" in (self.mutation.female.model,
                                                       self.mutation.male.model):
            raise MarkerError(f"{where(marker=self.name)}: alleles {new} are not in the custom "
                              f"mutation matrix")
        for a in new:
            warnings.warn(f"{where(sample=sample, marker=self.name, allele=a)}: allele not in "
                          f"the frequency database; added with frequency {min_frequency:.4g} "
                          f"and the table rescaled", UnknownAlleleWarning, stacklevel=3)
        freqs = np.concatenate([self.frequencies, np.full(len(new), min_frequency)])
        return Marker(self.name, self.alleles + tuple(new), freqs / freqs.sum(), self.mutation,
                      min_frequency=self.min_frequency)

    def digest(self) -> str:
        """A short hash of the marker's name, alleles, frequencies and mutation model."""
        return self._digest

    @cached_property
    def _digest(self) -> str:
        h = hashlib.sha256()
        h.update(self.name.encode())
        for a, f in zip(self.alleles, self.frequencies):
            h.update(f"{a}={float(f)!r};".encode())
        if self.mutation is not None:
            # the JSON case form where it exists, so that digests stored by earlier runs stay
            # valid; each sex's model (and a custom matrix's sha256) where it does not
            h.update(repr(self.mutation.to_record()).encode())
        return h.hexdigest()[:16]


def _check_labels(alleles: Iterable[object], loc: str) -> None:
    """Allele labels are strings: a number cannot tell "9.3" from "9.30", and 7 next to "7"
    would otherwise be reported as a duplicate allele."""
    odd = [a for a in alleles if not isinstance(a, str)]
    if odd:
        raise MarkerError(f"{loc}: alleles are strings (labels as printed on a report, such as "
                          f"'7' or '9.3'), got {type(odd[0]).__name__} {odd[0]!r}; write "
                          f"{str(odd[0])!r} if that is the label")


def markers_digest(markers: Sequence[Marker]) -> str:
    """sha256 over the digests of ``markers``, for provenance records."""
    h = hashlib.sha256()
    for m in markers:
        h.update(m.digest().encode())
    return h.hexdigest()
